// The Node peer of pottery-bench's lock hand-off rows (see ../../src/handoff.rs):
// node-redlock v5 with its defaults (retryCount 10, retryDelay 200 ms,
// retryJitter 200 ms), one ioredis client per master, `contenders` concurrent
// async contenders in this one process sharing the Redlock instance.
//
//   node handoff.js   < one JSON line: the run's config
//
// Each contender acquires, records CLOCK_MONOTONIC (process.hrtime.bigint) when
// acquire resolves, holds for hold_ms, records the clock again just before
// calling release, releases; it contends again only once another contender has
// acquired (so every hand-off goes to one already waiting). An acquire that
// gives up after its retries counts as a failure and is tried again. Prints one
// JSON line: {"library", "version", "events": [[contender, acquired_ns,
// releasing_ns], ...], "failures"}; a missing module exits 3.
'use strict';
let Redlock, Redis, version;
try {
  Redlock = require('redlock').default;
  Redis = require('ioredis');
  const meta = require('path').join(__dirname, 'node_modules', 'redlock', 'package.json');
  version = JSON.parse(require('fs').readFileSync(meta, 'utf8')).version;
} catch (e) {
  console.error(`node-redlock: ${e.message}`);
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

async function main(cfg) {
  const clients = cfg.urls.map((u) => new Redis(u));
  const redlock = new Redlock(clients);
  const origin = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - origin);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const key = `redlock:${cfg.name}`;
  const events = [];
  let count = 0, last = null, failures = 0;
  let waiting = [];  // contenders waiting for another to acquire
  const over = () => count > cfg.acquisitions;

  async function contender(me) {
    for (;;) {
      let lock;
      try {
        lock = await redlock.acquire([key], 10000);
      } catch (e) {
        failures += 1;  // gave up after its retries: contend again
        continue;
      }
      const acquired = now();
      count += 1;
      last = me;
      const wake = waiting;
      waiting = [];
      wake.forEach((r) => r());
      if (over()) { await lock.release(); return; }
      await sleep(cfg.hold_ms);
      const releasing = now();
      await lock.release();
      events.push([me, acquired, releasing]);
      while (last === me && !over()) await new Promise((r) => waiting.push(r));
      if (over()) return;
    }
  }

  await Promise.all(Array.from({ length: cfg.contenders }, (_, i) => contender(i)));
  clients.forEach((c) => c.disconnect());
  console.log(JSON.stringify({ library: 'redlock', version, events, failures }));
}
