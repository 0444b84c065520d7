//! Redlock with one master holding someone else's lock and the two others
//! stalled (SIGSTOP): no quorum is possible, and both modes must say so from
//! the same answers, within the attempt's deadline (issue 11: the async form
//! returned `Ok(None)`, "held elsewhere", and `acquire()` kept waiting).

use std::time::{Duration, Instant};

use pottery::{Client, ErrorKind, Mode, Redlock};
use pottery_testkit::Server;

use crate::support::{Ctx, raw};

const REQUEST: Duration = Duration::from_millis(200);

/// Three masters: the first holds `redlock:printer` for another token, the
/// other two are frozen while `check` runs.
fn with_one_held_two_stalled(check: impl FnOnce(Vec<Client>)) {
    let servers = [Server::start(), Server::start(), Server::start()];
    let [held, a, b] = &servers;
    raw(
        &held.url(),
        &["SET", "redlock:printer", "someone-else", "PX", "60000"],
    );
    let clients = servers
        .iter()
        .map(|s| {
            Client::builder(&s.url())
                .response_timeout(Duration::from_secs(5))
                .build()
                .unwrap()
        })
        .collect();
    a.freeze();
    b.freeze();
    check(clients);
    a.thaw();
    b.thaw();
}

fn lock<M: Mode>(masters: Vec<Client>) -> Redlock<M> {
    Redlock::<M>::builder("printer")
        .masters(masters)
        .request_timeout(REQUEST)
        .build()
        .unwrap()
}

/// What an attempt came to, as a comparable string, and how long it took.
fn outcome<T>(result: pottery::Result<Option<T>>) -> String {
    match result {
        Ok(Some(_)) => "acquired".to_owned(),
        Ok(None) => "held elsewhere".to_owned(),
        Err(err) => format!("{:?}", err.kind()),
    }
}

fn within(what: &str, started: Instant, limit: Duration) {
    let took = started.elapsed();
    let bound = limit + limit / 10;
    println!("faults: {what}: {took:?} (deadline {limit:?})");
    assert!(took <= bound, "{what} took {took:?}, more than {bound:?}");
}

pub(super) fn test_try_acquire_with_one_held_and_two_stalled_is_quorum_impossible_in_both_modes(
    ctx: &Ctx,
) {
    with_one_held_two_stalled(|masters| {
        let started = Instant::now();
        let blocking = outcome(lock::<pottery::Blocking>(masters.clone()).try_acquire());
        within("blocking try_acquire", started, 2 * REQUEST);
        let started = Instant::now();
        let lock = lock::<pottery::Async>(masters);
        let async_ = outcome(ctx.block_on(lock.try_acquire()));
        within("async try_acquire", started, 2 * REQUEST);
        let impossible = format!("{:?}", ErrorKind::QuorumIsImpossible);
        assert_eq!(blocking, impossible, "blocking try_acquire");
        assert_eq!(async_, blocking, "async try_acquire decided otherwise");
    });
}

pub(super) fn test_acquire_with_one_held_and_two_stalled_fails_at_its_deadline_in_both_modes(
    ctx: &Ctx,
) {
    with_one_held_two_stalled(|masters| {
        let wait = Duration::from_millis(300);
        for (mode, result) in [
            ("blocking", {
                let lock = lock::<pottery::Blocking>(masters.clone());
                let started = Instant::now();
                let r = lock.acquire().map(Some);
                within("blocking acquire", started, 2 * REQUEST);
                let started = Instant::now();
                let t = lock.acquire_timeout(wait);
                within("blocking acquire_timeout", started, wait + 2 * REQUEST);
                (outcome(r), outcome(t))
            }),
            ("async", {
                let lock = lock::<pottery::Async>(masters.clone());
                let started = Instant::now();
                let r = ctx.block_on(lock.acquire()).map(Some);
                within("async acquire", started, 2 * REQUEST);
                let started = Instant::now();
                let t = ctx.block_on(lock.acquire_timeout(wait));
                within("async acquire_timeout", started, wait + 2 * REQUEST);
                (outcome(r), outcome(t))
            }),
        ] {
            let impossible = format!("{:?}", ErrorKind::QuorumIsImpossible);
            assert_eq!(result.0, impossible, "{mode} acquire()");
            assert_eq!(result.1, impossible, "{mode} acquire_timeout()");
        }
    });
}
