//! RedisSet, on one server and on a 3-master cluster, and against Python's pottery.
//!
//! The first group ports every case of Python pottery 3.0.1's `tests/test_set.py`
//! (named after it); the rest covers what our RedisSet adds (symmetric difference,
//! intersection_update, the three algebra paths: server-side, cross-slot or
//! cross-client, local), the async API, errors, and interop with Python.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::type_complexity,
    missing_docs
)]

use crate::support;

use std::collections::HashSet;
use std::time::Duration;

use futures_util::StreamExt;
use pottery::{Client, Container, ErrorKind, future, json, sync::RedisSet};
use pottery_testkit::python;
use redis::cluster_routing::Slot;
use serde::{Deserialize, Serialize};
use support::{Ctx, Target};

type Strs = RedisSet<String>;
type Ints = RedisSet<i64>;

fn s(text: &str) -> String {
    text.to_owned()
}

fn set(items: &[&str]) -> HashSet<String> {
    items.iter().map(|i| s(i)).collect()
}

/// One-character strings, as Python's `RedisSet('abc')` makes.
fn chars(text: &str) -> Vec<String> {
    text.chars().map(String::from).collect()
}

fn char_set(text: &str) -> HashSet<String> {
    chars(text).into_iter().collect()
}

fn ints(range: impl IntoIterator<Item = i64>) -> HashSet<i64> {
    range.into_iter().collect()
}

/// A set at `key` holding `members` (created fresh).
fn strs(ctx: &Ctx, name: &str, members: &[String]) -> Strs {
    let set = Strs::new(&ctx.client, &ctx.key(name));
    set.extend(members).unwrap();
    set
}

/// A second client on the same target: the "other Redis" of pottery's tests.
fn other_client(ctx: &Ctx) -> Client {
    ctx.env.client(ctx.target)
}

/// Strings or ints in one set, as Python mixes them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
enum Elem {
    I(i64),
    S(String),
}

fn elems(strs: &[&str], ints: impl IntoIterator<Item = i64>) -> HashSet<Elem> {
    strs.iter()
        .map(|x| Elem::S(s(x)))
        .chain(ints.into_iter().map(Elem::I))
        .collect()
}

// ---- pottery 3.0.1 tests/test_set.py ----

fn test_init(ctx: &Ctx) {
    let set_ = Strs::new(&ctx.client, &ctx.key("s"));
    assert_eq!(set_.to_hash_set().unwrap(), HashSet::new());
    assert!(set_.is_empty().unwrap());
    let temp = Strs::temporary(&ctx.client);
    assert!(temp.key().starts_with("pottery:"));
    assert_eq!(temp.len().unwrap(), 0);
}

fn test_keyexistserror(ctx: &Ctx) {
    let fruits = ["apple", "orange", "apple", "pear", "orange", "banana"];
    let key = ctx.key("pottery:basket");
    let basket = Strs::create(&ctx.client, &key, fruits).unwrap();
    let err = Strs::create(&ctx.client, &key, fruits).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::KeyExists, "{err:?}");
    assert_eq!(err.key(), Some(key.as_str()));
    assert_eq!(basket.len().unwrap(), 4);
}

fn test_basic_usage(ctx: &Ctx) {
    let fruits = ["apple", "orange", "apple", "pear", "orange", "banana"];
    let basket = Strs::create(&ctx.client, &ctx.key("basket"), fruits).unwrap();
    assert_eq!(
        basket.to_hash_set().unwrap(),
        set(&["orange", "banana", "pear", "apple"])
    );
    assert!(basket.contains("orange").unwrap());
    assert!(!basket.contains("crabgrass").unwrap());
}

/// Members that may fail to encode, like Python's `object()`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Meta {
    Name(String),
    #[serde(skip_deserializing)]
    Object,
}

impl Serialize for Meta {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Meta::Name(name) => serializer.serialize_str(name),
            Meta::Object => Err(serde::ser::Error::custom("not JSON-serializable")),
        }
    }
}

fn test_contains_many_metasyntactic_variables(ctx: &Ctx) {
    let names = |xs: &[&str]| xs.iter().map(|x| Meta::Name(s(x))).collect::<Vec<_>>();
    let vars: RedisSet<Meta> = RedisSet::create(
        &ctx.client,
        &ctx.key("vars"),
        names(&["foo", "bar", "zap", "a"]),
    )
    .unwrap();
    let mut asked = names(&["foo", "bar"]);
    asked.push(Meta::Object);
    asked.extend(names(&["baz", "quz"]));
    assert_eq!(
        vars.contains_many(&asked).unwrap(),
        [true, true, false, false, false]
    );
    assert!(!vars.contains(Meta::Object).unwrap());
}

fn test_contains_many_uuids(ctx: &Ctx) {
    const NUM_ELEMENTS: usize = 5000;
    let fresh = || -> Vec<String> {
        (0..NUM_ELEMENTS)
            .map(|_| uuid::Uuid::new_v4().to_string())
            .collect()
    };
    let (known, unknown) = (fresh(), fresh());
    let uuid_set = Strs::create(&ctx.client, &ctx.key("uuids"), &known).unwrap();
    let count = |xs: Vec<bool>| xs.into_iter().filter(|&x| x).count();
    assert_eq!(count(uuid_set.contains_many(&known).unwrap()), NUM_ELEMENTS);
    assert_eq!(count(uuid_set.contains_many(&unknown).unwrap()), 0);
}

fn test_add(ctx: &Ctx) {
    let fruits = ["apple", "orange", "apple", "pear", "orange", "banana"];
    let basket = Strs::create(&ctx.client, &ctx.key("basket"), fruits).unwrap();
    assert!(basket.insert("tomato").unwrap());
    assert!(!basket.insert("tomato").unwrap());
    assert_eq!(
        basket.to_hash_set().unwrap(),
        set(&["apple", "orange", "pear", "banana", "tomato"])
    );
}

fn test_discard(ctx: &Ctx) {
    let fruits = [
        "apple", "orange", "apple", "pear", "orange", "banana", "tomato",
    ];
    let basket = Strs::create(&ctx.client, &ctx.key("basket"), fruits).unwrap();
    assert!(basket.discard("tomato").unwrap());
    assert!(!basket.discard("tomato").unwrap());
    assert_eq!(
        basket.to_hash_set().unwrap(),
        set(&["apple", "orange", "pear", "banana"])
    );
}

