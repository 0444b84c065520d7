//! Looking a call up, computing it on a miss and storing the result, with
//! optional single flight.
//!
//! The requests and the decisions are defined once, here and in `mod.rs`; each
//! mode's runner is a short loop: look up; on a hit return; on a miss that is
//! ours to compute, compute and store; on a miss someone else is computing,
//! wait a little and look again.

use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

use redis::{Script, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{RedisCache, first_reply};
use crate::codec::Codec;
use crate::decode;
use crate::engine::Op;
use crate::engine::{Async, Blocking, Mode};
use crate::error::{Error, Result};

// The single-flight scripts: KEYS = hash, claim key; ARGV = field, timeout ms
// (0: none), lease ms, then their own arguments.
static LOOKUP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local v = redis.call('HGET', KEYS[1], ARGV[1])
         if ARGV[2] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
         if v then return {1, v} end
         if redis.call('SET', KEYS[2], ARGV[4], 'NX', 'PX', ARGV[3]) then return {2} end
         return {3}",
    )
});
static STORE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
         if ARGV[2] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
         if redis.call('GET', KEYS[2]) == ARGV[5] then redis.call('DEL', KEYS[2]) end
         return 1",
    )
});
static ABANDON: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
         return 1",
    )
});

/// What a lookup found.
#[derive(Debug, PartialEq)]
pub(crate) enum Lookup<R> {
    /// The cached result.
    Hit(R),
    /// No result: compute it (holding the single-flight claim with this token,
    /// if single flight is on).
    Compute(Option<Vec<u8>>),
    /// No result, and another caller is computing it: wait and look again.
    Wait,
}

impl<R> Lookup<R> {
    /// The result, if it was a hit.
    pub(crate) fn into_hit(self) -> Option<R> {
        match self {
            Lookup::Hit(value) => Some(value),
            _ => None,
        }
    }
}

/// The pauses between the lookups of a caller waiting for another's result:
/// 2 ms, doubling up to 64 ms (a value computed in a few ms is seen within
/// about as long; one that takes seconds costs a lookup every 64 ms).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff(Duration);

impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff(Duration::from_millis(2))
    }

    /// The next pause.
    pub(crate) fn next_pause(&mut self) -> Duration {
        let pause = self.0;
        self.0 = (self.0 * 2).min(Duration::from_millis(64));
        pause
    }
}

/// The reply of the single-flight lookup script: `{1, value}`, `{2}` (the
/// claim is ours, with `token`) or `{3}` (someone else's).
fn decode_flight<C: Codec, R: DeserializeOwned>(
    codec: &C,
    key: &str,
    reply: Value,
    token: Vec<u8>,
) -> Result<Lookup<R>> {
    let mut parts = decode::array(key, reply)?.into_iter();
    match (parts.next(), parts.next()) {
        (Some(Value::Int(1)), Some(raw)) => {
            let raw = decode::bytes(key, raw)?.unwrap_or_default();
            Ok(Lookup::Hit(decode::value(codec, key, &raw)?))
        }
        (Some(Value::Int(2)), None) => Ok(Lookup::Compute(Some(token))),
        (Some(Value::Int(3)), None) => Ok(Lookup::Wait),
        _ => Err(Error::unexpected_reply(
            key,
            "cache lookup",
            "an unknown reply",
        )),
    }
}

impl<C: Codec, M: Mode> RedisCache<C, M> {
    /// Looks `field` up (resetting the time to live); with single flight
    /// (`token` given) also claims the computation when the result is missing.
    pub(super) fn lookup_op<R: DeserializeOwned + Send + 'static>(
        &self,
        field: Vec<u8>,
        token: Option<Vec<u8>>,
    ) -> Op<Lookup<R>> {
        let codec = self.base.codec().clone();
        if let Some(token) = token {
            let args = vec![token.clone()];
            return self.flight_op(&LOOKUP, &field, args, move |key, reply| {
                decode_flight(&codec, key, reply, token)
            });
        }
        let refresh = self.refresh_due();
        let (request, piped) = if self.base.client().is_cluster() {
            let timeout = if refresh {
                self.timeout_arg()
            } else {
                b"0".to_vec()
            };
            (self.base.script(&super::LOOKUP, &[field, timeout]), true)
        } else if refresh {
            let mut pipe = redis::pipe();
            pipe.cmd("HGET").arg(self.key()).arg(field);
            self.refresh(&mut pipe);
            (pipe.into(), true)
        } else {
            (self.base.cmd_with("HGET", field).into(), false)
        };
        self.base.op(request, move |key, reply| {
            let reply = if piped {
                first_reply(key, reply)?
            } else {
                reply
            };
            let found = decode::optional(&codec, key, reply)?;
            Ok(found.map_or(Lookup::Compute(None), Lookup::Hit))
        })
    }

    /// Lifts our single-flight claim on `field` after the computation failed,
    /// so that a waiting caller computes at once.
    fn abandon_op(&self, field: &[u8], token: Vec<u8>) -> Op<()> {
        self.flight_op(&ABANDON, field, vec![token], |_, _| Ok(()))
    }

    /// The store script, for `mod.rs`.
    pub(super) fn store_flight_op(&self, field: &[u8], value: Vec<u8>, token: Vec<u8>) -> Op<()> {
        self.flight_op(&STORE, field, vec![value, token], |_, _| Ok(()))
    }

    /// The first lookup of a call: a fresh claim token when single flight is on.
    fn first_lookup<R: DeserializeOwned + Send + 'static>(&self, field: &[u8]) -> Op<Lookup<R>> {
        let token = self.lease.map(|_| uuid::Uuid::new_v4().as_bytes().to_vec());
        self.lookup_op(field.to_vec(), token)
    }

    /// What to do after computing: the store of `value`, or the release of our
    /// claim if the computation failed.
    fn after<T: Serialize, E>(
        &self,
        field: &[u8],
        token: Option<Vec<u8>>,
        value: &std::result::Result<T, E>,
    ) -> Option<Result<Op<()>>> {
        match (value, token) {
            (Ok(value), token) => Some(self.store_op(field, value, token.as_deref())),
            (Err(_), Some(token)) => Some(Ok(self.abandon_op(field, token))),
            (Err(_), None) => None,
        }
    }
}

