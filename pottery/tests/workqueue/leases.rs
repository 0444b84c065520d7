//! RedisWorkQueue's leases: expiry and takeover, renewal, loss, and the dead
//! letters that `max_deliveries` makes.

use std::time::{Duration, Instant};

use pottery::ErrorKind;

use super::{MS, SLACK, leased, raw};
use crate::support::Ctx;

/// A delivery dropped (its consumer died) goes to another once its lease ran out.
pub(super) fn test_lease_expiry_redelivers_to_another_consumer(ctx: &Ctx) {
    let (a, b) = (leased(ctx, 300, 5), leased(ctx, 300, 5));
    a.put(1).unwrap();
    let d = a.receive().unwrap();
    assert!(b.try_receive().unwrap().is_none(), "held under its lease");
    drop(d); // as if `a` died: no renewal any more
    let started = Instant::now();
    let again = b
        .receive_timeout(Duration::from_secs(5))
        .unwrap()
        .expect("taken over");
    assert!(started.elapsed() < Duration::from_millis(300) + SLACK);
    assert_eq!((*again.item(), again.deliveries()), (1, 2));
    again.ack().unwrap();
    assert_eq!(b.stats().unwrap().redeliveries, 1);
}

/// A slow consumer keeps its item: the lease is renewed while the delivery lives.
pub(super) fn test_renewal_keeps_a_slow_consumers_lease(ctx: &Ctx) {
    let (a, b) = (leased(ctx, 300, 5), leased(ctx, 300, 5));
    a.put(1).unwrap();
    let d = a.receive().unwrap();
    // Four leases long, another consumer waits in vain.
    assert!(
        b.receive_timeout(Duration::from_millis(1200))
            .unwrap()
            .is_none()
    );
    assert!(!d.lease_lost());
    d.ack().unwrap();
    let stats = a.stats().unwrap();
    assert_eq!(
        (stats.redeliveries, stats.late_acks, stats.in_flight),
        (0, 0, 0)
    );
}

/// Someone takes the entry over (an XCLAIM by another consumer): the renewal
/// (every 800 ms) notices, well before the 2.4 s lease would run out on the
/// clock; the ack fails with LeaseLost, changes nothing, and is counted.
pub(super) fn test_lost_lease_signal(ctx: &Ctx) {
    let a = leased(ctx, 2400, 5);
    a.put(1).unwrap();
    let d = a.receive().unwrap();
    let received = Instant::now();
    let id = d.id().to_string();
    let _: redis::Value = raw(ctx, &["XCLAIM", a.key(), a.group(), "intruder", "0", &id]);
    while !d.lease_lost() {
        let waited = received.elapsed();
        assert!(
            waited < Duration::from_millis(2000),
            "unnoticed for {waited:?}"
        );
        std::thread::sleep(10 * MS);
    }
    assert_eq!(d.ack().unwrap_err().kind(), ErrorKind::LeaseLost);
    let stats = a.stats().unwrap();
    assert_eq!(
        (stats.in_flight, stats.late_acks),
        (1, 1),
        "still the intruder's"
    );
}

/// An ack within the lease (the pipelined one) of an entry no longer pending
/// (acked behind our back) is LeaseLost too, and counted.
pub(super) fn test_ack_of_an_entry_gone_is_lease_lost(ctx: &Ctx) {
    let q = leased(ctx, 30_000, 5);
    q.put(1).unwrap();
    let d = q.receive().unwrap();
    let _: i64 = raw(ctx, &["XACK", q.key(), q.group(), d.id().as_str()]);
    assert!(!d.lease_lost());
    assert_eq!(d.ack().unwrap_err().kind(), ErrorKind::LeaseLost);
    assert_eq!(q.stats().unwrap().late_acks, 1);
}

/// A consumer with nothing pending and no delivery for ten leases (gone) is
/// forgotten by the group (names are random per handle); a live one stays.
pub(super) fn test_gone_consumers_are_forgotten(ctx: &Ctx) {
    let (gone, live) = (leased(ctx, 200, 5), leased(ctx, 200, 5));
    gone.put_many([1, 2]).unwrap();
    gone.receive().unwrap().ack().unwrap();
    live.receive().unwrap().ack().unwrap();
    let names = || -> Vec<String> {
        let all: Vec<Vec<redis::Value>> =
            raw(ctx, &["XINFO", "CONSUMERS", live.key(), live.group()]);
        all.iter()
            .filter_map(|c| match c.get(1) {
                Some(redis::Value::BulkString(name)) => {
                    Some(String::from_utf8_lossy(name).into_owned())
                }
                _ => None,
            })
            .collect()
    };
    assert_eq!(names().len(), 2);
    drop(gone);
    let started = Instant::now();
    while names().len() > 1 {
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", names());
        // The live one keeps working.
        live.put(3).unwrap();
        live.receive().unwrap().ack().unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(names(), [live.consumer()]);
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "not before ten leases"
    );
}

/// After max_deliveries (lease expiries and nacks alike) the item is a dead
/// letter with its history; requeued, it starts afresh; dropped, it is gone.
pub(super) fn test_max_deliveries_dead_letters(ctx: &Ctx) {
    let q = leased(ctx, 200, 2);
    let put_id = q.put(1).unwrap();
    q.put(2).unwrap();
    drop(q.receive().unwrap()); // 1: its lease runs out
    std::thread::sleep(250 * MS);
    let d = q.receive().unwrap(); // taken over: its 2nd delivery
    assert_eq!((*d.item(), d.deliveries()), (1, 2));
    drop(d);
    let d = q.receive().unwrap(); // 2, first delivery
    assert_eq!(*d.item(), 2);
    d.nack(Duration::ZERO).unwrap();
    q.receive().unwrap().nack(Duration::ZERO).unwrap(); // 2's second: dead
    std::thread::sleep(250 * MS);
    assert!(
        q.try_receive().unwrap().is_none(),
        "1 is dead-lettered, not delivered"
    );
    let dead = q.dead_letters(10).unwrap();
    assert_eq!(dead.len(), 2);
    let by_item = |n: i64| dead.iter().find(|l| l.item == Ok(n)).expect("dead");
    let one = by_item(1);
    assert_eq!((one.deliveries, one.reason.as_str()), (2, "max_deliveries"));
    assert_eq!(
        (&one.original_id, one.consumer.as_str()),
        (&put_id, q.consumer())
    );
    assert!(one.put_at.is_some() && one.dead_at >= one.put_at);
    assert_eq!(by_item(2).deliveries, 2);
    let stats = q.stats().unwrap();
    assert_eq!((stats.ready, stats.in_flight, stats.dead), (0, 0, 2));
    assert_eq!(q.requeue_dead([&one.id]).unwrap(), 1);
    assert_eq!(q.requeue_dead([&one.id]).unwrap(), 0);
    let back = q.receive().unwrap();
    assert_eq!((*back.item(), back.deliveries()), (1, 1));
    back.ack().unwrap();
    assert_eq!(q.drop_dead([&by_item(2).id]).unwrap(), 1);
    assert_eq!(q.stats().unwrap().dead, 0);
}