fn test_repr(ctx: &Ctx) {
    let basket = Strs::create(&ctx.client, &ctx.key("one"), ["apple"]).unwrap();
    assert_eq!(basket.repr().unwrap(), r#"RedisSet{"apple"}"#);
    assert_eq!(
        format!("{basket:?}"),
        format!("RedisSet {{ key: {:?} }}", basket.key())
    );
    let basket = Strs::create(&ctx.client, &ctx.key("two"), ["apple", "orange"]).unwrap();
    let repr = basket.repr().unwrap();
    assert!(
        repr == r#"RedisSet{"apple", "orange"}"# || repr == r#"RedisSet{"orange", "apple"}"#,
        "{repr}"
    );
    let empty = Strs::new(&ctx.client, &ctx.key("empty"));
    assert_eq!(empty.repr().unwrap(), "RedisSet{}");
}

fn test_pop(ctx: &Ctx) {
    let mut fruits = set(&["apple", "orange", "pear", "banana"]);
    let basket = Strs::create(&ctx.client, &ctx.key("basket"), &fruits).unwrap();
    for _ in 0..fruits.len() {
        let fruit = basket.pop().unwrap().unwrap();
        assert!(fruits.remove(&fruit), "{fruit} popped twice or never added");
    }
    assert!(fruits.is_empty());
    assert!(basket.is_empty().unwrap());
    // Python raises KeyError; we return None.
    assert_eq!(basket.pop().unwrap(), None);
}

fn test_remove(ctx: &Ctx) {
    let basket = Strs::create(&ctx.client, &ctx.key("basket"), ["apple", "orange"]).unwrap();
    basket.remove("orange").unwrap();
    assert_eq!(basket.to_hash_set().unwrap(), set(&["apple"]));
    basket.remove("apple").unwrap();
    assert_eq!(basket.to_hash_set().unwrap(), HashSet::new());
    let err = basket.remove("apple").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.key(), Some(basket.key()));
    assert!(err.to_string().contains(r#""apple""#), "{err}");
}

fn test_set_operations(ctx: &Ctx) {
    // Python's `a - b` etc. make new temporary RedisSets; ours return local sets.
    let a = Strs::create(&ctx.client, &ctx.key("a"), chars("abracadabra")).unwrap();
    let b = Strs::create(&ctx.client, &ctx.key("b"), chars("alacazam")).unwrap();
    assert_eq!(a.to_hash_set().unwrap(), char_set("arbcd"));
    assert_eq!(a.difference(&b).unwrap(), char_set("rdb"));
    assert_eq!(a.union(&b).unwrap(), char_set("acrdbmzl"));
    assert_eq!(a.intersection(&b).unwrap(), char_set("ac"));
    assert_eq!(a.symmetric_difference(&b).unwrap(), char_set("rdbmzl"));
}

fn test_isdisjoint(ctx: &Ctx) {
    let a = strs(ctx, "a", &chars("abc"));
    let b = strs(ctx, "b", &chars("cde"));
    assert!(!a.is_disjoint(&b).unwrap());
    let c = strs(ctx, "c", &chars("def"));
    assert!(a.is_disjoint(&c).unwrap());

    let other = other_client(ctx);
    let b = Strs::new(&other, b.key());
    assert!(!a.is_disjoint(&b).unwrap());
    let c = Strs::new(&other, c.key());
    assert!(a.is_disjoint(&c).unwrap());

    assert!(!a.is_disjoint(char_set("cde")).unwrap());
    assert!(a.is_disjoint(char_set("def")).unwrap());
}

fn test_issubset(ctx: &Ctx) {
    let a = strs(ctx, "a", &chars("abc"));
    let b = strs(ctx, "b", &chars("abc"));
    // `<` (proper subset) is a subset of another size.
    let lt = |x: &Strs, y: &Strs| x.is_subset(y).unwrap() && x.len().unwrap() < y.len().unwrap();
    assert!(a.is_subset(b.to_vec().unwrap()).unwrap());
    assert!(b.is_subset(a.to_vec().unwrap()).unwrap());
    assert!(a.is_subset(&b).unwrap());
    assert!(b.is_subset(&a).unwrap());
    assert!(!lt(&a, &b));
    assert!(!lt(&b, &a));
    let c = strs(ctx, "c", &chars("abcd"));
    assert!(a.is_subset(&c).unwrap());
    assert!(!c.is_subset(&a).unwrap());
    assert!(lt(&a, &c));
    assert!(!lt(&c, &a));
    let d = strs(ctx, "d", &chars("def"));
    assert!(!a.is_subset(&d).unwrap());
    assert!(!d.is_subset(&a).unwrap());
    assert!(!lt(&a, &d));
    assert!(!lt(&d, &a));
}

fn test_issuperset(ctx: &Ctx) {
    let a = strs(ctx, "a", &chars("abc"));
    let b = strs(ctx, "b", &chars("abc"));
    let gt = |x: &Strs, y: &Strs| x.is_superset(y).unwrap() && x.len().unwrap() > y.len().unwrap();
    assert!(a.is_superset(b.to_vec().unwrap()).unwrap());
    assert!(b.is_superset(a.to_vec().unwrap()).unwrap());
    assert!(a.is_superset(&b).unwrap());
    assert!(b.is_superset(&a).unwrap());
    assert!(!gt(&a, &b));
    assert!(!gt(&b, &a));
    let c = strs(ctx, "c", &chars("abcd"));
    assert!(!a.is_superset(&c).unwrap());
    assert!(c.is_superset(&a).unwrap());
    assert!(!gt(&a, &c));
    assert!(gt(&c, &a));
    let d = strs(ctx, "d", &chars("def"));
    assert!(!a.is_superset(&d).unwrap());
    assert!(!d.is_superset(&a).unwrap());
    assert!(!gt(&a, &d));
    assert!(!gt(&d, &a));
}

fn test_union(ctx: &Ctx) {
    let a = strs(ctx, "a", &chars("abc"));
    let b = strs(ctx, "b", &chars("cde"));
    assert_eq!(a.union(&b).unwrap(), char_set("abcde"));

    let b = Strs::new(&other_client(ctx), b.key());
    assert_eq!(a.union(&b).unwrap(), char_set("abcde"));

    let empty = Strs::new(&ctx.client, &ctx.key("empty"));
    assert_eq!(empty.union(char_set("abc")).unwrap(), char_set("abc"));
}

fn test_intersection(ctx: &Ctx) {
    let a = strs(ctx, "a", &chars("abc"));
    let b = strs(ctx, "b", &chars("cde"));
    assert_eq!(a.intersection(&b).unwrap(), char_set("c"));
    let c = strs(ctx, "c", &chars("def"));
    assert_eq!(a.intersection(&c).unwrap(), HashSet::new());

    let other = other_client(ctx);
    let b = Strs::new(&other, b.key());
    assert_eq!(a.intersection(&b).unwrap(), char_set("c"));
    let c = Strs::new(&other, c.key());
    assert_eq!(a.intersection(&c).unwrap(), HashSet::new());

    assert_eq!(a.intersection(char_set("cde")).unwrap(), char_set("c"));
    assert_eq!(a.intersection(char_set("def")).unwrap(), HashSet::new());
}

fn test_difference(ctx: &Ctx) {
    // Python's `a.difference(b, c)` takes several sets; ours takes one, so the
    // second difference is taken on the first's (local) result or on a union.
    let a = strs(ctx, "a", &chars("abcd"));
    let b = strs(ctx, "b", &chars("c"));
    let c = strs(ctx, "c", &chars("ace"));
    let ab = a.difference(&b).unwrap();
    let c_local = c.to_hash_set().unwrap();
    assert_eq!(&ab - &c_local, char_set("bd"));
    let b_or_c = b.union(&c).unwrap();
    assert_eq!(a.difference(&b_or_c).unwrap(), char_set("bd"));

    let (b, c) = (char_set("c"), char_set("ace"));
    assert_eq!(a.difference(b.iter().chain(&c)).unwrap(), char_set("bd"));
    assert_eq!(&a.difference(&b).unwrap() - &c, char_set("bd"));
}

fn test_update_with_no_arguments(ctx: &Ctx) {
    let s1 = Strs::new(&ctx.client, &ctx.key("s1"));
    s1.union_update(Vec::<String>::new()).unwrap();
    assert_eq!(s1.to_hash_set().unwrap(), HashSet::new());

    let s2 = strs(ctx, "s2", &chars("abcd"));
    s2.union_update(Vec::<String>::new()).unwrap();
    assert_eq!(s2.to_hash_set().unwrap(), char_set("abcd"));
}

fn test_update_with_empty_set(ctx: &Ctx) {
    let vars = Strs::new(&ctx.client, &ctx.key("v1"));
    vars.union_update(HashSet::<String>::new()).unwrap();
    assert_eq!(vars.to_hash_set().unwrap(), HashSet::new());

    let vars = Strs::create(&ctx.client, &ctx.key("v2"), ["foo", "bar", "baz"]).unwrap();
    vars.union_update(HashSet::<String>::new()).unwrap();
    assert_eq!(vars.to_hash_set().unwrap(), set(&["foo", "bar", "baz"]));
}

fn test_update_with_redisset(ctx: &Ctx) {
    let v1 = Strs::new(&ctx.client, &ctx.key("v1"));
    let v2 = Strs::create(&ctx.client, &ctx.key("v2"), ["foo", "bar", "baz"]).unwrap();
    v1.union_update(&v2).unwrap();
    assert_eq!(v1.to_hash_set().unwrap(), set(&["foo", "bar", "baz"]));
    let v3 = Strs::create(&ctx.client, &ctx.key("v3"), ["qux"]).unwrap();
    v1.union_update(&v3).unwrap();
    assert_eq!(
        v1.to_hash_set().unwrap(),
        set(&["foo", "bar", "baz", "qux"])
    );
}

fn test_update_with_set(ctx: &Ctx) {
    let vars = Strs::new(&ctx.client, &ctx.key("v"));
    vars.union_update(set(&["foo", "bar", "baz"])).unwrap();
    assert_eq!(vars.to_hash_set().unwrap(), set(&["foo", "bar", "baz"]));
    vars.union_update(set(&["qux"])).unwrap();
    assert_eq!(
        vars.to_hash_set().unwrap(),
        set(&["foo", "bar", "baz", "qux"])
    );
}

fn test_update_with_range(ctx: &Ctx) {
    let friends = Ints::new(&ctx.client, &ctx.key("friends"));
    friends.union_update(0..10).unwrap();
    assert_eq!(friends.to_hash_set().unwrap(), ints(0..10));
}

fn test_update_with_set_and_range(ctx: &Ctx) {
    // Python's `update(a, b)` takes several iterables; here they are chained.
    let silliness: RedisSet<Elem> = RedisSet::new(&ctx.client, &ctx.key("silly"));
    let words = elems(&["foo", "bar", "baz"], []);
    silliness
        .union_update(words.iter().cloned().chain((0..5).map(Elem::I)))
        .unwrap();
    assert_eq!(
        silliness.to_hash_set().unwrap(),
        elems(&["foo", "bar", "baz"], 0..5)
    );
    silliness
        .union_update(elems(&["qux"], []).into_iter().chain((0..6).map(Elem::I)))
        .unwrap();
    assert_eq!(
        silliness.to_hash_set().unwrap(),
        elems(&["foo", "bar", "baz", "qux"], 0..6)
    );
}

fn test_difference_update_with_empty_set(ctx: &Ctx) {
    let friends = Ints::new(&ctx.client, &ctx.key("f1"));
    friends.difference_update(HashSet::<i64>::new()).unwrap();
    assert_eq!(friends.to_hash_set().unwrap(), HashSet::new());

    let friends = Ints::create(&ctx.client, &ctx.key("f2"), 0..10).unwrap();
    friends.difference_update(HashSet::<i64>::new()).unwrap();
    assert_eq!(friends.to_hash_set().unwrap(), ints(0..10));
}

fn test_difference_update_with_redisset(ctx: &Ctx) {
    let f1 = Ints::new(&ctx.client, &ctx.key("f1"));
    let f2 = Ints::create(&ctx.client, &ctx.key("f2"), 5..10).unwrap();
    f1.difference_update(&f2).unwrap();
    assert_eq!(f1.to_hash_set().unwrap(), HashSet::new());

    let f1 = Ints::create(&ctx.client, &ctx.key("f3"), 0..10).unwrap();
    f1.difference_update(&f2).unwrap();
    assert_eq!(f1.to_hash_set().unwrap(), ints(0..5));
}

fn test_difference_update_with_set(ctx: &Ctx) {
    let friends = Ints::new(&ctx.client, &ctx.key("f1"));
    friends.difference_update(ints(5..10)).unwrap();
    assert_eq!(friends.to_hash_set().unwrap(), HashSet::new());

    let friends = Ints::create(&ctx.client, &ctx.key("f2"), 0..10).unwrap();
    friends.difference_update(ints(5..10)).unwrap();
    assert_eq!(friends.to_hash_set().unwrap(), ints(0..5));
}

fn test_difference_update_with_range(ctx: &Ctx) {
    let friends = Ints::new(&ctx.client, &ctx.key("f1"));
    friends.difference_update(0..5).unwrap();
    assert_eq!(friends.to_hash_set().unwrap(), HashSet::new());

    let friends = Ints::create(&ctx.client, &ctx.key("f2"), 0..10).unwrap();
    friends.difference_update(0..5).unwrap();
    assert_eq!(friends.to_hash_set().unwrap(), ints(5..10));
}

fn test_difference_update_with_range_and_set(ctx: &Ctx) {
    let friends = Ints::new(&ctx.client, &ctx.key("f1"));
    friends.difference_update((0..4).chain(6..10)).unwrap();
    assert_eq!(friends.to_hash_set().unwrap(), HashSet::new());

    let friends = Ints::create(&ctx.client, &ctx.key("f2"), 0..10).unwrap();
    friends
        .difference_update((0..4).chain(ints(6..10)))
        .unwrap();
    assert_eq!(friends.to_hash_set().unwrap(), ints(4..6));
}

fn test_membership_for_non_jsonifyable_element(ctx: &Ctx) {
    let redis_set: RedisSet<Meta> = RedisSet::new(&ctx.client, &ctx.key("s"));
    assert!(!redis_set.contains(Meta::Object).unwrap());
    assert_eq!(
        redis_set.insert(Meta::Object).unwrap_err().kind(),
        pottery::ErrorKind::Encode
    );
    assert_eq!(
        redis_set.extend([Meta::Object]).unwrap_err().kind(),
        pottery::ErrorKind::Encode
    );
    let err = redis_set.is_subset([Meta::Object]).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Encode, "{err:?}");
}

fn test_populate_with_empty_iterable(ctx: &Ctx) {
    let redis_set = Strs::create(&ctx.client, &ctx.key("s"), Vec::<String>::new()).unwrap();
    assert_eq!(redis_set.to_hash_set().unwrap(), HashSet::new());
    assert!(!redis_set.exists().unwrap());
    // An empty create over an existing key checks nothing and writes nothing.
    let full = strs(ctx, "full", &chars("ab"));
    Strs::create(&ctx.client, full.key(), Vec::<String>::new()).unwrap();
    assert_eq!(full.len().unwrap(), 2);
}

// ---- beyond pottery ----

/// Where the other operand of the algebra lives.
#[derive(Clone, Copy, Debug)]
enum Placement {
    /// Same client, same cluster slot (hash tag): server-side.
    SameSlot,
    /// Same client, keys in different cluster slots: SSCAN then one op.
    CrossSlot,
    /// Another client on the same server or cluster: SSCAN then one op.
    OtherClient,
    /// Local members.
    Local,
}

const PAIRS: &[(&str, &str)] = &[
    ("abc", "cde"),
    ("", "abc"),
    ("abc", ""),
    ("", ""),
    ("abc", "abc"),
    ("ab", "abcd"),
    ("abcd", "ab"),
    ("abc", "def"),
];

/// Every algebra operation, on every placement and pair above, agrees with std's.
fn algebra_matches_std(ctx: &Ctx) {
    let other = other_client(ctx);
    for placement in [
        Placement::SameSlot,
        Placement::CrossSlot,
        Placement::OtherClient,
        Placement::Local,
    ] {
        for (i, &(x, y)) in PAIRS.iter().enumerate() {
            let (xs, ys) = (char_set(x), char_set(y));
            let ctx_name = format!("{placement:?} {x:?} {y:?}");
            // Fresh sets for each check: `n` names them apart.
            let mut n = 0;
            let mut pair = || {
                n += 1;
                let (ka, kb) = match placement {
                    Placement::SameSlot => {
                        let tag = ctx.key(&format!("tag{i}-{n}"));
                        (format!("{{{tag}}}:a"), format!("{{{tag}}}:b"))
                    }
                    _ => (
                        ctx.key(&format!("{placement:?}:a{i}-{n}")),
                        ctx.key(&format!("{placement:?}:b{i}-{n}")),
                    ),
                };
                let a = Strs::new(&ctx.client, &ka);
                a.extend(&xs).unwrap();
                let b_client = match placement {
                    Placement::OtherClient => &other,
                    _ => &ctx.client,
                };
                let b = Strs::new(b_client, &kb);
                b.extend(&ys).unwrap();
                (a, b)
            };
            macro_rules! check {
                ($method:ident, $want:expr) => {{
                    let (a, b) = pair();
                    let got = match placement {
                        Placement::Local => a.$method(&ys).unwrap(),
                        _ => a.$method(&b).unwrap(),
                    };
                    assert_eq!(got, $want, "{} {ctx_name}", stringify!($method));
                    assert_eq!(a.to_hash_set().unwrap(), xs, "{ctx_name}: a changed");
                    assert_eq!(b.to_hash_set().unwrap(), ys, "{ctx_name}: b changed");
                }};
            }
            check!(union, &xs | &ys);
            check!(intersection, &xs & &ys);
            check!(difference, &xs - &ys);
            check!(symmetric_difference, &xs ^ &ys);
            check!(is_disjoint, xs.is_disjoint(&ys));
            check!(is_subset, xs.is_subset(&ys));
            check!(is_superset, xs.is_superset(&ys));
            macro_rules! check_update {
                ($method:ident, $want:expr) => {{
                    let (a, b) = pair();
                    match placement {
                        Placement::Local => a.$method(&ys).unwrap(),
                        _ => a.$method(&b).unwrap(),
                    }
                    assert_eq!(
                        a.to_hash_set().unwrap(),
                        $want,
                        "{} {ctx_name}",
                        stringify!($method)
                    );
                    assert_eq!(b.to_hash_set().unwrap(), ys, "{ctx_name}: b changed");
                }};
            }
            check_update!(union_update, &xs | &ys);
            check_update!(intersection_update, &xs & &ys);
            check_update!(difference_update, &xs - &ys);
            check_update!(symmetric_difference_update, &xs ^ &ys);
        }
    }
}

/// Plain keys land in different slots; the algebra still works on the cluster.
fn cross_slot_algebra(ctx: &Ctx) {
    let (ka, kb) = (ctx.key("a"), ctx.key("b"));
    assert_ne!(Slot::for_key(&ka), Slot::for_key(&kb));
    let a = strs(ctx, "a", &chars("abcd"));
    let b = strs(ctx, "b", &chars("cdef"));
    assert_eq!(a.union(&b).unwrap(), char_set("abcdef"));
    assert_eq!(a.intersection(&b).unwrap(), char_set("cd"));
    assert_eq!(a.difference(&b).unwrap(), char_set("ab"));
    assert_eq!(a.symmetric_difference(&b).unwrap(), char_set("abef"));
    assert!(!a.is_disjoint(&b).unwrap());
    a.symmetric_difference_update(&b).unwrap();
    assert_eq!(a.to_hash_set().unwrap(), char_set("abef"));
    a.intersection_update(&b).unwrap();
    assert_eq!(a.to_hash_set().unwrap(), char_set("ef"));
    assert!(a.is_subset(&b).unwrap());
    assert!(b.is_superset(&a).unwrap());
    a.union_update(&b).unwrap();
    assert!(a.contents_eq(&b).unwrap());
    a.difference_update(&b).unwrap();
    assert!(a.is_empty().unwrap());
    // Large enough for several SSCAN pages and script chunks.
    let big_a = Ints::new(&ctx.client, &ctx.key("big-a"));
    let big_b = Ints::new(&ctx.client, &ctx.key("big-b"));
    big_a.extend(0..3000).unwrap();
    big_b.extend(1500..4500).unwrap();
    assert_eq!(big_a.intersection(&big_b).unwrap(), ints(1500..3000));
    big_a.symmetric_difference_update(&big_b).unwrap();
    assert_eq!(
        big_a.to_hash_set().unwrap(),
        ints((0..1500).chain(3000..4500))
    );
    big_a.intersection_update(0..2000).unwrap();
    assert_eq!(big_a.to_hash_set().unwrap(), ints(0..1500));
    assert!(big_a.is_subset(0..1500).unwrap());
    assert!(!big_a.is_subset(0..1499).unwrap());
}

fn same_set_algebra(ctx: &Ctx) {
    let a = strs(ctx, "a", &chars("abc"));
    let alias = Strs::new(&ctx.client, a.key());
    assert_eq!(a.union(&alias).unwrap(), char_set("abc"));
    assert_eq!(a.difference(&alias).unwrap(), HashSet::new());
    assert!(a.is_subset(&alias).unwrap() && a.is_superset(&alias).unwrap());
    assert!(!a.is_disjoint(&alias).unwrap());
    a.symmetric_difference_update(&alias).unwrap();
    assert!(a.is_empty().unwrap());
}

fn empty_set_edge_cases(ctx: &Ctx) {
    let empty = Strs::new(&ctx.client, &ctx.key("empty"));
    let none: [&str; 0] = [];
    assert_eq!(empty.len().unwrap(), 0);
    assert_eq!(empty.pop().unwrap(), None);
    assert!(!empty.discard("x").unwrap());
    assert_eq!(
        empty.remove("x").unwrap_err().kind(),
        pottery::ErrorKind::NotFound
    );
    assert_eq!(empty.to_vec().unwrap(), Vec::<String>::new());
    assert_eq!(empty.iter().count(), 0);
    assert_eq!(empty.union(none).unwrap(), HashSet::new());
    assert_eq!(empty.intersection(["a"]).unwrap(), HashSet::new());
    assert!(empty.is_disjoint(none).unwrap());
    assert!(empty.is_subset(none).unwrap());
    assert!(empty.is_superset(none).unwrap());
    assert!(!empty.is_superset(["a"]).unwrap());
    empty.intersection_update(["a"]).unwrap();
    empty.symmetric_difference_update(none).unwrap();
    empty.extend(none).unwrap();
    assert!(!empty.exists().unwrap());
    empty.symmetric_difference_update(["a", "a"]).unwrap();
    assert_eq!(empty.to_hash_set().unwrap(), set(&["a"]));

    let full = strs(ctx, "full", &chars("abc"));
    assert!(full.is_disjoint(none).unwrap());
    assert!(!full.is_subset(none).unwrap());
    assert!(full.is_superset(none).unwrap());
    assert_eq!(full.union(none).unwrap(), char_set("abc"));
    assert_eq!(full.difference(none).unwrap(), char_set("abc"));
    assert_eq!(full.symmetric_difference(none).unwrap(), char_set("abc"));
    full.intersection_update(none).unwrap();
    assert!(!full.exists().unwrap());
    let full = strs(ctx, "full2", &chars("abc"));
    full.intersection_update(&empty).unwrap();
    assert_eq!(full.to_hash_set().unwrap(), char_set("a"));
}

fn contains_many_sizes(ctx: &Ctx) {
    let a = Ints::create(&ctx.client, &ctx.key("a"), (0..1000).map(|i| i * 2)).unwrap();
    assert_eq!(
        a.contains_many(Vec::<i64>::new()).unwrap(),
        Vec::<bool>::new()
    );
    assert_eq!(a.contains_many([2]).unwrap(), [true]);
    assert_eq!(a.contains_many([3]).unwrap(), [false]);
    let answers = a.contains_many(0..1000).unwrap();
    assert_eq!(answers.len(), 1000);
    for (i, hit) in answers.into_iter().enumerate() {
        assert_eq!(hit, i % 2 == 0, "member {i}");
    }
}

fn wrong_type_names_key_and_types(ctx: &Ctx) {
    let key = ctx.key("a-string");
    let put_string = |key: &str| {
        ctx.client
            .with_connection(|con| redis::cmd("SET").arg(key).arg("x").query::<()>(con))
            .unwrap();
    };
    put_string(&key);
    let bad = Strs::new(&ctx.client, &key);
    let good = strs(ctx, "good", &chars("ab"));
    let check = |err: pottery::Error, key: &str| {
        assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err:?}");
        assert_eq!(err.key(), Some(key));
        assert!(
            err.to_string().contains("holds a string, not a set"),
            "{err}"
        );
    };
    check(bad.insert("x").unwrap_err(), &key);
    check(bad.len().unwrap_err(), &key);
    check(bad.contains("x").unwrap_err(), &key);
    check(bad.contains_many(["x"]).unwrap_err(), &key);
    check(bad.pop().unwrap_err(), &key);
    check(bad.remove("x").unwrap_err(), &key);
    check(bad.to_vec().unwrap_err(), &key);
    check(bad.iter().next().unwrap().unwrap_err(), &key);
    check(bad.union(["x"]).unwrap_err(), &key);
    check(bad.is_subset(["x"]).unwrap_err(), &key);
    check(bad.intersection_update(["x"]).unwrap_err(), &key);
    check(bad.symmetric_difference_update(["x"]).unwrap_err(), &key);
    // The other operand holds the string: cross-slot (SSCAN) path.
    check(good.union(&bad).unwrap_err(), &key);
    check(good.intersection_update(&bad).unwrap_err(), &key);
    // Same slot (server-side scripts): the error still names the other key.
    let tag = ctx.key("tag");
    let (tagged_good, tagged_bad) = (format!("{{{tag}}}:good"), format!("{{{tag}}}:bad"));
    put_string(&tagged_bad);
    let tg = Strs::new(&ctx.client, &tagged_good);
    tg.extend(["a"]).unwrap();
    let tb = Strs::new(&ctx.client, &tagged_bad);
    check(tg.union(&tb).unwrap_err(), &tagged_bad);
    check(tg.is_subset(&tb).unwrap_err(), &tagged_bad);
    check(
        tg.symmetric_difference_update(&tb).unwrap_err(),
        &tagged_bad,
    );
    check(tb.union(&tg).unwrap_err(), &tagged_bad);
    assert_eq!(tg.to_hash_set().unwrap(), set(&["a"]));
    // Creating over a key of another type is a key-exists error, as in pottery.
    assert!(
        Strs::create(&ctx.client, &key, ["a"]).unwrap_err().kind() == pottery::ErrorKind::KeyExists
    );
}

