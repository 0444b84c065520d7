//! The trait impls of [`RedisDeque`]: `Debug` (type, key and maxlen, no
//! I/O), `Serialize` (streaming the elements), `Clone` and `Container`.

use std::fmt;

use super::RedisDeque;
use crate::codec::Codec;
use crate::engine::Mode;

impl<T, C: Codec, M: Mode> fmt::Debug for RedisDeque<T, C, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDeque")
            .field("key", &self.key())
            .field("maxlen", &self.maxlen)
            .finish()
    }
}

crate::container::serialize_seq!(
    /// Serializes the current elements as a sequence, streaming them page by page.
    RedisDeque
);

impl<T, C: Codec, M: Mode> Clone for RedisDeque<T, C, M> {
    fn clone(&self) -> Self {
        RedisDeque {
            list: self.list.clone(),
            maxlen: self.maxlen,
        }
    }
}

crate::container::container_impl!(RedisDeque<T>, d => d.base());
