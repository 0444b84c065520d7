//! A flow written once: a plan of steps that both modes interpret.
//!
//! Every multi-step flow of the crate — a read then a write, a quorum fan-out
//! with per-request deadlines, a retry loop with sleeps, polling — is a
//! [`Plan`]: either its result, or a step that talks to Redis and decides from
//! the reply what comes next, or a pause before the rest (a plain sleep, or a
//! wait that a [`Signal`] cuts short: a Redlock waiter woken by a release).
//! The decisions are plain closures over replies, so they are written once;
//! the blocking runner ([`block`]) executes a step on the calling thread and
//! sleeps with `thread::sleep` (waits with the signal's blocking wait), the
//! async runner ([`drive`]) awaits it and sleeps with Tokio's timer (awaits
//! the signal's listener). Nothing else differs, so no flow has a blocking and
//! an async copy.
//!
//! We chose plain values over a trait with two implementations per flow (what
//! moka does) or a hidden runtime (reqwest's blocking client): a plan is data,
//! a unit test can walk it, and the runners are the only code that blocks or
//! awaits. Steps are boxed: one allocation per round trip, far below its cost.

use std::sync::Arc;
use std::time::Duration;
#[cfg(feature = "async")]
use std::{future::Future, pin::Pin};

use crate::client::{Client, timed};
use crate::engine::fan_out;
use crate::engine::{Deadline, Op, Pages, Signal};
use crate::error::{Error, Result};

/// The future of a step: the plan that follows it.
#[cfg(feature = "async")]
pub(crate) type StepFuture<T> = Pin<Box<dyn Future<Output = Plan<T>> + Send>>;

/// What decides the rest of a plan from a step's outcome.
type Cont<A, T> = Box<dyn FnOnce(A) -> Plan<T> + Send>;

/// A flow: its result, a step to take, or a pause.
pub enum Plan<T> {
    /// The outcome, known.
    Done(Result<T>),
    /// A step that talks to Redis; it yields the rest of the plan.
    Step(Box<dyn Step<T>>),
    /// Wait this long (never past the call's deadline), then go on.
    Sleep(Duration, Box<dyn FnOnce() -> Plan<T> + Send>),
    /// Wait until the signal fires, or this long at most (never past the
    /// call's deadline), then go on: a sleep that a wake-up cuts short.
    Wait(Arc<Signal>, Duration, Box<dyn FnOnce() -> Plan<T> + Send>),
}

/// A step, run by either runner within the call's deadline.
pub trait Step<T>: Send {
    /// Runs the step on the calling thread.
    fn block(self: Box<Self>, deadline: Deadline) -> Plan<T>;
    /// Runs the step as a future.
    #[cfg(feature = "async")]
    fn future(self: Box<Self>, deadline: Deadline) -> StepFuture<T>;
}

/// Runs `plan` on the calling thread.
pub(crate) fn block<T>(mut plan: Plan<T>, deadline: Deadline) -> Result<T> {
    loop {
        plan = match plan {
            Plan::Done(result) => return result,
            Plan::Step(step) => step.block(deadline),
            Plan::Sleep(pause, next) => {
                std::thread::sleep(deadline.cap(pause));
                next()
            }
            Plan::Wait(signal, pause, next) => {
                signal.block_wait(deadline.cap(pause));
                next()
            }
        };
    }
}

/// Runs `plan` as a future.
#[cfg(feature = "async")]
pub(crate) async fn drive<T>(mut plan: Plan<T>, deadline: Deadline) -> Result<T> {
    loop {
        plan = match plan {
            Plan::Done(result) => return result,
            Plan::Step(step) => step.future(deadline).await,
            Plan::Sleep(pause, next) => {
                tokio::time::sleep(deadline.cap(pause)).await;
                next()
            }
            Plan::Wait(signal, pause, next) => {
                signal.wait(deadline.cap(pause)).await;
                next()
            }
        };
    }
}