fn undecodable_member_is_a_decode_error(ctx: &Ctx) {
    let key = ctx.key("s");
    ctx.client
        .with_connection(|con| {
            redis::cmd("SADD")
                .arg(&key)
                .arg("\"good\"")
                .arg("{nope")
                .query::<()>(con)
        })
        .unwrap();
    let a = Strs::new(&ctx.client, &key);
    let err = a.to_hash_set().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Decode, "{err:?}");
    assert!(err.to_string().contains("{nope"), "{err}");
    let results: Vec<_> = a.iter().collect();
    assert_eq!(results.len(), 2);
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1);
    assert!(a.contains("good").unwrap());
}

fn iteration_over_ten_thousand_members(ctx: &Ctx) {
    let a = Ints::new(&ctx.client, &ctx.key("big"));
    a.extend(0..10_000).unwrap();
    assert_eq!(a.len().unwrap(), 10_000);
    let mut seen: Vec<i64> = a.iter().collect::<pottery::Result<_>>().unwrap();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, (0..10_000).collect::<Vec<_>>());
    assert_eq!(a.to_hash_set().unwrap(), ints(0..10_000));
}

fn debug_and_serialize(ctx: &Ctx) {
    let a = Ints::create(&ctx.client, &ctx.key("a"), [3]).unwrap();
    assert_eq!(a.repr().unwrap(), "RedisSet{3}");
    assert_eq!(json::to_vec(&a).unwrap(), b"[3]");
    a.extend([1, 2]).unwrap();
    let mut back: Vec<i64> = json::from_slice(&json::to_vec(&a).unwrap()).unwrap();
    back.sort_unstable();
    assert_eq!(back, [1, 2, 3]);
}

