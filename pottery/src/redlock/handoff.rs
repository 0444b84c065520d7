//! Event-driven hand-off (the Redlock docs' "Hand-off" section, `handoff.md`):
//! a waiting acquire registers on its masters' subscribers after its first
//! failed attempt and sleeps until a release message wakes it, or its
//! bounded random pause ends (polling: for lost messages and for holders that
//! do not publish, such as Python pottery's).

use std::sync::Arc;

use super::Shared;
use crate::client::Membership;
use crate::engine::Signal;

/// The channel a release of the lock at `key` publishes on: `<B>:released`,
/// `B` the key's companion base (`redlock:printer{redlock:printer}:released`),
/// in the key's cluster slot as sharded pub/sub needs.
pub(super) fn channel(key: &str) -> Arc<str> {
    format!("{}:released", crate::slot::companion_base(key)).into()
}

/// A waiting acquire's wake-up: its signal, registered on the subscriber of
/// every master (the registrations end when it is dropped: the acquire ended).
pub(super) struct Waiting {
    signal: Arc<Signal>,
    _members: Vec<Membership>,
}

impl Waiting {
    /// Registers a new waiter on `shared`'s masters. No round trip here: each
    /// master's subscriber subscribes in the background (the first waiter of
    /// the channel) and wakes the waiter once it has (a release before that
    /// was not heard).
    pub(super) fn join(shared: &Shared) -> Waiting {
        let signal = Signal::new();
        let channel = channel(&shared.key);
        let members = shared
            .masters
            .iter()
            .filter_map(|m| m.wake_on(&channel, &signal))
            .collect();
        Waiting {
            signal,
            _members: members,
        }
    }

    /// The signal, cleared: fires from now on wake the next wait (call it
    /// right before an attempt, so that a release during the attempt is
    /// heard).
    pub(super) fn armed(&self) -> Arc<Signal> {
        self.signal.clear();
        Arc::clone(&self.signal)
    }
}
