//! The operations of [`RedisDict`] on many entries at once: one round trip
//! whatever their number.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisDict;
use crate::codec::{Codec, EncodeAs};
use crate::decode;
use crate::engine::{Mode, ModeExt};
use crate::error::Result;

impl<K, V, C, M> RedisDict<K, V, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// The values for `keys`, in order, `None` where absent: one `HMGET`.
    ///
    /// Returns `Result<Vec<Option<V>>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// let numbers = tel.get_many(["jack", "sape"])?;
    /// assert_eq!(numbers.len(), 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_many<I>(&self, keys: I) -> M::Output<'_, Vec<Option<V>>>
    where
        I: IntoIterator<Item: EncodeAs<K>>,
    {
        let fields = match self.base.encode_each(keys) {
            Ok(fields) if fields.is_empty() => return M::ready(Ok(Vec::new())),
            Ok(fields) => fields,
            Err(err) => return M::ready(Err(err)),
        };
        let cmd = self.base.cmd_with("HMGET", fields);
        let codec = self.base.codec().clone();
        let op = self.base.op(cmd, move |key, reply| {
            decode::array(key, reply)?
                .into_iter()
                .map(|v| decode::optional(&codec, key, v))
                .collect()
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Inserts every `(key, value)` of `items` with one `HSET`: one atomic round trip
    /// whatever the number of items (none for no items).
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// tel.extend([("irv", 4127), ("guido", 4127)])?;
    /// let local = std::collections::HashMap::from([("ada".to_owned(), 1815)]);
    /// tel.extend(&local)?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I, A, B>(&self, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: EncodeAs<V>,
    {
        let args = match self.encode_items(items) {
            Ok(args) if args.is_empty() => return M::ready(Ok(())),
            Ok(args) => args,
            Err(err) => return M::ready(Err(err)),
        };
        let mut cmd = self.base.cmd("HSET");
        cmd.arg(args);
        M::run(self.base.client(), Ok(self.base.op(cmd, |_, _| Ok(()))))
    }

    pub(super) fn encode_items<I, A, B>(&self, items: I) -> Result<Vec<Vec<u8>>>
    where
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: EncodeAs<V>,
    {
        let mut args = Vec::new();
        for (k, v) in items {
            args.push(self.base.encode(&k)?);
            args.push(self.base.encode(&v)?);
        }
        Ok(args)
    }
}
