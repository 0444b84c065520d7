//! Unique visitors: a `HyperLogLog` counts distinct visitors in 12 KB however
//! many there are, and a `BloomFilter` tells a returning visitor from a new
//! one ("certainly new" or "probably seen"). Both are byte-compatible with
//! Python pottery's, so a Python service can feed or read the same keys.
//!
//! ```sh
//! REDIS_URL=redis://localhost:6379/0 cargo run -p pottery --example unique_visitors
//! ```

use pottery::sync::{BloomFilter, HyperLogLog};
use pottery::{Client, Container};

/// 5,000 page views from 1,000 distinct visitors.
fn page_views() -> impl Iterator<Item = String> {
    (0..5_000u64).map(|i| format!("visitor-{}", i * 7_919 % 1_000))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?; // REDIS_URL, or redis://localhost:6379/0
    let today: HyperLogLog<String> = HyperLogLog::new(&client, "visitors:today");
    // Sized for 10,000 visitors with 1% false positives (about 12 KB).
    let seen: BloomFilter<String> = BloomFilter::new(&client, "visitors:seen", 10_000, 0.01)?;
    today.clear()?;
    seen.clear()?;

    let (mut new, mut returning) = (0, 0);
    for visitor in page_views() {
        // `insert` is true when the visitor was certainly not in the filter.
        if seen.insert(&visitor)? {
            new += 1;
        } else {
            returning += 1;
        }
    }
    // The counter takes a batch in one round trip.
    today.extend(page_views())?;

    let distinct = today.len()?;
    println!("{new} new visitors, {returning} returning views");
    println!("about {distinct} unique visitors today (exactly 1000)");
    println!(
        "is visitor-42 known? {}; is a stranger? {}",
        seen.contains("visitor-42")?,
        seen.contains("stranger")?
    );
    // HyperLogLog's standard error is 0.81%; a Bloom filter never misses a
    // member, and may take a few new visitors for returning ones.
    if distinct.abs_diff(1_000) > 30 || !(980..=1_000).contains(&new) {
        return Err(format!("estimates off: {distinct} distinct, {new} new").into());
    }
    println!("ok");
    Ok(())
}
