//! The trait impls of [`RedisDict`]: `IntoIterator` and `Serialize` (streaming
//! the entries).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisDict;
use crate::codec::Codec;
use crate::engine::Blocking;
use crate::error::Result;

/// `for entry in &dict` streams the entries, as [`RedisDict::iter`] does.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
/// tel.insert("jack", 4098)?;
/// for entry in &tel {
///     assert_eq!(entry?, ("jack".to_owned(), 4098));
/// }
/// # Ok::<(), pottery::Error>(())
/// ```
impl<'a, K, V, C> IntoIterator for &'a RedisDict<K, V, C, Blocking>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
{
    type Item = Result<(K, V)>;
    type IntoIter = crate::engine::Iter<'a, (K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Serializes the current entries as a map, streaming them with `HSCAN`: the
/// counterpart of pottery's `json.dumps(redis_dict)`.
impl<K, V, C> Serialize for RedisDict<K, V, C, Blocking>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
{
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeMap};
        let mut map = serializer.serialize_map(None)?;
        for entry in self.iter() {
            let (k, v) = entry.map_err(S::Error::custom)?;
            map.serialize_entry(&k, &v)?;
        }
        map.end()
    }
}
