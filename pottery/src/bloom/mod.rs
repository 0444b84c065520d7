//! [`BloomFilter`]: a Redis bitmap answering "have I seen this element?", with
//! Python pottery's exact bit layout.
//!
//! `mod.rs` holds the type and the single-element operations, `bulk.rs` those
//! on many elements at once, `logic.rs` the pure numbers (size, hash count,
//! offsets, and [`BloomStats`]' estimates), `impls.rs` the trait impls.

mod bulk;
mod impls;
mod logic;

pub use logic::BloomStats;

use std::marker::PhantomData;

use redis::{Cmd, Value};
use serde::Serialize;

use crate::client::Client;
use crate::codec::{Codec, EncodeAs, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::{Blocking, Mode};
use crate::error::{Error, Result};
use crate::lua;
use logic::Shape;

/// Ties the element and mode types to the structure without owning any.
type Types<T, M> = PhantomData<fn() -> (T, M)>;

/// A Bloom filter in a Redis string; Python pottery's `BloomFilter`.
///
/// It answers "have I inserted this element?" with no false negatives and a false
/// positive rate near the `false_positives` (p) you chose, as long as you insert
/// at most `num_elements` (n). From (n, p) it derives its size in bits
/// ([`size`](Self::size), m) and its hash count ([`num_hashes`](Self::num_hashes),
/// k) with pottery's formulas; an element sets the k bits at the offsets
/// MurmurHash3 gives for its encoding. Neither n nor p is stored in Redis: every
/// process (Python ones included) must open the filter with the same (n, p) to
/// share it, and then sets and reads the very same bits.
///
/// Every method is one round trip: [`insert`](Self::insert) and
/// [`contains`](Self::contains) whatever k, [`extend`](Self::extend) and
/// [`contains_many`](Self::contains_many) however many elements (one `BITFIELD`
/// command each).
///
/// Use it through [`crate::sync::BloomFilter`] (methods return `Result`) or
/// [`crate::future::BloomFilter`] (methods return futures).
///
/// # Example
///
/// ```
/// use pottery::{Client, sync::BloomFilter};
///
/// # let server = pottery_testkit::Server::start();
/// # let url = server.url();
/// let client = Client::open(&url)?;
/// let dilberts: BloomFilter<String> = BloomFilter::new(&client, "dilberts", 100, 0.01)?;
/// dilberts.insert("rajiv")?;
/// assert!(dilberts.contains("rajiv")?);
/// assert!(!dilberts.contains("dan")?);
/// dilberts.extend(["raj", "dan"])?;
/// assert_eq!(dilberts.len()?, 3);
/// assert_eq!((dilberts.size(), dilberts.num_hashes()), (959, 7));
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct BloomFilter<T, C = Json, M = Blocking> {
    base: Base<C>,
    num_elements: u64,
    false_positives: f64,
    shape: Shape,
    types: Types<T, M>,
}

impl<T, C: Codec + Default, M: Mode> BloomFilter<T, C, M> {
    /// A filter at `key` for `num_elements` (n) elements at a false-positive
    /// probability of `false_positives` (p); nothing is read or written. A
    /// [`Config`](crate::ErrorKind::Config) error unless `n >= 1`, `0 < p < 1`
    /// and the filter fits a Redis string (2^32 bits).
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let seen: pottery::sync::BloomFilter<String> =
    ///     pottery::sync::BloomFilter::new(&client, "seen", 1000, 0.01)?;
    /// assert_eq!(seen.key(), "seen");
    /// assert!(pottery::sync::BloomFilter::<String>::new(&client, "seen", 1000, 1.5).is_err());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(
        client: &Client,
        key: &str,
        num_elements: u64,
        false_positives: f64,
    ) -> Result<Self> {
        Self::with_codec(client, key, num_elements, false_positives, C::default())
    }

    /// A filter at a fresh random key (`pottery:<uuid4>`), deleted when it and all
    /// its clones are dropped.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let seen: pottery::sync::BloomFilter<String> =
    ///     pottery::sync::BloomFilter::temporary(&client, 1000, 0.01)?;
    /// assert!(seen.key().starts_with("pottery:"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn temporary(client: &Client, num_elements: u64, false_positives: f64) -> Result<Self> {
        let shape = Shape::new(num_elements, false_positives)?;
        let base = Base::temporary(client, C::default(), "string").of("BloomFilter");
        Ok(Self::build(base, num_elements, false_positives, shape))
    }
}

