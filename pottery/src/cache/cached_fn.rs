//! [`CachedFn`]: a function whose results are memoized in a [`RedisCache`], and
//! what the `#[redis_cache]` attribute expands to.

use std::fmt;
#[cfg(feature = "async")]
use std::future::Future;

use serde::de::DeserializeOwned;
use serde::ser::SerializeTuple;
use serde::{Serialize, Serializer};

use super::RedisCache;
use crate::codec::{Codec, Json};
#[cfg(feature = "async")]
use crate::engine::Async;
use crate::engine::{Blocking, Mode};
use crate::error::{Error, Result};
use crate::redlock::Callable;

/// A function whose results are memoized in a [`RedisCache`]: pottery's
/// `@redis_cache()` as a value rather than an attribute.
///
/// The arguments of a call are passed as one tuple, as many as the function
/// takes (up to 6, see [`Callable`]); they must be `Serialize` and become the
/// cache field `[arg1, arg2, ...]` (see [`RedisCache`]). The result must be
/// `Serialize` and `DeserializeOwned`.
///
/// | pottery | `CachedFn` |
/// |---|---|
/// | `f(*args)` | [`call`](Self::call) (or [`try_call`](Self::try_call) for a function returning `Result`) |
/// | `f.__wrapped__(*args)` | [`get_ref`](Self::get_ref) |
/// | `f.__bypass__(*args)` | [`bypass`](Self::bypass) / [`try_bypass`](Self::try_bypass) |
/// | `f.cache_info()` / `f.cache_clear()` | [`cache`](Self::cache)`().cache_info()` / `.cache_clear()` |
///
/// For a function you write, the attribute [`#[redis_cache]`](macro@crate::redis_cache)
/// does the same with the function's own signature.
///
/// # Example
///
/// ```
/// use pottery::{CachedFn, sync::RedisCache};
///
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// let area = CachedFn::new(RedisCache::new(&client, "area"), |w: u32, h: u32| w * h);
/// assert_eq!(area.call((3, 4))?, 12); // computed, stored at field "[3, 4]"
/// assert_eq!(area.call((3, 4))?, 12); // read back
/// assert_eq!(area.cache().cache_info()?.hits, 1);
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct CachedFn<F, C = Json, M = Blocking> {
    cache: RedisCache<C, M>,
    f: F,
}

impl<F, C: Codec, M: Mode> CachedFn<F, C, M> {
    /// `f`, memoized in `cache`.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let double = pottery::CachedFn::new(pottery::sync::RedisCache::new(&client, "double"), |x: i64| 2 * x);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(cache: RedisCache<C, M>, f: F) -> Self {
        CachedFn { cache, f }
    }

    /// The cache: its [`cache_info`](RedisCache::cache_info),
    /// [`cache_clear`](RedisCache::cache_clear) and settings.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let double = pottery::CachedFn::new(pottery::sync::RedisCache::new(&client, "double"), |x: i64| 2 * x);
    /// assert_eq!(double.cache().key(), "double");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn cache(&self) -> &RedisCache<C, M> {
        &self.cache
    }

    /// The function itself, uncached: pottery's `__wrapped__`.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let double = pottery::CachedFn::new(pottery::sync::RedisCache::new(&client, "double"), |x: i64| 2 * x);
    /// assert_eq!((double.get_ref())(21), 42);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.f
    }

    /// The cache and the function.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let double = pottery::CachedFn::new(pottery::sync::RedisCache::new(&client, "double"), |x: i64| 2 * x);
    /// let (cache, f) = double.into_parts();
    /// assert_eq!((cache.key(), f(1)), ("double", 2));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn into_parts(self) -> (RedisCache<C, M>, F) {
        (self.cache, self.f)
    }
}

