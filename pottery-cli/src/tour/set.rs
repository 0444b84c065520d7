//! `RedisSet`: membership, then set algebra against another RedisSet and a local set.

use std::collections::{BTreeSet, HashSet};

use pottery::sync::RedisSet;

use super::{BoxError, Ctx, Step, let_step, step};

/// The pottery README's fruit basket, compared with a market's stock and a local set.
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "RedisSet: a Redis set that behaves like a HashSet (and a Python set)",
    )];
    let_step!(steps; py "basket = RedisSet(redis=redis)";
        let basket = RedisSet::<String>::temporary(&client));
    ctx.track(basket.key());
    steps.extend([
        step!(py "basket.update({'apple', 'orange', 'pear'})"; [basket]
            basket.extend(["apple", "orange", "apple", "pear"])?),
        step!(py "basket.add('banana')"; [basket] basket.insert("banana")?),
        step!(py "'orange' in basket"; [basket] basket.contains("orange")?),
        step!(py "tuple(basket.contains_many('apple', 'kiwi'))"; [basket]
            basket.contains_many(["apple", "kiwi"])?),
    ]);
    let_step!(steps; py "market = RedisSet(redis=redis)";
        let market = RedisSet::<String>::temporary(&client));
    ctx.track(market.key());
    steps.extend([
        step!(py "market.update({'kiwi', 'pear', 'banana'})"; [market]
            market.extend(["kiwi", "pear", "banana"])?),
        step!(py "basket & market"; [basket, market]
            BTreeSet::from_iter(basket.intersection(&market)?)),
        step!(py "basket - {'pear', 'fig'}"; [basket]
            BTreeSet::from_iter(basket.difference(HashSet::from(["pear", "fig"]))?)),
    ]);
    Ok(steps)
}
