//! Errors change nothing, or hand back what they took: every destructive
//! operation on a value that does not decode, blocking and async, on one server
//! and on a cluster. Undecodable bytes are written with raw commands; each case
//! asserts the error is a decode error at the key, holds the whole raw value (the
//! message only a prefix), and that whatever left Redis is in the error.
//! Then the SimpleQueue's at-most-once delivery: a claim whose reply is lost.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::time::Duration;

use pottery::{Error, ErrorKind, future, sync};
use support::{Ctx, Target};

/// 1,000 bytes that no codec reads as a number: not UTF-8, not JSON, longer
/// than the 64 a message shows.
fn bad() -> Vec<u8> {
    let mut raw = b"\xff{not json ".to_vec();
    raw.resize(1000, b'x');
    raw
}

/// One raw command with binary arguments.
fn raw(ctx: &Ctx, args: &[&[u8]]) -> redis::Value {
    ctx.client
        .with_connection(|con| {
            let mut cmd = redis::cmd(std::str::from_utf8(args[0]).unwrap());
            for arg in &args[1..] {
                cmd.arg(*arg);
            }
            cmd.query(con)
        })
        .unwrap()
}

/// `err` is a decode error at `key` holding `removed`, whole, of which `bad`
/// did not decode, and its message says the data was taken.
fn assert_taken(err: &Error, key: &str, removed: &[&[u8]], bad: Option<&[u8]>) {
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
    assert_eq!(err.key(), Some(key));
    assert_eq!(err.raw_value(), bad, "{err}");
    let held: Vec<&[u8]> = err
        .removed_raw()
        .unwrap()
        .iter()
        .map(Vec::as_slice)
        .collect();
    assert_eq!(held, removed, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("removed from the key") || text.contains("overwritten"),
        "{text}"
    );
    // The message shows a prefix, not the whole value.
    assert!(!text.contains(&"x".repeat(65)), "{text}");
}

/// A read of the same bytes changes nothing: the error holds them, and says
/// nothing was removed.
fn reads_of_undecodable_values_change_nothing(ctx: &Ctx) {
    let key = ctx.key("d");
    raw(ctx, &[b"HSET", key.as_bytes(), b"\"f\"", &bad()]);
    let d = sync::RedisDict::<String, i64>::new(&ctx.client, &key);
    let err = d.get("f").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.raw_value(), Some(&bad()[..]));
    assert_eq!(err.removed_raw(), None);
    assert!(!err.to_string().contains("removed"), "{err}");
    assert_eq!(d.len().unwrap(), 1);
    assert_eq!(err.into_raw_value(), Some(bad()));
}

fn dict_remove_of_undecodable_value_hands_it_back(ctx: &Ctx) {
    let key = ctx.key("d");
    let d = sync::RedisDict::<String, i64>::new(&ctx.client, &key);
    let ad = future::RedisDict::<String, i64>::new(&ctx.client, &key);
    raw(ctx, &[b"HSET", key.as_bytes(), b"\"f\"", &bad()]);
    assert_taken(&d.remove("f").unwrap_err(), &key, &[&bad()], Some(&bad()));
    assert_eq!(d.len().unwrap(), 0);
    ctx.block_on(async {
        raw(ctx, &[b"HSET", key.as_bytes(), b"\"f\"", &bad()]);
        assert_taken(
            &ad.remove("f").await.unwrap_err(),
            &key,
            &[&bad()],
            Some(&bad()),
        );
        assert_eq!(ad.len().await.unwrap(), 0);
    });
}

fn dict_replace_of_undecodable_value_hands_back_the_old_one(ctx: &Ctx) {
    let key = ctx.key("d");
    let d = sync::RedisDict::<String, i64>::new(&ctx.client, &key);
    let ad = future::RedisDict::<String, i64>::new(&ctx.client, &key);
    raw(ctx, &[b"HSET", key.as_bytes(), b"\"f\"", &bad()]);
    let err = d.replace("f", 5).unwrap_err();
    assert_taken(&err, &key, &[&bad()], Some(&bad()));
    // The new value was stored: what the caller asked, and the old one is in the error.
    assert_eq!(d.get("f").unwrap(), Some(5));
    ctx.block_on(async {
        raw(ctx, &[b"HSET", key.as_bytes(), b"\"f\"", &bad()]);
        let err = ad.replace("f", 6).await.unwrap_err();
        assert_taken(&err, &key, &[&bad()], Some(&bad()));
        assert_eq!(ad.get("f").await.unwrap(), Some(6));
    });
}

