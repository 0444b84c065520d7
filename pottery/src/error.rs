//! The crate's one error type.
//!
//! Like reqwest's, [`Error`] is opaque: ask it what happened with the `is_*`
//! predicates or [`Error::kind`], and which Redis key it concerns with [`Error::key`].

use std::fmt;

/// A `Result` whose error is the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How many raw bytes a decode error shows.
const RAW_PREFIX: usize = 64;

/// What went wrong, in a form a caller can branch on.
///
/// # Example
///
/// ```
/// use pottery::{Error, ErrorKind};
///
/// let err = Error::key_exists("tel");
/// assert_eq!(err.kind(), ErrorKind::KeyExists);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Redis could not be reached, the connection broke, or it did not answer in time.
    Connection,
    /// The key holds another Redis type than the structure needs.
    WrongType,
    /// A stored value does not decode with the structure's codec.
    Decode,
    /// A value could not be encoded with the structure's codec.
    Encode,
    /// The key already exists (creating a structure with initial items).
    KeyExists,
    /// A key, field, member or index that must exist does not.
    NotFound,
    /// A bad URL, option or argument.
    Config,
    /// Redis answered with an error not covered above, or with an unexpected reply.
    Redis,
    /// A [`Redlock`](crate::Redlock) could not be acquired where it had to be (by
    /// [`Redlock::run`](crate::Redlock::run)); pottery's `QuorumNotAchieved`.
    QuorumNotAchieved,
    /// More than half of a [`Redlock`](crate::Redlock)'s masters failed or did not
    /// answer in time, so no quorum was possible; pottery's `QuorumIsImpossible`.
    QuorumIsImpossible,
    /// Extending a [`Redlock`](crate::Redlock) that is no longer held (it expired
    /// or was released); pottery's `ExtendUnlockedLock`.
    ExtendUnlockedLock,
    /// Releasing a [`Redlock`](crate::Redlock) that is no longer held (it expired
    /// or was released); pottery's `ReleaseUnlockedLock`.
    ReleaseUnlockedLock,
    /// A [`Redlock`](crate::Redlock) hold was extended more often than its
    /// `num_extensions` allows; pottery's `TooManyExtensions`.
    TooManyExtensions,
}

