//! A string: its decoded value if it is pottery JSON, else its raw text (invalid
//! UTF-8 replaced by U+FFFD), with a note on stderr. `size` is its length in bytes.
//!
//! A HyperLogLog (a string starting with `HYLL`) shows its count instead.
//!
//! A string longer than [`MAX_READ`] bytes (a bitmap, say) is not decoded: only
//! its first [`SHOWN`] bytes are shown, as raw text, with a warning.

use pottery::Client;
use pottery::json::{self, Value};

use super::{Contents, Warnings, count};

/// The longest string read whole.
const MAX_READ: u64 = 16 * 1024 * 1024;

/// How much of a longer string is shown.
const SHOWN: u64 = 4096;

/// Reads the string at `key`.
pub(super) fn read(
    client: &Client,
    key: &str,
    warnings: &mut Warnings,
) -> pottery::Result<Contents> {
    let size = count(client, "STRLEN", key)?;
    if size > MAX_READ {
        let head: Vec<u8> = client.with_connection(|con| {
            redis::cmd("GETRANGE")
                .arg(key)
                .arg(0)
                .arg(SHOWN - 1)
                .query(con)
        })?;
        warnings.warn(format_args!(
            "key {key:?} holds a string of {size} bytes: showing the first {SHOWN} as text"
        ));
        let text = String::from_utf8_lossy(&head).into_owned();
        return Ok(Contents {
            size,
            value: Value::String(text),
        });
    }
    // Nil if the key went away since TYPE: shown as an empty string.
    let raw: Option<Vec<u8>> =
        client.with_connection(|con| redis::cmd("GET").arg(key).query(con))?;
    let raw = raw.unwrap_or_default();
    if super::hyperloglog::is_hyperloglog(&raw) {
        let value = super::hyperloglog::contents(client, key)?;
        return Ok(Contents { size, value });
    }
    let value = match json::from_slice::<Value>(&raw) {
        Ok(value) => value,
        Err(_) => {
            crate::output::err(format_args!(
                "note: key {key:?} holds a string that is not pottery JSON: showing its raw text"
            ));
            Value::String(String::from_utf8_lossy(&raw).into_owned())
        }
    };
    Ok(Contents { size, value })
}
