//! [`RedisDict`]: a Redis hash that behaves like a `HashMap`.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::LazyLock;

use redis::{Script, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::codec::{Codec, Json};
use crate::container::Container;
use crate::decode;
use crate::error::{Error, Result};
use crate::key::Key;
use crate::mode::{Async, Blocking, Mode, Pages};
use crate::op::{Op, Request};

/// Entries read per HSCAN round trip while iterating.
const SCAN_COUNT: usize = 500;

/// Fields written per HSET inside the create script (Lua's `unpack` has a stack limit).
static CREATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
         for i = 1, #ARGV, 1000 do
           redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
         end
         return 1",
    )
});
static GET_OR_INSERT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
         return redis.call('HGET', KEYS[1], ARGV[1])",
    )
});
static REPLACE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local old = redis.call('HGET', KEYS[1], ARGV[1])
         redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
         return old",
    )
});
static REMOVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local old = redis.call('HGET', KEYS[1], ARGV[1])
         if old then redis.call('HDEL', KEYS[1], ARGV[1]) end
         return old",
    )
});
static POP_ITEM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local picked = redis.call('HRANDFIELD', KEYS[1], 1, 'WITHVALUES')
         if #picked == 0 then return false end
         redis.call('HDEL', KEYS[1], picked[1])
         return picked",
    )
});

/// A Redis hash that behaves like a `HashMap<K, V>`; Python pottery's `RedisDict`.
///
/// Each key is stored as a hash field and each value as the field's value, both
/// encoded with the codec `C` (by default [`Json`], byte-compatible with Python's
/// pottery). Every single-entry method is one round trip; bulk methods are one
/// round trip whatever their size; iteration streams with `HSCAN`.
///
/// Use it through [`crate::sync::RedisDict`] (methods return `Result`) or
/// [`crate::future::RedisDict`] (methods return futures).
///
/// # Example
///
/// ```no_run
/// use pottery::{Client, sync::RedisDict};
///
/// let client = Client::from_env()?;
/// let tel: RedisDict<String, u32> = RedisDict::new(&client, "tel");
/// tel.insert("jack", &4098)?;
/// tel.insert("sape", &4139)?;
/// assert_eq!(tel.get("jack")?, Some(4098));
/// assert!(tel.contains_key("sape")?);
/// assert_eq!(tel.remove("sape")?, Some(4139));
/// assert_eq!(tel.len()?, 1);
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct RedisDict<K, V, C = Json, M = Blocking> {
    client: Client,
    key: Key,
    codec: C,
    types: PhantomData<fn() -> (K, V, M)>,
}

impl<K, V, C: Codec + Default, M: Mode> RedisDict<K, V, C, M> {
    /// A dict at `key`: nothing is read or written until you use it.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let d: pottery::sync::RedisDict<String, i64> = pottery::sync::RedisDict::new(&client, "tel");
    /// assert_eq!(d.key(), "tel");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(client: &Client, key: &str) -> Self {
        Self::with_codec(client, key, C::default())
    }

    /// A dict at a fresh random key (`pottery:<uuid4>`), deleted when the dict and
    /// all its clones are dropped.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let d: pottery::sync::RedisDict<String, i64> = pottery::sync::RedisDict::temporary(&client);
    /// assert!(d.key().starts_with("pottery:"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn temporary(client: &Client) -> Self {
        Self::from_key(client, Key::temporary(client), C::default())
    }
}

