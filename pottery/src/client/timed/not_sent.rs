//! The error of a request the deadline kept from being sent.

use redis::RedisError;

/// The error of a request not sent because its call's deadline had passed: a
/// timeout that leaves the connection clean (nothing is in flight on it).
pub(crate) fn not_sent() -> RedisError {
    std::io::Error::new(std::io::ErrorKind::TimedOut, NotSent).into()
}

/// Whether `err` is [`not_sent`]'s.
pub(crate) fn is_not_sent(err: &RedisError) -> bool {
    marked::<NotSent>(err)
}

/// Whether `err` is an I/O error made of a `Marker` (ours, as [`not_sent`] makes).
pub(super) fn marked<Marker: std::error::Error + 'static>(err: &RedisError) -> bool {
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    // redis-rs keeps an I/O error in an `Arc` and gives that as the source (a
    // unit test below checks this stays so).
    let Some(source) = std::error::Error::source(err) else {
        return false;
    };
    let io = match source.downcast_ref::<Shared>() {
        Some(shared) => shared.downcast_ref::<std::io::Error>(),
        None => source.downcast_ref::<std::io::Error>(),
    };
    io.and_then(std::io::Error::get_ref)
        .is_some_and(|inner| inner.is::<Marker>())
}

#[derive(Debug)]
struct NotSent;

impl std::fmt::Display for NotSent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the call's deadline passed before the request was sent")
    }
}

impl std::error::Error for NotSent {}
