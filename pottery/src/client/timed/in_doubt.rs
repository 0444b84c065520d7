//! A write whose reply was lost is never sent again within its call.

use std::cell::{Cell, RefCell};

use redis::{RedisError, RedisResult};

thread_local! {
    /// Whether a request of the call running on this thread went out on a
    /// socket, whether that call writes, and the first error after which a
    /// request of it was in doubt (see [`sending`]).
    static SENT: Cell<bool> = const { Cell::new(false) };
    static WRITES: Cell<bool> = const { Cell::new(false) };
    static DOUBT: RefCell<Option<RedisError>> = const { RefCell::new(None) };
}

/// Runs `f`, a call on a pooled connection, and says whether any request it
/// made went out on a socket.
///
/// For a call that may write (`writes`), a request that went out and got no
/// reply (a timeout, a connection broken after the send) is never sent
/// again: redis-rs's cluster connection retries after those errors (on a new
/// connection if need be), and a write sent twice may apply twice. The call
/// ends with the first such error, and the caller reports an unknown outcome.
/// (A reply that is an error, a `MOVED` or a `TRYAGAIN`, says the write did
/// not apply: those retries go on.)
pub(crate) fn sending<T>(
    writes: bool,
    f: impl FnOnce() -> RedisResult<T>,
) -> (RedisResult<T>, bool) {
    let sent = SENT.replace(false);
    let was_writing = WRITES.replace(writes);
    let doubt = DOUBT.take();
    let out = f();
    let went_out = SENT.replace(sent);
    WRITES.set(was_writing);
    let first = DOUBT.replace(doubt);
    let out = match (out, first) {
        (Err(err), Some(first)) if is_held_back(&err) => Err(first),
        (out, _) => out,
    };
    (out, went_out)
}

/// Before a request goes out: refused (not retried by redis-rs) when the
/// call writes and an earlier request of it is in doubt; else noted as sent.
pub(super) fn may_send() -> RedisResult<()> {
    if WRITES.get() && DOUBT.with_borrow(Option::is_some) {
        return Err(std::io::Error::new(std::io::ErrorKind::Unsupported, HeldBack).into());
    }
    SENT.set(true);
    Ok(())
}

/// After a request went out: an error that is not a reply leaves it in doubt.
pub(super) fn sent<T>(reply: RedisResult<T>) -> RedisResult<T> {
    if let Err(err) = &reply
        && (err.is_io_error() || err.is_timeout())
        && DOUBT.with_borrow(Option::is_none)
    {
        DOUBT.set(Some(err.clone()));
    }
    reply
}

fn is_held_back(err: &RedisError) -> bool {
    super::not_sent::marked::<HeldBack>(err)
}

/// A write not sent again after an earlier send of it got no reply.
#[derive(Debug)]
struct HeldBack;

impl std::fmt::Display for HeldBack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a write whose reply was lost is not sent again")
    }
}

impl std::error::Error for HeldBack {}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeout() -> RedisError {
        std::io::Error::from(std::io::ErrorKind::TimedOut).into()
    }

    /// What redis-rs's cluster connection does after a timeout: tries again.
    fn twice() -> RedisResult<()> {
        may_send()?;
        let _ = sent::<()>(Err(timeout()));
        may_send()?;
        sent(Ok(()))
    }

    #[test]
    fn a_write_in_doubt_is_not_sent_again_and_ends_with_the_first_error() {
        let (out, went_out) = sending(true, twice);
        assert!(
            out.as_ref()
                .is_err_and(|err| err.is_timeout() && !is_held_back(err)),
            "{out:?}"
        );
        assert!(went_out);
    }

    #[test]
    fn a_read_may_be_sent_again() {
        let (out, went_out) = sending(false, twice);
        assert!(out.is_ok() && went_out);
    }

    #[test]
    fn an_error_reply_leaves_nothing_in_doubt() {
        let server = || -> RedisResult<()> {
            may_send()?;
            let moved = redis::parse_redis_value(b"-MOVED 1 127.0.0.1:1\r\n")
                .map_or_else(|_| Ok(()), |reply| reply.extract_error().map(drop));
            assert!(moved.as_ref().is_err_and(|e| !e.is_io_error()), "{moved:?}");
            let _ = sent::<()>(moved);
            may_send()?;
            sent(Ok(()))
        };
        let (out, _) = sending(true, server);
        assert!(out.is_ok());
        let (out, went_out) = sending(true, || Ok(()));
        assert!(
            out.is_ok() && !went_out,
            "nothing carried over between calls"
        );
    }
}
