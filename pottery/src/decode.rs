//! Small reply decoders shared by the structures.

use redis::Value;
use serde::de::DeserializeOwned;

use crate::codec::Codec;
use crate::error::{Error, Result, Taken};

/// An integer reply.
pub(crate) fn int(key: &str, command: &str, reply: Value) -> Result<i64> {
    match reply {
        Value::Int(n) => Ok(n),
        other => Err(Error::unexpected_reply(key, command, other)),
    }
}

/// An integer reply read as "did anything change".
pub(crate) fn flag(key: &str, reply: Value) -> Result<bool> {
    Ok(int(key, "command", reply)? != 0)
}

/// A length or count.
pub(crate) fn count(key: &str, reply: Value) -> Result<usize> {
    let n = int(key, "count", reply)?;
    usize::try_from(n).map_err(|_| Error::unexpected_reply(key, "count", n))
}

/// The bytes of a bulk string; `None` for a nil reply.
pub(crate) fn bytes(key: &str, reply: Value) -> Result<Option<Vec<u8>>> {
    match reply {
        Value::Nil => Ok(None),
        Value::BulkString(b) => Ok(Some(b)),
        Value::SimpleString(s) => Ok(Some(s.into_bytes())),
        other => Err(Error::unexpected_reply(key, "read", other)),
    }
}

/// An array reply's elements.
pub(crate) fn array(key: &str, reply: Value) -> Result<Vec<Value>> {
    match reply {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        other => Err(Error::unexpected_reply(key, "read", other)),
    }
}

/// A stored value decoded with `codec`; the error names the key and shows the bytes.
pub(crate) fn value<C: Codec, T: DeserializeOwned>(codec: &C, key: &str, raw: &[u8]) -> Result<T> {
    codec.decode(raw).map_err(|e| Error::decode(key, raw, e))
}

/// An optional stored value (nil reads as `None`).
pub(crate) fn optional<C: Codec, T: DeserializeOwned>(
    codec: &C,
    key: &str,
    reply: Value,
) -> Result<Option<T>> {
    bytes(key, reply)?
        .map(|raw| value(codec, key, &raw))
        .transpose()
}

/// A value the operation took out of Redis (`how`), decoded; when it does not
/// decode, the error holds it whole, as its only copy.
pub(crate) fn taken<C: Codec, T: DeserializeOwned>(
    codec: &C,
    key: &str,
    raw: Vec<u8>,
    how: Taken,
) -> Result<T> {
    codec
        .decode(&raw)
        .map_err(|e| Error::decode_taken(key, vec![raw], 0, how, e))
}

/// An optional value the operation removed (nil reads as `None`); see [`taken`].
pub(crate) fn optional_taken<C: Codec, T: DeserializeOwned>(
    codec: &C,
    key: &str,
    reply: Value,
    how: Taken,
) -> Result<Option<T>> {
    bytes(key, reply)?
        .map(|raw| taken(codec, key, raw, how))
        .transpose()
}

/// The raw values of an array reply (nil elements read as empty).
pub(crate) fn raw_values(key: &str, reply: Value) -> Result<Vec<Vec<u8>>> {
    array(key, reply)?
        .into_iter()
        .map(|v| Ok(bytes(key, v)?.unwrap_or_default()))
        .collect()
}

/// Values the operation removed together, decoded: all of them or, when one
/// does not decode, an error holding them all (those that decoded are gone too).
pub(crate) fn all_taken<C: Codec, T: DeserializeOwned>(
    codec: &C,
    key: &str,
    raw: Vec<Vec<u8>>,
) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, value) in raw.iter().enumerate() {
        match codec.decode(value) {
            Ok(item) => out.push(item),
            Err(e) => return Err(Error::decode_taken(key, raw, i, Taken::Removed, e)),
        }
    }
    Ok(out)
}

/// A cursor reply `[cursor, [items...]]`.
pub(crate) fn scan_page(key: &str, reply: Value) -> Result<(u64, Vec<Value>)> {
    let mut parts = array(key, reply)?.into_iter();
    let (Some(cursor), Some(items), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Error::unexpected_reply(
            key,
            "SCAN",
            "not a [cursor, items] pair",
        ));
    };
    let cursor = match bytes(key, cursor)? {
        Some(raw) => std::str::from_utf8(&raw)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| Error::unexpected_reply(key, "SCAN", "a cursor that is not a number"))?,
        None => 0,
    };
    Ok((cursor, array(key, items)?))
}
