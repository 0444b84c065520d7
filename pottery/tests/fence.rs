//! Fenced writes (issue 12, point 2): every structure's writes through its
//! fence, on one server and on a cluster, blocking and async.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::time::Duration;

use pottery::{ErrorKind, Result, future, sync};
use support::{Ctx, Target};

/// The fence key of a structure at `key` with no `{` (`keys.md`).
pub(crate) fn fence_of(key: &str) -> String {
    format!("{key}{{{key}}}:fence")
}

/// A raw `GET` through the case's client (server or cluster).
pub(crate) fn get(ctx: &Ctx, key: &str) -> Option<String> {
    ctx.client
        .with_connection(|con| redis::cmd("GET").arg(key).query(con))
        .unwrap()
}

fn slot(ctx: &Ctx, key: &str) -> i64 {
    ctx.client
        .with_connection(|con| redis::cmd("CLUSTER").arg("KEYSLOT").arg(key).query(con))
        .unwrap()
}

/// Token 5 then 7 write; 6 is refused with `StaleFence` naming the key and
/// changing nothing; 7 again (the same holder) writes. `write(token, step)`
/// writes something that depends on `step`; `data` reads the structure.
pub(crate) fn check(
    ctx: &Ctx,
    key: &str,
    write: impl Fn(u64, i64) -> Result<()>,
    data: impl Fn() -> String,
) {
    check_above(ctx, key, 0, write, data);
}

/// [`check`] with every token `base` larger (the fence already holds `base`).
pub(crate) fn check_above(
    ctx: &Ctx,
    key: &str,
    base: u64,
    write: impl Fn(u64, i64) -> Result<()>,
    data: impl Fn() -> String,
) {
    let fence = fence_of(key);
    let stored = |t: u64| Some((base + t).to_string());
    write(base + 5, 1).unwrap();
    assert_eq!(get(ctx, &fence), stored(5));
    write(base + 7, 2).unwrap();
    let after_seven = data();
    let err = write(base + 6, 3).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StaleFence, "{err}");
    assert_eq!(err.key(), Some(key));
    let shown = err.to_string();
    assert!(
        shown.contains(&format!("{} is older than {}", base + 6, base + 7)),
        "{shown}"
    );
    assert_eq!(data(), after_seven, "a refused write changed the data");
    assert_eq!(get(ctx, &fence), stored(7));
    write(base + 7, 4).unwrap();
    assert_ne!(data(), after_seven, "an equal token must write");
    assert_eq!(get(ctx, &fence), stored(7));
    if ctx.target == Target::Cluster {
        assert_eq!(slot(ctx, &fence), slot(ctx, key));
    }
}

/// A fenced write on a key holding a string fails with `WrongType` and
/// changes neither the string nor the fence (set to 3 beforehand).
pub(crate) fn check_wrong_type(ctx: &Ctx, key: &str, write: impl Fn(u64) -> Result<()>) {
    let fence = fence_of(key);
    ctx.client
        .with_connection(|con| {
            redis::cmd("SET").arg(key).arg("text").query::<()>(con)?;
            redis::cmd("SET").arg(&fence).arg("3").query::<()>(con)
        })
        .unwrap();
    let err = write(5).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongType, "{err}");
    assert_eq!(get(ctx, key).as_deref(), Some("text"));
    assert_eq!(get(ctx, &fence).as_deref(), Some("3"));
}

fn sorted<T: Ord>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut items: Vec<T> = items.into_iter().collect();
    items.sort();
    items
}

type Dict = sync::RedisDict<String, i64>;
type List = sync::RedisList<i64>;
type Set = sync::RedisSet<i64>;
type Counter = sync::RedisCounter<String>;

