//! How each mode sends requests to several servers at once: the blocking one
//! through each client's fan-out worker thread, the async one as tasks. The
//! decisions about the answers (is it a quorum yet?) are the plan's, not these.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::engine::{Deadline, Op};
use crate::error::{Error, Result};

/// Whether the answers so far are enough to stop waiting.
pub(crate) type Enough<A> = Box<dyn Fn(&[Result<A>]) -> bool + Send + Sync>;

/// The requests, each on its client's worker, allowed `timeout`: the results in
/// order of arrival (see [`Plan::fan_out`](crate::engine::Plan::fan_out)).
/// Each may block on its server for up to `blocks` (`WAIT`; zero: none), which
/// its connection's read allows for (see `client::timed::blocking_for`).
pub(crate) fn block<A: Send + 'static>(
    ops: Vec<(Client, Op<A>)>,
    timeout: Duration,
    blocks: Duration,
    enough: Enough<A>,
) -> Vec<Result<A>> {
    let deadline = Deadline::after(timeout);
    let run = move |op: Op<A>, client: &Client| {
        crate::client::timed::blocking_for(blocks, || op.run_until(client, deadline))
    };
    // One request to one server runs here, bounded by its deadline: handing it
    // to a worker thread would cost more than it waits.
    if let [(client, _)] = ops.as_slice()
        && !client.is_cluster()
    {
        return ops
            .into_iter()
            .map(|(client, op)| run(op, &client))
            .collect();
    }
    let started = Instant::now();
    let (done, arrivals) = std::sync::mpsc::channel();
    let mut results = Vec::with_capacity(ops.len());
    // The keys of the requests still out, by index, and whether they may write.
    let mut out: Vec<Option<(Arc<str>, bool)>> = Vec::with_capacity(ops.len());
    for (index, (client, op)) in ops.into_iter().enumerate() {
        let key = op.key_shared();
        let may_write = op.may_write();
        let done = done.clone();
        // On the client's fan-out worker: requests to one server keep their
        // order, and one that misses the deadline is abandoned to the worker,
        // which gets past it within its own deadline.
        let carry = crate::trace::Carry::current();
        let job: crate::client::fanout::Job = Box::new(move |client| {
            // The receiver may be gone (deadline passed): nobody to tell.
            let _ = done.send((index, carry.run(|| run(op, client))));
        });
        if client.submit(job) {
            out.push(Some((key, may_write)));
        } else {
            out.push(None);
            let err = Error::config("cannot start a thread for the requests to a server");
            results.push(Err(err.or_key(&key)));
        }
    }
    drop(done);
    while out.iter().any(Option::is_some) && !enough(&results) {
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            break;
        }
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
        // Handed to the worker, so possibly sent: a late write's outcome is unknown.
        results.extend(late.map(|(key, write)| Err(Error::no_reply(key, *write))));
    }
    results
}

/// The requests as tasks, allowed `timeout`: the results in order of arrival.
#[cfg(feature = "async")]
pub(crate) async fn future<A: Send + 'static>(
    ops: Vec<(Client, Op<A>)>,
    timeout: Duration,
    enough: Enough<A>,
) -> Vec<Result<A>> {
    use futures_util::StreamExt;
    let deadline = Deadline::after(timeout);
    // One request waits here. Several run as tasks of their own: a request
    // still out once `enough` holds, or past its deadline, is not dropped
    // half-way (before its connection is even made, say) but finishes in the
    // background, as the blocking mode's worker finishes it.
    if ops.len() == 1 {
        let mut results = Vec::with_capacity(1);
        for (client, op) in ops {
            results.push(op.run_async_until(&client, deadline).await);
        }
        return results;
    }
    let mut running: futures_util::stream::FuturesUnordered<_> = ops
        .into_iter()
        .map(|(client, op)| {
            let key = op.key_shared();
            let may_write = op.may_write();
            let task = tokio::spawn(async move { op.run_async_until(&client, deadline).await });
            async move {
                match tokio::time::timeout(timeout, task).await {
                    Ok(Ok(result)) => result,
                    Ok(Err(failed)) => {
                        let err = Error::config(format!("a request task failed: {failed}"));
                        Err(err.or_key(&key))
                    }
                    Err(_) => Err(Error::no_reply(&key, may_write)),
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
    results
}

/// [`block`] on Tokio's blocking pool, for requests that block on their
/// servers (`WAIT`): a blocked command on the shared multiplexed connection
/// would hold up every other request of the client.
#[cfg(feature = "async")]
pub(crate) async fn on_blocking_pool<A: Send + 'static>(
    ops: Vec<(Client, Op<A>)>,
    timeout: Duration,
    blocks: Duration,
    enough: Enough<A>,
) -> Vec<Result<A>> {
    let keys: Vec<Arc<str>> = ops.iter().map(|(_, op)| op.key_shared()).collect();
    let carry = crate::trace::Carry::current();
    let blocked =
        tokio::task::spawn_blocking(move || carry.run(|| block(ops, timeout, blocks, enough)));
    blocked.await.unwrap_or_else(|failed| {
        let why = format!("a request task failed: {failed}");
        let fail = |key: &Arc<str>| Err(Error::config(why.clone()).or_key(key));
        keys.iter().map(fail).collect()
    })
}

/// The requests on threads of their own (one runs here), all awaited: the
/// results in order.
pub(crate) fn block_each<A: Send + 'static>(
    ops: Vec<(Client, Op<A>)>,
    deadline: Deadline,
) -> Vec<Result<A>> {
    if ops.len() < 2 {
        return ops
            .into_iter()
            .map(|(client, op)| op.run_until(&client, deadline))
            .collect();
    }
    std::thread::scope(|s| {
        let running: Vec<_> = ops
            .into_iter()
            .map(|(client, op)| {
                let key = op.key_shared();
                let carry = crate::trace::Carry::current();
                (
                    key,
                    s.spawn(move || carry.run(|| op.run_until(&client, deadline))),
                )
            })
            .collect();
        running
            .into_iter()
            .map(|(key, r)| {
                r.join()
                    .unwrap_or_else(|_| Err(Error::config("a worker thread panicked").or_key(&key)))
            })
            .collect()
    })
}
