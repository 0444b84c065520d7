//! # pottery: Redis for Rustaceans
//!
//! Redis-backed containers that behave like Rust's own collections, and safe
//! distributed primitives, wire-compatible with Python's
//! [pottery](https://pypi.org/project/pottery/) 3.0.1: a Python service and a Rust
//! service share the same keys and read each other's data.
//!
//! ```no_run
//! use pottery::{Client, sync::RedisDict};
//!
//! let client = Client::from_env()?; // REDIS_URL, or redis://localhost:6379/0
//! let tel: RedisDict<String, u32> = RedisDict::new(&client, "tel");
//! tel.insert("jack", 4098)?;
//! assert_eq!(tel.get("jack")?, Some(4098));
//! # Ok::<(), pottery::Error>(())
//! ```
//!
//! The structures: [`RedisDict`], [`RedisSet`], [`RedisList`], [`RedisDeque`],
//! [`RedisCounter`] and [`RedisSimpleQueue`], each in [`sync`] and [`future`].
//! The probabilistic ones: [`BloomFilter`] and [`HyperLogLog`]. A reliable
//! work queue: [`RedisWorkQueue`] (below, "Queues").
//!
//! The distributed lock: [`Redlock`] (the Redlock algorithm over any number of
//! independent masters, wire-compatible with pottery's `Redlock`/`AIORedlock`),
//! also in [`sync`] and [`future`]; read its docs for when it is (not) the right tool.
//!
//! Caching: [`RedisCache`] and the [`#[redis_cache]`](macro@redis_cache) attribute
//! memoize a function's results in a Redis hash (pottery's `redis_cache`), and
//! [`CachedOrderedDict`] is an ordered map whose values are cached in a Redis
//! hash shared with pottery's `CachedOrderedDict`. Also [`NextId`] (increasing
//! IDs over independent masters) and [`ContextTimer`].
//!
//! # Blocking and async
//!
//! Every structure is one generic type with a mode parameter, [`Blocking`] or
//! [`Async`]. You name it through one of two modules that hold the same type names:
//!
//! - [`sync`]: `sync::RedisDict<K, V>`; methods return [`Result`]s.
//! - [`future`]: `future::RedisDict<K, V>`; methods return futures of `Result`s
//!   (`Send`, for any Tokio runtime) and iteration returns a `Stream`.
//!
//! The logic of each operation is written once: a method builds the request and
//! the decoding of its reply as data, and the mode runs it on a pooled blocking
//! connection or on the shared multiplexed async connection.
//!
//! The async side is the cargo feature `async` (on by default; it brings Tokio
//! and redis-rs's async connections). With `default-features = false` (and
//! `features = ["tls"]` for `rediss://`) the crate builds without Tokio and
//! offers the whole blocking API: [`sync`], [`Blocking`], the locks, caches and
//! queues, and `#[redis_cache]` / `#[synchronize]` on plain `fn`s. Async TLS is
//! the feature `tls-async` (also a default).
//!
//! # Queues
//!
//! Two queues, for two needs:
//!
//! - [`RedisSimpleQueue`] is Python pottery's queue, byte-compatible with it:
//!   a stream from which `get` takes and deletes the oldest entry in one step.
//!   Delivery is **at most once**: a consumer that dies after `get`, or a
//!   `get` whose reply is lost, loses the item. Use it to share a queue with
//!   Python pottery, or where a lost item now and then does no harm.
//! - [`RedisWorkQueue`] is a reliable work queue on a stream and its consumer
//!   group: **at least once**. A consumer receives a [`Delivery`] holding a
//!   lease (renewed in the background while it lives), then acks it, or nacks
//!   it for a later retry; an item whose consumer died or hung goes to
//!   another once its lease runs out; after `max_deliveries` it is a dead
//!   letter (listed, re-queued or dropped). Delayed puts, idempotent puts
//!   within a window, one-trip batches, and counts in one round trip. Every
//!   item put is acked or dead-lettered; duplicates come only from a lost
//!   lease or a lost ack, and are counted. Its producers write what Python's
//!   `RedisSimpleQueue.put` writes, so a Python producer can feed it; its
//!   [storage layout](RedisWorkQueue#storage-layout) is documented for
//!   producers in other languages.
//!
//! # Deadlines
//!
//! Every call that talks to Redis ends by one deadline: the client's response
//! timeout (default 10 s), or the call's own (a lock's acquire timeout, a
//! queue's wait). It covers everything the call does, in both modes and on a
//! cluster: opening a connection, redirects and retries, requests to several
//! masters, the steps and pauses of a loop. Past it the call fails with a
//! timeout error naming the key. The worst case is the deadline plus a few
//! milliseconds, and on a blocking cluster call one short wait between
//! retries (at most 1/20 of the response timeout); [`Client`]'s "Deadlines"
//! has the details. `Duration::MAX` means no limit.
//!
//! # Encoding
//!
//! Keys, fields, members and values are encoded by a [`Codec`], by default
//! [`Json`]: byte for byte what Python writes with `json.dumps(x, sort_keys=True)`.
//! A stored value that does not decode is a [`Decode`](ErrorKind::Decode) error
//! that holds its raw bytes; a pop or a queue's `get` has removed it all the same,
//! and its error is then the only copy (see [`Error`]'s "Errors change nothing").
//!
//! # Keys
//!
//! A structure uses the key you give it, verbatim. One made with `temporary()`
//! gets `pottery:<uuid4>` (or another prefix:
//! [`Client::with_temporary_prefix`]) and deletes it when its last clone is
//! dropped (in the background inside a Tokio runtime), as pottery does when an
//! object is collected; [`Container::close`] deletes it now and reports the
//! outcome. Unlike pottery we do not ask Redis whether a random key exists
//! first. Every key the crate may touch, per structure, and how to fit them in
//! an ACL: [Keys and ACLs](#keys-and-acls) below.
//!
//! # Tracing
//!
//! The cargo feature `tracing` (on by default) reports through the
//! [`tracing`](https://docs.rs/tracing) crate, target `pottery`:
//!
//! - a debug-level span `pottery.op` per round trip, with fields `structure`
//!   (`RedisDict`, ...; the Redis type for [`Container`] methods), `key`,
//!   `command` (the command, `pipeline`, or the script's file such as
//!   `hyperloglog/contains.lua`), `mode` (`blocking` or `async`), and, when it
//!   ends, `elapsed_us` and `outcome` (`ok` or the [`ErrorKind`]);
//! - warn-level events for failures nobody else hears of: a temporary key not
//!   deleted on drop, a dropped Redlock guard not released, a watchdog renewal
//!   that failed or lost the hold, a connection that broke (the next call
//!   reconnects), a computed value a cache could not store.
//!
//! Background tasks and the threads a call uses (requests to several masters,
//! the watchdog) report to the subscriber of the code that started them. With no subscriber interested, a span costs a cached
//! check and nothing is formatted; without the feature, `tracing` is not
//! compiled in.
//!
//! # Layout
//!
//! The engine (`engine/`): a method builds an operation as data — the request
//! (a command, a script from `lua/`, a pipeline) and the decoding of its reply
//! — and a flow of several steps (a read then a write, a quorum fan-out, a
//! retry loop with pauses, single flight, a queue wait) is a plan: its result,
//! a step whose outcome decides the rest, or a pause. The two modes interpret
//! the same plans: [`Blocking`] runs each step on the calling thread, [`Async`]
//! awaits it, and each step gets what is left of the call's one deadline. So
//! no flow has a blocking and an async copy. We chose plain values over a
//! trait with two implementations per flow (moka's way) or a hidden runtime
//! (reqwest's blocking client): a plan can be unit-tested, and the two runners
//! are the only code that blocks or awaits. [`Mode`] carries only the two types
//! users name; what runs plans is a sealed supertrait whose methods take types
//! only this crate can make.
//!
//! - `engine/`: `op.rs` (an operation and the one table of read-only
//!   commands), `plan.rs` (a flow and its two runners), `signal.rs` (a
//!   wake-up both runners wait for), `mode.rs` ([`Mode`],
//!   [`Blocking`], [`Async`]), `deadline.rs`, `fan_out.rs` (requests to several
//!   servers: worker threads or tasks), `pages.rs` (paged reads, [`Iter`]).
//! - `client/`: [`Client`] and its builder; `pool` (blocking connection reuse),
//!   `timed` (blocking connections that keep the call's deadline),
//!   `async_conn` (multiplexed connections, one per runtime), `fanout` (one
//!   worker thread per client for requests to several masters), `subscriber`
//!   (one pub/sub connection per client, started by the first waiting
//!   Redlock, whose release messages wake waiters).
//! - `lua/`: every Lua script, one `.lua` file each, a folder per structure.
//! - [`codec`]: the [`Codec`] trait and the Python-compatible [`json`].
//! - `container`: [`Container`] (expiry, existence, clearing), the `Base` every
//!   container holds (client, key, codec) and the macros writing its
//!   constructors, `key()`, `Clone` and a `Debug` that prints type and key only.
//! - Structure folders share one vocabulary: `mod.rs` the type and
//!   single-element operations, `bulk.rs` many elements at once, `iter.rs`
//!   iteration, whole copies, comparison and `repr()`, `algebra.rs` combining
//!   structures, `impls.rs` trait impls, `logic.rs` pure decisions,
//!   `builder.rs`, `flow.rs` (its flows as plans), `guard.rs` and `entry.rs`
//!   (a map's [`DictEntry`]) where a type has them.
//! - `dict/`, `set/`, `list/`, `deque/`, `counter/`, `queue/`: [`RedisDict`],
//!   [`RedisSet`], [`RedisList`], [`RedisDeque`], [`RedisCounter`],
//!   [`RedisSimpleQueue`], one folder each.
//! - `workqueue/`: [`RedisWorkQueue`]: `put.rs`, `receive.rs` and `flow.rs`
//!   (the wait, a plan), `delivery.rs` ([`Delivery`]: ack, nack), `lease.rs`
//!   (the background renewal of leases), `dead.rs`, `stats.rs`, and
//!   `layout.md`, its storage layout.
//! - `redlock/`: [`Redlock`], its guard, watchdog, fencing tokens, replica
//!   acknowledgement (`replicas.rs`), `status`
//!   and [`Synchronized`], its flows as plans (`flow.rs`) and pure decisions
//!   (`logic.rs`); the `#[synchronize]` attribute macro lives in the
//!   `pottery-macros` crate.
//! - `nextid/`: [`NextId`], increasing IDs over independent masters, and its
//!   pure quorum decisions in `nextid/logic.rs`.
//! - `cache/`: [`RedisCache`] (memoized results in a hash, optional single
//!   flight, `flow.rs`) and [`CachedFn`]; the `#[redis_cache]` attribute macro lives in
//!   `pottery-macros`.
//! - `bloom/`: [`BloomFilter`], pottery's bit layout; its pure numbers and
//!   [`BloomStats`] in `bloom/logic.rs`. `hyperloglog/`: [`HyperLogLog`].
//! - `slot`: companion keys in a structure key's cluster slot (scratch keys
//!   for scripts, single-flight claims).
//! - `timer`: [`ContextTimer`], wall-clock timing with a scope guard.
//! - `cached_dict/`: [`CachedOrderedDict`], an ordered map hydrated from a Redis
//!   hash cache with one `HMGET` and written through to it.
//! - `quorum`: majority decisions over independent masters (Redlock, NextId).
//! - `decode`: small reply decoders shared by the structures.
//! - [`prelude`]: the traits to import (`use pottery::prelude::*`).
//! - [`error`](Error): the crate's one error type.
//! - `key`: random keys, their clean-up, and a key's companion keys
//!   (computed once per structure).
//! - `trace`: the spans and warn events of the `tracing` feature.
//!