impl<T, C: Codec, M: Mode> BloomFilter<T, C, M> {
    /// Like [`new`](Self::new), encoding elements with `codec`.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let seen: pottery::sync::BloomFilter<String> =
    ///     pottery::sync::BloomFilter::with_codec(&client, "seen", 1000, 0.01, pottery::Json)?;
    /// assert_eq!(seen.num_elements(), 1000);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn with_codec(
        client: &Client,
        key: &str,
        num_elements: u64,
        false_positives: f64,
        codec: C,
    ) -> Result<Self> {
        let shape = Shape::new(num_elements, false_positives)
            .map_err(|e| Error::config(format!("BloomFilter {key}: {e}")))?;
        let base = Base::named(client, key, codec, "string").of("BloomFilter");
        Ok(Self::build(base, num_elements, false_positives, shape))
    }

    fn build(base: Base<C>, num_elements: u64, false_positives: f64, shape: Shape) -> Self {
        BloomFilter {
            base,
            num_elements,
            false_positives,
            shape,
            types: PhantomData,
        }
    }

    /// The Redis key holding the bitmap.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let seen: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "seen", 10, 0.1)?;
    /// assert_eq!(seen.key(), "seen");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        self.base.key()
    }

    /// n: the number of elements the filter is sized for.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let seen: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "seen", 10, 0.1)?;
    /// assert_eq!(seen.num_elements(), 10);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn num_elements(&self) -> u64 {
        self.num_elements
    }

    /// p: the false-positive probability the filter is sized for (reached when it
    /// holds n elements).
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let seen: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "seen", 10, 0.1)?;
    /// assert_eq!(seen.false_positives(), 0.1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn false_positives(&self) -> f64 {
        self.false_positives
    }

    /// m: the bitmap's size in bits, `ceil(-n ln p / ln(2)^2)` (pottery's `size()`).
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let seen: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "seen", 1000, 0.01)?;
    /// assert_eq!(seen.size(), 9586);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn size(&self) -> u64 {
        self.shape.bits
    }

    /// k: the bits each element sets, `ceil(m / n ln 2)` (pottery's `num_hashes()`).
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let seen: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "seen", 1000, 0.01)?;
    /// assert_eq!(seen.num_hashes(), 7);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn num_hashes(&self) -> u32 {
        self.shape.hashes
    }

    /// The bit offsets `element` sets, in seed order (as pottery's `_bit_offsets`);
    /// no round trip.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// assert_eq!(d.bit_offsets("rajiv")?, [183, 319, 787, 585, 8, 471, 711]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn bit_offsets(&self, element: impl EncodeAs<T>) -> Result<Vec<u64>> {
        let raw = self.base.encode(&element)?;
        Ok(self.shape.offsets(&raw).collect())
    }

    /// A `BITFIELD` (or `BITFIELD_RO`) on the key with `op` (`SET`/`GET`) of each
    /// one-bit field at `offsets`. Bit N of a `u1` field is `SETBIT`'s bit N (the
    /// most significant bit of byte 0 is bit 0), pottery's layout.
    fn bitfield(&self, command: &str, op: &str, offsets: &[u64]) -> Cmd {
        let mut cmd = self.base.cmd(command);
        for offset in offsets {
            cmd.arg(op).arg("u1").arg(*offset);
            if op == "SET" {
                cmd.arg(1);
            }
        }
        cmd
    }

    /// Encodes `elements` and gathers their offsets, each once, in order.
    fn distinct_offsets<I>(&self, elements: I) -> Result<Vec<u64>>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
        T: Serialize,
    {
        let mut offsets = Vec::new();
        for element in elements {
            let raw = self.base.encode(&element)?;
            offsets.extend(self.shape.offsets(&raw));
        }
        offsets.sort_unstable();
        offsets.dedup();
        Ok(offsets)
    }
}