fn contents_eq_compares_members(ctx: &Ctx) {
    let a = strs(ctx, "a", &chars("abc"));
    let b = strs(ctx, "b", &chars("cba"));
    assert!(a.contents_eq(&b).unwrap());
    assert!(a.contents_eq(&Strs::new(&ctx.client, a.key())).unwrap());
    let on_other = Strs::new(&other_client(ctx), b.key());
    assert!(a.contents_eq(&on_other).unwrap());
    b.insert("d").unwrap();
    assert!(!a.contents_eq(&b).unwrap());
    assert!(
        !a.contents_eq(&Strs::new(&ctx.client, &ctx.key("none")))
            .unwrap()
    );
}

fn expiry_and_clear(ctx: &Ctx) {
    let a = strs(ctx, "a", &chars("abc"));
    assert!(a.expire(Duration::from_secs(100)).unwrap());
    assert!(a.ttl().unwrap().is_some());
    assert!(a.persist().unwrap());
    a.clear().unwrap();
    assert!(!a.exists().unwrap());
    assert!(a.is_empty().unwrap());
}

fn temporary_sets_as_operands(ctx: &Ctx) {
    let a = strs(ctx, "a", &chars("abc"));
    let temp = Strs::temporary(&ctx.client);
    temp.extend(chars("cd")).unwrap();
    assert_eq!(a.union(&temp).unwrap(), char_set("abcd"));
    let temp_key = temp.key().to_owned();
    drop(temp);
    assert!(!Strs::new(&ctx.client, &temp_key).exists().unwrap());
}

