//! The trait impls of [`RedisDeque`]: `Debug` (type, key and maxlen, no
//! I/O), `Serialize` (streaming the elements), `Clone` and `Container`.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisDeque;
use crate::client::Client;
use crate::codec::Codec;
use crate::container::Container;
use crate::engine::{Blocking, Mode};
use crate::list::serialize_elements;

impl<T, C: Codec, M: Mode> fmt::Debug for RedisDeque<T, C, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDeque")
            .field("key", &self.key())
            .field("maxlen", &self.maxlen)
            .finish()
    }
}

/// Serializes the current elements as a sequence, streaming them page by page.
impl<T, C> Serialize for RedisDeque<T, C, Blocking>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
{
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serialize_elements(serializer, self.iter())
    }
}

impl<T, C: Codec, M: Mode> Clone for RedisDeque<T, C, M> {
    fn clone(&self) -> Self {
        RedisDeque {
            list: self.list.clone(),
            maxlen: self.maxlen,
        }
    }
}

impl<T, C: Codec, M: Mode> Container for RedisDeque<T, C, M> {
    type Mode = M;

    fn key(&self) -> &str {
        self.base().key()
    }

    fn client(&self) -> &Client {
        self.base().client()
    }

    fn redis_type(&self) -> &'static str {
        self.base().redis_type()
    }
}
