//! [`BloomStats`]: the figures of a filter read from its bitmap in one round trip.

use std::sync::LazyLock;

use redis::Script;
use serde::Serialize;

use super::BloomFilter;
use super::math::Shape;
use crate::codec::Codec;
use crate::decode;
use crate::engine::Mode;
use crate::engine::ModeExt;
use crate::error::{Error, Result};

/// `{BITCOUNT, STRLEN}` of the key, read together.
static STATS: LazyLock<Script> = LazyLock::new(|| {
    Script::new("return {redis.call('BITCOUNT', KEYS[1]), redis.call('STRLEN', KEYS[1])}")
});

/// What a [`BloomFilter`] looks like now: its shape and how full it is.
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
    /// [`BloomFilter::len`]).
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

impl<T, C, M> BloomFilter<T, C, M>
where
    T: Serialize + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// The filter's [`BloomStats`] (size, hashes, bits set, fill ratio, estimated
    /// count, current false-positive rate) in one round trip.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// d.extend(["rajiv", "raj", "dan"])?;
    /// assert_eq!(d.stats()?.estimated_len(), 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn stats(&self) -> M::Output<'_, BloomStats> {
        let shape = self.shape;
        let request = self.base.script(&STATS, &[]);
        let op = self.base.op(request, move |key, reply| {
            let mut parts = decode::array(key, reply)?.into_iter();
            let (Some(set), Some(len)) = (parts.next(), parts.next()) else {
                return Err(Error::unexpected_reply(
                    key,
                    "BITCOUNT/STRLEN",
                    "not a pair",
                ));
            };
            let count = |v| -> Result<u64> {
                let n = decode::int(key, "BITCOUNT/STRLEN", v)?;
                u64::try_from(n).map_err(|_| Error::unexpected_reply(key, "BITCOUNT/STRLEN", n))
            };
            Ok(BloomStats {
                size: shape.bits,
                num_hashes: shape.hashes,
                bits_set: count(set)?,
                stored_bytes: count(len)?,
            })
        });
        M::run(self.base.client(), Ok(op))
    }
}
