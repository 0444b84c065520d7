//! Redlock's flows, each written once as a [`Plan`] that both modes run: an
//! acquire (attempts with random pauses until its wait ends), an attempt (a
//! quorum fan-out, the fencing round of a successful one, the release of a
//! failed one), extend, release,
//! locked, and the watchdog's renewal. The decisions are `logic.rs`'s; the
//! per-master operations are here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::handoff::{self, Waiting};
use super::logic::{self, Decision, Renewal, Tally};
use super::replicas::{self, Grant};
use super::{Hold, Shared};
use crate::client::Client;
use crate::decode;
use crate::engine::{Deadline, Op, Plan, Request, Signal};
use crate::error::{Error, Result};
use crate::lua::{self, Lua};

/// An acquire that waits up to `wait` (`None`: as long as it takes): the plan
/// and the call's deadline, the wait plus one last attempt (fan-out, fencing
/// round and release, three request timeouts). At least one attempt is made, the last one
/// at the end of the wait; `Duration::ZERO` is a single attempt.
pub(super) fn acquire(
    shared: &Arc<Shared>,
    wait: Option<Duration>,
) -> (Plan<Option<Hold>>, Deadline) {
    let Some(wait) = wait else {
        return (retry(Arc::clone(shared), Deadline::NONE), Deadline::NONE);
    };
    let deadline = Deadline::after(wait.saturating_add(shared.attempt_rounds()));
    (retry(Arc::clone(shared), Deadline::after(wait)), deadline)
}

/// Attempts until one acquires or `until` has passed. After the first failed
/// attempt (never before: an uncontended acquire pays nothing for it) the
/// acquire waits for its lock's release message, or a random pause in
/// `[0, retry_delay)` at most (see `handoff.rs`), between two attempts.
fn retry(shared: Arc<Shared>, until: Deadline) -> Plan<Option<Hold>> {
    attempt(&shared).and_then(move |hold| {
        if hold.is_some() {
            return Plan::done(hold);
        }
        let waiting = Waiting::join(&shared);
        let signal = waiting.armed();
        wait(shared, until, waiting, signal)
    })
}

/// The pause after a failed attempt, then the next attempt (its signal armed
/// before it, so that a release during it cuts the next pause short).
fn wait(
    shared: Arc<Shared>,
    until: Deadline,
    waiting: Waiting,
    signal: Arc<Signal>,
) -> Plan<Option<Hold>> {
    let random = uuid::Uuid::new_v4().as_u64_pair().0;
    let delay = logic::retry_delay(shared.retry_delay, random);
    let Some(pause) = logic::pause(until.remaining(), delay) else {
        return Plan::done(None);
    };
    Plan::wait(signal, pause, move || {
        let signal = waiting.armed();
        attempt(&shared).and_then(move |hold| match hold {
            Some(hold) => Plan::done(Some(hold)),
            None => wait(shared, until, waiting, signal),
        })
    })
}

/// One acquire attempt with a fresh token: the hold if a quorum took it in
/// time (with [replica acknowledgement](super::RedlockBuilder::wait_for_replicas),
/// counting only masters whose replicas acknowledged) and a quorum of the
/// counted masters stores its fencing token; otherwise whatever was taken is
/// released first.
fn attempt(shared: &Arc<Shared>) -> Plan<Option<Hold>> {
    let token: Arc<str> = uuid::Uuid::new_v4().to_string().into();
    let start = Instant::now();
    let n = shared.n();
    let ops = shared.indexed(|| acquire_op(shared, &token));
    let enough = move |answers: &[Result<Grant>]| Tally::of(answers, Grant::counts).decided(n);
    let (request_timeout, wait) = (shared.request_timeout, shared.replicas);
    let shared = Arc::clone(shared);
    let next = move |answers: Vec<Result<Grant>>| {
        let tally = Tally::of(&answers, Grant::counts);
        let short = answers.iter().flatten().filter(|g| g.short).count();
        let decision = logic::acquire_decision(
            &tally,
            n,
            shared.auto_release,
            start.elapsed(),
            shared.raise_on_redis_errors,
        );
        let outcome = match decision {
            Decision::Acquired(_) => {
                let grants: Vec<Grant> = answers
                    .into_iter()
                    .flatten()
                    .filter(Grant::counts)
                    .collect();
                return store_fence(shared, token, start, &grants);
            }
            // Granted by a quorum, but not acknowledged by enough replicas.
            _ if short > 0 && tally.yes + short >= logic::quorum(n) => {
                let (acked, granted) = (tally.yes, tally.yes + short);
                match shared.replicas {
                    Some(r) if shared.raise_on_redis_errors => Err(Error::not_replicated(
                        &shared.key,
                        acked,
                        granted,
                        r.count,
                        r.timeout,
                    )),
                    _ => Ok(None),
                }
            }
            Decision::NotAcquired => Ok(None),
            Decision::Impossible => Err(shared.impossible(tally.failed, answers)),
        };
        // A master whose replicas fell short holds our token: release it too.
        if !logic::must_release(&tally, n) && short == 0 {
            return Plan::Done(outcome);
        }
        give_up(&shared, &token, outcome)
    };
    match wait {
        None => Plan::fan_out(ops, request_timeout, enough, next),
        Some(r) => {
            // Redis may end a timed-out WAIT up to 1/hz (100 ms) late.
            let per_request = request_timeout
                .saturating_add(r.timeout)
                .saturating_add(replicas::LATE);
            Plan::fan_out_blocking(ops, per_request, r.timeout, enough, next)
        }
    }
}

