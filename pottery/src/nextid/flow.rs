//! The flows of a [`NextId`](super::NextId), written once as plans both modes
//! run: one ID (rounds of read, then propose, over every master) and a reset,
//! and the operations they send to each master.

use std::sync::Arc;

use redis::Value;

use super::Shared;
use super::logic::{self, Outcome, Tally};
use crate::client::Client;
use crate::decode;
use crate::engine::{Deadline, Mode, ModeExt, Op, Plan, Request};
use crate::error::{Error, Result};
use crate::lua;

/// `GET nextid:<key>`: the stored ID, 0 when missing.
fn get_op(key: &Arc<str>) -> Op<u64> {
    let mut cmd = redis::cmd("GET");
    cmd.arg(&**key);
    Op::new(
        Arc::clone(key),
        "string",
        cmd,
        |key, reply| match decode::bytes(key, reply)? {
            None => Ok(0),
            Some(raw) => logic::parse_id(&raw).ok_or_else(|| {
                Error::decode(key, &raw, "the stored ID is not a non-negative integer")
            }),
        },
    )
}

/// The set-if-greater script: whether this master stored `id`.
fn propose_op(key: &Arc<str>, id: u64) -> Op<bool> {
    let args = [id.to_string().into_bytes()];
    let request = Request::script(&lua::nextid::SET_IF_GREATER, &[key.as_bytes()], &args);
    Op::new(Arc::clone(key), "string", request, |key, reply| {
        decode::int(key, "EVALSHA", reply).map(|n| n != 0)
    })
}

/// `DEL nextid:<key>`.
fn del_op(key: &Arc<str>) -> Op<()> {
    let mut cmd = redis::cmd("DEL");
    cmd.arg(&**key);
    Op::new(Arc::clone(key), "string", cmd, |key, reply| match reply {
        Value::Int(_) => Ok(()),
        other => Err(Error::unexpected_reply(key, "DEL", other)),
    })
}

/// One ID, in at most `num_tries` rounds, each within two request timeouts
/// (a read and a proposal): the whole call's deadline. `Duration::MAX` (or a
/// product past it) is no limit.
pub(super) fn next_id<M: Mode>(shared: &Arc<Shared>) -> M::Output<'static, u64> {
    M::plan(next_plan(shared, shared.num_tries), next_deadline(shared))
}

/// When a call of `next` must be over: two request timeouts a round, and
/// the longest pauses between the rounds.
fn next_deadline(shared: &Shared) -> Deadline {
    let rounds = shared.num_tries.max(1);
    Deadline::after(
        shared
            .request_timeout
            .saturating_mul(rounds)
            .saturating_mul(2)
            .saturating_add(logic::backoff_budget(rounds)),
    )
}

/// A reset: `DEL` on every master, a quorum must answer, within one request
/// timeout.
pub(super) fn reset<M: Mode>(shared: &Arc<Shared>) -> M::Output<'static, ()> {
    let shared = Arc::clone(shared);
    let n = shared.n();
    let ops = shared.each(|| del_op(&shared.key));
    let deadline = Deadline::after(shared.request_timeout);
    let enough = move |answers: &[Result<()>]| Tally::of(answers, |()| true).decided(n);
    let timeout = shared.request_timeout;
    let plan = Plan::fan_out(ops, timeout, enough, move |answers| {
        Plan::Done(match logic::reset_outcome(&answers, n) {
            Outcome::Done(()) => Ok(()),
            Outcome::Impossible if shared.raise_on_redis_errors => Err(shared.impossible(answers)),
            Outcome::Impossible | Outcome::Contended => Err(shared.not_achieved(answers)),
        })
    });
    M::plan(plan, deadline)
}