fn dict_pop_item_of_undecodable_entry_hands_back_field_and_value(ctx: &Ctx) {
    let key = ctx.key("d");
    let d = sync::RedisDict::<String, i64>::new(&ctx.client, &key);
    let ad = future::RedisDict::<String, i64>::new(&ctx.client, &key);
    // A bad value, then a bad field: the error holds both halves, field first.
    raw(ctx, &[b"HSET", key.as_bytes(), b"\"f\"", &bad()]);
    let err = d.pop_item().unwrap_err();
    assert_taken(&err, &key, &[b"\"f\"", &bad()], Some(&bad()));
    raw(ctx, &[b"HSET", key.as_bytes(), &bad(), b"1"]);
    let err = d.pop_item().unwrap_err();
    assert_taken(&err, &key, &[&bad(), b"1"], Some(&bad()));
    assert_eq!(d.len().unwrap(), 0);
    ctx.block_on(async {
        raw(ctx, &[b"HSET", key.as_bytes(), b"\"g\"", &bad()]);
        let err = ad.pop_item().await.unwrap_err();
        assert_taken(&err, &key, &[b"\"g\"", &bad()], Some(&bad()));
        assert_eq!(ad.len().await.unwrap(), 0);
    });
}

fn list_pops_of_undecodable_element_hand_it_back(ctx: &Ctx) {
    let key = ctx.key("l");
    let l = sync::RedisList::<i64>::new(&ctx.client, &key);
    let push = || raw(ctx, &[b"RPUSH", key.as_bytes(), &bad()]);
    let check = |err: Error| assert_taken(&err, &key, &[&bad()], Some(&bad()));
    push();
    check(l.pop().unwrap_err());
    push();
    check(l.pop_front().unwrap_err());
    push();
    check(l.pop_at(0).unwrap_err());
    push();
    check(l.remove_at(-1).unwrap_err());
    assert_eq!(l.len().unwrap(), 0);
    let al = future::RedisList::<i64>::new(&ctx.client, &key);
    ctx.block_on(async {
        push();
        check(al.pop().await.unwrap_err());
        push();
        check(al.pop_front().await.unwrap_err());
        push();
        check(al.pop_at(0).await.unwrap_err());
        push();
        check(al.remove_at(-1).await.unwrap_err());
        assert_eq!(al.len().await.unwrap(), 0);
    });
}

fn list_drain_and_splice_of_undecodable_element_hand_back_all_removed(ctx: &Ctx) {
    let key = ctx.key("l");
    let l = sync::RedisList::<i64>::new(&ctx.client, &key);
    let al = future::RedisList::<i64>::new(&ctx.client, &key);
    let fill = || {
        raw(ctx, &[b"DEL", key.as_bytes()]);
        raw(ctx, &[b"RPUSH", key.as_bytes(), b"1", &bad(), b"3"]);
    };
    // Every removed element is in the error, those that decoded too.
    fill();
    let err = l.drain(..).unwrap_err();
    assert_taken(&err, &key, &[b"1", &bad(), b"3"], Some(&bad()));
    assert_eq!(l.len().unwrap(), 0);
    fill();
    let err = l.splice(0..2, [9]).unwrap_err();
    assert_taken(&err, &key, &[b"1", &bad()], Some(&bad()));
    assert_eq!(l.to_vec().unwrap(), [9, 3]);
    ctx.block_on(async {
        fill();
        let err = al.drain(1..).await.unwrap_err();
        assert_taken(&err, &key, &[&bad(), b"3"], Some(&bad()));
        assert_eq!(al.to_vec().await.unwrap(), [1]);
        fill();
        let err = al.splice(1..2, [7, 8]).await.unwrap_err();
        assert_taken(&err, &key, &[&bad()], Some(&bad()));
        assert_eq!(al.to_vec().await.unwrap(), [1, 7, 8, 3]);
    });
}

