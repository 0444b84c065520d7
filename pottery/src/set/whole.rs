//! The whole-set operations of [`RedisSet`]: bulk writes, iteration, copies,
//! comparison, and the trait impls.

use std::collections::HashSet;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{RedisSet, SCAN_COUNT, decode_members};
use crate::codec::{Codec, EncodeAs};
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Async, Blocking, Mode, Page, Pages};
use crate::error::Result;

impl<T, C, M> RedisSet<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Adds every member of `members` with one `SADD`: one atomic round trip
    /// whatever their number (none for no members). Python's `update` with local
    /// iterables; see also [`union_update`](Self::union_update).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// basket.extend(["apple", "pear"])?;
    /// let local = std::collections::HashSet::from(["fig".to_owned()]);
    /// basket.extend(&local)?;
    /// assert_eq!(basket.len()?, 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I>(&self, members: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let args = match self.base.encode_each(members) {
            Ok(args) if args.is_empty() => return M::ready(Ok(())),
            Ok(args) => args,
            Err(err) => return M::ready(Err(err)),
        };
        let cmd = self.base.cmd_with("SADD", args);
        M::run(self.base.client(), Ok(self.base.op(cmd, |_, _| Ok(()))))
    }

    /// Streams the members with `SSCAN`, one page of a few hundred per round trip.
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

/// Prints like Python pottery's `repr`: `RedisSet{"apple", "orange"}`, streaming the
/// members with `SSCAN`. A read error is printed in place of the members.
impl<T, C> fmt::Debug for RedisSet<T, C, Blocking>
where
    T: Serialize + DeserializeOwned + Send + fmt::Debug + 'static,
    C: Codec,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedisSet")?;
        let mut set = f.debug_set();
        for member in self.iter() {
            match member {
                Ok(member) => set.entry(&member),
                Err(err) => return set.entry(&format_args!("<error: {err}>")).finish(),
            };
        }
        set.finish()
    }
}

/// An async set cannot read in `Debug`; it prints its key.
impl<T, C: Codec> fmt::Debug for RedisSet<T, C, Async> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSet")
            .field("key", &self.key())
            .finish()
    }
}

/// Serializes the current members as a sequence, streaming them with `SSCAN`.
impl<T, C> Serialize for RedisSet<T, C, Blocking>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
{
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        crate::list::serialize_elements(serializer, self.iter())
    }
}