impl<T, C, M> BloomFilter<T, C, M>
where
    T: Serialize + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Inserts `element`: sets its k bits in one `BITFIELD`. `true` if any was
    /// unset, so the element was certainly not in the filter before; `false` if
    /// it may have been. Python's `add`.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// assert!(d.insert("rajiv")?);
    /// assert!(!d.insert("rajiv")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert(&self, element: impl EncodeAs<T>) -> M::Output<'_, bool> {
        let op = self.bit_offsets(element).map(|offsets| {
            let cmd = self.bitfield("BITFIELD", "SET", &offsets);
            self.base.op(cmd, |key, reply| {
                // The replies are the bits' old values.
                let old = decode::array(key, reply)?;
                old.into_iter()
                    .map(|bit| decode::int(key, "BITFIELD", bit))
                    .try_fold(false, |any, bit| Ok(any || bit? == 0))
            })
        });
        M::run(self.base.client(), op)
    }

    /// Whether `element` may have been inserted: all its k bits are set (one
    /// `BITFIELD_RO`). `false` is certain; `true` is wrong with about the
    /// probability [`BloomStats::false_positive_rate`] gives. An element the codec
    /// cannot encode cannot have been inserted: `false`, without a round trip.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// d.insert("rajiv")?;
    /// assert!(d.contains("rajiv")?);
    /// assert!(!d.contains("raj")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains(&self, element: impl EncodeAs<T>) -> M::Output<'_, bool> {
        let Ok(offsets) = self.bit_offsets(element) else {
            return M::ready(Ok(false));
        };
        let cmd = self.bitfield("BITFIELD_RO", "GET", &offsets);
        let op = self.base.op(cmd, |key, reply| {
            let bits = decode::array(key, reply)?;
            bits.into_iter()
                .map(|bit| decode::int(key, "BITFIELD_RO", bit))
                .try_fold(true, |all, bit| Ok(all && bit? == 1))
        });
        M::run(self.base.client(), Ok(op))
    }

    /// pottery's estimate of how many distinct elements were inserted,
    /// `floor(-m / k * ln(1 - X / m))` over X = `BITCOUNT`; `u64::MAX` once every
    /// bit is set (where pottery raises `ValueError`). Python's `len()`.
    ///
    /// Returns `Result<u64>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// assert_eq!(d.len()?, 0);
    /// d.extend(["rajiv", "raj"])?;
    /// assert_eq!(d.len()?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn len(&self) -> M::Output<'_, u64> {
        let shape = self.shape;
        let op = self.base.op(self.base.cmd("BITCOUNT"), move |key, reply| {
            Ok(shape.estimated_len(bits_set(key, reply)?))
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Whether no bit is set (nothing was inserted).
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// assert!(d.is_empty()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_empty(&self) -> M::Output<'_, bool> {
        let op = self.base.op(self.base.cmd("BITCOUNT"), |key, reply| {
            Ok(bits_set(key, reply)? == 0)
        });
        M::run(self.base.client(), Ok(op))
    }

    /// The number of bits set (`BITCOUNT`; pottery's `_num_bits_set()`).
    ///
    /// Returns `Result<u64>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "d", 100, 0.01)?;
    /// d.insert("rajiv")?;
    /// assert_eq!(d.bits_set()?, 7);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn bits_set(&self) -> M::Output<'_, u64> {
        let op = self.base.op(self.base.cmd("BITCOUNT"), bits_set);
        M::run(self.base.client(), Ok(op))
    }

    /// pottery's `repr`: `<BloomFilter key=dilberts>`, with no I/O (as pottery's);
    /// `Debug` prints the key and the filter's shape.
    ///
    /// Returns `Result<String>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let d: pottery::sync::BloomFilter<String> = pottery::sync::BloomFilter::new(&client, "dilberts", 100, 0.01)?;
    /// assert_eq!(d.repr()?, "<BloomFilter key=dilberts>");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn repr(&self) -> M::Output<'_, String> {
        M::ready(Ok(format!("<BloomFilter key={}>", self.key())))
    }

    /// The filter's [`BloomStats`] (size, hashes, bits set, fill ratio, estimated
    /// count, current false-positive rate) in one round trip.
    ///
    /// Returns `Result<BloomStats>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
        let request = self.base.script(&lua::bloom::STATS, &[]);
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

/// A `BITCOUNT` reply.
fn bits_set(key: &str, reply: Value) -> Result<u64> {
    let n = decode::int(key, "BITCOUNT", reply)?;
    u64::try_from(n).map_err(|_| Error::unexpected_reply(key, "BITCOUNT", n))
}
