//! Measures the process's peak memory while streaming a large structure, then
//! while copying it whole, on a private redis-server:
//! `cargo run --release -p pottery --example iter_memory -- dict|set|list 1000000`.
//!
//! Peak RSS only grows, so each run measures one structure: streaming first,
//! then the full copy for comparison.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pottery::{
    Client,
    sync::{RedisDict, RedisList, RedisSet},
};

/// Peak resident set size so far, in MiB (Linux `VmHWM`).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// Streams `items` (counting them), then reports peak memory before and after.
fn stream<T>(items: impl Iterator<Item = pottery::Result<T>>) -> pottery::Result<usize> {
    let before = peak_mib();
    let mut count = 0usize;
    for item in items {
        item?;
        count += 1;
    }
    println!(
        "peak RSS before streaming: {before:.1} MiB, after streaming {count}: {:.1} MiB",
        peak_mib()
    );
    Ok(count)
}

fn main() -> pottery::Result<()> {
    let what = std::env::args().nth(1).unwrap_or_else(|| "dict".to_owned());
    let n: u64 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let server = pottery_testkit::Server::start();
    let client = Client::open(&server.url())?;
    let chunks = (0..n)
        .step_by(10_000)
        .map(|start| start..(start + 10_000).min(n));
    match what.as_str() {
        "set" => {
            let s: RedisSet<String> = RedisSet::new(&client, "big");
            for chunk in chunks {
                s.extend(chunk.map(|i| format!("member-{i}")))?;
            }
            stream(s.iter())?;
            let copy = s.to_hash_set()?;
            println!(
                "peak RSS after to_hash_set() of {}: {:.1} MiB",
                copy.len(),
                peak_mib()
            );
        }
        "list" => {
            let l: RedisList<String> = RedisList::new(&client, "big");
            for chunk in chunks {
                l.extend(chunk.map(|i| format!("element-{i}")))?;
            }
            stream(l.iter())?;
            let copy = l.to_vec()?;
            println!(
                "peak RSS after to_vec() of {}: {:.1} MiB",
                copy.len(),
                peak_mib()
            );
        }
        _ => {
            let d: RedisDict<String, u64> = RedisDict::new(&client, "big");
            for chunk in chunks {
                d.extend(chunk.map(|i| (format!("key-{i}"), i)))?;
            }
            stream(d.iter())?;
            let copy = d.to_hash_map()?;
            println!(
                "peak RSS after to_hash_map() of {}: {:.1} MiB",
                copy.len(),
                peak_mib()
            );
        }
    }
    Ok(())
}
