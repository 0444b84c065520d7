//! What `#[redis_cache]` expands to. Not a public API: it may change at any time.

#[cfg(feature = "async")]
use std::future::Future;
use std::marker::PhantomData;
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

/// Which results of a `#[redis_cache]` function are stored, decided by the type
/// it returns, not by how the return type is spelled: for a `Result<T, E>` only
/// the `Ok` values, also behind an alias (`type Fallible<T> = Result<T, String>`)
/// the macro cannot see through; for any other type every value.
///
/// The macro calls `(&Policy::<R>::new()).cacheable()` with [`OnlyOk`] and
/// [`Every`] in scope: method lookup tries `Policy<R>` (implemented for results
/// only) before `&Policy<R>` (implemented for everything), so a `Result` picks
/// the first.
pub struct Policy<R>(PhantomData<fn() -> R>);

impl<R> Policy<R> {
    /// The policy of `R`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Policy(PhantomData)
    }
}

/// A `Result`'s policy: only `Ok` values are stored.
pub trait OnlyOk {
    /// The return type.
    type Value;
    /// Whether a value is stored.
    fn cacheable(&self) -> fn(&Self::Value) -> bool;
}

impl<T, E> OnlyOk for Policy<std::result::Result<T, E>> {
    type Value = std::result::Result<T, E>;
    fn cacheable(&self) -> fn(&Self::Value) -> bool {
        std::result::Result::is_ok
    }
}

/// Any other type's policy: every value is stored.
pub trait Every {
    /// The return type.
    type Value;
    /// Whether a value is stored.
    fn cacheable(&self) -> fn(&Self::Value) -> bool;
}

impl<R> Every for &Policy<R> {
    type Value = R;
    fn cacheable(&self) -> fn(&R) -> bool {
        |_| true
    }
}

/// Why a plain cached call did not store its value: Redis failed (the call's
/// error), or the policy kept the value out of the cache (it is returned).
enum Uncached<R> {
    Redis(Error),
    Value(R),
}

impl<R> From<Error> for Uncached<R> {
    fn from(err: Error) -> Self {
        Uncached::Redis(err)
    }
}

/// A computed value, as what the cache stores (`Ok`) or only returns.
fn sorted<R>(cacheable: fn(&R) -> bool, value: R) -> std::result::Result<R, Uncached<R>> {
    if cacheable(&value) {
        Ok(value)
    } else {
        Err(Uncached::Value(value))
    }
}

/// The call's result: the value, cached or not, or Redis's error.
fn unsorted<R>(result: std::result::Result<R, Uncached<R>>) -> Result<R> {
    match result {
        Ok(value) | Err(Uncached::Value(value)) => Ok(value),
        Err(Uncached::Redis(err)) => Err(err),
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

/// A cached call of a blocking function returning a plain value (stored if
/// `cacheable`, see [`Policy`]).
pub fn call<R>(
    cache: &RedisCache<Json, Blocking>,
    field: Result<Vec<u8>>,
    cacheable: fn(&R) -> bool,
    f: impl FnOnce() -> R,
) -> Result<R>
where
    R: Serialize + DeserializeOwned + Send + 'static,
{
    unsorted(cache.resolve(field, || sorted(cacheable, f())))
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

/// A bypassing call (computed and stored if `cacheable`) of a blocking function.
pub fn bypass<R: Serialize>(
    cache: &RedisCache<Json, Blocking>,
    field: Result<Vec<u8>>,
    cacheable: fn(&R) -> bool,
    f: impl FnOnce() -> R,
) -> Result<R> {
    unsorted(cache.refill(field, || sorted(cacheable, f())))
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

/// A cached call of an async function returning a plain value (stored if
/// `cacheable`).
#[cfg(feature = "async")]
pub async fn call_async<R, F>(
    cache: &RedisCache<Json, Async>,
    field: Result<Vec<u8>>,
    cacheable: fn(&R) -> bool,
    f: impl FnOnce() -> F,
) -> Result<R>
where
    R: Serialize + DeserializeOwned + Send + 'static,
    F: Future<Output = R>,
{
    let f = || async { sorted(cacheable, f().await) };
    unsorted(cache.resolve(field, f).await)
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

/// A bypassing call of an async function (stored if `cacheable`).
#[cfg(feature = "async")]
pub async fn bypass_async<R: Serialize, F: Future<Output = R>>(
    cache: &RedisCache<Json, Async>,
    field: Result<Vec<u8>>,
    cacheable: fn(&R) -> bool,
    f: impl FnOnce() -> F,
) -> Result<R> {
    let f = || async { sorted(cacheable, f().await) };
    unsorted(cache.refill(field, f).await)
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
