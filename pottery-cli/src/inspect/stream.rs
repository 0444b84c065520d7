//! A stream (pottery's `RedisSimpleQueue`): an array of the decoded items, oldest
//! first, read with `XRANGE` one page at a time.
//!
//! pottery writes each item as an entry with one field, `item`, holding the JSON.
//! An entry of another shape is shown as `{"undecodable": "field=value, ..."}`.
//!
//! A stream with a consumer group is a `RedisWorkQueue`'s: its contents are its
//! stats and its items (see `workqueue.rs`); its entries may carry fields besides
//! `item` (`deliveries`, `first`: an item given back by a nack or a delay).

use pottery::Client;
use pottery::json::Value;

use super::{Contents, PAGE, Warnings, count, decode, undecodable, workqueue};

/// One stream entry as XRANGE returns it: its id and its flat field/value list.
type Entry = (String, Vec<Vec<u8>>);

/// Reads the stream at `key`.
pub(super) fn read(
    client: &Client,
    key: &str,
    warnings: &mut Warnings,
) -> pottery::Result<Contents> {
    let size = count(client, "XLEN", key)?;
    let groups = workqueue::groups(client, key)?;
    let queue = !groups.is_empty();
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
            items.push(item(&id, &fields, key, queue, warnings));
            last = Some(id);
        }
        match last {
            // "(" makes the start exclusive (Redis 6.2+).
            Some(id) if full => start = format!("({id}"),
            _ => break,
        }
    }
    let value = if queue {
        workqueue::contents(client, key, &groups, items)?
    } else {
        Value::Array(items)
    };
    Ok(Contents { size, value })
}

/// The decoded item of one entry (of a work queue's stream if `queue`: its
/// `item` field, whatever others it has).
fn item(id: &str, fields: &[Vec<u8>], key: &str, queue: bool, warnings: &mut Warnings) -> Value {
    if let [name, raw] = fields
        && name.as_slice() == b"item"
    {
        return decode(raw, "stream item", key, warnings);
    }
    if queue
        && let Some([_, raw]) = fields
            .chunks(2)
            .find(|pair| pair.first().is_some_and(|n| n == b"item"))
    {
        return decode(raw, "work queue item", key, warnings);
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