#![doc = include_str!("keys.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod bloom;
mod cache;
mod cached_dict;
mod client;
pub mod codec;
mod container;
mod counter;
mod decode;
mod deque;
mod dict;
mod engine;
mod error;
pub mod fence;
mod hyperloglog;
mod key;
mod list;
mod lua;
mod nextid;
mod queue;
mod quorum;
mod redlock;
mod set;
mod slot;
mod timer;
mod trace;
mod workqueue;

pub use bloom::{BloomFilter, BloomStats};
pub use cache::{
    ArgList, CacheInfo, CachedFn, DEFAULT_CACHE_TIMEOUT, DEFAULT_FLIGHT_LEASE,
    DEFAULT_REFRESH_EVERY, RedisCache, RedisCacheBuilder, cache_field,
};
pub use cached_dict::{CachedIntoIter, CachedIter, CachedOrderedDict, CachedOrderedDictBuilder};
#[cfg(feature = "async")]
pub use client::AsyncConnection;
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, DEFAULT_URL,
    redact_url,
};
pub use codec::{Codec, CodecError, EncodeAs, Json, json};
pub use container::Container;
pub use counter::{CounterArg, RedisCounter};
pub use deque::RedisDeque;
pub use dict::{DictEntry, RedisDict};
#[cfg(feature = "async")]
pub use engine::{Async, BoxFuture, BoxStream};
pub use engine::{Blocking, Iter, Mode};
pub use error::{Error, ErrorKind, Result};
pub use fence::{FenceToken, Fenced};
pub use hyperloglog::HyperLogLog;
pub use key::{RANDOM_KEY_PREFIX, random_key};
pub use list::RedisList;
pub use nextid::{DEFAULT_NEXTID_KEY, DEFAULT_NUM_TRIES, NEXTID_KEY_PREFIX, NextId, NextIdBuilder};
#[doc = include_str!("cache/redis_cache.md")]
pub use pottery_macros::redis_cache;
#[doc = include_str!("redlock/synchronize.md")]
pub use pottery_macros::synchronize;
pub use queue::RedisSimpleQueue;
/// The redis-rs crate pottery is built on, for raw commands on
/// [`Client::with_connection`] and [`AsyncConnection`] without adding it
/// yourself (and at the same version).
///
/// ```no_run
/// let client = pottery::Client::from_env()?;
/// let pong: String = client.with_connection(|con| pottery::redis::cmd("PING").query(con))?;
/// # Ok::<(), pottery::Error>(())
/// ```
pub use redis;
pub use redlock::{Callable, Synchronized};
pub use redlock::{
    DEFAULT_AUTO_RELEASE_TIME, DEFAULT_NUM_EXTENSIONS, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_RETRY_DELAY, REDLOCK_KEY_PREFIX, Redlock, RedlockBuilder, RedlockGuard, RedlockStatus,
};
pub use set::{RedisSet, SetOperand};
pub use timer::{ContextTimer, TimerError, TimerScope};
pub use workqueue::{
    DeadLetter, Delivery, ItemId, PutOutcome, RedisWorkQueue, RedisWorkQueueBuilder, WorkQueueStats,
};

