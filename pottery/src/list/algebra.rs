//! Combining lists: [`RedisList::concat`], Python's `l + other`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::iter::{RawElements, raw_op};
use super::{RedisList, create_op};
use crate::codec::Codec;
use crate::container::Base;
use crate::engine::{Mode, ModeExt, Op, Plan};
use crate::error::Result;

impl<T, C, M> RedisList<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// A new list at `new_key` holding this list's elements followed by
    /// `other`'s: Python's `l + other`. The two lists are read concurrently, then
    /// the new one is written with one atomic script that fails with a
    /// [`KeyExists`](crate::ErrorKind::KeyExists) error if `new_key` exists. The
    /// keys may live anywhere (other slots, other servers), so the read and the
    /// write are two steps: a write to either list in between is not included.
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisList;
    /// let a = RedisList::<i64>::create(&client, "a", [1, 4])?;
    /// let b = RedisList::<i64>::create(&client, "b", [9])?;
    /// let c = a.concat(&b, "c")?;
    /// assert_eq!(c.to_vec()?, [1, 4, 9]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn concat<'a, M2: Mode>(
        &'a self,
        other: &'a RedisList<T, C, M2>,
        new_key: &str,
    ) -> M::Output<'a, Self> {
        let (a, b) = self.concat_ops(other);
        let result = self.concat_result(new_key);
        let new_key = new_key.to_owned();
        let client = self.base.client().clone();
        let plan = Plan::pair(
            (client.clone(), a),
            (other.base.client().clone(), b),
            move |a, b| match a.and_then(|a| joined(a, b?)) {
                Ok(raw) => Plan::op(client, create_op(&new_key, &raw, || result)),
                Err(err) => Plan::fail(err),
            },
        );
        M::run_plan(self.base.client(), plan)
    }

    /// The two reads and the write of a concatenation (see `concat`).
    fn concat_ops<M2: Mode>(
        &self,
        other: &RedisList<T, C, M2>,
    ) -> (Op<RawElements>, Op<RawElements>) {
        (raw_op(self.key()), raw_op(other.key()))
    }

    fn concat_result(&self, new_key: &str) -> Self {
        Self::from_base(Base::named(
            self.base.client(),
            new_key,
            self.base.codec().clone(),
            "list",
        ))
    }
}

/// Joins the raw elements of two lists.
fn joined(mut a: Vec<Vec<u8>>, b: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
    a.extend(b);
    Ok(a)
}