fn async_api(ctx: &Ctx) {
    let (ka, kb, kc) = (ctx.key("a"), ctx.key("b"), ctx.key("c"));
    let client = ctx.client.clone();
    let other = other_client(ctx);
    ctx.block_on(async move {
        type ASet = future::RedisSet<String>;
        let a = ASet::create(&client, &ka, chars("abc")).await.unwrap();
        assert!(
            ASet::create(&client, &ka, ["x"]).await.unwrap_err().kind()
                == pottery::ErrorKind::KeyExists
        );
        assert!(a.insert("d").await.unwrap());
        assert!(a.contains("d").await.unwrap());
        assert_eq!(a.contains_many(["a", "z"]).await.unwrap(), [true, false]);
        assert!(a.discard("d").await.unwrap());
        assert_eq!(
            a.remove("d").await.unwrap_err().kind(),
            pottery::ErrorKind::NotFound
        );
        assert_eq!(a.len().await.unwrap(), 3);
        assert!(!a.is_empty().await.unwrap());
        let streamed: HashSet<String> = a.iter().map(Result::unwrap).collect().await;
        assert_eq!(streamed, char_set("abc"));
        assert_eq!(a.to_hash_set().await.unwrap(), char_set("abc"));
        assert_eq!(a.to_vec().await.unwrap().len(), 3);

        let b = ASet::new(&client, &kb);
        b.extend(chars("cde")).await.unwrap();
        // Same client (cross-slot on the cluster), another client, local.
        let b_elsewhere = ASet::new(&other, &kb);
        for b_ref in [&b, &b_elsewhere] {
            assert_eq!(a.union(b_ref).await.unwrap(), char_set("abcde"));
            assert_eq!(a.intersection(b_ref).await.unwrap(), char_set("c"));
            assert_eq!(a.difference(b_ref).await.unwrap(), char_set("ab"));
            assert_eq!(
                a.symmetric_difference(b_ref).await.unwrap(),
                char_set("abde")
            );
            assert!(!a.is_disjoint(b_ref).await.unwrap());
            assert!(!a.is_subset(b_ref).await.unwrap());
            assert!(!a.is_superset(b_ref).await.unwrap());
        }
        assert_eq!(a.union(["z"]).await.unwrap(), char_set("abcz"));
        // A blocking set is a fine operand too (no I/O of its own here).
        let b_blocking = Strs::new(&client, &kb);
        assert_eq!(a.intersection(&b_blocking).await.unwrap(), char_set("c"));

        let c = ASet::new(&client, &kc);
        c.extend(chars("abc")).await.unwrap();
        c.union_update(&b_elsewhere).await.unwrap();
        assert_eq!(c.to_hash_set().await.unwrap(), char_set("abcde"));
        c.difference_update(&b).await.unwrap();
        assert_eq!(c.to_hash_set().await.unwrap(), char_set("ab"));
        c.symmetric_difference_update(["b", "q"]).await.unwrap();
        assert_eq!(c.to_hash_set().await.unwrap(), char_set("aq"));
        c.intersection_update(&b_elsewhere).await.unwrap();
        assert!(c.is_empty().await.unwrap());
        assert!(a.contents_eq(&a).await.unwrap());
        assert!(!a.contents_eq(&b).await.unwrap());
        assert!(a.pop().await.unwrap().is_some());
        assert!(a.expire(Duration::from_secs(10)).await.unwrap());
        a.clear().await.unwrap();
        assert!(!a.exists().await.unwrap());
        assert_eq!(format!("{a:?}"), format!("RedisSet {{ key: {ka:?} }}"));

        let big = future::RedisSet::<i64>::new(&client, &format!("{ka}:big"));
        big.extend(0..3000).await.unwrap();
        let n = big
            .iter()
            .filter(|r| std::future::ready(r.is_ok()))
            .count()
            .await;
        assert_eq!(n, 3000);
    });
}