impl<K, V, C: Codec, M: Mode> RedisDict<K, V, C, M> {
    /// A dict at `key` that encodes with `codec`.
    ///
    /// ```
    /// use pottery::{Client, Json, sync::RedisDict};
    /// let client = Client::open("redis://localhost")?;
    /// let d: RedisDict<String, i64> = RedisDict::with_codec(&client, "tel", Json);
    /// # let _ = d;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn with_codec(client: &Client, key: &str, codec: C) -> Self {
        Self::from_key(client, Key::named(key), codec)
    }

    fn from_key(client: &Client, key: Key, codec: C) -> Self {
        RedisDict {
            client: client.clone(),
            key,
            codec,
            types: PhantomData,
        }
    }

    /// The Redis key holding the dict.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let d: pottery::sync::RedisDict<String, i64> = pottery::sync::RedisDict::new(&client, "tel");
    /// assert_eq!(d.key(), "tel");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        self.key.as_str()
    }

    fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>> {
        self.codec
            .encode(value)
            .map_err(|e| Error::encode(self.key(), e))
    }

    fn cmd(&self, name: &str) -> redis::Cmd {
        let mut cmd = redis::cmd(name);
        cmd.arg(self.key());
        cmd
    }

    fn op<T>(
        &self,
        request: impl Into<Request>,
        decode: impl FnOnce(&str, Value) -> Result<T> + Send + 'static,
    ) -> Op<T> {
        Op::new(self.key(), "hash", request, decode)
    }

    fn script(&self, script: &'static Script, args: &[Vec<u8>]) -> Request {
        Request::script(script, &[self.key().as_bytes()], args)
    }
}

impl<K, V, C, M> RedisDict<K, V, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Creates a dict at `key` holding `items`, atomically; fails with a
    /// [`KeyExists`](crate::ErrorKind::KeyExists) error if `key` exists already,
    /// as Python's pottery does. With no items nothing is checked or written.
    ///
    /// ```no_run
    /// use pottery::{Client, sync::RedisDict};
    /// let client = Client::from_env()?;
    /// let tel = RedisDict::<String, u32>::create(&client, "tel", [("jack".to_owned(), 4098)])?;
    /// let again = RedisDict::<String, u32>::create(&client, "tel", [("jack".to_owned(), 1)]);
    /// assert!(again.unwrap_err().is_key_exists());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn create<I, A, B>(client: &Client, key: &str, items: I) -> M::Output<'static, Self>
    where
        C: Default,
        I: IntoIterator<Item = (A, B)>,
        A: Borrow<K>,
        B: Borrow<V>,
    {
        let dict = Self::new(client, key);
        let args = match dict.encode_items(items) {
            Ok(args) if args.is_empty() => return M::ready(Ok(dict)),
            Ok(args) => args,
            Err(err) => return M::ready(Err(err)),
        };
        let request = dict.script(&CREATE, &args);
        let op = Op::new(key, "hash", request, move |key, reply| {
            match decode::flag(key, reply)? {
                true => Ok(dict),
                false => Err(Error::key_exists(key)),
            }
        });
        M::run_owned(client.clone(), Ok(op))
    }

    /// The value for `key`, or `None`.
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// assert_eq!(tel.get("nobody")?, None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get<Q>(&self, key: &Q) -> M::Output<'_, Option<V>>
    where
        K: Borrow<Q>,
        Q: Serialize + ?Sized,
    {
        let op = self.encode(key).map(|field| {
            let codec = self.codec.clone();
            self.op(self.cmd("HGET").arg(field).clone(), move |key, reply| {
                decode::optional(&codec, key, reply)
            })
        });
        M::run(&self.client, op)
    }

    /// The values for `keys`, in order, `None` where absent: one `HMGET`.
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// let numbers = tel.get_many(["jack", "sape"])?;
    /// assert_eq!(numbers.len(), 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_many<'q, Q, I>(&self, keys: I) -> M::Output<'_, Vec<Option<V>>>
    where
        I: IntoIterator<Item = &'q Q>,
        K: Borrow<Q>,
        Q: Serialize + ?Sized + 'q,
    {
        let mut cmd = self.cmd("HMGET");
        let mut any = false;
        for key in keys {
            match self.encode(key) {
                Ok(field) => cmd.arg(field),
                Err(err) => return M::run(&self.client, Err(err)),
            };
            any = true;
        }
        if !any {
            return M::ready(Ok(Vec::new()));
        }
        let codec = self.codec.clone();
        let op = self.op(cmd, move |key, reply| {
            decode::array(key, reply)?
                .into_iter()
                .map(|v| decode::optional(&codec, key, v))
                .collect()
        });
        M::run(&self.client, Ok(op))
    }
}

