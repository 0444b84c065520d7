//! `Serialize` for [`RedisList`], streaming the elements.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisList;
use crate::codec::Codec;
use crate::engine::Blocking;
use crate::error::Result;

/// Serializes the current elements as a sequence, streaming them page by page:
/// the counterpart of pottery's `json.dumps(redis_list)`.
impl<T, C> Serialize for RedisList<T, C, Blocking>
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

/// The elements of `iter` as a serde sequence; a read error fails it.
pub(crate) fn serialize_elements<S: serde::Serializer, T: Serialize>(
    serializer: S,
    iter: impl Iterator<Item = Result<T>>,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::{Error as _, SerializeSeq};
    let mut seq = serializer.serialize_seq(None)?;
    for item in iter {
        seq.serialize_element(&item.map_err(S::Error::custom)?)?;
    }
    seq.end()
}