// ---- interop with Python's pottery (single server) ----

/// The members both sides write, as a Python literal list.
const PY_MEMBERS: &str = r#"[
    'héllo 😀', 'wörld 🎉 "q" \\ \u2028', 'plain',
    2**60 + 1, 2**70, -(2**62), 9007199254740993,
    1.5, 1e-05, 0.1, 1e16, 1.2345678901234568e+17,
    (1, 'a', None), (2.5, ('nested', 3)),
    None,
]"#;

const PY_WRITE: &str = r#"
import os, sys
from redis import Redis
from pottery import RedisSet
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().strip()
s = RedisSet(MEMBERS, redis=r, key=key)
print(len(s))
"#;

const PY_CHECK: &str = r#"
import os, sys
from redis import Redis
from pottery import RedisSet
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().strip()
s = RedisSet(redis=r, key=key)
def tup(v):
    return tuple(tup(x) for x in v) if isinstance(v, (list, tuple)) else v
problems = []
if len(s) != len(MEMBERS):
    problems.append(f'len {len(s)} != {len(MEMBERS)}')
for m in MEMBERS:
    if m not in s:
        problems.append(f'missing {m!r}')
got = {tup(m) for m in s}
if got != set(MEMBERS):
    problems.append(f'got {got!r}')
# pottery's isdisjoint/union/... copy the set into a Python set, which fails on
# tuple members (they decode as lists); issuperset only tests membership.
if not s.issuperset({'plain', None, 2**70, (1, 'a', None)}):
    problems.append('issuperset')
