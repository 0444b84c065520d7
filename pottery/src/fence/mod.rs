//! Fenced writes: a structure's writes checked, inside Redis, against the
//! fencing token of the lock their writer holds (Kleppmann's fencing).
//!
//! `mod.rs` holds [`FenceToken`], [`Fenced`] and the reply check shared by
//! every fenced write; `dict.rs`, `list.rs`, `deque.rs`, `set.rs` and `counter.rs` the
//! fenced writes of each structure, built from the structure's own operations
//! (same encoding, same decoding) by `Op::fenced`.
//!
//! # What a fence guarantees
//!
//! Each structure has one fence: a companion key `B:fence` in its cluster slot
//! (see [`keys`](crate#keys-and-acls)), holding the largest token that wrote
//! through it. A write through the fence with token `t` is one Lua script, one
//! round trip: if the fence holds a token larger than `t`, the write is refused
//! with [`ErrorKind::StaleFence`](crate::ErrorKind::StaleFence) and nothing
//! changes; otherwise the write happens and the fence becomes the larger of
//! the two. An equal token is accepted: the same holder writes as often as it
//! likes. A write that fails (a wrong type) changes neither the data nor the fence.
//!
//! So a holder whose lock expired while it was paused, and whose successor
//! (with a larger token) has written since, cannot write over the successor's
//! work. Only writes through the fence are checked: a plain `dict.insert`
//! ignores the fence, and a stale holder whose successor has not written yet
//! is not stopped (nothing has been overwritten yet). Tokens must grow with
//! every acquisition of the lock, as a [`Redlock`](crate::Redlock)'s do.
//! The fence never expires, and deleting the structure
//! ([`Container::clear`](crate::Container::clear)) leaves it; deleting the fence
//! key lets any token write again, so delete it only when no holder of an
//! older token can still write.
//!
//! # What is not fenced
//!
//! [`RedisSimpleQueue`](crate::RedisSimpleQueue): a put appends a message and
//! overwrites nothing, and a get consumes (a fenced get would refuse to hand
//! out a message that is already the paused consumer's to lose). A queue
//! needs idempotent consumers, not fencing. [`RedisCache`](crate::RedisCache),
//! `#[redis_cache]` and [`CachedOrderedDict`](crate::CachedOrderedDict) store
//! the results of a function of their arguments: a late write by a paused
//! writer stores the same value (or one a cache may drop at any time anyway).
//! Protected state a lock guards belongs in a dict, list, deque, set or
//! counter written through its fence. [`BloomFilter`](crate::BloomFilter) and
//! [`HyperLogLog`](crate::HyperLogLog) only ever grow, and adding twice is
//! adding once.

mod counter;
mod deque;
mod dict;
mod list;
mod set;

use redis::Value;

use crate::codec::Codec;
use crate::container::Base;
use crate::engine::{Op, Request};
use crate::error::{Error, Result};

/// A fencing token: a number that grows with every acquisition of a lock.
///
/// ```
/// use pottery::FenceToken;
///
/// let token = FenceToken::from(7);
/// assert_eq!(token.get(), 7);
/// assert!(FenceToken(6) < token);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FenceToken(pub u64);

impl FenceToken {
    /// The number.
    ///
    /// ```
    /// assert_eq!(pottery::FenceToken(3).get(), 3);
    /// ```
    pub fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for FenceToken {
    fn from(token: u64) -> Self {
        FenceToken(token)
    }
}

/// A lock's fencing token: `dict.fenced(&guard)` writes with
/// [`RedlockGuard::fencing_token`](crate::RedlockGuard::fencing_token).
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// use pottery::sync::{RedisDict, Redlock};
///
/// let lock = Redlock::new(&client, "printer");
/// let jobs: RedisDict<String, u32> = RedisDict::new(&client, "jobs");
/// let guard = lock.acquire()?;
/// jobs.fenced(&guard).insert("report", 1)?;
/// assert_eq!(pottery::FenceToken::from(&guard).get(), guard.fencing_token());
/// # Ok::<(), pottery::Error>(())
/// ```
impl<M: crate::Mode> From<&crate::redlock::RedlockGuard<M>> for FenceToken {
    fn from(guard: &crate::redlock::RedlockGuard<M>) -> Self {
        FenceToken(guard.fencing_token())
    }
}

/// Writes to a structure through its fence, with one fencing token: made by
/// `fenced(token)` on a [`RedisDict`](crate::RedisDict),
/// [`RedisList`](crate::RedisList), [`RedisDeque`](crate::RedisDeque),
/// [`RedisSet`](crate::RedisSet) or [`RedisCounter`](crate::RedisCounter).
///
/// Each write is refused with [`StaleFence`](crate::ErrorKind::StaleFence),
/// changing nothing, if a larger token already wrote through the fence (see
/// the [module docs](crate::fence) for what that guarantees). Each is one round
/// trip, returning what the structure's own method returns.
///
/// ```
/// use pottery::{Client, ErrorKind, sync::RedisDict};
///
/// # let server = pottery_testkit::Server::start();
/// let client = Client::open(&server.url())?;
/// let files: RedisDict<String, String> = RedisDict::new(&client, "files");
/// files.fenced(33).insert("a", "from the holder of 33")?;
/// files.fenced(34).insert("a", "from the holder of 34")?;
/// let err = files.fenced(33).insert("a", "late").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::StaleFence);
/// assert_eq!(files.get("a")?.as_deref(), Some("from the holder of 34"));
/// # Ok::<(), pottery::Error>(())
/// ```
#[derive(Debug)]
pub struct Fenced<'a, S> {
    structure: &'a S,
    token: u64,
}

