//! The `BloomFilter` operations: one filter for (1000, 0.01) (m = 9586 bits,
//! k = 7) holding the 1000 elements (`"user:0000"` ...).

use std::hint::black_box;

use pottery::{future, sync};
use redis::{Cmd, Connection};

use crate::measure::Result;
use crate::ops::{BenchOp, Ctx, ENTRIES, Group, MANY, pick, window, window_start};
use crate::setup::Keys;

/// The acceptable false-positive probability the filter is sized for.
pub(crate) const FALSE_POSITIVES: f64 = 0.01;

/// Ours's filter, blocking and async, and raw's bit offsets, computed before
/// timing (as raw's other rows encode before timing): raw builds each command
/// per call from them, as it builds `SADD` from encoded members.
pub(crate) struct Bloom {
    /// Blocking.
    pub(crate) bloom: sync::BloomFilter<String>,
    /// Async.
    pub(crate) abloom: future::BloomFilter<String>,
    /// The filter's key.
    key: String,
    /// Raw: per element, its k offsets.
    offsets: Vec<Vec<u64>>,
    /// Raw: per window of [`MANY`] elements, their distinct offsets (what ours
    /// reads for `contains_many`).
    many_offsets: Vec<Vec<u64>>,
}

impl Bloom {
    /// Raw's `BITFIELD key SET u1 o 1 ...` (`op` "SET") or `BITFIELD_RO key GET
    /// u1 o ...` (`op` "GET") over `offsets`.
    fn bitfield(&self, op: &str, offsets: &[u64]) -> Cmd {
        let mut cmd = redis::cmd(if op == "SET" {
            "BITFIELD"
        } else {
            "BITFIELD_RO"
        });
        cmd.arg(&self.key);
        for offset in offsets {
            cmd.arg(op).arg("u1").arg(*offset);
            if op == "SET" {
                cmd.arg(1);
            }
        }
        cmd
    }

    /// Raw's insert command for element `i`.
    fn set_cmd(&self, i: usize) -> Result<Cmd> {
        Ok(self.bitfield("SET", pick(&self.offsets, i)?))
    }

    /// Raw's contains command for element `i`.
    fn get_cmd(&self, i: usize) -> Result<Cmd> {
        Ok(self.bitfield("GET", pick(&self.offsets, i)?))
    }

    /// Raw's contains_many command for window `i`.
    fn many_cmd(&self, i: usize) -> Result<Cmd> {
        Ok(self.bitfield("GET", pick(&self.many_offsets, i)?))
    }
}

impl Bloom {
    /// The filter at `keys.bloom`, and raw's commands for the `keys` elements.
    pub(crate) fn new(client: &pottery::Client, keys: &Keys, elements: &[String]) -> Result<Bloom> {
        let n = ENTRIES as u64;
        let bloom = sync::BloomFilter::new(client, &keys.bloom, n, FALSE_POSITIVES)?;
        let abloom = future::BloomFilter::new(client, &keys.bloom, n, FALSE_POSITIVES)?;
        let offsets = elements
            .iter()
            .map(|e| bloom.bit_offsets(e))
            .collect::<pottery::Result<Vec<_>>>()?;
        let many_offsets = (0..elements.len() / MANY)
            .map(|w| {
                let start = window_start(elements.len(), w);
                let mut distinct: Vec<u64> = offsets
                    .iter()
                    .skip(start)
                    .take(MANY)
                    .flatten()
                    .copied()
                    .collect();
                distinct.sort_unstable();
                distinct.dedup();
                distinct
            })
            .collect();
        Ok(Bloom {
            bloom,
            abloom,
            key: keys.bloom.clone(),
            offsets,
            many_offsets,
        })
    }
}

/// Sets the 1000 elements' bits.
pub(crate) fn fill(c: &Ctx, con: &mut Connection) -> Result<()> {
    for i in 0..c.bloom.offsets.len() {
        let _: Vec<i64> = c.bloom.set_cmd(i)?.query(con)?;
    }
    Ok(())
}

/// The filter operations, in table order.
pub(crate) fn ops() -> Vec<BenchOp> {
    vec![
        BenchOp {
            group: Group::Bloom,
            name: "insert",
            python: "bloom_insert",
            single: true,
            note: "one BITFIELD SET of an element's 7 bits (all set already; raw's offsets \
                   are computed before timing, ours hashes the element and decodes the old \
                   bits to a bool); python: bf.add(e) \
                   (WATCH, MULTI, 7 SETBITs, EXEC)",
            prep: None,
            ours_blocking: |c, i| {
                black_box(c.bloom.bloom.insert(pick(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let old: Vec<i64> = c.bloom.set_cmd(i)?.query(con)?;
                black_box(old);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.bloom.abloom.insert(pick(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let old: Vec<i64> = c.bloom.set_cmd(i)?.query_async(&mut con).await?;
                    black_box(old);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Bloom,
            name: "contains",
            python: "bloom_contains",
            single: true,
            note: "one BITFIELD_RO GET of a present element's 7 bits; python: e in bf \
                   (MULTI, 7 GETBITs, EXEC)",
            prep: None,
            ours_blocking: |c, i| {
                black_box(c.bloom.bloom.contains(pick(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let bits: Vec<i64> = c.bloom.get_cmd(i)?.query(con)?;
                black_box(bits);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.bloom.abloom.contains(pick(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let bits: Vec<i64> = c.bloom.get_cmd(i)?.query_async(&mut con).await?;
                    black_box(bits);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Bloom,
            name: "contains_many(100)",
            python: "bloom_contains_many",
            single: false,
            note: "one BITFIELD_RO of the distinct bits of 100 present elements (raw's \
                   offsets are computed before timing; ours hashes 100 elements and decodes \
                   per element); python: list(bf.contains_many(*es)) (MULTI, 700 GETBITs, EXEC)",
            prep: None,
            ours_blocking: |c, i| {
                black_box(c.bloom.bloom.contains_many(window(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let bits: Vec<i64> = c.bloom.many_cmd(i)?.query(con)?;
                black_box(bits);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    let found = c
                        .bloom
                        .abloom
                        .contains_many(window(&c.data.keys, i)?)
                        .await?;
                    black_box(found);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let bits: Vec<i64> = c.bloom.many_cmd(i)?.query_async(&mut con).await?;
                    black_box(bits);
                    Ok(())
                })
            },
        },
    ]
}
