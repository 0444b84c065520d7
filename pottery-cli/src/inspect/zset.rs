//! A sorted set: an array of `[member, score]` pairs, in Redis's order (by score,
//! then by stored member bytes), read with `ZSCAN`. Scores are floats.

use pottery::Client;
use pottery::json::Value;

use super::{Contents, Warnings, count, decode, scan};

/// Reads the sorted set at `key`.
pub(super) fn read(
    client: &Client,
    key: &str,
    warnings: &mut Warnings,
) -> pottery::Result<Contents> {
    let size = count(client, "ZCARD", key)?;
    let mut members: Vec<(f64, Vec<u8>, Value)> = Vec::new();
    scan(client, "ZSCAN", key, |flat| {
        let mut items = flat.into_iter();
        while let (Some(member), Some(score)) = (items.next(), items.next()) {
            let score = parse_score(&score).unwrap_or_else(|| {
                warnings.warn(format_args!(
                    "a score at key {key:?} is not a number: {}",
                    super::preview(&score)
                ));
                f64::NAN
            });
            let value = decode(&member, "sorted set member", key, warnings);
            members.push((score, member, value));
        }
    })?;
    // A scan may return a member twice: keep one, then order as Redis does.
    members.sort_by(|a, b| a.1.cmp(&b.1));
    members.dedup_by(|a, b| a.1 == b.1);
    members.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let pairs = members
        .into_iter()
        .map(|(score, _, value)| Value::Array(vec![value, Value::Float(score)]))
        .collect();
    Ok(Contents {
        size,
        value: Value::Array(pairs),
    })
}

/// A score as Redis writes it (`1`, `2.5`, `inf`, `-inf`).
fn parse_score(raw: &[u8]) -> Option<f64> {
    std::str::from_utf8(raw).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_score;

    #[test]
    fn scores() {
        assert_eq!(parse_score(b"2.5"), Some(2.5));
        assert_eq!(parse_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_score(b"x"), None);
    }
}