fn dict_writes(ctx: &Ctx) {
    let key = ctx.key("insert");
    let d = Dict::new(&ctx.client, &key);
    let data = || format!("{:?}", sorted(d.to_hash_map().unwrap()));
    check(ctx, &key, |t, i| d.fenced(t).insert("a", i).map(drop), data);
    check_wrong_type(ctx, &ctx.key("insert-wt"), |t| {
        Dict::new(&ctx.client, &ctx.key("insert-wt"))
            .fenced(t)
            .insert("a", 1)
            .map(drop)
    });

    // Tokens past 2^53, where Lua's doubles would call these two equal.
    let key = ctx.key("big");
    let d = Dict::new(&ctx.client, &key);
    d.fenced(u64::MAX).insert("a", 1).unwrap();
    let err = d.fenced(u64::MAX - 1).insert("a", 2).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StaleFence, "{err}");
    d.fenced(u64::MAX).insert("a", 3).unwrap();
    assert_eq!(d.get("a").unwrap(), Some(3));
    let key = ctx.key("digits");
    let d = Dict::new(&ctx.client, &key);
    d.fenced(10).insert("a", 1).unwrap();
    assert_eq!(
        d.fenced(9).insert("a", 2).unwrap_err().kind(),
        ErrorKind::StaleFence
    );

    // A key with a hash tag: the fence is `K:fence`, in the same slot.
    let key = ctx.key("{tagged}:d");
    let d = Dict::new(&ctx.client, &key);
    d.fenced(9).insert("a", 1).unwrap();
    assert_eq!(get(ctx, &format!("{key}:fence")).as_deref(), Some("9"));

    let key = ctx.key("remove");
    let d = Dict::new(&ctx.client, &key);
    d.extend((0..10).map(|i| (i.to_string(), i))).unwrap();
    let removed = d.fenced(1).remove("0").unwrap();
    assert_eq!(removed, Some(0));
    let data = || format!("{:?}", sorted(d.to_hash_map().unwrap()));
    check(
        ctx,
        &key,
        |t, i| d.fenced(t).remove(i.to_string()).map(drop),
        data,
    );
    check_wrong_type(ctx, &ctx.key("remove-wt"), |t| {
        Dict::new(&ctx.client, &ctx.key("remove-wt"))
            .fenced(t)
            .remove("a")
            .map(drop)
    });
}