/// One ID, in at most `tries` rounds of read then propose.
fn next_plan(shared: &Arc<Shared>, tries: u32) -> Plan<u64> {
    let n = shared.n();
    let reads = shared.each(|| get_op(&shared.key));
    let timeout = shared.request_timeout;
    let enough = move |answers: &[Result<u64>]| Tally::of(answers, |_| true).decided(n);
    let shared = Arc::clone(shared);
    Plan::fan_out(reads, timeout, enough, move |answers| {
        let current = match logic::read_outcome(&answers, n) {
            Outcome::Done(current) => current,
            other => {
                let impossible = matches!(other, Outcome::Impossible);
                return shared.lost(impossible, answers, tries);
            }
        };
        let Some(id) = current.checked_add(1) else {
            return Plan::fail(Error::config(format!(
                "the ID sequence at {} is exhausted",
                shared.key
            )));
        };
        let proposals = shared.each(|| propose_op(&shared.key, id));
        let enough = move |answers: &[Result<bool>]| Tally::of(answers, |&set| set).decided(n);
        Plan::fan_out(
            proposals,
            timeout,
            enough,
            move |answers| match logic::propose_outcome(&answers, n, id) {
                Outcome::Done(id) => Plan::done(id),
                other => {
                    let impossible = matches!(other, Outcome::Impossible);
                    shared.lost(impossible, answers, tries)
                }
            },
        )
    })
}

impl Shared {
    /// One operation per master, built by `op`.
    fn each<T>(&self, op: impl Fn() -> Op<T>) -> Vec<(Client, Op<T>)> {
        self.masters.iter().map(|m| (m.clone(), op())).collect()
    }

    fn n(&self) -> usize {
        self.masters.len()
    }

    /// After a round without a quorum: fail at once when too many masters
    /// failed (`impossible`, and the caller wants to know), else try again
    /// after a random pause while tries are left: without the pause, clients
    /// that collided read and propose again in lockstep and collide again.
    fn lost<T>(
        self: &Arc<Self>,
        impossible: bool,
        answers: Vec<Result<T>>,
        tries: u32,
    ) -> Plan<u64> {
        if impossible && self.raise_on_redis_errors {
            return Plan::fail(self.impossible(answers));
        }
        let round = self.num_tries.saturating_sub(tries).saturating_add(1);
        let random = uuid::Uuid::new_v4().as_u64_pair().0;
        match logic::retry_after(round, self.num_tries, random) {
            Some(pause) => {
                let shared = Arc::clone(self);
                Plan::sleep(pause, move || next_plan(&shared, tries - 1))
            }
            None => Plan::fail(self.not_achieved(answers)),
        }
    }

    /// The `QuorumNotAchieved` error, with the first failure (if any) as its cause.
    fn not_achieved<T>(&self, answers: Vec<Result<T>>) -> Error {
        with_cause(Error::quorum_not_achieved(&self.key, self.n()), answers)
    }

    /// The `QuorumIsImpossible` error, with the first failure as its cause.
    fn impossible<T>(&self, answers: Vec<Result<T>>) -> Error {
        let failed = answers.iter().filter(|a| a.is_err()).count();
        let err = Error::quorum_is_impossible(&self.key, failed, self.n());
        with_cause(err, answers)
    }
}

fn with_cause<T>(err: Error, answers: Vec<Result<T>>) -> Error {
    match answers.into_iter().find_map(Result::err) {
        Some(cause) => err.caused_by(cause),
        None => err,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn shared(num_tries: u32, request_timeout: Duration) -> Shared {
        Shared {
            key: "nextid:t".into(),
            masters: Vec::new(),
            num_tries,
            request_timeout,
            raise_on_redis_errors: true,
        }
    }

    #[test]
    fn the_deadline_is_two_request_timeouts_a_round_and_the_pauses() {
        let left = next_deadline(&shared(3, Duration::from_millis(100)))
            .remaining()
            .unwrap_or_default();
        // 3 rounds of 2 × 100 ms, and pauses of at most 2 and 4 ms between them.
        assert!(left <= Duration::from_millis(606) && left > Duration::from_millis(596));
        // Huge settings are no limit, and never overflow.
        assert_eq!(
            next_deadline(&shared(u32::MAX, Duration::MAX)),
            Deadline::NONE
        );
        assert_eq!(
            next_deadline(&shared(u32::MAX, Duration::from_secs(u64::MAX / 4))),
            Deadline::NONE
        );
    }
}
