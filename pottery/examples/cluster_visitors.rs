//! Unique visitors on a Redis Cluster: one `HyperLogLog` per day, each on
//! whichever master its key's slot lands, and a week's count as their union
//! (read across the masters, merged atomically), beside a `BloomFilter` of
//! every visitor. The code is the single-server code: only the client differs.
//!
//! ```sh
//! REDIS_CLUSTER_URLS=redis://127.0.0.1:7000,redis://127.0.0.1:7001 \
//!     cargo run -p pottery --example cluster_visitors
//! ```

use pottery::sync::{BloomFilter, HyperLogLog};
use pottery::{Client, Container};

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Any of the cluster's nodes; the client discovers the others.
    let urls = std::env::var("REDIS_CLUSTER_URLS")
        .unwrap_or_else(|_| "redis://127.0.0.1:7000,redis://127.0.0.1:7001".to_owned());
    let client = Client::cluster(urls.split(','))?;
    let seen: BloomFilter<u32> = BloomFilter::new(&client, "visitors:seen", 10_000, 0.01)?;
    seen.clear()?;

    // Day d sees visitors 100*d .. 100*d + 500: 1,100 distinct in the week.
    let mut days = Vec::new();
    for (d, day) in (0u32..).zip(DAYS) {
        let visitors: HyperLogLog<u32> = HyperLogLog::new(&client, &format!("visitors:{day}"));
        visitors.clear()?;
        let ids: Vec<u32> = (100 * d..100 * d + 500).collect();
        visitors.extend(&ids)?;
        seen.extend(&ids)?;
        println!("{day}: about {} visitors", visitors.len()?);
        days.push(visitors);
    }
    // A HyperLogLog already at the destination would count in the union.
    HyperLogLog::<u32>::new(&client, "visitors:week").clear()?;
    let (first, rest) = days.split_first().ok_or("no days")?;
    let week = first.union_into("visitors:week", rest)?;
    let distinct = week.len()?;
    println!("the week: about {distinct} unique visitors (exactly 1100)");
    println!("visitor 1099 seen: {}", seen.contains(1099)?);
    if distinct.abs_diff(1_100) > 35 || !seen.contains(1099)? {
        return Err(format!("estimate off: {distinct}").into());
    }
    println!("ok");
    Ok(())
}
