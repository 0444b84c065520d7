//! Operations as data, and the two runners that execute them.
//!
//! Every structure method builds an [`Op`]: the request to send (one command or one
//! script invocation) plus the function that turns the reply into the result. The
//! blocking runner ([`Op::run_until`]) and the async runner ([`Op::run_async_until`]) are the
//! only places that talk to Redis, so an operation's logic exists once whichever
//! API the caller uses. This mirrors redis-rs's `Script::invoke` / `invoke_async`.

use std::sync::Arc;
#[cfg(feature = "async")]
use std::time::Duration;

use redis::{Cmd, ConnectionLike, Pipeline, Script, ScriptInvocation, Value};

use crate::client::Client;
#[cfg(feature = "async")]
use crate::client::Lease;
use crate::engine::Deadline;
use crate::error::{Error, Result};
use crate::trace::{Fields, OpSpan};

/// What to send to Redis.
pub(crate) enum Request {
    /// One command.
    Cmd(Cmd),
    /// One Lua script call (EVALSHA, falling back to loading the script),
    /// and the script's name (for tracing).
    Script(ScriptInvocation<'static>, &'static str),
    /// Several commands on one key, sent together (one round trip); the reply
    /// is an array of their replies (MULTI/EXEC when the pipeline is atomic).
    Pipeline(Pipeline),
}

impl Request {
    /// A script call with `keys` and `args`.
    pub(crate) fn script(script: impl ScriptSource, keys: &[&[u8]], args: &[Vec<u8>]) -> Self {
        let name = script.name();
        let mut call = script.script().prepare_invoke();
        for key in keys {
            call.key(*key);
        }
        for arg in args {
            call.arg(arg.as_slice());
        }
        Request::Script(call, name)
    }

    /// What a trace calls it: the command's name, the script's file, or
    /// `pipeline`.
    fn name(&self) -> &str {
        match self {
            Request::Cmd(cmd) => match cmd.args_iter().next() {
                Some(redis::Arg::Simple(name)) => std::str::from_utf8(name).unwrap_or("?"),
                _ => "?",
            },
            Request::Script(_, name) => name,
            Request::Pipeline(_) => "pipeline",
        }
    }

    /// Whether the request may change data: the one place this is decided,
    /// so that a lost reply is reported as an unknown outcome only for
    /// writes. A command reads if its name is in [`READ_ONLY`]; a script
    /// counts as a write (what it calls is not known here); a pipeline
    /// writes if any of its commands does.
    pub(crate) fn may_write(&self) -> bool {
        match self {
            Request::Cmd(cmd) => cmd_may_write(cmd),
            Request::Script(..) => true,
            Request::Pipeline(pipe) => pipe.cmd_iter().any(cmd_may_write),
        }
    }

    fn query(&self, con: &mut dyn ConnectionLike) -> redis::RedisResult<Value> {
        match self {
            Request::Cmd(cmd) => cmd.query(con),
            Request::Script(call, _) => call.invoke(con),
            // A blocking cluster connection refuses `Pipeline::query`, but
            // sends a packed request whole to the node of its first
            // command's key: our pipelines are on one key, so that is right.
            Request::Pipeline(pipe) if !con.supports_pipelining() && !pipe.is_transaction() => {
                let replies =
                    con.req_packed_commands(&pipe.get_packed_pipeline(), 0, pipe.len())?;
                let replies: redis::RedisResult<Vec<Value>> =
                    replies.into_iter().map(Value::extract_error).collect();
                Ok(Value::Array(replies?))
            }
            Request::Pipeline(pipe) => pipe.query(con),
        }
    }

    #[cfg(feature = "async")]
    async fn query_async(&self, con: &mut crate::AsyncConnection) -> redis::RedisResult<Value> {
        match self {
            Request::Cmd(cmd) => cmd.query_async(con).await,
            Request::Script(call, _) => call.invoke_async(con).await,
            Request::Pipeline(pipe) => pipe.query_async(con).await,
        }
    }
}

