//! Redlock's flows, each written once as a [`Plan`] that both modes run: an
//! acquire (attempts with random pauses until its wait ends), an attempt (a
//! quorum fan-out, then the release of a failed attempt), extend, release,
//! locked, and the watchdog's renewal. The decisions are `logic.rs`'s; the
//! per-master operations are here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::Value;

use super::logic::{self, Decision, Renewal, Tally};
use super::{Hold, Shared};
use crate::client::Client;
use crate::decode;
use crate::engine::{Deadline, Op, Plan, Request};
use crate::error::{Error, Result};
use crate::lua::{self, Lua};

/// An acquire that waits up to `wait` (`None`: as long as it takes): the plan
/// and the call's deadline, the wait plus one last attempt (fan-out and
/// release, two request timeouts). At least one attempt is made, the last one
/// at the end of the wait; `Duration::ZERO` is a single attempt.
pub(super) fn acquire(
    shared: &Arc<Shared>,
    wait: Option<Duration>,
) -> (Plan<Option<Hold>>, Deadline) {
    let Some(wait) = wait else {
        return (retry(Arc::clone(shared), Deadline::NONE), Deadline::NONE);
    };
    let deadline = Deadline::after(wait.saturating_add(shared.two_rounds()));
    (retry(Arc::clone(shared), Deadline::after(wait)), deadline)
}

/// Attempts until one acquires or `until` has passed, a random pause between two.
fn retry(shared: Arc<Shared>, until: Deadline) -> Plan<Option<Hold>> {
    attempt(&shared).and_then(move |hold| {
        if hold.is_some() {
            return Plan::done(hold);
        }
        let random = uuid::Uuid::new_v4().as_u64_pair().0;
        let delay = logic::retry_delay(shared.retry_delay, random);
        match logic::pause(until.remaining(), delay) {
            None => Plan::done(None),
            Some(pause) => Plan::sleep(pause, move || retry(shared, until)),
        }
    })
}

/// One acquire attempt with a fresh token: the hold if a quorum took it in
/// time; otherwise whatever was taken is released first.
fn attempt(shared: &Arc<Shared>) -> Plan<Option<Hold>> {
    let token: Arc<str> = uuid::Uuid::new_v4().to_string().into();
    let start = Instant::now();
    let n = shared.n();
    let ops = shared.each(|| acquire_op(&shared.key, &token, shared.auto_release_ms));
    let enough = move |answers: &[Result<bool>]| Tally::of(answers, |&taken| taken).decided(n);
    let shared = Arc::clone(shared);
    Plan::fan_out(ops, shared.request_timeout, enough, move |answers| {
        let tally = Tally::of(&answers, |&taken| taken);
        let decision = logic::acquire_decision(
            &tally,
            n,
            shared.auto_release,
            start.elapsed(),
            shared.raise_on_redis_errors,
        );
        let outcome = match decision {
            Decision::Acquired(valid) => {
                let valid_until = logic::later(start, valid);
                return Plan::done(Some(Hold { token, valid_until }));
            }
            Decision::NotAcquired => Ok(None),
            Decision::Impossible => Err(shared.impossible(tally.failed, answers)),
        };
        if !logic::must_release(&tally, n) {
            return Plan::Done(outcome);
        }
        // Errors of this clean-up change nothing: the attempt failed already.
        release_all(&shared, &token).then(move |_| Plan::Done(outcome))
    })
}

/// The release script on every master, each answer awaited (up to the request timeout).
fn release_all(shared: &Shared, token: &str) -> Plan<Vec<Result<bool>>> {
    let ops = shared.each(|| release_op(&shared.key, token));
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

    pub(super) fn n(&self) -> usize {
        self.masters.len()
    }

    /// An attempt's worst case: its fan-out, then perhaps a release.
    pub(super) fn two_rounds(&self) -> Duration {
        self.request_timeout.saturating_mul(2)
    }

    pub(super) fn not_achieved(&self) -> Error {
        Error::quorum_not_achieved(&self.key, self.n())
    }

    /// The `QuorumIsImpossible` error, with the first failure as its cause.
    fn impossible<T>(&self, failed: usize, answers: Vec<Result<T>>) -> Error {
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

/// `SET key token NX PX ms`: whether this master took our hold.
fn acquire_op(key: &Arc<str>, token: &str, ms: u64) -> Op<bool> {
    let mut cmd = redis::cmd("SET");
    cmd.arg(&**key).arg(token).arg("NX").arg("PX").arg(ms);
    Op::new(Arc::clone(key), "string", cmd, |key, reply| match reply {
        Value::Okay => Ok(true),
        Value::SimpleString(s) if s == "OK" => Ok(true),
        Value::Nil => Ok(false),
        other => Err(Error::unexpected_reply(key, "SET", other)),
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

fn release_op(key: &Arc<str>, token: &str) -> Op<bool> {
    script_op(&lua::redlock::RELEASE, key, &[token.as_bytes()], |n| n != 0)
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
