//! Lease renewal: while a [`Delivery`](super::Delivery) lives, its lease (the
//! pending entry's idle time) is renewed in the background, every third of
//! the lease, and a renewal that finds the entry taken over marks the lease
//! lost.
//!
//! One renewer per queue handle (shared by its clones), not one per delivery:
//! a thread started with the first delivery, which renews every delivery due
//! in one script call (one round trip for a batch of them) and ends once no
//! delivery has lived for a renewal interval. So a consumer that acks within
//! a third of its lease never causes a renewal, and a thousand live
//! deliveries cost one round trip per interval. The thread runs the renewal
//! `Op` with the blocking runner in both modes (as a
//! Redlock watchdog outside a runtime does): the async API does not need a
//! Tokio task that a runtime shutting down would drop.
//!
//! A lease also counts as lost, on the clock, once a lease has passed since
//! the last renewal known to have been sent before it succeeded (or since the
//! receive was sent): by then another consumer may have taken the item, even
//! if no renewal could say so (the server unreachable).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{Shared, arg};
use crate::decode;
use crate::engine::{Deadline, Op};
use crate::lua;

/// The most leases renewed by one script call.
const BATCH: usize = 256;

/// How soon a renewal that failed (no reply, an error) is tried again, at most.
const RETRY: Duration = Duration::from_millis(100);

/// One delivery's lease, as its holder sees it.
pub(crate) struct Held {
    /// The origin of `valid_ns`.
    base: Instant,
    /// Until when the lease is known to hold, in ns since `base` (only moves forward).
    valid_ns: AtomicU64,
    lost: AtomicBool,
}

impl Held {
    fn new(valid_until: Instant) -> Arc<Held> {
        let held = Held {
            base: Instant::now(),
            valid_ns: AtomicU64::new(0),
            lost: AtomicBool::new(false),
        };
        held.extend(valid_until);
        Arc::new(held)
    }

    fn extend(&self, until: Instant) {
        let ns = until.saturating_duration_since(self.base).as_nanos();
        self.valid_ns
            .fetch_max(u64::try_from(ns).unwrap_or(u64::MAX), Ordering::AcqRel);
    }

    fn mark_lost(&self) {
        self.lost.store(true, Ordering::Release);
    }

    /// Whether the lease is known to hold for more than `margin` (a lease
    /// already over does not hold for even zero).
    pub(crate) fn holds_for(&self, margin: Duration) -> bool {
        if self.lost.load(Ordering::Acquire) {
            return false;
        }
        let valid = Duration::from_nanos(self.valid_ns.load(Ordering::Acquire));
        self.base
            .checked_add(valid)
            .is_some_and(|until| until.saturating_duration_since(Instant::now()) > margin)
    }

    /// Whether the lease is lost: a renewal found the entry taken over, or
    /// the lease ran out since the last renewal known to have held.
    pub(crate) fn is_lost(&self) -> bool {
        if self.lost.load(Ordering::Acquire) {
            return true;
        }
        let valid = Duration::from_nanos(self.valid_ns.load(Ordering::Acquire));
        self.base
            .checked_add(valid)
            .is_none_or(|until| Instant::now() >= until)
    }
}

/// A live delivery, as the renewer sees it.
struct Live {
    id: String,
    count: i64,
    held: Arc<Held>,
    /// When its next renewal is due.
    due: Instant,
}

#[derive(Default)]
struct State {
    live: HashMap<u64, Live>,
    next_slot: u64,
    /// Whether a renewer thread is running (it clears this as it ends).
    running: bool,
    /// When the renewer will look next, while it waits.
    wakes_at: Option<Instant>,
}

/// The renewer of one queue handle's deliveries.
#[derive(Default)]
pub(crate) struct Renewer {
    state: Mutex<State>,
    /// Wakes the renewer for a delivery due before it would look.
    wake: Condvar,
}

impl Renewer {
    fn state(&self) -> MutexGuard<'_, State> {
        // A poisoned map is still the map.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits up to `pause` (or a wake-up), the renewer's next look at `wakes_at`.
    fn wait<'a>(
        &'a self,
        mut state: MutexGuard<'a, State>,
        pause: Duration,
    ) -> MutexGuard<'a, State> {
        state.wakes_at = Instant::now().checked_add(pause);
        let mut state = match self.wake.wait_timeout(state, pause) {
            Ok((guard, _)) => guard,
            Err(poisoned) => poisoned.into_inner().0,
        };
        state.wakes_at = None;
        state
    }
}

/// A delivery's hold on its lease: renewed until this drops.
pub(crate) struct LeaseGuard {
    shared: Arc<Shared>,
    slot: u64,
    held: Arc<Held>,
}