/// Errors of this clean-up change nothing: the attempt failed already.
fn give_up<T: Send + 'static>(shared: &Shared, token: &str, outcome: Result<T>) -> Plan<T> {
    release_all(shared, token).then(move |_| Plan::Done(outcome))
}

/// The second round of a successful attempt (see `fencing.md`): the token `T`
/// is the greatest counter the granting masters returned; every granting
/// master whose counter is below `T` raises it to `T` (even when a quorum has
/// it already: a master restarted empty catches up), and the hold is ours
/// once a quorum of granting masters has `T` and time is left. No round trip
/// when every granting master returned `T` (always with one master, and
/// without contention or restarts).
fn store_fence(
    shared: Arc<Shared>,
    token: Arc<str>,
    start: Instant,
    grants: &[Grant],
) -> Plan<Option<Hold>> {
    let n = shared.n();
    let counters: Vec<(usize, u64)> = grants.iter().map(|g| (g.index, g.counter)).collect();
    let fence = logic::fence(&counters);
    let replicas = replicas::least_acked(grants);
    let have = grants.iter().filter(|g| g.counter == fence).count();
    let behind: Vec<usize> = grants
        .iter()
        .filter(|g| g.counter > 0 && g.counter < fence)
        .map(|g| g.index)
        .collect();
    let finish = move |stored: usize, shared: Arc<Shared>, failed: Vec<Result<bool>>| {
        let valid = logic::validity(shared.auto_release, shared.auto_release, start.elapsed());
        match valid {
            Some(valid) if stored >= logic::quorum(n) => {
                let valid_until = logic::later(start, valid);
                Plan::done(Some(Hold {
                    token,
                    valid_until,
                    fence,
                    replicas,
                }))
            }
            _ => {
                let failures = failed.iter().filter(|r| r.is_err()).count();
                // Short of a quorum because masters failed: as an attempt's failures.
                let short = stored < logic::quorum(n);
                let outcome = if shared.raise_on_redis_errors && short && failures > 0 {
                    Err(shared.impossible(failures, failed))
                } else {
                    Ok(None)
                };
                give_up(&shared, &token, outcome)
            }
        }
    };
    if behind.is_empty() {
        return finish(have, shared, Vec::new());
    }
    let ops = behind
        .iter()
        .filter_map(|&i| shared.masters.get(i))
        .map(|m| (m.clone(), fence_op(&shared, fence)))
        .collect();
    // Every granting master's answer is awaited (each within the request
    // timeout): a token stored on more masters survives more restarts.
    Plan::fan_out(
        ops,
        shared.request_timeout,
        |_| false,
        move |answers| {
            let stored = have + answers.iter().filter(|r| r.is_ok()).count();
            finish(stored, shared, answers)
        },
    )
}