/// Not public API: what the crate's macros, bench and CLI reach inside for.
/// Anything here may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::cache::macro_support as redis_cache;
    pub use crate::redlock::macro_support as synchronize;

    /// The text of the crate's Lua script from file `name` (`group/name.lua`).
    pub fn lua(name: &str) -> Option<&'static str> {
        crate::lua::text(name)
    }

    /// A NextId value as stored in a master (plain decimal, or the exponent
    /// form pottery's Lua writes above ~1e14), read as the ID it denotes.
    pub fn nextid_parse(raw: &[u8]) -> Option<u64> {
        crate::nextid::logic::parse_id(raw)
    }

    /// The channels `client`'s subscriber wants (hand-off tests).
    pub fn subscribed_channels(client: &crate::Client) -> Vec<String> {
        client.subscribed_channels()
    }

    /// Every Lua script the crate runs: its file name and text.
    pub fn lua_scripts() -> impl Iterator<Item = (&'static str, &'static str)> {
        crate::lua::all().map(|lua| (lua.name(), lua.text()))
    }
}

/// The blocking structures: methods return [`Result`]s.
///
/// ```no_run
/// use pottery::{Client, sync::RedisDict};
/// let d: RedisDict<String, i64> = RedisDict::new(&Client::from_env()?, "d");
/// d.insert("a", 1)?;
/// # Ok::<(), pottery::Error>(())
/// ```
pub mod sync {
    use crate::{Blocking, Json};

