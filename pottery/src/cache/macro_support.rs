//! What `#[redis_cache]` expands to. Not a public API: it may change at any time.

#[cfg(feature = "async")]
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::cached_fn::{ArgList, Listed};
use crate::cache::{RedisCache, RedisCacheBuilder};
use crate::client::Client;
use crate::codec::Json;
#[cfg(feature = "async")]
use crate::engine::Async;
use crate::engine::{Blocking, Mode};
use crate::error::{Error, Result};

/// A return type whose errors are not cached: `Result<T, E>` with
/// `E: From<pottery::Error>`.
#[diagnostic::on_unimplemented(
    message = "a #[redis_cache] function returning `{Self}` needs an error type that implements `From<pottery::Error>`",
    label = "Redis can fail: return `pottery::Result<_>` or `Result<_, E>` with `E: From<pottery::Error>`"
)]
pub trait Fallible: Sized {
    /// The cached value.
    type Ok;
    /// The error, which Redis's errors convert into.
    type Err: From<Error>;
    /// As a `Result`.
    fn into_result(self) -> std::result::Result<Self::Ok, Self::Err>;
    /// From a `Result`.
    fn from_result(result: std::result::Result<Self::Ok, Self::Err>) -> Self;
    /// The return value for a failure of Redis.
    fn from_error(err: Error) -> Self {
        Self::from_result(Err(err.into()))
    }
}

impl<T, E: From<Error>> Fallible for std::result::Result<T, E> {
    type Ok = T;
    type Err = E;
    fn into_result(self) -> Self {
        self
    }
    fn from_result(result: Self) -> Self {
        result
    }
}

/// What `client = <expr>` accepts.
#[diagnostic::on_unimplemented(
    message = "`client = ...` takes a `Client`, a `&Client` or a `pottery::Result<Client>`, not `{Self}`",
    label = "not a Redis client"
)]
pub trait IntoClient {
    /// The client.
    fn into_client(self) -> Result<Client>;
}

impl IntoClient for Client {
    fn into_client(self) -> Result<Client> {
        Ok(self)
    }
}

impl IntoClient for &Client {
    fn into_client(self) -> Result<Client> {
        Ok(self.clone())
    }
}

impl IntoClient for Result<Client> {
    fn into_client(self) -> Result<Client> {
        self
    }
}

/// The function's cache, made by `build` on first use (again after a
/// failure: a client that could not be opened is retried next call).
pub fn cache<M: Mode>(
    slot: &'static OnceLock<RedisCache<Json, M>>,
    build: impl FnOnce() -> Result<RedisCache<Json, M>>,
) -> Result<&'static RedisCache<Json, M>> {
    if let Some(cache) = slot.get() {
        return Ok(cache);
    }
    let built = build()?;
    Ok(slot.get_or_init(|| built))
}

/// A cache at `key` (or a random one), with `timeout_secs` (0: none) and
/// single flight for `lease_ms`.
pub fn build<M: Mode>(
    client: impl IntoClient,
    key: Option<&str>,
    timeout_secs: u64,
    lease_ms: Option<u64>,
) -> Result<RedisCache<Json, M>> {
    let client = client.into_client()?;
    // pottery reads a falsy timeout as "no expiry".
    let timeout = Some(Duration::from_secs(timeout_secs)).filter(|t| !t.is_zero());
    let builder = RedisCacheBuilder::new(&client, key).timeout(timeout);
    match lease_ms {
        Some(ms) => builder.single_flight(Duration::from_millis(ms)).build(),
        None => builder.build(),
    }
}

/// The field of a call with `args` (a tuple of references).
pub fn field<M: Mode, A: ArgList>(cache: &RedisCache<Json, M>, args: &A) -> Result<Vec<u8>> {
    cache.field(&Listed(args))
}

/// An argument of a cached function, which must encode into the field.
#[diagnostic::on_unimplemented(
    message = "an argument of a #[redis_cache] function must implement `serde::Serialize`; `{Self}` does not",
    label = "encoded into the cache field"
)]
pub trait CacheArg {}

impl<T: Serialize + ?Sized> CacheArg for T {}

/// Checks at compile time that an argument encodes.
pub fn arg<T: CacheArg + ?Sized>(_: &T) {}

/// A cached call of a blocking function returning a plain value.
pub fn call<R>(
    cache: &RedisCache<Json, Blocking>,
    field: Result<Vec<u8>>,
    f: impl FnOnce() -> R,
) -> Result<R>
where
    R: Serialize + DeserializeOwned + Send + 'static,
{
    cache.resolve(field, || Ok::<R, Error>(f()))
}

/// A cached call of a blocking function returning a `Result`.
pub fn try_call<R: Fallible>(
    cache: &RedisCache<Json, Blocking>,
    field: Result<Vec<u8>>,
    f: impl FnOnce() -> R,
) -> R
where
    R::Ok: Serialize + DeserializeOwned + Send + 'static,
{
    R::from_result(cache.resolve(field, || f().into_result()))
}

/// A bypassing call (computed and stored) of a blocking function.
pub fn bypass<R: Serialize>(
    cache: &RedisCache<Json, Blocking>,
    field: Result<Vec<u8>>,
    f: impl FnOnce() -> R,
) -> Result<R> {
    cache.refill(field, || Ok::<R, Error>(f()))
}

/// A bypassing call of a blocking function returning a `Result`.
pub fn try_bypass<R: Fallible>(
    cache: &RedisCache<Json, Blocking>,
    field: Result<Vec<u8>>,
    f: impl FnOnce() -> R,
) -> R
where
    R::Ok: Serialize,
{
    R::from_result(cache.refill(field, || f().into_result()))
}

/// A cached call of an async function returning a plain value.
#[cfg(feature = "async")]
pub async fn call_async<R, F>(
    cache: &RedisCache<Json, Async>,
    field: Result<Vec<u8>>,
    f: impl FnOnce() -> F,
) -> Result<R>
where
    R: Serialize + DeserializeOwned + Send + 'static,
    F: Future<Output = R>,
{
    let f = || async { Ok::<R, Error>(f().await) };
    cache.resolve(field, f).await
}

/// A cached call of an async function returning a `Result`.
#[cfg(feature = "async")]
pub async fn try_call_async<R: Fallible, F: Future<Output = R>>(
    cache: &RedisCache<Json, Async>,
    field: Result<Vec<u8>>,
    f: impl FnOnce() -> F,
) -> R
where
    R::Ok: Serialize + DeserializeOwned + Send + 'static,
{
    let f = || async { f().await.into_result() };
    R::from_result(cache.resolve(field, f).await)
}

/// A bypassing call of an async function.
#[cfg(feature = "async")]
pub async fn bypass_async<R: Serialize, F: Future<Output = R>>(
    cache: &RedisCache<Json, Async>,
    field: Result<Vec<u8>>,
    f: impl FnOnce() -> F,
) -> Result<R> {
    let f = || async { Ok::<R, Error>(f().await) };
    cache.refill(field, f).await
}

/// A bypassing call of an async function returning a `Result`.
#[cfg(feature = "async")]
pub async fn try_bypass_async<R: Fallible, F: Future<Output = R>>(
    cache: &RedisCache<Json, Async>,
    field: Result<Vec<u8>>,
    f: impl FnOnce() -> F,
) -> R
where
    R::Ok: Serialize,
{
    let f = || async { f().await.into_result() };
    R::from_result(cache.refill(field, f).await)
}
