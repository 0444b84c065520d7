//! [`RedisSet`]: Redis set that behaves like a `HashSet<T>`.
//!
//! `mod.rs` holds the type and the single-member operations, `bulk.rs` those
//! on many members at once, `iter.rs` iteration, copies, comparison and `repr`,
//! `algebra.rs` the set algebra (union, intersection, ... against another
//! RedisSet or local members) with its pure reply decoding in `logic.rs`.
//! `Debug` and `Serialize` come from the `container` macros.

mod algebra;
mod bulk;
mod iter;
mod logic;

pub use algebra::SetOperand;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

use crate::client::Client;
use crate::codec::{Codec, EncodeAs, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Blocking, Mode};
use crate::error::{Error, Result, Taken};
use crate::lua;

/// Ties the element and mode types to the structure without owning any.
type Types<T, M> = PhantomData<fn() -> (T, M)>;

/// A Redis set that behaves like a `HashSet<T>`; Python pottery's `RedisSet`.
///
/// Each member is stored encoded with the codec `C` (by default [`Json`],
/// byte-compatible with Python's pottery). Every single-member method is one round
/// trip; bulk methods are one round trip whatever their size; iteration streams
/// with `SSCAN`. The set algebra ([`union`](Self::union), [`intersection`](Self::intersection),
/// [`difference`](Self::difference), [`symmetric_difference`](Self::symmetric_difference),
/// their `_update` forms, [`is_disjoint`](Self::is_disjoint), [`is_subset`](Self::is_subset),
/// [`is_superset`](Self::is_superset)) takes another RedisSet or any local collection
/// of members; see [`SetOperand`].
///
/// Use it through [`crate::sync::RedisSet`] (methods return `Result`) or
/// [`crate::future::RedisSet`] (methods return futures).
///
/// # Example
///
/// ```
/// use pottery::{Client, sync::RedisSet};
///
/// # let server = pottery_testkit::Server::start();
/// # let url = server.url();
/// let client = Client::open(&url)?;
/// let basket: RedisSet<String> = RedisSet::new(&client, "basket");
/// basket.extend(["apple", "orange", "pear"])?;
/// assert!(basket.insert("banana")?);
/// assert!(basket.contains("orange")?);
/// assert!(!basket.contains("crabgrass")?);
/// basket.remove("pear")?;
/// assert_eq!(basket.len()?, 3);
/// let citrus = ["orange", "lemon"];
/// assert_eq!(basket.intersection(citrus)?, ["orange".to_owned()].into());
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct RedisSet<T, C = Json, M = Blocking> {
    base: Base<C>,
    types: Types<T, M>,
}

crate::container::container_basics!(RedisSet<T>, "set", "<String>");
crate::container::debug_key!(RedisSet<T>);
crate::container::serialize_seq!(
    /// Serializes the current members as a sequence, streaming them with `SSCAN`.
    RedisSet
);

