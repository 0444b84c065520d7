//! Set algebra of [`RedisSet`] against another RedisSet or local members.
//!
//! Three paths, picked per call:
//!
//! - the other operand is a RedisSet on the same [`Client`] whose key Redis can
//!   combine with ours (a single server, or the same cluster slot): one Lua script
//!   running `SUNION`, `SINTER`, `SDIFF`, their `STORE` forms, or a short loop,
//!   server-side and atomic. The script first checks the other key's type, so a
//!   wrong-type error names the right key.
//! - the other operand is local members: one round trip on our key (a command, or
//!   a script that takes the members in `ARGV` when it writes more than one way).
//! - the other operand is a RedisSet elsewhere (another client, or another cluster
//!   slot): its members are read with `SSCAN`, then the local path runs with them.

use std::collections::HashSet;
use std::hash::Hash;

use redis::Cmd;
use redis::Value;
use redis::cluster_routing::Slot;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::iter::scan_pages;
use super::logic::{checked, decode_raw, flags, raw_set};
use super::{RedisSet, decode_members};
use crate::codec::{Codec, EncodeAs};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Request;
use crate::engine::{Mode, Next, Plan};
use crate::error::{Error, Result};
use crate::lua::{self, Lua};

/// What the set algebra of [`RedisSet`] takes as its other operand: another
/// RedisSet (`&RedisSet<T, C, _>`, blocking or async, same codec type), or local
/// members: any `IntoIterator` whose items encode as a `T` (`&HashSet<T>`,
/// `Vec<T>`, `["a", "b"]` for `String` members, an iterator...).
///
/// You never implement it; it only lets one method name take either kind.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// use pottery::sync::RedisSet;
/// use std::collections::HashSet;
/// let a: RedisSet<String> = RedisSet::new(&client, "a");
/// let b: RedisSet<String> = RedisSet::new(&client, "b");
/// a.extend(["x", "y"])?;
/// b.extend(["y", "z"])?;
/// let local: HashSet<String> = ["y".to_owned()].into();
/// assert_eq!(a.intersection(&b)?, local);       // another RedisSet
/// assert_eq!(a.intersection(&local)?, local);   // a local set
/// assert_eq!(a.intersection(["y", "q"])?, local); // any members
/// # Ok::<(), pottery::Error>(())
/// ```
pub trait SetOperand<T, C> {
    /// Encodes local members (distinct), or hands over the other set.
    #[doc(hidden)]
    fn into_operand(self, codec: &C, key: &str) -> Result<Operand<C>>;
}

/// The other operand, resolved.
#[doc(hidden)]
pub struct Operand<C>(Kind<C>);

enum Kind<C> {
    /// Another RedisSet (kept alive until the operation is built).
    Set(Base<C>),
    /// Distinct encoded members.
    Members(Vec<Vec<u8>>),
}

impl<T, C: Codec, M: Mode> SetOperand<T, C> for &RedisSet<T, C, M> {
    fn into_operand(self, _: &C, _: &str) -> Result<Operand<C>> {
        Ok(Operand(Kind::Set(self.base.clone())))
    }
}

impl<T, C: Codec, I> SetOperand<T, C> for I
where
    I: IntoIterator<Item: EncodeAs<T>>,
{
    fn into_operand(self, codec: &C, key: &str) -> Result<Operand<C>> {
        let mut members = HashSet::new();
        for member in self {
            members.insert(codec.encode(&member).map_err(|e| Error::encode(key, e))?);
        }
        Ok(Operand(Kind::Members(members.into_iter().collect())))
    }
}

