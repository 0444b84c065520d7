//! Iteration over a [`RedisSet`], its whole copies, comparison and `repr`.

use std::collections::HashSet;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{RedisSet, decode_members};
use crate::codec::Codec;
use crate::container::repr_set;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Mode, Page, Pages};
use crate::error::Result;

/// Members read per SSCAN round trip while iterating.
const SCAN_COUNT: usize = 500;

impl<T, C, M> RedisSet<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Streams the members with `SSCAN`, one page of a few hundred per round trip.
    ///
    /// Yields `Result<T>` items: an [`Iter`](crate::Iter) in [`sync`](crate::sync), a [`BoxStream`](crate::BoxStream) in [`future`](crate::future).
    ///
    /// As with `SSCAN`, a member added or removed during the iteration may be seen
    /// or not, and (rarely) a member may be seen twice.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// basket.extend(["apple", "pear"])?;
    /// for fruit in basket.iter() {
    ///     println!("{}", fruit?);
    /// }
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn iter(&self) -> M::Iter<'_, T> {
        let codec = self.base.codec().clone();
        let pages = scan_pages(self.base.key_shared(), move |key, raw| {
            let raw = decode::bytes(key, raw)?.unwrap_or_default();
            decode::value(&codec, key, &raw)
        });
        M::iter(self.base.client(), pages)
    }

    /// A full copy of the members as a `Vec` (`SMEMBERS`), for members that are not `Hash`.
    ///
    /// Returns `Result<Vec<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// basket.extend(["pear", "apple"])?;
    /// let mut fruits = basket.to_vec()?;
    /// fruits.sort();
    /// assert_eq!(fruits, ["apple", "pear"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn to_vec(&self) -> M::Output<'_, Vec<T>> {
        self.copy_all()
    }

    /// A full copy of the members as a `HashSet` (`SMEMBERS`): Python's `to_set()`.
    ///
    /// Returns `Result<HashSet<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// basket.extend(["pear", "apple"])?;
    /// assert_eq!(basket.to_hash_set()?, ["apple".to_owned(), "pear".to_owned()].into());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn to_hash_set(&self) -> M::Output<'_, HashSet<T>>
    where
        T: Eq + Hash,
    {
        self.copy_all()
    }

    /// pottery's `repr`: `RedisSet{"apple", "pear"}`, from one `SMEMBERS`, so the
    /// whole set is read and held in memory at once; for a large one, iterate
    /// instead. (`Debug` prints the type and key only, with no I/O.)
    ///
    /// Returns `Result<String>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// basket.insert("apple")?;
    /// assert_eq!(basket.repr()?, r#"RedisSet{"apple"}"#);
    /// assert_eq!(format!("{basket:?}"), r#"RedisSet { key: "basket" }"#);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn repr(&self) -> M::Output<'_, String>
    where
        T: fmt::Debug,
    {
        M::map(self.to_vec(), |members| Ok(repr_set("RedisSet", &members)))
    }

    fn copy_all<B: FromIterator<T> + Send + 'static>(&self) -> M::Output<'_, B> {
        let codec = self.base.codec().clone();
        let op = self.base.op(self.base.cmd("SMEMBERS"), move |key, reply| {
            decode_members(&codec, key, decode::array(key, reply)?)
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Whether `other` holds the same members. Compares the stored bytes, which the
    /// codec makes canonical; a set on the same client and key is equal without a
    /// round trip (as in Python's pottery). Two sets are read concurrently.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisSet;
    /// let a: RedisSet<String> = RedisSet::new(&client, "a");
    /// let b: RedisSet<String> = RedisSet::new(&client, "b");
    /// a.extend(["x", "y"])?;
    /// b.extend(["y", "x"])?;
    /// assert!(a.contents_eq(&b)?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contents_eq<'a, C2: Codec, M2: Mode>(
        &'a self,
        other: &'a RedisSet<T, C2, M2>,
    ) -> M::Output<'a, bool> {
        if self.key() == other.key() && self.base.client().same_as(other.base.client()) {
            return M::ready(Ok(true));
        }
        M::run_pair(
            (self.base.client(), Ok(raw_members_op(self.key()))),
            (other.base.client(), Ok(raw_members_op(other.key()))),
            |a, b| Ok(a == b),
        )
    }
}

/// `SMEMBERS key`, as a set of raw members.
fn raw_members_op(key: &str) -> Op<HashSet<Vec<u8>>> {
    let mut cmd = redis::cmd("SMEMBERS");
    cmd.arg(key);
    Op::new(key, "set", cmd, |key, reply| {
        decode::array(key, reply)?
            .into_iter()
            .map(|member| Ok(decode::bytes(key, member)?.unwrap_or_default()))
            .collect()
    })
}

/// An `SSCAN` of the set at `key`, each member decoded by `item`.
pub(super) fn scan_pages<I: Send + 'static>(
    key: Arc<str>,
    item: impl Fn(&str, Value) -> Result<I> + Clone + Send + 'static,
) -> Pages<I> {
    Pages::new(move |cursor| {
        let mut cmd = redis::cmd("SSCAN");
        cmd.arg(&*key).arg(cursor).arg("COUNT").arg(SCAN_COUNT);
        let item = item.clone();
        Op::new(
            key.clone(),
            "set",
            cmd,
            move |key, reply| -> Result<Page<I>> {
                let (cursor, members) = decode::scan_page(key, reply)?;
                Ok((cursor, members.into_iter().map(|m| item(key, m)).collect()))
            },
        )
    })
}
