//! [`RedisCache`]: memoize results into a Redis hash; pottery's `redis_cache`.
//!
//! - `mod.rs`: the cache, its settings, single operations, and every request
//!   as data.
//! - `builder.rs`: [`RedisCacheBuilder`], whose `build()` checks the settings.
//! - `flow.rs`: looking up or computing a value, with optional single flight:
//!   two plans both modes run, around the caller's function.
//! - `logic.rs`: the pure decisions (replies, backoff, TTL reset spacing).
//! - `impls.rs`: `Clone`, `Debug`, `Container`.
//! - `cached_fn.rs`: [`CachedFn`], a function wrapped with a cache;
//!   `macro_support.rs`: what the `#[redis_cache]` attribute expands to.

mod builder;
mod cached_fn;
mod flow;
mod impls;
mod logic;
#[doc(hidden)]
pub mod macro_support;

pub use builder::RedisCacheBuilder;
pub use cached_fn::{ArgList, CachedFn, cache_field};

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::codec::{Codec, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Blocking, Mode};
use crate::error::Result;
use crate::lua;

use logic::{Lookup, clock_ms};

/// How long a cache lives after its last access unless told otherwise: 60 s,
/// as in Python's pottery.
pub const DEFAULT_CACHE_TIMEOUT: Duration = Duration::from_secs(60);

/// The least time between two TTL resets by hits of one process, unless told
/// otherwise: 1 ms, the resolution of a Redis TTL. Hits in the same millisecond
/// share one reset, so a hit is one `HGET` most of the time under load while
/// the TTL stays exact to the millisecond (pottery resets it with `EXPIRE`, to
/// the second).
pub const DEFAULT_REFRESH_EVERY: Duration = Duration::from_millis(1);

/// How long a single-flight computation may hold its claim before another
/// caller takes over, unless told otherwise.
pub const DEFAULT_FLIGHT_LEASE: Duration = Duration::from_secs(10);

/// Memoized results in a Redis hash: Python pottery's `redis_cache`, as a value.
///
/// Each call's arguments become one hash field and its result the field's
/// value, both encoded with the codec `C` (by default [`Json`]). Every access,
/// hit or miss, resets the whole hash's time to live to the cache's timeout
/// (60 s by default, or none), as pottery does; hits of one process in the
/// same millisecond share one reset (see [`RedisCacheBuilder::refresh_every`]).
///
/// [`new`](Self::new) makes a cache with the defaults; [`builder`](Self::builder)
/// sets its timeout, single flight and TTL reset spacing, checked by
/// [`build`](RedisCacheBuilder::build).
///
/// # The field of a call
///
/// The field is the encoding of the arguments, so every process and machine
/// using the same key shares entries (pottery hashes them with Python's
/// per-process `hash()`, so its entries are not shared). For [`CachedFn`] and
/// `#[redis_cache]` the arguments are encoded as one JSON array,
/// `json.dumps([arg1, arg2, ...], sort_keys=True)` in Python's terms (`[]` for a
/// function without arguments). With [`get_or_compute`](Self::get_or_compute)
/// you pass the value whose encoding is the field yourself, usually a tuple.
/// The field is as long as the arguments' encoding; to key on something long,
/// pass a digest of it.
///
/// # Single flight
///
/// With [`single_flight`](RedisCacheBuilder::single_flight), concurrent misses
/// on the same arguments compute once across threads, processes and machines:
/// the first claims the field (a companion key in the same cluster slot, held
/// for a lease), the others poll until its value appears, or take over if the
/// claim lapses (its holder failed or died).
///
/// # Deadlines
///
/// Each round trip (a lookup, a store, `get`, `insert`, `remove`,
/// `cache_info`, `cache_clear`) gets the client's response timeout. A hit is
/// one round trip; a miss is a lookup, your function (as long as it takes),
/// then a store. With single flight, a caller waiting for another's value
/// waits at most the lease (then the claim lapses and it computes itself),
/// plus one lookup.
///
/// # A failed store
///
/// A computed value is returned even if storing it fails (Redis out of memory,
/// a lost reply): the call succeeds with the value, the next call misses and
/// computes again, and the failure is reported where the `tracing` feature
/// reports failed stores (a warn-level event). Errors of the lookup before the
/// computation are the call's errors, as nothing was computed yet.
///
/// Use it as [`crate::sync::RedisCache`] (a blocking function computes the
/// value) or [`crate::future::RedisCache`] (an async one does).
///
/// # Example
///
/// ```
/// use pottery::{Client, sync::RedisCache};
///
/// # let server = pottery_testkit::Server::start();
/// # let client = Client::open(&server.url())?;
/// let cache = RedisCache::new(&client, "squares");
/// let mut computed = 0;
/// let mut square = |n: u64| cache.get_or_compute(&(n,), || { computed += 1; n * n });
/// assert_eq!(square(12)?, 144);
/// assert_eq!(square(12)?, 144); // from Redis
/// assert_eq!(computed, 1);
/// let info = cache.cache_info()?;
/// assert_eq!((info.hits, info.misses, info.currsize), (1, 1, 1));
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct RedisCache<C = Json, M = Blocking> {
    base: Base<C>,
    timeout: Option<Duration>,
    lease: Option<Duration>,
    refresh_every: Duration,
    stats: Arc<Stats>,
    mode: PhantomData<fn() -> M>,
}