fn list_writes(ctx: &Ctx) {
    let key = ctx.key("push");
    let l = List::new(&ctx.client, &key);
    let data = || format!("{:?}", l.to_vec().unwrap());
    check(ctx, &key, |t, i| l.fenced(t).push(i), data);
    assert_eq!(l.to_vec().unwrap(), [1, 2, 4]);

    let key = ctx.key("push-front");
    let l = List::new(&ctx.client, &key);
    let data = || format!("{:?}", l.to_vec().unwrap());
    check(ctx, &key, |t, i| l.fenced(t).push_front(i), data);
    assert_eq!(l.to_vec().unwrap(), [4, 2, 1]);

    let key = ctx.key("set");
    let l = List::new(&ctx.client, &key);
    l.extend([0, 0]).unwrap();
    let data = || format!("{:?}", l.to_vec().unwrap());
    check(ctx, &key, |t, i| l.fenced(t).set(-1, i), data);
    assert_eq!(l.to_vec().unwrap(), [0, 4]);
    let err = l.fenced(7).set(5, 1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");

    let key = ctx.key("pop");
    let l = List::new(&ctx.client, &key);
    l.extend(0..10).unwrap();
    let data = || format!("{:?}", l.to_vec().unwrap());
    check(ctx, &key, |t, _| l.fenced(t).pop().map(drop), data);
    assert_eq!(l.fenced(7).pop_front().unwrap(), Some(0));
    assert_eq!(
        l.fenced(6).pop_front().unwrap_err().kind(),
        ErrorKind::StaleFence
    );
    assert_eq!(l.to_vec().unwrap(), [1, 2, 3, 4, 5, 6]);

    for (name, command) in [("push-wt", "push"), ("set-wt", "set"), ("pop-wt", "pop")] {
        let key = ctx.key(name);
        check_wrong_type(ctx, &key, |t| {
            let fenced = List::new(&ctx.client, &key);
            let fenced = fenced.fenced(t);
            match command {
                "push" => fenced.push(1),
                "set" => fenced.set(0, 1),
                _ => fenced.pop().map(drop),
            }
        });
    }
}

fn set_writes(ctx: &Ctx) {
    let key = ctx.key("insert");
    let s = Set::new(&ctx.client, &key);
    let data = || format!("{:?}", sorted(s.to_hash_set().unwrap()));
    check(ctx, &key, |t, i| s.fenced(t).insert(i).map(drop), data);

    let key = ctx.key("remove");
    let s = Set::new(&ctx.client, &key);
    s.extend(0..10).unwrap();
    let data = || format!("{:?}", sorted(s.to_hash_set().unwrap()));
    check(ctx, &key, |t, i| s.fenced(t).remove(i), data);
    assert!(!s.fenced(7).discard(1).unwrap());
    assert_eq!(
        s.fenced(7).remove(1).unwrap_err().kind(),
        ErrorKind::NotFound
    );

    let key = ctx.key("insert-wt");
    check_wrong_type(ctx, &key, |t| {
        Set::new(&ctx.client, &key).fenced(t).insert(1).map(drop)
    });
}

fn counter_writes(ctx: &Ctx) {
    let key = ctx.key("increment");
    let c = Counter::new(&ctx.client, &key);
    let data = || format!("{:?}", sorted(c.to_hash_map().unwrap()));
    check(
        ctx,
        &key,
        |t, i| c.fenced(t).increment("a", i).map(drop),
        data,
    );
    assert_eq!(c.get("a").unwrap(), 7);

    let key = ctx.key("update");
    let c = Counter::new(&ctx.client, &key);
    let data = || format!("{:?}", sorted(c.to_hash_map().unwrap()));
    check(
        ctx,
        &key,
        |t, i| c.fenced(t).update([("a", i), ("b", 1)]),
        data,
    );
    assert_eq!(c.get("a").unwrap(), 7);
    assert_eq!(c.get("b").unwrap(), 3);

    for name in ["increment-wt", "update-wt"] {
        let key = ctx.key(name);
        check_wrong_type(ctx, &key, |t| {
            let c = Counter::new(&ctx.client, &key);
            match name {
                "update-wt" => c.fenced(t).update([("a", 1)]),
                _ => c.fenced(t).increment("a", 1).map(drop),
            }
        });
    }
}

/// The async API, the same checks: each write on its own runtime.
fn async_writes(ctx: &Ctx) {
    let client = ctx.client.clone();
    let (kd, kl, ks, kc) = (ctx.key("d"), ctx.key("l"), ctx.key("s"), ctx.key("c"));
    let d = future::RedisDict::<String, i64>::new(&client, &kd);
    let l = future::RedisList::<i64>::new(&client, &kl);
    let s = future::RedisSet::<i64>::new(&client, &ks);
    let c = future::RedisCounter::<String>::new(&client, &kc);
    let show = |key: &str| {
        ctx.client
            .with_connection(|con| redis::cmd("DUMP").arg(key).query::<Option<Vec<u8>>>(con))
            .unwrap()
    };
    let data = |key: &'static str| {
        let key = ctx.key(key);
        move || format!("{:?}", show(&key))
    };
    check(
        ctx,
        &kd,
        |t, i| ctx.block_on(d.fenced(t).insert("a", i)).map(drop),
        data("d"),
    );
    let remove = |t: u64, i: i64| ctx.block_on(d.fenced(t).remove(i.to_string()));
    ctx.block_on(d.extend((0..5).map(|i| (i.to_string(), i))))
        .unwrap();
    check_above(ctx, &kd, 10, |t, i| remove(t, i).map(drop), data("d"));
    check(
        ctx,
        &kl,
        |t, i| ctx.block_on(l.fenced(t).push(i)),
        data("l"),
    );
    check_above(
        ctx,
        &kl,
        10,
        |t, i| ctx.block_on(l.fenced(t).push_front(i)),
        data("l"),
    );
    check_above(
        ctx,
        &kl,
        20,
        |t, i| ctx.block_on(l.fenced(t).set(0, i)),
        data("l"),
    );
    check_above(
        ctx,
        &kl,
        30,
        |t, _| ctx.block_on(l.fenced(t).pop()).map(drop),
        data("l"),
    );
    check(
        ctx,
        &ks,
        |t, i| ctx.block_on(s.fenced(t).insert(i)).map(drop),
        data("s"),
    );
    check_above(
        ctx,
        &ks,
        10,
        |t, i| ctx.block_on(s.fenced(t).remove(i)),
        data("s"),
    );
    check(
        ctx,
        &kc,
        |t, i| ctx.block_on(c.fenced(t).increment("a", i)).map(drop),
        data("c"),
    );
    check_above(
        ctx,
        &kc,
        10,
        |t, i| ctx.block_on(c.fenced(t).update([("a", i)])),
        data("c"),
    );
    let key = ctx.key("wt");
    let wt = future::RedisDict::<String, i64>::new(&client, &key);
    check_wrong_type(ctx, &key, |t| {
        ctx.block_on(wt.fenced(t).insert("a", 1)).map(drop)
    });
}