impl<K, V, C, M> RedisDict<K, V, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Sets `key` to `value` (`HSET`); `true` if `key` was new.
    ///
    /// `HashMap::insert` returns the old value; that costs a script here, so it is
    /// [`replace`](Self::replace).
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// tel.insert("guido", &4127)?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert<Q, W>(&self, key: &Q, value: &W) -> M::Output<'_, bool>
    where
        K: Borrow<Q>,
        V: Borrow<W>,
        Q: Serialize + ?Sized,
        W: Serialize + ?Sized,
    {
        let op = self.encode_pair(key, value).map(|(field, value)| {
            self.op(self.cmd("HSET").arg(field).arg(value).clone(), decode::flag)
        });
        M::run(&self.client, op)
    }

    /// Sets `key` to `value` only if `key` is absent (`HSETNX`); `true` if it was set.
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// tel.insert_if_absent("guido", &4127)?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert_if_absent<Q, W>(&self, key: &Q, value: &W) -> M::Output<'_, bool>
    where
        K: Borrow<Q>,
        V: Borrow<W>,
        Q: Serialize + ?Sized,
        W: Serialize + ?Sized,
    {
        let op = self.encode_pair(key, value).map(|(field, value)| {
            self.op(self.cmd("HSETNX").arg(field).arg(value).clone(), decode::flag)
        });
        M::run(&self.client, op)
    }

    /// The value at `key`, after setting it to `default` if it was absent: Python's
    /// `dict.setdefault`, atomic.
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// let n = tel.get_or_insert("irv", &4127)?;
    /// # let _ = n;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_or_insert<Q, W>(&self, key: &Q, default: &W) -> M::Output<'_, V>
    where
        K: Borrow<Q>,
        V: Borrow<W>,
        Q: Serialize + ?Sized,
        W: Serialize + ?Sized,
    {
        let op = self.encode_pair(key, default).map(|(field, value)| {
            let codec = self.codec.clone();
            self.op(self.script(&GET_OR_INSERT, &[field, value]), move |key, reply| {
                decode::optional(&codec, key, reply)?
                    .ok_or_else(|| Error::unexpected_reply(key, "setdefault", "nil"))
            })
        });
        M::run(&self.client, op)
    }

    /// Sets `key` to `value` and returns the previous value, atomically: what
    /// `HashMap::insert` returns.
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// let old = tel.replace("jack", &4099)?;
    /// # let _ = old;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn replace<Q, W>(&self, key: &Q, value: &W) -> M::Output<'_, Option<V>>
    where
        K: Borrow<Q>,
        V: Borrow<W>,
        Q: Serialize + ?Sized,
        W: Serialize + ?Sized,
    {
        let op = self.encode_pair(key, value).map(|(field, value)| {
            let codec = self.codec.clone();
            self.op(self.script(&REPLACE, &[field, value]), move |key, reply| {
                decode::optional(&codec, key, reply)
            })
        });
        M::run(&self.client, op)
    }

    /// Removes `key` and returns its value, atomically; `None` if it was absent
    /// (where Python's `del d[key]` raises `KeyError`).
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// if tel.remove("sape")?.is_none() { println!("no sape"); }
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn remove<Q>(&self, key: &Q) -> M::Output<'_, Option<V>>
    where
        K: Borrow<Q>,
        Q: Serialize + ?Sized,
    {
        let op = self.encode(key).map(|field| {
            let codec = self.codec.clone();
            self.op(self.script(&REMOVE, &[field]), move |key, reply| {
                decode::optional(&codec, key, reply)
            })
        });
        M::run(&self.client, op)
    }

    /// Removes and returns some entry, atomically; `None` if the dict is empty
    /// (Python's `dict.popitem`, which picks the last entry; Redis picks at random).
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// while let Some((name, number)) = tel.pop_item()? { println!("{name}: {number}"); }
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop_item(&self) -> M::Output<'_, Option<(K, V)>> {
        let codec = self.codec.clone();
        let op = self.op(self.script(&POP_ITEM, &[]), move |key, reply| {
            if reply == Value::Nil {
                return Ok(None);
            }
            let pairs = decode_pairs::<K, V, C>(&codec, key, decode::array(key, reply)?);
            pairs.into_iter().next().transpose()
        });
        M::run(&self.client, Ok(op))
    }

    /// Whether `key` is present (`HEXISTS`). A key the codec cannot encode cannot be
    /// stored, so it is reported absent, as Python's pottery does.
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// assert!(!tel.contains_key("nobody")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains_key<Q>(&self, key: &Q) -> M::Output<'_, bool>
    where
        K: Borrow<Q>,
        Q: Serialize + ?Sized,
    {
        match self.encode(key) {
            Ok(field) => M::run(
                &self.client,
                Ok(self.op(self.cmd("HEXISTS").arg(field).clone(), decode::flag)),
            ),
            Err(_) => M::ready(Ok(false)),
        }
    }

    /// The number of entries (`HLEN`).
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// println!("{} entries", tel.len()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn len(&self) -> M::Output<'_, usize> {
        M::run(&self.client, Ok(self.op(self.cmd("HLEN"), decode::count)))
    }

    /// Whether the dict has no entries.
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// if tel.is_empty()? { println!("empty"); }
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_empty(&self) -> M::Output<'_, bool> {
        let op = self.op(self.cmd("HLEN"), |key, reply| Ok(decode::count(key, reply)? == 0));
        M::run(&self.client, Ok(op))
    }

    /// Inserts every `(key, value)` of `items` with one `HSET`: one atomic round trip
    /// whatever the number of items (none for no items).
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// tel.extend([("irv".to_owned(), 4127), ("guido".to_owned(), 4127)])?;
    /// let local = std::collections::HashMap::from([("ada".to_owned(), 1815)]);
    /// tel.extend(&local)?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I, A, B>(&self, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item = (A, B)>,
        A: Borrow<K>,
        B: Borrow<V>,
    {
        let args = match self.encode_items(items) {
            Ok(args) if args.is_empty() => return M::ready(Ok(())),
            Ok(args) => args,
            Err(err) => return M::ready(Err(err)),
        };
        let mut cmd = self.cmd("HSET");
        cmd.arg(args);
        M::run(&self.client, Ok(self.op(cmd, |_, _| Ok(()))))
    }

    /// Streams the entries with `HSCAN`, one page of a few hundred per round trip.
    ///
    /// As with `HSCAN`, an entry changed during the iteration may be seen twice or
    /// not at all.
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
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
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// let mut names = tel.keys().collect::<pottery::Result<Vec<_>>>()?;
    /// names.sort();
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn keys(&self) -> M::Iter<'_, K> {
        self.scan(|(k, _)| k)
    }

    /// Streams the values (see [`iter`](Self::iter)).
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// let total: u32 = tel.values().map(|v| v.unwrap_or(0)).sum();
    /// # let _ = total;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn values(&self) -> M::Iter<'_, V> {
        self.scan(|(_, v)| v)
    }

    /// A full copy of the entries as a `Vec` (`HGETALL`), for keys that are not `Hash`.
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// let mut entries = tel.to_vec()?;
    /// entries.sort();
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn to_vec(&self) -> M::Output<'_, Vec<(K, V)>> {
        let codec = self.codec.clone();
        let op = self.op(self.cmd("HGETALL"), move |key, reply| {
            decode_pairs::<K, V, C>(&codec, key, decode::array(key, reply)?)
                .into_iter()
                .collect()
        });
        M::run(&self.client, Ok(op))
    }

    /// A full copy of the entries as a `HashMap` (`HGETALL`): Python's `to_dict()`.
    ///
    /// ```no_run
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "tel");
    /// let local = tel.to_hash_map()?;
    /// # let _ = local;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn to_hash_map(&self) -> M::Output<'_, HashMap<K, V>>
    where
        K: Eq + Hash,
    {
        let codec = self.codec.clone();
        let op = self.op(self.cmd("HGETALL"), move |key, reply| {
            decode_pairs::<K, V, C>(&codec, key, decode::array(key, reply)?)
                .into_iter()
                .collect()
        });
        M::run(&self.client, Ok(op))
    }

    /// Whether `other` holds the same entries. Compares the stored bytes, which the
    /// codec makes canonical; a dict on the same client and key is equal without a
    /// round trip (as in Python's pottery). Two dicts are read concurrently.
    ///
    /// ```no_run
    /// # let client = pottery::Client::from_env()?;
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
        if self.key() == other.key() && self.client.same_as(&other.client) {
            return M::ready(Ok(true));
        }
        let raw = |dict_key: &str| {
            Op::new(dict_key, "hash", redis::cmd("HGETALL").arg(dict_key).clone(), |key, reply| {
                raw_map(key, reply)
            })
        };
        M::run_pair(
            (&self.client, Ok(raw(self.key()))),
            (&other.client, Ok(raw(other.key()))),
            |a, b| Ok(a == b),
        )
    }

    fn scan<T: Send + 'static>(&self, pick: fn((K, V)) -> T) -> M::Iter<'_, T> {
        let (client_key, codec) = (self.key().to_owned(), self.codec.clone());
        let pages = Pages::new(move |cursor| {
            let mut cmd = redis::cmd("HSCAN");
            cmd.arg(&client_key).arg(cursor).arg("COUNT").arg(SCAN_COUNT);
            let codec = codec.clone();
            Op::new(&client_key, "hash", cmd, move |key, reply| {
                let (cursor, flat) = decode::scan_page(key, reply)?;
                let items = decode_pairs::<K, V, C>(&codec, key, flat)
                    .into_iter()
                    .map(|pair| pair.map(pick))
                    .collect();
                Ok((cursor, items))
            })
        });
        M::iter(&self.client, pages)
    }

    fn encode_pair<Q, W>(&self, key: &Q, value: &W) -> Result<(Vec<u8>, Vec<u8>)>
    where
        Q: Serialize + ?Sized,
        W: Serialize + ?Sized,
    {
        Ok((self.encode(key)?, self.encode(value)?))
    }

    fn encode_items<I, A, B>(&self, items: I) -> Result<Vec<Vec<u8>>>
    where
        I: IntoIterator<Item = (A, B)>,
        A: Borrow<K>,
        B: Borrow<V>,
    {
        let mut args = Vec::new();
        for (k, v) in items {
            args.push(self.encode(k.borrow())?);
            args.push(self.encode(v.borrow())?);
        }
        Ok(args)
    }
}

