//! The whole-dict operations of [`RedisDict`]: bulk writes, iteration, copies,
//! comparison, and the trait impls.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{RedisDict, SCAN_COUNT};
use crate::codec::{Codec, EncodeAs};
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Async, Blocking, Mode, Pages};
use crate::error::Result;

impl<K, V, C, M> RedisDict<K, V, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Inserts every `(key, value)` of `items` with one `HSET`: one atomic round trip
    /// whatever the number of items (none for no items).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// tel.extend([("irv", 4127), ("guido", 4127)])?;
    /// let local = std::collections::HashMap::from([("ada".to_owned(), 1815)]);
    /// tel.extend(&local)?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I, A, B>(&self, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: EncodeAs<V>,
    {
        let args = match self.encode_items(items) {
            Ok(args) if args.is_empty() => return M::ready(Ok(())),
            Ok(args) => args,
            Err(err) => return M::ready(Err(err)),
        };
        let mut cmd = self.base.cmd("HSET");
        cmd.arg(args);
        M::run(self.base.client(), Ok(self.base.op(cmd, |_, _| Ok(()))))
    }

    /// Streams the entries with `HSCAN`, one page of a few hundred per round trip.
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

    /// `command` (`HSET` or `HSETNX`) of one field; whether the field was set anew.
    pub(super) fn set_field<Q, W>(&self, command: &str, key: &Q, value: &W) -> M::Output<'_, bool>
    where
        Q: Serialize + ?Sized,
        W: Serialize + ?Sized,
    {
        let op = self.encode_pair(key, value).map(|(field, value)| {
            self.base
                .op(self.base.cmd_with(command, (field, value)), decode::flag)
        });
        M::run(self.base.client(), op)
    }

    pub(super) fn encode_pair<Q, W>(&self, key: &Q, value: &W) -> Result<(Vec<u8>, Vec<u8>)>
    where
        Q: Serialize + ?Sized,
        W: Serialize + ?Sized,
    {
        Ok((self.base.encode(key)?, self.base.encode(value)?))
    }

    pub(super) fn encode_items<I, A, B>(&self, items: I) -> Result<Vec<Vec<u8>>>
    where
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: EncodeAs<V>,
    {
        let mut args = Vec::new();
        for (k, v) in items {
            args.push(self.base.encode(&k)?);
            args.push(self.base.encode(&v)?);
        }
        Ok(args)
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

/// Prints like Python pottery's `repr`: `RedisDict{"one": 1, "two": 2}`, streaming the
/// entries with `HSCAN`. A read error is printed in place of the entries.
impl<K, V, C> fmt::Debug for RedisDict<K, V, C, Blocking>
where
    K: Serialize + DeserializeOwned + Send + fmt::Debug + 'static,
    V: Serialize + DeserializeOwned + Send + fmt::Debug + 'static,
    C: Codec,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedisDict")?;
        let mut map = f.debug_map();
        for entry in self.iter() {
            match entry {
                Ok((k, v)) => map.entry(&k, &v),
                Err(err) => return map.entry(&"<error>", &err.to_string()).finish(),
            };
        }
        map.finish()
    }
}

/// `for entry in &dict` streams the entries, as [`RedisDict::iter`] does.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
/// tel.insert("jack", 4098)?;
/// for entry in &tel {
///     assert_eq!(entry?, ("jack".to_owned(), 4098));
/// }
/// # Ok::<(), pottery::Error>(())
/// ```
impl<'a, K, V, C> IntoIterator for &'a RedisDict<K, V, C, Blocking>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
{
    type Item = Result<(K, V)>;
    type IntoIter = crate::engine::Iter<'a, (K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// An async dict cannot read in `Debug`; it prints its key.
impl<K, V, C: Codec> fmt::Debug for RedisDict<K, V, C, Async> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDict")
            .field("key", &self.key())
            .finish()
    }
}

/// Serializes the current entries as a map, streaming them with `HSCAN`: the
/// counterpart of pottery's `json.dumps(redis_dict)`.
impl<K, V, C> Serialize for RedisDict<K, V, C, Blocking>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
{
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeMap};
        let mut map = serializer.serialize_map(None)?;
        for entry in self.iter() {
            let (k, v) = entry.map_err(S::Error::custom)?;
            map.serialize_entry(&k, &v)?;
        }
        map.end()
    }
}
