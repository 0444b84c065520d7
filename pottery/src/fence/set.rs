//! A [`RedisSet`]'s fenced writes.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Fenced, guard, guard_some};
use crate::RedisSet;
use crate::codec::{Codec, EncodeAs};
use crate::engine::{Mode, ModeExt, run_some};

impl<'a, T, C, M> Fenced<'a, RedisSet<T, C, M>>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// [`RedisSet::insert`] through the fence: adds `member`; `true` if it was
    /// not there yet.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let s: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "s");
    /// assert!(s.fenced(1).insert("tomato")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert(&self, member: impl EncodeAs<T>) -> M::Output<'a, bool> {
        let set = self.structure;
        M::run(
            set.base().client(),
            guard(set.base(), self.token, set.flag_op("SADD", &member)),
        )
    }

    /// [`RedisSet::discard`] through the fence: removes `member`; `true` if it
    /// was there.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let s: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "s");
    /// assert!(!s.fenced(1).discard("tomato")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn discard(&self, member: impl EncodeAs<T>) -> M::Output<'a, bool> {
        let set = self.structure;
        M::run(
            set.base().client(),
            guard(set.base(), self.token, set.flag_op("SREM", &member)),
        )
    }

    /// [`RedisSet::remove`] through the fence: removes `member`, a
    /// [`NotFound`](crate::ErrorKind::NotFound) error if it was absent (which
    /// raises the fence all the same).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let s: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "s");
    /// s.fenced(1).insert("apple")?;
    /// s.fenced(1).remove("apple")?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn remove(&self, member: impl EncodeAs<T>) -> M::Output<'a, ()> {
        let set = self.structure;
        M::run(
            set.base().client(),
            guard(set.base(), self.token, set.remove_op(&member)),
        )
    }

    /// [`RedisSet::extend`] through the fence: adds every member, in one round
    /// trip. With no members nothing is sent (the fence is not checked).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let s: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "s");
    /// s.fenced(1).extend(["apple", "pear"])?;
    /// assert_eq!(s.len()?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I>(&self, members: I) -> M::Output<'a, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let set = self.structure;
        let op = guard_some(set.base(), self.token, set.extend_op(members));
        run_some::<M, _>(set.base().client(), op)
    }
}
