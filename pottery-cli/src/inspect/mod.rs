//! `pottery inspect KEY`: what a key holds, decoded the way pottery reads it.
//!
//! The report is one JSON document:
//!
//! ```text
//! {"key": "tel", "type": "hash", "size": 2, "ttl_ms": null, "contents": {...}}
//! ```
//!
//! - `type` is Redis's `TYPE` (`hash`, `list`, `set`, `zset`, `string`, `stream`,
//!   or `none` for a missing key);
//! - `size` is the number of entries (`HLEN`, `LLEN`, `SCARD`, `ZCARD`, `XLEN`), or
//!   of bytes for a string (`STRLEN`);
//! - `ttl_ms` is the time to live in milliseconds, `null` without an expiry;
//! - `contents` holds the decoded data; see each type's module for its shape. A
//!   Redlock's key (`redlock:*`) shows `{"holder": "<token>", "ttl_ms": N, "last_token": T}`; a
//!   NextId's (`nextid:*`) `{"id": N, "next": N + 1}`; a work queue's stream (one
//!   with a consumer group) `{"workqueue": [{"group": G, "ready": N, "in_flight": N,
//!   "delayed": N, "dead": N, "oldest_age_ms": N, ...}], "items": [...]}`.
//!
//! With `--masters`, the key is read on each of several independent masters
//! (see [`masters`]); for a NextId the document adds the quorum's view.
//!   HyperLogLog `{"hyperloglog": {"count": N}}`; a Bloom filter, given its (n, p)
//!   with `--bloom N,P`, its figures (see `bloom.rs`).
//!
//! Every stored field, member, element and value is decoded as pottery JSON. One
//! that does not decode is shown as `{"undecodable": "<raw text>"}` (invalid UTF-8
//! replaced by U+FFFD) and a warning goes to stderr.
//!
//! Data is read in pages of [`PAGE`] entries (`HSCAN`, `SSCAN`, `ZSCAN`, `LRANGE`,
//! `XRANGE`); each page is decoded before the next is read. Entries written while
//! a key is read may be missed or, for scans, seen twice (duplicates are dropped).
//!
//! # Adding a structure
//!
//! A structure recognised by its key rather than by its Redis type (Redlock's
//! `redlock:*`, NextId's `nextid:*`, a Bloom filter) gets a module here and a row in
//! [`BY_KEY`]; those rows are tried before the plain Redis types of [`reader_for`].

pub(crate) mod bloom;
mod hash;
mod hyperloglog;
mod list;
pub(crate) mod masters;
mod nextid;
mod redlock;
mod set;
mod stream;
mod string;
mod workqueue;
mod zset;

use std::fmt;

use pottery::Client;
use pottery::json::{self, Value};

/// Entries asked for per round trip.
pub(crate) const PAGE: usize = 500;

/// How many warnings are printed before the rest are only counted.
const MAX_WARNINGS: usize = 20;

/// What a reader found: the size it reports and the decoded contents.
pub(crate) struct Contents {
    /// Entries (or bytes, for a string).
    pub(crate) size: u64,
    /// The decoded data.
    pub(crate) value: Value,
}

/// Reads one key whose Redis type is known.
pub(crate) type Reader = fn(&Client, &str, &mut Warnings) -> pottery::Result<Contents>;

/// Structures recognised by their key: (key prefix, Redis type, reader). Bloom
/// filters will add theirs.
const BY_KEY: &[(&str, &str, Reader)] = &[
    // A Redlock hold: the holder's token and the hold's remaining time.
    (pottery::REDLOCK_KEY_PREFIX, "string", redlock::read),
    // A NextId sequence: the ID it holds and the next one.
    (pottery::NEXTID_KEY_PREFIX, "string", nextid::read),
];

/// The reader for `key`, which holds Redis type `redis_type`; `None` for a missing
/// key or a type this tool does not read.
pub(crate) fn reader_for(key: &str, redis_type: &str) -> Option<Reader> {
    let special = BY_KEY
        .iter()
        .find(|(prefix, ty, _)| key.starts_with(prefix) && *ty == redis_type);
    if let Some((_, _, reader)) = special {
        return Some(*reader);
    }
    match redis_type {
        "hash" => Some(hash::read),
        "list" => Some(list::read),
        "set" => Some(set::read),
        "zset" => Some(zset::read),
        "string" => Some(string::read),
        "stream" => Some(stream::read),
        _ => None,
    }
}

/// The report on one key.
pub(crate) struct Report {
    /// The key, as given.
    pub(crate) key: String,
    /// Redis's `TYPE`, `none` when the key is missing.
    pub(crate) redis_type: String,
    /// Entries, or bytes for a string; 0 when missing.
    pub(crate) size: u64,
    /// Milliseconds to live; `None` without expiry or when missing.
    pub(crate) ttl_ms: Option<i64>,
    /// The decoded contents; `null` when missing or unreadable.
    pub(crate) contents: Value,
}