impl<T, C, M> RedisSet<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Runs one algebra operation on the right path (see the module docs).
    ///
    /// `script` is the server-side form and `server` decodes its (unwrapped)
    /// result; `local` builds the one-round-trip operation on distinct members.
    fn algebra<R: Send + 'static>(
        &self,
        other: impl SetOperand<T, C>,
        script: &'static Lua,
        server: impl FnOnce(&str, Value) -> Result<R> + Send + 'static,
        local: impl FnOnce(&Base<C>, Vec<Vec<u8>>) -> Result<Next<R>> + Send + 'static,
    ) -> M::Output<'_, R> {
        let client = self.base.client();
        let other = match other.into_operand(self.base.codec(), self.key()) {
            Ok(Operand(Kind::Set(other))) => other,
            Ok(Operand(Kind::Members(members))) => {
                return match local(&self.base, members) {
                    Ok(next) => M::run_plan(client, next.on(client.clone())),
                    Err(err) => M::ready(Err(err)),
                };
            }
            Err(err) => return M::ready(Err(err)),
        };
        if self.co_located(&other) {
            let other_key = other.key_shared();
            let request =
                Request::script(script, &[self.key().as_bytes(), other_key.as_bytes()], &[]);
            let op = self.base.op(request, move |key, reply| {
                server(key, checked(&other_key, key, reply)?)
            });
            return M::run(client, Ok(op));
        }
        let pages = scan_pages(other.key_shared(), |key, member| {
            Ok(decode::bytes(key, member)?.unwrap_or_default())
        });
        let base = self.base.clone();
        let read = Plan::collect(other.client().clone(), pages);
        let plan = read.and_then(move |mut members| {
            let _alive = other; // a temporary other set outlives the read
            members.sort_unstable();
            members.dedup(); // SSCAN may yield a member twice
            match local(&base, members) {
                Ok(next) => next.on(base.client().clone()),
                Err(err) => Plan::fail(err),
            }
        });
        M::run_plan(client, plan)
    }

    /// Whether Redis can combine `other`'s key with ours in one command.
    fn co_located(&self, other: &Base<C>) -> bool {
        let client = self.base.client();
        client.same_as(other.client())
            && (!client.is_cluster() || Slot::for_key(self.key()) == Slot::for_key(other.key()))
    }

    /// `command` on our key with `members` as arguments.
    fn members_cmd(base: &Base<C>, command: &str, members: Vec<Vec<u8>>) -> Cmd {
        base.cmd_with(command, members)
    }

    /// The members in this set, in `other`, or in both: a new local `HashSet`.
    ///
    /// Returns `Result<HashSet<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisSet;
    /// let a: RedisSet<String> = RedisSet::new(&client, "a");
    /// a.extend(["a", "b", "c"])?;
    /// let b: RedisSet<String> = RedisSet::new(&client, "b");
    /// b.extend(["c", "d"])?;
    /// assert_eq!(a.union(&b)?.len(), 4);
    /// assert_eq!(a.union(["z"])?.len(), 4);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn union(&self, other: impl SetOperand<T, C>) -> M::Output<'_, HashSet<T>>
    where
        T: Eq + Hash,
    {
        let codec = self.base.codec().clone();
        self.algebra(
            other,
            &lua::set::UNION,
            {
                let codec = codec.clone();
                move |key, reply| decode_members(&codec, key, decode::array(key, reply)?)
            },
            move |base, members| {
                let op = base.op(base.cmd("SMEMBERS"), move |key, reply| {
                    let mut all = raw_set(key, reply)?;
                    all.extend(members);
                    decode_raw(&codec, key, all)
                });
                Ok(Next::Run(op))
            },
        )
    }

    /// The members in both this set and `other`: a new local `HashSet`. Against
    /// local members, one `SMISMEMBER`.
    ///
    /// Returns `Result<HashSet<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let a: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&client, "a");
    /// a.extend(["a", "b", "c"])?;
    /// assert_eq!(a.intersection(["c", "d"])?, ["c".to_owned()].into());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn intersection(&self, other: impl SetOperand<T, C>) -> M::Output<'_, HashSet<T>>
    where
        T: Eq + Hash,
    {
        let codec = self.base.codec().clone();
        self.algebra(
            other,
            &lua::set::INTER,
            {
                let codec = codec.clone();
                move |key, reply| decode_members(&codec, key, decode::array(key, reply)?)
            },
            move |base, members| {
                if members.is_empty() {
                    return Ok(Next::Done(HashSet::new()));
                }
                let cmd = Self::members_cmd(base, "SMISMEMBER", members.clone());
                Ok(Next::Run(base.op(cmd, move |key, reply| {
                    let hits = flags(key, reply)?;
                    let found = members.into_iter().zip(hits).filter(|(_, hit)| *hit);
                    decode_raw(&codec, key, found.map(|(m, _)| m))
                })))
            },
        )
    }

    /// The members in this set but not in `other`: a new local `HashSet`.
    ///
    /// Returns `Result<HashSet<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let a: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&client, "a");
    /// a.extend(["a", "b", "c"])?;
    /// assert_eq!(a.difference(["a", "c", "e"])?, ["b".to_owned()].into());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn difference(&self, other: impl SetOperand<T, C>) -> M::Output<'_, HashSet<T>>
    where
        T: Eq + Hash,
    {
        let codec = self.base.codec().clone();
        self.algebra(
            other,
            &lua::set::DIFF,
            {
                let codec = codec.clone();
                move |key, reply| decode_members(&codec, key, decode::array(key, reply)?)
            },
            move |base, members| {
                let op = base.op(base.cmd("SMEMBERS"), move |key, reply| {
                    let mut all = raw_set(key, reply)?;
                    for member in &members {
                        all.remove(member);
                    }
                    decode_raw(&codec, key, all)
                });
                Ok(Next::Run(op))
            },
        )
    }

    /// The members in exactly one of this set and `other`: a new local `HashSet`.
    /// (Python's pottery leaves it unimplemented.)
    ///
    /// Returns `Result<HashSet<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let a: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&client, "a");
    /// a.extend(["a", "b"])?;
    /// assert_eq!(a.symmetric_difference(["b", "c"])?, ["a".to_owned(), "c".to_owned()].into());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn symmetric_difference(&self, other: impl SetOperand<T, C>) -> M::Output<'_, HashSet<T>>
    where
        T: Eq + Hash,
    {
        let codec = self.base.codec().clone();
        self.algebra(
            other,
            &lua::set::SYM_DIFF,
            {
                let codec = codec.clone();
                move |key, reply| decode_members(&codec, key, decode::array(key, reply)?)
            },
            move |base, members| {
                let op = base.op(base.cmd("SMEMBERS"), move |key, reply| {
                    let mut all = raw_set(key, reply)?;
                    for member in members {
                        if !all.remove(&member) {
                            all.insert(member);
                        }
                    }
                    decode_raw(&codec, key, all)
                });
                Ok(Next::Run(op))
            },
        )
    }

    /// Whether this set and `other` have no member in common.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let a: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&client, "a");
    /// a.extend(["a", "b", "c"])?;
    /// assert!(a.is_disjoint(["d", "e"])?);
    /// assert!(!a.is_disjoint(["c", "d"])?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_disjoint(&self, other: impl SetOperand<T, C>) -> M::Output<'_, bool> {
        self.algebra(other, &lua::set::DISJOINT, decode::flag, |base, members| {
            if members.is_empty() {
                return Ok(Next::Done(true));
            }
            let cmd = Self::members_cmd(base, "SMISMEMBER", members);
            Ok(Next::Run(base.op(cmd, |key, reply| {
                Ok(!flags(key, reply)?.into_iter().any(|hit| hit))
            })))
        })
    }

    /// Whether every member of this set is in `other`.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let a: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&client, "a");
    /// a.extend(["a", "b"])?;
    /// assert!(a.is_subset(["a", "b", "c"])?);
    /// assert!(!a.is_subset(["a"])?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_subset(&self, other: impl SetOperand<T, C>) -> M::Output<'_, bool> {
        self.algebra(other, &lua::set::SUBSET, decode::flag, |base, members| {
            Ok(Next::Run(base.op(
                base.script(&lua::set::SUBSET_OF_ARGV, &members),
                decode::flag,
            )))
        })
    }

    /// Whether every member of `other` is in this set.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let a: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&client, "a");
    /// a.extend(["a", "b", "c"])?;
    /// assert!(a.is_superset(["a", "b"])?);
    /// assert!(!a.is_superset(["a", "z"])?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_superset(&self, other: impl SetOperand<T, C>) -> M::Output<'_, bool> {
        self.algebra(other, &lua::set::SUPERSET, decode::flag, |base, members| {
            if members.is_empty() {
                return Ok(Next::Done(true));
            }
            let cmd = Self::members_cmd(base, "SMISMEMBER", members);
            Ok(Next::Run(base.op(cmd, |key, reply| {
                Ok(flags(key, reply)?.into_iter().all(|hit| hit))
            })))
        })
    }

    /// Adds every member of `other`, atomically: Python's `update`. Against another
    /// RedisSet that Redis can combine with this one, `SUNIONSTORE`; otherwise one
    /// `SADD` (as [`extend`](Self::extend)).
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisSet;
    /// let a: RedisSet<String> = RedisSet::new(&client, "a");
    /// let b: RedisSet<String> = RedisSet::new(&client, "b");
    /// b.extend(["x", "y"])?;
    /// a.union_update(&b)?;
    /// assert_eq!(a.len()?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    #[doc(alias = "update")]
    pub fn union_update(&self, other: impl SetOperand<T, C>) -> M::Output<'_, ()> {
        self.algebra(other, &lua::set::UNION_STORE, ignore, |base, members| {
            if members.is_empty() {
                return Ok(Next::Done(()));
            }
            let cmd = Self::members_cmd(base, "SADD", members);
            Ok(Next::Run(base.op(cmd, |_, _| Ok(()))))
        })
    }

    /// Keeps only the members that are also in `other`, atomically. (Python's
    /// pottery leaves it unimplemented.)
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let a: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&client, "a");
    /// a.extend(["a", "b", "c"])?;
    /// a.intersection_update(["b", "c", "d"])?;
    /// assert_eq!(a.to_hash_set()?, ["b".to_owned(), "c".to_owned()].into());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn intersection_update(&self, other: impl SetOperand<T, C>) -> M::Output<'_, ()> {
        self.algebra(other, &lua::set::INTER_STORE, ignore, |base, members| {
            Ok(Next::Run(base.op(
                base.script(&lua::set::KEEP_ARGV, &members),
                |_, _| Ok(()),
            )))
        })
    }

    /// Removes every member of `other`, atomically.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let a: pottery::sync::RedisSet<i64> = pottery::sync::RedisSet::new(&client, "a");
    /// a.extend(0..10)?;
    /// a.difference_update(5..10)?;
    /// assert_eq!(a.len()?, 5);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn difference_update(&self, other: impl SetOperand<T, C>) -> M::Output<'_, ()> {
        self.algebra(other, &lua::set::DIFF_STORE, ignore, |base, members| {
            if members.is_empty() {
                return Ok(Next::Done(()));
            }
            let cmd = Self::members_cmd(base, "SREM", members);
            Ok(Next::Run(base.op(cmd, |_, _| Ok(()))))
        })
    }

    /// Removes the members that are in `other` and adds those of `other` that were
    /// not here, atomically. (Python's pottery leaves it unimplemented.)
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let a: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&client, "a");
    /// a.extend(["a", "b"])?;
    /// a.symmetric_difference_update(["b", "c"])?;
    /// assert_eq!(a.to_hash_set()?, ["a".to_owned(), "c".to_owned()].into());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn symmetric_difference_update(&self, other: impl SetOperand<T, C>) -> M::Output<'_, ()> {
        self.algebra(other, &lua::set::SYM_DIFF_STORE, ignore, |base, members| {
            if members.is_empty() {
                return Ok(Next::Done(()));
            }
            Ok(Next::Run(base.op(
                base.script(&lua::set::TOGGLE_ARGV, &members),
                |_, _| Ok(()),
            )))
        })
    }
}

/// A reply that carries nothing the caller needs.
fn ignore(_: &str, _: Value) -> Result<()> {
    Ok(())
}
