//! Blocking or async: the one type parameter that picks the runner.
//!
//! Each structure is written once, generic over `M: Mode`; its methods build an
//! [`Op`] or a [`Plan`] and hand it to `M`. [`Blocking`] runs it at once and
//! returns a [`Result`]; [`Async`] returns a future of that `Result`. The aliases
//! in [`crate::sync`] and [`crate::future`] fix `M` so that callers never name it.
//!
//! [`Mode`] carries only the two types a user sees. What runs plans is the
//! sealed supertrait `Engine`, whose methods take types no user can make, and
//! the crate-private [`ModeExt`], which structures call.

#[cfg(feature = "async")]
use std::{future::Future, pin::Pin};

#[cfg(feature = "async")]
use futures_core::Stream;

use crate::client::Client;
use crate::engine::plan::{self, Plan};
use crate::engine::{Deadline, Iter, Op, Pages};
use crate::error::Result;

/// A boxed, `Send` future of a [`Result`]: what async methods return.
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// A boxed, `Send` stream of [`Result`]s: what async iteration returns.
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub type BoxStream<'a, T> = Pin<Box<dyn Stream<Item = Result<T>> + Send + 'a>>;

pub(crate) mod sealed {
    use super::*;

    /// Proof that a caller is inside this crate (it cannot be made outside).
    pub struct Token(pub(in crate::engine) ());

    /// How a mode runs plans and paged reads; sealed, and uncallable outside
    /// the crate (every argument is of a type only the crate can make).
    pub trait Engine: Sized {
        /// Runs `plan` within `deadline`.
        fn drive<'a, T: Send + 'static>(
            plan: Plan<T>,
            deadline: Deadline,
        ) -> <Self as Mode>::Output<'a, T>
        where
            Self: Mode;

        /// Runs one operation on `client` within `deadline`: the plan of a
        /// single step, without a plan's boxes (the hot path of every
        /// single-element call).
        fn op<'a, T: Send + 'static>(
            client: &'a Client,
            op: Op<T>,
            deadline: Deadline,
        ) -> <Self as Mode>::Output<'a, T>
        where
            Self: Mode;

        /// Iterates a paged read.
        fn pages<'a, T: Send + 'static>(
            client: &'a Client,
            pages: Pages<T>,
        ) -> <Self as Mode>::Iter<'a, T>
        where
            Self: Mode;

        /// A result known without a round trip.
        fn ready_output<'a, T: Send + 'a>(
            value: Result<T>,
            token: Token,
        ) -> <Self as Mode>::Output<'a, T>
        where
            Self: Mode;

        /// `first`'s value passed through `f`, with no further round trip (for
        /// results that borrow from the caller, which a plan cannot hold).
        fn map_output<'a, A: Send + 'a, T: Send + 'a>(
            first: <Self as Mode>::Output<'a, A>,
            f: impl FnOnce(A) -> Result<T> + Send + 'a,
            token: Token,
        ) -> <Self as Mode>::Output<'a, T>
        where
            Self: Mode;
    }
}

use sealed::{Engine, Token};

/// How a structure's operations run: [`Blocking`] or [`Async`].
///
/// Sealed; you only ever name it through [`crate::sync`] and [`crate::future`].
/// A method documented as returning `M::Output<'_, T>` returns `Result<T>` in
/// [`Blocking`] mode (the [`crate::sync`] types) and a [`BoxFuture`] of
/// `Result<T>` in [`Async`] mode (the [`crate::future`] types).
///
/// # Example
///
/// ```
/// // `sync::RedisDict<K, V>` is `RedisDict<K, V, Json, Blocking>`:
/// fn takes_blocking(_: &pottery::RedisDict<String, i64, pottery::Json, pottery::Blocking>) {}
/// fn same(d: &pottery::sync::RedisDict<String, i64>) { takes_blocking(d) }
/// ```
pub trait Mode: Engine + Send + Sync + Sized + 'static {
    /// What a method returns: `Result<T>` ([`Blocking`]) or a [`BoxFuture`] of
    /// it ([`Async`]).
    type Output<'a, T: Send + 'a>;
    /// What iteration returns: an [`Iter`] ([`Blocking`]) or a [`BoxStream`]
    /// ([`Async`]) of `Result<T>`.
    type Iter<'a, T: Send + 'a>;
}

