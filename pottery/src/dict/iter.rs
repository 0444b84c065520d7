//! Iteration over a [`RedisDict`], its whole copies, comparison and `repr`.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisDict;
use crate::codec::Codec;
use crate::container::repr_map;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Mode, Pages};
use crate::error::Result;

/// Entries read per HSCAN round trip while iterating.
const SCAN_COUNT: usize = 500;

impl<K, V, C, M> RedisDict<K, V, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Streams the entries with `HSCAN`, one page of a few hundred per round trip.
    ///
    /// Yields `Result<(K, V)>` items: an [`Iter`](crate::Iter) in [`sync`](crate::sync), a [`BoxStream`](crate::BoxStream) in [`future`](crate::future).
    ///
    /// As with `HSCAN`, an entry changed during the iteration may be seen twice or
    /// not at all.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// for entry in tel.iter() {
    ///     let (name, number) = entry?;
    ///     println!("{name}: {number}");
    /// }
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn iter(&self) -> M::Iter<'_, (K, V)> {
        self.scan(|pair| pair)
    }

    /// Streams the keys (see [`iter`](Self::iter)).
    ///
    /// Yields `Result<K>` items: an [`Iter`](crate::Iter) in [`sync`](crate::sync), a [`BoxStream`](crate::BoxStream) in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// let mut names = tel.keys().collect::<pottery::Result<Vec<_>>>()?;
    /// names.sort();
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn keys(&self) -> M::Iter<'_, K> {
        self.scan(|(k, _)| k)
    }

    /// Streams the values (see [`iter`](Self::iter)).
    ///
    /// Yields `Result<V>` items: an [`Iter`](crate::Iter) in [`sync`](crate::sync), a [`BoxStream`](crate::BoxStream) in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// let total: u32 = tel.values().map(|v| v.unwrap_or(0)).sum();
    /// # let _ = total;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn values(&self) -> M::Iter<'_, V> {
        self.scan(|(_, v)| v)
    }

    /// A full copy of the entries as a `Vec` (`HGETALL`), for keys that are not `Hash`.
    ///
    /// Returns `Result<Vec<(K, V)>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// let mut entries = tel.to_vec()?;
    /// entries.sort();
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn to_vec(&self) -> M::Output<'_, Vec<(K, V)>> {
        self.copy_all()
    }

    /// A full copy of the entries as a `HashMap` (`HGETALL`): Python's `to_dict()`.
    ///
    /// Returns `Result<HashMap<K, V>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// let local = tel.to_hash_map()?;
    /// # let _ = local;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn to_hash_map(&self) -> M::Output<'_, HashMap<K, V>>
    where
        K: Eq + Hash,
    {
        self.copy_all()
    }

    /// pottery's `repr`: `RedisDict{"jack": 4098}`, from one `HGETALL`, so the
    /// whole dict is read and held in memory at once; for a large one, iterate
    /// instead. (`Debug` prints the type and key only, with no I/O.)
    ///
    /// Returns `Result<String>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// tel.insert("jack", 4098)?;
    /// assert_eq!(tel.repr()?, r#"RedisDict{"jack": 4098}"#);
    /// assert_eq!(format!("{tel:?}"), r#"RedisDict { key: "tel" }"#);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn repr(&self) -> M::Output<'_, String>
    where
        K: fmt::Debug,
        V: fmt::Debug,
    {
        M::map(self.to_vec(), |pairs| Ok(repr_map("RedisDict", &pairs)))
    }

    /// Every entry with one `HGETALL`, collected into `B`.
    fn copy_all<B: FromIterator<(K, V)> + Send + 'static>(&self) -> M::Output<'_, B> {
        let codec = self.base.codec().clone();
        let op = self.base.op(self.base.cmd("HGETALL"), move |key, reply| {
            decode_pairs::<K, V, C>(&codec, key, decode::array(key, reply)?)
                .into_iter()
                .collect()
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Whether `other` holds the same entries. Compares the stored bytes, which the
    /// codec makes canonical; a dict on the same client and key is equal without a
    /// round trip (as in Python's pottery). Two dicts are read concurrently.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisDict;
    /// let a: RedisDict<String, u32> = RedisDict::new(&client, "a");
    /// let b: RedisDict<String, u32> = RedisDict::new(&client, "b");
    /// if a.contents_eq(&b)? { println!("same"); }
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contents_eq<'a, C2: Codec, M2: Mode>(
        &'a self,
        other: &'a RedisDict<K, V, C2, M2>,
    ) -> M::Output<'a, bool> {
        if self.key() == other.key() && self.base.client().same_as(other.base.client()) {
            return M::ready(Ok(true));
        }
        let raw = |dict_key: &str| {
            Op::new(
                dict_key,
                "hash",
                {
                    let mut cmd = redis::cmd("HGETALL");
                    cmd.arg(dict_key);
                    cmd
                },
                raw_map,
            )
        };
        M::run_pair(
            (self.base.client(), Ok(raw(self.key()))),
            (other.base.client(), Ok(raw(other.key()))),
            |a, b| Ok(a == b),
        )
    }

    fn scan<T: Send + 'static>(&self, pick: fn((K, V)) -> T) -> M::Iter<'_, T> {
        let (dict_key, codec) = (self.base.key_shared(), self.base.codec().clone());
        let pages = Pages::new(move |cursor| {
            let mut cmd = redis::cmd("HSCAN");
            cmd.arg(&*dict_key).arg(cursor).arg("COUNT").arg(SCAN_COUNT);
            let codec = codec.clone();
            Op::new(dict_key.clone(), "hash", cmd, move |key, reply| {
                let (cursor, flat) = decode::scan_page(key, reply)?;
                let items = decode_pairs::<K, V, C>(&codec, key, flat)
                    .into_iter()
                    .map(|pair| pair.map(pick))
                    .collect();
                Ok((cursor, items))
            })
        });
        M::iter(self.base.client(), pages)
    }
}

/// Decodes a flat `[field, value, field, value, ...]` reply, entry by entry.
pub(super) fn decode_pairs<K: DeserializeOwned, V: DeserializeOwned, C: Codec>(
    codec: &C,
    key: &str,
    flat: Vec<Value>,
) -> Vec<Result<(K, V)>> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let (Some(field), Some(value)) = (items.next(), items.next()) {
        out.push((|| {
            let field = decode::bytes(key, field)?.unwrap_or_default();
            let value = decode::bytes(key, value)?.unwrap_or_default();
            Ok((
                decode::value(codec, key, &field)?,
                decode::value(codec, key, &value)?,
            ))
        })());
    }
    out
}

/// A hash's entries as raw bytes, for comparing two hashes without decoding.
fn raw_map(key: &str, reply: Value) -> Result<HashMap<Vec<u8>, Vec<u8>>> {
    let mut map = HashMap::new();
    let mut items = decode::array(key, reply)?.into_iter();
    while let (Some(field), Some(value)) = (items.next(), items.next()) {
        let field = decode::bytes(key, field)?.unwrap_or_default();
        map.insert(field, decode::bytes(key, value)?.unwrap_or_default());
    }
    Ok(map)
}