/// A script to call: one of ours (named after its file), or a bare one.
pub(crate) trait ScriptSource {
    fn script(&self) -> &'static Script;
    fn name(&self) -> &'static str;
}

impl ScriptSource for &'static crate::lua::Lua {
    fn script(&self) -> &'static Script {
        self
    }

    fn name(&self) -> &'static str {
        crate::lua::Lua::name(self)
    }
}

impl ScriptSource for &'static Script {
    fn script(&self) -> &'static Script {
        self
    }

    fn name(&self) -> &'static str {
        "script"
    }
}

impl From<Pipeline> for Request {
    fn from(pipe: Pipeline) -> Self {
        Request::Pipeline(pipe)
    }
}

impl From<Cmd> for Request {
    fn from(cmd: Cmd) -> Self {
        Request::Cmd(cmd)
    }
}

/// Turns a reply into a result; gets the key for its error messages.
type Decoder<T> = Box<dyn FnOnce(&str, Value) -> Result<T> + Send>;

/// One round trip: a request, the key it works on, and how to decode the reply.
pub struct Op<T> {
    key: Arc<str>,
    expects: &'static str,
    /// The structure's name for traces (its Redis type unless told).
    structure: &'static str,
    /// A companion key the request also touches (named in permission errors).
    companion: Option<String>,
    request: Request,
    decode: Decoder<T>,
}

impl<T> Op<T> {
    /// An operation on `key`, which must hold a Redis `expects` (e.g. `"hash"`) if it exists.
    pub(crate) fn new(
        key: impl Into<Arc<str>>,
        expects: &'static str,
        request: impl Into<Request>,
        decode: impl FnOnce(&str, Value) -> Result<T> + Send + 'static,
    ) -> Self {
        Op {
            key: key.into(),
            expects,
            structure: expects,
            companion: None,
            request: request.into(),
            decode: Box::new(decode),
        }
    }

    /// The same request, its decoded reply then passed through `f`.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U + Send + 'static) -> Op<U>
    where
        T: 'static,
    {
        let decode = self.decode;
        Op {
            key: self.key,
            expects: self.expects,
            structure: self.structure,
            companion: self.companion,
            request: self.request,
            decode: Box::new(move |key, reply| decode(key, reply).map(f)),
        }
    }

    /// The same operation, traced as one of `structure` (`RedisDict`).
    pub(crate) fn of(mut self, structure: &'static str) -> Self {
        self.structure = structure;
        self
    }

    /// The same operation, which also touches `companion` (a scratch key, a
    /// claim): a permission error names it.
    pub(crate) fn touching(mut self, companion: impl Into<Vec<u8>>) -> Self {
        // Moved, not copied: the caller is done with the key's bytes.
        let name = String::from_utf8(companion.into())
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        self.companion = Some(name);
        self
    }

    /// The same write behind the fence at `fence` for `token` (see
    /// `crate::fence::request`, which makes the request).
    pub(crate) fn fenced(self, fence: String, token: u64) -> Result<Op<T>>
    where
        T: 'static,
    {
        let request = crate::fence::request(self.request, &fence, token)?;
        let decode = self.decode;
        Ok(Op {
            key: self.key,
            expects: self.expects,
            structure: self.structure,
            companion: Some(fence),
            request,
            decode: Box::new(move |key, reply| {
                crate::fence::unwrap_reply(key, token, reply, decode)
            }),
        })
    }

    /// The span of this operation run in `mode`.
    fn span(&self, mode: &'static str) -> OpSpan {
        OpSpan::new(|| Fields {
            structure: self.structure,
            key: &self.key,
            command: self.request.name(),
            mode,
        })
    }

    /// Whether the request may change data (see [`Request::may_write`]).
    pub(crate) fn may_write(&self) -> bool {
        self.request.may_write()
    }

    /// The key the operation works on.
    pub(crate) fn key_shared(&self) -> Arc<str> {
        Arc::clone(&self.key)
    }