/// The crate's error: what happened, which key it concerns, and the cause.
///
/// Passwords never appear in its `Display` or `Debug` output.
///
/// # Example
///
/// ```
/// use pottery::Error;
///
/// let err = Error::not_found("tel", "no field \"jack\"");
/// assert!(err.is_not_found());
/// assert_eq!(err.key(), Some("tel"));
/// assert_eq!(err.to_string(), "not found at key `tel`: no field \"jack\"");
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    key: Option<String>,
    detail: String,
    timeout: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    fn new(kind: ErrorKind, key: Option<&str>, detail: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                key: key.map(str::to_owned),
                detail: detail.into(),
                timeout: false,
                source: None,
            }),
        }
    }

    fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// The key holds `actual` where `expected` was needed.
    ///
    /// ```
    /// let err = pottery::Error::wrong_type("tel", "hash", "string");
    /// assert!(err.is_wrong_type());
    /// assert!(err.to_string().contains("holds a string, not a hash"));
    /// ```
    pub fn wrong_type(key: &str, expected: &str, actual: &str) -> Self {
        Error::new(
            ErrorKind::WrongType,
            Some(key),
            format!("holds a {actual}, not a {expected}"),
        )
    }

    /// `raw` read at `key` does not decode; the message shows a bounded prefix of it.
    ///
    /// ```
    /// let err = pottery::Error::decode("tel", b"{oops", "expected value");
    /// assert!(err.is_decode());
    /// assert!(err.to_string().contains("{oops"));
    /// ```
    pub fn decode(key: &str, raw: &[u8], cause: impl fmt::Display) -> Self {
        let shown = raw.get(..RAW_PREFIX).unwrap_or(raw);
        let more = if raw.len() > RAW_PREFIX { "…" } else { "" };
        Error::new(
            ErrorKind::Decode,
            Some(key),
            format!(
                "stored value {:?}{more} ({} bytes) does not decode: {cause}",
                String::from_utf8_lossy(shown),
                raw.len()
            ),
        )
    }

    /// A value for `key` could not be encoded.
    ///
    /// ```
    /// let err = pottery::Error::encode("tel", "map keys must be strings or numbers");
    /// assert!(err.is_encode());
    /// ```
    pub fn encode(key: &str, cause: impl fmt::Display) -> Self {
        Error::new(
            ErrorKind::Encode,
            Some(key),
            format!("cannot encode: {cause}"),
        )
    }

    /// `key` exists already.
    ///
    /// ```
    /// assert!(pottery::Error::key_exists("tel").is_key_exists());
    /// ```
    pub fn key_exists(key: &str) -> Self {
        Error::new(
            ErrorKind::KeyExists,
            Some(key),
            "cannot create a structure with initial items over an existing key",
        )
    }

    /// Something that must exist at `key` does not.
    ///
    /// ```
    /// assert!(pottery::Error::not_found("tel", "index 3 of 2").is_not_found());
    /// ```
    pub fn not_found(key: &str, what: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotFound, Some(key), what)
    }

    /// A bad URL, option or argument.
    ///
    /// ```
    /// assert!(pottery::Error::config("no such scheme").is_config());
    /// ```
    pub fn config(what: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, None, what)
    }

    /// Redis replied with something the operation cannot use.
    ///
    /// ```
    /// let err = pottery::Error::unexpected_reply("tel", "HLEN", "a string");
    /// assert_eq!(err.kind(), pottery::ErrorKind::Redis);
    /// ```
    pub fn unexpected_reply(key: &str, command: &str, got: impl fmt::Debug) -> Self {
        Error::new(
            ErrorKind::Redis,
            Some(key),
            format!("unexpected reply to {command}: {got:?}"),
        )
    }

    /// No quorum of the `masters` agreed on the operation at `key` (a lock held
    /// by someone else, an ID another client took first).
    ///
    /// ```
    /// let err = pottery::Error::quorum_not_achieved("redlock:printer", 5);
    /// assert!(err.is_quorum_not_achieved());
    /// assert_eq!(err.kind(), pottery::ErrorKind::QuorumNotAchieved);
    /// ```
    pub fn quorum_not_achieved(key: &str, masters: usize) -> Self {
        Error::new(
            ErrorKind::QuorumNotAchieved,
            Some(key),
            format!("no quorum of its {masters} masters agreed (another client got there first)"),
        )
    }

    /// `failed` of the `masters` of the lock at `key` failed or did not answer in
    /// time, so no quorum was possible.
    ///
    /// ```
    /// let err = pottery::Error::quorum_is_impossible("redlock:printer", 3, 5);
    /// assert!(err.is_quorum_is_impossible());
    /// assert!(err.to_string().contains("3 of 5 masters"));
    /// ```
    pub fn quorum_is_impossible(key: &str, failed: usize, masters: usize) -> Self {
        Error::new(
            ErrorKind::QuorumIsImpossible,
            Some(key),
            format!("{failed} of {masters} masters failed or did not answer in time"),
        )
    }

    /// The lock at `key` was extended but is no longer held.
    ///
    /// ```
    /// assert!(pottery::Error::extend_unlocked_lock("redlock:printer").is_extend_unlocked_lock());
    /// ```
    pub fn extend_unlocked_lock(key: &str) -> Self {
        Error::new(
            ErrorKind::ExtendUnlockedLock,
            Some(key),
            "cannot extend a lock that is no longer held (it expired or was released)",
        )
    }

    /// The lock at `key` was released but is no longer held.
    ///
    /// ```
    /// assert!(pottery::Error::release_unlocked_lock("redlock:printer").is_release_unlocked_lock());
    /// ```
    pub fn release_unlocked_lock(key: &str) -> Self {
        Error::new(
            ErrorKind::ReleaseUnlockedLock,
            Some(key),
            "cannot release a lock that is no longer held (it expired or was released)",
        )
    }

    /// The hold on the lock at `key` was already extended `limit` times.
    ///
    /// ```
    /// let err = pottery::Error::too_many_extensions("redlock:printer", 3);
    /// assert!(err.is_too_many_extensions());
    /// ```
    pub fn too_many_extensions(key: &str, limit: u32) -> Self {
        Error::new(
            ErrorKind::TooManyExtensions,
            Some(key),
            format!("the hold was already extended {limit} times, its limit"),
        )
    }

    /// Attaches the error that caused this one (shown after its message).
    pub(crate) fn caused_by(self, cause: Error) -> Self {
        self.with_source(cause)
    }

    /// Redis at `key` did not answer within a caller's deadline.
    pub(crate) fn timed_out(key: Option<&str>) -> Self {
        let io = std::io::Error::from(std::io::ErrorKind::TimedOut);
        Error::from_redis(key, redis::RedisError::from(io))
    }

    /// Wraps an error from the redis crate met while working on `key`.
    pub(crate) fn from_redis(key: Option<&str>, err: redis::RedisError) -> Self {
        let kind = if err.is_io_error()
            || err.is_timeout()
            || err.is_connection_dropped()
            || err.is_connection_refusal()
            || err.is_unrecoverable_error()
        {
            ErrorKind::Connection
        } else if err.kind() == redis::ErrorKind::InvalidClientConfig {
            ErrorKind::Config
        } else {
            ErrorKind::Redis
        };
        let timeout = err.is_timeout();
        let detail = match kind {
            ErrorKind::Connection if timeout => "Redis did not answer in time".to_owned(),
            ErrorKind::Connection => "Redis is unreachable or the connection broke".to_owned(),
            _ => "Redis returned an error".to_owned(),
        };
        let mut error = Error::new(kind, key, detail).with_source(err);
        error.inner.timeout = timeout;
        error
    }

    /// What kind of error this is.
    ///
    /// ```
    /// assert_eq!(pottery::Error::key_exists("k").kind(), pottery::ErrorKind::KeyExists);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The Redis key the error concerns, when there is one.
    ///
    /// ```
    /// assert_eq!(pottery::Error::key_exists("k").key(), Some("k"));
    /// assert_eq!(pottery::Error::config("bad").key(), None);
    /// ```
    pub fn key(&self) -> Option<&str> {
        self.inner.key.as_deref()
    }

    /// Redis was unreachable, the connection broke, or a reply timed out.
    ///
    /// ```
    /// assert!(!pottery::Error::key_exists("k").is_connection());
    /// ```
    pub fn is_connection(&self) -> bool {
        self.inner.kind == ErrorKind::Connection
    }

    /// Redis did not answer within the configured timeout (a kind of connection error).
    ///
    /// ```
    /// assert!(!pottery::Error::key_exists("k").is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.inner.timeout
    }

    /// The key holds the wrong Redis type.
    ///
    /// ```
    /// assert!(pottery::Error::wrong_type("k", "hash", "list").is_wrong_type());
    /// ```
    pub fn is_wrong_type(&self) -> bool {
        self.inner.kind == ErrorKind::WrongType
    }

    /// A stored value did not decode.
    ///
    /// ```
    /// assert!(pottery::Error::decode("k", b"x", "bad").is_decode());
    /// ```
    pub fn is_decode(&self) -> bool {
        self.inner.kind == ErrorKind::Decode
    }

    /// A value could not be encoded.
    ///
    /// ```
    /// assert!(pottery::Error::encode("k", "bad").is_encode());
    /// ```
    pub fn is_encode(&self) -> bool {
        self.inner.kind == ErrorKind::Encode
    }

    /// The key already existed.
    ///
    /// ```
    /// assert!(pottery::Error::key_exists("k").is_key_exists());
    /// ```
    pub fn is_key_exists(&self) -> bool {
        self.inner.kind == ErrorKind::KeyExists
    }

    /// A key, field, member or index was missing.
    ///
    /// ```
    /// assert!(pottery::Error::not_found("k", "field").is_not_found());
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.inner.kind == ErrorKind::NotFound
    }

    /// A bad URL, option or argument.
    ///
    /// ```
    /// assert!(pottery::Error::config("bad").is_config());
    /// ```
    pub fn is_config(&self) -> bool {
        self.inner.kind == ErrorKind::Config
    }

    /// A Redlock could not be acquired where it had to be.
    ///
    /// ```
    /// assert!(pottery::Error::quorum_not_achieved("k", 1).is_quorum_not_achieved());
    /// ```
    pub fn is_quorum_not_achieved(&self) -> bool {
        self.inner.kind == ErrorKind::QuorumNotAchieved
    }

    /// Too many of a Redlock's masters failed for a quorum.
    ///
    /// ```
    /// assert!(pottery::Error::quorum_is_impossible("k", 1, 1).is_quorum_is_impossible());
    /// ```
    pub fn is_quorum_is_impossible(&self) -> bool {
        self.inner.kind == ErrorKind::QuorumIsImpossible
    }

    /// A Redlock extended when no longer held.
    ///
    /// ```
    /// assert!(pottery::Error::extend_unlocked_lock("k").is_extend_unlocked_lock());
    /// ```
    pub fn is_extend_unlocked_lock(&self) -> bool {
        self.inner.kind == ErrorKind::ExtendUnlockedLock
    }

    /// A Redlock released when no longer held.
    ///
    /// ```
    /// assert!(pottery::Error::release_unlocked_lock("k").is_release_unlocked_lock());
    /// ```
    pub fn is_release_unlocked_lock(&self) -> bool {
        self.inner.kind == ErrorKind::ReleaseUnlockedLock
    }

    /// A Redlock hold extended more often than allowed.
    ///
    /// ```
    /// assert!(pottery::Error::too_many_extensions("k", 3).is_too_many_extensions());
    /// ```
    pub fn is_too_many_extensions(&self) -> bool {
        self.inner.kind == ErrorKind::TooManyExtensions
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.inner.kind {
            ErrorKind::Connection => "connection error",
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
        };
        f.write_str(kind)?;
        if let Some(key) = &self.inner.key {
            write!(f, " at key `{key}`")?;
        }
        write!(f, ": {}", self.inner.detail)?;
        if let Some(source) = &self.inner.source {
            write!(f, " ({source})")?;
        }
        Ok(())
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
/// let err = pottery::Error::config("bad url");
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
mod tests {
    use super::*;

    #[test]
    fn decode_error_shows_a_bounded_prefix() {
        let raw = vec![b'x'; 1000];
        let err = Error::decode("k", &raw, "nope");
        let text = err.to_string();
        assert!(text.contains(&"x".repeat(RAW_PREFIX)));
        assert!(!text.contains(&"x".repeat(RAW_PREFIX + 1)));
        assert!(text.contains("1000 bytes"));
    }

    #[test]
    fn redis_io_errors_are_connection_errors() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = Error::from_redis(Some("k"), redis::RedisError::from(io));
        assert!(err.is_connection());
        assert!(!err.is_timeout());
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
        let err = Error::from_redis(None, redis::RedisError::from(io));
        assert!(err.is_connection());
        assert!(err.is_timeout());
    }
}