impl Report {
    /// Whether the key exists.
    pub(crate) fn exists(&self) -> bool {
        self.redis_type != "none"
    }

    /// The report as a JSON object, fields in a fixed order.
    pub(crate) fn to_value(&self) -> Value {
        let int = |n: i128| Value::Int(n);
        Value::Object(vec![
            ("key".to_owned(), Value::String(self.key.clone())),
            ("type".to_owned(), Value::String(self.redis_type.clone())),
            ("size".to_owned(), int(i128::from(self.size))),
            (
                "ttl_ms".to_owned(),
                self.ttl_ms.map_or(Value::Null, |t| int(i128::from(t))),
            ),
            ("contents".to_owned(), self.contents.clone()),
        ])
    }
}

/// Reads `key` and reports on it; warnings about its data go to `warnings`.
pub(crate) fn inspect(
    client: &Client,
    key: &str,
    warnings: &mut Warnings,
) -> pottery::Result<Report> {
    let mut report = inspect_header(client, key)?;
    if !report.exists() {
        return Ok(report);
    }
    match reader_for(key, &report.redis_type) {
        Some(reader) => {
            let contents = reader(client, key, warnings)?;
            report.size = contents.size;
            report.contents = contents.value;
        }
        None => warnings.warn(format_args!(
            "key {key:?} holds a Redis {}, which pottery does not use; contents not shown",
            report.redis_type
        )),
    }
    Ok(report)
}

/// The report on `key` before its contents are read: its type and TTL.
pub(crate) fn inspect_header(client: &Client, key: &str) -> pottery::Result<Report> {
    let redis_type: String =
        client.with_connection(|con| redis::cmd("TYPE").arg(key).query(con))?;
    let ttl: i64 = client.with_connection(|con| redis::cmd("PTTL").arg(key).query(con))?;
    Ok(Report {
        key: key.to_owned(),
        redis_type,
        size: 0,
        ttl_ms: (ttl >= 0).then_some(ttl),
        contents: Value::Null,
    })
}

/// Warnings printed to stderr as they come, up to [`MAX_WARNINGS`].
#[derive(Debug, Default)]
pub(crate) struct Warnings {
    count: usize,
}

impl Warnings {
    /// Prints `message` as a warning (or counts it, past the limit).
    pub(crate) fn warn(&mut self, message: impl fmt::Display) {
        self.count += 1;
        if self.count <= MAX_WARNINGS {
            crate::output::err(format_args!("warning: {message}"));
        }
    }

    /// Prints how many warnings were not shown, if any.
    pub(crate) fn finish(&self) {
        if let Some(hidden) = self.count.checked_sub(MAX_WARNINGS).filter(|&n| n > 0) {
            crate::output::err(format_args!(
                "warning: {hidden} more warnings not shown ({} in all)",
                self.count
            ));
        }
    }
}

/// Decodes stored bytes as pottery JSON; what does not decode becomes the
/// `{"undecodable": ...}` marker and a warning naming `what` (e.g. "hash field").
pub(crate) fn decode(raw: &[u8], what: &str, key: &str, warnings: &mut Warnings) -> Value {
    match json::from_slice::<Value>(raw) {
        Ok(value) => value,
        Err(err) => {
            warnings.warn(format_args!(
                "a {what} at key {key:?} is not pottery JSON ({err}): {}",
                preview(raw)
            ));
            undecodable(raw)
        }
    }
}

/// The marker shown for stored bytes that do not decode.
pub(crate) fn undecodable(raw: &[u8]) -> Value {
    let text = String::from_utf8_lossy(raw).into_owned();
    Value::Object(vec![("undecodable".to_owned(), Value::String(text))])
}

/// The start of `raw` as quoted text, for messages.
pub(crate) fn preview(raw: &[u8]) -> String {
    const SHOWN: usize = 60;
    let text = String::from_utf8_lossy(raw.get(..SHOWN).unwrap_or(raw)).into_owned();
    let more = if raw.len() > SHOWN { "..." } else { "" };
    format!("{text:?}{more}")
}

/// A cursor scan (`HSCAN`, `SSCAN`, `ZSCAN`) of `key`, page by page: calls `page`
/// with each page's flat reply until the cursor comes back to 0.
pub(crate) fn scan(
    client: &Client,
    command: &str,
    key: &str,
    mut page: impl FnMut(Vec<Vec<u8>>),
) -> pottery::Result<()> {
    let mut cursor: u64 = 0;
    loop {
        let (next, items): (u64, Vec<Vec<u8>>) = client.with_connection(|con| {
            redis::cmd(command)
                .arg(key)
                .arg(cursor)
                .arg("COUNT")
                .arg(PAGE)
                .query(con)
        })?;
        page(items);
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

/// A length command's answer (`HLEN`, `LLEN`, ...).
pub(crate) fn count(client: &Client, command: &str, key: &str) -> pottery::Result<u64> {
    client.with_connection(|con| redis::cmd(command).arg(key).query(con))
}
