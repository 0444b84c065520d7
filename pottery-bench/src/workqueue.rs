//! The work-queue rows: ours (`RedisWorkQueue`, blocking and async) against
//! the raw redis-rs stream commands doing the same job and against BullMQ, on
//! the same server, in one run.
//!
//! - **Throughput** of put + receive + ack with 1 and [`MANY`] consumers, in
//!   two timed phases: as many producers as consumers put [`items`] jobs
//!   between them, then the consumers receive and ack them all (items/s = jobs
//!   / the two phases' time). Phases, not producers and consumers at once: a
//!   consumer faster than its producer would otherwise keep catching up and
//!   blocking, paying a wake-up per job, so the faster side would look slower.
//!   The peers take turns, round after round ([`ROUNDS`] unless `--rounds`
//!   or `--quick` says otherwise), and the figure is
//!   the median of a peer's rounds.
//! - **Put-to-receive latency** with [`MANY`] idle consumers (blocked waiting):
//!   one job at a time, the receive's return minus the instant just before the
//!   put, on this process's monotonic clock (BullMQ's: its processor's start
//!   minus the instant before `Queue.add`, in its one Node process); after each
//!   job is acked the producer sleeps [`GAP`], so the consumers are blocked again.
//!   The PING round trip is measured in the same run, for the "RTTs" column.
//!
//! Raw is the fair baseline of what our queue does per item: `XADD`; `XREADGROUP
//! ... COUNT 1 BLOCK` (one connection per consumer); `XACK` + `XDEL` pipelined in
//! one round trip; the job JSON-encoded and decoded like ours; pottery's default
//! timeouts on its connections (as in the main bench). Raw async
//! ([`crate::workqueue_async`]) does the same on multiplexed connections, and
//! ours async is compared with it. BullMQ runs with
//! its defaults (`Queue.add`; a `Worker` with `concurrency` = consumers; completed
//! jobs kept) from `pottery-bench/peers/node/workqueue.js`; when it is not
//! installed its rows say so and the bench goes on.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::runtime::Runtime;

use crate::handoff::{ping_rtt, script};
use crate::measure::Result;
use crate::workqueue_async;
use crate::workqueue_report::{LatencyRow, ThroughputRow, WorkQueueRows};

/// The many-consumer setting (and the idle consumers of the latency rows).
pub(crate) const MANY: usize = 8;
/// The consumer counts of the throughput rows.
pub(crate) const CONSUMERS: [usize; 2] = [1, MANY];
/// Throughput rounds per peer and consumer count.
pub(crate) const ROUNDS: usize = 9;
/// Rounds with `--quick`.
pub(crate) const QUICK_ROUNDS: usize = 3;
/// Latency samples per peer (after [`LATENCY_WARMUP`] dropped).
pub(crate) const SAMPLES: usize = 200;
/// Latency samples dropped first (connections opening, threads starting).
pub(crate) const LATENCY_WARMUP: usize = 10;
/// The producer's pause after each acked job in the latency rows.
pub(crate) const GAP: Duration = Duration::from_millis(2);
/// The consumer group of the raw rows.
const GROUP: &str = "bench";
/// How long a consumer waits for a job before the run fails.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// Jobs per throughput run with `consumers` consumers.
pub(crate) fn items(consumers: usize) -> usize {
    if consumers == 1 { 500 } else { 2_000 }
}

/// A job: the same JSON object for every peer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct Job {
    pub(crate) i: u64,
    name: String,
}

/// The job that tells a consumer to stop (one per consumer, after the jobs).
pub(crate) const STOP: u64 = u64::MAX;

pub(crate) fn job(i: u64) -> Job {
    Job {
        i,
        name: format!("user:{:04}", i % 1000),
    }
}

/// A peer of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Peer {
    OursBlocking,
    OursAsync,
    Raw,
    RawAsync,
    BullMq,
}

impl Peer {
    pub(crate) const ALL: [Peer; 5] = [
        Peer::OursBlocking,
        Peer::OursAsync,
        Peer::Raw,
        Peer::RawAsync,
        Peer::BullMq,
    ];