impl<T: Send + 'static> Plan<T> {
    /// The value, with no round trip.
    pub(crate) fn done(value: T) -> Self {
        Plan::Done(Ok(value))
    }

    /// The error, with no round trip.
    pub(crate) fn fail(err: Error) -> Self {
        Plan::Done(Err(err))
    }

    /// `op` on `client`: its result is the plan's.
    pub(crate) fn op(client: Client, op: Op<T>) -> Self {
        Plan::Step(Box::new(Last { client, op }))
    }

    /// `op` on `client`, then what `next` makes of its result (an error included).
    pub(crate) fn run<A: Send + 'static>(
        client: Client,
        op: Op<A>,
        next: impl FnOnce(Result<A>) -> Plan<T> + Send + 'static,
    ) -> Self {
        let next: Cont<Result<A>, T> = Box::new(next);
        Plan::Step(Box::new(Run { client, op, next }))
    }

    /// Waits `pause` (cut short by the deadline), then goes on with `next`.
    pub(crate) fn sleep(pause: Duration, next: impl FnOnce() -> Plan<T> + Send + 'static) -> Self {
        Plan::Sleep(pause, Box::new(next))
    }

    /// Waits until `signal` fires or `pause` has passed (cut short by the
    /// deadline), then goes on with `next`.
    pub(crate) fn wait(
        signal: Arc<Signal>,
        pause: Duration,
        next: impl FnOnce() -> Plan<T> + Send + 'static,
    ) -> Self {
        Plan::Wait(signal, pause, Box::new(next))
    }

    /// Operations on their own clients, concurrently, each allowed
    /// `per_request` (and never past the call's deadline); `next` gets the
    /// results in order of arrival, a timeout error for each request without an
    /// answer in time. Stops waiting once `enough(results so far)` holds: the
    /// requests still out finish in the background and have no entry.
    pub(crate) fn fan_out<A: Send + 'static>(
        ops: Vec<(Client, Op<A>)>,
        per_request: Duration,
        enough: impl Fn(&[Result<A>]) -> bool + Send + Sync + 'static,
        next: impl FnOnce(Vec<Result<A>>) -> Plan<T> + Send + 'static,
    ) -> Self {
        Plan::Step(Box::new(FanOut {
            ops,
            per_request,
            blocks: None,
            enough: Box::new(enough),
            next: Box::new(next),
        }))
    }

    /// [`fan_out`](Self::fan_out) of requests that may block on their servers
    /// for up to `blocks` (`WAIT`), so on pooled blocking connections of their
    /// own in both modes, as [`dedicated`](Self::dedicated): the async runner
    /// runs the fan-out on Tokio's blocking pool rather than hold up the
    /// shared multiplexed connection behind a blocked command.
    pub(crate) fn fan_out_blocking<A: Send + 'static>(
        ops: Vec<(Client, Op<A>)>,
        per_request: Duration,
        blocks: Duration,
        enough: impl Fn(&[Result<A>]) -> bool + Send + Sync + 'static,
        next: impl FnOnce(Vec<Result<A>>) -> Plan<T> + Send + 'static,
    ) -> Self {
        Plan::Step(Box::new(FanOut {
            ops,
            per_request,
            blocks: Some(blocks),
            enough: Box::new(enough),
            next: Box::new(next),
        }))
    }

    /// Operations on their own clients, concurrently, all awaited (within the
    /// call's deadline); `next` gets their results in order.
    pub(crate) fn each<A: Send + 'static>(
        ops: Vec<(Client, Op<A>)>,
        next: impl FnOnce(Vec<Result<A>>) -> Plan<T> + Send + 'static,
    ) -> Self {
        Plan::Step(Box::new(Each {
            ops,
            next: Box::new(next),
        }))
    }

    /// Two operations, possibly of different types and on two clients, run
    /// concurrently; `next` gets both results.
    pub(crate) fn pair<A: Send + 'static, B: Send + 'static>(
        first: (Client, Op<A>),
        second: (Client, Op<B>),
        next: impl FnOnce(Result<A>, Result<B>) -> Plan<T> + Send + 'static,
    ) -> Self {
        Plan::Step(Box::new(Pair {
            first,
            second,
            next: Box::new(next),
        }))
    }

    /// This plan, then what `next` makes of its outcome.
    pub(crate) fn then<U: Send + 'static>(
        self,
        next: impl FnOnce(Result<T>) -> Plan<U> + Send + 'static,
    ) -> Plan<U> {
        self.then_boxed(Box::new(next))
    }

    fn then_boxed<U: Send + 'static>(self, next: Cont<Result<T>, U>) -> Plan<U> {
        match self {
            Plan::Done(result) => next(result),
            Plan::Step(first) => Plan::Step(Box::new(Then { first, next })),
            Plan::Sleep(pause, rest) => Plan::sleep(pause, move || rest().then_boxed(next)),
            Plan::Wait(signal, pause, rest) => {
                Plan::wait(signal, pause, move || rest().then_boxed(next))
            }
        }
    }

    /// This plan, then `next` on its value; an error ends the plan.
    pub(crate) fn and_then<U: Send + 'static>(
        self,
        next: impl FnOnce(T) -> Plan<U> + Send + 'static,
    ) -> Plan<U> {
        self.then(move |result| match result {
            Ok(value) => next(value),
            Err(err) => Plan::fail(err),
        })
    }

    /// This plan, its value passed through `f`.
    pub(crate) fn map<U: Send + 'static>(
        self,
        f: impl FnOnce(T) -> Result<U> + Send + 'static,
    ) -> Plan<U> {
        self.then(move |result| Plan::Done(result.and_then(f)))
    }
}