impl<T, C, M> RedisSet<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Creates a set at `key` holding `members`, atomically; fails with a
    /// [`KeyExists`](crate::ErrorKind::KeyExists) error if `key` exists already,
    /// as Python's pottery does. With no members nothing is checked or written.
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// use pottery::{Client, sync::RedisSet};
    /// # let server = pottery_testkit::Server::start();
    /// # let url = server.url();
    /// let client = Client::open(&url)?;
    /// let basket = RedisSet::<String>::create(&client, "basket", ["apple", "pear"])?;
    /// let again = RedisSet::<String>::create(&client, "basket", ["fig"]);
    /// assert_eq!(again.unwrap_err().kind(), pottery::ErrorKind::KeyExists);
    /// assert_eq!(basket.len()?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn create<I>(client: &Client, key: &str, members: I) -> M::Output<'static, Self>
    where
        C: Default,
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let set = Self::new(client, key);
        let args = match set.base.encode_each(members) {
            Ok(args) if args.is_empty() => return M::ready(Ok(set)),
            Ok(args) => args,
            Err(err) => return M::ready(Err(err)),
        };
        let request = set.base.script(&lua::set::CREATE, &args);
        let op = Op::new(key, "set", request, move |key, reply| {
            match decode::flag(key, reply)? {
                true => Ok(set),
                false => Err(Error::key_exists(key)),
            }
        });
        M::run_owned(client.clone(), Ok(op))
    }

    /// Writes through this set's fence with `token` (see [`Fenced`](crate::Fenced)):
    /// each is refused with [`StaleFence`](crate::ErrorKind::StaleFence),
    /// changing nothing, if a larger token already wrote through it.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// basket.fenced(2).insert("apple")?;
    /// assert!(basket.fenced(1).remove("apple").is_err());
    /// assert!(basket.contains("apple")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn fenced(&self, token: impl Into<crate::FenceToken>) -> crate::Fenced<'_, Self> {
        crate::Fenced::new(self, token.into())
    }

    /// Adds `member` (`SADD`); `true` if it was not there yet. Python's `add`.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// assert!(basket.insert("tomato")?);
    /// assert!(!basket.insert("tomato")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert(&self, member: impl EncodeAs<T>) -> M::Output<'_, bool> {
        M::run(self.base.client(), self.flag_op("SADD", &member))
    }

    /// `command key member` replying whether it changed the set (`SADD`,
    /// `SREM`; also fenced).
    pub(crate) fn flag_op<V: Serialize + ?Sized>(
        &self,
        command: &str,
        member: &V,
    ) -> Result<Op<bool>> {
        self.base
            .encode(member)
            .map(|raw| self.base.op(self.base.cmd_with(command, raw), decode::flag))
    }

    /// Removes `member` (`SREM`); `true` if it was there. Python's `discard`.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// basket.insert("tomato")?;
    /// assert!(basket.discard("tomato")?);
    /// assert!(!basket.discard("tomato")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn discard(&self, member: impl EncodeAs<T>) -> M::Output<'_, bool> {
        M::run(self.base.client(), self.flag_op("SREM", &member))
    }

    /// Removes `member` (`SREM`); a [`NotFound`](crate::ErrorKind::NotFound) error if
    /// it was absent, as Python's `remove` raises `KeyError`. See also
    /// [`discard`](Self::discard).
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// basket.insert("apple")?;
    /// basket.remove("apple")?;
    /// assert_eq!(basket.remove("apple").unwrap_err().kind(), pottery::ErrorKind::NotFound);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn remove(&self, member: impl EncodeAs<T>) -> M::Output<'_, ()> {
        M::run(self.base.client(), self.remove_op(&member))
    }

    /// `SREM key member`, a [`NotFound`](crate::ErrorKind::NotFound) error if
    /// it was absent (also fenced).
    pub(crate) fn remove_op<V: Serialize + ?Sized>(&self, member: &V) -> Result<Op<()>> {
        self.base.encode(member).map(|raw| {
            let shown = String::from_utf8_lossy(&raw).into_owned();
            self.base.op(
                self.base.cmd_with("SREM", raw),
                move |key, reply| match decode::flag(key, reply)? {
                    true => Ok(()),
                    false => Err(Error::not_found(key, format!("no member {shown}"))),
                },
            )
        })
    }

    /// Whether `member` is in the set (`SISMEMBER`). A member the codec cannot
    /// encode cannot be stored, so it is reported absent, as Python's pottery does.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// assert!(!basket.contains("crabgrass")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains(&self, member: impl EncodeAs<T>) -> M::Output<'_, bool> {
        match self.base.encode(&member) {
            Ok(raw) => M::run(
                self.base.client(),
                Ok(self
                    .base
                    .op(self.base.cmd_with("SISMEMBER", raw), decode::flag)),
            ),
            Err(_) => M::ready(Ok(false)),
        }
    }

    /// Removes and returns some member, at random (`SPOP`); `None` if the set is
    /// empty (where Python's `pop` raises `KeyError`).
    ///
    /// A member that does not decode is removed all the same, and handed back
    /// whole in the error ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// basket.insert("apple")?;
    /// assert_eq!(basket.pop()?.as_deref(), Some("apple"));
    /// assert_eq!(basket.pop()?, None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop(&self) -> M::Output<'_, Option<T>> {
        let codec = self.base.codec().clone();
        let op = self.base.op(self.base.cmd("SPOP"), move |key, reply| {
            decode::optional_taken(&codec, key, reply, Taken::Removed)
        });
        M::run(self.base.client(), Ok(op))
    }

    /// The number of members (`SCARD`).
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// assert_eq!(basket.len()?, 0);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn len(&self) -> M::Output<'_, usize> {
        M::run(
            self.base.client(),
            Ok(self.base.op(self.base.cmd("SCARD"), decode::count)),
        )
    }

    /// Whether the set has no members.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// assert!(basket.is_empty()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_empty(&self) -> M::Output<'_, bool> {
        let op = self.base.op(self.base.cmd("SCARD"), |key, reply| {
            Ok(decode::count(key, reply)? == 0)
        });
        M::run(self.base.client(), Ok(op))
    }
}

/// Decodes raw members into `B`; the first member that does not decode fails it.
pub(super) fn decode_members<T, C, B>(codec: &C, key: &str, raw: Vec<Value>) -> crate::Result<B>
where
    T: DeserializeOwned,
    C: Codec,
    B: FromIterator<T>,
{
    raw.into_iter()
        .map(|member| {
            let member = decode::bytes(key, member)?.unwrap_or_default();
            decode::value(codec, key, &member)
        })
        .collect()
}