print('ok' if not problems else '\n'.join(problems))
"#;

fn with_members(script: &str) -> String {
    format!("MEMBERS = {PY_MEMBERS}\n{script}")
}

/// Writes `PY_MEMBERS` through typed views of one key.
fn rust_write(ctx: &Ctx, key: &str) {
    let c = &ctx.client;
    RedisSet::<String>::new(c, key)
        .extend(["héllo 😀", "wörld 🎉 \"q\" \\ \u{2028}", "plain"])
        .unwrap();
    RedisSet::<i64>::new(c, key)
        .extend([(1 << 60) + 1, -(1 << 62), 9007199254740993])
        .unwrap();
    RedisSet::<u128>::new(c, key).insert(1u128 << 70).unwrap();
    RedisSet::<f64>::new(c, key)
        .extend([1.5, 1e-05, 0.1, 1e16, 1.2345678901234568e17])
        .unwrap();
    RedisSet::<(i64, String, Option<i64>)>::new(c, key)
        .insert(&(1, s("a"), None))
        .unwrap();
    RedisSet::<(f64, (String, i64))>::new(c, key)
        .insert(&(2.5, (s("nested"), 3)))
        .unwrap();
    RedisSet::<Option<i64>>::new(c, key).insert(None).unwrap();
}

/// Checks `PY_MEMBERS` through typed views of one key.
fn rust_check(ctx: &Ctx, key: &str) {
    let c = &ctx.client;
    let strings = RedisSet::<String>::new(c, key);
    assert_eq!(
        strings
            .contains_many(["héllo 😀", "wörld 🎉 \"q\" \\ \u{2028}", "plain", "nope"])
            .unwrap(),
        [true, true, true, false]
    );
    let big = RedisSet::<i64>::new(c, key);
    assert_eq!(
        big.contains_many([
            (1 << 60) + 1,
            -(1 << 62),
            9007199254740993,
            9007199254740992
        ])
        .unwrap(),
        [true, true, true, false]
    );
    assert!(RedisSet::<u128>::new(c, key).contains(1u128 << 70).unwrap());
    let floats = RedisSet::<f64>::new(c, key);
    assert_eq!(
        floats
            .contains_many([1.5, 1e-05, 0.1, 1e16, 1.2345678901234568e17, 0.2])
            .unwrap(),
        [true, true, true, true, true, false]
    );
    assert!(
        RedisSet::<(i64, String, Option<i64>)>::new(c, key)
            .contains(&(1, s("a"), None))
            .unwrap()
    );
    assert!(
        RedisSet::<(f64, (String, i64))>::new(c, key)
            .contains(&(2.5, (s("nested"), 3)))
            .unwrap()
    );
    let none = RedisSet::<Option<i64>>::new(c, key);
    assert!(none.contains(None).unwrap());
    // Every member decodes as a generic JSON value.
    let all = RedisSet::<json::Value>::new(c, key);
    let values = all.to_vec().unwrap();
    assert_eq!(values.len(), 15);
    assert!(values.contains(&json::Value::Int(1 << 70)));
    assert!(values.contains(&json::Value::Null));
    assert!(values.contains(&json::Value::String(s("héllo 😀"))));
    assert_eq!(all.iter().filter(Result::is_ok).count(), 15);
}

