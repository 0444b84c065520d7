//! `RedisWorkQueue`: a reliable work queue (at least once) on a stream with a
//! consumer group. No Python pottery equivalent: its `RedisSimpleQueue` (the
//! section before) is at most once.
//!
//! The key has a hash tag, so the queue's companion keys (`<key>:delayed`,
//! `<key>:dead`, `<key>:counts`, `<key>:dedup:<id>`; see the crate's keys.md)
//! are named by it, and the tour tracks them for its clean-up.

use std::time::{Duration, Instant};

use pottery::future;
use pottery::sync::RedisWorkQueue;
use tokio::time::sleep;

use super::{BoxError, Ctx, Step, await_step, let_step, step};

/// Put (plain, unique, delayed), receive + ack, a nack and its redelivery, a
/// dead letter after `max_deliveries`, stats, an async consumer woken by a put.
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "RedisWorkQueue: at-least-once work: leases, acks, retries, dead letters, delays",
    )];
    let_step!(steps; let key = format!("{{{}}}", pottery::random_key()));
    for suffix in ["", ":delayed", ":dead", ":counts", ":dedup:order-42"] {
        ctx.track(&format!("{key}{suffix}"));
    }
    let_step!(steps; let jobs: RedisWorkQueue<String> = RedisWorkQueue::builder(&client, &key)
        .lease(Duration::from_secs(5))
        .max_deliveries(2)
        .build()?);
    steps.extend([
        step!([jobs] jobs.put("resize photo.jpg")?),
        step!([jobs] jobs.put_unique("bill order 42", "order-42")?),
        step!([jobs] jobs.put_unique("bill order 42", "order-42")?),
        step!([jobs] jobs.stats()?),
        step!([jobs] {
            let job = jobs.receive()?;
            let item = job.item().clone();
            job.ack()?;
            item
        }),
        step!([jobs] {
            let job = jobs.receive()?;
            let seen = (job.item().clone(), job.deliveries());
            job.nack(Duration::ZERO)?;
            seen
        }),
        step!([jobs] {
            let job = jobs.receive()?;
            let seen = (job.item().clone(), job.deliveries());
            job.nack(Duration::ZERO)?;
            seen
        }),
        step!([jobs] jobs.try_receive()?.is_none()),
        step!([jobs] {
            let dead = jobs.dead_letters(10)?;
            dead.into_iter().map(|d| (d.item, d.deliveries, d.reason)).collect::<Vec<_>>()
        }),
        step!([jobs] jobs.put_delayed("send reminder", Duration::from_millis(300))?),
        step!([jobs] {
            let start = Instant::now();
            let job = jobs.receive()?;
            let waited = start.elapsed() >= Duration::from_millis(250);
            let item = job.item().clone();
            job.ack()?;
            (item, waited)
        }),
        step!([jobs] jobs.stats()?),
    ]);
    let_step!(steps; let ajobs = future::RedisWorkQueue::<String>::new(&client, &key));
    let_step!(steps; let producer = ajobs.clone());
    steps.extend([
        await_step!(ctx; [ajobs, producer] {
            tokio::spawn(async move {
                sleep(Duration::from_millis(100)).await;
                producer.put("ding").await
            });
            let job = ajobs.receive().await?;
            let item = job.item().clone();
            job.ack().await?;
            item
        }),
        step!([jobs] {
            let ids: Vec<_> = jobs.dead_letters(10)?.into_iter().map(|dead| dead.id).collect();
            jobs.drop_dead(&ids)?
        }),
    ]);
    Ok(steps)
}
