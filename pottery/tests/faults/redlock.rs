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

/// Runs `f` on a thread of its own and waits for it at most `limit`: a call
/// that keeps waiting (the defect) fails the test instead of hanging it.
fn bounded<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    match result.recv_timeout(limit) {
        Ok(value) => value,
        Err(_) => panic!("{what} still waiting after {limit:?}"),
    }
}

pub(super) fn test_acquire_with_one_held_and_two_stalled_fails_at_its_deadline_in_both_modes(
    ctx: &Ctx,
) {
    with_one_held_two_stalled(|masters| {
        let wait = Duration::from_millis(300);
        let watchdog = 5 * (wait + 2 * REQUEST);
        let impossible = format!("{:?}", ErrorKind::QuorumIsImpossible);

        let blocking = lock::<pottery::Blocking>(masters.clone());
        let started = Instant::now();
        let acquired = bounded("blocking acquire()", watchdog, move || {
            let acquired = outcome(blocking.acquire().map(Some));
            let timed = outcome(blocking.acquire_timeout(wait));
            (acquired, timed)
        });
        within(
            "blocking acquire + acquire_timeout",
            started,
            wait + 4 * REQUEST,
        );
        assert_eq!(acquired.0, impossible, "blocking acquire()");
        assert_eq!(acquired.1, impossible, "blocking acquire_timeout()");

        let async_ = lock::<pottery::Async>(masters);
        let started = Instant::now();
        let acquired = ctx.block_on(async {
            let acquired = tokio::time::timeout(watchdog, async_.acquire()).await;
            let acquired = acquired.expect("async acquire() still waiting");
            let timed = tokio::time::timeout(watchdog, async_.acquire_timeout(wait)).await;
            let timed = timed.expect("async acquire_timeout() still waiting");
            (outcome(acquired.map(Some)), outcome(timed))
        });
        within(
            "async acquire + acquire_timeout",
            started,
            wait + 4 * REQUEST,
        );
        assert_eq!(acquired.0, impossible, "async acquire()");
        assert_eq!(acquired.1, impossible, "async acquire_timeout()");
    });
}
