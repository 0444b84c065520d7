//! [`RedisDict`]: a Redis hash that behaves like a `HashMap`.
//!
//! `mod.rs` holds the type and the single-entry operations, `entry.rs`
//! [`DictEntry`] (`entry(k).or_insert(v)`), `bulk.rs` those on many entries at
//! once, `iter.rs` iteration, copies, comparison and `repr`, `flow.rs` the
//! read-decide-write flows of entries and `retain`, `impls.rs` the trait impls.

mod bulk;
mod entry;
mod flow;
mod impls;
mod iter;

pub use entry::DictEntry;

use std::marker::PhantomData;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::codec::{Codec, EncodeAs, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Blocking, Mode};
use crate::error::{Error, Result, Taken};
use crate::lua;

/// Ties the key, value and mode types to the dict without owning any.
type Types<K, V, M> = PhantomData<fn() -> (K, V, M)>;

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
/// ```
/// use pottery::{Client, sync::RedisDict};
///
/// # let server = pottery_testkit::Server::start();
/// # let url = server.url();
/// let client = Client::open(&url)?;
/// let tel: RedisDict<String, u32> = RedisDict::new(&client, "tel");
/// tel.insert("jack", 4098)?;
/// tel.insert("sape", 4139)?;
/// assert_eq!(tel.get("jack")?, Some(4098));
/// assert!(tel.contains_key("sape")?);
/// assert_eq!(tel.remove("sape")?, Some(4139));
/// assert_eq!(tel.len()?, 1);
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct RedisDict<K, V, C = Json, M = Blocking> {
    base: Base<C>,
    types: Types<K, V, M>,
}

crate::container::container_basics!(RedisDict<K, V>, "hash", "<String, i64>");
crate::container::debug_key!(RedisDict<K, V>);

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
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// use pottery::{Client, sync::RedisDict};
    /// # let server = pottery_testkit::Server::start();
    /// # let url = server.url();
    /// let client = Client::open(&url)?;
    /// let tel = RedisDict::<String, u32>::create(&client, "tel", [("jack", 4098)])?;
    /// let again = RedisDict::<String, u32>::create(&client, "tel", [("jack", 1)]);
    /// assert_eq!(again.unwrap_err().kind(), pottery::ErrorKind::KeyExists);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn create<I, A, B>(client: &Client, key: &str, items: I) -> M::Output<'static, Self>
    where
        C: Default,
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: EncodeAs<V>,
    {
        let dict = Self::new(client, key);
        let args = match dict.encode_items(items) {
            Ok(args) if args.is_empty() => return M::ready(Ok(dict)),
            Ok(args) => args,
            Err(err) => return M::ready(Err(err)),
        };
        let request = dict.base.script(&lua::dict::CREATE, &args);
        let op = Op::new(
            key,
            "hash",
            request,
            move |key, reply| match decode::flag(key, reply)? {
                true => Ok(dict),
                false => Err(Error::key_exists(key)),
            },
        );
        M::run_owned(client.clone(), Ok(op))
    }

    /// The value for `key`, or `None`.
    ///
    /// Returns `Result<Option<V>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// assert_eq!(tel.get("nobody")?, None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get(&self, key: impl EncodeAs<K>) -> M::Output<'_, Option<V>> {
        let op = self.base.encode(&key).map(|field| {
            let codec = self.base.codec().clone();
            self.base
                .op(self.base.cmd_with("HGET", field), move |key, reply| {
                    decode::optional(&codec, key, reply)
                })
        });
        M::run(self.base.client(), op)
    }
}

