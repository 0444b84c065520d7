//! Functions that run holding a Redlock: the [`Synchronized`] wrapper, and what
//! the `#[synchronize]` attribute macro (crate `pottery-macros`) expands to.

use std::fmt;
#[cfg(feature = "async")]
use std::future::Future;

use super::Redlock;
#[cfg(feature = "async")]
use crate::engine::Async;
use crate::engine::{Blocking, Mode};
use crate::error::Result;

/// A function that runs holding a [`Redlock`] at each call: pottery's
/// `synchronize` as a value rather than an attribute.
///
/// [`call`](Self::call) acquires the lock, runs the function, releases the lock
/// and returns what the function returned, exactly as [`Redlock::run`] does
/// (async: the function makes a future, awaited), so the lock's settings decide how a
/// call waits: [`run_blocking`](crate::RedlockBuilder::run_blocking) and
/// [`run_timeout`](crate::RedlockBuilder::run_timeout). A call fails with
/// [`ErrorKind::QuorumNotAchieved`](crate::ErrorKind::QuorumNotAchieved) if it
/// could not acquire, and with
/// [`ErrorKind::ReleaseUnlockedLock`](crate::ErrorKind::ReleaseUnlockedLock) if
/// the hold expired before the function returned.
///
/// The arguments of a call are passed as a tuple, as many as the function takes
/// (up to 6): `call(())`, `call((x,))`, `call((x, y))` (see [`Callable`]).
///
/// For one call, [`Redlock::run`] is all you need; `Synchronized` is for a
/// function you keep and call many times, perhaps from many threads (it is
/// `Sync` when the function is), or store in a struct. For a function you
/// write, the attribute [`#[synchronize]`](macro@crate::synchronize) does the
/// same with the function's own signature.
///
/// # Example
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// use pottery::{Synchronized, sync::Redlock};
///
/// let print = Synchronized::new(Redlock::new(&client, "printer"), |copies: u32, doc: &str| {
///     // Only one caller at a time, across threads and processes.
///     format!("{copies} x {doc}")
/// });
/// assert_eq!(print.call((2, "report"))?, "2 x report");
///
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| print.call((1, "memo")));
///     }
/// });
/// # Ok::<(), pottery::Error>(())
/// ```
///
/// Async: the function returns a future, and `call` is awaited.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// # let client = pottery::Client::open(&server.url())?;
/// use pottery::{Synchronized, future::Redlock};
///
/// let shower = Synchronized::new(Redlock::new(&client, "shower"), |minutes: u64| async move {
///     tokio::time::sleep(std::time::Duration::from_millis(minutes)).await;
///     minutes
/// });
/// assert_eq!(shower.call((5,)).await?, 5);
/// # Ok::<(), pottery::Error>(())
/// # }).unwrap();
/// ```
pub struct Synchronized<F, M: Mode = Blocking> {
    lock: Redlock<M>,
    f: F,
}

impl<F, M: Mode> Synchronized<F, M> {
    /// `f`, to be run holding `lock` at each call.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let answer = pottery::Synchronized::new(pottery::sync::Redlock::new(&client, "oracle"), || 42);
    /// assert_eq!(answer.call(())?, 42);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(lock: Redlock<M>, f: F) -> Self {
        Synchronized { lock, f }
    }

    /// The lock held during calls.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let answer = pottery::Synchronized::new(pottery::sync::Redlock::new(&client, "oracle"), || 42);
    /// assert_eq!(answer.lock().key(), "redlock:oracle");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn lock(&self) -> &Redlock<M> {
        &self.lock
    }

    /// The wrapped function (calling it directly does not take the lock).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let answer = pottery::Synchronized::new(pottery::sync::Redlock::new(&client, "oracle"), || 42);
    /// assert_eq!((answer.get_ref())(), 42);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.f
    }

    /// The lock and the function.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let answer = pottery::Synchronized::new(pottery::sync::Redlock::new(&client, "oracle"), || 42);
    /// let (lock, f) = answer.into_parts();
    /// assert_eq!(lock.run(f)?, 42);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn into_parts(self) -> (Redlock<M>, F) {
        (self.lock, self.f)
    }
}

impl<F> Synchronized<F, Blocking> {
    /// Calls the function with `args` (a tuple) holding the lock; see
    /// [`Redlock::run`] for how it acquires and fails.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let add = pottery::Synchronized::new(pottery::sync::Redlock::new(&client, "adder"), |a: i32, b: i32| a + b);
    /// assert_eq!(add.call((2, 3))?, 5);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn call<Args>(&self, args: Args) -> Result<F::Output>
    where
        F: Callable<Args>,
    {
        self.lock.run(|| self.f.call_with(args))
    }
}

#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl<F> Synchronized<F, Async> {
    /// Calls the function with `args` (a tuple) and awaits the future it
    /// returns, holding the lock; see [`Redlock::run`] for how it acquires and
    /// fails.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::future::Redlock::new(&client, "adder");
    /// let add = pottery::Synchronized::new(lock, |a: i32, b: i32| async move { a + b });
    /// assert_eq!(add.call((2, 3)).await?, 5);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn call<Args>(&self, args: Args) -> Result<<F::Output as Future>::Output>
    where
        F: Callable<Args>,
        F::Output: Future,
    {
        self.lock.run(|| self.f.call_with(args)).await
    }
}

impl<F: Clone, M: Mode> Clone for Synchronized<F, M> {
    fn clone(&self) -> Self {
        Synchronized {
            lock: self.lock.clone(),
            f: self.f.clone(),
        }
    }
}

