//! Measures the process's peak memory while streaming a large RedisDict, then
//! while copying it whole, on a private redis-server:
//! `cargo run --release -p pottery --example iter_memory -- 1000000`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pottery::{Client, sync::RedisDict};

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

fn main() -> pottery::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let server = pottery_testkit::Server::start();
    let client = Client::open(&server.url())?;
    let d: RedisDict<String, u64> = RedisDict::new(&client, "big");
    for start in (0..n).step_by(10_000) {
        d.extend((start..(start + 10_000).min(n)).map(|i| (format!("key-{i}"), i as u64)))?;
    }
    let before = peak_mib();
    let mut count = 0usize;
    let mut sum = 0u64;
    for entry in d.iter() {
        let (_, v) = entry?;
        count += 1;
        sum += v;
    }
    let streamed = peak_mib();
    println!("entries: {}, streamed {count} (sum {sum})", d.len()?);
    println!("peak RSS before iterating: {before:.1} MiB");
    println!("peak RSS after streaming with iter(): {streamed:.1} MiB");
    let copy = d.to_hash_map()?;
    println!(
        "peak RSS after to_hash_map() of {} entries: {:.1} MiB",
        copy.len(),
        peak_mib()
    );
    Ok(())
}