fn deque_pops_of_undecodable_element_hand_it_back(ctx: &Ctx) {
    let key = ctx.key("q");
    let d = sync::RedisDeque::<i64>::new(&ctx.client, &key);
    let ad = future::RedisDeque::<i64>::new(&ctx.client, &key);
    let push = || raw(ctx, &[b"RPUSH", key.as_bytes(), &bad()]);
    let check = |err: Error| assert_taken(&err, &key, &[&bad()], Some(&bad()));
    push();
    check(d.pop_back().unwrap_err());
    push();
    check(d.pop_front().unwrap_err());
    push();
    check(d.remove_at(0).unwrap_err());
    assert_eq!(d.len().unwrap(), 0);
    ctx.block_on(async {
        push();
        check(ad.pop_back().await.unwrap_err());
        push();
        check(ad.pop_front().await.unwrap_err());
        push();
        check(ad.remove_at(0).await.unwrap_err());
        assert_eq!(ad.len().await.unwrap(), 0);
    });
}

fn set_pop_of_undecodable_member_hands_it_back(ctx: &Ctx) {
    let key = ctx.key("s");
    let s = sync::RedisSet::<i64>::new(&ctx.client, &key);
    let a = future::RedisSet::<i64>::new(&ctx.client, &key);
    raw(ctx, &[b"SADD", key.as_bytes(), &bad()]);
    assert_taken(&s.pop().unwrap_err(), &key, &[&bad()], Some(&bad()));
    assert_eq!(s.len().unwrap(), 0);
    ctx.block_on(async {
        raw(ctx, &[b"SADD", key.as_bytes(), &bad()]);
        assert_taken(&a.pop().await.unwrap_err(), &key, &[&bad()], Some(&bad()));
        assert_eq!(a.len().await.unwrap(), 0);
    });
}

fn queue_gets_of_undecodable_item_hand_it_back(ctx: &Ctx) {
    let key = ctx.key("q");
    let q = sync::RedisSimpleQueue::<i64>::new(&ctx.client, &key);
    let aq = future::RedisSimpleQueue::<i64>::new(&ctx.client, &key);
    let put = || raw(ctx, &[b"XADD", key.as_bytes(), b"*", b"item", &bad()]);
    let check = |err: Error| assert_taken(&err, &key, &[&bad()], Some(&bad()));
    let wait = Duration::from_secs(2);
    put();
    check(q.get_nowait().unwrap_err());
    put();
    check(q.get().unwrap_err());
    put();
    check(q.get_timeout(wait).unwrap_err());
    assert_eq!(q.qsize().unwrap(), 0);
    ctx.block_on(async {
        put();
        check(aq.get_nowait().await.unwrap_err());
        put();
        check(aq.get().await.unwrap_err());
        put();
        check(aq.get_timeout(wait).await.unwrap_err());
        assert_eq!(aq.qsize().await.unwrap(), 0);
    });
}

/// An entry no queue wrote (no `item` field) is taken too: the error holds its
/// fields and values; the items behind it are not held up.
fn queue_entry_without_item_field_is_handed_back(ctx: &Ctx) {
    let key = ctx.key("q");
    let q = sync::RedisSimpleQueue::<i64>::new(&ctx.client, &key);
    let aq = future::RedisSimpleQueue::<i64>::new(&ctx.client, &key);
    let put = || {
        raw(
            ctx,
            &[b"XADD", key.as_bytes(), b"*", b"data", &bad(), b"n", b"1"],
        )
    };
    let check = |err: Error| assert_taken(&err, &key, &[b"data", &bad(), b"n", b"1"], None);
    put();
    q.put(2).unwrap();
    check(q.get_nowait().unwrap_err());
    assert_eq!(q.get_nowait().unwrap(), Some(2));
    ctx.block_on(async {
        put();
        check(aq.get().await.unwrap_err());
        assert!(aq.is_empty().await.unwrap());
    });
}