/// The release script on every master, each answer awaited (up to the
/// request timeout); a deletion publishes the wake-up of the lock's waiters.
fn release_all(shared: &Shared, token: &str) -> Plan<Vec<Result<bool>>> {
    let channel = handoff::channel(&shared.key);
    let ops = shared
        .masters
        .iter()
        .map(|m| {
            (
                m.clone(),
                release_op(&shared.key, token, &channel, m.is_cluster()),
            )
        })
        .collect();
    Plan::fan_out(ops, shared.request_timeout, |_| false, Plan::done)
}

/// Releases the hold of `token` (deadline: one request timeout).
pub(super) fn release(shared: &Arc<Shared>, token: &str) -> Plan<()> {
    let shared_ = Arc::clone(shared);
    release_all(shared, token).and_then(move |answers| {
        Plan::Done(shared_.conclude(answers, Error::release_unlocked_lock))
    })
}

/// Resets the hold of `token` to the full auto-release time: until when it is
/// now valid (deadline: one request timeout).
pub(super) fn extend(shared: &Arc<Shared>, token: &str) -> Plan<Instant> {
    let start = Instant::now();
    let n = shared.n();
    let ops = shared.each(|| extend_op(&shared.key, token, shared.auto_release_ms));
    let enough = move |answers: &[Result<bool>]| Tally::of(answers, |&done| done).decided(n);
    let shared = Arc::clone(shared);
    Plan::fan_out(ops, shared.request_timeout, enough, move |answers| {
        let auto = shared.auto_release;
        let valid = logic::validity(auto, auto, start.elapsed()).unwrap_or_default();
        Plan::Done(
            shared
                .conclude(answers, Error::extend_unlocked_lock)
                .map(|()| logic::later(start, valid)),
        )
    })
}

/// How much longer the hold of `token` is valid; zero when it is not held
/// (deadline: one request timeout).
pub(super) fn locked(shared: &Arc<Shared>, token: &str) -> Plan<Duration> {
    let start = Instant::now();
    let n = shared.n();
    let ops = shared.each(|| locked_op(&shared.key, token));
    let enough = move |answers: &[Result<u64>]| Tally::of(answers, |&ttl| ttl > 0).decided(n);
    let shared = Arc::clone(shared);
    Plan::fan_out(ops, shared.request_timeout, enough, move |answers| {
        let tally = Tally::of(&answers, |&ttl| ttl > 0);
        if !tally.has_quorum(n) && shared.raise_on_redis_errors && tally.impossible(n) {
            return Plan::fail(shared.impossible(tally.failed, answers));
        }
        let ttls: Vec<u64> = answers
            .iter()
            .filter_map(|a| a.as_ref().ok().copied())
            .collect();
        let auto = shared.auto_release;
        Plan::done(logic::locked_validity(&ttls, n, auto, start.elapsed()))
    })
}

/// One watchdog renewal: the extend script on every master, decided by
/// [`logic::renewal`]; errors count as [`Renewal::Failed`].
///
/// Unlike `extend`, it waits for every master's answer (each still bounded by
/// the request timeout) rather than stopping at a quorum: nobody waits on a
/// renewal, and an async request abandoned at the quorum might never reach its
/// master, whose copy of the hold would then expire, leaving the hold on a bare
/// quorum that one more failed master loses.
pub(super) fn renew(shared: &Arc<Shared>, token: &str) -> Plan<Renewal> {
    let start = Instant::now();
    let n = shared.n();
    let ops = shared.each(|| extend_op(&shared.key, token, shared.auto_release_ms));
    let auto = shared.auto_release;
    Plan::fan_out(
        ops,
        shared.request_timeout,
        |_| false,
        move |answers| {
            let tally = Tally::of(&answers, |&done| done);
            Plan::done(logic::renewal(&tally, n, auto, start.elapsed()))
        },
    )
}

impl Shared {
    /// One operation per master, built by `op`.
    fn each<T>(&self, op: impl Fn() -> Op<T>) -> Vec<(Client, Op<T>)> {
        self.masters.iter().map(|m| (m.clone(), op())).collect()
    }

    /// One operation per master, built by `op` from the master's index.
    pub(super) fn indexed<T, F: Fn(usize) -> Op<T>>(
        &self,
        op: impl FnOnce() -> F,
    ) -> Vec<(Client, Op<T>)> {
        let op = op();
        self.masters
            .iter()
            .enumerate()
            .map(|(i, m)| (m.clone(), op(i)))
            .collect()
    }