/// Kleppmann's scenario with the lock's own fencing tokens: holder A takes the
/// lock and pauses past its expiry; B takes it (a larger token) and writes; A
/// wakes and writes through its guard: refused, and B's data is intact.
fn paused_holder_is_refused(ctx: &Ctx) {
    let lock: sync::Redlock = pottery::Redlock::builder(&ctx.key("lock"))
        .master(ctx.client.clone())
        .auto_release_time(Duration::from_millis(300))
        .build()
        .unwrap();
    let key = ctx.key("files");
    let (taken_tx, taken_rx) = std::sync::mpsc::channel();
    let (lock, key) = (&lock, key.as_str());
    std::thread::scope(|scope| {
        let a = scope.spawn(move || {
            let guard = lock.acquire().unwrap();
            taken_tx.send(guard.fencing_token()).unwrap();
            // The pause: longer than the lock's expiry, and B writes meanwhile.
            std::thread::sleep(Duration::from_millis(900));
            let files = Dict::new(&ctx.client, key);
            let late = files.fenced(&guard).insert("report", 1);
            drop(guard);
            late
        });
        let b = scope.spawn(move || {
            let first = taken_rx.recv().unwrap();
            let guard = lock.acquire().unwrap();
            assert!(guard.fencing_token() > first, "tokens grow");
            let files = Dict::new(&ctx.client, key);
            files.fenced(&guard).insert("report", 2).unwrap();
            guard.release().unwrap();
        });
        b.join().unwrap();
        let err = a.join().unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleFence, "{err}");
    });
    let files = Dict::new(&ctx.client, key);
    assert_eq!(
        sorted(files.to_hash_map().unwrap()),
        [("report".to_owned(), 2)]
    );
}

/// Bulk writes through the fence: past the 8000 values Lua's `unpack` takes,
/// in one script, refused whole.
fn extend_writes(ctx: &Ctx) {
    let key = ctx.key("d");
    let d = Dict::new(&ctx.client, &key);
    let data = || format!("{}", d.len().unwrap());
    let items = |i: i64| (0..5000 * i).map(|n| (n.to_string(), n));
    check(ctx, &key, |t, i| d.fenced(t).extend(items(i)), data);
    assert_eq!(d.len().unwrap(), 20_000);
    assert_eq!(d.get("19999").unwrap(), Some(19_999));

    let key = ctx.key("l");
    let l = List::new(&ctx.client, &key);
    let data = || format!("{}", l.len().unwrap());
    check(ctx, &key, |t, i| l.fenced(t).extend(0..5000 * i), data);
    assert_eq!(l.len().unwrap(), 5000 + 10_000 + 20_000);
    assert_eq!(l.get(-1).unwrap(), Some(19_999));
    assert_eq!(l.get(15_000).unwrap(), Some(0));

    let key = ctx.key("s");
    let s = Set::new(&ctx.client, &key);
    let data = || format!("{}", s.len().unwrap());
    check(ctx, &key, |t, i| s.fenced(t).extend(0..5000 * i), data);
    assert_eq!(s.len().unwrap(), 20_000);

    let key = ctx.key("wt");
    check_wrong_type(ctx, &key, |t| {
        Set::new(&ctx.client, &key).fenced(t).extend(0..9000)
    });
    // No items: nothing is sent, the fence is not even read.
    Set::new(&ctx.client, &key).fenced(1).extend(0..0).unwrap();
}

/// `fence/run.lua` runs only the commands of its allowlist: a caller that
/// names another (the script is public through `SCRIPT LOAD`) changes nothing.
fn run_script_refuses_other_commands(ctx: &Ctx) {
    let text = pottery::__private::lua("fence/run.lua").unwrap();
    let key = ctx.key("raw");
    let fence = fence_of(&key);
    let eval = |command: &str, args: &[&str]| {
        ctx.client.with_connection(|con| {
            redis::cmd("EVAL")
                .arg(text)
                .arg(2)
                .arg(&key)
                .arg(&fence)
                .arg("1")
                .arg(command)
                .arg(args)
                .query::<redis::Value>(con)
        })
    };
    eval("SADD", &["m"]).unwrap();
    assert!(eval("DEL", &[]).is_err());
    assert!(eval("sadd", &["n"]).is_err(), "the allowlist is exact");
    let members: Vec<String> = ctx
        .client
        .with_connection(|con| redis::cmd("SMEMBERS").arg(&key).query(con))
        .unwrap();
    assert_eq!(members, ["m"]);
    assert_eq!(get(ctx, &fence).as_deref(), Some("1"));
}

pub(crate) fn suite() -> support::Suite {
    support::Suite::one(
        "fence",
        &[Target::Server, Target::Cluster],
        cases![
            dict_writes,
            list_writes,
            set_writes,
            counter_writes,
            async_writes,
            paused_holder_is_refused,
            run_script_refuses_other_commands,
            extend_writes,
        ],
    )
}
