//! `CachedOrderedDict`: search results hydrated from a Redis cache, in order.
//!
//! Making a dict reads Redis, so each one is made by its own step (in a slot)
//! when its turn comes: the second one must see what the first wrote.

use pottery::Container;
use pottery::sync::CachedOrderedDict;

use super::slot::{let_slot, slot, slot_step};
use super::{BoxError, Ctx, Step, let_step};

/// Documents by ID.
type Docs = CachedOrderedDict<i64, String>;

/// A first request finds nothing cached and fills the cache; a second one, in
/// another order, finds most of it.
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "CachedOrderedDict: ordered keys hydrated from a Redis hash cache (one HMGET)",
    )];
    let_step!(steps; py "key = random_key(redis=redis)"; let key = pottery::random_key());
    ctx.track(&key);
    let (first, second) = (slot::<Docs>(), slot::<Docs>());
    steps.extend([
        let_slot!(py "docs = CachedOrderedDict(redis_client=redis, redis_key=key, dict_keys=(3, 1, 2))";
            [client, key] docs in first = CachedOrderedDict::<i64, String>::new(&client, &key, [3, 1, 2])?),
        slot_step!(py "docs.misses()"; [first as docs] docs.misses().collect::<Vec<_>>()),
        slot_step!(py "docs.update({3: 'three', 1: 'one', 2: 'two'})"; [first as docs]
            docs.update([(3, "three"), (1, "one"), (2, "two")])?),
        let_slot!(py "again = CachedOrderedDict(redis_client=redis, redis_key=key, dict_keys=(2, 4, 3))";
            [client, key] again in second = CachedOrderedDict::<i64, String>::new(&client, &key, [2, 4, 3])?),
        slot_step!(py "list(again.items())"; [second as again] again.iter().collect::<Vec<_>>()),
        slot_step!(py "again.misses()"; [second as again] again.misses().collect::<Vec<_>>()),
        slot_step!(py "again.setdefault(4, 'four')"; [second as again]
            again.get_or_insert(4, "four")?.clone()),
        slot_step!(py "0 < redis.ttl(key) <= 60"; [second as again]
            again.ttl()?.is_some_and(|left| left <= pottery::DEFAULT_CACHE_TIMEOUT)),
        slot_step!(py "redis.unlink(key)"; [second as again] again.clear()?),
    ]);
    Ok(steps)
}
