//! [`DictEntry`]: one key of a [`RedisDict`], to insert or modify in place.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisDict;
use super::flow::{self, Modify};
use crate::codec::{Codec, EncodeAs, Json};
use crate::engine::{Blocking, Mode, ModeExt};
use crate::error::Result;

/// One key of a [`RedisDict`], from [`RedisDict::entry`]: insert a value if it
/// is absent, or modify it in place. Ours: Python's pottery has no entries.
///
/// [`or_insert`](Self::or_insert) alone is one atomic round trip (`HSETNX` then
/// `HGET` in one script, Python's `setdefault`). With a value made on demand
/// ([`or_insert_with`](Self::or_insert_with), [`or_default`](Self::or_default))
/// or a change ([`and_modify`](Self::and_modify)), the field is read first (one
/// round trip), decided in your process, then written in one more that checks
/// the field still holds what was read (`HSETNX`, or a compare-and-set script).
/// If another writer got in between, nothing is written and the entry reads
/// and decides again (so the closures may run more than once), up to 4 times;
/// then it fails with a [`Conflict`](crate::ErrorKind::Conflict) error. A value
/// that does not decode fails the call with nothing written.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let words: pottery::sync::RedisDict<String, Vec<String>> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "w");
/// words.entry("r").and_modify(|v| v.push("rust".into())).or_insert(vec!["redis".to_owned()])?;
/// let got = words.entry("r").and_modify(|v| v.push("rust".into())).or_default()?;
/// assert_eq!(got, ["redis", "rust"]);
/// # Ok::<(), pottery::Error>(())
/// ```
#[must_use = "an entry does nothing until `or_insert`, `or_insert_with` or `or_default` runs"]
pub struct DictEntry<'a, K, V, C = Json, M = Blocking> {
    dict: &'a RedisDict<K, V, C, M>,
    field: Result<Vec<u8>>,
    modify: Option<Modify<V>>,
}

impl<'a, K, V, C, M> DictEntry<'a, K, V, C, M> {
    pub(super) fn new(dict: &'a RedisDict<K, V, C, M>, field: Result<Vec<u8>>) -> Self {
        DictEntry {
            dict,
            field,
            modify: None,
        }
    }
}

impl<K, V, C: Codec, M: Mode> std::fmt::Debug for DictEntry<'_, K, V, C, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DictEntry")
            .field("key", &self.dict.key())
            .finish_non_exhaustive()
    }
}

impl<'a, K, V, C, M> DictEntry<'a, K, V, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Changes the value with `f` if the key is present (`HashMap`'s
    /// `and_modify`); runs when the entry's `or_*` method does.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let d: pottery::sync::RedisDict<String, i64> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "d");
    /// d.insert("n", 1)?;
    /// assert_eq!(d.entry("n").and_modify(|n| *n *= 10).or_insert(0)?, 10);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn and_modify(mut self, f: impl FnMut(&mut V) + Send + 'static) -> Self {
        self.modify = Some(Box::new(f));
        self
    }

    /// The value now stored at the key, after storing `default` if it was absent
    /// (after `f` of [`and_modify`](Self::and_modify) if it was present).
    ///
    /// Returns `Result<V>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let d: pottery::sync::RedisDict<String, i64> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "d");
    /// assert_eq!(d.entry("n").or_insert(7)?, 7);
    /// assert_eq!(d.entry("n").or_insert(8)?, 7);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn or_insert(self, default: impl EncodeAs<V>) -> M::Output<'a, V> {
        let dict = self.dict;
        let default = self
            .field
            .and_then(|field| Ok((field, dict.base().encode(&default)?)));
        match (default, self.modify) {
            (Err(err), _) => M::ready(Err(err)),
            (Ok((field, value)), None) => {
                let op = flow::set_default_op(dict.base(), field, value);
                M::run(dict.base().client(), Ok(op))
            }
            (Ok((field, value)), modify) => {
                dict.entry_flow(field, modify, flow::Default::Encoded(value))
            }
        }
    }

    /// Like [`or_insert`](Self::or_insert), with the default made by `make`
    /// only when the key is absent (it may then be thrown away if another
    /// writer inserted first: the value stored is returned).
    ///
    /// Returns `Result<V>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let d: pottery::sync::RedisDict<String, String> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "d");
    /// assert_eq!(d.entry("k").or_insert_with(|| "made".to_owned())?, "made");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn or_insert_with(self, make: impl FnOnce() -> V + Send + 'static) -> M::Output<'a, V> {
        match self.field {
            Err(err) => M::ready(Err(err)),
            Ok(field) => {
                let default = flow::Default::With(Box::new(make));
                self.dict.entry_flow(field, self.modify, default)
            }
        }
    }

    /// Like [`or_insert_with`](Self::or_insert_with) with `V::default()`.
    ///
    /// Returns `Result<V>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let d: pottery::sync::RedisDict<String, i64> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "d");
    /// assert_eq!(d.entry("k").and_modify(|n| *n += 1).or_default()?, 0);
    /// assert_eq!(d.entry("k").and_modify(|n| *n += 1).or_default()?, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn or_default(self) -> M::Output<'a, V>
    where
        V: std::default::Default,
    {
        self.or_insert_with(V::default)
    }
}

impl<K, V, C, M> RedisDict<K, V, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// The entry flow on an encoded field (see [`DictEntry`]).
    fn entry_flow(
        &self,
        field: Vec<u8>,
        modify: Option<Modify<V>>,
        default: flow::Default<V>,
    ) -> M::Output<'_, V> {
        let job = flow::EntryJob {
            base: self.base().clone(),
            field,
            modify,
            default,
            attempts: flow::attempts(),
        };
        M::run_plan(self.base().client(), flow::entry(job))
    }
}