    /// A blocking [`RedisDict`](crate::RedisDict).
    pub type RedisDict<K, V, C = Json> = crate::RedisDict<K, V, C, Blocking>;
    /// An entry of a blocking [`RedisDict`]: a [`DictEntry`](crate::DictEntry).
    pub type DictEntry<'a, K, V, C = Json> = crate::DictEntry<'a, K, V, C, Blocking>;
    /// A blocking [`RedisSet`](crate::RedisSet).
    pub type RedisSet<T, C = Json> = crate::RedisSet<T, C, Blocking>;
    /// A blocking [`RedisList`](crate::RedisList).
    pub type RedisList<T, C = Json> = crate::RedisList<T, C, Blocking>;
    /// A blocking [`RedisDeque`](crate::RedisDeque).
    pub type RedisDeque<T, C = Json> = crate::RedisDeque<T, C, Blocking>;
    /// A blocking [`RedisCounter`](crate::RedisCounter).
    pub type RedisCounter<K, C = Json> = crate::RedisCounter<K, C, Blocking>;
    /// A blocking [`RedisSimpleQueue`](crate::RedisSimpleQueue).
    pub type RedisSimpleQueue<T, C = Json> = crate::RedisSimpleQueue<T, C, Blocking>;
    /// A blocking [`RedisWorkQueue`](crate::RedisWorkQueue).
    pub type RedisWorkQueue<T, C = Json> = crate::RedisWorkQueue<T, C, Blocking>;
    /// An item received from a blocking [`RedisWorkQueue`]: a
    /// [`Delivery`](crate::Delivery) whose `ack` returns `Result`.
    pub type Delivery<T> = crate::Delivery<T, Blocking>;
    /// A blocking [`Redlock`](crate::Redlock): acquiring returns a
    /// [`RedlockGuard`] that releases on drop.
    pub type Redlock = crate::Redlock<Blocking>;
    /// A hold on a blocking [`Redlock`]: a [`RedlockGuard`](crate::RedlockGuard).
    pub type RedlockGuard = crate::RedlockGuard<Blocking>;
    /// A blocking [`NextId`](crate::NextId): `next()` returns the ID; also an
    /// `Iterator` of IDs.
    pub type NextId = crate::NextId<Blocking>;
    /// A blocking [`RedisCache`](crate::RedisCache): a blocking function
    /// computes a missing result.
    pub type RedisCache<C = Json> = crate::RedisCache<C, Blocking>;
    /// A blocking [`CachedOrderedDict`](crate::CachedOrderedDict): making it
    /// and writing return `Result`s.
    pub type CachedOrderedDict<K, V, C = Json> = crate::CachedOrderedDict<K, V, C, Blocking>;
    /// A blocking [`BloomFilter`](crate::BloomFilter).
    pub type BloomFilter<T, C = Json> = crate::BloomFilter<T, C, Blocking>;
    /// A blocking [`HyperLogLog`](crate::HyperLogLog).
    pub type HyperLogLog<T, C = Json> = crate::HyperLogLog<T, C, Blocking>;
}