    pub(super) fn n(&self) -> usize {
        self.masters.len()
    }

    /// An attempt's worst case: its fan-out (and `WAIT`), the fence's round,
    /// then perhaps a release.
    pub(super) fn attempt_rounds(&self) -> Duration {
        let wait = self
            .replicas
            .map_or(Duration::ZERO, |r| r.timeout.saturating_add(replicas::LATE));
        self.request_timeout.saturating_mul(3).saturating_add(wait)
    }

    pub(super) fn not_achieved(&self) -> Error {
        Error::quorum_not_achieved(&self.key, self.n())
    }

    /// The `QuorumIsImpossible` error, with the first failure as its cause.
    pub(super) fn impossible<T>(&self, failed: usize, answers: Vec<Result<T>>) -> Error {
        let err = Error::quorum_is_impossible(&self.key, failed, self.n());
        match answers.into_iter().find_map(Result::err) {
            Some(cause) => err.caused_by(cause),
            None => err,
        }
    }

    /// The outcome of an extend or release: a quorum, or the error.
    fn conclude(&self, answers: Vec<Result<bool>>, unlocked: fn(&str) -> Error) -> Result<()> {
        let tally = Tally::of(&answers, |&done| done);
        if tally.has_quorum(self.n()) {
            Ok(())
        } else if self.raise_on_redis_errors && tally.impossible(self.n()) {
            Err(self.impossible(tally.failed, answers))
        } else {
            Err(unlocked(&self.key))
        }
    }
}

/// `SET key token NX PX ms`, then `INCR` of the fence counter on success, in
/// one script (the new counter, 0 when the key is held), followed by `WAIT`
/// when the lock asks for replica acknowledgement (`replicas.rs`).
fn acquire_op(shared: &Shared, token: &str) -> impl Fn(usize) -> Op<Grant> {
    let key = Arc::clone(&shared.key);
    let fence_key = Arc::clone(&shared.fence_key);
    let replicas = shared.replicas;
    let args = [
        token.as_bytes().to_vec(),
        shared.auto_release_ms.to_string().into_bytes(),
    ];
    move |index| {
        let keys: [&[u8]; 2] = [key.as_bytes(), fence_key.as_bytes()];
        let request = replicas::acquire_request(replicas, keys, &args);
        replicas::acquire_op(&key, replicas, request, index)
    }
}

/// Raises the fence counter to `fence` unless it is higher already.
fn fence_op(shared: &Shared, fence: u64) -> Op<bool> {
    let args = [fence.to_string().into_bytes()];
    let request = Request::script(
        &lua::nextid::SET_IF_GREATER,
        &[shared.fence_key.as_bytes()],
        &args,
    );
    Op::new(Arc::clone(&shared.key), "string", request, |key, reply| {
        decode::int(key, "EVALSHA", reply).map(|n| n != 0)
    })
}

/// One of the three token-checking scripts; its integer reply read by `read`.
fn script_op<T: 'static>(
    script: &'static Lua,
    key: &Arc<str>,
    args: &[&[u8]],
    read: fn(i64) -> T,
) -> Op<T> {
    let args: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
    let request = Request::script(script, &[key.as_bytes()], &args);
    Op::new(Arc::clone(key), "string", request, move |key, reply| {
        decode::int(key, "EVALSHA", reply).map(read)
    })
}

fn release_op(key: &Arc<str>, token: &str, channel: &str, sharded: bool) -> Op<bool> {
    let sharded: &[u8] = if sharded { b"1" } else { b"0" };
    let args: [&[u8]; 3] = [token.as_bytes(), channel.as_bytes(), sharded];
    script_op(&lua::redlock::RELEASE, key, &args, |n| n != 0)
}

fn extend_op(key: &Arc<str>, token: &str, ms: u64) -> Op<bool> {
    let ms = ms.to_string();
    let args: [&[u8]; 2] = [token.as_bytes(), ms.as_bytes()];
    script_op(&lua::redlock::EXTEND, key, &args, |n| n != 0)
}

fn locked_op(key: &Arc<str>, token: &str) -> Op<u64> {
    script_op(&lua::redlock::LOCKED, key, &[token.as_bytes()], |ms| {
        u64::try_from(ms).unwrap_or(0)
    })
}