    /// The raw peer doing the same job in the same mode: what `/raw` divides by.
    pub(crate) fn baseline(self) -> Peer {
        match self {
            Peer::OursAsync | Peer::RawAsync => Peer::RawAsync,
            _ => Peer::Raw,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Peer::OursBlocking => "ours blocking",
            Peer::OursAsync => "ours async",
            Peer::Raw => "raw redis-rs",
            Peer::RawAsync => "raw async",
            Peer::BullMq => "bullmq (node)",
        }
    }

    pub(crate) fn note(self) -> &'static str {
        match self {
            Peer::OursBlocking => {
                "pottery::sync::RedisWorkQueue (defaults), one handle per producer and per \
                 consumer thread, one Client"
            }
            Peer::OursAsync => {
                "pottery::future::RedisWorkQueue (defaults), one handle per producer and per \
                 consumer task, one Client"
            }
            Peer::Raw => {
                "redis-rs: XADD; XREADGROUP COUNT 1 BLOCK; XACK+XDEL pipelined (1 round trip); \
                 one connection per thread"
            }
            Peer::RawAsync => {
                "redis-rs async: XADD on one shared multiplexed connection; XREADGROUP COUNT 1 \
                 BLOCK and XACK+XDEL pipelined on a multiplexed connection per consumer task"
            }
            Peer::BullMq => {
                "npm bullmq v5 defaults: Queue.add, one Worker with concurrency = consumers in \
                 one Node process, completed jobs kept"
            }
        }
    }
}

/// What BullMQ's script is told.
#[derive(Serialize)]
struct NodeConfig<'a> {
    url: &'a str,
    name: String,
    mode: &'static str,
    consumers: usize,
    items: usize,
    samples: usize,
    warmup: usize,
    gap_ms: u64,
}

/// What BullMQ's script answers.
#[derive(Deserialize)]
struct NodeRun {
    put_ns: Option<u64>,
    take_ns: Option<u64>,
    latencies_ns: Vec<u64>,
}

/// The two timed phases of a throughput run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Phases {
    /// Every job put.
    pub(crate) put: Duration,
    /// Then every job received and acked.
    pub(crate) take: Duration,
}

fn node_script() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/peers/node/workqueue.js")
}

/// A fresh key with a hash tag, so every companion key starts with it.
fn fresh_key() -> String {
    let id = pottery::random_key().replacen(pottery::RANDOM_KEY_PREFIX, "", 1);
    format!("pottery-bench:{{{id}}}")
}

