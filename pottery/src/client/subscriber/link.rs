//! The threads of a [`Hub`](super::Hub): a link per node holds one blocking
//! pub/sub connection, and on a cluster a resolver places channels on the
//! node that owns their slot.
//!
//! A link connects exactly as its client does: the same redis-rs settings
//! (credentials, TLS, database; on a cluster the first node URL's, with the
//! node's address), the client's connect timeout, in RESP3 (Redis 6 or
//! later; pub/sub needs nothing newer, sharded pub/sub Redis 7). It reads with a short
//! timeout ([`POLL`]) so that it sends the registry's new (S)SUBSCRIBEs and
//! UNSUBSCRIBEs soon after they are wanted: a redis-rs connection cannot be
//! written from another thread while this one reads. A broken connection is
//! reopened with exponential backoff; its waiters poll meanwhile and are all
//! woken once it is subscribed again.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use redis::{ConnectionAddr, ProtocolVersion, PushKind, RedisResult, Value};

use super::{CONNECTION_NAME, HubShared};
use crate::client::{Backend, Client, builder::finite};

/// How long a read waits before the link looks at the registry again.
const POLL: Duration = Duration::from_millis(20);
/// How long a write may take.
const WRITE: Duration = Duration::from_secs(1);
/// The first and the longest pause before reconnecting (or re-reading the
/// slot map).
const MIN_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long a (S)SUBSCRIBE may go unconfirmed before it is sent again (on a
/// cluster after placing the channel again): its error reply (`MOVED` after a
/// stale slot map, an ACL's refusal) may never be seen, since redis-rs skips
/// one reply per read that timed out.
const CONFIRM_WAIT: Duration = Duration::from_secs(2);

/// What a connection is subscribed to: each channel sent, with when, until
/// its subscription is confirmed (`None`).
type Held = HashMap<Arc<str>, Option<Instant>>;

/// A link's thread: subscribes what the registry wants on `node`, fires
/// waiters, until its node has no channel left (or the client is gone).
pub(super) fn run(hub: Weak<HubShared>, node: String) {
    let mut conn: Option<redis::Connection> = None;
    // What this connection is subscribed to (sent, confirmed or not).
    let mut held = Held::new();
    let mut backoff = MIN_BACKOFF;
    loop {
        let Some(shared) = hub.upgrade() else {
            return;
        };
        let Some(wanted) = shared.wanted_on(&node, conn.is_some() && !held.is_empty()) else {
            return;
        };
        let Some(con) = conn.as_mut() else {
            match open(&shared, &node) {
                Ok(con) => {
                    conn = Some(con);
                    held.clear();
                }
                Err(_) => {
                    drop(shared);
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            continue;
        };
        retry_unconfirmed(&shared, &node, &mut held);
        if sync(con, shared.sharded, &wanted, &mut held).is_err() {
            conn = None;
            continue;
        }
        drop(shared);
        let reply = con.recv_response();
        let Some(shared) = hub.upgrade() else {
            return;
        };
        match reply {
            Err(err) if err.is_timeout() => {}
            Err(err) if err.is_io_error() || err.is_connection_dropped() => {
                // Broken: reopened after the backoff (reset once subscribed).
                conn = None;
                drop(shared);
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(err) => {
                if !on_error(&shared, &node, &err.to_string()) {
                    conn = None;
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            Ok(Value::ServerError(err)) => {
                if !on_error(&shared, &node, &format!("{err:?}")) {
                    conn = None;
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            Ok(value) => {
                if on_value(&shared, &node, value, &mut held) {
                    backoff = MIN_BACKOFF;
                }
            }
        }
    }
}

/// Forgets the subscriptions unconfirmed for [`CONFIRM_WAIT`], so that they
/// are sent again (on a cluster, once the channel is placed again).
fn retry_unconfirmed(hub: &Arc<HubShared>, node: &str, held: &mut Held) {
    let late: Vec<Arc<str>> = held
        .iter()
        .filter(|(_, sent)| sent.is_some_and(|at| at.elapsed() > CONFIRM_WAIT))
        .map(|(channel, _)| Arc::clone(channel))
        .collect();
    for channel in late {
        held.remove(&channel);
        hub.unplace(node, Some(channel.as_bytes()));
    }
}

/// Sends the (S)SUBSCRIBEs and (S)UNSUBSCRIBEs that make `held` what is
/// `wanted`; their confirmations arrive as messages.
fn sync(
    con: &mut redis::Connection,
    sharded: bool,
    wanted: &[Arc<str>],
    held: &mut Held,
) -> RedisResult<()> {
    let (sub, unsub) = if sharded {
        ("SSUBSCRIBE", "SUNSUBSCRIBE")
    } else {
        ("SUBSCRIBE", "UNSUBSCRIBE")
    };
    let wanted_set: HashSet<&Arc<str>> = wanted.iter().collect();
    let gone: Vec<Arc<str>> = held
        .keys()
        .filter(|c| !wanted_set.contains(c))
        .cloned()
        .collect();
    // One channel a command: on a cluster, channels of several slots may not
    // share a command.
    let new: Vec<&Arc<str>> = wanted.iter().filter(|c| !held.contains_key(*c)).collect();
    for channel in new {
        con.send_packed_command(&redis::cmd(sub).arg(&**channel).get_packed_command())?;
        held.insert(Arc::clone(channel), Some(Instant::now()));
    }
    for channel in gone {
        con.send_packed_command(&redis::cmd(unsub).arg(&*channel).get_packed_command())?;
        held.remove(&channel);
    }
    Ok(())
}

/// Acts on a pushed value; `true` when a subscription was confirmed.
fn on_value(hub: &Arc<HubShared>, node: &str, value: Value, held: &mut Held) -> bool {
    let Some((kind, channel)) = push(value) else {
        return false;
    };
    match kind {
        PushKind::Message | PushKind::SMessage => hub.fire_oldest(&channel),
        PushKind::Subscribe | PushKind::SSubscribe => {
            if let Some(sent) = held.iter_mut().find(|(c, _)| c.as_bytes() == channel) {
                *sent.1 = None;
            }
            hub.fire_all(&channel);
            return true;
        }
        PushKind::Unsubscribe | PushKind::SUnsubscribe => {
            // One we did not ask for: the server dropped it (its slot moved
            // to another node). Find the channel's node again.
            let ours = held.keys().find(|c| c.as_bytes() == channel).cloned();
            if let Some(ours) = ours {
                held.remove(&ours);
                if hub.sharded {
                    hub.unplace(node, Some(&channel));
                }
            }
        }
        _ => {}
    }
    false
}

/// Acts on an error reply to an (S)SUBSCRIBE; `true` when the link goes on
/// with its connection. A `MOVED` (the slot is elsewhere) sends that slot's
/// channels to the resolver; anything else (an ACL refusing the channel)
/// reconnects after the backoff.
fn on_error(hub: &Arc<HubShared>, node: &str, error: &str) -> bool {
    let Some(slot) = moved_slot(error) else {
        return false;
    };
    let channels: Vec<Arc<str>> = {
        let state = hub.lock();
        state
            .channels
            .iter()
            .filter(|(name, c)| c.node.as_deref() == Some(node) && slot_of(name) == slot)
            .map(|(name, _)| Arc::clone(name))
            .collect()
    };
    for channel in channels {
        hub.unplace(node, Some(channel.as_bytes()));
    }
    true
}

/// The slot of a `MOVED <slot> <host:port>` error.
fn moved_slot(error: &str) -> Option<u16> {
    let at = error.find("MOVED")?;
    error.get(at + 5..)?.split_whitespace().next()?.parse().ok()
}

/// The kind and channel of a pushed value (RESP2 arrays, RESP3 pushes).
fn push(value: Value) -> Option<(PushKind, Vec<u8>)> {
    let (kind, data) = match value {
        Value::Push { kind, data } => (kind, data),
        Value::Array(items) => {
            let mut items = items.into_iter();
            let kind = match items.next()? {
                Value::BulkString(kind) => kind,
                Value::SimpleString(kind) => kind.into_bytes(),
                _ => return None,
            };
            let kind = match kind.as_slice() {
                b"message" => PushKind::Message,
                b"smessage" => PushKind::SMessage,
                b"subscribe" => PushKind::Subscribe,
                b"ssubscribe" => PushKind::SSubscribe,
                b"unsubscribe" => PushKind::Unsubscribe,
                b"sunsubscribe" => PushKind::SUnsubscribe,
                _ => return None,
            };
            (kind, items.collect())
        }
        _ => return None,
    };
    match data.into_iter().next()? {
        Value::BulkString(channel) => Some((kind, channel)),
        Value::SimpleString(channel) => Some((kind, channel.into_bytes())),
        _ => None,
    }
}

/// A pub/sub connection to `node`, named [`CONNECTION_NAME`].
fn open(hub: &HubShared, node: &str) -> RedisResult<redis::Connection> {
    let Some(client) = hub.client() else {
        return Err(gone());
    };
    let connect = finite(client.inner.connect_timeout);
    let info = match &client.inner.backend {
        Backend::Single { blocking, .. } => blocking.get_connection_info().clone(),
        Backend::Cluster {
            node_info: Some(info),
            ..
        } => {
            let (host, port) = node.rsplit_once(':').ok_or_else(gone)?;
            let port: u16 = port.parse().map_err(|_| gone())?;
            at(info, host, port)
        }
        Backend::Cluster { .. } => return Err(gone()),
    };
    // RESP3: messages are pushes, which redis-rs never takes for the late
    // reply of a read that timed out (it skips one RESP2 value per timeout).
    let settings = info
        .redis_settings()
        .clone()
        .set_protocol(ProtocolVersion::RESP3);
    let info = info.set_redis_settings(settings);
    let mut con = connect_with(&redis::Client::open(info)?, connect)?;
    con.set_write_timeout(Some(WRITE))?;
    con.set_read_timeout(Some(WRITE))?;
    redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg(CONNECTION_NAME)
        .query::<()>(&mut con)?;
    con.set_read_timeout(Some(POLL))?;
    Ok(con)
}

fn connect_with(client: &redis::Client, limit: Option<Duration>) -> RedisResult<redis::Connection> {
    match limit {
        Some(limit) => client.get_connection_with_timeout(limit),
        None => client.get_connection(),
    }
}

/// `info` (credentials, TLS settings) for the node at `host:port`.
fn at(info: &redis::ConnectionInfo, host: &str, port: u16) -> redis::ConnectionInfo {
    let addr = match info.addr().clone() {
        ConnectionAddr::TcpTls {
            insecure,
            tls_params,
            ..
        } => ConnectionAddr::TcpTls {
            host: host.to_owned(),
            port,
            insecure,
            tls_params,
        },
        _ => ConnectionAddr::Tcp(host.to_owned(), port),
    };
    info.clone().set_addr(addr)
}

fn gone() -> redis::RedisError {
    std::io::Error::new(std::io::ErrorKind::NotConnected, "no subscriber connection").into()
}

/// The resolver's thread (cluster): reads the slot map and places every
/// channel whose node is not known, until none is left.
pub(super) fn resolve(hub: Weak<HubShared>) {
    let mut backoff = MIN_BACKOFF;
    loop {
        let Some(shared) = hub.upgrade() else {
            return;
        };
        let Some(names) = shared.unplaced() else {
            return;
        };
        let owners = shared.client().and_then(|c| slot_owners(&c));
        let mut placed = false;
        for name in &names {
            let slot = slot_of(name);
            let owner = owners.as_ref().and_then(|map| {
                map.iter()
                    .find(|(first, last, _)| (*first..=*last).contains(&slot))
            });
            if let Some((_, _, node)) = owner {
                shared.place(name, node.clone());
                placed = true;
            }
        }
        drop(shared);
        if placed {
            backoff = MIN_BACKOFF;
        } else {
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}

/// The cluster's masters by slot range: `(first, last, "host:port")`.
fn slot_owners(client: &Client) -> Option<Vec<(u16, u16, String)>> {
    let reply: Value = client
        .blocking(|con| redis::cmd("CLUSTER").arg("SLOTS").query(con))
        .ok()?;
    let Value::Array(ranges) = reply else {
        return None;
    };
    let owners = ranges
        .iter()
        .filter_map(|range| {
            let Value::Array(fields) = range else {
                return None;
            };
            let (Some(Value::Int(first)), Some(Value::Int(last)), Some(Value::Array(master))) =
                (fields.first(), fields.get(1), fields.get(2))
            else {
                return None;
            };
            let host = match master.first()? {
                Value::BulkString(host) => String::from_utf8_lossy(host).into_owned(),
                Value::SimpleString(host) => host.clone(),
                _ => return None,
            };
            let Some(Value::Int(port)) = master.get(1) else {
                return None;
            };
            let first = u16::try_from(*first).ok()?;
            let last = u16::try_from(*last).ok()?;
            Some((first, last, format!("{host}:{port}")))
        })
        .collect();
    Some(owners)
}

/// The cluster slot of `key`: CRC16 (XMODEM) of its hash tag, or of the
/// whole key, modulo 16384.
pub(super) fn slot_of(key: &str) -> u16 {
    let bytes = key.as_bytes();
    let tagged = bytes.iter().position(|&b| b == b'{').and_then(|open| {
        let rest = bytes.get(open + 1..)?;
        let close = rest.iter().position(|&b| b == b'}')?;
        rest.get(..close).filter(|tag| !tag.is_empty())
    });
    crc16(tagged.unwrap_or(bytes)) % 16384
}

fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis::cluster_routing::Slot;

    #[test]
    fn slots_are_redis_slots() {
        for key in [
            "a",
            "redlock:x{redlock:x}:released",
            "{user}:1",
            "a{}b",
            "x{y",
        ] {
            assert_eq!(Slot::new(slot_of(key)), Some(Slot::for_key(key)), "{key}");
        }
        assert_eq!(moved_slot("MOVED 3999 127.0.0.1:7002"), Some(3999));
        assert_eq!(moved_slot("NOPERM no"), None);
    }

    #[test]
    fn pushes_of_both_protocols() {
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let resp2 = Value::Array(vec![bulk("smessage"), bulk("ch"), bulk("1")]);
        assert!(matches!(push(resp2), Some((PushKind::SMessage, c)) if c == b"ch"));
        let resp3 = Value::Push {
            kind: PushKind::Subscribe,
            data: vec![bulk("ch"), Value::Int(1)],
        };
        assert!(matches!(push(resp3), Some((PushKind::Subscribe, c)) if c == b"ch"));
        assert!(push(Value::Int(1)).is_none());
    }
}
