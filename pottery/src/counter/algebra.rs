//! Counter arithmetic: Python's `c + d`, `c - d`, `c | d`, `c & d`, `+c`, `-c`
//! and the in-place `+= -= |= &=`, all with `collections.Counter`'s semantics.
//!
//! Everything runs in one Lua script (`lua/counter/arith.lua`) that reads its
//! operands, computes with exact decimal strings (sums go through `HINCRBY`,
//! comparisons compare the digits) and replaces the destination hash. An
//! operand the script cannot read (a counter on another client, or on a
//! cluster a key in another hash slot than the destination) is read first with
//! `HGETALL` and passed inline: the change to the destination stays atomic, the
//! read of that operand is a snapshot taken just before.

use std::borrow::Borrow;
use std::sync::Arc;

use redis::cluster_routing::Slot;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{RedisCounter, merge_counts};
use crate::client::Client;
use crate::codec::{Codec, EncodeAs};
use crate::container::Base;
use crate::decode;
use crate::engine::Mode;
use crate::engine::ModeExt;
use crate::error::Result;
use crate::lua;

use crate::engine::{Op, Request};

/// The other operand of counter arithmetic: another [`RedisCounter`] with the same
/// codec (`&counter`, blocking or async, on any client), or local counts: any
/// iterable of `(element, count)` such as a `HashMap<K, i64>`, `&HashMap<K, i64>`
/// or `[("a", 1)]` (equal elements are summed).
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// use pottery::sync::RedisCounter;
/// let c: RedisCounter<String> = RedisCounter::new(&client, "c");
/// let d: RedisCounter<String> = RedisCounter::new(&client, "d");
/// c.add_assign(&d)?;
/// c.add_assign([("a", 1)])?;
/// # Ok::<(), pottery::Error>(())
/// ```
#[allow(unreachable_pub)]
pub trait CounterArg<K, C> {
    #[doc(hidden)]
    fn into_source(self, codec: &C, key: &str) -> Result<Source>;
}

/// Where an operand's counts come from.
#[doc(hidden)]
#[allow(unreachable_pub, missing_debug_implementations)]
pub struct Source(Src);

enum Src {
    /// A hash on a client.
    Counter { client: Client, key: Arc<str> },
    /// Flat `[field, count, ...]` pairs.
    Local(Vec<Vec<u8>>),
}

impl<K, C: Codec, M2: Mode> CounterArg<K, C> for &RedisCounter<K, C, M2> {
    fn into_source(self, _: &C, _: &str) -> Result<Source> {
        Ok(Source(Src::Counter {
            client: self.base.client().clone(),
            key: self.base.key_shared(),
        }))
    }
}

