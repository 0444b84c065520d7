//! A hash (pottery's `RedisDict`, `RedisCounter`): an object from key to value.
//!
//! Entries are ordered by their stored (encoded) field bytes, so the output is
//! stable whatever order Redis scans them in.
//!
//! JSON object keys are strings, but a pottery dict's keys may be any JSON value.
//! A key that decodes to a string is written as that string; any other key
//! (number, bool, `null`, list, dict) is written as its canonical pottery JSON text:
//! Python's `d[3]` shows as `"3"`, `d[(1, 2)]` as `"[1, 2]"`, `d[None]` as `"null"`.
//! So a dict holding both `"3"` and `3` shows two `"3"` entries (their order tells
//! them apart: `"3"` is stored as `"\"3\""`, which sorts first). A key that does not
//! decode is written as the JSON text of its `{"undecodable": ...}` marker.

use pottery::Client;
use pottery::json::{self, Value};

use super::{Contents, Warnings, count, decode, scan};

/// Reads the hash at `key` with `HSCAN`.
pub(super) fn read(
    client: &Client,
    key: &str,
    warnings: &mut Warnings,
) -> pottery::Result<Contents> {
    let size = count(client, "HLEN", key)?;
    let mut entries: Vec<(Vec<u8>, String, Value)> = Vec::new();
    scan(client, "HSCAN", key, |flat| {
        let mut items = flat.into_iter();
        while let (Some(field), Some(raw)) = (items.next(), items.next()) {
            let name = key_text(decode(&field, "hash field", key, warnings));
            let value = decode(&raw, "hash value", key, warnings);
            entries.push((field, name, value));
        }
    })?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.dedup_by(|a, b| a.0 == b.0);
    let object = entries
        .into_iter()
        .map(|(_, name, value)| (name, value))
        .collect();
    Ok(Contents {
        size,
        value: Value::Object(object),
    })
}

/// The object key shown for a decoded field: a string as is, anything else as its
/// canonical JSON text.
pub(crate) fn key_text(decoded: Value) -> String {
    match decoded {
        Value::String(s) => s,
        other => json::to_string(&other).unwrap_or_else(|err| format!("<{err}>")),
    }
}

#[cfg(test)]
mod tests {
    use super::{Value, key_text};

    #[test]
    fn non_string_keys_are_their_json_text() {
        assert_eq!(key_text(Value::String("caf\u{e9}".into())), "caf\u{e9}");
        assert_eq!(key_text(Value::Int(3)), "3");
        assert_eq!(key_text(Value::Float(1e16)), "1e+16");
        assert_eq!(key_text(Value::Null), "null");
        assert_eq!(
            key_text(Value::Array(vec![Value::Int(1), Value::Int(2)])),
            "[1, 2]"
        );
    }
}
