//! The async work-queue rows ([`crate::workqueue`]): ours async
//! (`pottery::future::RedisWorkQueue`) and raw redis-rs async doing the same
//! job, run by one harness on Tokio tasks, so that ours async is measured
//! against the raw commands in the same mode (as the main bench's rows are).
//!
//! Raw async: the producers share one multiplexed connection (as ours share
//! one `Client`'s); each consumer has a multiplexed connection of its own, since
//! its `XREADGROUP ... BLOCK` would hold up every other request of a shared one;
//! it acks with `XACK` + `XDEL` pipelined on it. Pottery's default timeouts on
//! all of them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::runtime::Runtime;

use crate::measure::Result;
use crate::workqueue::{
    GAP, Job, LATENCY_WARMUP, MANY, Phases, RawReply, SAMPLES, STOP, WAIT, job, raw_ack, raw_job,
    raw_read,
};

/// A boxed future of a side's step.
type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// An async side: its producers and consumers, made before the clock starts.
trait AsyncSide: Send + Sync + 'static {
    type Producer: Send + 'static;
    type Consumer: Send + 'static;
    fn producer(&self) -> Fut<'_, Self::Producer>;
    fn consumer(&self, n: usize) -> Fut<'_, Self::Consumer>;
    fn put<'a>(&'a self, producer: &'a mut Self::Producer, job: Job) -> Fut<'a, ()>;
    /// Receives one job (waiting up to [`WAIT`]) and acks it; returns it with
    /// the instant the receive returned.
    fn take<'a>(&'a self, consumer: &'a mut Self::Consumer) -> Fut<'a, (Job, Instant)>;
}

type AsyncQueue = pottery::future::RedisWorkQueue<Job>;

/// Ours, async: a handle per producer and per consumer task, one `Client`.
struct Ours {
    client: pottery::Client,
    key: String,
}

impl AsyncSide for Ours {
    type Producer = AsyncQueue;
    type Consumer = AsyncQueue;

    fn producer(&self) -> Fut<'_, AsyncQueue> {
        Box::pin(async move { Ok(AsyncQueue::new(&self.client, &self.key)) })
    }

    fn consumer(&self, _: usize) -> Fut<'_, AsyncQueue> {
        Box::pin(async move {
            let queue = AsyncQueue::new(&self.client, &self.key);
            // Creates the group (lazily, once per handle) before the clock starts.
            queue.try_receive().await?;
            Ok(queue)
        })
    }

    fn put<'a>(&'a self, queue: &'a mut AsyncQueue, job: Job) -> Fut<'a, ()> {
        Box::pin(async move {
            queue.put(job).await?;
            Ok(())
        })
    }

    fn take<'a>(&'a self, queue: &'a mut AsyncQueue) -> Fut<'a, (Job, Instant)> {
        Box::pin(async move {
            let delivery = queue
                .receive_timeout(WAIT)
                .await?
                .ok_or("no job within 10 s")?;
            let at = Instant::now();
            let job = delivery.item().clone();
            delivery.ack().await?;
            Ok((job, at))
        })
    }
}

/// Raw redis-rs async stream commands (the group is made by the caller).
struct Raw {
    client: redis::Client,
    key: String,
    /// The producers' shared connection.
    shared: MultiplexedConnection,
}

impl Raw {
    async fn new(client: &redis::Client, key: &str) -> Result<Raw> {
        Ok(Raw {
            client: client.clone(),
            key: key.to_owned(),
            shared: client
                .get_multiplexed_async_connection_with_config(&timeouts(Duration::ZERO))
                .await?,
        })
    }
}

impl AsyncSide for Raw {
    type Producer = MultiplexedConnection;
    type Consumer = (MultiplexedConnection, String);

    fn producer(&self) -> Fut<'_, MultiplexedConnection> {
        Box::pin(async move { Ok(self.shared.clone()) })
    }

    fn consumer(&self, n: usize) -> Fut<'_, Self::Consumer> {
        Box::pin(async move {
            // Its XREADGROUP blocks up to WAIT on the server.
            let con = self
                .client
                .get_multiplexed_async_connection_with_config(&timeouts(WAIT))
                .await?;
            Ok((con, format!("c{n}")))
        })
    }

    fn put<'a>(&'a self, con: &'a mut MultiplexedConnection, job: Job) -> Fut<'a, ()> {
        Box::pin(async move {
            redis::cmd("XADD")
                .arg(&self.key)
                .arg("*")
                .arg("item")
                .arg(serde_json::to_vec(&job)?)
                .query_async::<String>(con)
                .await?;
            Ok(())
        })
    }

    fn take<'a>(&'a self, (con, name): &'a mut Self::Consumer) -> Fut<'a, (Job, Instant)> {
        Box::pin(async move {
            let reply: RawReply = raw_read(&self.key, name).query_async(con).await?;
            let at = Instant::now();
            let (id, job) = raw_job(reply)?;
            raw_ack(&self.key, &id).query_async::<()>(con).await?;
            Ok((job, at))
        })
    }
}

/// Pottery's default timeouts, the response's `blocks` longer (what a request
/// may block on the server), as in the main bench.
fn timeouts(blocks: Duration) -> redis::AsyncConnectionConfig {
    redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(pottery::DEFAULT_CONNECT_TIMEOUT))
        .set_response_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT + blocks))
}