/// Redis does not roll back a script that fails half way: an increment that
/// overflows must not leave the ones before it applied.
fn counter_update_that_overflows_changes_nothing(ctx: &Ctx) {
    let key = ctx.key("c");
    let c = sync::RedisCounter::<String>::new(&ctx.client, &key);
    let ac = future::RedisCounter::<String>::new(&ctx.client, &key);
    let near_max = (i64::MAX - 10).to_string();
    raw(
        ctx,
        &[
            b"HSET",
            key.as_bytes(),
            b"\"b\"",
            near_max.as_bytes(),
            b"\"x\"",
            b"1",
        ],
    );
    let unchanged = |counts: Vec<(String, i64)>| {
        let mut counts = counts;
        counts.sort();
        assert_eq!(
            counts,
            [("b".to_owned(), i64::MAX - 10), ("x".to_owned(), 1)]
        );
    };
    let err = c.update([("a", 5), ("x", 2), ("b", 100)]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Redis, "{err:?}");
    unchanged(c.to_vec().unwrap());
    ctx.block_on(async {
        let err = ac
            .subtract([("a", 5), ("x", 2), ("b", -100)])
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Redis, "{err:?}");
        unchanged(ac.to_vec().await.unwrap());
    });
}

/// A claim is a write: when its reply is lost (the server froze after the
/// request was sent) the error says the outcome is unknown, and indeed the
/// item was taken though no one got it: delivery is at most once.
fn queue_claim_with_lost_reply_is_outcome_unknown(_: &Ctx) {
    let server = pottery_testkit::Server::start();
    let client = pottery::Client::builder(&server.url())
        .response_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let q = sync::RedisSimpleQueue::<i64>::new(&client, "lost");
    let aq = future::RedisSimpleQueue::<i64>::new(&client, "lost");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Connections open and the claim script loaded: the frozen server gets the
    // claim itself, not a connection attempt or a SCRIPT LOAD.
    assert_eq!(q.get_nowait().unwrap(), None);
    assert_eq!(runtime.block_on(aq.get_nowait()).unwrap(), None);
    let wait = Duration::from_secs(1);
    for round in ["get_nowait", "get_timeout", "get"] {
        for mode in ["blocking", "async"] {
            q.put(1).unwrap();
            // A connection the last round's lost reply left in doubt was
            // replaced: open the new one before the freeze, so the claim is sent.
            runtime.block_on(aq.qsize()).unwrap();
            server.freeze();
            let got = match (round, mode) {
                ("get_nowait", "blocking") => q.get_nowait().map(drop),
                ("get_nowait", _) => runtime.block_on(aq.get_nowait()).map(drop),
                ("get_timeout", "blocking") => q.get_timeout(wait).map(drop),
                ("get_timeout", _) => runtime.block_on(aq.get_timeout(wait)).map(drop),
                (_, "blocking") => q.get().map(drop),
                _ => runtime.block_on(aq.get()).map(drop),
            };
            server.thaw();
            check_lost_claim(&q, got.unwrap_err(), &format!("{mode} {round}"));
        }
    }
}

/// `err` is the lost reply of a claim, and the claimed item is gone from `q`.
fn check_lost_claim(q: &sync::RedisSimpleQueue<i64>, err: Error, round: &str) {
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{round}: {err:?}");
    assert!(err.is_timeout(), "{round}: {err:?}");
    // The server ran the claim once it woke: the item is gone. (A first call
    // may meet the connection the timeout left behind: ask again.)
    let mut left = q.qsize();
    for _ in 0..20 {
        if left.as_ref().is_ok_and(|n| *n == 0) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        left = q.qsize();
    }
    assert_eq!(left.unwrap(), 0, "{round}");
}

pub(crate) fn suite() -> support::Suite {
    let everywhere = cases![
        reads_of_undecodable_values_change_nothing,
        dict_remove_of_undecodable_value_hands_it_back,
        dict_replace_of_undecodable_value_hands_back_the_old_one,
        dict_pop_item_of_undecodable_entry_hands_back_field_and_value,
        list_pops_of_undecodable_element_hand_it_back,
        list_drain_and_splice_of_undecodable_element_hand_back_all_removed,
        deque_pops_of_undecodable_element_hand_it_back,
        set_pop_of_undecodable_member_hands_it_back,
        queue_gets_of_undecodable_item_hand_it_back,
        queue_entry_without_item_field_is_handed_back,
        counter_update_that_overflows_changes_nothing,
    ];
    let own_server = cases![queue_claim_with_lost_reply_is_outcome_unknown];
    support::Suite::new(
        "destructive",
        vec![
            (&[Target::Server, Target::Cluster], everywhere),
            (&[Target::Server], own_server),
        ],
    )
}
