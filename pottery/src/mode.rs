//! Blocking or async: the one type parameter that picks the runner.
//!
//! Each structure is written once, generic over `M: Mode`; its methods build an
//! [`Op`] and hand it to `M`. [`Blocking`] runs it at once and returns a
//! [`Result`]; [`Async`] returns a future of that `Result`. The aliases in
//! [`crate::sync`] and [`crate::future`] fix `M` so that callers never name it.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_core::Stream;

use crate::client::Client;
use crate::error::Result;
use crate::op::Op;

/// A boxed, `Send` future of a [`Result`]: what async methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// A boxed, `Send` stream of [`Result`]s: what async iteration returns.
pub type BoxStream<'a, T> = Pin<Box<dyn Stream<Item = Result<T>> + Send + 'a>>;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Blocking {}
    impl Sealed for super::Async {}
}

/// How a structure's operations run: [`Blocking`] or [`Async`].
///
/// Sealed; you only ever name it through [`crate::sync`] and [`crate::future`].
///
/// # Example
///
/// ```
/// // `sync::RedisDict<K, V>` is `RedisDict<K, V, Json, Blocking>`:
/// fn takes_blocking(_: &pottery::RedisDict<String, i64, pottery::Json, pottery::Blocking>) {}
/// fn same(d: &pottery::sync::RedisDict<String, i64>) { takes_blocking(d) }
/// ```
pub trait Mode: sealed::Sealed + Send + Sync + Sized + 'static {
    /// What a method returns: `Result<T>` or a future of it.
    type Output<'a, T: Send + 'a>;
    /// What iteration returns: an `Iterator` or a `Stream` of `Result<T>`.
    type Iter<'a, T: Send + 'a>;

    #[doc(hidden)]
    fn run<'a, T: Send + 'a>(client: &'a Client, op: Result<Op<T>>) -> Self::Output<'a, T>;

    #[doc(hidden)]
    fn run_owned<T: Send + 'static>(client: Client, op: Result<Op<T>>) -> Self::Output<'static, T>;

    #[doc(hidden)]
    fn iter<'a, T: Send + 'a>(client: &'a Client, pages: Pages<T>) -> Self::Iter<'a, T>;

    /// A result known without a round trip (an empty bulk operation, a bad argument).
    #[doc(hidden)]
    fn ready<'a, T: Send + 'a>(value: Result<T>) -> Self::Output<'a, T>;

    /// Runs `first`, then what `next` decides from its result, on `client`.
    #[doc(hidden)]
    fn and_then<'a, A: Send + 'a, T: Send + 'a>(
        first: Self::Output<'a, A>,
        client: &'a Client,
        next: impl FnOnce(A) -> Result<Next<T>> + Send + 'a,
    ) -> Self::Output<'a, T> {
        Self::then(first, move |a| match next(a) {
            Ok(Next::Run(op)) => Self::run(client, Ok(op)),
            Ok(Next::Done(value)) => Self::ready(Ok(value)),
            Err(err) => Self::ready(Err(err)),
        })
    }

    /// Runs `first`, then the steps `next` builds from its result (any number of
    /// round trips, on any clients).
    #[doc(hidden)]
    fn then<'a, A: Send + 'a, T: Send + 'a>(
        first: Self::Output<'a, A>,
        next: impl FnOnce(A) -> Self::Output<'a, T> + Send + 'a,
    ) -> Self::Output<'a, T>;

    /// Operations on their own clients, run concurrently (threads in the blocking
    /// mode), each with its own result, in order.
    #[doc(hidden)]
    fn run_each<'a, T: Send + 'a>(ops: Vec<(Client, Op<T>)>) -> Self::Output<'a, Vec<Result<T>>>;

    /// Operations on their own clients, run concurrently, each allowed `timeout`:
    /// the results in order of arrival, where a request without an answer by the
    /// deadline yields a timeout error (and is abandoned: a blocking one finishes
    /// on its own thread, an async one is dropped). Stops waiting as soon as
    /// `enough(results so far)` holds; the requests still out are then abandoned
    /// and have no entry, so the result may be shorter than `ops`.
    #[doc(hidden)]
    fn run_each_within<'a, T: Send + 'static>(
        ops: Vec<(Client, Op<T>)>,
        timeout: Duration,
        enough: impl Fn(&[Result<T>]) -> bool + Send + 'a,
    ) -> Self::Output<'a, Vec<Result<T>>>;

    /// Every item of a paged read, collected (for a structure read whole before
    /// a write that needs it, such as algebra across cluster slots).
    #[doc(hidden)]
    fn collect<'a, T: Send + 'a>(client: Client, pages: Pages<T>) -> Self::Output<'a, Vec<T>>;

    /// Two operations, possibly on two clients, run concurrently, then combined.
    #[doc(hidden)]
    fn run_pair<'a, A: Send + 'a, B: Send + 'a, T: Send + 'a>(
        first: (&'a Client, Result<Op<A>>),
        second: (&'a Client, Result<Op<B>>),
        combine: impl FnOnce(A, B) -> Result<T> + Send + 'a,
    ) -> Self::Output<'a, T>;
}

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
#[derive(Clone, Copy, Debug, Default)]
pub struct Async;

impl Mode for Blocking {
    type Output<'a, T: Send + 'a> = Result<T>;
    type Iter<'a, T: Send + 'a> = Iter<'a, T>;

    fn run<'a, T: Send + 'a>(client: &'a Client, op: Result<Op<T>>) -> Result<T> {
        op?.run(client)
    }

    fn run_owned<T: Send + 'static>(client: Client, op: Result<Op<T>>) -> Result<T> {
        op?.run(&client)
    }

    fn iter<'a, T: Send + 'a>(client: &'a Client, pages: Pages<T>) -> Iter<'a, T> {
        Iter { client, pages }
    }

    fn ready<'a, T: Send + 'a>(value: Result<T>) -> Result<T> {
        value
    }

    fn then<'a, A: Send + 'a, T: Send + 'a>(
        first: Result<A>,
        next: impl FnOnce(A) -> Result<T> + Send + 'a,
    ) -> Result<T> {
        next(first?)
    }

    fn collect<'a, T: Send + 'a>(client: Client, pages: Pages<T>) -> Result<Vec<T>> {
        Blocking::iter(&client, pages).collect()
    }

    fn run_each<'a, T: Send + 'a>(ops: Vec<(Client, Op<T>)>) -> Result<Vec<Result<T>>> {
        if ops.len() < 2 {
            return Ok(ops
                .into_iter()
                .map(|(client, op)| op.run(&client))
                .collect());
        }
        Ok(std::thread::scope(|s| {
            let running: Vec<_> = ops
                .into_iter()
                .map(|(client, op)| s.spawn(move || op.run(&client)))
                .collect();
            running
                .into_iter()
                .map(|r| {
                    r.join()
                        .unwrap_or_else(|_| Err(crate::Error::config("a worker thread panicked")))
                })
                .collect()
        }))
    }

    fn run_each_within<'a, T: Send + 'static>(
        ops: Vec<(Client, Op<T>)>,
        timeout: Duration,
        enough: impl Fn(&[Result<T>]) -> bool + Send + 'a,
    ) -> Result<Vec<Result<T>>> {
        // One request to one server runs here, bounded by its socket's read
        // timeout: handing it to a worker thread would cost more than it waits.
        if let [(client, _)] = ops.as_slice()
            && !client.is_cluster()
        {
            let results = ops
                .into_iter()
                .map(|(client, op)| op.run_within(&client, Some(timeout)));
            return Ok(results.collect());
        }
        let deadline = Instant::now() + timeout;
        let (done, arrivals) = std::sync::mpsc::channel();
        let mut results = Vec::with_capacity(ops.len());
        // The keys of the requests still out, by index.
        let mut out: Vec<Option<std::sync::Arc<str>>> = Vec::with_capacity(ops.len());
        for (index, (client, op)) in ops.into_iter().enumerate() {
            let key = op.key_shared();
            let done = done.clone();
            // On the client's fan-out worker: requests to one server keep their
            // order, and one that misses the deadline is abandoned to the worker,
            // which gets past it within the client's response timeout.
            let job: crate::fanout::Job = Box::new(move |client| {
                // The receiver may be gone (deadline passed): nobody to tell.
                let _ = done.send((index, op.run(client)));
            });
            if client.submit(job) {
                out.push(Some(key));
            } else {
                out.push(None);
                results.push(Err(crate::Error::config(
                    "cannot start a thread for the requests to a server",
                )));
            }
        }
        drop(done);
        while out.iter().any(Option::is_some) && !enough(&results) {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            match arrivals.recv_timeout(left) {
                Ok((index, result)) => {
                    if let Some(slot) = out.get_mut(index) {
                        *slot = None;
                    }
                    results.push(result);
                }
                Err(_) => break,
            }
        }
        if !enough(&results) {
            let late = out.iter().flatten();
            results.extend(late.map(|key| Err(crate::Error::timed_out(Some(key)))));
        }
        Ok(results)
    }

    fn run_pair<'a, A: Send + 'a, B: Send + 'a, T: Send + 'a>(
        (client_a, a): (&'a Client, Result<Op<A>>),
        (client_b, b): (&'a Client, Result<Op<B>>),
        combine: impl FnOnce(A, B) -> Result<T> + Send + 'a,
    ) -> Result<T> {
        let (a, b) = (a?, b?);
        // Two different servers answer in parallel; one server gets the two in turn.
        let (a, b) = std::thread::scope(|s| {
            let first = s.spawn(|| a.run(client_a));
            let b = b.run(client_b);
            let a = first
                .join()
                .unwrap_or_else(|_| Err(crate::Error::config("a worker thread panicked")));
            (a, b)
        });
        combine(a?, b?)
    }
}

impl Mode for Async {
    type Output<'a, T: Send + 'a> = BoxFuture<'a, T>;
    type Iter<'a, T: Send + 'a> = BoxStream<'a, T>;

    fn run<'a, T: Send + 'a>(client: &'a Client, op: Result<Op<T>>) -> BoxFuture<'a, T> {
        Box::pin(async move { op?.run_async(client).await })
    }

    fn run_owned<T: Send + 'static>(client: Client, op: Result<Op<T>>) -> BoxFuture<'static, T> {
        Box::pin(async move { op?.run_async(&client).await })
    }

    fn iter<'a, T: Send + 'a>(client: &'a Client, pages: Pages<T>) -> BoxStream<'a, T> {
        Box::pin(futures_util::stream::unfold(
            pages,
            move |mut pages| async move {
                loop {
                    if let Some(item) = pages.buffered.pop_front() {
                        return Some((item, pages));
                    }
                    let op = pages.next_op()?;
                    let page = op.run_async(client).await;
                    if let Some(err) = pages.feed(page) {
                        return Some((Err(err), pages));
                    }
                }
            },
        ))
    }

    fn ready<'a, T: Send + 'a>(value: Result<T>) -> BoxFuture<'a, T> {
        Box::pin(std::future::ready(value))
    }

    fn then<'a, A: Send + 'a, T: Send + 'a>(
        first: BoxFuture<'a, A>,
        next: impl FnOnce(A) -> BoxFuture<'a, T> + Send + 'a,
    ) -> BoxFuture<'a, T> {
        Box::pin(async move { next(first.await?).await })
    }

    fn run_each<'a, T: Send + 'a>(ops: Vec<(Client, Op<T>)>) -> BoxFuture<'a, Vec<Result<T>>> {
        Box::pin(async move {
            let runs = ops
                .into_iter()
                .map(|(client, op)| async move { op.run_async(&client).await });
            Ok(futures_util::future::join_all(runs).await)
        })
    }

    fn run_each_within<'a, T: Send + 'static>(
        ops: Vec<(Client, Op<T>)>,
        timeout: Duration,
        enough: impl Fn(&[Result<T>]) -> bool + Send + 'a,
    ) -> BoxFuture<'a, Vec<Result<T>>> {
        Box::pin(async move {
            use futures_util::StreamExt;
            // One request waits here. Several run as tasks of their own: a request
            // still out once `enough` holds, or past its deadline, is not dropped
            // half-way (before its connection is even made, say) but finishes in
            // the background, as the blocking mode's worker finishes it.
            if ops.len() == 1 {
                let mut results = Vec::with_capacity(1);
                for (client, op) in ops {
                    let key = op.key_shared();
                    results.push(if client.is_cluster() {
                        match tokio::time::timeout(timeout, op.run_async(&client)).await {
                            Ok(result) => result,
                            Err(_) => Err(crate::Error::timed_out(Some(&key))),
                        }
                    } else {
                        op.run_async_within(&client, Some(timeout)).await
                    });
                }
                return Ok(results);
            }
            let mut running: futures_util::stream::FuturesUnordered<_> = ops
                .into_iter()
                .map(|(client, op)| {
                    let key = op.key_shared();
                    let task = tokio::spawn(async move { op.run_async(&client).await });
                    async move {
                        match tokio::time::timeout(timeout, task).await {
                            Ok(Ok(result)) => result,
                            Ok(Err(failed)) => Err(crate::Error::config(format!(
                                "a request task failed: {failed}"
                            ))),
                            Err(_) => Err(crate::Error::timed_out(Some(&key))),
                        }
                    }
                })
                .collect();
            let mut results = Vec::with_capacity(running.len());
            while !enough(&results) {
                let Some(result) = running.next().await else {
                    break;
                };
                results.push(result);
            }
            Ok(results)
        })
    }

    fn collect<'a, T: Send + 'a>(client: Client, pages: Pages<T>) -> BoxFuture<'a, Vec<T>> {
        Box::pin(async move {
            use futures_util::StreamExt;
            let mut items = Vec::new();
            let mut stream = Async::iter(&client, pages);
            while let Some(item) = stream.next().await {
                items.push(item?);
            }
            Ok(items)
        })
    }

    fn run_pair<'a, A: Send + 'a, B: Send + 'a, T: Send + 'a>(
        (client_a, a): (&'a Client, Result<Op<A>>),
        (client_b, b): (&'a Client, Result<Op<B>>),
        combine: impl FnOnce(A, B) -> Result<T> + Send + 'a,
    ) -> BoxFuture<'a, T> {
        Box::pin(async move {
            let (a, b) = (a?, b?);
            let (a, b) =
                futures_util::future::join(a.run_async(client_a), b.run_async(client_b)).await;
            combine(a?, b?)
        })
    }
}