/// Ours async's throughput run (see [`crate::workqueue`]).
pub(crate) fn ours_throughput(
    client: &pottery::Client,
    key: &str,
    consumers: usize,
    items: usize,
    rt: &Runtime,
) -> Result<Phases, String> {
    let side = Ours {
        client: client.clone(),
        key: key.to_owned(),
    };
    rt.block_on(throughput(Arc::new(side), consumers, items))
        .map_err(|e| e.to_string())
}

/// Raw async's throughput run; the group exists already.
pub(crate) fn raw_throughput(
    client: &redis::Client,
    key: &str,
    consumers: usize,
    items: usize,
    rt: &Runtime,
) -> Result<Phases, String> {
    rt.block_on(async {
        let side = Raw::new(client, key).await?;
        throughput(Arc::new(side), consumers, items).await
    })
    .map_err(|e| e.to_string())
}

/// Ours async's put-to-receive samples.
pub(crate) fn ours_latency(
    client: &pottery::Client,
    key: &str,
    rt: &Runtime,
) -> Result<Vec<Duration>, String> {
    let side = Ours {
        client: client.clone(),
        key: key.to_owned(),
    };
    rt.block_on(latency(Arc::new(side)))
        .map_err(|e| e.to_string())
}

/// Raw async's put-to-receive samples; the group exists already.
pub(crate) fn raw_latency(
    client: &redis::Client,
    key: &str,
    rt: &Runtime,
) -> Result<Vec<Duration>, String> {
    rt.block_on(async {
        let side = Raw::new(client, key).await?;
        latency(Arc::new(side)).await
    })
    .map_err(|e| e.to_string())
}

/// `consumers` producer tasks put `items` jobs between them, then
/// `consumers` consumer tasks take them all; the time of the two phases.
async fn throughput<S: AsyncSide>(side: Arc<S>, consumers: usize, items: usize) -> Result<Phases> {
    let mut takers = Vec::with_capacity(consumers);
    for n in 0..consumers {
        takers.push(side.consumer(n).await?);
    }
    let mut producers = Vec::with_capacity(consumers);
    for _ in 0..consumers {
        producers.push(side.producer().await?);
    }
    let share = items.div_ceil(consumers);
    let putting = Instant::now();
    let handles: Vec<_> = producers
        .into_iter()
        .enumerate()
        .map(|(p, mut producer)| {
            let side = Arc::clone(&side);
            tokio::spawn(async move {
                for i in (p * share)..items.min((p + 1) * share) {
                    side.put(&mut producer, job(i as u64)).await?;
                }
                Ok::<_, crate::measure::Error>(())
            })
        })
        .collect();
    for handle in handles {
        handle.await??;
    }
    let put = putting.elapsed();
    // Untimed: one stop job per consumer, after the jobs.
    let mut stopper = side.producer().await?;
    for _ in 0..consumers {
        side.put(&mut stopper, job(STOP)).await?;
    }
    let acked = Arc::new(AtomicUsize::new(0));
    let taking = Instant::now();
    let handles: Vec<_> = takers
        .into_iter()
        .map(|mut consumer| {
            let (side, acked) = (Arc::clone(&side), Arc::clone(&acked));
            tokio::spawn(async move {
                let mut last = None;
                loop {
                    let (job, _) = side.take(&mut consumer).await?;
                    if job.i == STOP {
                        return Ok::<_, crate::measure::Error>(last);
                    }
                    if acked.fetch_add(1, Ordering::Relaxed) + 1 == items {
                        last = Some(Instant::now());
                    }
                }
            })
        })
        .collect();
    let mut last = None;
    for handle in handles {
        last = last.or(handle.await??);
    }
    let last: Instant = last.ok_or("not every job was acked")?;
    Ok(Phases {
        put,
        take: last - taking,
    })
}

/// [`MANY`] idle consumer tasks; one job at a time; put-to-receive of each.
async fn latency<S: AsyncSide>(side: Arc<S>) -> Result<Vec<Duration>> {
    let mut takers = Vec::with_capacity(MANY);
    for n in 0..MANY {
        takers.push(side.consumer(n).await?);
    }
    let mut producer = side.producer().await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Instant)>();
    let taking: Vec<_> = takers
        .into_iter()
        .map(|mut consumer| {
            let (side, tx) = (Arc::clone(&side), tx.clone());
            tokio::spawn(async move {
                loop {
                    let (job, at) = side.take(&mut consumer).await?;
                    if job.i == STOP {
                        return Ok::<_, crate::measure::Error>(());
                    }
                    tx.send((job.i, at))?;
                }
            })
        })
        .collect();
    let mut samples = Vec::with_capacity(SAMPLES);
    let measured = async {
        for i in 0..(LATENCY_WARMUP + SAMPLES) as u64 {
            tokio::time::sleep(GAP).await;
            let put = Instant::now();
            side.put(&mut producer, job(i)).await?;
            let (got, at) = tokio::time::timeout(WAIT, rx.recv())
                .await?
                .ok_or("the consumers stopped")?;
            if got != i {
                return Err(format!("received job {got}, expected {i}").into());
            }
            if i as usize >= LATENCY_WARMUP {
                samples.push(at - put);
            }
        }
        Ok::<_, crate::measure::Error>(())
    }
    .await;
    for _ in 0..MANY {
        side.put(&mut producer, job(STOP)).await?;
    }
    for handle in taking {
        handle.await??;
    }
    measured?;
    Ok(samples)
}
