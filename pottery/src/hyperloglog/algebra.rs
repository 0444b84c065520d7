//! Merging HyperLogLogs: into this one ([`HyperLogLog::merge`]) or into a new one
//! ([`HyperLogLog::union`], [`HyperLogLog::union_into`]).
//!
//! Redis merges with `PFMERGE`, which needs every key on one server and, on a
//! cluster, in one slot. A source elsewhere (another client, another slot) is read
//! first with `GET` (a HyperLogLog is a plain string), and its bytes are merged
//! through a scratch key in the destination's slot. Python's pottery refuses
//! HyperLogLogs on another Redis; we merge them correctly instead.

use redis::Value;
use redis::cluster_routing::Slot;
use serde::Serialize;

use super::{EXPECTS, HyperLogLog};
use crate::codec::Codec;
use crate::container::Base;
use crate::decode;
use crate::engine::Mode;
use crate::engine::{ModeExt, Plan};
use crate::engine::{Op, Request};
use crate::error::{Error, Result};
use crate::lua;

/// A source read elsewhere: its key (for errors) and its bytes, if it exists.
type Read = (std::sync::Arc<str>, Option<Vec<u8>>);

impl<T, C, M> HyperLogLog<T, C, M>
where
    T: Serialize + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Merges each of `others` into this HyperLogLog (`PFMERGE`): it then counts
    /// the distinct elements of all. One atomic round trip when every other is on
    /// this client and (on a cluster) in this key's slot; otherwise the others
    /// elsewhere are read first (one more round trip, concurrent), then merged
    /// atomically. A wrong-type error names the key that is not a HyperLogLog,
    /// and then nothing is merged. Python's `update` with HyperLogLogs.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::HyperLogLog;
    /// let a: HyperLogLog<String> = HyperLogLog::new(&client, "a");
    /// let b: HyperLogLog<String> = HyperLogLog::new(&client, "b");
    /// a.extend(["foo", "bar", "zap", "a"])?;
    /// b.extend(["a", "b", "c", "foo"])?;
    /// a.merge([&b])?;
    /// assert_eq!(a.len()?, 6);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn merge<'o, M2, I>(&self, others: I) -> M::Output<'static, ()>
    where
        I: IntoIterator<Item = &'o HyperLogLog<T, C, M2>>,
        M2: Mode,
        T: 'o,
        C: 'o,
    {
        let sources = others.into_iter().map(|o| o.base().clone()).collect();
        M::run_plan(
            self.base().client(),
            merge_into(self.base().clone(), sources),
        )
    }

    /// A new HyperLogLog at a fresh random key (deleted when dropped, as
    /// [`temporary`](Self::temporary)) holding the union of this one and
    /// `others`. Python's `union`. On a cluster the random key is in another
    /// slot, so this one is read first (see [`merge`](Self::merge)).
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::HyperLogLog;
    /// let a: HyperLogLog<String> = HyperLogLog::new(&client, "a");
    /// let b: HyperLogLog<String> = HyperLogLog::new(&client, "b");
    /// a.extend(["foo", "bar", "zap", "a"])?;
    /// b.extend(["a", "b", "c", "foo"])?;
    /// let both = a.union([&b])?;
    /// assert_eq!(both.len()?, 6);
    /// assert_eq!(a.len()?, 4);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn union<'o, M2, I>(&self, others: I) -> M::Output<'static, Self>
    where
        I: IntoIterator<Item = &'o HyperLogLog<T, C, M2>>,
        M2: Mode,
        T: 'o,
        C: 'o,
    {
        let codec = self.base().codec().clone();
        let dest = Base::temporary(self.base().client(), codec, "string");
        self.union_at(dest, others)
    }

    /// Like [`union`](Self::union), at `key`: a HyperLogLog already at `key`
    /// is part of the union (as with pottery's `union(key=...)`).
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::HyperLogLog;
    /// let a: HyperLogLog<String> = HyperLogLog::new(&client, "a");
    /// let b: HyperLogLog<String> = HyperLogLog::new(&client, "b");
    /// a.extend(["foo", "bar"])?;
    /// b.extend(["bar", "baz"])?;
    /// let both = a.union_into("both", [&b])?;
    /// assert_eq!((both.key(), both.len()?), ("both", 3));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn union_into<'o, M2, I>(&self, key: &str, others: I) -> M::Output<'static, Self>
    where
        I: IntoIterator<Item = &'o HyperLogLog<T, C, M2>>,
        M2: Mode,
        T: 'o,
        C: 'o,
    {
        let codec = self.base().codec().clone();
        let dest = Base::named(self.base().client(), key, codec, "string");
        self.union_at(dest, others)
    }

    fn union_at<'o, M2, I>(&self, dest: Base<C>, others: I) -> M::Output<'static, Self>
    where
        I: IntoIterator<Item = &'o HyperLogLog<T, C, M2>>,
        M2: Mode,
        T: 'o,
        C: 'o,
    {
        let mut sources = vec![self.base().clone()];
        sources.extend(others.into_iter().map(|o| o.base().clone()));
        let client = dest.client().clone();
        let merged = merge_into(dest.clone(), sources);
        M::run_plan(&client, merged.map(move |()| Ok(Self::from_base(dest))))
    }
}

