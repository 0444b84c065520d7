//! Pushes and pops at the two ends of a [`RedisList`]: one command each.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisList;
use crate::codec::{Codec, EncodeAs};
use crate::engine::Mode;
use crate::engine::ModeExt;

impl<T, C, M> RedisList<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Removes and returns the last element (`RPOP`); `None` if the list is empty.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([3, 4])?;
    /// assert_eq!(l.pop()?, Some(4));
    /// assert_eq!(l.pop()?, Some(3));
    /// assert_eq!(l.pop()?, None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop(&self) -> M::Output<'_, Option<T>> {
        M::run(
            self.base.client(),
            Ok(self.optional_op(self.base.cmd("RPOP"))),
        )
    }

    /// Removes and returns the first element (`LPOP`); `None` if the list is empty.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([3, 4])?;
    /// assert_eq!(l.pop_front()?, Some(3));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop_front(&self) -> M::Output<'_, Option<T>> {
        M::run(
            self.base.client(),
            Ok(self.optional_op(self.base.cmd("LPOP"))),
        )
    }

    /// Appends `value` at the end (`RPUSH`): `Vec::push`, Python's `append`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.push(216)?;
    /// assert_eq!(l.to_vec()?, [216]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn push(&self, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        self.push_with("RPUSH", &value)
    }

    /// Python's name for [`push`](Self::push).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.append(7)?;
    /// assert_eq!(l.get(-1)?, Some(7));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn append(&self, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        self.push_with("RPUSH", &value)
    }

    /// Inserts `value` at the front (`LPUSH`).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.push(2)?;
    /// l.push_front(1)?;
    /// assert_eq!(l.to_vec()?, [1, 2]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn push_front(&self, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        self.push_with("LPUSH", &value)
    }

    fn push_with<V: Serialize + ?Sized>(&self, command: &str, value: &V) -> M::Output<'_, ()> {
        let op = self.base.encode(value).map(|value| {
            self.base
                .op(self.base.cmd_with(command, value), |_, _| Ok(()))
        });
        M::run(self.base.client(), op)
    }
}
