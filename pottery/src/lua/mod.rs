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

/// `group! { name: CONST = "file.lua" [+ "more.lua"...]; ... }` declares the
/// scripts of one structure as `lua::name::CONST`, plus `lua::name::ALL`. Files
/// listed with `+` are joined in order (a shared prelude, then the body).
macro_rules! group {
    ($group:ident: $($(#[$doc:meta])* $name:ident = $file:literal $(+ $more:literal)*;)*) => {
        pub(crate) mod $group {
            #[allow(unused_imports)]
            use super::{LazyLock, Lua, Script};

            $(
                $(#[$doc])*
                pub(crate) static $name: Lua = Lua {
                    name: concat!(stringify!($group), "/", $file),
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
group! { dict: }
group! { set: }
group! { list: }
group! { deque: }
group! { counter: }
group! { queue: }
group! { cached_dict: }
group! { bloom: }
group! { hyperloglog: }
group! { redlock:
    /// Deletes the key if it holds our token.
    RELEASE = "release.lua";
    /// Resets the TTL if the key holds our token.
    EXTEND = "extend.lua";
    /// The remaining TTL if the key holds our token, else 0.
    LOCKED = "locked.lua";
}
group! { nextid: }
group! { cache: }

/// Every script the crate runs.
pub(crate) fn all() -> impl Iterator<Item = &'static Lua> {
    [
        dict::ALL,
        set::ALL,
        list::ALL,
        deque::ALL,
        counter::ALL,
        queue::ALL,
        cached_dict::ALL,
        bloom::ALL,
        hyperloglog::ALL,
        redlock::ALL,
        nextid::ALL,
        cache::ALL,
    ]
    .into_iter()
    .flatten()
    .copied()
}

/// The text of the script from file `name` (`group/name.lua`).
pub(crate) fn text(name: &str) -> Option<&'static str> {
    all().find(|lua| lua.name() == name).map(Lua::text)
}
