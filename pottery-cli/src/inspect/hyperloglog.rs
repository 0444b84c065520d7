//! A HyperLogLog: a string Redis marks with the magic `HYLL`. Its registers are
//! not pottery JSON; the contents are its count, `{"hyperloglog": {"count": N}}`
//! (`PFCOUNT`).

use pottery::Client;
use pottery::json::Value;

/// Whether a string's bytes are a HyperLogLog's.
pub(super) fn is_hyperloglog(raw: &[u8]) -> bool {
    raw.starts_with(b"HYLL")
}

/// The contents shown for the HyperLogLog at `key`.
pub(super) fn contents(client: &Client, key: &str) -> pottery::Result<Value> {
    let count: i64 = client.with_connection(|con| redis::cmd("PFCOUNT").arg(key).query(con))?;
    let count = ("count".to_owned(), Value::Int(i128::from(count)));
    Ok(Value::Object(vec![(
        "hyperloglog".to_owned(),
        Value::Object(vec![count]),
    )]))
}
