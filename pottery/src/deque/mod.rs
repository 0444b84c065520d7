//! [`RedisDeque`]: Redis list that behaves like a `VecDeque<T>` with an optional maximum length.

use std::marker::PhantomData;

use crate::base::Base;
use crate::client::Client;
use crate::codec::{Codec, Json};
use crate::container::Container;
use crate::mode::{Blocking, Mode};

/// Ties the element and mode types to the structure without owning any.
type Types<T, M> = PhantomData<fn() -> (T, M)>;

/// A Redis list that behaves like a `VecDeque<T>` with an optional maximum length; Python pottery's `RedisDeque`.
///
/// Use it through [`crate::sync::RedisDeque`] (methods return `Result`) or
/// [`crate::future::RedisDeque`] (methods return futures).
pub struct RedisDeque<T, C = Json, M = Blocking> {
    base: Base<C>,
    maxlen: Option<usize>,
    types: Types<T, M>,
}

impl<T, C: Codec + Default, M: Mode> RedisDeque<T, C, M> {
    /// A RedisDeque at `key`: nothing is read or written until you use it.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "k");
    /// assert_eq!(s.key(), "k");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(client: &Client, key: &str) -> Self {
        Self::with_codec(client, key, C::default())
    }

    /// A RedisDeque at a fresh random key (`pottery:<uuid4>`), deleted when it and all
    /// its clones are dropped.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::temporary(&client);
    /// assert!(s.key().starts_with("pottery:"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn temporary(client: &Client) -> Self {
        Self::from_base(Base::temporary(client, C::default(), "list"))
    }
}

impl<T, C: Codec, M: Mode> RedisDeque<T, C, M> {
    /// A RedisDeque at `key` that encodes with `codec`.
    ///
    /// ```
    /// use pottery::{Client, Json, sync::RedisDeque};
    /// let client = Client::open("redis://localhost")?;
    /// let s: RedisDeque<String> = RedisDeque::with_codec(&client, "k", Json);
    /// # let _ = s;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn with_codec(client: &Client, key: &str, codec: C) -> Self {
        Self::from_base(Base::named(client, key, codec, "list"))
    }

    fn from_base(base: Base<C>) -> Self {
        RedisDeque {
            base,
            maxlen: None,
            types: PhantomData,
        }
    }

    /// The Redis key holding the RedisDeque.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "k");
    /// assert_eq!(s.key(), "k");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        self.base.key()
    }
}

impl<T, C: Codec, M: Mode> Clone for RedisDeque<T, C, M> {
    fn clone(&self) -> Self {
        RedisDeque {
            base: self.base.clone(),
            maxlen: self.maxlen,
            types: PhantomData,
        }
    }
}

impl<T, C: Codec, M: Mode> Container for RedisDeque<T, C, M> {
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
