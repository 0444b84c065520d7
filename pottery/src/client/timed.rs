//! The blocking path's connection, which keeps the deadline of the call using it.
//!
//! A blocking call may do several things before its reply: open a connection,
//! follow a cluster redirect, retry after `TRYAGAIN`, load a script. redis-rs
//! gives none of them a per-call timeout, so the runner puts the call's deadline
//! in a thread-local ([`within`]) and every connection the call touches is a
//! [`Timed`]: before each request it checks the deadline (failing at once when it
//! has passed) and shortens its socket timeouts to what is left; a connection it
//! opens gets only what is left of the connect timeout. On a cluster, redis-rs
//! makes the node connections itself through [`Connect`], so they are `Timed`
//! too and its redirects and retries are bounded by the same deadline.
//!
//! A thread-local is the only way to reach connections that redis-rs opens
//! inside a cluster call (`Connect::connect` takes no context). It costs a
//! thread-local read per request, and the socket timeouts are only changed when
//! less than the response timeout is left: a call with its full response
//! timeout ahead changes nothing (no system call).
//!
//! Two more things pass through the same thread-locals: a command that blocks
//! on the server (`XREAD BLOCK`) gets its blocking time on top of the response
//! timeout ([`blocking_for`]), and a cluster call learns whether one of its
//! node connections timed out or broke ([`watching_nodes`]), after which the
//! client drops its idle cluster connections, whose slot maps may be stale.

use std::cell::Cell;
use std::time::{Duration, Instant};

use redis::cluster::Connect;
use redis::{ConnectionLike, IntoConnectionInfo, RedisError, RedisResult, Value};

use crate::engine::Deadline;

mod in_doubt;
mod not_sent;
pub(crate) use in_doubt::sending;
use in_doubt::{may_send, sent};
pub(crate) use not_sent::{is_not_sent, not_sent};

