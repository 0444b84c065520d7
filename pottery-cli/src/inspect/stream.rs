//! A stream (pottery's `RedisSimpleQueue`): an array of the decoded items, oldest
//! first, read with `XRANGE` one page at a time.
//!
//! pottery writes each item as an entry with one field, `item`, holding the JSON.
//! An entry of another shape is shown as `{"undecodable": "field=value, ..."}`.

use pottery::Client;
use pottery::json::Value;

use super::{Contents, PAGE, Warnings, count, decode, undecodable};

/// One stream entry as XRANGE returns it: its id and its flat field/value list.
type Entry = (String, Vec<Vec<u8>>);

/// Reads the stream at `key`.
pub(super) fn read(
    client: &Client,
    key: &str,
    warnings: &mut Warnings,
) -> pottery::Result<Contents> {
    let size = count(client, "XLEN", key)?;
    let mut items = Vec::new();
    let mut start = "-".to_owned();
    loop {
        let page: Vec<Entry> = client.with_connection(|con| {
            redis::cmd("XRANGE")
                .arg(key)
                .arg(&start)
                .arg("+")
                .arg("COUNT")
                .arg(PAGE)
                .query(con)
        })?;
        let full = page.len() == PAGE;
        let mut last = None;
        for (id, fields) in page {
            items.push(item(&id, &fields, key, warnings));
            last = Some(id);
        }
        match last {
            // "(" makes the start exclusive (Redis 6.2+).
            Some(id) if full => start = format!("({id}"),
            _ => break,
        }
    }
    Ok(Contents {
        size,
        value: Value::Array(items),
    })
}

/// The decoded item of one entry.
fn item(id: &str, fields: &[Vec<u8>], key: &str, warnings: &mut Warnings) -> Value {
    if let [name, raw] = fields
        && name.as_slice() == b"item"
    {
        return decode(raw, "stream item", key, warnings);
    }
    let text = fields
        .chunks(2)
        .map(|pair| match pair {
            [name, value] => {
                format!(
                    "{}={}",
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(value)
                )
            }
            other => other
                .iter()
                .map(|b| String::from_utf8_lossy(b))
                .collect::<Vec<_>>()
                .join(""),
        })
        .collect::<Vec<_>>()
        .join(", ");
    warnings.warn(format_args!(
        "stream entry {id} at key {key:?} is not a pottery queue item (one field `item`)"
    ));
    undecodable(text.as_bytes())
}