/// Measures every peer: throughput rounds, then latency.
pub(crate) fn measure(url: &str, rt: &Runtime, rounds: usize) -> Result<WorkQueueRows> {
    let rtt = ping_rtt(url)?;
    let client = pottery::Client::open(url)?;
    let raw = redis::Client::open(url)?;
    let mut runs: Vec<(Peer, usize, Result<Vec<Phases>, String>)> = Vec::new();
    // Each consumer count's runs back to back, raw between ours blocking and
    // ours async, the order reversed every other round: a disturbance of the
    // shared machine (it comes and goes over seconds) then hits ours and raw of
    // the same round alike, and the ratios are taken round by round.
    for consumers in CONSUMERS {
        for peer in [
            Peer::OursBlocking,
            Peer::Raw,
            Peer::OursAsync,
            Peer::RawAsync,
            Peer::BullMq,
        ] {
            runs.push((peer, consumers, Ok(Vec::new())));
        }
    }
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..runs.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for &run in &order {
            let Some((peer, consumers, outcome)) = runs.get_mut(run) else {
                continue;
            };
            let Ok(rates) = outcome else { continue };
            eprintln!(
                "measuring workqueue throughput {}, {consumers} consumer(s), round {} ...",
                peer.name(),
                round + 1
            );
            let n = items(*consumers);
            let key = fresh_key();
            let elapsed = match peer {
                Peer::OursBlocking => {
                    blocking_throughput(&Ours::new(&client, &key), *consumers, n).map_err(text)
                }
                Peer::OursAsync => {
                    workqueue_async::ours_throughput(&client, &key, *consumers, n, rt)
                }
                Peer::RawAsync => Raw::new(&raw, &key)
                    .map_err(text)
                    .and_then(|_| workqueue_async::raw_throughput(&raw, &key, *consumers, n, rt)),
                Peer::Raw => {
                    blocking_throughput(&Raw::new(&raw, &key)?, *consumers, n).map_err(text)
                }
                Peer::BullMq => bullmq(url, "throughput", *consumers, n).and_then(|r| {
                    Ok(Phases {
                        put: Duration::from_nanos(r.put_ns.ok_or("no put time")?),
                        take: Duration::from_nanos(r.take_ns.ok_or("no take time")?),
                    })
                }),
            };
            clean(&raw, &key)?;
            match elapsed {
                Ok(phases) => rates.push(phases),
                Err(why) => *outcome = Err(why),
            }
        }
    }
    let throughput = ThroughputRow::all(runs);
    let mut latency = Vec::new();
    for peer in Peer::ALL {
        eprintln!("measuring workqueue latency {} ...", peer.name());
        let key = fresh_key();
        let samples = match peer {
            Peer::OursBlocking => blocking_latency(&Ours::new(&client, &key)).map_err(text),
            Peer::OursAsync => workqueue_async::ours_latency(&client, &key, rt),
            Peer::RawAsync => Raw::new(&raw, &key)
                .map_err(text)
                .and_then(|_| workqueue_async::raw_latency(&raw, &key, rt)),
            Peer::Raw => blocking_latency(&Raw::new(&raw, &key)?).map_err(text),
            Peer::BullMq => bullmq(url, "latency", MANY, 0).map(|r| {
                r.latencies_ns
                    .into_iter()
                    .map(Duration::from_nanos)
                    .collect()
            }),
        };
        clean(&raw, &key)?;
        latency.push(LatencyRow::new(peer, rtt, samples));
    }
    LatencyRow::against_raw(&mut latency);
    Ok(WorkQueueRows {
        rounds,
        throughput,
        latency,
        rtt,
        bullmq_version: bullmq_version(),
    })
}

fn text(e: crate::measure::Error) -> String {
    e.to_string()
}

/// Deletes `key` and its companions (all start with it: it has a hash tag).
fn clean(raw: &redis::Client, key: &str) -> Result<()> {
    let mut con = raw.get_connection()?;
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{key}*")).query(&mut con)?;
    if !keys.is_empty() {
        redis::cmd("DEL").arg(&keys).query::<()>(&mut con)?;
    }
    Ok(())
}

fn bullmq(
    url: &str,
    mode: &'static str,
    consumers: usize,
    items: usize,
) -> Result<NodeRun, String> {
    let config = NodeConfig {
        url,
        // BullMQ refuses ':' in a queue name (its keys are `bull:<name>:...`).
        name: fresh_key().replace([':', '{', '}'], "-"),
        mode,
        consumers,
        items,
        samples: SAMPLES,
        warmup: LATENCY_WARMUP,
        gap_ms: GAP.as_millis() as u64,
    };
    script("node", &[node_script()], &config)
}

/// BullMQ's installed version, if it is installed.
fn bullmq_version() -> Option<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/peers/node/node_modules/bullmq/package.json"
    );
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    meta.get("version")?.as_str().map(str::to_owned)
}

/// A blocking side: its producers and consumers, made before the clock starts.
trait Side: Sync {
    type Producer: Send;
    type Consumer: Send;
    fn producer(&self) -> Result<Self::Producer>;
    fn consumer(&self, n: usize) -> Result<Self::Consumer>;
    fn put(&self, producer: &mut Self::Producer, job: &Job) -> Result<()>;
    /// Receives one job (waiting up to [`WAIT`]) and acks it; returns it with the
    /// instant the receive returned.
    fn take(&self, consumer: &mut Self::Consumer) -> Result<(Job, Instant)>;
}

/// Ours, blocking.
struct Ours<'a> {
    client: &'a pottery::Client,
    key: &'a str,
}

impl<'a> Ours<'a> {
    fn new(client: &'a pottery::Client, key: &'a str) -> Ours<'a> {
        Ours { client, key }
    }

    fn handle(&self) -> pottery::sync::RedisWorkQueue<Job> {
        pottery::sync::RedisWorkQueue::new(self.client, self.key)
    }
}