fn python_writes_rust_reads(ctx: &Ctx) {
    let key = ctx.key("from-python");
    let count = python(&with_members(PY_WRITE), &ctx.url(), &key);
    assert_eq!(count.trim(), "15");
    rust_check(ctx, &key);
}

fn rust_writes_python_reads(ctx: &Ctx) {
    let key = ctx.key("from-rust");
    rust_write(ctx, &key);
    let verdict = python(&with_members(PY_CHECK), &ctx.url(), &key);
    assert_eq!(verdict.trim(), "ok", "Python read back:\n{verdict}");
}

fn both_sides_store_identical_members(ctx: &Ctx) {
    let (py_key, rs_key) = (ctx.key("py"), ctx.key("rs"));
    python(&with_members(PY_WRITE), &ctx.url(), &py_key);
    rust_write(ctx, &rs_key);
    let raw = |key: &str| -> HashSet<String> {
        ctx.client
            .with_connection(|con| redis::cmd("SMEMBERS").arg(key).query(con))
            .unwrap()
    };
    let (py, rs) = (raw(&py_key), raw(&rs_key));
    assert_eq!(py.len(), 15);
    assert_eq!(
        py,
        rs,
        "only Python: {:?}; only Rust: {:?}",
        &py - &rs,
        &rs - &py
    );
    let a = RedisSet::<json::Value>::new(&ctx.client, &py_key);
    let b = RedisSet::<json::Value>::new(&ctx.client, &rs_key);
    assert!(a.contents_eq(&b).unwrap());
    assert!(a.is_subset(&b).unwrap() && a.is_superset(&b).unwrap());
    assert!(b.is_subset(&a).unwrap());
    // Algebra with local members of another type, on Python's set.
    let strings = RedisSet::<String>::new(&ctx.client, &py_key);
    assert_eq!(
        strings.intersection(["plain", "absent"]).unwrap(),
        set(&["plain"])
    );
}

/// Python's `update` with a set Rust made, and Rust's with Python's.
fn algebra_across_languages(ctx: &Ctx) {
    let (py_key, rs_key) = (ctx.key("py"), ctx.key("rs"));
    let rs = Strs::create(&ctx.client, &rs_key, chars("abc")).unwrap();
    let script = r#"
import os, sys
from redis import Redis
from pottery import RedisSet
r = Redis.from_url(os.environ['REDIS_URL'])
py_key, rs_key = sys.stdin.read().split()
py = RedisSet('cde', redis=r, key=py_key)
rs = RedisSet(redis=r, key=rs_key)
print(''.join(sorted(py.intersection(rs))), ''.join(sorted(py.union(rs))))
py.update(rs)
"#;
    let out = python(script, &ctx.url(), &format!("{py_key} {rs_key}"));
    assert_eq!(out.trim(), "c abcde");
    let py = Strs::new(&ctx.client, &py_key);
    assert_eq!(py.to_hash_set().unwrap(), char_set("abcde"));
    rs.symmetric_difference_update(&py).unwrap();
    assert_eq!(rs.to_hash_set().unwrap(), char_set("de"));
}

pub(crate) fn suite() -> support::Suite {
    let cases = cases![
        test_init,
        test_keyexistserror,
        test_basic_usage,
        test_contains_many_metasyntactic_variables,
        test_contains_many_uuids,
        test_add,
        test_discard,
        test_repr,
        test_pop,
        test_remove,
        test_set_operations,
        test_isdisjoint,
        test_issubset,
        test_issuperset,
        test_union,
        test_intersection,
        test_difference,
        test_update_with_no_arguments,
        test_update_with_empty_set,
        test_update_with_redisset,
        test_update_with_set,
        test_update_with_range,
        test_update_with_set_and_range,
        test_difference_update_with_empty_set,
        test_difference_update_with_redisset,
        test_difference_update_with_set,
        test_difference_update_with_range,
        test_difference_update_with_range_and_set,
        test_membership_for_non_jsonifyable_element,
        test_populate_with_empty_iterable,
        algebra_matches_std,
        cross_slot_algebra,
        same_set_algebra,
        empty_set_edge_cases,
        contains_many_sizes,
        wrong_type_names_key_and_types,
        undecodable_member_is_a_decode_error,
        iteration_over_ten_thousand_members,
        debug_and_serialize,
        contents_eq_compares_members,
        expiry_and_clear,
        temporary_sets_as_operands,
        async_api,
    ];
    let interop = cases![
        python_writes_rust_reads,
        rust_writes_python_reads,
        both_sides_store_identical_members,
        algebra_across_languages,
    ];
    support::Suite::new(
        "set",
        vec![
            (&[Target::Server, Target::Cluster], cases),
            (&[Target::Server], interop),
        ],
    )
}
