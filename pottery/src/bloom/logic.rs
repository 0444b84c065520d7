//! The numbers of a Bloom filter, as pure functions: its size and hash count from
//! (n, p), an element's bit offsets, and the estimates read from its fill
//! ([`BloomStats`]).
//!
//! Every formula is Python pottery 3.0.1's, with its floating-point operations in
//! the same order, so that both compute the same bits (`ceil` of a value a rounding
//! apart would otherwise give a different size, hence different offsets).

use std::f64::consts::LN_2;

use crate::error::{Error, Result};

/// The most bits a filter can have: a Redis string holds at most 512 MiB.
pub(crate) const MAX_BITS: u64 = 1 << 32;

/// A filter's size `m` (bits) and hash count `k`, derived from (n, p).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    /// m: bits in the bitmap.
    pub(crate) bits: u64,
    /// k: offsets per element (hash seeds `0..k`).
    pub(crate) hashes: u32,
}

impl Shape {
    /// The shape pottery computes for `num_elements` (n) expected elements and an
    /// acceptable false-positive probability `false_positives` (p):
    /// `m = ceil(-n ln p / ln(2)^2)`, `k = ceil(m / n ln 2)`.
    pub(crate) fn new(num_elements: u64, false_positives: f64) -> Result<Shape> {
        if num_elements == 0 {
            return Err(Error::config("a BloomFilter needs num_elements >= 1"));
        }
        if !(false_positives > 0.0 && false_positives < 1.0) {
            return Err(Error::config(format!(
                "a BloomFilter needs 0 < false_positives < 1, not {false_positives}"
            )));
        }
        // Python: -n * math.log(p) / math.log(2)**2, then ceil.
        #[allow(clippy::cast_precision_loss)] // n as Python's float(n), the same rounding
        let n = num_elements as f64;
        let bits = (-n * false_positives.ln() / (LN_2 * LN_2)).ceil();
        #[allow(clippy::cast_precision_loss)]
        if !(bits >= 1.0 && bits <= MAX_BITS as f64) {
            return Err(Error::config(format!(
                "a BloomFilter for ({num_elements}, {false_positives}) needs {bits} bits; \
                 a Redis string holds at most {MAX_BITS}"
            )));
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
        let bits = bits as u64;
        // Python: m / n * math.log(2), then ceil.
        #[allow(clippy::cast_precision_loss)] // m <= 2^32: exact
        let hashes = (bits as f64 / n * LN_2).ceil();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        // -ln p / ln 2 for p > 2^-1074 is < 1075
        let hashes = hashes.max(1.0) as u32;
        Ok(Shape { bits, hashes })
    }

    /// The `k` bit offsets of an element encoded as `encoded`: MurmurHash3
    /// x86_32 with seeds `0..k`, read as signed, then Python's non-negative `%` m.
    pub(crate) fn offsets(self, encoded: &[u8]) -> impl Iterator<Item = u64> + '_ {
        let bits = i64::try_from(self.bits).unwrap_or(i64::MAX);
        (0..self.hashes).map(move |seed| {
            // mmh3.hash returns the 32 bits as a signed int.
            #[allow(clippy::cast_possible_wrap)]
            let hash = i64::from(mur3::murmurhash3_x86_32(encoded, seed) as i32);
            // rem_euclid of a positive modulus is in 0..bits.
            #[allow(clippy::cast_sign_loss)]
            let offset = hash.rem_euclid(bits) as u64;
            offset
        })
    }

    /// pottery's estimate of how many elements were inserted, given `set` bits:
    /// `floor(-m / k * ln(1 - X / m))`. A full filter (X >= m) has no finite
    /// estimate: it reads as `u64::MAX`.
    pub(crate) fn estimated_len(self, set: u64) -> u64 {
        if set >= self.bits {
            return u64::MAX;
        }
        #[allow(clippy::cast_precision_loss)] // both <= 2^32: exact
        let (m, x) = (self.bits as f64, set as f64);
        let len = (-m / f64::from(self.hashes) * (1.0 - x / m).ln()).floor();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // finite, >= 0
        let len = len as u64;
        len
    }

    /// The share of bits set, in `0..=1`.
    pub(crate) fn fill_ratio(self, set: u64) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let ratio = set.min(self.bits) as f64 / self.bits as f64;
        ratio
    }

    /// The probability that an element never inserted is reported present, at the
    /// current fill: every one of its `k` bits is set, `(X / m)^k` (offsets taken
    /// as independent and uniform).
    pub(crate) fn false_positive_rate(self, set: u64) -> f64 {
        self.fill_ratio(set)
            .powi(i32::try_from(self.hashes).unwrap_or(i32::MAX))
    }

    /// The bytes of the Redis string holding `m` bits (the last byte may be partial).
    pub(crate) fn bytes(self) -> u64 {
        self.bits.div_ceil(8)
    }
}

