//! `RedisCounter`: Python's `collections.Counter` examples, then counter arithmetic.

use pottery::sync::RedisCounter;

use super::{BoxError, Ctx, Step, let_step, step, tracked_step};

/// Counting words, then `+` and `-` of two counters (each result a new counter).
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "RedisCounter: Python's Counter in a Redis hash; arithmetic keeps positive counts",
    )];
    let_step!(steps; py "cnt = RedisCounter(redis=redis)";
        let cnt = RedisCounter::<String>::temporary(&client));
    ctx.track(cnt.key());
    steps.extend([
        step!(py "cnt.update('yes no yes maybe'.split())"; [cnt]
            cnt.update_elements("yes no yes maybe".split(' '))?),
        step!(py "cnt.most_common(1)"; [cnt] cnt.most_common(Some(1))?),
        step!(py "cnt['maybe'] += 2"; [cnt] cnt.increment("maybe", 2)?),
    ]);
    let_step!(steps; py "c = RedisCounter(redis=redis)";
        let c = RedisCounter::<char>::temporary(&client));
    ctx.track(c.key());
    steps.push(step!(py "c.update(a=3, b=1)"; [c] c.update([('a', 3), ('b', 1)])?));
    let_step!(steps; py "d = RedisCounter(redis=redis)";
        let d = RedisCounter::<char>::temporary(&client));
    ctx.track(d.key());
    steps.extend([
        step!(py "d.update(a=1, b=2)"; [d] d.update([('a', 1), ('b', 2)])?),
        tracked_step!(ctx; py "c + d"; [c, d] c.add(&d, None)?),
        tracked_step!(ctx; py "c - d"; [c, d] c.sub(&d, None)?),
    ]);
    Ok(steps)
}
