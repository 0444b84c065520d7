//! A [`RedisCounter`]'s fenced writes.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Fenced, guard, guard_some};
use crate::codec::{Codec, EncodeAs};
use crate::engine::{Mode, ModeExt, run_some};
use crate::{RedisCounter, lua};

impl<'a, K, C, M> Fenced<'a, RedisCounter<K, C, M>>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// [`RedisCounter::increment`] through the fence: adds `by` to the count
    /// of `key` and returns the new count.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// assert_eq!(c.fenced(1).increment("eggs", 2)?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn increment(&self, key: impl EncodeAs<K>, by: i64) -> M::Output<'a, i64> {
        let counter = self.structure;
        let op = counter.increment_op(&key, by);
        M::run(
            counter.base().client(),
            guard(counter.base(), self.token, op),
        )
    }

    /// [`RedisCounter::update`] through the fence: adds each `(key, n)`
    /// count, atomically. With no items nothing is sent (the fence is not checked).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// c.fenced(1).update([("bar", 1), ("baz", 3)])?;
    /// assert_eq!(c.get("baz")?, 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn update<I, A, B>(&self, items: I) -> M::Output<'a, ()>
    where
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: std::borrow::Borrow<i64>,
    {
        let counter = self.structure;
        let items = items.into_iter().map(|(k, n)| (k, *n.borrow()));
        let op = counter.add_counts_op(items, 1, &lua::fence::COUNTER_UPDATE);
        let op = guard_some(counter.base(), self.token, op);
        run_some::<M, _>(counter.base().client(), op)
    }
}