impl<K, V, C, M> RedisDict<K, V, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Writes through this dict's fence with `token` (see [`Fenced`](crate::Fenced)):
    /// each is refused with [`StaleFence`](crate::ErrorKind::StaleFence),
    /// changing nothing, if a larger token already wrote through it.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// tel.fenced(2).insert("jack", 4098)?;
    /// assert!(tel.fenced(1).insert("jack", 0).is_err());
    /// assert_eq!(tel.get("jack")?, Some(4098));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn fenced(&self, token: impl Into<crate::FenceToken>) -> crate::Fenced<'_, Self> {
        crate::Fenced::new(self, token.into())
    }

    /// Sets `key` to `value` (`HSET`); `true` if `key` was new.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// `HashMap::insert` returns the old value; that costs a script here, so it is
    /// [`replace`](Self::replace).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// tel.insert("guido", 4127)?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert(&self, key: impl EncodeAs<K>, value: impl EncodeAs<V>) -> M::Output<'_, bool> {
        self.set_field("HSET", &key, &value)
    }

    /// Sets `key` to `value` only if `key` is absent (`HSETNX`); `true` if it was set.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// tel.insert_if_absent("guido", 4127)?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert_if_absent(
        &self,
        key: impl EncodeAs<K>,
        value: impl EncodeAs<V>,
    ) -> M::Output<'_, bool> {
        self.set_field("HSETNX", &key, &value)
    }

    /// The value at `key`, after setting it to `default` if it was absent: Python's
    /// `dict.setdefault`, atomic.
    ///
    /// Returns `Result<V>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// let n = tel.get_or_insert("irv", 4127)?;
    /// # let _ = n;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_or_insert(
        &self,
        key: impl EncodeAs<K>,
        default: impl EncodeAs<V>,
    ) -> M::Output<'_, V> {
        let op = self
            .encode_pair(&key, &default)
            .map(|(field, value)| flow::set_default_op(&self.base, field, value));
        M::run(self.base.client(), op)
    }

    /// Sets `key` to `value` and returns the previous value, atomically: what
    /// `HashMap::insert` returns.
    ///
    /// If the previous value does not decode, `value` is stored all the same and
    /// the [`Decode`](crate::ErrorKind::Decode) error holds the previous one whole
    /// ([`Error::removed_raw`](crate::Error::removed_raw)): see
    /// [`Error`](crate::Error#errors-change-nothing-or-hand-back-what-they-took).
    ///
    /// Returns `Result<Option<V>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// let old = tel.replace("jack", 4099)?;
    /// # let _ = old;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn replace(
        &self,
        key: impl EncodeAs<K>,
        value: impl EncodeAs<V>,
    ) -> M::Output<'_, Option<V>> {
        let op = self.encode_pair(&key, &value).map(|(field, value)| {
            let codec = self.base.codec().clone();
            self.base.op(
                self.base.script(&lua::dict::REPLACE, &[field, value]),
                move |key, reply| decode::optional_taken(&codec, key, reply, Taken::Overwritten),
            )
        });
        M::run(self.base.client(), op)
    }

    /// Removes `key` and returns its value, atomically; `None` if it was absent
    /// (where Python's `del d[key]` raises `KeyError`).
    ///
    /// If the value does not decode, it is removed all the same and the
    /// [`Decode`](crate::ErrorKind::Decode) error holds it whole
    /// ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<Option<V>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// if tel.remove("sape")?.is_none() { println!("no sape"); }
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn remove(&self, key: impl EncodeAs<K>) -> M::Output<'_, Option<V>> {
        M::run(self.base.client(), self.remove_op(&key, &lua::dict::REMOVE))
    }

    /// Removes and returns some entry, atomically; `None` if the dict is empty
    /// (Python's `dict.popitem`, which picks the last entry; Redis picks at random).
    ///
    /// If the key or the value does not decode, the entry is removed all the same
    /// and the [`Decode`](crate::ErrorKind::Decode) error holds its raw key and
    /// value, in that order ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<Option<(K, V)>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// while let Some((name, number)) = tel.pop_item()? { println!("{name}: {number}"); }
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop_item(&self) -> M::Output<'_, Option<(K, V)>> {
        let codec = self.base.codec().clone();
        let op = self.base.op(
            self.base.script(&lua::dict::POP_ITEM, &[]),
            move |key, reply| {
                if reply == Value::Nil {
                    return Ok(None);
                }
                let Ok([field, value]) = <[Vec<u8>; 2]>::try_from(decode::raw_values(key, reply)?)
                else {
                    return Err(Error::unexpected_reply(key, "HRANDFIELD", "not one entry"));
                };
                taken_entry(&codec, key, field, value).map(Some)
            },
        );
        M::run(self.base.client(), Ok(op))
    }

    /// Whether `key` is present (`HEXISTS`). A key the codec cannot encode cannot be
    /// stored, so it is reported absent, as Python's pottery does.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// assert!(!tel.contains_key("nobody")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains_key(&self, key: impl EncodeAs<K>) -> M::Output<'_, bool> {
        match self.base.encode(&key) {
            Ok(field) => M::run(
                self.base.client(),
                Ok(self
                    .base
                    .op(self.base.cmd_with("HEXISTS", field), decode::flag)),
            ),
            Err(_) => M::ready(Ok(false)),
        }
    }

    /// The number of entries (`HLEN`).
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// println!("{} entries", tel.len()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn len(&self) -> M::Output<'_, usize> {
        M::run(
            self.base.client(),
            Ok(self.base.op(self.base.cmd("HLEN"), decode::count)),
        )
    }

    /// Whether the dict has no entries.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// if tel.is_empty()? { println!("empty"); }
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_empty(&self) -> M::Output<'_, bool> {
        let op = self.base.op(self.base.cmd("HLEN"), |key, reply| {
            Ok(decode::count(key, reply)? == 0)
        });
        M::run(self.base.client(), Ok(op))
    }

    /// `command` (`HSET` or `HSETNX`) of one field; whether the field was set anew.
    fn set_field<Q, W>(&self, command: &str, key: &Q, value: &W) -> M::Output<'_, bool>
    where
        Q: Serialize + ?Sized,
        W: Serialize + ?Sized,
    {
        M::run(self.base.client(), self.set_field_op(command, key, value))
    }

    /// `command key field value`, `true` if it set a new field (also fenced).
    pub(crate) fn set_field_op<Q, W>(&self, command: &str, key: &Q, value: &W) -> Result<Op<bool>>
    where
        Q: Serialize + ?Sized,
        W: Serialize + ?Sized,
    {
        self.encode_pair(key, value).map(|(field, value)| {
            self.base
                .op(self.base.cmd_with(command, (field, value)), decode::flag)
        })
    }

    /// `script` removing the field `key` and returning its old value (also fenced).
    pub(crate) fn remove_op<Q: Serialize + ?Sized>(
        &self,
        key: &Q,
        script: &'static lua::Lua,
    ) -> Result<Op<Option<V>>> {
        self.base.encode(key).map(|field| {
            let codec = self.base.codec().clone();
            self.base
                .op(self.base.script(script, &[field]), move |key, reply| {
                    decode::optional_taken(&codec, key, reply, Taken::Removed)
                })
        })
    }

    fn encode_pair<Q, W>(&self, key: &Q, value: &W) -> Result<(Vec<u8>, Vec<u8>)>
    where
        Q: Serialize + ?Sized,
        W: Serialize + ?Sized,
    {
        Ok((self.base.encode(key)?, self.base.encode(value)?))
    }
}

