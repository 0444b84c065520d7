//! A work queue's stream (pottery's `RedisWorkQueue`), recognised by its
//! consumer group(s): a `RedisSimpleQueue` stream has none. Its contents are
//!
//! ```text
//! {"workqueue": [{"group": "pottery", "ready": 2, "in_flight": 1, "delayed": 0,
//!                 "dead": 1, "oldest_age_ms": 1500, "redeliveries": 0, "late_acks": 0}],
//!  "items": [...]}
//! ```
//!
//! one stats object per group, counted by the library's own `stats()` (one
//! script, the same figures a program sees), and the items still in the
//! stream, ready or in flight, oldest first (see `stream.rs`). The delayed
//! items and the dead letters live in companion keys (`B:delayed`, `B:dead`;
//! the crate's keys.md), which `inspect` reads as a zset and a stream.

use pottery::Client;
use pottery::json::Value;

/// The names of the consumer groups of the stream at `key` (`XINFO GROUPS`).
pub(super) fn groups(client: &Client, key: &str) -> pottery::Result<Vec<String>> {
    let reply: redis::Value =
        client.with_connection(|con| redis::cmd("XINFO").arg("GROUPS").arg(key).query(con))?;
    let redis::Value::Array(groups) = reply else {
        return Ok(Vec::new());
    };
    Ok(groups.iter().filter_map(group_name).collect())
}

/// The `name` of one `XINFO GROUPS` entry: a flat array (RESP2) or a map (RESP3).
fn group_name(group: &redis::Value) -> Option<String> {
    let text = |v: &redis::Value| match v {
        redis::Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        redis::Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    };
    match group {
        redis::Value::Array(fields) => fields
            .chunks(2)
            .find(|pair| pair.first().and_then(text).as_deref() == Some("name"))
            .and_then(|pair| pair.get(1).and_then(text)),
        redis::Value::Map(fields) => fields
            .iter()
            .find(|(k, _)| text(k).as_deref() == Some("name"))
            .and_then(|(_, v)| text(v)),
        _ => None,
    }
}

/// The stats of `group`'s queue at `key`, as a JSON object.
pub(super) fn stats(client: &Client, key: &str, group: &str) -> pottery::Result<Value> {
    // The item type does not matter: stats decode no item.
    let queue: pottery::sync::RedisWorkQueue<Value> =
        pottery::sync::RedisWorkQueue::builder(client, key)
            .group(group)
            .build()?;
    let stats = queue.stats()?;
    let int = |n: u64| Value::Int(i128::from(n));
    Ok(Value::Object(vec![
        ("group".to_owned(), Value::String(group.to_owned())),
        ("ready".to_owned(), int(stats.ready)),
        ("in_flight".to_owned(), int(stats.in_flight)),
        ("delayed".to_owned(), int(stats.delayed)),
        ("dead".to_owned(), int(stats.dead)),
        (
            "oldest_age_ms".to_owned(),
            stats
                .oldest_age
                .map_or(Value::Null, |age| Value::Int(age.as_millis() as i128)),
        ),
        ("redeliveries".to_owned(), int(stats.redeliveries)),
        ("late_acks".to_owned(), int(stats.late_acks)),
    ]))
}

/// A work queue's contents: the stats of every group, then the items.
pub(super) fn contents(
    client: &Client,
    key: &str,
    groups: &[String],
    items: Vec<Value>,
) -> pottery::Result<Value> {
    let stats = groups
        .iter()
        .map(|group| stats(client, key, group))
        .collect::<pottery::Result<Vec<_>>>()?;
    Ok(Value::Object(vec![
        ("workqueue".to_owned(), Value::Array(stats)),
        ("items".to_owned(), Value::Array(items)),
    ]))
}