impl<T: Send + 'static> Plan<Vec<T>> {
    /// Every item of a paged read, collected (an item that does not decode, or
    /// a failed page, ends it with that error).
    pub(crate) fn collect(client: Client, pages: Pages<T>) -> Self {
        collect_from(client, pages, Vec::new())
    }
}

fn collect_from<T: Send + 'static>(
    client: Client,
    mut pages: Pages<T>,
    mut items: Vec<T>,
) -> Plan<Vec<T>> {
    for item in pages.drain() {
        match item {
            Ok(item) => items.push(item),
            Err(err) => return Plan::fail(err),
        }
    }
    let Some(op) = pages.next_op() else {
        return Plan::done(items);
    };
    Plan::run(client.clone(), op, move |page| match pages.feed(page) {
        Some(err) => Plan::fail(err),
        None => collect_from(client, pages, items),
    })
}

/// What comes after a first step: one more operation, or the result at once.
pub(crate) enum Next<T> {
    /// Run this operation.
    Run(Op<T>),
    /// The result, known without a round trip.
    Done(T),
}

impl<T: Send + 'static> Next<T> {
    /// The rest of a plan: the operation on `client`, or the value.
    pub(crate) fn on(self, client: Client) -> Plan<T> {
        match self {
            Next::Run(op) => Plan::op(client, op),
            Next::Done(value) => Plan::done(value),
        }
    }
}

/// An operation whose result ends the plan.
struct Last<T> {
    client: Client,
    op: Op<T>,
}

impl<T: Send + 'static> Step<T> for Last<T> {
    fn block(self: Box<Self>, deadline: Deadline) -> Plan<T> {
        Plan::Done(self.op.run_until(&self.client, deadline))
    }

    #[cfg(feature = "async")]
    fn future(self: Box<Self>, deadline: Deadline) -> StepFuture<T> {
        Box::pin(async move { Plan::Done(self.op.run_async_until(&self.client, deadline).await) })
    }
}

/// An operation, then the rest.
struct Run<A, T> {
    client: Client,
    op: Op<A>,
    next: Cont<Result<A>, T>,
}

impl<A: Send + 'static, T: Send + 'static> Step<T> for Run<A, T> {
    fn block(self: Box<Self>, deadline: Deadline) -> Plan<T> {
        (self.next)(self.op.run_until(&self.client, deadline))
    }

