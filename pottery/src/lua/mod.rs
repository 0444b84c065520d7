//! Every Lua script the crate runs: one `.lua` file each, in a folder per
//! structure beside this file, included at compile time. The library, the
//! bench and the CLI use these copies (through `__private::lua`), and one test
//! loads every script with `SCRIPT LOAD` on a server and on a cluster.
//!
//! Every script works on the keys it is given (so it runs on a cluster when they
//! share a slot) and takes user data only through `ARGV`.

use std::ops::Deref;
use std::sync::LazyLock;

use redis::Script;

/// A script: its name (its file, `group/name.lua`), its text, and the redis-rs
/// `Script` (EVALSHA, loading it on NOSCRIPT) made on first use.
pub(crate) struct Lua {
    name: &'static str,
    text: &'static str,
    script: LazyLock<Script>,
}

impl Lua {
    /// The file it comes from, e.g. `dict/create.lua`.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Its source text.
    pub(crate) fn text(&self) -> &'static str {
        self.text
    }
}

impl Deref for Lua {
    type Target = Script;

    fn deref(&self) -> &Script {
        &self.script
    }
}

/// The last of its literal arguments: a joined script is named after its body
/// (`"prelude.lua" + "union.lua"` is `union.lua`), so that names stay unique.
macro_rules! last {
    ($file:literal) => { $file };
    ($file:literal, $($more:literal),+) => { last!($($more),+) };
}

