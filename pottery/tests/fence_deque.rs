//! Fenced writes on a RedisDeque (issue 12, point 2): bounded and unbounded,
//! on one server and on a cluster, blocking and async (`fence.rs`'s checks).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use crate::fence::{check, check_above, check_wrong_type};
use crate::support;

use pottery::{ErrorKind, future, sync};
use support::{Ctx, Target};

type Deque = sync::RedisDeque<i64>;

fn deque_writes(ctx: &Ctx) {
    let key = ctx.key("back");
    let d = Deque::new(&ctx.client, &key);
    let data = || format!("{:?}", d.to_vec().unwrap());
    check(ctx, &key, |t, i| d.fenced(t).push_back(i), data);
    assert_eq!(d.to_vec().unwrap(), [1, 2, 4]);

    let key = ctx.key("front");
    let d = Deque::new(&ctx.client, &key);
    let data = || format!("{:?}", d.to_vec().unwrap());
    check(ctx, &key, |t, i| d.fenced(t).push_front(i), data);
    assert_eq!(d.to_vec().unwrap(), [4, 2, 1]);

    let key = ctx.key("extend");
    let d = Deque::new(&ctx.client, &key);
    let data = || format!("{:?}", d.to_vec().unwrap());
    check(ctx, &key, |t, i| d.fenced(t).extend([i, i]), data);
    check_above(
        ctx,
        &key,
        10,
        |t, i| d.fenced(t).extend_front([i, -i]),
        data,
    );
    assert_eq!(d.to_vec().unwrap(), [-4, 4, -2, 2, -1, 1, 1, 1, 2, 2, 4, 4]);

    let key = ctx.key("pop");
    let d = Deque::new(&ctx.client, &key);
    d.extend(0..10).unwrap();
    let data = || format!("{:?}", d.to_vec().unwrap());
    check(ctx, &key, |t, _| d.fenced(t).pop_back().map(drop), data);
    check_above(
        ctx,
        &key,
        10,
        |t, _| d.fenced(t).pop_front().map(drop),
        data,
    );
    assert_eq!(d.to_vec().unwrap(), [3, 4, 5, 6]);

    for (name, bounded) in [("wt", false), ("wt-bounded", true)] {
        let key = ctx.key(name);
        check_wrong_type(ctx, &key, |t| {
            let d = Deque::new(&ctx.client, &key);
            let d = if bounded { d.bounded(3) } else { d };
            d.fenced(t).push_back(1)
        });
    }
}

/// A bounded deque's fenced pushes trim to maxlen in the same script; a
/// refused one neither pushes nor trims.
fn bounded_deque_writes(ctx: &Ctx) {
    let key = ctx.key("bounded");
    let d = Deque::with_maxlen(&ctx.client, &key, 3);
    let data = || format!("{:?}", d.to_vec().unwrap());
    check(ctx, &key, |t, i| d.fenced(t).extend([i, i + 10]), data);
    assert_eq!(d.to_vec().unwrap(), [12, 4, 14]);
    check_above(ctx, &key, 10, |t, i| d.fenced(t).push_front(i), data);
    assert_eq!(d.to_vec().unwrap(), [4, 2, 1]);
    d.fenced(20).extend_front([7, 8, 9, 10]).unwrap();
    assert_eq!(d.to_vec().unwrap(), [10, 9, 8]);
    let err = d.fenced(19).push_back(0).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StaleFence, "{err}");
    assert_eq!(d.to_vec().unwrap(), [10, 9, 8]);
    // No items: nothing is sent, not even to a stale fence.
    d.fenced(1).extend(Vec::<i64>::new()).unwrap();
}

fn async_deque_writes(ctx: &Ctx) {
    let key = ctx.key("async");
    let d = future::RedisDeque::<i64>::with_maxlen(&ctx.client, &key, 2);
    let plain = Deque::new(&ctx.client, &key);
    let data = || format!("{:?}", plain.to_vec().unwrap());
    check(
        ctx,
        &key,
        |t, i| ctx.block_on(d.fenced(t).push_back(i)),
        data,
    );
    assert_eq!(plain.to_vec().unwrap(), [2, 4]);
    plain.extend([5, 6]).unwrap();
    check_above(
        ctx,
        &key,
        10,
        |t, _| ctx.block_on(d.fenced(t).pop_front()).map(drop),
        data,
    );
}

pub(crate) fn suite() -> support::Suite {
    support::Suite::one(
        "fence_deque",
        &[Target::Server, Target::Cluster],
        cases![deque_writes, bounded_deque_writes, async_deque_writes],
    )
}
