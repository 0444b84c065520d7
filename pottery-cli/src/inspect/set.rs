//! A set (pottery's `RedisSet`): an array of the decoded members, ordered by their
//! stored (encoded) bytes, read with `SSCAN`.

use pottery::Client;
use pottery::json::Value;

use super::{Contents, Warnings, count, decode, scan};

/// Reads the set at `key`.
pub(super) fn read(
    client: &Client,
    key: &str,
    warnings: &mut Warnings,
) -> pottery::Result<Contents> {
    let size = count(client, "SCARD", key)?;
    let mut members: Vec<(Vec<u8>, Value)> = Vec::new();
    scan(client, "SSCAN", key, |page| {
        for raw in page {
            let value = decode(&raw, "set member", key, warnings);
            members.push((raw, value));
        }
    })?;
    members.sort_by(|a, b| a.0.cmp(&b.0));
    members.dedup_by(|a, b| a.0 == b.0);
    Ok(Contents {
        size,
        value: Value::Array(members.into_iter().map(|(_, v)| v).collect()),
    })
}