/// What comes after a first step: one more operation, or the result at once.
#[doc(hidden)]
pub enum Next<T> {
    /// Run this operation.
    Run(Op<T>),
    /// The result, known without a round trip.
    Done(T),
}

/// The reply to one page of a cursor scan: the next cursor and the decoded items.
pub(crate) type Page<T> = (u64, Vec<Result<T>>);

/// A cursor scan (HSCAN, SSCAN, ...) or ranged read, one page per round trip.
///
/// Holds at most one page in memory, so iterating a huge structure stays bounded.
#[doc(hidden)]
pub struct Pages<T> {
    page_op: Box<dyn FnMut(u64) -> Op<Page<T>> + Send>,
    cursor: Option<u64>,
    buffered: VecDeque<Result<T>>,
}

impl<T> Pages<T> {
    /// Starts a scan whose page for `cursor` is read by `page_op(cursor)`.
    pub(crate) fn new(page_op: impl FnMut(u64) -> Op<Page<T>> + Send + 'static) -> Self {
        Pages {
            page_op: Box::new(page_op),
            cursor: Some(0),
            buffered: VecDeque::new(),
        }
    }

    /// The request for the next page, or `None` when the scan is over.
    fn next_op(&mut self) -> Option<Op<Page<T>>> {
        self.cursor.map(&mut self.page_op)
    }

