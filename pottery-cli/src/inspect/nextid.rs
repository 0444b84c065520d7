//! A NextId sequence's key (`nextid:<name>`, Redis type `string`) on one
//! server: the ID it holds and the one a client would propose next. `contents`
//! is `{"id": N, "next": N + 1}`; `size` is the stored text's length in bytes.
//!
//! IDs are stored as plain decimal integers by this crate and by pottery below
//! ~1e14; above that pottery's Lua script stores them in `%.14g` exponent form
//! (`1.2345678901235e+14`), read here as the integer it denotes, as both
//! implementations read it. Anything else is shown as `{"undecodable": ...}`
//! with a warning. Several masters are read by `inspect --masters` (see
//! [`super::masters`]), which adds the quorum's view.

use pottery::Client;
use pottery::json::Value;

use super::{Contents, Warnings, preview, undecodable};

/// Reads the sequence at `key`.
pub(super) fn read(
    client: &Client,
    key: &str,
    warnings: &mut Warnings,
) -> pottery::Result<Contents> {
    let raw: Option<Vec<u8>> =
        client.with_connection(|con| redis::cmd("GET").arg(key).query(con))?;
    // Deleted between `TYPE` and this read: nothing to show.
    let Some(raw) = raw else {
        return Ok(Contents {
            size: 0,
            value: Value::Null,
        });
    };
    let value = match parse_id(&raw) {
        Some(id) => Value::Object(vec![
            ("id".to_owned(), Value::Int(i128::from(id))),
            ("next".to_owned(), Value::Int(i128::from(id) + 1)),
        ]),
        None => {
            warnings.warn(format_args!(
                "the NextId value at key {key:?} is not a non-negative integer: {}",
                preview(&raw)
            ));
            undecodable(&raw)
        }
    };
    Ok(Contents {
        size: raw.len() as u64,
        value,
    })
}

/// A stored ID, read as the library reads it (one parser for both).
use pottery::__private::nextid_parse as parse_id;

#[cfg(test)]
mod tests {
    use super::parse_id;

    #[test]
    fn reads_plain_and_exponent_forms() {
        assert_eq!(parse_id(b"0"), Some(0));
        assert_eq!(parse_id(b"42"), Some(42));
        assert_eq!(parse_id(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_id(b"1.2345678901235e+14"), Some(123_456_789_012_350));
        assert_eq!(parse_id(b"1e+16"), Some(10_000_000_000_000_000));
        for bad in [&b""[..], b"-1", b"1.5", b"abc", b"1e+30", b"\"3\"", b"nan"] {
            assert_eq!(parse_id(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
