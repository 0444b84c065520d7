//! A [`RedisDeque`]'s fenced writes: the list's, but that a bounded deque's
//! pushes trim to its maxlen in the same script (`deque/push_trim.lua`'s
//! fenced twin).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Fenced, guard, guard_some};
use crate::codec::{Codec, EncodeAs};
use crate::deque::Side;
use crate::engine::{Mode, ModeExt, run_some};
use crate::{RedisDeque, lua};

impl<'a, T, C, M> Fenced<'a, RedisDeque<T, C, M>>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// [`RedisDeque::push_back`] through the fence: appends `value` (with a
    /// maxlen, drops from the front what no longer fits, in the same step).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::with_maxlen(&pottery::Client::open(&server.url())?, "d", 1);
    /// d.fenced(1).push_back(1)?;
    /// d.fenced(1).push_back(2)?;
    /// assert_eq!(d.to_vec()?, [2]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn push_back(&self, value: impl EncodeAs<T>) -> M::Output<'a, ()> {
        self.push(Side::Back, [value])
    }

    /// [`RedisDeque::push_front`] through the fence: inserts `value` at the
    /// front (with a maxlen, drops from the back what no longer fits).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&pottery::Client::open(&server.url())?, "d");
    /// d.fenced(1).push_back(2)?;
    /// d.fenced(1).push_front(1)?;
    /// assert_eq!(d.to_vec()?, [1, 2]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn push_front(&self, value: impl EncodeAs<T>) -> M::Output<'a, ()> {
        self.push(Side::Front, [value])
    }

    /// [`RedisDeque::extend`] through the fence: appends every item, in one
    /// round trip. With no items nothing is sent (the fence is not checked).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::with_maxlen(&pottery::Client::open(&server.url())?, "d", 2);
    /// d.fenced(1).extend([1, 4, 9])?;
    /// assert_eq!(d.to_vec()?, [4, 9]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I>(&self, items: I) -> M::Output<'a, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        self.push(Side::Back, items)
    }

    /// [`RedisDeque::extend_front`] through the fence: pushes every item at
    /// the front one after the other (they end up reversed), in one round trip.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&pottery::Client::open(&server.url())?, "d");
    /// d.fenced(1).extend_front([1, 2])?;
    /// assert_eq!(d.to_vec()?, [2, 1]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend_front<I>(&self, items: I) -> M::Output<'a, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        self.push(Side::Front, items)
    }

    /// [`RedisDeque::pop_back`] through the fence: removes and returns the
    /// last element.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&pottery::Client::open(&server.url())?, "d");
    /// d.extend([1, 2])?;
    /// assert_eq!(d.fenced(1).pop_back()?, Some(2));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop_back(&self) -> M::Output<'a, Option<T>> {
        self.take("RPOP")
    }

    /// [`RedisDeque::pop_front`] through the fence: removes and returns the
    /// first element.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&pottery::Client::open(&server.url())?, "d");
    /// d.extend([1, 2])?;
    /// assert_eq!(d.fenced(1).pop_front()?, Some(1));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop_front(&self) -> M::Output<'a, Option<T>> {
        self.take("LPOP")
    }

    fn push<I>(&self, side: Side, items: I) -> M::Output<'a, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let deque = self.structure;
        let op = deque.push_side_op(side, items, &lua::fence::DEQUE_PUSH_TRIM);
        run_some::<M, _>(
            deque.base().client(),
            guard_some(deque.base(), self.token, op),
        )
    }

    fn take(&self, command: &str) -> M::Output<'a, Option<T>> {
        let list = self.structure.as_list();
        let op = Ok(list.taken_op(list.base().cmd(command)));
        M::run(list.base().client(), guard(list.base(), self.token, op))
    }
}
