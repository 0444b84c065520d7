//! Poison items: an entry no consumer can decode (raw garbage added to the
//! stream, as a foreign producer might) and an item whose handler always
//! fails (nacks). Both end in the dead letters, after `max_deliveries` for the
//! failing one, while the other items keep flowing.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pottery::sync::RedisWorkQueue;

use super::{assert_empty, put_all};
use crate::support::Ctx;

const MAX_DELIVERIES: u32 = 3;
/// The item whose handler always fails.
const POISON: u32 = 999_999;
const GARBAGE: &[u8] = b"\xff{not json";

pub(crate) fn poison_items_end_in_dead_letters(ctx: &Ctx) {
    let key = ctx.key("jobs");
    let queue = |client| -> RedisWorkQueue<u32> {
        RedisWorkQueue::builder(client, &key)
            .lease(Duration::from_millis(300))
            .max_deliveries(MAX_DELIVERIES)
            .build()
            .unwrap()
    };
    let producer = queue(&ctx.client);
    let garbage_id: String = ctx
        .client
        .with_connection(|con| {
            redis::cmd("XADD")
                .arg(&key)
                .arg("*")
                .arg("item")
                .arg(GARBAGE)
                .query(con)
        })
        .unwrap();
    put_all(&producer, 0..100, 50);
    producer.put(POISON).unwrap();
    put_all(&producer, 100..200, 50);

    let acked = Mutex::new(BTreeMap::<u32, u32>::new());
    let poison_deliveries = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    let stop = AtomicBool::new(false);
    let deadline = Instant::now() + Duration::from_secs(30);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            let (acked, poison_deliveries, errors, stop) =
                (&acked, &poison_deliveries, &errors, &stop);
            let consumer = queue(&ctx.client);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match consumer.receive_timeout(Duration::from_millis(200)) {
                        Ok(Some(d)) if *d.item() == POISON => {
                            poison_deliveries.lock().unwrap().push(d.deliveries());
                            d.nack(Duration::from_millis(10)).unwrap();
                        }
                        Ok(Some(d)) => {
                            *acked.lock().unwrap().entry(*d.item()).or_default() += 1;
                            d.ack().unwrap();
                        }
                        Ok(None) => {}
                        // An undecodable entry may be reported once (and dead-lettered).
                        Err(e) => errors.lock().unwrap().push(e.to_string()),
                    }
                }
            });
        }
        let wait = |what: &str, done: &dyn Fn() -> bool| {
            while !done() {
                assert!(Instant::now() < deadline, "timed out waiting for {what}");
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        wait("the poison in the dead letters", &|| {
            producer.stats().unwrap().dead >= 2
        });
        // The queue keeps flowing after (and while) the poison was retried.
        put_all(&producer, 200..300, 50);
        wait("every good item acked", &|| {
            acked.lock().unwrap().len() >= 300
        });
        stop.store(true, Ordering::Relaxed);
    });

    let acked = acked.into_inner().unwrap();
    assert_eq!(
        acked.keys().copied().collect::<Vec<_>>(),
        (0..300).collect::<Vec<_>>()
    );
    assert!(acked.values().all(|&n| n == 1), "a good item acked twice");
    assert_eq!(
        poison_deliveries.into_inner().unwrap(),
        (1..=MAX_DELIVERIES).collect::<Vec<_>>(),
        "the poison is delivered max_deliveries times, then no more"
    );
    let letters = producer.dead_letters(10).unwrap();
    assert_eq!(letters.len(), 2, "{letters:?}");
    let poison = letters
        .iter()
        .find(|l| matches!(l.item, Ok(POISON)))
        .expect("the failing item is a dead letter");
    assert_eq!(poison.deliveries, MAX_DELIVERIES, "{poison:?}");
    let garbage = letters
        .iter()
        .find(|l| l.item.is_err())
        .expect("the undecodable entry is a dead letter");
    assert_eq!(
        garbage.item.as_ref().unwrap_err().as_slice(),
        GARBAGE,
        "{garbage:?}"
    );
    assert_eq!(garbage.original_id.as_str(), garbage_id, "{garbage:?}");
    assert_empty(&producer, 2);
    println!(
        "workqueue|poison|target={:?} good=300 acked=300 dead=2 poison_deliveries={MAX_DELIVERIES} \
         receive_errors={}",
        ctx.target,
        errors.into_inner().unwrap().len()
    );
}
