//! Queue waits with a short response timeout: an `XREAD BLOCK` slice may last
//! longer than the response timeout, so its read must get the slice plus the
//! response timeout (it got the response timeout alone, and a wait failed after
//! 0.3-0.5 s on a healthy server). Blocking and async, server and cluster.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::time::{Duration, Instant};

use pottery::{Client, future, sync};
use support::{Ctx, Target};

/// Below the 500 ms of one `XREAD BLOCK` slice.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(200);

const WAIT: Duration = Duration::from_secs(2);

/// When the producer puts.
const PUT_AFTER: Duration = Duration::from_secs(1);

fn short_client(ctx: &Ctx) -> Client {
    let builder = match ctx.target {
        Target::Server => Client::builder(&ctx.url()),
        Target::Cluster => Client::cluster_builder(ctx.env.cluster().urls()),
    };
    builder.response_timeout(RESPONSE_TIMEOUT).build().unwrap()
}

/// Checks that an empty wait lasted about `WAIT` (not past its deadline).
fn waited_out(what: &str, took: Duration) {
    eprintln!("{what}: {took:?}");
    assert!(took >= WAIT, "{what}: gave up after {took:?}");
    assert!(
        took <= WAIT + RESPONSE_TIMEOUT + WAIT / 10,
        "{what}: took {took:?}"
    );
}

/// Checks that a wait for an item put after `PUT_AFTER` got it then.
fn woke(what: &str, took: Duration) {
    eprintln!("{what}: {took:?}");
    assert!(took >= PUT_AFTER, "{what}: {took:?}");
    assert!(
        took < PUT_AFTER + Duration::from_millis(300),
        "{what}: {took:?}"
    );
}

fn queue_wait_with_a_short_response_timeout_blocking(ctx: &Ctx) {
    let client = short_client(ctx);
    let q: sync::RedisSimpleQueue<i64> = sync::RedisSimpleQueue::new(&client, &ctx.key("q"));
    let start = Instant::now();
    assert_eq!(q.get_timeout(WAIT).unwrap(), None);
    waited_out("blocking get_timeout, empty", start.elapsed());

    for (round, with_timeout) in [(1, true), (2, false)] {
        let producer = q.clone();
        let put = std::thread::spawn(move || {
            std::thread::sleep(PUT_AFTER);
            producer.put(round).unwrap();
        });
        let start = Instant::now();
        let got = if with_timeout {
            q.get_timeout(WAIT).unwrap()
        } else {
            Some(q.get().unwrap())
        };
        woke(
            &format!("blocking, timeout {with_timeout}"),
            start.elapsed(),
        );
        assert_eq!(got, Some(round));
        put.join().unwrap();
    }
}

fn queue_wait_with_a_short_response_timeout_async(ctx: &Ctx) {
    let client = short_client(ctx);
    let q: future::RedisSimpleQueue<i64> = future::RedisSimpleQueue::new(&client, &ctx.key("q"));
    ctx.block_on(async {
        let start = Instant::now();
        assert_eq!(q.get_timeout(WAIT).await.unwrap(), None);
        waited_out("async get_timeout, empty", start.elapsed());

        for (round, with_timeout) in [(1, true), (2, false)] {
            let producer = q.clone();
            let put = tokio::spawn(async move {
                tokio::time::sleep(PUT_AFTER).await;
                producer.put(round).await.unwrap();
            });
            let start = Instant::now();
            let got = if with_timeout {
                q.get_timeout(WAIT).await.unwrap()
            } else {
                Some(q.get().await.unwrap())
            };
            woke(&format!("async, timeout {with_timeout}"), start.elapsed());
            assert_eq!(got, Some(round));
            put.await.unwrap();
        }
    });
}

pub(crate) fn suite() -> support::Suite {
    support::Suite::one(
        "queue_wait",
        &[Target::Server, Target::Cluster],
        cases![
            queue_wait_with_a_short_response_timeout_blocking,
            queue_wait_with_a_short_response_timeout_async,
        ],
    )
}