    /// Runs the operation on a pooled blocking connection, finishing by
    /// `deadline` whatever it takes: opening a connection (within what is left),
    /// the request, a cluster's redirects and retries (see `Client::blocking_until`).
    pub(crate) fn run_until(self, client: &Client, deadline: Deadline) -> Result<T> {
        let span = self.span("blocking");
        let result = span.in_scope(|| self.run_blocking(client, deadline));
        span.finish(&result);
        result
    }

    fn run_blocking(self, client: &Client, deadline: Deadline) -> Result<T> {
        // Set once a connection is at hand: an error before that (refused,
        // connect timeout) cannot have applied anything.
        let mut sent = false;
        let query = |con: &mut dyn ConnectionLike| {
            sent = true;
            self.request.query(con)
        };
        // A read whose reused connection the server had dropped (a restart)
        // is retried once on a new one; a write never is (it may have applied).
        let writes = self.may_write();
        let (reply, went_out) = crate::client::timed::sending(writes, || {
            if writes {
                client.blocking_until(deadline, query)
            } else {
                client.blocking_read_until(deadline, query)
            }
        });
        let reply = match reply {
            Err(err) if is_wrong_type(&err) => {
                let actual =
                    client.blocking_until(deadline, |con| type_of(&self.key).query::<String>(con));
                return Err(self.wrong_type(actual.ok()));
            }
            // Nor can one the connection did not send (the deadline had passed).
            // (A cluster's last attempt may be unsent while an earlier one
            // went out: `went_out` says so.)
            Err(err) => {
                let sent = went_out || (sent && !crate::client::timed::is_not_sent(&err));
                return Err(self.failed(err, sent));
            }
            Ok(reply) => reply,
        };
        (self.decode)(&self.key, reply)
    }

    #[cfg(feature = "async")]
    /// Runs the operation on the shared async connection, finishing by
    /// `deadline`: the connection (made within what is left if there is none
    /// yet), then the request within what is left after that.
    ///
    /// No timer is started when nothing unusual happens: a connection already
    /// made is handed out at once, and a request with its full response timeout
    /// ahead relies on the connection's own (a cluster connection's includes
    /// its retries). With less left, a single server's request gets it as its
    /// timeout (set on this call's clone of the connection); a cluster request
    /// is bounded by a timer.
    pub(crate) async fn run_async_until(self, client: &Client, deadline: Deadline) -> Result<T> {
        let span = self.span("async");
        // Boxed once here: the request's future is large (redis-rs's send and
        // receive, a timer), and every plan step that awaits this one would
        // otherwise be that large too, and be moved whole as it starts.
        let result = span
            .instrument(Box::pin(self.run_async(client, deadline)))
            .await;
        span.finish(&result);
        result
    }

    #[cfg(feature = "async")]
    async fn run_async(self, client: &Client, deadline: Deadline) -> Result<T> {
        let mut lease = match client.async_lease(deadline).await {
            Ok(lease) => lease,
            Err(err) => return Err(Error::from_redis(Some(&self.key), err)),
        };
        // Measured after the lease: making a connection used part of the time.
        let shorter = match socket_limit(client, deadline) {
            Limit::Expired => return Err(Error::timed_out(Some(&self.key))),
            Limit::Default => None,
            Limit::Shorter(left) => Some(left),
        };
        let timer = match (&mut lease.conn, shorter) {
            (crate::AsyncConnection::Single(single), Some(left)) => {
                single.set_response_timeout(left);
                None
            }
            (crate::AsyncConnection::Single(_), None) => None,
            (crate::AsyncConnection::Cluster(_), Some(left)) => Some(left),
            (crate::AsyncConnection::Cluster(_), None) if !client.async_keeps_timeout() => {
                deadline.remaining()
            }
            (crate::AsyncConnection::Cluster(_), None) => None,
        };
        let key = self.key_shared();
        // A write cut short by the timer may have been sent: its outcome is unknown.
        let may_write = self.may_write();
        let generation = lease.generation;
        let attempt = self.query_async(client, lease);
        let result = match timer {
            None => attempt.await,
            Some(left) => tokio::time::timeout(left, attempt)
                .await
                .unwrap_or_else(|_| Err(Error::no_reply(&key, may_write))),
        };
        // A node timed out or is gone: a cluster's slot map may be stale.
        if let Err(err) = &result
            && (err.is_timeout()
                || matches!(
                    err.kind(),
                    crate::ErrorKind::Connection | crate::ErrorKind::OutcomeUnknown
                ))
        {
            client.async_trouble(generation);
        }
        result
    }

