//! The crate's one error type.
//!
//! Like reqwest's, [`Error`] is opaque: callers branch on [`Error::kind`], ask
//! the two cross-cutting questions with [`Error::is_timeout`] and
//! [`Error::is_connection`], and read which Redis key it concerns with
//! [`Error::key`]. Only the crate makes errors; a redis-rs error converts with
//! `From` (for [`Client::with_connection`](crate::Client::with_connection) code).

mod code;
mod kind;
mod raw;

use std::fmt;

pub(crate) use code::{has_code, server_code};
pub use kind::ErrorKind;
pub(crate) use raw::Taken;

/// A `Result` whose error is the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The crate's error: what happened, which key it concerns, and the cause.
///
/// `Display` says what happened and at which key; the error that caused it
/// (redis-rs's, say) is its [`source`](std::error::Error::source), not
/// repeated in the message. Passwords never appear in `Display` or `Debug`.
///
/// # Errors change nothing, or hand back what they took
///
/// A failed operation leaves the data in Redis as it was, but for one case its
/// error states. A destructive operation (a pop, a `remove`, a dict's `replace`
/// or `pop_item`, a list's `drain` or `splice`, a queue's `get`) takes the value
/// out in Redis and decodes it here in one atomic round trip, as Redis cannot run
/// the codec. When it does not decode, the [`Decode`](ErrorKind::Decode) error
/// holds everything that was removed or overwritten, whole
/// ([`removed_raw`](Self::removed_raw)), and says so; its message shows 64 bytes.
/// Nothing is both lost and reported as a failure. A lost reply, the other case,
/// is [`OutcomeUnknown`](ErrorKind::OutcomeUnknown).
///
/// # Example
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// use pottery::{Client, ErrorKind, sync::{RedisDict, RedisList}};
///
/// let client = Client::open(&server.url())?;
/// RedisList::<i64>::new(&client, "tel").push(1)?;
/// let err = RedisDict::<String, i64>::new(&client, "tel").get("jack").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::WrongType);
/// assert_eq!(err.key(), Some("tel"));
/// assert_eq!(err.to_string(), "wrong type at key `tel`: holds a list, not a hash");
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    key: Option<String>,
    detail: String,
    timeout: bool,
    /// Refused at connect: nothing was sent, whatever the request.
    refused: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    /// The stored bytes of a decode error (see `raw.rs`).
    raw: Option<Box<raw::Raw>>,
}