impl<K, C, I, A, B> CounterArg<K, C> for I
where
    C: Codec,
    I: IntoIterator<Item = (A, B)>,
    A: EncodeAs<K>,
    B: Borrow<i64>,
{
    fn into_source(self, codec: &C, key: &str) -> Result<Source> {
        let pairs = self
            .into_iter()
            .map(|(k, n)| {
                let field = codec.encode(&k).map_err(|e| crate::Error::encode(key, e))?;
                Ok((field, *n.borrow()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Source(Src::Local(merge_counts(key, pairs, 1)?)))
    }
}

/// What the script gets for one operand.
enum Plan {
    /// `KEYS[i]`.
    Key(String),
    /// Inline pairs known now.
    Inline(Vec<Vec<u8>>),
    /// Inline pairs read first (index into the reads).
    Read(usize),
    /// No operand.
    Absent,
}

impl<K, C, M> RedisCounter<K, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// A new counter with the sums of both counts, keeping only positive results
    /// (Python's `c + d`). It is written at `dest`, replacing anything there, or
    /// at a fresh temporary key when `dest` is `None`.
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisCounter;
    /// let c: RedisCounter<String> = RedisCounter::new(&client, "c");
    /// c.update([("a", 3), ("b", 1)])?;
    /// let e = c.add([("a", 1), ("b", -2)], None)?;
    /// assert_eq!(e.to_vec()?, [("a".to_owned(), 4)]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn add(&self, other: impl CounterArg<K, C>, dest: Option<&str>) -> M::Output<'_, Self> {
        self.produce("add", Some(other), dest)
    }

    /// A new counter with our counts minus `other`'s, keeping only positive results
    /// (Python's `c - d`), at `dest` or a temporary key.
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisCounter;
    /// let c: RedisCounter<String> = RedisCounter::new(&client, "c");
    /// c.update([("a", 3), ("b", 1)])?;
    /// let e = c.sub([("a", 1), ("b", 2)], Some("e"))?;
    /// assert_eq!(e.to_vec()?, [("a".to_owned(), 2)]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn sub(&self, other: impl CounterArg<K, C>, dest: Option<&str>) -> M::Output<'_, Self> {
        self.produce("sub", Some(other), dest)
    }

    /// A new counter with the larger of both counts, keeping only positive results
    /// (Python's `c | d`), at `dest` or a temporary key.
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisCounter;
    /// let c: RedisCounter<String> = RedisCounter::new(&client, "c");
    /// c.update([("a", 3), ("b", 1)])?;
    /// let e = c.union([("a", 1), ("b", 2)], None)?;
    /// assert_eq!(e.get("b")?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn union(&self, other: impl CounterArg<K, C>, dest: Option<&str>) -> M::Output<'_, Self> {
        self.produce("or", Some(other), dest)
    }

    /// A new counter with the smaller of both counts, keeping only positive results
    /// (Python's `c & d`), at `dest` or a temporary key.
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisCounter;
    /// let c: RedisCounter<String> = RedisCounter::new(&client, "c");
    /// c.update([("a", 3), ("b", 1)])?;
    /// let e = c.intersection([("a", 1), ("b", 2)], None)?;
    /// assert_eq!(e.get("a")?, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn intersection(
        &self,
        other: impl CounterArg<K, C>,
        dest: Option<&str>,
    ) -> M::Output<'_, Self> {
        self.produce("and", Some(other), dest)
    }

    /// A new counter with only our positive counts (Python's `+c`), at `dest` or a
    /// temporary key.
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisCounter;
    /// let c: RedisCounter<String> = RedisCounter::new(&client, "c");
    /// c.update([("foo", -2), ("qux", 1)])?;
    /// assert_eq!(c.pos(None)?.to_vec()?, [("qux".to_owned(), 1)]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pos(&self, dest: Option<&str>) -> M::Output<'_, Self> {
        self.produce("pos", None::<[(K, i64); 0]>, dest)
    }

    /// A new counter with our negative counts made positive (Python's `-c`), at
    /// `dest` or a temporary key.
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisCounter;
    /// let c: RedisCounter<String> = RedisCounter::new(&client, "c");
    /// c.update([("foo", -2), ("qux", 1)])?;
    /// assert_eq!(c.neg(None)?.to_vec()?, [("foo".to_owned(), 2)]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn neg(&self, dest: Option<&str>) -> M::Output<'_, Self> {
        self.produce("neg", None::<[(K, i64); 0]>, dest)
    }

    /// Adds `other`'s counts, then drops every element whose count is not positive
    /// (Python's `c += d`), atomically.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisCounter;
    /// let c: RedisCounter<String> = RedisCounter::new(&client, "c");
    /// c.update([("a", 4), ("d", -2)])?;
    /// c.add_assign([("a", 1), ("d", 4)])?;
    /// assert_eq!(c.get("d")?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn add_assign(&self, other: impl CounterArg<K, C>) -> M::Output<'_, ()> {
        self.in_place("add", other)
    }

    /// Subtracts `other`'s counts, then drops every element whose count is not
    /// positive (Python's `c -= d`), atomically.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisCounter;
    /// let c: RedisCounter<String> = RedisCounter::new(&client, "c");
    /// c.update([("a", 4), ("b", 2)])?;
    /// c.sub_assign([("a", 1), ("b", 2)])?;
    /// assert_eq!(c.to_vec()?, [("a".to_owned(), 3)]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn sub_assign(&self, other: impl CounterArg<K, C>) -> M::Output<'_, ()> {
        self.in_place("sub", other)
    }

    /// Keeps the larger of both counts, then drops every element whose count is not
    /// positive (Python's `c |= d`), atomically.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisCounter;
    /// let c: RedisCounter<String> = RedisCounter::new(&client, "c");
    /// c.update([("a", 4)])?;
    /// c.union_assign([("a", 1), ("c", 3)])?;
    /// assert_eq!(c.get("c")?, 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn union_assign(&self, other: impl CounterArg<K, C>) -> M::Output<'_, ()> {
        self.in_place("or", other)
    }

    /// Keeps the smaller of both counts, then drops every element whose count is
    /// not positive (Python's `c &= d`), atomically.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisCounter;
    /// let c: RedisCounter<String> = RedisCounter::new(&client, "c");
    /// c.update([("a", 4), ("b", 2)])?;
    /// c.intersection_assign([("a", 1)])?;
    /// assert_eq!(c.to_vec()?, [("a".to_owned(), 1)]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn intersection_assign(&self, other: impl CounterArg<K, C>) -> M::Output<'_, ()> {
        self.in_place("and", other)
    }

    fn in_place(&self, op: &'static str, other: impl CounterArg<K, C>) -> M::Output<'_, ()> {
        let other = other.into_source(self.base.codec(), self.key());
        match other {
            Ok(other) => self.run_arith(op, self.key(), Some(other), |_| Ok(())),
            Err(err) => M::ready(Err(err)),
        }
    }

    fn produce(
        &self,
        op: &'static str,
        other: Option<impl CounterArg<K, C>>,
        dest: Option<&str>,
    ) -> M::Output<'_, Self> {
        let other = match other.map(|o| o.into_source(self.base.codec(), self.key())) {
            Some(Err(err)) => return M::ready(Err(err)),
            Some(Ok(source)) => Some(source),
            None => None,
        };
        let (client, codec) = (self.base.client(), self.base.codec().clone());
        let result = Self::from_base(match dest {
            Some(dest) => Base::named(client, dest, codec, "hash"),
            None => Base::temporary(client, codec, "hash"),
        });
        let dest = result.key().to_owned();
        self.run_arith(op, &dest, other, move |_| Ok(result))
    }

    /// Runs `ARITH` for `op` into `dest`, reading first what the script cannot.
    fn run_arith<T: Send + 'static>(
        &self,
        op: &'static str,
        dest: &str,
        other: Option<Source>,
        finish: impl FnOnce(redis::Value) -> Result<T> + Send + 'static,
    ) -> M::Output<'_, T> {
        let client = self.base.client();
        let reachable = |c: &Client, key: &str| {
            c.same_as(client) && (!client.is_cluster() || Slot::for_key(key) == Slot::for_key(dest))
        };
        let mut reads = Vec::new();
        let mut plan = |c: &Client, key: &str| {
            if reachable(c, key) {
                Plan::Key(key.to_owned())
            } else {
                reads.push((c.clone(), raw_read(key)));
                Plan::Read(reads.len() - 1)
            }
        };
        let a = plan(client, self.key());
        let b = match other {
            None => Plan::Absent,
            Some(Source(Src::Local(flat))) => Plan::Inline(flat),
            Some(Source(Src::Counter { client: c, key })) => plan(&c, &key),
        };
        let (dest, self_key) = (dest.to_owned(), self.base.key_shared());
        let then = move |mut replies: Vec<Vec<Vec<u8>>>| {
            let mut keys = vec![dest.into_bytes()];
            let mut args = vec![op.as_bytes().to_vec()];
            let mut inline = Vec::new();
            for operand in [a, b] {
                let mode = match operand {
                    Plan::Absent => "-".to_owned(),
                    Plan::Key(key) => {
                        keys.push(key.into_bytes());
                        format!("k{}", keys.len())
                    }
                    Plan::Inline(flat) => {
                        let mode = format!("n{}", flat.len() / 2);
                        inline.extend(flat);
                        mode
                    }
                    Plan::Read(i) => {
                        let flat = replies.get_mut(i).map(std::mem::take).unwrap_or_default();
                        let mode = format!("n{}", flat.len() / 2);
                        inline.extend(flat);
                        mode
                    }
                };
                args.push(mode.into_bytes());
            }
            args.extend(inline);
            let keys: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
            let request = Request::script(&lua::counter::ARITH, &keys, &args);
            Op::new(self_key, "hash", request, move |_, reply| finish(reply))
        };
        let next = client.clone();
        let plan = crate::engine::Plan::each(reads, move |replies| {
            match replies.into_iter().collect::<Result<Vec<_>>>() {
                Ok(replies) => crate::engine::Plan::op(next, then(replies)),
                Err(err) => crate::engine::Plan::fail(err),
            }
        });
        M::run_plan(client, plan)
    }
}

/// `HGETALL key`, as raw flat `[field, value, ...]` bytes.
fn raw_read(key: &str) -> Op<Vec<Vec<u8>>> {
    let mut cmd = redis::cmd("HGETALL");
    cmd.arg(key);
    Op::new(key, "hash", cmd, |key, reply| {
        decode::array(key, reply)?
            .into_iter()
            .map(|v| Ok(decode::bytes(key, v)?.unwrap_or_default()))
            .collect()
    })
}
