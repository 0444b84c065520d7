//! Tracing (the `tracing` feature, on by default): a debug-level span per
//! round trip, opened in the one place every operation runs (`Op`'s two
//! runners), and warn-level events for what fails in the background with no
//! caller to tell.
//!
//! With no subscriber interested, a span is `Span::none()` from a cached
//! callsite check: no field is computed, no clock is read, nothing is
//! formatted. Without the feature every item here is an empty inline
//! function or a macro that expands to nothing, and `tracing` is not compiled.

#[cfg(feature = "tracing")]
use std::time::Instant;

use crate::error::Result;

/// The span of one round trip, and when it started (only when recorded).
pub(crate) struct OpSpan {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
    #[cfg(feature = "tracing")]
    start: Option<Instant>,
}

/// What a span says about the operation, computed only if it is recorded.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) struct Fields<'a> {
    /// The structure (`RedisDict`, ...) or, for the methods every container
    /// shares, its Redis type.
    pub(crate) structure: &'static str,
    pub(crate) key: &'a str,
    /// The command, `pipeline`, or the script's file (`dict/create.lua`).
    pub(crate) command: &'a str,
    /// `blocking` or `async`.
    pub(crate) mode: &'static str,
}

impl OpSpan {
    /// A span named `pottery.op` at debug level with `fields`, and fields
    /// `elapsed_us` and `outcome` (`ok` or the error's kind) set by
    /// [`finish`](OpSpan::finish).
    #[cfg(feature = "tracing")]
    #[inline]
    pub(crate) fn new<'a>(fields: impl FnOnce() -> Fields<'a>) -> Self {
        Self::start(
            tracing::debug_span!(
                target: "pottery",
                "pottery.op",
                structure = tracing::field::Empty,
                key = tracing::field::Empty,
                command = tracing::field::Empty,
                mode = tracing::field::Empty,
                elapsed_us = tracing::field::Empty,
                outcome = tracing::field::Empty,
            ),
            fields,
        )
    }

    #[cfg(feature = "tracing")]
    fn start<'a>(span: tracing::Span, fields: impl FnOnce() -> Fields<'a>) -> Self {
        if span.is_disabled() {
            return OpSpan { span, start: None };
        }
        let f = fields();
        span.record("structure", f.structure);
        span.record("key", f.key);
        span.record("command", f.command);
        span.record("mode", f.mode);
        OpSpan {
            span,
            start: Some(Instant::now()),
        }
    }

    #[cfg(not(feature = "tracing"))]
    #[inline(always)]
    pub(crate) fn new<'a>(_: impl FnOnce() -> Fields<'a>) -> Self {
        OpSpan {}
    }

    /// Runs `f` inside the span.
    #[inline]
    pub(crate) fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        #[cfg(feature = "tracing")]
        return self.span.in_scope(f);
        #[cfg(not(feature = "tracing"))]
        f()
    }

    /// `future`, inside the span each time it is polled.
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) async fn instrument<F: std::future::Future>(&self, future: F) -> F::Output {
        #[cfg(feature = "tracing")]
        return tracing::Instrument::instrument(future, self.span.clone()).await;
        #[cfg(not(feature = "tracing"))]
        future.await
    }

    /// Records the time taken and the outcome of `result`.
    #[inline]
    pub(crate) fn finish<T>(&self, result: &Result<T>) {
        #[cfg(feature = "tracing")]
        if let Some(start) = self.start {
            let elapsed = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
            self.span.record("elapsed_us", elapsed);
            match result {
                Ok(_) => self.span.record("outcome", "ok"),
                Err(err) => self
                    .span
                    .record("outcome", tracing::field::debug(err.kind())),
            };
        }
        #[cfg(not(feature = "tracing"))]
        let _ = result;
    }
}

/// `future` reporting to the subscriber of the code that spawns it (a task
/// started in the background would otherwise report to the global one only).
#[cfg(feature = "async")]
pub(crate) fn with_current_subscriber<F: std::future::Future>(
    future: F,
) -> impl std::future::Future<Output = F::Output> {
    #[cfg(feature = "tracing")]
    return tracing::instrument::WithSubscriber::with_current_subscriber(future);
    #[cfg(not(feature = "tracing"))]
    future
}

/// A warn-level event (target `pottery`) for a failure no caller hears of;
/// expands to nothing without the `tracing` feature (so its arguments are
/// not evaluated).
macro_rules! warn_event {
    ($($arg:tt)*) => {{
        #[cfg(feature = "tracing")]
        ::tracing::warn!(target: "pottery", $($arg)*);
    }};
}

pub(crate) use warn_event;

/// The subscriber of the current thread, to carry onto a thread spawned for
/// background work (whose events would otherwise reach the global one only).
pub(crate) struct Carry {
    #[cfg(feature = "tracing")]
    dispatch: Option<tracing::Dispatch>,
}

impl Carry {
    /// The current thread's subscriber (nothing, and no cost to speak of, if
    /// no subscriber was ever set).
    #[inline]
    pub(crate) fn current() -> Self {
        Carry {
            #[cfg(feature = "tracing")]
            dispatch: tracing::dispatcher::has_been_set()
                .then(|| tracing::dispatcher::get_default(Clone::clone)),
        }
    }

    /// Runs `f` with the carried subscriber as this thread's default.
    #[inline]
    pub(crate) fn run<T>(self, f: impl FnOnce() -> T) -> T {
        #[cfg(feature = "tracing")]
        if let Some(dispatch) = &self.dispatch {
            return tracing::dispatcher::with_default(dispatch, f);
        }
        f()
    }
}

/// The warning that storing a computed value in a cache failed (the value
/// is still returned to the caller): `cache::flow::store_failed` calls it.
pub(crate) fn store_failed(_key: &str, _err: &crate::Error) {
    warn_event!(key = _key, error = %_err, "pottery: a computed value was not stored in the cache");
}