impl Error {
    fn new(kind: ErrorKind, key: Option<&str>, detail: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                key: key.map(str::to_owned),
                detail: detail.into(),
                timeout: false,
                refused: false,
                source: None,
                raw: None,
            }),
        }
    }

    fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// The key holds `actual` where `expected` was needed.
    pub(crate) fn wrong_type(key: &str, expected: &str, actual: &str) -> Self {
        Error::new(
            ErrorKind::WrongType,
            Some(key),
            format!("holds a {actual}, not a {expected}"),
        )
    }

    /// A value for `key` could not be encoded.
    pub(crate) fn encode(key: &str, cause: impl fmt::Display) -> Self {
        Error::new(
            ErrorKind::Encode,
            Some(key),
            format!("cannot encode: {cause}"),
        )
    }

    /// `key` exists already.
    pub(crate) fn key_exists(key: &str) -> Self {
        Error::new(
            ErrorKind::KeyExists,
            Some(key),
            "cannot create a structure with initial items over an existing key",
        )
    }

    /// Something that must exist at `key` does not.
    pub(crate) fn not_found(key: &str, what: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotFound, Some(key), what)
    }

    /// A bad URL, option or argument.
    pub(crate) fn config(what: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, None, what)
    }

    /// Redis replied with something the operation cannot use.
    pub(crate) fn unexpected_reply(key: &str, command: &str, got: impl fmt::Debug) -> Self {
        Error::new(
            ErrorKind::Redis,
            Some(key),
            format!("unexpected reply to {command}: {got:?}"),
        )
    }

    /// No quorum of the `masters` agreed on the operation at `key` (a lock held
    /// by someone else, an ID another client took first).
    pub(crate) fn quorum_not_achieved(key: &str, masters: usize) -> Self {
        Error::new(
            ErrorKind::QuorumNotAchieved,
            Some(key),
            format!("no quorum of its {masters} masters agreed (another client got there first)"),
        )
    }

    /// `failed` of the `masters` of the lock at `key` failed or did not answer in
    /// time, so no quorum was possible.
    pub(crate) fn quorum_is_impossible(key: &str, failed: usize, masters: usize) -> Self {
        Error::new(
            ErrorKind::QuorumIsImpossible,
            Some(key),
            format!("{failed} of {masters} masters failed or did not answer in time"),
        )
    }

    /// The lock at `key` was extended but is no longer held.
    pub(crate) fn extend_unlocked_lock(key: &str) -> Self {
        Error::new(
            ErrorKind::ExtendUnlockedLock,
            Some(key),
            "cannot extend a lock that is no longer held (it expired or was released)",
        )
    }

    /// The lock at `key` was released but is no longer held.
    pub(crate) fn release_unlocked_lock(key: &str) -> Self {
        Error::new(
            ErrorKind::ReleaseUnlockedLock,
            Some(key),
            "cannot release a lock that is no longer held (it expired or was released)",
        )
    }

    /// The hold on the lock at `key` was already extended `limit` times.
    pub(crate) fn too_many_extensions(key: &str, limit: u32) -> Self {
        Error::new(
            ErrorKind::TooManyExtensions,
            Some(key),
            format!("the hold was already extended {limit} times, its limit"),
        )
    }

    /// The data at `key` kept changing under a read-decide-write operation.
    pub(crate) fn conflict(key: &str, what: impl Into<String>) -> Self {
        Error::new(ErrorKind::Conflict, Some(key), what)
    }

    /// A write at `key` with `token` was refused: `stored` had written.
    pub(crate) fn stale_fence(key: &str, token: u64, stored: &str) -> Self {
        let what =
            format!("fencing token {token} is older than {stored}, which already wrote here");
        Error::new(ErrorKind::StaleFence, Some(key), what)
    }

    /// The lock at `key` was granted by a quorum, but only `acked` of the
    /// granting masters had `replicas` replicas acknowledge within `timeout`.
    pub(crate) fn not_replicated(
        key: &str,
        acked: usize,
        granted: usize,
        replicas: u32,
        timeout: std::time::Duration,
    ) -> Self {
        let what = format!(
            "{granted} masters granted the lock but only {acked} had {replicas} \
             replica(s) acknowledge it within {timeout:?}; released"
        );
        Error::new(ErrorKind::NotReplicated, Some(key), what)
    }

    /// The lease on work queue item `id` at `key` was lost before `what`.
    pub(crate) fn lease_lost(key: &str, id: &str, what: &str) -> Self {
        let detail = format!(
            "the lease on item {id} was lost before its {what}: another consumer may hold it"
        );
        Error::new(ErrorKind::LeaseLost, Some(key), detail)
    }

    /// Whether Redis answered with the error `code` (`NOGROUP`, ...): read
    /// off the redis-rs error this one wraps, never off a message.
    pub(crate) fn has_server_code(&self, code: &str) -> bool {
        self.inner
            .source
            .as_deref()
            .and_then(|source| source.downcast_ref::<redis::RedisError>())
            .is_some_and(|err| has_code(err, code))
    }

    /// Attaches the error that caused this one (its `source`).
    pub(crate) fn caused_by(self, cause: Error) -> Self {
        self.with_source(cause)
    }

    /// The same error, naming `key` if it named none (an error met while
    /// connecting, before any key was known).
    pub(crate) fn or_key(mut self, key: &str) -> Self {
        if self.inner.key.is_none() {
            self.inner.key = Some(key.to_owned());
        }
        self
    }

    /// Redis at `key` did not answer within a caller's deadline.
    pub(crate) fn timed_out(key: Option<&str>) -> Self {
        let io = std::io::Error::from(std::io::ErrorKind::TimedOut);
        Error::from_redis(key, redis::RedisError::from(io))
    }

    /// No reply to `key`'s request by the deadline; when the request was sent
    /// and `may_write`, whether it applied is unknown.
    pub(crate) fn no_reply(key: &str, sent_write: bool) -> Self {
        Error::timed_out(Some(key)).reply_lost(sent_write)
    }

    /// For a request that was sent and may write (`sent_write`): a connection
    /// error (a timeout, a broken connection) means its outcome is unknown.
    pub(crate) fn reply_lost(mut self, sent_write: bool) -> Self {
        if sent_write && self.inner.kind == ErrorKind::Connection && !self.inner.refused {
            self.inner.kind = ErrorKind::OutcomeUnknown;
            self.inner.detail = if self.inner.timeout {
                "no reply in time to a request that may write: it may or may not have applied"
            } else {
                "the connection broke after a request that may write was sent: it may or may \
                 not have applied"
            }
            .to_owned();
        }
        self
    }

    /// Wraps an error from the redis crate met while working on `key`,
    /// classified by its error code (never by its text).
    pub(crate) fn from_redis(key: Option<&str>, err: redis::RedisError) -> Self {
        let code = server_code(&err);
        let code = code.as_deref();
        let (kind, detail) = if err.kind() == redis::ErrorKind::AuthenticationFailed
            || matches!(code, Some("WRONGPASS" | "NOAUTH" | "NOPERM"))
        {
            let detail = "Redis refused the credentials or the user's permissions";
            (ErrorKind::Authentication, detail.to_owned())
        } else if code == Some("OOM") {
            let detail = "Redis is out of memory (maxmemory) and refused the write";
            (ErrorKind::OutOfMemory, detail.to_owned())
        } else if let Some(busy @ ("TRYAGAIN" | "CLUSTERDOWN" | "MASTERDOWN" | "MOVED" | "ASK")) =
            code
        {
            let detail = format!("the cluster is busy or moving slots ({busy})");
            (ErrorKind::ClusterBusy, detail)
        } else if code == Some("WRONGTYPE") {
            let detail = "holds another Redis type than the operation needs";
            (ErrorKind::WrongType, detail.to_owned())
        } else if err.is_io_error()
            || err.is_timeout()
            || err.is_connection_dropped()
            || err.is_connection_refusal()
            || err.is_unrecoverable_error()
        {
            let detail = if err.is_timeout() {
                "Redis did not answer in time"
            } else {
                "Redis is unreachable or the connection broke"
            };
            (ErrorKind::Connection, detail.to_owned())
        } else if err.kind() == redis::ErrorKind::InvalidClientConfig {
            (ErrorKind::Config, "invalid client configuration".to_owned())
        } else {
            let detail = match code {
                Some(code) => format!("Redis replied with an error ({code})"),
                None => "Redis returned an error".to_owned(),
            };
            (ErrorKind::Redis, detail)
        };
        let timeout = kind == ErrorKind::Connection && err.is_timeout();
        let refused = err.is_connection_refusal();
        let mut error = Error::new(kind, key, detail).with_source(err);
        error.inner.timeout = timeout;
        error.inner.refused = refused;
        error
    }

    /// What kind of error this is: what a caller branches on.
    ///
    /// ```
    /// let err = pottery::Client::open("nope://localhost").unwrap_err();
    /// assert_eq!(err.kind(), pottery::ErrorKind::Config);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The Redis key the error concerns, when there is one.
    ///
    /// ```
    /// let err = pottery::Client::open("nope://localhost").unwrap_err();
    /// assert_eq!(err.key(), None);
    /// ```
    pub fn key(&self) -> Option<&str> {
        self.inner.key.as_deref()
    }

    /// Redis was unreachable, the connection broke, or a reply timed out: the
    /// kinds [`Connection`](ErrorKind::Connection) and
    /// [`OutcomeUnknown`](ErrorKind::OutcomeUnknown). Not a refused password
    /// ([`Authentication`](ErrorKind::Authentication)).
    ///
    /// ```
    /// // Nothing listens on port 1.
    /// let client = pottery::Client::open("redis://127.0.0.1:1")?;
    /// let err = pottery::sync::RedisDict::<String, i64>::new(&client, "tel").len().unwrap_err();
    /// assert!(err.is_connection());
    /// assert_eq!(err.kind(), pottery::ErrorKind::Connection); // a read: nothing changed
    /// assert_eq!(err.key(), Some("tel"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_connection(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::Connection | ErrorKind::OutcomeUnknown
        )
    }

    /// Redis did not answer within the call's deadline (a connection error;
    /// its kind is [`OutcomeUnknown`](ErrorKind::OutcomeUnknown) for a write
    /// that was sent).
    ///
    /// ```
    /// let client = pottery::Client::open("redis://127.0.0.1:1")?;
    /// let err = pottery::sync::RedisDict::<String, i64>::new(&client, "tel").len().unwrap_err();
    /// assert!(!err.is_timeout()); // refused at once
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.inner.timeout
    }
}

