//! Memoizing functions in Redis: the `#[pottery::redis_cache]` attribute on a
//! slow function, and a `RedisCache` used by hand. A result computed by one
//! process is read back by every other (and by Python pottery's
//! `@redis_cache` on the same key) until the cache expires, 60 s after its
//! last use.
//!
//! ```sh
//! REDIS_URL=redis://localhost:6379/0 cargo run -p pottery --example memoize
//! ```

use std::time::{Duration, Instant};

use pottery::Client;
use pottery::sync::RedisCache;

/// Stands for a slow call: a remote API, a heavy query.
#[pottery::redis_cache(key = "memoize:shipping", timeout_secs = 60)]
fn shipping_cost(country: &str, grams: u32) -> u32 {
    std::thread::sleep(Duration::from_millis(300));
    let base = if country == "FR" { 5 } else { 12 };
    base + grams / 100
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The attribute's cache is opened on REDIS_URL (or redis://localhost:6379/0).
    shipping_cost_cache()?.cache_clear()?;
    for round in ["first", "second"] {
        let start = Instant::now();
        let cost = shipping_cost("FR", 1200)?;
        println!("{round} call: {cost} EUR in {:?}", start.elapsed());
    }
    let info = shipping_cost_cache()?.cache_info()?;
    println!("attribute: {} hit, {} miss", info.hits, info.misses);
    if (info.hits, info.misses) != (1, 1) {
        return Err(format!("expected 1 hit and 1 miss, got {info:?}").into());
    }

    // The same by hand: any serializable arguments, any serializable result.
    let client = Client::from_env()?;
    let rates = RedisCache::builder(&client, "memoize:rates")
        .timeout(Some(Duration::from_secs(600)))
        .build()?;
    rates.cache_clear()?;
    let mut fetched = 0;
    for _ in 0..3 {
        let rate: f64 = rates.get_or_compute(&("EUR", "USD"), || {
            fetched += 1;
            1.08 // fetched from a rates service
        })?;
        println!("EUR/USD {rate}");
    }
    println!("by hand: fetched {fetched} time(s) for 3 calls");
    if fetched != 1 {
        return Err("the cache did not keep the rate".into());
    }
    println!("ok");
    Ok(())
}