    #[cfg(feature = "async")]
    fn future(self: Box<Self>, deadline: Deadline) -> StepFuture<T> {
        Box::pin(async move {
            let result = self.op.run_async_until(&self.client, deadline).await;
            (self.next)(result)
        })
    }
}

/// A step, then the rest (see [`Plan::then`]).
struct Then<A, T> {
    first: Box<dyn Step<A>>,
    next: Cont<Result<A>, T>,
}

impl<A: Send + 'static, T: Send + 'static> Step<T> for Then<A, T> {
    fn block(self: Box<Self>, deadline: Deadline) -> Plan<T> {
        self.first.block(deadline).then_boxed(self.next)
    }

    #[cfg(feature = "async")]
    fn future(self: Box<Self>, deadline: Deadline) -> StepFuture<T> {
        Box::pin(async move { self.first.future(deadline).await.then_boxed(self.next) })
    }
}

/// A quorum fan-out (see [`Plan::fan_out`]).
struct FanOut<A, T> {
    ops: Vec<(Client, Op<A>)>,
    per_request: Duration,
    /// `Some`: requests that block on the server this long, on blocking
    /// connections in both modes (see [`Plan::fan_out_blocking`]).
    blocks: Option<Duration>,
    enough: fan_out::Enough<A>,
    next: Cont<Vec<Result<A>>, T>,
}

impl<A: Send + 'static, T: Send + 'static> Step<T> for FanOut<A, T> {
    fn block(self: Box<Self>, deadline: Deadline) -> Plan<T> {
        let timeout = deadline.cap(self.per_request);
        let blocks = self.blocks.unwrap_or_default();
        (self.next)(fan_out::block(self.ops, timeout, blocks, self.enough))
    }

    #[cfg(feature = "async")]
    fn future(self: Box<Self>, deadline: Deadline) -> StepFuture<T> {
        let timeout = deadline.cap(self.per_request);
        Box::pin(async move {
            let results = match self.blocks {
                None => fan_out::future(self.ops, timeout, self.enough).await,
                Some(blocks) => {
                    fan_out::on_blocking_pool(self.ops, timeout, blocks, self.enough).await
                }
            };
            (self.next)(results)
        })
    }
}

/// Concurrent operations, all awaited (see [`Plan::each`]).
struct Each<A, T> {
    ops: Vec<(Client, Op<A>)>,
    next: Cont<Vec<Result<A>>, T>,
}

impl<A: Send + 'static, T: Send + 'static> Step<T> for Each<A, T> {
    fn block(self: Box<Self>, deadline: Deadline) -> Plan<T> {
        (self.next)(fan_out::block_each(self.ops, deadline))
    }

    #[cfg(feature = "async")]
    fn future(self: Box<Self>, deadline: Deadline) -> StepFuture<T> {
        Box::pin(async move {
            let runs = self
                .ops
                .into_iter()
                .map(|(client, op)| async move { op.run_async_until(&client, deadline).await });
            (self.next)(futures_util::future::join_all(runs).await)
        })
    }
}

/// What decides the rest of a plan from two outcomes.
type Cont2<A, B, T> = Box<dyn FnOnce(Result<A>, Result<B>) -> Plan<T> + Send>;

/// Two concurrent operations (see [`Plan::pair`]).
struct Pair<A, B, T> {
    first: (Client, Op<A>),
    second: (Client, Op<B>),
    next: Cont2<A, B, T>,
}

impl<A: Send + 'static, B: Send + 'static, T: Send + 'static> Step<T> for Pair<A, B, T> {
    fn block(self: Box<Self>, deadline: Deadline) -> Plan<T> {
        let ((client_a, a), (client_b, b)) = (self.first, self.second);
        // Two servers answer in parallel; one server gets the two in turn.
        let key_a = a.key_shared();
        let (a, b) = std::thread::scope(|s| {
            let carry = crate::trace::Carry::current();
            let first = s.spawn(|| carry.run(|| a.run_until(&client_a, deadline)));
            let b = b.run_until(&client_b, deadline);
            let a = first
                .join()
                .unwrap_or_else(|_| Err(Error::config("a worker thread panicked").or_key(&key_a)));
            (a, b)
        });
        (self.next)(a, b)
    }

    #[cfg(feature = "async")]
    fn future(self: Box<Self>, deadline: Deadline) -> StepFuture<T> {
        Box::pin(async move {
            let ((client_a, a), (client_b, b)) = (self.first, self.second);
            let (a, b) = futures_util::future::join(
                a.run_async_until(&client_a, deadline),
                b.run_async_until(&client_b, deadline),
            )
            .await;
            (self.next)(a, b)
        })
    }
}