/// A redis-rs error from code run on a raw connection (see
/// [`Client::with_connection`](crate::Client::with_connection)); it names no key.
///
/// ```
/// let raw = redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut));
/// let err = pottery::Error::from(raw);
/// assert!(err.is_timeout() && err.is_connection());
/// ```
impl From<redis::RedisError> for Error {
    fn from(err: redis::RedisError) -> Self {
        Error::from_redis(None, err)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.inner.kind {
            ErrorKind::Connection if self.inner.timeout => "timeout",
            ErrorKind::Connection => "connection error",
            ErrorKind::OutcomeUnknown => "outcome unknown",
            ErrorKind::Authentication => "authentication failed",
            ErrorKind::OutOfMemory => "out of memory",
            ErrorKind::ClusterBusy => "cluster busy",
            ErrorKind::WrongType => "wrong type",
            ErrorKind::Decode => "decode error",
            ErrorKind::Encode => "encode error",
            ErrorKind::KeyExists => "key exists",
            ErrorKind::NotFound => "not found",
            ErrorKind::Config => "configuration error",
            ErrorKind::Redis => "Redis error",
            ErrorKind::QuorumNotAchieved => "quorum not achieved",
            ErrorKind::QuorumIsImpossible => "quorum is impossible",
            ErrorKind::ExtendUnlockedLock => "extend unlocked lock",
            ErrorKind::ReleaseUnlockedLock => "release unlocked lock",
            ErrorKind::TooManyExtensions => "too many extensions",
            ErrorKind::Conflict => "conflicting change",
            ErrorKind::StaleFence => "stale fencing token",
            ErrorKind::NotReplicated => "not replicated",
            ErrorKind::LeaseLost => "lease lost",
        };
        f.write_str(kind)?;
        if let Some(key) = &self.inner.key {
            write!(f, " at key `{key}`")?;
        }
        // The cause is `source()`'s: a report prints the chain once.
        write!(f, ": {}", self.inner.detail)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("pottery::Error");
        s.field("kind", &self.inner.kind);
        if let Some(key) = &self.inner.key {
            s.field("key", key);
        }
        s.field("detail", &self.inner.detail);
        if let Some(source) = &self.inner.source {
            s.field("source", source);
        }
        s.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// For functions returning `std::io::Result` (a `#[redis_cache]` or
/// `#[synchronize]` function, say): a timeout stays `TimedOut`, other
/// connection errors are `ConnectionAborted`, the rest `Other`.
///
/// ```
/// let err = pottery::Client::open("nope://localhost").unwrap_err();
/// let io: std::io::Error = err.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::Other);
/// ```
impl From<Error> for std::io::Error {
    fn from(err: Error) -> Self {
        let kind = if err.is_timeout() {
            std::io::ErrorKind::TimedOut
        } else if err.is_connection() {
            std::io::ErrorKind::ConnectionAborted
        } else {
            std::io::ErrorKind::Other
        };
        std::io::Error::new(kind, err)
    }
}

#[cfg(test)]
mod tests;
