//! A Bloom filter, read with the (n, p) the user gives (`--bloom N,P`): pottery
//! stores neither, so a filter's string looks like any bitmap until told its
//! shape. The contents are its figures:
//!
//! ```text
//! {"bloom_filter": {"num_elements": 100, "false_positives": 0.01, "size_bits": 959,
//!   "num_hashes": 7, "bits_set": 21, "fill_ratio": 0.0219, "estimated_len": 3,
//!   "false_positive_rate": 2.4e-12}}
//! ```
//!
//! A string longer than the filter's m bits need was written with another (n, p),
//! or is no filter at all: the figures are shown with a warning.

use pottery::Client;
use pottery::json::Value;
use pottery::sync::BloomFilter;

use super::{Report, Warnings};

/// The (n, p) of `--bloom N,P`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Shape {
    /// Elements the filter is sized for.
    pub(crate) num_elements: u64,
    /// Its acceptable false-positive probability.
    pub(crate) false_positives: f64,
}

/// Parses `N,P` (`1000,0.01`), checked as a filter would check it.
pub(crate) fn parse(text: &str) -> Result<Shape, String> {
    let (n, p) = text
        .split_once(',')
        .ok_or_else(|| format!("expected N,P (e.g. 1000,0.01), not {text:?}"))?;
    let num_elements = n
        .trim()
        .parse::<u64>()
        .map_err(|e| format!("N must be a whole number of elements, not {n:?}: {e}"))?;
    let false_positives = p
        .trim()
        .parse::<f64>()
        .map_err(|e| format!("P must be a probability, not {p:?}: {e}"))?;
    let nowhere = Client::open("redis://127.0.0.1:1").map_err(|e| e.to_string())?;
    BloomFilter::<String>::new(&nowhere, "k", num_elements, false_positives)
        .map_err(|e| e.to_string())?;
    Ok(Shape {
        num_elements,
        false_positives,
    })
}

/// Reports on the Bloom filter at `key`, of `shape`.
pub(crate) fn inspect(
    client: &Client,
    key: &str,
    shape: Shape,
    warnings: &mut Warnings,
) -> pottery::Result<Result<Report, WrongType>> {
    let mut report = super::inspect_header(client, key)?;
    if !report.exists() {
        return Ok(Ok(report));
    }
    if report.redis_type != "string" {
        return Ok(Err(WrongType(format!(
            "key {key:?} holds a Redis {}, not a Bloom filter's string",
            report.redis_type
        ))));
    }
    let filter =
        BloomFilter::<String>::new(client, key, shape.num_elements, shape.false_positives)?;
    let stats = filter.stats()?;
    if !stats.fits() {
        warnings.warn(format_args!(
            "key {key:?} holds {} bytes, more than the {} a filter for ({}, {}) uses: it was \
             written with another (n, p), or is not a Bloom filter",
            stats.stored_bytes,
            filter.size().div_ceil(8),
            shape.num_elements,
            shape.false_positives
        ));
    }
    let int = |n: u64| Value::Int(i128::from(n));
    let figures = vec![
        ("num_elements", int(shape.num_elements)),
        ("false_positives", Value::Float(shape.false_positives)),
        ("size_bits", int(stats.size)),
        ("num_hashes", int(u64::from(stats.num_hashes))),
        ("bits_set", int(stats.bits_set)),
        ("fill_ratio", Value::Float(stats.fill_ratio())),
        ("estimated_len", int(stats.estimated_len())),
        (
            "false_positive_rate",
            Value::Float(stats.false_positive_rate()),
        ),
    ];
    let figures = figures
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    report.size = stats.stored_bytes;
    report.contents = Value::Object(vec![("bloom_filter".to_owned(), Value::Object(figures))]);
    Ok(Ok(report))
}

/// `--bloom` on a key that holds no string: an error, not an empty report.
#[derive(Debug)]
pub(crate) struct WrongType(String);

impl std::fmt::Display for WrongType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