/// `group! { name: CONST = "file.lua" [+ "more.lua"...]; ... }` declares the
/// scripts of one structure as `lua::name::CONST`, plus `lua::name::ALL`. Files
/// listed with `+` are joined in order (a shared prelude, then the body); the
/// script is named after the last one.
macro_rules! group {
    ($group:ident: $($(#[$doc:meta])* $name:ident = $file:literal $(+ $more:literal)*;)*) => {
        pub(crate) mod $group {
            #[allow(unused_imports)]
            use super::{LazyLock, Lua, Script};

            $(
                $(#[$doc])*
                pub(crate) static $name: Lua = Lua {
                    name: concat!(stringify!($group), "/", last!($file $(, $more)*)),
                    text: concat!(include_str!(concat!(stringify!($group), "/", $file)) $(, include_str!(concat!(stringify!($group), "/", $more)))*),
                    script: LazyLock::new(|| {
                        Script::new(concat!(include_str!(concat!(stringify!($group), "/", $file)) $(, include_str!(concat!(stringify!($group), "/", $more)))*))
                    }),
                };
            )*

            /// Every script of this group.
            pub(crate) static ALL: &[&Lua] = &[$(&$name),*];
        }
    };
}

// Each structure's scripts; the `.lua` files live in the folder of the same name.
group! { dict:
    /// Creates the hash unless the key exists.
    CREATE = "create.lua";
    /// `HSETNX` then `HGET`: Python's `setdefault`.
    GET_OR_INSERT = "get_or_insert.lua";
    /// Sets a field, returning its old value.
    REPLACE = "replace.lua";
    /// Removes a field, returning its old value.
    REMOVE = "remove.lua";
    /// Removes and returns a random entry.
    POP_ITEM = "pop_item.lua";
    /// Deletes fields that still hold the values given.
    DELETE_IF_EQUAL = "delete_if_equal.lua";
    /// One HSCAN page, its fields deleted in the same step.
    DRAIN_PAGE = "drain_page.lua";
    /// Sets a field if it still holds the value given.
    COMPARE_AND_SET = "compare_and_set.lua";
}
group! { set:
    /// Creates the set unless the key exists.
    CREATE = "create.lua";
    /// `SUNION` of two co-located sets.
    UNION = "prelude.lua" + "union.lua";
    /// `SINTER` of two co-located sets.
    INTER = "prelude.lua" + "inter.lua";
    /// `SDIFF` of two co-located sets.
    DIFF = "prelude.lua" + "diff.lua";
    /// The symmetric difference of two co-located sets.
    SYM_DIFF = "prelude.lua" + "sym_diff.lua";
    /// Whether two co-located sets are disjoint.
    DISJOINT = "prelude.lua" + "disjoint.lua";
    /// Whether `KEYS[1]` is a subset of `KEYS[2]`.
    SUBSET = "prelude.lua" + "subset.lua";
    /// Whether `KEYS[1]` is a superset of `KEYS[2]`.
    SUPERSET = "prelude.lua" + "superset.lua";
    /// `SUNIONSTORE` into `KEYS[1]`.
    UNION_STORE = "prelude.lua" + "union_store.lua";
    /// `SINTERSTORE` into `KEYS[1]`.
    INTER_STORE = "prelude.lua" + "inter_store.lua";
    /// `SDIFFSTORE` into `KEYS[1]`.
    DIFF_STORE = "prelude.lua" + "diff_store.lua";
    /// The symmetric difference, stored into `KEYS[1]`.
    SYM_DIFF_STORE = "prelude.lua" + "sym_diff_store.lua";
    /// Whether `KEYS[1]` is a subset of the members in `ARGV`.
    SUBSET_OF_ARGV = "subset_of_argv.lua";
    /// Keeps only the members in `ARGV`.
    KEEP_ARGV = "keep_argv.lua";
    /// Toggles each member of `ARGV`.
    TOGGLE_ARGV = "toggle_argv.lua";
}
group! { list:
    /// Python's `l[start:stop] = values`, bounded by an optional maxlen.
    SPLICE = "prelude.lua" + "splice.lua";
    /// Removes and returns the element at a Python index.
    REMOVE_AT = "prelude.lua" + "remove_at.lua";
    /// `LSET` at a Python index.
    SET = "prelude.lua" + "set.lua";
    /// `l[start:stop:step]`.
    GET_SLICE = "prelude.lua" + "get_slice.lua";
    /// `l[start:stop:step] = values`.
    SET_SLICE = "prelude.lua" + "set_slice.lua";
    /// `del l[start:stop:step]`.
    DELETE_SLICE = "prelude.lua" + "delete_slice.lua";
    /// Reverses in place.
    REVERSE = "prelude.lua" + "reverse.lua";
    /// Sorts JSON numbers or strings in place, stably.
    SORT = "prelude.lua" + "sort.lua";
    /// Creates the list unless the key exists (lists and deques).
    CREATE = "prelude.lua" + "create.lua";
    /// Keeps the elements a mask marks, if the list is still what was read.
    RETAIN = "prelude.lua" + "retain.lua";
}
group! { deque:
    /// Pushes on one side and trims the other to maxlen, in one step.
    PUSH_TRIM = "push_trim.lua";
    /// Rotates by any number of steps.
    ROTATE = "rotate.lua";
}
group! { counter:
    /// Adds counts to fields, checking every count first.
    UPDATE = "update.lua";
    /// Counter arithmetic (`+ - | &`, unary `+`/`-`) into a destination.
    ARITH = "arith.lua";
}
group! {
    queue:
    /// Takes the oldest entry, read and deleted in one step.
    CLAIM = "claim.lua";
    /// Takes up to n of the oldest entries, read and deleted in one step.
    CLAIM_MANY = "claim_many.lua";
    /// Appends many entries in one step.
    PUT_MANY = "put_many.lua";
}
group! { workqueue:
    /// Moves due delayed items, takes over expired leases (or dead-letters),
    /// reads new entries: one receive.
    RECEIVE = "prelude.lua" + "receive.lua";
    /// Renews the leases still ours.
    RENEW = "prelude.lua" + "renew.lua";
    /// XACK + XDEL if the entry is still ours.
    ACK = "prelude.lua" + "ack.lua";
    /// XDEL + XACK of a lease known to hold (on a cluster).
    ACK_FAST = "ack_fast.lua";
    /// Gives an entry back for a later delivery (or dead-letters it).
    NACK = "prelude.lua" + "nack.lua";
    /// Dead-letters entries that do not decode.
    BURY = "prelude.lua" + "bury.lua";
    /// Adds an item due later (server clock).
    PUT_DELAYED = "prelude.lua" + "put_delayed.lua";
    /// Adds an item unless its dedup key exists.
    PUT_UNIQUE = "put_unique.lua";
    /// Ready, in flight, delayed, dead, oldest age, counters.
    STATS = "prelude.lua" + "stats.lua";
    /// Moves dead letters back into the stream.
    REQUEUE = "prelude.lua" + "requeue.lua";
}
group! { cached_dict:
    /// The values of the fields asked for, then the TTL refresh.
    HYDRATE = "hydrate.lua";
    /// Writes fields, then the TTL refresh.
    WRITE = "write.lua";
    /// `HSETNX` then `HGET`, then the TTL refresh.
    SET_DEFAULT = "set_default.lua";
}
group! { bloom:
    /// `BITCOUNT` and `STRLEN` of the filter.
    STATS = "stats.lua";
}
group! { hyperloglog:
    /// pottery's membership test through a scratch copy.
    CONTAINS = "contains.lua";
    /// Merges sources from here and from elsewhere, checked first.
    MERGE = "merge.lua";
}
group! { redlock:
    /// Deletes the key if it holds our token.
    RELEASE = "release.lua";
    /// Resets the TTL if the key holds our token.
    EXTEND = "extend.lua";
    /// The remaining TTL if the key holds our token, else 0.
    LOCKED = "locked.lua";
    /// SET NX PX, then on success the next fencing token.
    ACQUIRE = "acquire.lua";
    /// The holder, its TTL and the last fencing token.
    STATUS = "status.lua";
}
group! {
    nextid:
    /// Stores a proposed ID if it is greater than the stored one.
    SET_IF_GREATER = "set_if_greater.lua";
}
group! {
    cache:
    /// A plain lookup with a TTL reset (on a cluster).
    LOOKUP = "lookup.lua";
    /// A plain store with a TTL reset (on a cluster).
    STORE = "store.lua";
    /// Single flight: look up, or claim the computation.
    FLIGHT_LOOKUP = "flight_lookup.lua";
    /// Single flight: store and lift our claim.
    FLIGHT_STORE = "flight_store.lua";
    /// Single flight: lift our claim after a failed computation.
    FLIGHT_ABANDON = "flight_abandon.lua";
}

/// `fence! { RUN; NAME = "group/file.lua" [+ "group/more.lua"...]; ... }`
/// declares `lua::fence`: `RUN` (`fence/run.lua`, a fenced single command) and
/// the fenced twin of each structure script listed, `fence/prelude.lua` +
/// `fence/pre.lua` + the script's files + `fence/post.lua`, named
/// `fence/<group>/<file>.lua` after its last file (see `crate::fence`).
macro_rules! fence {
    ($(#[$rdoc:meta])* RUN; $($(#[$doc:meta])* $name:ident = $file:literal $(+ $more:literal)*;)*) => {
        pub(crate) mod fence {
            use super::{LazyLock, Lua, Script};

            $(#[$rdoc])*
            pub(crate) static RUN: Lua = Lua {
                name: "fence/run.lua",
                text: concat!(include_str!("fence/prelude.lua"), include_str!("fence/run.lua")),
                script: LazyLock::new(|| Script::new(RUN.text)),
            };
            $(
                $(#[$doc])*
                pub(crate) static $name: Lua = Lua {
                    name: concat!("fence/", last!($file $(, $more)*)),
                    text: concat!(
                        include_str!("fence/prelude.lua"),
                        include_str!("fence/pre.lua"),
                        include_str!($file),
                        $(include_str!($more),)*
                        include_str!("fence/post.lua")
                    ),
                    script: LazyLock::new(|| Script::new($name.text)),
                };
            )*

            /// Every script of this group.
            pub(crate) static ALL: &[&Lua] = &[&RUN, $(&$name),*];
        }
    };
}
fence! {
    /// One allowlisted command, checked against and raising the fence.
    RUN;
    /// `dict/remove.lua` behind the fence.
    DICT_REMOVE = "dict/remove.lua";
    /// `list/set.lua` behind the fence.
    LIST_SET = "list/prelude.lua" + "list/set.lua";
    /// `counter/update.lua` behind the fence.
    COUNTER_UPDATE = "counter/update.lua";
    /// `deque/push_trim.lua` behind the fence.
    DEQUE_PUSH_TRIM = "deque/push_trim.lua";
}

/// Every script the crate runs.
pub(crate) fn all() -> impl Iterator<Item = &'static Lua> {
    [
        dict::ALL,
        set::ALL,
        list::ALL,
        deque::ALL,
        counter::ALL,
        queue::ALL,
        workqueue::ALL,
        cached_dict::ALL,
        bloom::ALL,
        hyperloglog::ALL,
        redlock::ALL,
        nextid::ALL,
        cache::ALL,
        fence::ALL,
    ]
    .into_iter()
    .flatten()
    .copied()
}

/// The text of the script from file `name` (`group/name.lua`).
pub(crate) fn text(name: &str) -> Option<&'static str> {
    all().find(|lua| lua.name() == name).map(Lua::text)
}