impl<T: Send + 'static> Plan<T> {
    /// `op` on a pooled blocking connection of its own, then what `next` makes
    /// of its result: for a command that blocks on the server (`XREAD BLOCK`).
    /// The async runner runs it on Tokio's blocking pool, because a blocked
    /// command on the shared multiplexed connection would hold up every other
    /// request of the client. With `limit`, we stop waiting for it then (the
    /// server ends a blocked command up to `1/hz` late) and `next` gets `None`;
    /// the request, abandoned to its thread, ends on its own and its connection
    /// goes back to the pool. The server may hold `op` for up to `blocks`
    /// before it answers: its read gets that plus the response timeout.
    pub(crate) fn dedicated<A: Send + 'static>(
        client: Client,
        op: Op<A>,
        blocks: Duration,
        limit: Option<Duration>,
        next: impl FnOnce(Option<Result<A>>) -> Plan<T> + Send + 'static,
    ) -> Self {
        let next: Cont<Option<Result<A>>, T> = Box::new(next);
        Plan::Step(Box::new(Dedicated {
            client,
            op,
            blocks,
            limit,
            next,
        }))
    }
}

/// An operation on a connection of its own (see [`Plan::dedicated`]).
struct Dedicated<A, T> {
    client: Client,
    op: Op<A>,
    blocks: Duration,
    limit: Option<Duration>,
    next: Cont<Option<Result<A>>, T>,
}

impl<A: Send + 'static, T: Send + 'static> Step<T> for Dedicated<A, T> {
    fn block(self: Box<Self>, deadline: Deadline) -> Plan<T> {
        let (op, client, blocks) = (self.op, self.client, self.blocks);
        let run = move || timed::blocking_for(blocks, || op.run_until(&client, deadline));
        let Some(limit) = self.limit.map(|limit| deadline.cap(limit)) else {
            return (self.next)(Some(run()));
        };
        let (done, ended) = std::sync::mpsc::sync_channel(1);
        let carry = crate::trace::Carry::current();
        let spawned = std::thread::Builder::new().spawn(move || {
            // The receiver may be gone (the limit passed): nobody to tell.
            let _ = done.send(carry.run(run));
        });
        if spawned.is_err() {
            return (self.next)(Some(Err(Error::config(
                "cannot start a thread for a blocked request",
            ))));
        }
        match ended.recv_timeout(limit) {
            Ok(result) => (self.next)(Some(result)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => (self.next)(None),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                (self.next)(Some(Err(Error::config("a worker thread panicked"))))
            }
        }
    }

    #[cfg(feature = "async")]
    fn future(self: Box<Self>, deadline: Deadline) -> StepFuture<T> {
        Box::pin(async move {
            let (op, client, blocks) = (self.op, self.client, self.blocks);
            let carry = crate::trace::Carry::current();
            let waiting = tokio::task::spawn_blocking(move || {
                carry.run(|| timed::blocking_for(blocks, || op.run_until(&client, deadline)))
            });
            let ended = match self.limit.map(|limit| deadline.cap(limit)) {
                None => waiting.await,
                Some(limit) => match tokio::time::timeout(limit, waiting).await {
                    Ok(ended) => ended,
                    Err(_) => return (self.next)(None),
                },
            };
            let result = ended.unwrap_or_else(|failed| {
                Err(Error::config(format!("a request task failed: {failed}")))
            });
            (self.next)(Some(result))
        })
    }
}