impl Side for Ours<'_> {
    type Producer = pottery::sync::RedisWorkQueue<Job>;
    type Consumer = pottery::sync::RedisWorkQueue<Job>;

    fn producer(&self) -> Result<Self::Producer> {
        Ok(self.handle())
    }

    fn consumer(&self, _: usize) -> Result<Self::Consumer> {
        let queue = self.handle();
        // Creates the group (lazily, once per handle) before the clock starts.
        queue.try_receive()?;
        Ok(queue)
    }

    fn put(&self, producer: &mut Self::Producer, job: &Job) -> Result<()> {
        producer.put(job)?;
        Ok(())
    }

    fn take(&self, consumer: &mut Self::Consumer) -> Result<(Job, Instant)> {
        let delivery = consumer
            .receive_timeout(WAIT)?
            .ok_or("no job within 10 s")?;
        let at = Instant::now();
        let job = delivery.item().clone();
        delivery.ack()?;
        Ok((job, at))
    }
}

/// Raw redis-rs stream commands.
struct Raw<'a> {
    client: &'a redis::Client,
    key: &'a str,
}

impl<'a> Raw<'a> {
    fn new(client: &'a redis::Client, key: &'a str) -> Result<Raw<'a>> {
        let mut con = client.get_connection()?;
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(key)
            .arg(GROUP)
            .arg("$")
            .arg("MKSTREAM")
            .query::<()>(&mut con)?;
        Ok(Raw { client, key })
    }
}

impl Side for Raw<'_> {
    type Producer = redis::Connection;
    type Consumer = (redis::Connection, String);

    fn producer(&self) -> Result<Self::Producer> {
        timed_connection(self.client, Duration::ZERO)
    }

    fn consumer(&self, n: usize) -> Result<Self::Consumer> {
        // Its XREADGROUP blocks up to WAIT on the server.
        Ok((timed_connection(self.client, WAIT)?, format!("c{n}")))
    }

    fn put(&self, con: &mut Self::Producer, job: &Job) -> Result<()> {
        redis::cmd("XADD")
            .arg(self.key)
            .arg("*")
            .arg("item")
            .arg(serde_json::to_vec(job)?)
            .query::<String>(con)?;
        Ok(())
    }

    fn take(&self, (con, name): &mut Self::Consumer) -> Result<(Job, Instant)> {
        let reply = raw_read(self.key, name).query(con)?;
        let at = Instant::now();
        let (id, job) = raw_job(reply)?;
        raw_ack(self.key, &id).query::<()>(con)?;
        Ok((job, at))
    }
}

/// The reply of [`raw_read`].
pub(crate) type RawReply = Option<Vec<(String, Vec<(String, Vec<(String, Vec<u8>)>)>)>>;

/// Raw's receive: `XREADGROUP GROUP g name COUNT 1 BLOCK WAIT STREAMS key >`.
pub(crate) fn raw_read(key: &str, name: &str) -> redis::Cmd {
    let mut cmd = redis::cmd("XREADGROUP");
    cmd.arg("GROUP")
        .arg(GROUP)
        .arg(name)
        .arg("COUNT")
        .arg(1)
        .arg("BLOCK")
        .arg(WAIT.as_millis() as u64)
        .arg("STREAMS")
        .arg(key)
        .arg(">");
    cmd
}

/// The entry id and the decoded job of a [`raw_read`] reply.
pub(crate) fn raw_job(reply: RawReply) -> Result<(String, Job)> {
    let (id, fields) = reply
        .and_then(|streams| streams.into_iter().next())
        .and_then(|(_, entries)| entries.into_iter().next())
        .ok_or("no job within 10 s")?;
    let (_, bytes) = fields.into_iter().next().ok_or("an entry without fields")?;
    Ok((id, serde_json::from_slice(&bytes)?))
}

/// Raw's ack: `XACK` + `XDEL`, pipelined.
pub(crate) fn raw_ack(key: &str, id: &str) -> redis::Pipeline {
    let mut pipe = redis::pipe();
    pipe.cmd("XACK")
        .arg(key)
        .arg(GROUP)
        .arg(id)
        .ignore()
        .cmd("XDEL")
        .arg(key)
        .arg(id)
        .ignore();
    pipe
}