impl<F, M: Mode> fmt::Debug for Synchronized<F, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Synchronized")
            .field("lock", &self.lock)
            .finish_non_exhaustive()
    }
}

/// A function called with its arguments as one tuple: implemented for every
/// `Fn` of up to 6 arguments (`Fn()` takes `()`, `Fn(A)` takes `(A,)`,
/// `Fn(A, B)` takes `(A, B)`, ...). What [`Synchronized::call`] takes.
///
/// ```
/// use pottery::Callable;
/// assert_eq!((|a: i32, b: i32| a * b).call_with((6, 7)), 42);
/// assert_eq!((|| "none").call_with(()), "none");
/// ```
pub trait Callable<Args> {
    /// What the function returns.
    type Output;

    /// Calls the function with `args`.
    fn call_with(&self, args: Args) -> Self::Output;
}

macro_rules! callable {
    ($($arg:ident),*) => {
        impl<Func, Ret, $($arg),*> Callable<($($arg,)*)> for Func
        where
            Func: Fn($($arg),*) -> Ret,
        {
            type Output = Ret;

            #[allow(non_snake_case)]
            fn call_with(&self, ($($arg,)*): ($($arg,)*)) -> Ret {
                self($($arg),*)
            }
        }
    };
}

callable!();
callable!(A);
callable!(A, B);
callable!(A, B, C);
callable!(A, B, C, D);
callable!(A, B, C, D, E);
callable!(A, B, C, D, E, G);

/// What `#[synchronize]` expands to. Not a public API: it may change at any
/// time.
#[doc(hidden)]
pub mod macro_support {
    #[cfg(feature = "async")]
    use std::future::Future;

    use crate::client::Client;
    #[cfg(feature = "async")]
    use crate::engine::Async;
    use crate::engine::Blocking;
    use crate::error::{Error, Result};
    use crate::redlock::Redlock;

    /// A return type that can carry the lock's errors: `Result<T, E>` with
    /// `E: From<pottery::Error>`.
    #[diagnostic::on_unimplemented(
        message = "a #[synchronize] function must return a `Result` whose error type implements `From<pottery::Error>`, not `{Self}`",
        label = "acquiring the lock can fail: return `pottery::Result<_>` or `Result<_, E>` with `E: From<pottery::Error>`"
    )]
    pub trait Fallible {
        /// The return value for a failure of the lock.
        fn from_error(err: Error) -> Self;
    }

    impl<T, E: From<Error>> Fallible for std::result::Result<T, E> {
        fn from_error(err: Error) -> Self {
            Err(E::from(err))
        }
    }

    /// What `masters = <expr>` accepts.
    #[diagnostic::on_unimplemented(
        message = "`masters = ...` takes a `Client`, a `&Client`, or a `Vec`, array or slice of `Client`s, not `{Self}`",
        label = "not masters for a Redlock"
    )]
    pub trait IntoMasters {
        /// The masters.
        fn into_masters(self) -> Result<Vec<Client>>;
    }

    impl IntoMasters for Client {
        fn into_masters(self) -> Result<Vec<Client>> {
            Ok(vec![self])
        }
    }

    impl IntoMasters for &Client {
        fn into_masters(self) -> Result<Vec<Client>> {
            Ok(vec![self.clone()])
        }
    }

    impl IntoMasters for Vec<Client> {
        fn into_masters(self) -> Result<Vec<Client>> {
            Ok(self)
        }
    }

    impl IntoMasters for &Vec<Client> {
        fn into_masters(self) -> Result<Vec<Client>> {
            Ok(self.clone())
        }
    }

    impl IntoMasters for &[Client] {
        fn into_masters(self) -> Result<Vec<Client>> {
            Ok(self.to_vec())
        }
    }

    impl<const N: usize> IntoMasters for [Client; N] {
        fn into_masters(self) -> Result<Vec<Client>> {
            Ok(self.into())
        }
    }

    impl<const N: usize> IntoMasters for &[Client; N] {
        fn into_masters(self) -> Result<Vec<Client>> {
            Ok(self.to_vec())
        }
    }

    /// A client that failed to open: the lock fails with its error.
    impl<T: IntoMasters> IntoMasters for Result<T> {
        fn into_masters(self) -> Result<Vec<Client>> {
            self?.into_masters()
        }
    }

    /// The masters of `masters = <expr>`.
    pub fn masters(masters: impl IntoMasters) -> Result<Vec<Client>> {
        masters.into_masters()
    }

    /// Runs `f` holding `lock` (blocking).
    pub fn run<R: Fallible>(lock: &Redlock<Blocking>, f: impl FnOnce() -> R) -> R {
        lock.run(f).unwrap_or_else(R::from_error)
    }

    /// Runs the future `f` makes holding `lock`.
    #[cfg(feature = "async")]
    pub async fn run_async<R: Fallible, Fut: Future<Output = R>>(
        lock: &Redlock<Async>,
        f: impl FnOnce() -> Fut,
    ) -> R {
        lock.run(f).await.unwrap_or_else(R::from_error)
    }
}

#[cfg(test)]
mod tests {
    use super::Callable;

    #[test]
    fn callable_spreads_tuples() {
        assert_eq!((|| 1).call_with(()), 1);
        assert_eq!((|a: i32| a + 1).call_with((1,)), 2);
        assert_eq!(
            (|a: i32, b: i32, c: i32, d: i32, e: i32, g: i32| a + b + c + d + e + g)
                .call_with((1, 2, 3, 4, 5, 6)),
            21
        );
    }
}
