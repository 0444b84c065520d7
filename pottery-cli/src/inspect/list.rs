//! A list (pottery's `RedisList`, `RedisDeque`): an array of the decoded elements,
//! in order, read with `LRANGE` one page at a time.

use pottery::Client;
use pottery::json::Value;

use super::{Contents, PAGE, Warnings, count, decode};

/// Reads the list at `key`.
pub(super) fn read(
    client: &Client,
    key: &str,
    warnings: &mut Warnings,
) -> pottery::Result<Contents> {
    let size = count(client, "LLEN", key)?;
    let mut items = Vec::new();
    let mut start: u64 = 0;
    loop {
        let stop = start + PAGE as u64 - 1;
        let page: Vec<Vec<u8>> = client.with_connection(|con| {
            redis::cmd("LRANGE")
                .arg(key)
                .arg(start)
                .arg(stop)
                .query(con)
        })?;
        let full = page.len() == PAGE;
        items.extend(
            page.iter()
                .map(|raw| decode(raw, "list element", key, warnings)),
        );
        if !full {
            break;
        }
        start += PAGE as u64;
    }
    Ok(Contents {
        size,
        value: Value::Array(items),
    })
}