/// Decodes a flat `[field, value, field, value, ...]` reply, entry by entry.
fn decode_pairs<K: DeserializeOwned, V: DeserializeOwned, C: Codec>(
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
            Ok((decode::value(codec, key, &field)?, decode::value(codec, key, &value)?))
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

impl<K, V, C: Codec, M: Mode> Clone for RedisDict<K, V, C, M> {
    fn clone(&self) -> Self {
        RedisDict {
            client: self.client.clone(),
            key: self.key.clone(),
            codec: self.codec.clone(),
            types: PhantomData,
        }
    }
}

impl<K, V, C: Codec, M: Mode> Container for RedisDict<K, V, C, M> {
    type Mode = M;

    fn key(&self) -> &str {
        self.key.as_str()
    }

    fn client(&self) -> &Client {
        &self.client
    }

    fn redis_type(&self) -> &'static str {
        "hash"
    }
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

/// An async dict cannot read in `Debug`; it prints its key.
impl<K, V, C: Codec> fmt::Debug for RedisDict<K, V, C, Async> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDict").field("key", &self.key()).finish()
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
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeMap};
        let mut map = serializer.serialize_map(None)?;
        for entry in self.iter() {
            let (k, v) = entry.map_err(S::Error::custom)?;
            map.serialize_entry(&k, &v)?;
        }
        map.end()
    }
}
