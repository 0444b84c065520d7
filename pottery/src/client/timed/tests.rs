//! Unit tests of `timed` (no Redis).

#![allow(clippy::expect_used)]

use super::*;

fn settings(url: &str) -> redis::RedisConnectionInfo {
    url.into_connection_info()
        .expect("a valid URL")
        .redis_settings()
        .clone()
}

#[test]
fn a_new_connection_shares_what_is_left_among_its_handshake_replies() {
    let five = Some(Duration::from_secs(5));
    let share = |url: &str, left_ms: u64| {
        within(Deadline::after(Duration::from_millis(left_ms)), || {
            connect_within(five, &settings(url)).expect("time left")
        })
    };
    // CLIENT SETINFO twice; then AUTH; then SELECT.
    let plain = share("redis://h/0", 320).expect("a limit");
    assert!(
        plain <= Duration::from_millis(150) && plain > Duration::from_millis(140),
        "{plain:?}"
    );
    let all = share("redis://:pw@h/3", 400).expect("a limit");
    assert!(all <= Duration::from_millis(94) && all > Duration::from_millis(85));
    // Without CLIENT SETINFO, the TCP connect alone.
    let skip = without_setinfo(&redis::Client::open("redis://h/0").expect("a valid URL"));
    let alone = within(Deadline::after(Duration::from_millis(320)), || {
        connect_within(five, skip.get_connection_info().redis_settings())
    });
    assert!(alone.is_ok_and(|limit| limit > Some(Duration::from_millis(280))));
    // The connect timeout when it is shorter; no limit without a deadline.
    assert_eq!(share("redis://h/0", 60_000), five);
    assert_eq!(
        connect_within(None, &settings("redis://h/0")).ok(),
        Some(None)
    );
    let past = within(Deadline::at(Instant::now()), || {
        connect_within(five, &settings("redis://h/0"))
    });
    assert!(past.is_err_and(|err| is_not_sent(&err) && err.is_timeout()));
}

#[test]
fn deadlines_nest_and_are_put_back() {
    let outer = Deadline::after(Duration::from_secs(1));
    within(outer, || {
        within(Deadline::NONE, || assert_eq!(current(), Deadline::NONE));
        assert_eq!(current(), outer);
    });
    assert_eq!(current(), Deadline::NONE);
}

#[test]
fn not_sent_is_recognised() {
    assert!(is_not_sent(&not_sent()) && not_sent().is_timeout());
    let other: RedisError = std::io::Error::from(std::io::ErrorKind::TimedOut).into();
    assert!(!is_not_sent(&other) && other.is_timeout());
}

#[test]
fn socket_timeouts_make_up_for_the_kernel_rounding_up() {
    assert_eq!(
        on_socket(Duration::from_secs(10)),
        Duration::from_millis(9_980)
    );
    assert_eq!(
        on_socket(Duration::from_millis(160)),
        Duration::from_millis(150)
    );
    assert_eq!(
        on_socket(Duration::from_millis(32)),
        Duration::from_millis(30)
    );
    assert!(!on_socket(Duration::from_nanos(1)).is_zero());
    assert!(!on_socket(Duration::MAX).is_zero());
}

#[test]
fn slack_is_small() {
    assert_eq!(slack(Duration::from_secs(10)), Duration::from_millis(2));
    assert_eq!(slack(Duration::from_millis(64)), Duration::from_millis(1));
}
