//! [`RedisCounter`]: Redis hash of counts that behaves like Python's `collections.Counter`.

use std::marker::PhantomData;

use crate::base::Base;
use crate::client::Client;
use crate::codec::{Codec, Json};
use crate::container::Container;
use crate::mode::{Blocking, Mode};

/// Ties the element and mode types to the structure without owning any.
type Types<K, M> = PhantomData<fn() -> (K, M)>;

/// A Redis hash of counts that behaves like Python's `collections.Counter`; Python pottery's `RedisCounter`.
///
/// Use it through [`crate::sync::RedisCounter`] (methods return `Result`) or
/// [`crate::future::RedisCounter`] (methods return futures).
pub struct RedisCounter<K, C = Json, M = Blocking> {
    base: Base<C>,
    types: Types<K, M>,
}

impl<K, C: Codec + Default, M: Mode> RedisCounter<K, C, M> {
    /// A RedisCounter at `key`: nothing is read or written until you use it.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&client, "k");
    /// assert_eq!(s.key(), "k");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(client: &Client, key: &str) -> Self {
        Self::with_codec(client, key, C::default())
    }

    /// A RedisCounter at a fresh random key (`pottery:<uuid4>`), deleted when it and all
    /// its clones are dropped.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::temporary(&client);
    /// assert!(s.key().starts_with("pottery:"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn temporary(client: &Client) -> Self {
        Self::from_base(Base::temporary(client, C::default(), "hash"))
    }
}

impl<K, C: Codec, M: Mode> RedisCounter<K, C, M> {
    /// A RedisCounter at `key` that encodes with `codec`.
    ///
    /// ```
    /// use pottery::{Client, Json, sync::RedisCounter};
    /// let client = Client::open("redis://localhost")?;
    /// let s: RedisCounter<String> = RedisCounter::with_codec(&client, "k", Json);
    /// # let _ = s;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn with_codec(client: &Client, key: &str, codec: C) -> Self {
        Self::from_base(Base::named(client, key, codec, "hash"))
    }

    fn from_base(base: Base<C>) -> Self {
        RedisCounter {
            base,
            types: PhantomData,
        }
    }

    /// The Redis key holding the RedisCounter.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&client, "k");
    /// assert_eq!(s.key(), "k");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        self.base.key()
    }
}

impl<K, C: Codec, M: Mode> Clone for RedisCounter<K, C, M> {
    fn clone(&self) -> Self {
        RedisCounter {
            base: self.base.clone(),
            types: PhantomData,
        }
    }
}

impl<K, C: Codec, M: Mode> Container for RedisCounter<K, C, M> {
    type Mode = M;

    fn key(&self) -> &str {
        self.base.key()
    }

    fn client(&self) -> &Client {
        self.base.client()
    }

    fn redis_type(&self) -> &'static str {
        self.base.redis_type()
    }
}
