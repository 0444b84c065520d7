//! [`RedisCacheBuilder`]: a cache's codec, timeout, single flight and TTL
//! reset spacing, checked by [`build`](RedisCacheBuilder::build).

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use super::{DEFAULT_CACHE_TIMEOUT, DEFAULT_REFRESH_EVERY, RedisCache};
use crate::client::Client;
use crate::codec::{Codec, Json};
use crate::container::Base;
use crate::engine::{Blocking, Mode, positive};
use crate::error::{Error, Result};

/// Longer than anything Redis can hold as a time to live (its limit is
/// `i64::MAX` ms from now): a timeout this long is none, a lease never lapses.
const FOREVER: Duration = Duration::from_millis(u64::MAX >> 2);

/// Settings for a [`RedisCache`]; start with [`RedisCache::builder`].
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// use std::time::Duration;
/// let cache = pottery::sync::RedisCache::builder(&client, "prices")
///     .timeout(None) // never expires
///     .single_flight(Duration::from_secs(2))
///     .refresh_every(Duration::from_millis(100))
///     .build()?;
/// assert_eq!(cache.get_or_compute(&("eur",), || 1.08)?, 1.08);
/// # Ok::<(), pottery::Error>(())
/// ```
#[must_use]
pub struct RedisCacheBuilder<C = Json, M = Blocking> {
    client: Client,
    /// `None`: a fresh random key (for `#[redis_cache]` without a key).
    key: Option<String>,
    codec: C,
    timeout: Option<Duration>,
    lease: Option<Duration>,
    refresh_every: Duration,
    mode: PhantomData<fn() -> M>,
}

impl<M: Mode> RedisCacheBuilder<Json, M> {
    /// The defaults, at `key` (`None`: a fresh random key).
    pub(crate) fn new(client: &Client, key: Option<&str>) -> Self {
        RedisCacheBuilder {
            client: client.clone(),
            key: key.map(str::to_owned),
            codec: Json,
            timeout: Some(DEFAULT_CACHE_TIMEOUT),
            lease: None,
            refresh_every: DEFAULT_REFRESH_EVERY,
            mode: PhantomData,
        }
    }
}

impl<C: Codec, M: Mode> RedisCacheBuilder<C, M> {
    /// Encodes arguments and results with `codec` (default [`Json`]).
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let cache = pottery::sync::RedisCache::builder(&client, "c").codec(pottery::Json).build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn codec<D: Codec>(self, codec: D) -> RedisCacheBuilder<D, M> {
        RedisCacheBuilder {
            client: self.client,
            key: self.key,
            codec,
            timeout: self.timeout,
            lease: self.lease,
            refresh_every: self.refresh_every,
            mode: PhantomData,
        }
    }

    /// The hash expires `timeout` after each access (default 60 s), or never
    /// (`None`; pottery's `timeout=None`). Must be longer than zero;
    /// `Some(Duration::MAX)` is as `None`.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// use std::time::Duration;
    /// let cache = pottery::sync::RedisCache::builder(&client, "c").timeout(Some(Duration::from_secs(5))).build()?;
    /// assert_eq!(cache.timeout(), Some(Duration::from_secs(5)));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Concurrent misses on the same arguments compute once, everywhere: the
    /// first caller holds a claim for at most `lease` (after which a waiting
    /// caller takes over), the others wait for its value. At least 1 ms
    /// (whole milliseconds); default off. See [`RedisCache`]'s docs.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let cache = pottery::sync::RedisCache::builder(&client, "c")
    ///     .single_flight(pottery::DEFAULT_FLIGHT_LEASE)
    ///     .build()?;
    /// assert_eq!(cache.single_flight(), Some(pottery::DEFAULT_FLIGHT_LEASE));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn single_flight(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }

    /// Hits reset the time to live at most once per `interval` from this
    /// process (this handle and its clones). The default,
    /// [`DEFAULT_REFRESH_EVERY`] (1 ms), keeps pottery's "every access resets
    /// the TTL" to the millisecond; `Duration::ZERO` sends a reset with every
    /// hit; a longer interval makes most hits a single `HGET`, and the TTL after
    /// any access is then at least the timeout less `interval`
    /// (`Duration::MAX`: only misses reset it). Misses and stores always
    /// reset it.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// use std::time::Duration;
    /// let cache = pottery::sync::RedisCache::builder(&client, "c").refresh_every(Duration::from_secs(1)).build()?;
    /// assert_eq!(cache.refresh_every(), Duration::from_secs(1));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn refresh_every(mut self, interval: Duration) -> Self {
        self.refresh_every = interval;
        self
    }

    /// The cache; a configuration error for a zero timeout, or a single-flight
    /// lease under 1 ms.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// use std::time::Duration;
    /// let zero = pottery::sync::RedisCache::builder(&client, "c").timeout(Some(Duration::ZERO)).build();
    /// assert_eq!(zero.unwrap_err().kind(), pottery::ErrorKind::Config);
    /// let short = pottery::sync::RedisCache::builder(&client, "c").single_flight(Duration::from_micros(10)).build();
    /// assert_eq!(short.unwrap_err().kind(), pottery::ErrorKind::Config);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn build(self) -> Result<RedisCache<C, M>> {
        let timeout = match self.timeout {
            Some(timeout) => Some(positive("a cache's timeout", timeout)?),
            None => None,
        };
        // A lease is sent as whole milliseconds: under 1 ms it would be 0.
        if let Some(lease) = self.lease {
            positive("a single-flight lease", lease)?;
            if lease < Duration::from_millis(1) {
                return Err(Error::config("a single-flight lease must be at least 1 ms"));
            }
        }
        let base = match &self.key {
            Some(key) => Base::named(&self.client, key, self.codec, "hash").of("RedisCache"),
            None => Base::temporary(&self.client, self.codec, "hash").of("RedisCache"),
        };
        let mut cache = RedisCache::from_base(base);
        cache.timeout = timeout.filter(|t| *t < FOREVER);
        cache.lease = self.lease.map(|lease| lease.min(FOREVER));
        cache.refresh_every = self.refresh_every;
        Ok(cache)
    }
}

impl<C, M> fmt::Debug for RedisCacheBuilder<C, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCacheBuilder")
            .field("key", &self.key)
            .field("timeout", &self.timeout)
            .field("single_flight", &self.lease)
            .field("refresh_every", &self.refresh_every)
            .finish_non_exhaustive()
    }
}
