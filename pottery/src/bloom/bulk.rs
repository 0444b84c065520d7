//! The operations of [`BloomFilter`] on many elements at once: one round trip
//! whatever their number.

use serde::Serialize;

use super::BloomFilter;
use crate::codec::{Codec, EncodeAs};
use crate::decode;
use crate::engine::{Mode, ModeExt};
use crate::error::{Error, Result};

impl<T, C, M> BloomFilter<T, C, M>
where
    T: Serialize + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Inserts every element of `elements` in one `BITFIELD` (each distinct bit
    /// set once: the command never outgrows the bitmap); none for no elements.
    /// Python's `update`.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// d.extend(["rajiv", "raj", "dan"])?;
    /// assert_eq!(d.contains_many(["raj", "eric"])?, [true, false]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I>(&self, elements: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let offsets = match self.distinct_offsets(elements) {
            Ok(offsets) if offsets.is_empty() => return M::ready(Ok(())),
            Ok(offsets) => offsets,
            Err(err) => return M::ready(Err(err)),
        };
        let cmd = self.bitfield("BITFIELD", "SET", &offsets);
        M::run(self.base.client(), Ok(self.base.op(cmd, |_, _| Ok(()))))
    }

    /// Whether each of `elements` may have been inserted, in order: one
    /// `BITFIELD_RO` reading each distinct bit once (none for no elements).
    /// Elements the codec cannot encode are reported absent.
    ///
    /// Returns `Result<Vec<bool>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 4, 0.01)?;
    /// d.extend(["foo", "bar", "zap", "a"])?;
    /// assert_eq!(d.contains_many(["foo", "bar", "baz", "quz"])?, [true, true, false, false]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains_many<I>(&self, elements: I) -> M::Output<'_, Vec<bool>>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        // Each element's offsets; `None` for one that cannot be encoded.
        let wanted: Vec<Option<Vec<u64>>> = elements
            .into_iter()
            .map(|element| self.bit_offsets(element).ok())
            .collect();
        let mut distinct: Vec<u64> = wanted.iter().flatten().flatten().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.is_empty() {
            return M::ready(Ok(vec![false; wanted.len()]));
        }
        let cmd = self.bitfield("BITFIELD_RO", "GET", &distinct);
        let op = self.base.op(cmd, move |key, reply| {
            let bits = decode::array(key, reply)?
                .into_iter()
                .map(|bit| Ok(decode::int(key, "BITFIELD_RO", bit)? == 1))
                .collect::<Result<Vec<bool>>>()?;
            if bits.len() != distinct.len() {
                return Err(Error::unexpected_reply(key, "BITFIELD_RO", "too few bits"));
            }
            // `distinct` is sorted: each offset's bit is found by binary search.
            let is_set = |offset: &u64| {
                let at = distinct.binary_search(offset).ok();
                at.and_then(|i| bits.get(i).copied()).unwrap_or(false)
            };
            Ok(wanted
                .iter()
                .map(|offsets| offsets.as_ref().is_some_and(|o| o.iter().all(is_set)))
                .collect())
        });
        M::run(self.base.client(), Ok(op))
    }
}
