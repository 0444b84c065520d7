//! A Redlock's key (`redlock:<name>`, Redis type `string`): who holds the lock and
//! for how much longer. `contents` is `{"holder": "<token>", "ttl_ms": N, "last_token": T}`: the
//! holder's token (a uuid4, stored as plain text by pottery in Python and Rust,
//! not as JSON) and the hold's remaining time in milliseconds, both read in one
//! `MULTI` so they belong together. `size` is the token's length in bytes.
//!
//! `"last_token"` is the last [fencing token](pottery::Redlock#fencing) issued
//! for the key on this server (its fence counter; 0 if none, as for a lock
//! only Python pottery took), read with `Redlock::status`.
//!
//! A key without an expiry (not a Redlock hold: pottery always sets one) shows
//! `"ttl_ms": null`; a key released between `TYPE` and this read shows both as
//! `null`.

use pottery::Client;
use pottery::json::Value;

use super::{Contents, Warnings, preview};

/// Reads the hold at `key`.
pub(super) fn read(
    client: &Client,
    key: &str,
    warnings: &mut Warnings,
) -> pottery::Result<Contents> {
    let (token, ttl): (Option<Vec<u8>>, i64) = client.with_connection(|con| {
        redis::pipe()
            .atomic()
            .cmd("GET")
            .arg(key)
            .cmd("PTTL")
            .arg(key)
            .query(con)
    })?;
    let size = token.as_ref().map_or(0, |t| t.len() as u64);
    let holder = match token {
        None => Value::Null,
        Some(raw) => match String::from_utf8(raw) {
            Ok(text) => Value::String(text),
            Err(err) => {
                let raw = err.into_bytes();
                warnings.warn(format_args!(
                    "the Redlock token at key {key:?} is not UTF-8: {}",
                    preview(&raw)
                ));
                Value::String(String::from_utf8_lossy(&raw).into_owned())
            }
        },
    };
    let ttl_ms = if ttl >= 0 {
        Value::Int(i128::from(ttl))
    } else {
        Value::Null
    };
    // The whole key is the lock's key: no prefix added.
    let lock: pottery::sync::Redlock = pottery::Redlock::builder(key)
        .key_prefix("")
        .master(client.clone())
        .build()?;
    let last_token = lock.status()?.last_token;
    Ok(Contents {
        size,
        value: Value::Object(vec![
            ("holder".to_owned(), holder),
            ("ttl_ms".to_owned(), ttl_ms),
            ("last_token".to_owned(), Value::Int(i128::from(last_token))),
        ]),
    })
}