impl<F, C: Codec> CachedFn<F, C, Blocking> {
    /// The result of `f(args...)`, from the cache or computed and stored.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let greet = pottery::CachedFn::new(pottery::sync::RedisCache::new(&client, "greet"),
    ///     |name: &str| format!("hello {name}"));
    /// assert_eq!(greet.call(("raj",))?, "hello raj");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn call<Args>(&self, args: Args) -> Result<F::Output>
    where
        F: Callable<Args>,
        Args: ArgList,
        F::Output: Serialize + DeserializeOwned + Send + 'static,
    {
        let field = self.cache.field(&Listed(&args));
        self.cache
            .resolve(field, || Ok::<_, Error>(self.f.call_with(args)))
    }

    /// The result of a function returning `Result`: an `Ok` is cached, an
    /// `Err` is returned and not cached; Redis's errors become `E`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let parse = pottery::CachedFn::new(pottery::sync::RedisCache::new(&client, "parse"),
    ///     |s: &str| s.parse::<u8>().map_err(std::io::Error::other));
    /// assert!(parse.try_call(("300",)).is_err());
    /// assert_eq!(parse.try_call(("30",))?, 30);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_call<Args, T, E>(&self, args: Args) -> std::result::Result<T, E>
    where
        F: Callable<Args, Output = std::result::Result<T, E>>,
        Args: ArgList,
        T: Serialize + DeserializeOwned + Send + 'static,
        E: From<Error>,
    {
        let field = self.cache.field(&Listed(&args));
        self.cache.resolve(field, || self.f.call_with(args))
    }

    /// Calls the function whatever is cached and stores its result: pottery's
    /// `__bypass__`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let now = pottery::CachedFn::new(pottery::sync::RedisCache::new(&client, "now"), || 2);
    /// assert_eq!(now.bypass(())?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn bypass<Args>(&self, args: Args) -> Result<F::Output>
    where
        F: Callable<Args>,
        Args: ArgList,
        F::Output: Serialize,
    {
        let field = self.cache.field(&Listed(&args));
        self.cache
            .refill(field, || Ok::<_, Error>(self.f.call_with(args)))
    }

    /// [`bypass`](Self::bypass) for a function returning `Result`; an `Err`
    /// is returned and not stored.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let one = pottery::CachedFn::new(pottery::sync::RedisCache::new(&client, "one"), || Ok::<_, pottery::Error>(1));
    /// assert_eq!(one.try_bypass(())?, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn try_bypass<Args, T, E>(&self, args: Args) -> std::result::Result<T, E>
    where
        F: Callable<Args, Output = std::result::Result<T, E>>,
        Args: ArgList,
        T: Serialize,
        E: From<Error>,
    {
        let field = self.cache.field(&Listed(&args));
        self.cache.refill(field, || self.f.call_with(args))
    }
}

#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl<F, C: Codec> CachedFn<F, C, Async> {
    /// The result of the future `f(args...)` makes, from the cache or awaited
    /// and stored.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::future::RedisCache::new(&client, "greet");
    /// let greet = pottery::CachedFn::new(cache, |name: String| async move { format!("hello {name}") });
    /// assert_eq!(greet.call(("raj".to_string(),)).await?, "hello raj");
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn call<Args, R>(&self, args: Args) -> Result<R>
    where
        F: Callable<Args>,
        F::Output: Future<Output = R>,
        Args: ArgList,
        R: Serialize + DeserializeOwned + Send + 'static,
    {
        let field = self.cache.field(&Listed(&args));
        let f = || async { Ok::<R, Error>(self.f.call_with(args).await) };
        self.cache.resolve(field, f).await
    }

    /// The result of an async function returning `Result`: an `Ok` is cached,
    /// an `Err` is returned and not cached.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::future::RedisCache::new(&client, "half");
    /// let half = pottery::CachedFn::new(cache, |n: u32| async move {
    ///     if n % 2 == 0 { Ok(n / 2) } else { Err(std::io::Error::other("odd")) }
    /// });
    /// assert!(half.try_call((3,)).await.is_err());
    /// assert_eq!(half.try_call((4,)).await?, 2);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn try_call<Args, T, E>(&self, args: Args) -> std::result::Result<T, E>
    where
        F: Callable<Args>,
        F::Output: Future<Output = std::result::Result<T, E>>,
        Args: ArgList,
        T: Serialize + DeserializeOwned + Send + 'static,
        E: From<Error>,
    {
        let field = self.cache.field(&Listed(&args));
        self.cache.resolve(field, || self.f.call_with(args)).await
    }

    /// Awaits the function whatever is cached and stores its result.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::future::RedisCache::new(&client, "two");
    /// let two = pottery::CachedFn::new(cache, || async { 2 });
    /// assert_eq!(two.bypass(()).await?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn bypass<Args, R>(&self, args: Args) -> Result<R>
    where
        F: Callable<Args>,
        F::Output: Future<Output = R>,
        Args: ArgList,
        R: Serialize,
    {
        let field = self.cache.field(&Listed(&args));
        let f = || async { Ok::<R, Error>(self.f.call_with(args).await) };
        self.cache.refill(field, f).await
    }

    /// [`bypass`](Self::bypass) for an async function returning `Result`; an
    /// `Err` is returned and not stored.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::future::RedisCache::new(&client, "one");
    /// let one = pottery::CachedFn::new(cache, || async { Ok::<_, pottery::Error>(1) });
    /// assert_eq!(one.try_bypass(()).await?, 1);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn try_bypass<Args, T, E>(&self, args: Args) -> std::result::Result<T, E>
    where
        F: Callable<Args>,
        F::Output: Future<Output = std::result::Result<T, E>>,
        Args: ArgList,
        T: Serialize,
        E: From<Error>,
    {
        let field = self.cache.field(&Listed(&args));
        self.cache.refill(field, || self.f.call_with(args)).await
    }
}