impl<K, V, C, M> RedisDict<K, V, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// The entry for `key`, to insert or modify in place: `HashMap::entry`,
    /// with no I/O until one of [`DictEntry`]'s methods runs. Ours: Python's
    /// pottery has no such method; the fields written are those of `insert`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let hits: pottery::sync::RedisDict<String, u64> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "hits");
    /// assert_eq!(hits.entry("/").or_insert(0)?, 0);
    /// assert_eq!(hits.entry("/").and_modify(|n| *n += 1).or_insert(1)?, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn entry(&self, key: impl EncodeAs<K>) -> DictEntry<'_, K, V, C, M> {
        DictEntry::new(self, self.base.encode(&key))
    }
}

/// Decodes an entry the operation removed: both halves are gone, so a failure
/// hands back both, raw (field first).
pub(super) fn taken_entry<K: DeserializeOwned, V: DeserializeOwned, C: Codec>(
    codec: &C,
    key: &str,
    field: Vec<u8>,
    value: Vec<u8>,
) -> Result<(K, V)> {
    let taken = |bad, e| {
        Error::decode_taken(
            key,
            vec![field.clone(), value.clone()],
            bad,
            Taken::Removed,
            e,
        )
    };
    let name = codec.decode::<K>(&field).map_err(|e| taken(0, e))?;
    let item = codec.decode::<V>(&value).map_err(|e| taken(1, e))?;
    Ok((name, item))
}