    #[cfg(feature = "async")]
    /// Sends the request on `lease` and decodes the reply.
    async fn query_async(self, client: &Client, mut lease: Lease) -> Result<T> {
        let con = &mut lease.conn;
        let reply = match self.request.query_async(con).await {
            Err(err) if is_wrong_type(&err) => {
                // Boxed: a rare second request, which would double this
                // future's size inline.
                let actual = Box::pin(type_of(&self.key).query_async::<String>(con)).await;
                return Err(self.wrong_type(actual.ok()));
            }
            Err(err) => {
                // A request that got no reply in time leaves the connection in
                // doubt too: its reply may come late, or never (lost on the way),
                // and a multiplexed connection pairs replies with requests in
                // order, so every later call would wait on the wrong one.
                if crate::client::is_broken(&err) || err.is_timeout() {
                    client.async_broken(&lease);
                }
                return Err(self.failed(err, true));
            }
            Ok(reply) => reply,
        };
        (self.decode)(&self.key, reply)
    }

    /// The error of a request that failed; `sent` if it reached a connection,
    /// so a write whose reply was lost has an unknown outcome.
    fn failed(&self, err: redis::RedisError, sent: bool) -> Error {
        // Redis's NOPERM does not say which key the ACL refused: name the
        // companion key too, the one an ACL pattern is likely to miss.
        if let Some(companion) = &self.companion
            && crate::error::has_code(&err, "NOPERM")
        {
            let keys = format!("{} (companion key {companion})", self.key);
            return Error::from_redis(Some(&keys), err);
        }
        Error::from_redis(Some(&self.key), err).reply_lost(sent && self.request.may_write())
    }

    fn wrong_type(&self, actual: Option<String>) -> Error {
        Error::wrong_type(
            &self.key,
            self.expects,
            actual.as_deref().unwrap_or("other type"),
        )
    }
}

#[cfg(feature = "async")]
/// How long an async request may wait for its reply, given the call's deadline
/// (the blocking path's connections decide this themselves: `client::timed`).
enum Limit {
    /// The deadline has passed: do not send.
    Expired,
    /// The connection's own response timeout fits within the deadline.
    Default,
    /// Less than the response timeout is left.
    Shorter(Duration),
}

#[cfg(feature = "async")]
/// A deadline within this much of the response timeout keeps the connection's
/// own timeout: a timer on every call would cost more than the overrun it avoids.
const SLACK: Duration = Duration::from_millis(2);

#[cfg(feature = "async")]
fn socket_limit(client: &Client, deadline: Deadline) -> Limit {
    match deadline.remaining() {
        None => Limit::Default,
        Some(left) if left.is_zero() => Limit::Expired,
        Some(left) if left + SLACK >= client.response_timeout() => Limit::Default,
        Some(left) => Limit::Shorter(left),
    }
}

/// `WRONGTYPE` from the command, from a script's call (Redis 7 keeps the
/// code), or from any command of a pipeline: by its code, never its text.
fn is_wrong_type(err: &redis::RedisError) -> bool {
    crate::error::has_code(err, "WRONGTYPE")
}

