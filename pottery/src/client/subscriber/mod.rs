//! One pub/sub connection per [`Client`] for the wake-ups of waiting calls
//! (a Redlock acquire waits for its lock's release message), shared by every
//! waiter of every channel.
//!
//! - `mod.rs`: the hub, a registry channel -> waiters ([`Signal`]s), and
//!   [`Membership`], a waiter's place in it.
//! - `link.rs`: the background thread that holds the connection: it
//!   (S)SUBSCRIBEs the registry's channels, fires waiters on messages, and
//!   reconnects with backoff; on a cluster, one per node owning a subscribed
//!   channel's slot, which a resolver thread finds with `CLUSTER SLOTS`.
//!
//! Nothing starts before the first waiter: a call that does not wait never
//! pays for pub/sub. Every wake-up is a hint: waiters also poll (their
//! bounded pause), so a lost message, a broken connection or a channel not
//! yet subscribed only slows them down to polling.
//!
//! A message wakes the channel's oldest waiter (smallest [`Signal::seq`], so
//! every hub of a multi-master lock picks the same one): one release frees
//! the lock once, and waking every waiter of the process would only have
//! them compete (with several masters, split their votes). A waiter whose
//! attempt then fails stays the oldest and is woken by the next release. A
//! new subscription wakes all of its waiters once: a release between their
//! failed attempt and the subscription was not heard.
//!
//! Idle channels (no waiter left) stay subscribed, the [`IDLE_CHANNELS`]
//! most recently used of them, so that a hot lock's next waiter is heard at
//! once; the least recently used one beyond that is unsubscribed.

mod link;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use super::{Backend, Client, Inner};
use crate::engine::Signal;

/// How many channels without waiters stay subscribed (least recently used
/// unsubscribed first).
pub(crate) const IDLE_CHANNELS: usize = 64;

/// The name the subscriber connections give themselves (`CLIENT LIST`).
pub(crate) const CONNECTION_NAME: &str = "pottery-subscriber";

/// A client's subscriber: nothing runs until the first waiter joins.
pub(crate) struct Hub {
    shared: Arc<HubShared>,
}

/// What the hub's threads and the memberships share.
struct HubShared {
    state: Mutex<State>,
    /// SSUBSCRIBE on the node owning the slot (a cluster) or SUBSCRIBE.
    sharded: bool,
    /// The client, to open connections and read the slot map (weak: the
    /// threads end when the client is gone).
    client: OnceLock<Weak<Inner>>,
}

#[derive(Default)]
struct State {
    channels: HashMap<Arc<str>, Channel>,
    /// Nodes whose link thread runs (`""`: the one server).
    links: Vec<String>,
    /// Whether the resolver thread runs.
    resolving: bool,
    /// Counts joins, for the idle channels' recency.
    clock: u64,
}

struct Channel {
    waiters: Vec<Arc<Signal>>,
    /// The node it is subscribed on (`None`: not known yet, on a cluster).
    node: Option<String>,
    used: u64,
}

/// A waiter's registration on one channel of one client; leaves on drop.
pub(crate) struct Membership {
    hub: Arc<HubShared>,
    channel: Arc<str>,
    seq: u64,
}

impl Hub {
    pub(super) fn new(sharded: bool) -> Hub {
        Hub {
            shared: Arc::new(HubShared {
                state: Mutex::default(),
                sharded,
                client: OnceLock::new(),
            }),
        }
    }
}

impl Client {
    /// Registers `signal` to be fired by messages on `channel` (SSUBSCRIBEd
    /// on a cluster, SUBSCRIBEd otherwise), subscribing in the background if
    /// it is new. `None` when this client cannot subscribe (a cluster client
    /// made by redis-rs, whose node settings we cannot read): its waiters
    /// poll.
    pub(crate) fn wake_on(&self, channel: &Arc<str>, signal: &Arc<Signal>) -> Option<Membership> {
        let hub = &self.inner.subscriber.shared;
        if let Backend::Cluster {
            node_info: None, ..
        } = self.inner.backend
        {
            return None;
        }
        let _ = hub.client.set(Arc::downgrade(&self.inner));
        hub.join(channel, signal);
        Some(Membership {
            hub: Arc::clone(hub),
            channel: Arc::clone(channel),
            seq: signal.seq(),
        })
    }

    /// The channels this client's subscriber wants (`__private`, for tests).
    pub(crate) fn subscribed_channels(&self) -> Vec<String> {
        let state = self.inner.subscriber.shared.lock();
        state.channels.keys().map(|c| c.to_string()).collect()
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.hub.leave(&self.channel, self.seq);
    }
}