/// Whether Redis can merge `source` into `dest` in one command.
fn co_located<C: Codec>(dest: &Base<C>, source: &Base<C>) -> bool {
    let client = dest.client();
    client.same_as(source.client())
        && (!client.is_cluster() || Slot::for_key(dest.key()) == Slot::for_key(source.key()))
}

/// Merges `sources` into `dest` (see the module docs).
fn merge_into<C: Codec>(dest: Base<C>, sources: Vec<Base<C>>) -> Plan<()> {
    let (near, far): (Vec<Base<C>>, Vec<Base<C>>) =
        sources.into_iter().partition(|s| co_located(&dest, s));
    if far.is_empty() {
        return Plan::op(dest.client().clone(), merge_op(&dest, &near, Vec::new()));
    }
    let reads = far
        .iter()
        .map(|source| {
            let get = Op::new(
                source.key_shared(),
                EXPECTS,
                source.cmd("GET"),
                |key, reply| Ok((std::sync::Arc::from(key), decode::bytes(key, reply)?)),
            );
            (source.client().clone(), get)
        })
        .collect();
    Plan::each(reads, move |read: Vec<Result<Read>>| {
        match read.into_iter().collect::<Result<Vec<Read>>>() {
            Ok(read) => Plan::op(dest.client().clone(), merge_op(&dest, &near, read)),
            Err(err) => Plan::fail(err),
        }
    })
}

/// The merge script into `dest` of `near` (keys in its slot) and `far` (bytes
/// read elsewhere; missing ones are empty and skipped).
fn merge_op<C: Codec>(dest: &Base<C>, near: &[Base<C>], far: Vec<Read>) -> Op<()> {
    let scratch = dest.scratch_key();
    let far: Vec<Read> = far.into_iter().filter(|(_, raw)| raw.is_some()).collect();
    let mut keys: Vec<&[u8]> = vec![dest.key().as_bytes(), scratch.as_bytes()];
    keys.extend(near.iter().map(|s| s.key().as_bytes()));
    let args: Vec<Vec<u8>> = far.iter().filter_map(|(_, raw)| raw.clone()).collect();
    // The key each reported position stands for.
    let names: Vec<std::sync::Arc<str>> = near
        .iter()
        .map(Base::key_shared)
        .chain(far.into_iter().map(|(key, _)| key))
        .collect();
    let request = Request::script(&lua::hyperloglog::MERGE, &keys, &args);
    Op::new(dest.key_shared(), EXPECTS, request, move |key, reply| {
        checked(key, &names, reply)
    })
    .touching(scratch)
}

/// Decodes the merge script's `{0}` or `{position, type}`.
fn checked(key: &str, names: &[std::sync::Arc<str>], reply: Value) -> Result<()> {
    let mut parts = decode::array(key, reply)?.into_iter();
    let position = decode::int(key, "PFMERGE", parts.next().unwrap_or(Value::Nil))?;
    if position == 0 {
        return Ok(());
    }
    let actual = parts.next().map(|t| decode::bytes(key, t)).transpose()?;
    let actual = String::from_utf8_lossy(&actual.flatten().unwrap_or_default()).into_owned();
    let culprit = usize::try_from(position - 1)
        .ok()
        .and_then(|i| names.get(i))
        .map_or(key, |name| &**name);
    Err(Error::wrong_type(culprit, EXPECTS, &actual))
}
