//! Strings and big integers as CPython's `json.dumps` writes them: `\uXXXX`
//! escapes for control and non-ASCII characters (as `ensure_ascii=True`), and
//! integers past 64 bits digit for digit.

use super::Error;

/// Bytes `json.dumps` copies unescaped with `ensure_ascii=True`: printable ASCII
/// except `"` and `\\` (DEL, 0x7f, is escaped).
fn is_plain(b: u8) -> bool {
    matches!(b, b' '..=b'~') && b != b'"' && b != b'\\'
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn write_u_escape(out: &mut Vec<u8>, unit: u32) {
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(
            HEX.get(((unit >> shift) & 0xf) as usize)
                .copied()
                .unwrap_or(b'0'),
        );
    }
}

/// Appends `s` as a JSON string with `ensure_ascii=True` escaping.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if is_plain(b) || i < start {
            continue;
        }
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        start = i + 1;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..0x80 => write_u_escape(out, u32::from(b)),
            _ => {
                // A lead byte (continuation bytes are skipped by `i < start`).
                let Some(c) = s.get(i..).and_then(|t| t.chars().next()) else {
                    continue;
                };
                start = i + c.len_utf8();
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write_u_escape(out, u32::from(*unit));
                }
            }
        }
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

/// Writes the digits of a `Value::BigInt` as Python would print that int.
pub(crate) fn write_bigint(out: &mut Vec<u8>, text: &str) -> Result<(), Error> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::new(format!(
            "Value::BigInt({text:?}) is not a decimal integer"
        )));
    }
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        out.push(b'0');
    } else {
        if neg {
            out.push(b'-');
        }
        out.extend_from_slice(digits.as_bytes());
    }
    Ok(())
}