/// Commands that never change data (upper case). Anything not listed counts
/// as a write: a wrong "write" only makes a lost reply look more doubtful.
#[rustfmt::skip]
const READ_ONLY: &[&str] = &[
    "BITCOUNT", "BITPOS", "DBSIZE", "DUMP", "ECHO", "EXISTS", "GET", "GETBIT", "GETRANGE",
    "HEXISTS", "HGET", "HGETALL", "HKEYS", "HLEN", "HMGET", "HRANDFIELD", "HSCAN", "HSTRLEN",
    "HVALS", "INFO", "KEYS", "LINDEX", "LLEN", "LPOS", "LRANGE", "MGET", "OBJECT", "PEXPIRETIME",
    "PFCOUNT", "PING", "PTTL", "SCAN", "SCARD", "SDIFF", "SINTER", "SINTERCARD", "SISMEMBER",
    "SMEMBERS", "SMISMEMBER", "SRANDMEMBER", "SSCAN", "STRLEN", "SUNION", "TIME", "TTL", "TYPE",
    "XLEN", "XRANGE", "XREAD", "XREVRANGE", "ZCARD", "ZCOUNT", "ZMSCORE", "ZRANGE", "ZRANK",
    "ZREVRANGE", "ZREVRANK", "ZSCAN", "ZSCORE",
];

fn cmd_may_write(cmd: &Cmd) -> bool {
    let Some(redis::Arg::Simple(name)) = cmd.args_iter().next() else {
        return true;
    };
    // A binary search of the sorted list, on the name in capitals (it runs
    // for every request: a scan of the list cost a thousand instructions).
    let mut upper = [0u8; 16];
    let Some(buf) = upper.get_mut(..name.len()) else {
        return true; // longer than any read-only name
    };
    buf.copy_from_slice(name);
    buf.make_ascii_uppercase();
    READ_ONLY
        .binary_search_by(|read| read.as_bytes().cmp(buf))
        .is_err()
}

fn type_of(key: &str) -> Cmd {
    let mut cmd = redis::cmd("TYPE");
    cmd.arg(key);
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(name: &str) -> Cmd {
        let mut cmd = redis::cmd(name);
        cmd.arg("k");
        cmd
    }

    #[test]
    fn the_read_only_list_is_sorted_for_its_binary_search() {
        assert!(READ_ONLY.is_sorted());
        assert!(READ_ONLY.windows(2).all(|w| w.first() != w.last()));
        assert!(READ_ONLY.iter().all(|name| name.len() <= 16));
        for name in READ_ONLY {
            assert!(!Request::from(cmd(name)).may_write(), "{name}");
            assert!(
                !Request::from(cmd(&name.to_lowercase())).may_write(),
                "{name}"
            );
        }
        assert!(Request::from(cmd("XREADGROUP")).may_write());
        assert!(Request::from(cmd("AVERYLONGCOMMANDNAME")).may_write());
    }

    #[test]
    fn reads_and_writes_are_told_apart() {
        assert!(!Request::from(cmd("HGET")).may_write());
        assert!(!Request::from(cmd("pttl")).may_write());
        assert!(Request::from(cmd("HSET")).may_write());
        assert!(Request::from(cmd("BLPOP")).may_write());
        let mut reads = redis::pipe();
        reads.add_command(cmd("HLEN")).add_command(cmd("TYPE"));
        assert!(!Request::from(reads.clone()).may_write());
        reads.add_command(cmd("PEXPIRE"));
        assert!(Request::from(reads).may_write());
        let script: &'static Script = Box::leak(Box::new(Script::new("return 1")));
        assert!(Request::script(script, &[b"k"], &[]).may_write());
    }
}

#[cfg(all(test, feature = "async"))]
mod future_size {
    /// Every async call awaits this future inside its plan steps, and each
    /// step is boxed and moved as it starts: inline, redis-rs's connect
    /// handshake made it 10 KiB, copied several times per request (a fifth
    /// of a work-queue consumer's instructions). The large parts are boxed.
    #[test]
    fn a_request_future_stays_small() -> crate::Result<()> {
        let client = crate::Client::open("redis://127.0.0.1:1")?;
        let op = super::Op::new("k", "string", redis::cmd("GET"), |_, _| Ok(()));
        let deadline = crate::engine::Deadline::after(std::time::Duration::from_secs(1));
        let request = op.run_async_until(&client, deadline);
        let size = std::mem::size_of_val(&request);
        assert!(size <= 1024, "run_async_until's future is {size} bytes");
        let lease = client.async_lease(deadline);
        let size = std::mem::size_of_val(&lease);
        assert!(size <= 128, "async_lease's future is {size} bytes");
        Ok(())
    }
}
