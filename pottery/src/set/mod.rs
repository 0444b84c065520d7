//! [`RedisSet`]: Redis set that behaves like a `HashSet<T>`.

use std::marker::PhantomData;

use crate::base::Base;
use crate::client::Client;
use crate::codec::{Codec, Json};
use crate::container::Container;
use crate::mode::{Blocking, Mode};

/// Ties the element and mode types to the structure without owning any.
type Types<T, M> = PhantomData<fn() -> (T, M)>;

/// A Redis set that behaves like a `HashSet<T>`; Python pottery's `RedisSet`.
///
/// Use it through [`crate::sync::RedisSet`] (methods return `Result`) or
/// [`crate::future::RedisSet`] (methods return futures).
pub struct RedisSet<T, C = Json, M = Blocking> {
    base: Base<C>,
    types: Types<T, M>,
}

impl<T, C: Codec + Default, M: Mode> RedisSet<T, C, M> {
    /// A RedisSet at `key`: nothing is read or written until you use it.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&client, "k");
    /// assert_eq!(s.key(), "k");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(client: &Client, key: &str) -> Self {
        Self::with_codec(client, key, C::default())
    }

    /// A RedisSet at a fresh random key (`pottery:<uuid4>`), deleted when it and all
    /// its clones are dropped.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::temporary(&client);
    /// assert!(s.key().starts_with("pottery:"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn temporary(client: &Client) -> Self {
        Self::from_base(Base::temporary(client, C::default(), "set"))
    }
}

impl<T, C: Codec, M: Mode> RedisSet<T, C, M> {
    /// A RedisSet at `key` that encodes with `codec`.
    ///
    /// ```
    /// use pottery::{Client, Json, sync::RedisSet};
    /// let client = Client::open("redis://localhost")?;
    /// let s: RedisSet<String> = RedisSet::with_codec(&client, "k", Json);
    /// # let _ = s;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn with_codec(client: &Client, key: &str, codec: C) -> Self {
        Self::from_base(Base::named(client, key, codec, "set"))
    }

    fn from_base(base: Base<C>) -> Self {
        RedisSet {
            base,
            types: PhantomData,
        }
    }

    /// The Redis key holding the RedisSet.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&client, "k");
    /// assert_eq!(s.key(), "k");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        self.base.key()
    }
}

impl<T, C: Codec, M: Mode> Clone for RedisSet<T, C, M> {
    fn clone(&self) -> Self {
        RedisSet {
            base: self.base.clone(),
            types: PhantomData,
        }
    }
}

impl<T, C: Codec, M: Mode> Container for RedisSet<T, C, M> {
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