/// Hits and misses counted by this process, and when it last refreshed the
/// TTL (ms since [`clock_ms`]'s start, 0: never); shared by clones.
#[derive(Debug, Default)]
struct Stats {
    hits: AtomicU64,
    misses: AtomicU64,
    refreshed_ms: AtomicU64,
}

/// What [`RedisCache::cache_info`] reports, like Python's `functools` `CacheInfo`.
///
/// `hits` and `misses` count this process's calls through this cache (and its
/// clones) since it was made or last cleared; `currsize` is the number of
/// entries in Redis, written by anyone; `maxsize` is always `None`: the cache
/// is unbounded, and expires whole.
///
/// ```
/// let info = pottery::CacheInfo::default();
/// assert_eq!((info.hits, info.misses, info.maxsize, info.currsize), (0, 0, None, 0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CacheInfo {
    /// Calls answered from Redis.
    pub hits: u64,
    /// Calls that computed their value.
    pub misses: u64,
    /// Always `None`: the cache has no size limit.
    pub maxsize: Option<usize>,
    /// Entries in the cache now.
    pub currsize: usize,
}

impl<M: Mode> RedisCache<Json, M> {
    /// A cache in the hash at `key` with the defaults: expiring 60 s after its
    /// last access, no single flight, encoding with [`Json`] (to set these,
    /// [`builder`](Self::builder)).
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let cache = pottery::sync::RedisCache::new(&client, "expensive");
    /// assert_eq!(cache.key(), "expensive");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(client: &Client, key: &str) -> Self {
        Self::with_codec(client, key, Json)
    }

    /// Starts configuring a cache in the hash at `key`.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// use std::time::Duration;
    /// let cache = pottery::sync::RedisCache::builder(&client, "expensive")
    ///     .timeout(Some(Duration::from_secs(300)))
    ///     .single_flight(Duration::from_secs(5))
    ///     .build()?;
    /// assert_eq!(cache.single_flight(), Some(Duration::from_secs(5)));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn builder(client: &Client, key: &str) -> RedisCacheBuilder<Json, M> {
        RedisCacheBuilder::new(client, Some(key))
    }

    /// A cache at a fresh random key (`pottery:<uuid4>`), as pottery makes one
    /// when given no key; deleted when its last clone drops. Its entries are
    /// not shared with other processes.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let cache = pottery::sync::RedisCache::temporary(&client);
    /// assert!(cache.key().starts_with("pottery:"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn temporary(client: &Client) -> Self {
        Self::from_base(Base::temporary(client, Json, "hash").of("RedisCache"))
    }
}

impl<C: Codec, M: Mode> RedisCache<C, M> {
    /// A cache at `key` whose arguments and results are encoded with `codec`,
    /// with the other defaults (or [`RedisCacheBuilder::codec`]).
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let cache: pottery::sync::RedisCache = pottery::RedisCache::with_codec(&client, "c", pottery::Json);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn with_codec(client: &Client, key: &str, codec: C) -> Self {
        Self::from_base(Base::named(client, key, codec, "hash").of("RedisCache"))
    }

    /// A cache on `base` with the default settings.
    fn from_base(base: Base<C>) -> Self {
        RedisCache {
            base,
            timeout: Some(DEFAULT_CACHE_TIMEOUT),
            lease: None,
            refresh_every: DEFAULT_REFRESH_EVERY,
            stats: Arc::default(),
            mode: PhantomData,
        }
    }