impl<C: Codec> RedisCache<C, Blocking> {
    /// The cached result for `args`, or `f()`'s, stored for next time (one
    /// round trip on a hit, two on a miss). Counts a hit or a miss.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::sync::RedisCache::new(&client, "fib");
    /// assert_eq!(cache.get_or_compute(&(10,), || 55)?, 55);
    /// assert_eq!(cache.get_or_compute(&(10,), || 0)?, 55);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_or_compute<A, R>(&self, args: &A, f: impl FnOnce() -> R) -> Result<R>
    where
        A: Serialize + ?Sized,
        R: Serialize + DeserializeOwned + Send + 'static,
    {
        self.resolve(self.field(args), || Ok::<R, Error>(f()))
    }

    /// As [`get_or_compute`](Self::get_or_compute) for a computation that can
    /// fail: an `Err` is returned and not cached. Redis's errors become `E`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::sync::RedisCache::new(&client, "parse");
    /// let parse = |s: &str| cache.try_get_or_compute(&(s,), || {
    ///     s.parse::<i32>().map_err(std::io::Error::other)
    /// });
    /// assert!(parse("x").is_err());
    /// assert_eq!(parse("42")?, 42);
    /// assert_eq!(cache.cache_info()?.currsize, 1); // the error was not stored
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_get_or_compute<A, T, E>(
        &self,
        args: &A,
        f: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        A: Serialize + ?Sized,
        T: Serialize + DeserializeOwned + Send + 'static,
        E: From<Error>,
    {
        self.resolve(self.field(args), f)
    }

    /// Computes `f()` whatever is cached and stores it for `args`: pottery's
    /// `__bypass__`. Not counted as a hit or miss.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::sync::RedisCache::new(&client, "rate");
    /// cache.get_or_compute(&("eur",), || 1.08)?;
    /// assert_eq!(cache.bypass(&("eur",), || 1.09)?, 1.09);
    /// assert_eq!(cache.get_or_compute(&("eur",), || 0.0)?, 1.09);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn bypass<A, R>(&self, args: &A, f: impl FnOnce() -> R) -> Result<R>
    where
        A: Serialize + ?Sized,
        R: Serialize,
    {
        self.refill(self.field(args), || Ok::<R, Error>(f()))
    }

    /// Looks the call whose field is `field` up, computing on a miss.
    pub(crate) fn resolve<T, E>(
        &self,
        field: Result<Vec<u8>>,
        f: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        E: From<Error>,
    {
        let field = field?;
        let client = self.base.client();
        let mut backoff = Backoff::new();
        loop {
            match self.first_lookup::<T>(&field).run(client)? {
                Lookup::Hit(value) => {
                    self.count(true);
                    return Ok(value);
                }
                Lookup::Compute(token) => {
                    self.count(false);
                    let value = f();
                    if let Some(step) = self.after(&field, token, &value) {
                        step?.run(client)?;
                    }
                    return value;
                }
                Lookup::Wait => std::thread::sleep(backoff.next_pause()),
            }
        }
    }

    /// Computes and stores the call whose field is `field`.
    pub(crate) fn refill<T: Serialize, E: From<Error>>(
        &self,
        field: Result<Vec<u8>>,
        f: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let field = field?;
        let value = f()?;
        self.store_op(&field, &value, None)?
            .run(self.base.client())?;
        Ok(value)
    }
}

impl<C: Codec> RedisCache<C, Async> {
    /// The cached result for `args`, or that of the future `f()` makes, stored
    /// for next time (one round trip on a hit, two on a miss).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::future::RedisCache::new(&client, "fib");
    /// assert_eq!(cache.get_or_compute(&(10,), || async { 55 }).await?, 55);
    /// assert_eq!(cache.get_or_compute(&(10,), || async { 0 }).await?, 55);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn get_or_compute<A, R, F>(&self, args: &A, f: impl FnOnce() -> F) -> Result<R>
    where
        A: Serialize + ?Sized,
        R: Serialize + DeserializeOwned + Send + 'static,
        F: Future<Output = R>,
    {
        self.resolve(self.field(args), || async { Ok::<R, Error>(f().await) })
            .await
    }

    /// As [`get_or_compute`](Self::get_or_compute) for a computation that can
    /// fail: an `Err` is returned and not cached.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::future::RedisCache::new(&client, "parse");
    /// let failed = cache.try_get_or_compute(&("x",), || async {
    ///     "x".parse::<i32>().map_err(std::io::Error::other)
    /// });
    /// assert!(failed.await.is_err());
    /// assert_eq!(cache.cache_info().await?.currsize, 0);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn try_get_or_compute<A, T, E, F>(
        &self,
        args: &A,
        f: impl FnOnce() -> F,
    ) -> std::result::Result<T, E>
    where
        A: Serialize + ?Sized,
        T: Serialize + DeserializeOwned + Send + 'static,
        E: From<Error>,
        F: Future<Output = std::result::Result<T, E>>,
    {
        self.resolve(self.field(args), f).await
    }

    /// Computes `f()` whatever is cached and stores it for `args`: pottery's
    /// `__bypass__`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::future::RedisCache::new(&client, "rate");
    /// assert_eq!(cache.bypass(&("eur",), || async { 1.09 }).await?, 1.09);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn bypass<A, R, F>(&self, args: &A, f: impl FnOnce() -> F) -> Result<R>
    where
        A: Serialize + ?Sized,
        R: Serialize,
        F: Future<Output = R>,
    {
        self.refill(self.field(args), || async { Ok::<R, Error>(f().await) })
            .await
    }

    /// Looks the call whose field is `field` up, computing on a miss.
    pub(crate) async fn resolve<T, E, F>(
        &self,
        field: Result<Vec<u8>>,
        f: impl FnOnce() -> F,
    ) -> std::result::Result<T, E>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        E: From<Error>,
        F: Future<Output = std::result::Result<T, E>>,
    {
        let field = field?;
        let client = self.base.client();
        let mut backoff = Backoff::new();
        loop {
            match self.first_lookup::<T>(&field).run_async(client).await? {
                Lookup::Hit(value) => {
                    self.count(true);
                    return Ok(value);
                }
                Lookup::Compute(token) => {
                    self.count(false);
                    let value = f().await;
                    if let Some(step) = self.after(&field, token, &value) {
                        step?.run_async(client).await?;
                    }
                    return value;
                }
                Lookup::Wait => tokio::time::sleep(backoff.next_pause()).await,
            }
        }
    }

    /// Computes and stores the call whose field is `field`.
    pub(crate) async fn refill<T: Serialize, E: From<Error>, F>(
        &self,
        field: Result<Vec<u8>>,
        f: impl FnOnce() -> F,
    ) -> std::result::Result<T, E>
    where
        F: Future<Output = std::result::Result<T, E>>,
    {
        let field = field?;
        let value = f().await?;
        let store = self.store_op(&field, &value, None)?;
        store.run_async(self.base.client()).await?;
        Ok(value)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling() {
        let mut b = Backoff::new();
        let pauses: Vec<u64> = (0..8).map(|_| b.next_pause().as_millis() as u64).collect();
        assert_eq!(pauses, [2, 4, 8, 16, 32, 64, 64, 64]);
    }

    #[test]
    fn flight_replies_decode() {
        let json = crate::Json;
        let hit = Value::Array(vec![Value::Int(1), Value::BulkString(b"7".to_vec())]);
        assert_eq!(
            decode_flight::<_, u8>(&json, "k", hit, vec![]).ok(),
            Some(Lookup::Hit(7))
        );
        let ours = Value::Array(vec![Value::Int(2)]);
        assert_eq!(
            decode_flight::<_, u8>(&json, "k", ours, b"t".to_vec()).ok(),
            Some(Lookup::Compute(Some(b"t".to_vec())))
        );
        let theirs = Value::Array(vec![Value::Int(3)]);
        assert_eq!(
            decode_flight::<_, u8>(&json, "k", theirs, vec![]).ok(),
            Some(Lookup::Wait)
        );
        let junk = Value::Array(vec![Value::Int(9)]);
        assert!(decode_flight::<_, u8>(&json, "k", junk, vec![]).is_err());
        let bad = Value::Array(vec![Value::Int(1), Value::BulkString(b"{".to_vec())]);
        assert!(
            decode_flight::<_, u8>(&json, "k", bad, vec![])
                .unwrap_err()
                .kind()
                == crate::ErrorKind::Decode
        );
    }
}
