//! Consumers SIGKILLed while they hold deliveries, several times: nothing is
//! lost, and every redelivery and every duplicate is accounted for by a
//! killed holder (or a lost lease, which its ack reports).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use pottery::sync::RedisWorkQueue;

use super::ledger::{Books, Dir, Event};
use super::{Spec, assert_empty, put_all, rand_u32, stop_workers, wait_books};
use crate::support::Ctx;

const ITEMS: u32 = 2_000;
const KILLS: usize = 4;
const WORKERS: usize = 2;

/// Takeovers a killed worker may have received and never logged: one per
/// consumer per kill.
fn unlogged_takeovers_bound(per_process: usize) -> usize {
    KILLS * per_process
}

pub(crate) fn sigkill_consumers_mid_processing(ctx: &Ctx) {
    let key = ctx.key("jobs");
    let dir = Dir::new("crash");
    let spec = Spec {
        lease: Duration::from_millis(500),
        max_deliveries: 20,
        work: Duration::from_millis(8),
        ..Spec::new(ctx, &key, &dir)
    };
    let per_process = spec.blocking + spec.tasks;
    let queue: RedisWorkQueue<u32> = RedisWorkQueue::new(&ctx.client, &key);
    put_all(&queue, 0..ITEMS, 250);
    let mut started = 0;
    let mut workers: Vec<std::process::Child> = (0..WORKERS)
        .map(|_| {
            started += 1;
            spec.spawn(&dir, started - 1)
        })
        .collect();
    let start = Instant::now();
    let mut killed = BTreeSet::new();
    for _ in 0..KILLS {
        std::thread::sleep(Duration::from_millis(150 + u64::from(rand_u32() % 200)));
        let slot = rand_u32() as usize % WORKERS;
        let mut victim = std::mem::replace(&mut workers[slot], spec.spawn(&dir, started));
        started += 1;
        killed.insert(victim.id());
        victim.kill().unwrap(); // SIGKILL
        victim.wait().unwrap();
    }
    let finished = |b: &Books| b.items_with(Event::Done).len() >= ITEMS as usize;
    wait_books(&dir, Duration::from_secs(60), finished);
    let took = start.elapsed();
    stop_workers(&dir.stop(), workers);

    let books = Books::of(dir.lines());
    let dead: BTreeSet<u32> = queue
        .dead_letters(ITEMS as usize)
        .unwrap()
        .into_iter()
        .map(|letter| *letter.item.as_ref().expect("a dead letter decodes"))
        .collect();
    let done = books.items_with(Event::Done);
    let lost: Vec<u32> = (0..ITEMS)
        .filter(|i| !done.contains(i) && !dead.contains(i))
        .collect();
    assert!(lost.is_empty(), "lost items: {lost:?}");
    let pids: BTreeSet<u32> = books.lines.iter().map(|l| l.pid).collect();
    assert!(
        killed.iter().all(|pid| pids.contains(pid)),
        "a killed worker never consumed"
    );
    let mut redelivered = 0;
    let mut unlogged = 0;
    let mut duplicates = 0;
    let mut held_at_kill = 0;
    for (item, lines) in &books.by_item {
        let at =
            |event: Event, n: u32| lines.iter().find(|l| l.event == event && l.deliveries == n);
        // A delivery that ended without an ack: its holder was killed, or its
        // ack said why (a lost lease).
        let explained = |n: u32| match at(Event::Recv, n) {
            Some(recv) => killed.contains(&recv.pid) || at(Event::AckErr, n).is_some(),
            None => false,
        };
        for recv in lines.iter().filter(|l| l.event == Event::Recv) {
            let (n, pid) = (recv.deliveries, recv.pid);
            if killed.contains(&pid) && at(Event::Acked, n).is_none() {
                held_at_kill += 1;
            }
            if n > 1 {
                redelivered += 1;
                if at(Event::Recv, n - 1).is_none() {
                    // Killed between receive and its first log line.
                    unlogged += 1;
                } else {
                    assert!(
                        explained(n - 1),
                        "item {item} redelivered ({n}) though its holder lived: {lines:?}"
                    );
                }
            }
        }
        let dones: Vec<_> = lines.iter().filter(|l| l.event == Event::Done).collect();
        for earlier in dones.iter().take(dones.len().saturating_sub(1)) {
            duplicates += 1;
            assert!(
                explained(earlier.deliveries),
                "item {item} processed twice though its holder lived: {lines:?}"
            );
        }
    }
    assert!(
        unlogged <= unlogged_takeovers_bound(per_process),
        "{unlogged} redeliveries without a logged earlier delivery"
    );
    assert!(
        held_at_kill > 0 && redelivered > 0,
        "no kill hit a consumer holding a delivery: the test proved nothing"
    );
    assert!(
        books.errors().is_empty(),
        "receive errors: {:?}",
        books.errors()
    );
    assert_empty(&queue, dead.len() as u64);
    assert!(books.assert_one_live_holder(&killed) > 0);
    let ack_errors: BTreeSet<&str> = books
        .lines
        .iter()
        .filter(|l| l.event == Event::AckErr)
        .map(|l| l.detail.as_str())
        .collect();
    assert!(
        ack_errors.iter().all(|kind| *kind == "LeaseLost"),
        "an ack failed otherwise than by a lost lease: {ack_errors:?}"
    );
    // The queue's own counts agree with the ledger: every takeover is a
    // redelivery (one a killed consumer got and did not log is not in the
    // ledger), every late ack one the ledger saw fail.
    let stats = queue.stats().unwrap();
    assert!(
        (redelivered..=redelivered + unlogged_takeovers_bound(per_process))
            .contains(&(stats.redeliveries as usize)),
        "stats.redeliveries {} against {redelivered} redeliveries logged",
        stats.redeliveries
    );
    assert_eq!(stats.late_acks as usize, books.count(Event::AckErr));
    println!(
        "workqueue|crash|put={ITEMS} acked={} redelivered={redelivered} dead={} lost={}|target={:?} \
         kills={KILLS} held_at_kill={held_at_kill} duplicates={duplicates} lease_lost={} \
         stats_redeliveries={} took={:.1}s",
        done.len() - done.intersection(&dead).count(),
        dead.len(),
        lost.len(),
        ctx.target,
        books.count(Event::AckErr),
        stats.redeliveries,
        took.as_secs_f64()
    );
}
