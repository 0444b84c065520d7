//! `RedisCache`: pottery's `redis_cache`, as a value (`CachedFn`) here; the
//! `#[pottery::redis_cache]` attribute does the same for a function you write.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use pottery::CachedFn;
use pottery::sync::RedisCache;

use super::{BoxError, Ctx, Step, let_step, step};

/// A slow function cached: a miss, a hit, the counts, a bypass, a clear.
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "RedisCache: memoize results in a Redis hash, shared by every process (fields are the \
         arguments' JSON)",
    )];
    let runs = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&runs);
    let_step!(steps; py "@redis_cache(redis=redis)  def area(w, h): ...";
    let area = CachedFn::new(RedisCache::temporary(&client), move |w: u32, h: u32| {
        counted.fetch_add(1, Ordering::Relaxed);
        w * h
    }));
    ctx.track(area.cache().key());
    let shown_runs = Arc::clone(&runs);
    steps.extend([
        step!(py "area(3, 4)"; [area] area.call((3, 4))?),
        step!(py "area(3, 4)"; [area] area.call((3, 4))?),
        step!(py "area.cache_info()"; [area] area.cache().cache_info()?),
        step!([shown_runs] shown_runs.load(Ordering::Relaxed)),
        step!(py "area.__bypass__(3, 4)"; [area] area.bypass((3, 4))?),
        step!(py "area.__wrapped__(5, 6)"; [area] (area.get_ref())(5, 6)),
        step!(py "area.cache_clear()"; [area] area.cache().cache_clear()?),
        step!(py "area.cache_info()"; [area] area.cache().cache_info()?),
    ]);
    Ok(steps)
}
