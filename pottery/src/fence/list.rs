//! A [`RedisList`]'s fenced writes.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Fenced, guard, guard_some};
use crate::codec::{Codec, EncodeAs};
use crate::engine::{Mode, ModeExt, run_some};
use crate::{RedisList, lua};

impl<'a, T, C, M> Fenced<'a, RedisList<T, C, M>>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// [`RedisList::push`] through the fence: appends `value`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&pottery::Client::open(&server.url())?, "l");
    /// l.fenced(1).push(2)?;
    /// assert_eq!(l.to_vec()?, [2]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn push(&self, value: impl EncodeAs<T>) -> M::Output<'a, ()> {
        let list = self.structure;
        M::run(
            list.base().client(),
            guard(list.base(), self.token, list.push_op("RPUSH", &value)),
        )
    }

    /// [`RedisList::push_front`] through the fence: inserts `value` at the front.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&pottery::Client::open(&server.url())?, "l");
    /// l.fenced(1).push(2)?;
    /// l.fenced(1).push_front(1)?;
    /// assert_eq!(l.to_vec()?, [1, 2]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn push_front(&self, value: impl EncodeAs<T>) -> M::Output<'a, ()> {
        let list = self.structure;
        M::run(
            list.base().client(),
            guard(list.base(), self.token, list.push_op("LPUSH", &value)),
        )
    }

    /// [`RedisList::set`] through the fence: sets the element at `index`
    /// (negative counts from the end). An index out of range is a
    /// [`NotFound`](crate::ErrorKind::NotFound) error that changes no element,
    /// though the fence is raised to the token all the same.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&pottery::Client::open(&server.url())?, "l");
    /// l.extend([1, 2])?;
    /// l.fenced(1).set(-1, 3)?;
    /// assert_eq!(l.to_vec()?, [1, 3]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn set(&self, index: isize, value: impl EncodeAs<T>) -> M::Output<'a, ()> {
        let list = self.structure;
        let op = list.set_op(index, &value, &lua::fence::LIST_SET);
        M::run(list.base().client(), guard(list.base(), self.token, op))
    }

    /// [`RedisList::pop`] through the fence: removes and returns the last element.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&pottery::Client::open(&server.url())?, "l");
    /// l.extend([1, 2])?;
    /// assert_eq!(l.fenced(1).pop()?, Some(2));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop(&self) -> M::Output<'a, Option<T>> {
        self.take("RPOP")
    }

    /// [`RedisList::pop_front`] through the fence: removes and returns the
    /// first element.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&pottery::Client::open(&server.url())?, "l");
    /// l.extend([1, 2])?;
    /// assert_eq!(l.fenced(1).pop_front()?, Some(1));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop_front(&self) -> M::Output<'a, Option<T>> {
        self.take("LPOP")
    }

    /// [`RedisList::extend`] through the fence: appends every item, in one
    /// round trip. With no items nothing is sent (the fence is not checked).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&pottery::Client::open(&server.url())?, "l");
    /// l.fenced(1).extend([1, 4, 9])?;
    /// assert_eq!(l.to_vec()?, [1, 4, 9]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I>(&self, items: I) -> M::Output<'a, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let list = self.structure;
        let op = guard_some(list.base(), self.token, list.push_all_op("RPUSH", items));
        run_some::<M, _>(list.base().client(), op)
    }

    fn take(&self, command: &str) -> M::Output<'a, Option<T>> {
        let list = self.structure;
        let op = Ok(list.taken_op(list.base().cmd(command)));
        M::run(list.base().client(), guard(list.base(), self.token, op))
    }
}
