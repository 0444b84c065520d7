//! A wake-up that both runners can wait for ([`Plan::Wait`](super::Plan::Wait)):
//! a flag plus an [`event_listener::Event`], whose listener is awaited with a
//! blocking `wait_timeout` or as a future, on any runtime.
//!
//! The flag makes it race-free: a waiter clears it before the work whose
//! outcome it waits to retry (a Redlock attempt), a [`fire`](Signal::fire)
//! from then on sets it, and the wait that follows returns at once if it is
//! set. A fire between the check and the wait is not lost either: the
//! listener is registered before the flag is read.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use event_listener::{Event, Listener};

/// Orders signals by creation, so that every subscriber hub picks the same
/// oldest waiter of a channel.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A wake-up for one waiting call.
pub struct Signal {
    seq: u64,
    fired: AtomicBool,
    event: Event,
}

impl Signal {
    pub(crate) fn new() -> Arc<Signal> {
        Arc::new(Signal {
            seq: NEXT.fetch_add(1, Ordering::Relaxed),
            fired: AtomicBool::new(false),
            event: Event::new(),
        })
    }

    /// Its place in creation order (smaller: older).
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    /// Wakes the waiter, now or at its next wait.
    pub(crate) fn fire(&self) {
        self.fired.store(true, Ordering::SeqCst);
        self.event.notify(usize::MAX);
    }

    /// Forgets the fires so far (before the work a later fire should retry).
    pub(crate) fn clear(&self) {
        self.fired.store(false, Ordering::SeqCst);
    }

    /// Whether it fired since the last [`clear`](Signal::clear).
    pub(crate) fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }

    /// Blocks until it fires or `pause` has passed.
    pub(crate) fn block_wait(&self, pause: Duration) {
        let listener = self.event.listen();
        if self.fired() || pause.is_zero() {
            return;
        }
        // A pause too long for the clock (`Duration::MAX`) waits for the fire.
        match Instant::now().checked_add(pause) {
            Some(until) => {
                let _ = listener.wait_deadline(until);
            }
            None => listener.wait(),
        }
    }

    /// Waits, as a future, until it fires or `pause` has passed.
    #[cfg(feature = "async")]
    pub(crate) async fn wait(&self, pause: Duration) {
        let listener = self.event.listen();
        if self.fired() || pause.is_zero() {
            return;
        }
        // Tokio's timer saturates a far deadline.
        let _ = tokio::time::timeout(pause, listener).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fire_before_the_wait_is_kept_until_cleared() {
        let signal = Signal::new();
        signal.fire();
        let start = Instant::now();
        signal.block_wait(Duration::from_secs(10));
        assert!(start.elapsed() < Duration::from_secs(5));
        signal.clear();
        let start = Instant::now();
        signal.block_wait(Duration::from_millis(30));
        assert!(start.elapsed() >= Duration::from_millis(25));
        assert!(Signal::new().seq() > signal.seq());
    }

    #[test]
    fn a_fire_from_another_thread_ends_the_wait() {
        let signal = Signal::new();
        let firing = Arc::clone(&signal);
        let start = Instant::now();
        let fire = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            firing.fire();
        });
        signal.block_wait(Duration::MAX);
        assert!(start.elapsed() < Duration::from_secs(5));
        let _ = fire.join();
    }
}