/// What structures call to run their operations in mode `M`: each is a plan
/// handed to the mode's runner.
pub(crate) trait ModeExt: Mode {
    /// Runs `plan` within `deadline`.
    fn plan<'a, T: Send + 'static>(plan: Plan<T>, deadline: Deadline) -> Self::Output<'a, T> {
        Self::drive(plan, deadline)
    }

    /// Runs a plan of several steps on `client` (and others), within the
    /// client's response timeout.
    fn run_plan<'a, T: Send + 'static>(client: &Client, plan: Plan<T>) -> Self::Output<'a, T> {
        Self::plan(plan, Deadline::after(client.response_timeout()))
    }

    /// Runs one operation on `client`, within the client's response timeout.
    fn run<'a, T: Send + 'static>(client: &'a Client, op: Result<Op<T>>) -> Self::Output<'a, T> {
        match op {
            Ok(op) => Self::op(client, op, Deadline::after(client.response_timeout())),
            Err(err) => Self::ready(Err(err)),
        }
    }

    /// [`run`](ModeExt::run) on an owned client.
    fn run_owned<T: Send + 'static>(client: Client, op: Result<Op<T>>) -> Self::Output<'static, T> {
        match op {
            Ok(op) => {
                let deadline = Deadline::after(client.response_timeout());
                Self::plan(Plan::op(client, op), deadline)
            }
            Err(err) => Self::ready(Err(err)),
        }
    }

    /// A result known without a round trip (an empty bulk operation, a bad argument).
    fn ready<'a, T: Send + 'a>(value: Result<T>) -> Self::Output<'a, T> {
        Self::ready_output(value, Token(()))
    }

    /// A paged read, as an iterator or a stream.
    fn iter<'a, T: Send + 'static>(client: &'a Client, pages: Pages<T>) -> Self::Iter<'a, T> {
        Self::pages(client, pages)
    }

    /// `first`'s value passed through `f`.
    fn map<'a, A: Send + 'a, T: Send + 'a>(
        first: Self::Output<'a, A>,
        f: impl FnOnce(A) -> Result<T> + Send + 'a,
    ) -> Self::Output<'a, T> {
        Self::map_output(first, f, Token(()))
    }

    /// Two operations, possibly on two clients, run concurrently, then combined
    /// (within the first client's response timeout).
    fn run_pair<'a, A: Send + 'static, B: Send + 'static, T: Send + 'static>(
        first: (&'a Client, Result<Op<A>>),
        second: (&'a Client, Result<Op<B>>),
        combine: impl FnOnce(A, B) -> Result<T> + Send + 'static,
    ) -> Self::Output<'a, T> {
        let ((client_a, a), (client_b, b)) = (first, second);
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(err), _) | (_, Err(err)) => return Self::ready(Err(err)),
        };
        let deadline = Deadline::after(client_a.response_timeout());
        let plan = Plan::pair((client_a.clone(), a), (client_b.clone(), b), |a, b| {
            Plan::Done(a.and_then(|a| combine(a, b?)))
        });
        Self::plan(plan, deadline)
    }
}

impl<M: Mode> ModeExt for M {}

/// Operations run on the calling thread and return [`Result`]s.
///
/// ```
/// let _: Option<pottery::Blocking> = None;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Blocking;

/// Operations return futures, run on the client's shared async connection.
///
/// ```
/// let _: Option<pottery::Async> = None;
/// ```
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
#[derive(Clone, Copy, Debug, Default)]
pub struct Async;

impl Mode for Blocking {
    type Output<'a, T: Send + 'a> = Result<T>;
    type Iter<'a, T: Send + 'a> = Iter<'a, T>;
}

impl Engine for Blocking {
    fn drive<'a, T: Send + 'static>(
        plan: Plan<T>,
        deadline: Deadline,
    ) -> <Self as Mode>::Output<'a, T>
    where
        Self: Mode,
    {
        plan::block(plan, deadline)
    }

    fn op<'a, T: Send + 'static>(
        client: &'a Client,
        op: Op<T>,
        deadline: Deadline,
    ) -> <Self as Mode>::Output<'a, T>
    where
        Self: Mode,
    {
        op.run_until(client, deadline)
    }

    fn pages<'a, T: Send + 'static>(client: &'a Client, pages: Pages<T>) -> Iter<'a, T> {
        Iter { client, pages }
    }

    fn ready_output<'a, T: Send + 'a>(value: Result<T>, _: Token) -> Result<T> {
        value
    }

    fn map_output<'a, A: Send + 'a, T: Send + 'a>(
        first: Result<A>,
        f: impl FnOnce(A) -> Result<T> + Send + 'a,
        _: Token,
    ) -> Result<T> {
        f(first?)
    }
}

#[cfg(feature = "async")]
impl Mode for Async {
    type Output<'a, T: Send + 'a> = BoxFuture<'a, T>;
    type Iter<'a, T: Send + 'a> = BoxStream<'a, T>;
}

#[cfg(feature = "async")]
impl Engine for Async {
    fn drive<'a, T: Send + 'static>(
        plan: Plan<T>,
        deadline: Deadline,
    ) -> <Self as Mode>::Output<'a, T>
    where
        Self: Mode,
    {
        Box::pin(plan::drive(plan, deadline))
    }

    fn op<'a, T: Send + 'static>(
        client: &'a Client,
        op: Op<T>,
        deadline: Deadline,
    ) -> <Self as Mode>::Output<'a, T>
    where
        Self: Mode,
    {
        Box::pin(op.run_async_until(client, deadline))
    }

    fn pages<'a, T: Send + 'static>(client: &'a Client, pages: Pages<T>) -> BoxStream<'a, T> {
        Box::pin(futures_util::stream::unfold(
            pages,
            move |mut pages| async move {
                loop {
                    if let Some(item) = pages.pop() {
                        return Some((item, pages));
                    }
                    let op = pages.next_op()?;
                    let deadline = Deadline::after(client.response_timeout());
                    let page = op.run_async_until(client, deadline).await;
                    if let Some(err) = pages.feed(page) {
                        return Some((Err(err), pages));
                    }
                }
            },
        ))
    }

    fn ready_output<'a, T: Send + 'a>(value: Result<T>, _: Token) -> BoxFuture<'a, T> {
        Box::pin(std::future::ready(value))
    }

    fn map_output<'a, A: Send + 'a, T: Send + 'a>(
        first: BoxFuture<'a, A>,
        f: impl FnOnce(A) -> Result<T> + Send + 'a,
        _: Token,
    ) -> BoxFuture<'a, T> {
        Box::pin(async move { f(first.await?) })
    }
}
