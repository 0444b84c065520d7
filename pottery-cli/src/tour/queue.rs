//! `RedisSimpleQueue`: a Redis stream used as a first-in, first-out queue.

use std::time::{Duration, Instant};

use pottery::{future, sync::RedisSimpleQueue};
use tokio::time::sleep;

use super::{BoxError, Ctx, Step, await_step, let_step, step};

/// Put, the size, a get without waiting, then the two waits: an async get woken by
/// a put from another task, and a get that gives up after its timeout.
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "RedisSimpleQueue: a Redis stream used as a FIFO queue, blocking or async",
    )];
    let_step!(steps; py "q = RedisSimpleQueue(redis=redis)";
        let q = RedisSimpleQueue::<String>::temporary(&client));
    ctx.track(q.key());
    steps.extend([
        step!(py "q.put('resize photo.jpg')"; [q] q.put("resize photo.jpg")?),
        step!(py "q.qsize()"; [q] q.qsize()?),
        step!(py "q.get_nowait()"; [q] q.get_nowait()?),
    ]);
    let_step!(steps;
        let aq = future::RedisSimpleQueue::<String>::new(&client, q.key()));
    let_step!(steps; let producer = aq.clone());
    steps.extend([
        await_step!(ctx; [aq, producer] {
            tokio::spawn(async move { sleep(Duration::from_millis(100)).await; producer.put("ding").await });
            aq.get_timeout(Duration::from_secs(5)).await?
        }),
        step!(py "q.get(timeout=0.2)  # raises QueueEmptyError"; [q] {
            let start = Instant::now();
            (q.get_timeout(Duration::from_millis(200))?, start.elapsed().as_millis())
        }),
    ]);
    Ok(steps)
}