// By hand: a derive would ask `S: Clone` for what is a reference and a number.
impl<S> Clone for Fenced<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Fenced<'_, S> {}

impl<'a, S> Fenced<'a, S> {
    pub(crate) fn new(structure: &'a S, token: FenceToken) -> Self {
        Fenced {
            structure,
            token: token.0,
        }
    }

    /// The token this handle writes with.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let set: pottery::sync::RedisSet<i64> = pottery::sync::RedisSet::new(&client, "s");
    /// assert_eq!(set.fenced(9).token(), pottery::FenceToken(9));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn token(&self) -> FenceToken {
        FenceToken(self.token)
    }
}

/// The fence key of the structure on `base`, in its cluster slot.
pub(crate) fn fence_key<C: Codec>(base: &Base<C>) -> String {
    base.key_handle().companion_key(":fence")
}

/// `op` (a write on `base`'s key) behind `base`'s fence, for `token`.
pub(crate) fn guard<C: Codec, T: 'static>(
    base: &Base<C>,
    token: u64,
    op: Result<Op<T>>,
) -> Result<Op<T>> {
    op?.fenced(fence_key(base), token)
}

/// [`guard`] for a bulk write, which has nothing to send (`None`) for no items.
pub(crate) fn guard_some<C: Codec, T: 'static>(
    base: &Base<C>,
    token: u64,
    op: Result<Option<Op<T>>>,
) -> Result<Option<Op<T>>> {
    op?.map(|op| op.fenced(fence_key(base), token)).transpose()
}

/// `request` behind the fence at `fence` for `token`: one command becomes
/// `fence/run.lua` around it (the script checks the command against its
/// allowlist); a script must be one of `lua::fence`'s twins, given the fence
/// key and the token after its own keys and arguments.
pub(crate) fn request(request: Request, fence: &str, token: u64) -> Result<Request> {
    let token_arg = token.to_string().into_bytes();
    match request {
        Request::Cmd(cmd) => {
            let args: Option<Vec<Vec<u8>>> = cmd
                .args_iter()
                .map(|arg| match arg {
                    redis::Arg::Simple(bytes) => Some(bytes.to_vec()),
                    _ => None,
                })
                .collect();
            let mut args = args.unwrap_or_default().into_iter();
            let (Some(name), Some(key)) = (args.next(), args.next()) else {
                return Err(Error::config("a fenced write needs a command on a key"));
            };
            let mut argv = vec![token_arg, name];
            argv.extend(args);
            let keys: [&[u8]; 2] = [&key, fence.as_bytes()];
            Ok(Request::script(&crate::lua::fence::RUN, &keys, &argv))
        }
        Request::Script(mut call, name) if name.starts_with("fence/") => {
            call.key(fence.as_bytes()).arg(token_arg);
            Ok(Request::Script(call, name))
        }
        Request::Script(..) | Request::Pipeline(_) => {
            Err(Error::config("this write has no fenced form"))
        }
    }
}

/// A fenced script's reply: `{1, reply}` after the write, decoded by
/// `decode`; `{0, stored}` when a larger token had written.
pub(crate) fn unwrap_reply<T>(
    key: &str,
    token: u64,
    reply: Value,
    decode: impl FnOnce(&str, Value) -> Result<T>,
) -> Result<T> {
    let unexpected = |got: &dyn std::fmt::Debug| Error::unexpected_reply(key, "fenced write", got);
    let Value::Array(mut items) = reply else {
        return Err(unexpected(&reply));
    };
    // Lua drops a trailing nil: `{1, nil}` arrives as `[1]`.
    let inner = if items.len() > 1 {
        items.swap_remove(1)
    } else {
        Value::Nil
    };
    match items.first() {
        Some(Value::Int(1)) => decode(key, inner),
        Some(Value::Int(0)) => match inner {
            Value::BulkString(stored) => Err(Error::stale_fence(
                key,
                token,
                &String::from_utf8_lossy(&stored),
            )),
            other => Err(unexpected(&other)),
        },
        _ => Err(unexpected(&items)),
    }
}
