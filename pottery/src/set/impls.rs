//! `Serialize` for [`RedisSet`], streaming the members.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisSet;
use crate::codec::Codec;
use crate::engine::Blocking;

/// Serializes the current members as a sequence, streaming them with `SSCAN`.
impl<T, C> Serialize for RedisSet<T, C, Blocking>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
{
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        crate::list::serialize_elements(serializer, self.iter())
    }
}
