//! The fault proxy does what each fault says, and forwards again once cleared.

use std::time::{Duration, Instant};

use pottery_testkit::{Fault, Proxy, Server};

const WAIT: Duration = Duration::from_millis(300);

/// A PING on a fresh connection through the proxy, read within [`WAIT`]:
/// its reply (or error) and how long it took.
fn ping(proxy: &Proxy) -> (Result<String, String>, Duration) {
    let started = Instant::now();
    let reply = redis::Client::open(proxy.url())
        .and_then(|c| c.get_connection_with_timeout(WAIT))
        .and_then(|mut con| {
            con.set_read_timeout(Some(WAIT))?;
            redis::cmd("PING").query::<String>(&mut con)
        })
        .map_err(|e| e.to_string());
    (reply, started.elapsed())
}

#[test]
fn each_fault_and_its_end() {
    let server = Server::start();
    let proxy = Proxy::start(&server);
    assert_eq!(ping(&proxy).0, Ok("PONG".to_owned()));

    for fault in [Fault::Drop, Fault::BlackHole, Fault::Delay(2 * WAIT)] {
        proxy.set(fault);
        let (reply, took) = ping(&proxy);
        assert!(reply.is_err(), "{fault:?}: {reply:?}");
        assert!(
            took >= WAIT,
            "{fault:?}: failed after {took:?}, not by timing out"
        );
        proxy.clear();
        assert_eq!(ping(&proxy).0, Ok("PONG".to_owned()), "after {fault:?}");
    }
    for fault in [Fault::Reset, Fault::Truncate(2)] {
        proxy.set(fault);
        let (reply, took) = ping(&proxy);
        assert!(reply.is_err(), "{fault:?}: {reply:?}");
        assert!(took < WAIT, "{fault:?}: took {took:?}, should fail at once");
        proxy.clear();
        assert_eq!(ping(&proxy).0, Ok("PONG".to_owned()), "after {fault:?}");
    }

    // A delay shorter than the wait holds the reply that long.
    proxy.set(Fault::Delay(WAIT / 2));
    let (reply, took) = ping(&proxy);
    assert_eq!(reply, Ok("PONG".to_owned()));
    assert!(took >= WAIT / 2, "delayed by {took:?}");
}
