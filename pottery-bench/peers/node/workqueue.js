// The Node peer of pottery-bench's work-queue rows (see ../../src/workqueue.rs):
// BullMQ v5 with its defaults (a Queue to add, a Worker with `concurrency`
// consumers processing in this one process, completed jobs kept), on the same
// redis-server.
//
//   node workqueue.js   < one JSON line: the run's config
//
// mode "throughput": two timed phases, as in ../../src/workqueue.rs:
// `consumers` async producers each await Queue.add for their share of `items`
// jobs; then a Worker with concurrency `consumers` processes them all (the
// processor returns at once), until the `items`-th "completed" event (a
// completed job was received, processed and moved to completed: BullMQ's ack).
// The Worker is made and connected before the first phase, with autorun off
// so that it starts taking jobs only in the second (its one non-default
// option, which changes when it starts, not how it works).
// mode "latency": a Worker with concurrency `consumers` sits idle (blocked
// waiting); one job is added at a time, and the sample is the processor's start
// minus the instant just before Queue.add; after its "completed" event, the
// producer sleeps `gap_ms` (so the workers are blocked again) and adds the next.
// Both clocks are this process's CLOCK_MONOTONIC (process.hrtime.bigint).
//
// Prints one JSON line: {"library", "version", "put_ns", "take_ns", "latencies_ns"};
// a missing module exits 3. The queue's keys are removed (obliterate) after the
// run, untimed.
'use strict';
let bullmq, version;
try {
  bullmq = require('bullmq');
  const meta = require('path').join(__dirname, 'node_modules', 'bullmq', 'package.json');
  version = JSON.parse(require('fs').readFileSync(meta, 'utf8')).version;
} catch (e) {
  console.error(`bullmq: ${e.message}`);
  process.exit(3);
}

const readline = require('readline');
const rl = readline.createInterface({ input: process.stdin });
rl.once('line', (line) => {
  rl.close();
  main(JSON.parse(line)).then(
    () => process.exit(0),
    (e) => { console.error(e); process.exit(1); },
  );
});

const origin = process.hrtime.bigint();
const now = () => Number(process.hrtime.bigint() - origin);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main(cfg) {
  const u = new URL(cfg.url);
  const connection = { host: u.hostname, port: Number(u.port) };
  const queue = new bullmq.Queue(cfg.name, { connection });
  await queue.waitUntilReady();
  const out = { library: 'bullmq', version, put_ns: null, take_ns: null, latencies_ns: [] };
  if (cfg.mode === 'throughput') {
    [out.put_ns, out.take_ns] = await throughput(cfg, queue, connection);
  } else {
    out.latencies_ns = await latency(cfg, queue, connection);
  }
  await queue.obliterate({ force: true });
  await queue.close();
  console.log(JSON.stringify(out));
}

function payload(i) {
  return { i, name: `user:${String(i % 1000).padStart(4, '0')}` };
}

async function throughput(cfg, queue, connection) {
  let completed = 0;
  let finished = null;
  const done = new Promise((resolve, reject) => { finished = { resolve, reject }; });
  const worker = new bullmq.Worker(cfg.name, async () => {}, {
    connection,
    concurrency: cfg.consumers,
    autorun: false,
  });
  worker.on('completed', () => {
    completed += 1;
    if (completed === cfg.items) finished.resolve(now());
  });
  worker.on('failed', (job, err) => finished.reject(err));
  await worker.waitUntilReady();
  const putting = now();
  const share = Math.ceil(cfg.items / cfg.consumers);
  const producer = async (p) => {
    for (let i = p * share; i < Math.min(cfg.items, (p + 1) * share); i += 1) {
      await queue.add('job', payload(i));
    }
  };
  await Promise.all(Array.from({ length: cfg.consumers }, (_, p) => producer(p)));
  const put = now() - putting;
  const taking = now();
  const running = worker.run();
  const end = await done;
  await worker.close();
  await running;
  return [put, end - taking];
}

async function latency(cfg, queue, connection) {
  const waiters = new Map(); // job index -> resolve(received_ns)
  const received = new Map(); // job index -> received_ns
  const worker = new bullmq.Worker(cfg.name, async (job) => {
    received.set(job.data.i, now());
  }, { connection, concurrency: cfg.consumers });
  worker.on('completed', (job) => {
    const resolve = waiters.get(job.data.i);
    waiters.delete(job.data.i);
    if (resolve) resolve(received.get(job.data.i));
  });
  await worker.waitUntilReady();
  await sleep(cfg.gap_ms);
  const samples = [];
  for (let i = 0; i < cfg.warmup + cfg.samples; i += 1) {
    const got = new Promise((resolve) => waiters.set(i, resolve));
    const put = now();
    await queue.add('job', payload(i));
    const at = await got;
    if (i >= cfg.warmup) samples.push(at - put);
    await sleep(cfg.gap_ms);
  }
  await worker.close();
  return samples;
}
