//! A job pipeline: a producer queues jobs on a `RedisSimpleQueue`, three
//! workers take them, store each result in a `RedisDict` and count what they
//! did in a `RedisCounter`, and a `Redlock` guards the one read-modify-write
//! they share (the largest result so far). Everything lives in Redis, so the
//! workers could as well be processes on other machines, or Python pottery
//! programs using the same keys.
//!
//! ```sh
//! REDIS_URL=redis://localhost:6379/0 cargo run -p pottery --example job_pipeline
//! ```

use std::time::Duration;

use pottery::sync::{RedisCounter, RedisDict, RedisSimpleQueue, Redlock};
use pottery::{Client, Container};

const JOBS: u64 = 30;
const WORKERS: usize = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?; // REDIS_URL, or redis://localhost:6379/0
    let jobs: RedisSimpleQueue<u64> = RedisSimpleQueue::new(&client, "pipeline:jobs");
    let results: RedisDict<u64, u64> = RedisDict::new(&client, "pipeline:results");
    let done: RedisCounter<String> = RedisCounter::new(&client, "pipeline:done");
    let best: RedisDict<String, u64> = RedisDict::new(&client, "pipeline:best");
    let lock = Redlock::new(&client, "pipeline:best");
    // Start from nothing (a previous run's results would be counted).
    jobs.clear()?;
    results.clear()?;
    done.clear()?;
    best.clear()?;

    for n in 1..=JOBS {
        jobs.put(n)?;
    }
    println!("queued {} jobs", jobs.qsize()?);

    std::thread::scope(|s| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|id| {
                let (jobs, results, done, best, lock) = (&jobs, &results, &done, &best, &lock);
                s.spawn(move || -> pottery::Result<()> {
                    // An empty queue for 200 ms means the producer is done.
                    while let Some(n) = jobs.get_timeout(Duration::from_millis(200))? {
                        std::thread::sleep(Duration::from_millis(10)); // the work
                        let square = n * n;
                        results.insert(n, square)?;
                        done.increment(format!("worker-{id}"), 1)?;
                        // Read, compare, write: two workers must not interleave.
                        lock.run(|| -> pottery::Result<()> {
                            if best.get("largest")?.unwrap_or(0) < square {
                                best.insert("largest", square)?;
                            }
                            Ok(())
                        })??;
                    }
                    Ok(())
                })
            })
            .collect();
        // A worker that panicked is reported as an error too.
        workers.into_iter().try_for_each(|w| match w.join() {
            Ok(done) => done.map_err(|e| e.to_string()),
            Err(_) => Err("a worker panicked".to_owned()),
        })
    })?;

    let total: i64 = (0..WORKERS)
        .map(|id| done.get(format!("worker-{id}")))
        .sum::<pottery::Result<i64>>()?;
    for id in 0..WORKERS {
        println!("worker-{id} did {} jobs", done.get(format!("worker-{id}"))?);
    }
    let largest = best.get("largest")?.unwrap_or(0);
    println!("{} results, largest {largest}", results.len()?);
    if total != JOBS as i64 || results.len()? != JOBS as usize || largest != JOBS * JOBS {
        return Err(format!("lost work: {total} jobs done, largest {largest}").into());
    }
    println!("ok");
    Ok(())
}