/// The async structures: methods return futures; iteration returns streams.
///
/// ```no_run
/// # async fn demo() -> pottery::Result<()> {
/// use pottery::{Client, future::RedisDict};
/// let d: RedisDict<String, i64> = RedisDict::new(&Client::from_env()?, "d");
/// d.insert("a", 1).await?;
/// # Ok(()) }
/// ```
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub mod future {
    use crate::{Async, Json};

    /// An async [`RedisDict`](crate::RedisDict).
    pub type RedisDict<K, V, C = Json> = crate::RedisDict<K, V, C, Async>;
    /// An entry of an async [`RedisDict`]: a [`DictEntry`](crate::DictEntry).
    pub type DictEntry<'a, K, V, C = Json> = crate::DictEntry<'a, K, V, C, Async>;
    /// An async [`RedisSet`](crate::RedisSet).
    pub type RedisSet<T, C = Json> = crate::RedisSet<T, C, Async>;
    /// An async [`RedisList`](crate::RedisList).
    pub type RedisList<T, C = Json> = crate::RedisList<T, C, Async>;
    /// An async [`RedisDeque`](crate::RedisDeque).
    pub type RedisDeque<T, C = Json> = crate::RedisDeque<T, C, Async>;
    /// An async [`RedisCounter`](crate::RedisCounter).
    pub type RedisCounter<K, C = Json> = crate::RedisCounter<K, C, Async>;
    /// An async [`RedisSimpleQueue`](crate::RedisSimpleQueue).
    pub type RedisSimpleQueue<T, C = Json> = crate::RedisSimpleQueue<T, C, Async>;
    /// An async [`RedisWorkQueue`](crate::RedisWorkQueue).
    pub type RedisWorkQueue<T, C = Json> = crate::RedisWorkQueue<T, C, Async>;
    /// An item received from an async [`RedisWorkQueue`]: a
    /// [`Delivery`](crate::Delivery) whose `ack` returns a future.
    pub type Delivery<T> = crate::Delivery<T, Async>;
    /// An async [`Redlock`](crate::Redlock): acquiring returns a
    /// [`RedlockGuard`].
    pub type Redlock = crate::Redlock<Async>;
    /// A hold on an async [`Redlock`]: a [`RedlockGuard`](crate::RedlockGuard).
    pub type RedlockGuard = crate::RedlockGuard<Async>;
    /// An async [`NextId`](crate::NextId): `next()` returns a future of the ID.
    pub type NextId = crate::NextId<Async>;
    /// An async [`RedisCache`](crate::RedisCache): a future computes a
    /// missing result.
    pub type RedisCache<C = Json> = crate::RedisCache<C, Async>;
    /// An async [`CachedOrderedDict`](crate::CachedOrderedDict): making it and
    /// writing return futures.
    pub type CachedOrderedDict<K, V, C = Json> = crate::CachedOrderedDict<K, V, C, Async>;
    /// An async [`BloomFilter`](crate::BloomFilter).
    pub type BloomFilter<T, C = Json> = crate::BloomFilter<T, C, Async>;
    /// An async [`HyperLogLog`](crate::HyperLogLog).
    pub type HyperLogLog<T, C = Json> = crate::HyperLogLog<T, C, Async>;
}

/// The traits a caller needs in scope: `use pottery::prelude::*;`.
///
/// ```no_run
/// use pottery::prelude::*;
/// use std::time::Duration;
///
/// let d: pottery::sync::RedisDict<String, i64> = pottery::sync::RedisDict::new(&pottery::Client::from_env()?, "d");
/// d.expire(Duration::from_secs(60))?;
/// # Ok::<(), pottery::Error>(())
/// ```
pub mod prelude {
    pub use crate::{Codec, Container};
}

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
