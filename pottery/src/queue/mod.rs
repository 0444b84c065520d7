//! [`RedisSimpleQueue`]: Redis stream used as a first-in, first-out queue shared by processes.

use std::marker::PhantomData;

use crate::base::Base;
use crate::client::Client;
use crate::codec::{Codec, Json};
use crate::container::Container;
use crate::mode::{Blocking, Mode};

/// Ties the element and mode types to the structure without owning any.
type Types<T, M> = PhantomData<fn() -> (T, M)>;

/// A Redis stream used as a first-in, first-out queue shared by processes; Python pottery 3.0.1's `RedisSimpleQueue`.
///
/// Use it through [`crate::sync::RedisSimpleQueue`] (methods return `Result`) or
/// [`crate::future::RedisSimpleQueue`] (methods return futures).
pub struct RedisSimpleQueue<T, C = Json, M = Blocking> {
    base: Base<C>,
    types: Types<T, M>,
}

impl<T, C: Codec + Default, M: Mode> RedisSimpleQueue<T, C, M> {
    /// A RedisSimpleQueue at `key`: nothing is read or written until you use it.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisSimpleQueue<String> = pottery::sync::RedisSimpleQueue::new(&client, "k");
    /// assert_eq!(s.key(), "k");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(client: &Client, key: &str) -> Self {
        Self::with_codec(client, key, C::default())
    }

    /// A RedisSimpleQueue at a fresh random key (`pottery:<uuid4>`), deleted when it and all
    /// its clones are dropped.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisSimpleQueue<String> = pottery::sync::RedisSimpleQueue::temporary(&client);
    /// assert!(s.key().starts_with("pottery:"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn temporary(client: &Client) -> Self {
        Self::from_base(Base::temporary(client, C::default(), "stream"))
    }
}

impl<T, C: Codec, M: Mode> RedisSimpleQueue<T, C, M> {
    /// A RedisSimpleQueue at `key` that encodes with `codec`.
    ///
    /// ```
    /// use pottery::{Client, Json, sync::RedisSimpleQueue};
    /// let client = Client::open("redis://localhost")?;
    /// let s: RedisSimpleQueue<String> = RedisSimpleQueue::with_codec(&client, "k", Json);
    /// # let _ = s;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn with_codec(client: &Client, key: &str, codec: C) -> Self {
        Self::from_base(Base::named(client, key, codec, "stream"))
    }

    fn from_base(base: Base<C>) -> Self {
        RedisSimpleQueue {
            base,
            types: PhantomData,
        }
    }

    /// The Redis key holding the RedisSimpleQueue.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisSimpleQueue<String> = pottery::sync::RedisSimpleQueue::new(&client, "k");
    /// assert_eq!(s.key(), "k");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        self.base.key()
    }
}

impl<T, C: Codec, M: Mode> Clone for RedisSimpleQueue<T, C, M> {
    fn clone(&self) -> Self {
        RedisSimpleQueue {
            base: self.base.clone(),
            types: PhantomData,
        }
    }
}

impl<T, C: Codec, M: Mode> Container for RedisSimpleQueue<T, C, M> {
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