    /// The hash's key.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// assert_eq!(pottery::sync::RedisCache::new(&client, "c").key(), "c");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        self.base.key()
    }

    /// The time to live each access sets, if any.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let cache = pottery::sync::RedisCache::new(&client, "c");
    /// assert_eq!(cache.timeout(), Some(pottery::DEFAULT_CACHE_TIMEOUT));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The single-flight lease, if single flight is on.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// assert_eq!(pottery::sync::RedisCache::new(&client, "c").single_flight(), None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn single_flight(&self) -> Option<Duration> {
        self.lease
    }

    /// The least time between two TTL resets by hits (see
    /// [`RedisCacheBuilder::refresh_every`]).
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let cache = pottery::sync::RedisCache::new(&client, "c");
    /// assert_eq!(cache.refresh_every(), pottery::DEFAULT_REFRESH_EVERY);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn refresh_every(&self) -> Duration {
        self.refresh_every
    }

    /// The cached result for `args`, if any, without computing anything; the
    /// access resets the hash's time to live. Not counted as a hit or miss.
    ///
    /// Returns `Result<Option<R>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::sync::RedisCache::new(&client, "c");
    /// assert_eq!(cache.get::<_, u32>(&("x",))?, None);
    /// cache.insert(&("x",), &7)?;
    /// assert_eq!(cache.get::<_, u32>(&("x",))?, Some(7));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get<A, R>(&self, args: &A) -> M::Output<'_, Option<R>>
    where
        A: Serialize + ?Sized,
        R: DeserializeOwned + Send + 'static,
    {
        let op = self
            .field(args)
            .map(|field| self.lookup_op::<R>(field, None).map(Lookup::into_hit));
        M::run(self.base.client(), op)
    }

    /// Stores `value` as the result for `args` (resetting the time to live).
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::sync::RedisCache::new(&client, "c");
    /// cache.insert(&(2, 3), &5)?;
    /// assert_eq!(cache.get_or_compute(&(2, 3), || 0)?, 5);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert<A, R>(&self, args: &A, value: &R) -> M::Output<'_, ()>
    where
        A: Serialize + ?Sized,
        R: Serialize + ?Sized,
    {
        let op = self
            .field(args)
            .and_then(|field| self.store_op(&field, value, None));
        M::run(self.base.client(), op)
    }

    /// Forgets the result for `args`; whether there was one.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::sync::RedisCache::new(&client, "c");
    /// cache.insert(&("k",), &1)?;
    /// assert!(cache.remove(&("k",))?);
    /// assert!(!cache.remove(&("k",))?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn remove<A: Serialize + ?Sized>(&self, args: &A) -> M::Output<'_, bool> {
        let op = self.field(args).map(|field| {
            self.base
                .op(self.base.cmd_with("HDEL", field), decode::flag)
        });
        M::run(self.base.client(), op)
    }

    /// Hits and misses of this process, and the number of entries in Redis
    /// (one `HLEN`).
    ///
    /// Returns `Result<CacheInfo>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::sync::RedisCache::new(&client, "c");
    /// cache.get_or_compute(&(1,), || 1)?;
    /// let info = cache.cache_info()?;
    /// assert_eq!((info.hits, info.misses, info.maxsize, info.currsize), (0, 1, None, 1));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn cache_info(&self) -> M::Output<'_, CacheInfo> {
        let stats = Arc::clone(&self.stats);
        let op = self.base.op(self.base.cmd("HLEN"), move |key, reply| {
            Ok(CacheInfo {
                hits: stats.hits.load(Ordering::Relaxed),
                misses: stats.misses.load(Ordering::Relaxed),
                maxsize: None,
                currsize: decode::count(key, reply)?,
            })
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Deletes every entry (the whole hash, with `UNLINK`) and resets the hit
    /// and miss counts.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::sync::RedisCache::new(&client, "c");
    /// cache.get_or_compute(&(1,), || 1)?;
    /// cache.cache_clear()?;
    /// assert_eq!(cache.cache_info()?, pottery::CacheInfo::default());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn cache_clear(&self) -> M::Output<'_, ()> {
        let stats = Arc::clone(&self.stats);
        let op = self.base.op(self.base.cmd("UNLINK"), move |_, _| {
            stats.hits.store(0, Ordering::Relaxed);
            stats.misses.store(0, Ordering::Relaxed);
            Ok(())
        });
        M::run(self.base.client(), Ok(op))
    }

    /// The hash field of a call with `args`: their encoding.
    pub(crate) fn field<A: Serialize + ?Sized>(&self, args: &A) -> Result<Vec<u8>> {
        self.base.encode(args)
    }

    pub(super) fn count(&self, hit: bool) {
        let counter = if hit {
            &self.stats.hits
        } else {
            &self.stats.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The timeout in ms as a script argument; `0` for none.
    pub(super) fn timeout_arg(&self) -> Vec<u8> {
        let ms = self.timeout.map_or(0, crate::container::millis);
        ms.to_string().into_bytes()
    }

    /// Stores `value` at `field` and refreshes the time to live, atomically;
    /// with a single-flight `token`, also lifts that claim.
    pub(super) fn store_op<R: Serialize + ?Sized>(
        &self,
        field: &[u8],
        value: &R,
        token: Option<&[u8]>,
    ) -> Result<Op<()>> {
        let value = self.base.encode(value)?;
        self.stats.refreshed_ms.store(clock_ms(), Ordering::Relaxed);
        if let Some(token) = token {
            let args = vec![value, token.to_vec()];
            return Ok(self.flight_op(&lua::cache::FLIGHT_STORE, field, args, |_, _| Ok(())));
        }
        // One script: it stops at HSET's WRONGTYPE on a key of another type,
        // where MULTI/EXEC would still run the PEXPIRE and expire someone
        // else's data.
        let args = [field.to_vec(), value, self.timeout_arg()];
        Ok(self
            .base
            .op(self.base.script(&lua::cache::STORE, &args), |_, _| Ok(())))
    }

    /// Whether this access resets the TTL; if so, notes the time.
    pub(super) fn refresh_due(&self) -> bool {
        if self.timeout.is_none() {
            return false;
        }
        let (now, last) = (clock_ms(), self.stats.refreshed_ms.load(Ordering::Relaxed));
        // One of the racing callers refreshes; the others need not.
        logic::refresh_due(now, last, self.refresh_every)
            && (self.refresh_every.is_zero()
                || self
                    .stats
                    .refreshed_ms
                    .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok())
    }
}