    /// Takes in a page; an error ends the scan and is handed back to be yielded.
    fn feed(&mut self, page: Result<Page<T>>) -> Option<crate::Error> {
        match page {
            Ok((cursor, items)) => {
                self.cursor = (cursor != 0).then_some(cursor);
                self.buffered.extend(items);
                None
            }
            Err(err) => {
                self.cursor = None;
                Some(err)
            }
        }
    }
}

/// A blocking iterator over a structure, one page per round trip.
///
/// Each item is a `Result`: an entry that does not decode is an `Err` and the
/// iteration goes on; a failed round trip is an `Err` and ends it.
///
/// ```no_run
/// # fn demo(dict: &pottery::sync::RedisDict<String, i64>) -> pottery::Result<()> {
/// for entry in dict.iter() {
///     let (name, number) = entry?;
///     println!("{name}: {number}");
/// }
/// # Ok(()) }
/// ```
pub struct Iter<'a, T> {
    client: &'a Client,
    pages: Pages<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.pages.buffered.pop_front() {
                return Some(item);
            }
            let op = self.pages.next_op()?;
            if let Some(err) = self.pages.feed(op.run(self.client)) {
                return Some(Err(err));
            }
        }
    }
}

impl<T> std::fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iter")
            .field("cursor", &self.pages.cursor)
            .field("buffered", &self.pages.buffered.len())
            .finish()
    }
}