impl LeaseGuard {
    pub(crate) fn held(&self) -> &Held {
        &self.held
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl LeaseGuard {
    /// Stops renewing (the lease is being ended by an ack or a nack: a
    /// renewal after it would only find the entry gone).
    pub(crate) fn release(&self) {
        self.shared.renewer.state().live.remove(&self.slot);
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        self.release();
    }
}

fn interval(shared: &Shared) -> Duration {
    (shared.lease / 3).max(Duration::from_millis(1))
}

/// Starts renewing the lease on entry `id` (delivery count `count`), received
/// by a request sent at `sent` (the lease began after that).
pub(crate) fn hold(shared: &Arc<Shared>, id: &str, count: i64, sent: Instant) -> LeaseGuard {
    let held = Held::new(sent + shared.lease);
    let mut state = shared.renewer.state();
    let slot = state.next_slot;
    state.next_slot += 1;
    let due = sent + interval(shared);
    state.live.insert(
        slot,
        Live {
            id: id.to_owned(),
            count,
            held: Arc::clone(&held),
            due,
        },
    );
    if state.wakes_at.is_some_and(|at| due < at) {
        shared.renewer.wake.notify_one();
    }
    if !state.running {
        let runner = Arc::clone(shared);
        let carry = crate::trace::Carry::current();
        state.running = std::thread::Builder::new()
            .name("pottery-workqueue-leases".to_owned())
            .spawn(move || carry.run(|| renew_loop(&runner)))
            .is_ok();
    }
    drop(state);
    LeaseGuard {
        shared: Arc::clone(shared),
        slot,
        held,
    }
}

/// Renews the due leases, again and again, until none has lived for an interval.
fn renew_loop(shared: &Arc<Shared>) {
    let interval = interval(shared);
    while let Some(batch) = next_batch(shared, interval) {
        let sent = Instant::now();
        let deadline = Deadline::after(shared.client.response_timeout());
        let outcome = renew_op(shared, &batch).run_until(&shared.client, deadline);
        let mut state = shared.renewer.state();
        match outcome {
            Ok(flags) if flags.len() == batch.len() => {
                for ((slot, _, _), renewed) in batch.iter().zip(flags) {
                    if renewed {
                        if let Some(live) = state.live.get_mut(slot) {
                            live.held.extend(sent + shared.lease);
                            live.due = sent + interval;
                        }
                    } else if let Some(live) = state.live.remove(slot) {
                        crate::trace::warn_event!(key = &*shared.key, id = %live.id, "pottery: a work queue lease was lost (the item was taken over)");
                        live.held.mark_lost();
                    }
                }
            }
            failed => {
                // (Only traced: the lease's validity says the rest.)
                let error = failed.err();
                crate::trace::warn_event!(key = &*shared.key, error = ?error, "pottery: a work queue lease renewal failed");
                let _ = error;
                let retry = Instant::now() + interval.min(RETRY);
                for (slot, _, _) in &batch {
                    if let Some(live) = state.live.get_mut(slot) {
                        live.due = retry;
                    }
                }
            }
        }
    }
}

/// The leases due now (slot, id, count), waiting until one is; `None` (and
/// the renewer marked stopped) once none has lived for `interval`.
fn next_batch(shared: &Shared, interval: Duration) -> Option<Vec<(u64, String, i64)>> {
    let renewer = &shared.renewer;
    let mut state = renewer.state();
    loop {
        let now = Instant::now();
        let Some(earliest) = state.live.values().map(|live| live.due).min() else {
            state = renewer.wait(state, interval);
            if state.live.is_empty() {
                state.running = false;
                return None;
            }
            continue;
        };
        if earliest > now {
            state = renewer.wait(state, earliest - now);
            continue;
        }
        // Those due within a tenth of an interval ride along: fewer round trips.
        let soon = now + interval / 10;
        let batch: Vec<_> = state
            .live
            .iter()
            .filter(|(_, live)| live.due <= soon)
            .take(BATCH)
            .map(|(slot, live)| (*slot, live.id.clone(), live.count))
            .collect();
        state.running = true;
        return Some(batch);
    }
}

/// The renewal script for `batch`: `true` per lease renewed.
fn renew_op(shared: &Shared, batch: &[(u64, String, i64)]) -> Op<Vec<bool>> {
    let mut args = shared.who();
    for (_, id, count) in batch {
        args.push(id.as_bytes().to_vec());
        args.push(arg(count));
    }
    let request = shared.script(&lua::workqueue::RENEW, &[&shared.key], &args);
    shared.op(request, |key, reply| {
        decode::array(key, reply)?
            .into_iter()
            .map(|flag| decode::flag(key, flag))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_holds_until_its_validity_or_a_loss() {
        let held = Held::new(Instant::now() + Duration::from_secs(10));
        assert!(!held.is_lost());
        assert!(held.holds_for(Duration::from_secs(5)));
        assert!(!held.holds_for(Duration::from_secs(20)));
        held.extend(Instant::now()); // never back
        assert!(held.holds_for(Duration::from_secs(5)));
        held.mark_lost();
        assert!(held.is_lost() && !held.holds_for(Duration::ZERO));
        let expired = Held::new(Instant::now());
        assert!(expired.is_lost() && !expired.holds_for(Duration::ZERO));
    }
}
