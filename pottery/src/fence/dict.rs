//! A [`RedisDict`]'s fenced writes.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Fenced, guard, guard_some};
use crate::codec::{Codec, EncodeAs};
use crate::engine::{Mode, ModeExt, run_some};
use crate::{RedisDict, lua};

impl<'a, K, V, C, M> Fenced<'a, RedisDict<K, V, C, M>>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// [`RedisDict::insert`] through the fence: sets `key` to `value`; `true`
    /// if `key` was new.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// assert!(tel.fenced(5).insert("jack", 4098)?);
    /// assert_eq!(tel.fenced(4).insert("jack", 1).unwrap_err().kind(), pottery::ErrorKind::StaleFence);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert(&self, key: impl EncodeAs<K>, value: impl EncodeAs<V>) -> M::Output<'a, bool> {
        let dict = self.structure;
        let op = dict.set_field_op("HSET", &key, &value);
        M::run(dict.base().client(), guard(dict.base(), self.token, op))
    }

    /// [`RedisDict::remove`] through the fence: removes `key` and returns its
    /// value.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// tel.fenced(5).insert("jack", 4098)?;
    /// assert_eq!(tel.fenced(5).remove("jack")?, Some(4098));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn remove(&self, key: impl EncodeAs<K>) -> M::Output<'a, Option<V>> {
        let dict = self.structure;
        let op = dict.remove_op(&key, &lua::fence::DICT_REMOVE);
        M::run(dict.base().client(), guard(dict.base(), self.token, op))
    }

    /// [`RedisDict::extend`] through the fence: sets every `(key, value)`, in
    /// one round trip. With no items nothing is sent (the fence is not checked).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// tel.fenced(5).extend([("irv", 4127), ("guido", 4127)])?;
    /// assert_eq!(tel.len()?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I, A, B>(&self, items: I) -> M::Output<'a, ()>
    where
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: EncodeAs<V>,
    {
        let dict = self.structure;
        let op = guard_some(dict.base(), self.token, dict.extend_op(items));
        run_some::<M, _>(dict.base().client(), op)
    }
}
