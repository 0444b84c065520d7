//! How the set algebra reads its replies: pure decoding, no I/O.

use std::collections::HashSet;
use std::hash::Hash;

use redis::Value;
use serde::de::DeserializeOwned;

use crate::codec::Codec;
use crate::decode;
use crate::error::{Error, Result};

/// Unwraps a two-key script's `{'ok', result}`; `{'wrongtype', type}` is a
/// wrong-type error naming `other`.
pub(super) fn checked(other: &str, key: &str, reply: Value) -> Result<Value> {
    let mut parts = decode::array(key, reply)?.into_iter();
    let (Some(status), Some(payload)) = (parts.next(), parts.next()) else {
        return Err(Error::unexpected_reply(key, "set algebra", "not a pair"));
    };
    let status = decode::bytes(key, status)?.unwrap_or_default();
    if status == b"ok" {
        return Ok(payload);
    }
    let actual = decode::bytes(key, payload)?.unwrap_or_default();
    Err(Error::wrong_type(
        other,
        "set",
        &String::from_utf8_lossy(&actual),
    ))
}

/// A raw `SMEMBERS` reply as a set of byte strings.
pub(super) fn raw_set(key: &str, reply: Value) -> Result<HashSet<Vec<u8>>> {
    decode::array(key, reply)?
        .into_iter()
        .map(|m| Ok(decode::bytes(key, m)?.unwrap_or_default()))
        .collect()
}

/// Decodes raw members into a `HashSet<T>`.
pub(super) fn decode_raw<T: DeserializeOwned + Eq + Hash, C: Codec>(
    codec: &C,
    key: &str,
    raw: impl IntoIterator<Item = Vec<u8>>,
) -> Result<HashSet<T>> {
    raw.into_iter()
        .map(|m| decode::value(codec, key, &m))
        .collect()
}

/// An `SMISMEMBER` reply as flags.
pub(super) fn flags(key: &str, reply: Value) -> Result<Vec<bool>> {
    decode::array(key, reply)?
        .into_iter()
        .map(|v| decode::flag(key, v))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Json;
    use crate::error::ErrorKind;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn checked_unwraps_ok_and_blames_the_other_key() {
        let ok = Value::Array(vec![bulk("ok"), Value::Int(1)]);
        assert_eq!(checked("other", "k", ok).unwrap(), Value::Int(1));
        let bad = Value::Array(vec![bulk("wrongtype"), bulk("hash")]);
        let err = checked("other", "k", bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WrongType);
        assert_eq!(err.key(), Some("other"));
        assert!(checked("other", "k", Value::Array(vec![bulk("ok")])).is_err());
    }

    #[test]
    fn members_and_flags_decode() {
        let reply = Value::Array(vec![bulk("\"a\""), bulk("\"b\""), bulk("\"a\"")]);
        let raw = raw_set("k", reply).unwrap();
        assert_eq!(raw.len(), 2);
        let set: HashSet<String> = decode_raw(&Json, "k", raw).unwrap();
        assert_eq!(set, ["a".to_owned(), "b".to_owned()].into());
        assert!(decode_raw::<String, _>(&Json, "k", [b"{".to_vec()]).is_err());
        let hits = Value::Array(vec![Value::Int(1), Value::Int(0)]);
        assert_eq!(flags("k", hits).unwrap(), [true, false]);
    }
}
