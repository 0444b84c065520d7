//! The cache's pure decisions, free of I/O: what a lookup's reply means, how
//! long a waiting caller pauses, and the clock that spaces TTL resets.

use std::time::Duration;

use redis::Value;
use serde::de::DeserializeOwned;

use crate::codec::Codec;
use crate::decode;
use crate::error::{Error, Result};

/// What a lookup found.
#[derive(Debug, PartialEq)]
pub(crate) enum Lookup<R> {
    /// The cached result.
    Hit(R),
    /// No result: compute it (holding the single-flight claim with this token,
    /// if single flight is on).
    Compute(Option<Vec<u8>>),
    /// No result, and another caller is computing it: wait and look again.
    Wait,
}

impl<R> Lookup<R> {
    /// The result, if it was a hit.
    pub(crate) fn into_hit(self) -> Option<R> {
        match self {
            Lookup::Hit(value) => Some(value),
            _ => None,
        }
    }
}

/// The pauses between the lookups of a caller waiting for another's result:
/// 2 ms, doubling up to [`Backoff::MAX`] (a value computed in a few ms is seen
/// within about as long; one that takes seconds costs a lookup every 64 ms).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff(Duration);

impl Backoff {
    /// The longest pause.
    pub(crate) const MAX: Duration = Duration::from_millis(64);

    pub(crate) fn new() -> Self {
        Backoff(Duration::from_millis(2))
    }

    /// The next pause.
    pub(crate) fn next_pause(&mut self) -> Duration {
        let pause = self.0;
        self.0 = (self.0 * 2).min(Self::MAX);
        pause
    }
}

/// The reply of the single-flight lookup script: `{1, value}`, `{2}` (the
/// claim is ours, with `token`) or `{3}` (someone else's).
pub(crate) fn decode_flight<C: Codec, R: DeserializeOwned>(
    codec: &C,
    key: &str,
    reply: Value,
    token: Vec<u8>,
) -> Result<Lookup<R>> {
    let mut parts = decode::array(key, reply)?.into_iter();
    match (parts.next(), parts.next()) {
        (Some(Value::Int(1)), Some(raw)) => {
            let raw = decode::bytes(key, raw)?.unwrap_or_default();
            Ok(Lookup::Hit(decode::value(codec, key, &raw)?))
        }
        (Some(Value::Int(2)), None) => Ok(Lookup::Compute(Some(token))),
        (Some(Value::Int(3)), None) => Ok(Lookup::Wait),
        _ => Err(Error::unexpected_reply(
            key,
            "cache lookup",
            "an unknown reply",
        )),
    }
}

/// The reply of a plain lookup pipeline: `[value]` or `[value, pexpire]`.
pub(crate) fn first_reply(key: &str, reply: Value) -> Result<Value> {
    decode::array(key, reply)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::unexpected_reply(key, "HGET", "an empty pipeline reply"))
}

/// Milliseconds on a monotonic clock that starts at 1 on first use.
pub(crate) fn clock_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    u64::try_from(start.elapsed().as_millis())
        .unwrap_or(u64::MAX)
        .saturating_add(1)
}

/// Whether a hit at `now` (ms) resets the TTL, given the last reset at `last`
/// (0: never) and the least `interval` between two resets.
pub(crate) fn refresh_due(now: u64, last: u64, interval: Duration) -> bool {
    if interval.is_zero() || last == 0 {
        return true;
    }
    let interval = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);
    now.saturating_sub(last) >= interval
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling() {
        let mut b = Backoff::new();
        let pauses: Vec<u64> = (0..8).map(|_| b.next_pause().as_millis() as u64).collect();
        assert_eq!(pauses, [2, 4, 8, 16, 32, 64, 64, 64]);
    }

    #[test]
    fn refreshes_are_spaced() {
        let ms = Duration::from_millis;
        assert!(refresh_due(5, 0, ms(100)));
        assert!(refresh_due(5, 5, Duration::ZERO));
        assert!(!refresh_due(50, 5, ms(100)));
        assert!(refresh_due(105, 5, ms(100)));
        assert!(!refresh_due(u64::MAX, 5, Duration::MAX));
    }

    #[test]
    fn flight_replies_decode() {
        let json = crate::Json;
        let hit = Value::Array(vec![Value::Int(1), Value::BulkString(b"7".to_vec())]);
        assert_eq!(
            decode_flight::<_, u8>(&json, "k", hit, vec![]).ok(),
            Some(Lookup::Hit(7))
        );
        let ours = Value::Array(vec![Value::Int(2)]);
        assert_eq!(
            decode_flight::<_, u8>(&json, "k", ours, b"t".to_vec()).ok(),
            Some(Lookup::Compute(Some(b"t".to_vec())))
        );
        let theirs = Value::Array(vec![Value::Int(3)]);
        assert_eq!(
            decode_flight::<_, u8>(&json, "k", theirs, vec![]).ok(),
            Some(Lookup::Wait)
        );
        let junk = Value::Array(vec![Value::Int(9)]);
        assert!(decode_flight::<_, u8>(&json, "k", junk, vec![]).is_err());
        let bad = Value::Array(vec![Value::Int(1), Value::BulkString(b"{".to_vec())]);
        assert!(
            decode_flight::<_, u8>(&json, "k", bad, vec![])
                .unwrap_err()
                .kind()
                == crate::ErrorKind::Decode
        );
    }
}