/// What a [`BloomFilter`](crate::BloomFilter) looks like now: its shape and how full it is.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
/// d.insert("rajiv")?;
/// let stats = d.stats()?;
/// assert_eq!((stats.size, stats.num_hashes, stats.bits_set), (959, 7, 7));
/// assert_eq!(stats.estimated_len(), 1);
/// assert!(stats.fill_ratio() < 0.01 && stats.false_positive_rate() < 1e-12);
/// assert!(stats.fits());
/// # Ok::<(), pottery::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct BloomStats {
    /// m: bits in the filter.
    pub size: u64,
    /// k: bits set per element.
    pub num_hashes: u32,
    /// X: bits set now (`BITCOUNT`).
    pub bits_set: u64,
    /// Bytes of the Redis string at the key (`STRLEN`; 0 if there is none).
    pub stored_bytes: u64,
}

impl BloomStats {
    fn shape(&self) -> Shape {
        Shape {
            bits: self.size,
            hashes: self.num_hashes,
        }
    }

    /// The share of the m bits that are set, in `0..=1`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// assert_eq!(d.stats()?.fill_ratio(), 0.0);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn fill_ratio(&self) -> f64 {
        self.shape().fill_ratio(self.bits_set)
    }

    /// pottery's estimate of the distinct elements inserted (see
    /// [`BloomFilter::len`](crate::BloomFilter::len)).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// assert_eq!(d.stats()?.estimated_len(), 0);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn estimated_len(&self) -> u64 {
        self.shape().estimated_len(self.bits_set)
    }

    /// The probability that an element never inserted is reported present, at
    /// the current fill: `fill_ratio ^ k`. It reaches about p at n elements.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// assert_eq!(d.stats()?.false_positive_rate(), 0.0);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn false_positive_rate(&self) -> f64 {
        self.shape().false_positive_rate(self.bits_set)
    }

    /// Whether the string at the key fits this (n, p): no longer than the m bits
    /// need. A longer one was written with another (n, p), or is not a filter.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// assert!(d.stats()?.fits());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn fits(&self) -> bool {
        self.stored_bytes <= self.shape().bytes()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn shapes_match_pottery() {
        // pottery 3.0.1 test_size_and_num_hashes.
        let cases = [
            ((100, 0.1), (480, 4)),
            ((1000, 0.1), (4793, 4)),
            ((100, 0.01), (959, 7)),
            ((1000, 0.01), (9586, 7)),
            ((4, 0.01), (39, 7)),
            ((1000, 0.001), (14378, 10)),
            ((5000, 0.01), (47926, 7)),
        ];
        for ((n, p), (bits, hashes)) in cases {
            assert_eq!(
                Shape::new(n, p).unwrap(),
                Shape { bits, hashes },
                "({n}, {p})"
            );
        }
    }

    #[test]
    fn offsets_match_pottery() {
        // pottery's _bit_offsets doctest at (100, 0.01).
        let shape = Shape::new(100, 0.01).unwrap();
        let of = |s: &str| shape.offsets(s.as_bytes()).collect::<Vec<_>>();
        assert_eq!(of("\"rajiv\""), [183, 319, 787, 585, 8, 471, 711]);
        assert_eq!(of("\"raj\""), [482, 875, 725, 667, 109, 714, 595]);
        assert_eq!(of("\"dan\""), [687, 925, 954, 707, 615, 914, 620]);
    }

    #[test]
    fn offsets_stay_in_range() {
        let shape = Shape::new(7, 0.3).unwrap();
        for i in 0..2000 {
            let text = format!("\"{i}\"");
            assert!(shape.offsets(text.as_bytes()).all(|o| o < shape.bits));
        }
    }

    #[test]
    fn estimates() {
        let shape = Shape::new(100, 0.01).unwrap();
        assert_eq!(shape.estimated_len(0), 0);
        assert_eq!(shape.estimated_len(7), 1);
        assert_eq!(shape.estimated_len(14), 2);
        assert_eq!(shape.estimated_len(shape.bits), u64::MAX);
        assert_eq!(shape.fill_ratio(0), 0.0);
        assert_eq!(shape.fill_ratio(shape.bits), 1.0);
        assert!((shape.false_positive_rate(shape.bits / 2) - 0.5f64.powi(7)).abs() < 1e-3);
        assert_eq!(shape.bytes(), 120);
    }

    #[test]
    fn bad_parameters_are_config_errors() {
        for (n, p) in [(0, 0.1), (10, 0.0), (10, 1.0), (10, -0.5), (10, f64::NAN)] {
            assert_eq!(
                Shape::new(n, p).unwrap_err().kind(),
                crate::ErrorKind::Config,
                "({n}, {p})"
            );
        }
        assert_eq!(
            Shape::new(u64::MAX, 1e-300).unwrap_err().kind(),
            crate::ErrorKind::Config
        );
    }
}