/// A raw connection with pottery's default timeouts, its reads allowed
/// `blocks` more (what a request may block on the server): both sides then do
/// the same job, a client that cannot hang, as in the main bench (a socket
/// timeout costs a kernel timer per blocking read).
fn timed_connection(client: &redis::Client, blocks: Duration) -> Result<redis::Connection> {
    let con = client.get_connection_with_timeout(pottery::DEFAULT_CONNECT_TIMEOUT)?;
    con.set_read_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT + blocks))?;
    con.set_write_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT))?;
    Ok(con)
}

/// `consumers` producers put `items` jobs between them, then `consumers`
/// consumers take them all; the time of the two phases.
fn blocking_throughput<S: Side>(side: &S, consumers: usize, items: usize) -> Result<Phases> {
    let mut producers = (0..consumers)
        .map(|_| side.producer())
        .collect::<Result<Vec<_>>>()?;
    let takers = (0..consumers)
        .map(|n| side.consumer(n))
        .collect::<Result<Vec<_>>>()?;
    let mut stopper = side.producer()?;
    let share = items.div_ceil(consumers);
    let putting = Instant::now();
    std::thread::scope(|scope| -> Result<()> {
        let handles: Vec<_> = producers
            .iter_mut()
            .enumerate()
            .map(|(p, producer)| {
                scope.spawn(move || -> Result<()> {
                    for i in (p * share)..items.min((p + 1) * share) {
                        side.put(producer, &job(i as u64))?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().map_err(|_| "a producer panicked")?)
    })?;
    let put = putting.elapsed();
    // Untimed: one stop job per consumer, after the jobs.
    for _ in 0..consumers {
        side.put(&mut stopper, &job(STOP))?;
    }
    let acked = AtomicUsize::new(0);
    let last = Mutex::new(None);
    let taking = Instant::now();
    std::thread::scope(|scope| -> Result<()> {
        let handles: Vec<_> = takers
            .into_iter()
            .map(|mut consumer| {
                let (acked, last) = (&acked, &last);
                scope.spawn(move || -> Result<()> {
                    loop {
                        let (job, _) = side.take(&mut consumer)?;
                        if job.i == STOP {
                            return Ok(());
                        }
                        if acked.fetch_add(1, Ordering::Relaxed) + 1 == items {
                            // The last ack returned now (take acks before returning).
                            *last
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                                Some(Instant::now());
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().map_err(|_| "a consumer panicked")?)
    })?;
    let last = last
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .ok_or("not every job was acked")?;
    Ok(Phases {
        put,
        take: last - taking,
    })
}

/// [`MANY`] idle consumers; one job at a time; put-to-receive of each.
fn blocking_latency<S: Side>(side: &S) -> Result<Vec<Duration>> {
    let mut producer = side.producer()?;
    let takers = (0..MANY)
        .map(|n| side.consumer(n))
        .collect::<Result<Vec<_>>>()?;
    let (tx, rx) = mpsc::channel::<(u64, Instant)>();
    std::thread::scope(|scope| -> Result<Vec<Duration>> {
        let taking: Vec<_> = takers
            .into_iter()
            .map(|mut consumer| {
                let tx = tx.clone();
                scope.spawn(move || -> Result<()> {
                    loop {
                        let (job, at) = side.take(&mut consumer)?;
                        if job.i == STOP {
                            return Ok(());
                        }
                        tx.send((job.i, at))?;
                    }
                })
            })
            .collect();
        let mut samples = Vec::with_capacity(SAMPLES);
        let measured = (|| -> Result<()> {
            for i in 0..(LATENCY_WARMUP + SAMPLES) as u64 {
                std::thread::sleep(GAP);
                let put = Instant::now();
                side.put(&mut producer, &job(i))?;
                let (got, at) = rx.recv_timeout(WAIT)?;
                if got != i {
                    return Err(format!("received job {got}, expected {i}").into());
                }
                if i as usize >= LATENCY_WARMUP {
                    samples.push(at - put);
                }
            }
            Ok(())
        })();
        for _ in 0..MANY {
            side.put(&mut producer, &job(STOP))?;
        }
        for handle in taking {
            handle.join().map_err(|_| "a consumer panicked")??;
        }
        measured?;
        Ok(samples)
    })
}