impl HubShared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn join(self: &Arc<Self>, channel: &Arc<str>, signal: &Arc<Signal>) {
        let mut state = self.lock();
        state.clock += 1;
        let used = state.clock;
        let sharded = self.sharded;
        let entry = state
            .channels
            .entry(Arc::clone(channel))
            .or_insert_with(|| Channel {
                waiters: Vec::new(),
                node: (!sharded).then(String::new),
                used,
            });
        entry.waiters.push(Arc::clone(signal));
        entry.used = used;
        match entry.node.clone() {
            Some(node) => self.ensure_link(&mut state, node),
            None => self.ensure_resolver(&mut state),
        }
    }

    fn leave(&self, channel: &str, seq: u64) {
        let mut state = self.lock();
        if let Some(entry) = state.channels.get_mut(channel) {
            entry.waiters.retain(|w| w.seq() != seq);
        }
        let idle: Vec<(u64, Arc<str>)> = state
            .channels
            .iter()
            .filter(|(_, c)| c.waiters.is_empty())
            .map(|(name, c)| (c.used, Arc::clone(name)))
            .collect();
        if idle.len() > IDLE_CHANNELS
            && let Some((_, oldest)) = idle.into_iter().min()
        {
            // Its link sees it gone and unsubscribes.
            state.channels.remove(&oldest);
        }
    }

    /// Starts the link thread of `node` unless it runs.
    fn ensure_link(self: &Arc<Self>, state: &mut State, node: String) {
        if state.links.contains(&node) {
            return;
        }
        let hub = Arc::downgrade(self);
        let thread_node = node.clone();
        let spawned = std::thread::Builder::new()
            .name("pottery-subscriber".into())
            .spawn(move || link::run(hub, thread_node));
        // No thread: no wake-ups, the waiters poll.
        if spawned.is_ok() {
            state.links.push(node);
        }
    }

    fn ensure_resolver(self: &Arc<Self>, state: &mut State) {
        if state.resolving {
            return;
        }
        let hub = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("pottery-subscriber-slots".into())
            .spawn(move || link::resolve(hub));
        state.resolving = spawned.is_ok();
    }

    /// Fires the oldest waiter of `channel` (a message).
    fn fire_oldest(&self, channel: &[u8]) {
        let state = self.lock();
        let Some(entry) = channel_of(&state, channel) else {
            return;
        };
        if let Some(oldest) = entry.waiters.iter().min_by_key(|w| w.seq()) {
            oldest.fire();
        }
    }

    /// Fires every waiter of `channel` (it was just subscribed).
    fn fire_all(&self, channel: &[u8]) {
        let state = self.lock();
        if let Some(entry) = channel_of(&state, channel) {
            entry.waiters.iter().for_each(|w| w.fire());
        }
    }

    /// The channels `node` should be subscribed to; `None` (and the link
    /// forgotten) once it has none and holds no subscription: its thread ends.
    fn wanted_on(&self, node: &str, holds_any: bool) -> Option<Vec<Arc<str>>> {
        let mut state = self.lock();
        let wanted: Vec<Arc<str>> = state
            .channels
            .iter()
            .filter(|(_, c)| c.node.as_deref() == Some(node))
            .map(|(name, _)| Arc::clone(name))
            .collect();
        if wanted.is_empty() && !holds_any {
            state.links.retain(|n| n != node);
            return None;
        }
        Some(wanted)
    }

    /// Forgets where the channels of `node` live (a redirect, a migration):
    /// the resolver finds their node again.
    fn unplace(self: &Arc<Self>, node: &str, only: Option<&[u8]>) {
        if !self.sharded {
            return;
        }
        let mut state = self.lock();
        let mut any = false;
        for (name, channel) in state.channels.iter_mut() {
            let this = only.is_none_or(|c| c == name.as_bytes());
            if this && channel.node.as_deref() == Some(node) {
                channel.node = None;
                any = true;
            }
        }
        if any {
            self.ensure_resolver(&mut state);
        }
    }

    /// The channels whose node is not known, or `None` (and the resolver
    /// stopped) when there is none.
    fn unplaced(&self) -> Option<Vec<Arc<str>>> {
        let mut state = self.lock();
        let names: Vec<Arc<str>> = state
            .channels
            .iter()
            .filter(|(_, c)| c.node.is_none())
            .map(|(name, _)| Arc::clone(name))
            .collect();
        if names.is_empty() {
            state.resolving = false;
            return None;
        }
        Some(names)
    }

    /// Places `channel` on `node` and starts its link.
    fn place(self: &Arc<Self>, channel: &str, node: String) {
        let mut state = self.lock();
        let Some(entry) = state.channels.get_mut(channel) else {
            return;
        };
        entry.node = Some(node.clone());
        self.ensure_link(&mut state, node);
    }

    fn client(&self) -> Option<Client> {
        self.client
            .get()
            .and_then(Weak::upgrade)
            .map(Client::from_inner)
    }
}

fn channel_of<'a>(state: &'a State, channel: &[u8]) -> Option<&'a Channel> {
    let name = std::str::from_utf8(channel).ok()?;
    state.channels.get(name)
}