impl<F: Clone, C: Codec, M: Mode> Clone for CachedFn<F, C, M> {
    fn clone(&self) -> Self {
        CachedFn {
            cache: self.cache.clone(),
            f: self.f.clone(),
        }
    }
}

impl<F, C: Codec, M> fmt::Debug for CachedFn<F, C, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedFn")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

/// A call's arguments as a tuple (up to 6), encoded as one list: the cache
/// field of the call. `()` is `[]`, `(x,)` is `[x]`, `(x, y)` is `[x, y]`.
///
/// ```
/// use pottery::{ArgList, Codec, Json};
/// // The field of `f("raj", 1)`: what `json.dumps(["raj", 1], sort_keys=True)` gives.
/// assert_eq!(Json.encode(&pottery::cache_field(&("raj", 1)))?, br#"["raj", 1]"#);
/// assert_eq!(Json.encode(&pottery::cache_field(&()))?, b"[]");
/// # Ok::<(), pottery::CodecError>(())
/// ```
pub trait ArgList {
    /// Serializes the arguments as one sequence.
    fn serialize_list<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>;
}

/// The arguments `args` as the list that is their cache field (see [`ArgList`]).
///
/// ```
/// use pottery::{Codec, Json};
/// assert_eq!(Json.encode(&pottery::cache_field(&(2, 3)))?, b"[2, 3]");
/// # Ok::<(), pottery::CodecError>(())
/// ```
pub fn cache_field<A: ArgList>(args: &A) -> impl Serialize + '_ {
    Listed(args)
}

/// An [`ArgList`] seen as a `Serialize` value.
pub(crate) struct Listed<'a, A>(pub(crate) &'a A);

impl<A: ArgList> Serialize for Listed<'_, A> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize_list(serializer)
    }
}

macro_rules! arg_list {
    ($n:literal $(, $arg:ident . $i:tt)*) => {
        impl<$($arg: Serialize),*> ArgList for ($($arg,)*) {
            fn serialize_list<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                #[allow(unused_mut)]
                let mut list = serializer.serialize_tuple($n)?;
                $(list.serialize_element(&self.$i)?;)*
                list.end()
            }
        }
    };
}

arg_list!(0);
arg_list!(1, A.0);
arg_list!(2, A.0, B.1);
arg_list!(3, A.0, B.1, C.2);
arg_list!(4, A.0, B.1, C.2, D.3);
arg_list!(5, A.0, B.1, C.2, D.3, E.4);
arg_list!(6, A.0, B.1, C.2, D.3, E.4, G.5);