thread_local! {
    /// The deadline of the blocking call running on this thread, if it has one.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    /// How long the request running on this thread may block on the server
    /// before it answers (`XREAD BLOCK`): its reply may take that plus the
    /// response timeout.
    static BLOCKS: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    /// Whether a node connection of the call running on this thread timed
    /// out, broke or could not be made (see [`watching_nodes`]).
    static TROUBLE: Cell<bool> = const { Cell::new(false) };
    /// The last "busy" reply (`TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`) of the
    /// cluster call running on this thread (see [`keeping_busy`]).
    static BUSY: std::cell::RefCell<Option<redis::ServerError>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f`, a call on a cluster connection; if its deadline ended it while
/// redis-rs was retrying after "busy" replies (a slot migrating: `TRYAGAIN`),
/// fails with the last of them rather than with a timeout that hides why.
pub(crate) fn keeping_busy<T>(f: impl FnOnce() -> RedisResult<T>) -> RedisResult<T> {
    let before = BUSY.take();
    let result = f();
    let busy = BUSY.replace(before);
    match (result, busy) {
        (Err(err), Some(busy)) if err.is_timeout() => Err(busy.into()),
        (result, _) => result,
    }
}

/// Remembers a busy reply for [`keeping_busy`].
fn note_busy(reply: &RedisResult<Value>) {
    if let Ok(Value::ServerError(err)) = reply
        && matches!(err.code(), "TRYAGAIN" | "CLUSTERDOWN" | "MASTERDOWN")
    {
        BUSY.set(Some(err.clone()));
    }
}

/// Runs `f`, a call on a cluster connection, and says whether a node
/// connection it used timed out, broke or could not be made. The cluster
/// connection's slot map may then be stale (a master failed over), and
/// redis-rs refreshes it only on a `MOVED` reply, which a dead or frozen
/// master never sends.
pub(crate) fn watching_nodes<T>(f: impl FnOnce() -> T) -> (T, bool) {
    let before = TROUBLE.replace(false);
    let out = f();
    (out, TROUBLE.replace(before))
}

/// Notes a node connection's failure for [`watching_nodes`] (not a request
/// held back because the call's deadline had passed: the node did nothing).
fn note<T>(result: RedisResult<T>) -> RedisResult<T> {
    if let Err(err) = &result
        && (err.is_io_error() || err.is_timeout() || err.is_unrecoverable_error())
        && !is_not_sent(err)
    {
        TROUBLE.set(true);
    }
    result
}

/// redis-rs's `PING`, packed: the first request of a new node connection.
const PING: &[u8] = b"*1\r\n$4\r\nPING\r\n";

/// The longest a new cluster node connection waits for its first reply (the
/// PING redis-rs sends on connecting), and at most a quarter of what is left
/// of the call: a frozen node accepts TCP connections but never answers, and
/// redis-rs tries the initial nodes one after another when it opens a cluster
/// connection, so one frozen node must not take a whole call's deadline.
const PROBE: Duration = Duration::from_millis(250);

/// Runs `f`, whose requests block on the server for up to `blocks` before
/// answering (`XREAD BLOCK`), with that much more than the response timeout
/// to read each reply (still within the call's deadline): the response
/// timeout alone would give up on a healthy server that is just waiting.
pub(crate) fn blocking_for<T>(blocks: Duration, f: impl FnOnce() -> T) -> T {
    struct Restore(Duration);
    impl Drop for Restore {
        fn drop(&mut self) {
            BLOCKS.set(self.0);
        }
    }
    let _restore = Restore(BLOCKS.replace(blocks));
    f()
}

/// Runs `f` with `deadline` as the current call's deadline on this thread (a
/// call nested in `f` sets its own and puts this one back when it ends).
pub(crate) fn within<T>(deadline: Deadline, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Instant>);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEADLINE.set(self.0);
        }
    }
    let _restore = Restore(DEADLINE.replace(deadline.instant()));
    f()
}

/// The deadline of the call running on this thread.
fn current() -> Deadline {
    DEADLINE.get().map_or(Deadline::NONE, Deadline::at)
}

/// How much below its configured timeout a socket's timeout may stay: a call
/// with this little less than the response timeout left keeps the socket's own
/// timeout (an overrun of at most this) instead of paying two system calls.
fn slack(configured: Duration) -> Duration {
    (configured / 64).min(Duration::from_millis(2))
}

/// The socket timeout that makes a read give up at `limit`: Linux counts a
/// socket timeout in scheduler ticks, rounded up, plus up to two (a 300 ms
/// timeout took 316-324 ms at 100 Hz here), so it is set 1/16 shorter, by at
/// most 20 ms. On a kernel with finer ticks a read may then give up that much
/// early.
fn on_socket(limit: Duration) -> Duration {
    limit - (limit / 16).min(Duration::from_millis(20))
}

/// A connection that keeps the deadline of the call using it (see the module docs).
pub(crate) struct Timed {
    con: redis::Connection,
    /// The read and write timeouts it has between calls (`None`: no limit);
    /// cells because redis-rs sets them through `&self`.
    read: Cell<Option<Duration>>,
    write: Cell<Option<Duration>>,
    /// The read timeout the socket has now, if set for a call (shortened to
    /// its deadline, or lengthened for a blocking command); restored lazily,
    /// by the next request that needs the configured one.
    shortened: Option<Duration>,
    /// Whether the socket's write timeout is not the configured one (set for
    /// a call): a lengthened read leaves it alone, so a blocking command
    /// costs one `setsockopt` less before and after.
    write_set: bool,
    /// Replies are still due but were given up at a deadline: the connection
    /// is out of step and must not be used again.
    broken: bool,
    /// A new cluster node connection, whose first request is a probe (see [`PROBE`]).
    fresh: bool,
}

impl Timed {
    /// Opens a connection to `client`'s server within `connect_timeout` and what
    /// is left of the current call's deadline; between calls it waits at most
    /// `response_timeout` (`None`: no limit) for a reply.
    pub(crate) fn open(
        client: &redis::Client,
        connect_timeout: Option<Duration>,
        response_timeout: Option<Duration>,
    ) -> RedisResult<Timed> {
        let info = client.get_connection_info();
        let con = match connect_within(connect_timeout, info.redis_settings())? {
            Some(limit) => client.get_connection_with_timeout(limit)?,
            None => client.get_connection()?,
        };
        let timed = Timed::new(con);
        Connect::set_read_timeout(&timed, response_timeout)?;
        Connect::set_write_timeout(&timed, response_timeout)?;
        Ok(timed)
    }

    fn new(con: redis::Connection) -> Timed {
        Timed {
            con,
            read: Cell::new(None),
            write: Cell::new(None),
            shortened: None,
            write_set: false,
            broken: false,
            fresh: false,
        }
    }

    /// The first request of a new cluster node connection, within [`PROBE`].
    fn probe(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        self.fresh = false;
        let left = left();
        if left.is_some_and(|left| left.is_zero()) {
            return Err(not_sent());
        }
        let limit = left.map_or(PROBE, |left| (left / 4).min(PROBE));
        self.con.set_read_timeout(Some(on_socket(limit)))?;
        self.con.set_write_timeout(Some(on_socket(limit)))?;
        self.shortened = Some(limit);
        self.write_set = true;
        // redis-rs's PING on connecting, or else the call's own request.
        let own = cmd != PING;
        if own {
            may_send()?;
        }
        let mut reply = self.con.req_packed_command(cmd);
        if own {
            reply = sent(reply);
        }
        // A reply given up is still due: the connection is out of step.
        self.broken = reply.as_ref().is_err_and(RedisError::is_timeout);
        note(reply)
    }

    /// Makes the socket's timeouts fit the current call's deadline before a
    /// request is sent; fails with [`not_sent`] once it has passed.
    fn prepare(&mut self) -> RedisResult<()> {
        let left = left();
        if left.is_some_and(|left| left.is_zero()) {
            return Err(not_sent());
        }
        if self.broken {
            // A cluster connection reconnects the node on this error.
            return Err(out_of_step());
        }
        let blocks = BLOCKS.get();
        if !blocks.is_zero() {
            return self.lengthen(blocks, left);
        }
        let Some(left) = left else {
            return self.restore();
        };
        if let Some(read) = self.read.get()
            && left >= read - slack(read)
        {
            return self.restore();
        }
        self.con.set_read_timeout(Some(on_socket(left)))?;
        self.con.set_write_timeout(Some(on_socket(left)))?;
        self.shortened = Some(left);
        self.write_set = true;
        Ok(())
    }

    /// Before a request that blocks on the server for up to `blocks`: the
    /// read may take that plus the response timeout, within the deadline.
    fn lengthen(&mut self, blocks: Duration, left: Option<Duration>) -> RedisResult<()> {
        let read = self.read.get().map(|read| read.saturating_add(blocks));
        let read = match (left, read) {
            (Some(left), Some(read)) => Some(left.min(read)),
            (left, read) => left.or(read),
        };
        let write = match (left, self.write.get()) {
            (Some(left), Some(write)) => Some(left.min(write)),
            (left, write) => left.or(write),
        };
        self.con.set_read_timeout(read.map(on_socket))?;
        if self.write_set || write != self.write.get() {
            self.con.set_write_timeout(write.map(on_socket))?;
            self.write_set = write != self.write.get();
        }
        // `None` only when the configured timeouts are `None` too.
        self.shortened = read;
        Ok(())
    }

    /// Before each further reply of a request that has several: the deadline
    /// also bounds their sum (the socket's timeout bounds each read), so the
    /// read timeout shrinks to what is left; once nothing is, the connection
    /// gives up the replies still due and is out of step.
    fn before_next_reply(&mut self) -> RedisResult<()> {
        let Some(left) = left() else {
            return Ok(());
        };
        if left.is_zero() {
            self.broken = true;
            return Err(std::io::Error::from(std::io::ErrorKind::TimedOut).into());
        }
        let now = self.shortened.or(self.read.get());
        if now.is_none_or(|now| left + slack(now) < now) {
            self.con.set_read_timeout(Some(on_socket(left)))?;
            self.shortened = Some(left);
        }
        Ok(())
    }

    fn restore(&mut self) -> RedisResult<()> {
        if self.shortened.take().is_some() {
            self.con.set_read_timeout(self.read.get().map(on_socket))?;
        }
        if self.write_set {
            self.con
                .set_write_timeout(self.write.get().map(on_socket))?;
            self.write_set = false;
        }
        Ok(())
    }
}

/// `client` for connections whose handshake sends no CLIENT SETINFO.
///
/// redis-rs's handshake pipelines AUTH, SELECT and two CLIENT SETINFO, and
/// waits out its read timeout once per reply still due when the server does
/// not answer, where the deadline must bound them all. AUTH and SELECT are
/// needed and get a share of the time each (see `connect_within`); the
/// SETINFO names (shown by `CLIENT LIST`) are not worth halving the time a
/// new connection has, so blocking connections go without them.
pub(crate) fn without_setinfo(client: &redis::Client) -> redis::Client {
    let info = without_setinfo_info(client.get_connection_info().clone());
    redis::Client::open(info).unwrap_or_else(|_| client.clone())
}

fn without_setinfo_info(info: redis::ConnectionInfo) -> redis::ConnectionInfo {
    let settings = info.redis_settings().clone().set_skip_set_lib_name();
    info.set_redis_settings(settings)
}

/// What is left of the current call's deadline (`None`: no limit).
fn left() -> Option<Duration> {
    DEADLINE
        .get()
        .map(|at| at.saturating_duration_since(Instant::now()))
}

/// The error of a connection that gave up replies it was due.
fn out_of_step() -> RedisError {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "connection abandoned after a deadline, with replies still due",
    )
    .into()
}

/// The time a new connection may take: `connect_timeout` cut to what is left
/// of the current call's deadline (`None`: no limit); [`not_sent`] when nothing is.
///
/// redis-rs gives that time to the TCP connect and then to each reply of its
/// handshake (AUTH, SELECT; CLIENT SETINFO unless skipped) in full, so the
/// time left is shared among those replies.
fn connect_within(
    connect_timeout: Option<Duration>,
    settings: &redis::RedisConnectionInfo,
) -> RedisResult<Option<Duration>> {
    let Some(left) = current().remaining() else {
        return Ok(connect_timeout);
    };
    if left.is_zero() {
        return Err(not_sent());
    }
    let replies = u32::from(settings.password().is_some() || settings.protocol().supports_resp3())
        + u32::from(settings.db() != 0)
        + if settings.skip_set_lib_name() { 0 } else { 2 };
    // Each reply's read is rounded up by the kernel (see `on_socket`).
    let share = on_socket(left / replies.max(1));
    Ok(Some(
        connect_timeout.map_or(share, |limit| limit.min(share)),
    ))
}

impl Timed {
    /// Sends a pipeline and reads its replies (see `req_packed_commands`).
    fn pipeline(&mut self, cmd: &[u8], offset: usize, count: usize) -> RedisResult<Vec<Value>> {
        note(self.con.send_packed_command(cmd))?;
        let mut replies = Vec::with_capacity(count);
        let mut refused = None; // a command MULTI refused to queue
        let mut first_err = None;
        let (mut index, mut due) = (0, offset + count);
        while index < due {
            if index > 0 {
                self.before_next_reply()?;
            }
            match self.con.recv_response() {
                // RESP3 push data between the replies.
                Ok(Value::Push { .. }) => due += 1,
                Ok(Value::ServerError(err)) if index < offset => {
                    refused.get_or_insert(err);
                }
                Ok(reply) if index >= offset => replies.push(reply),
                Ok(_) => {}
                Err(err) if err.is_timeout() => {
                    self.broken = index + 1 < due;
                    return note(Err(err));
                }
                Err(err) => {
                    first_err.get_or_insert(err);
                }
            }
            index += 1;
        }
        if let Some(err) = refused {
            return Err(err.into());
        }
        first_err.map_or(Ok(replies), Err)
    }
}

impl ConnectionLike for Timed {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        if self.fresh {
            return self.probe(cmd);
        }
        self.prepare()?;
        may_send()?;
        let reply = note(sent(self.con.req_packed_command(cmd)));
        note_busy(&reply);
        reply
    }

    /// redis-rs's loop over a pipeline's replies, except that the deadline
    /// bounds all of them (redis-rs waits out the read timeout once per reply
    /// still due when the server stops answering).
    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        self.prepare()?;
        may_send()?;
        sent(self.pipeline(cmd, offset, count))
    }

    fn get_db(&self) -> i64 {
        self.con.get_db()
    }

    /// A probe (see [`PROBE`]): redis-rs checks the node connections it
    /// keeps when it refreshes its slot map, one after another.
    fn check_connection(&mut self) -> bool {
        if self.broken {
            return false;
        }
        self.fresh = true;
        matches!(
            self.req_packed_command(b"*1\r\n$4\r\nPING\r\n"),
            Ok(reply) if !matches!(reply, Value::ServerError(_))
        )
    }

    fn is_open(&self) -> bool {
        !self.broken && self.con.is_open()
    }
}

/// How redis-rs's cluster connection opens and drives its node connections.
impl Connect for Timed {
    fn connect<T: IntoConnectionInfo>(info: T, timeout: Option<Duration>) -> RedisResult<Self> {
        let info = without_setinfo_info(info.into_connection_info()?);
        let limit = connect_within(timeout.and_then(no_limit_is_none), info.redis_settings())?;
        let con = note(<redis::Connection as Connect>::connect(info, limit))?;
        // No timeouts until the cluster connection sets them (it does, right
        // after its first PING); that PING is a probe (see `PROBE`).
        let mut timed = Timed::new(con);
        timed.fresh = true;
        Ok(timed)
    }

    fn send_packed_command(&mut self, cmd: &[u8]) -> RedisResult<()> {
        self.prepare()?;
        note(self.con.send_packed_command(cmd))
    }

    fn set_write_timeout(&self, dur: Option<Duration>) -> RedisResult<()> {
        self.con.set_write_timeout(dur.map(on_socket))?;
        self.write.set(dur);
        Ok(())
    }

    fn set_read_timeout(&self, dur: Option<Duration>) -> RedisResult<()> {
        self.con.set_read_timeout(dur.map(on_socket))?;
        self.read.set(dur);
        Ok(())
    }

    /// One of the replies due after [`send_packed_command`](Self::send_packed_command)
    /// (the cluster connection sends a node's share of a pipeline, then reads them).
    fn recv_response(&mut self) -> RedisResult<Value> {
        self.before_next_reply()?;
        note(self.con.recv_response())
    }
}

/// `Duration::MAX` as redis-rs's "no limit".
fn no_limit_is_none(limit: Duration) -> Option<Duration> {
    (limit != Duration::MAX).then_some(limit)
}

#[cfg(test)]
mod tests;
