//! The engine: an operation as data ([`Op`]), a flow as data ([`Plan`]), the
//! two modes that run them ([`Blocking`], [`Async`]), and the deadline every
//! call keeps.

mod deadline;
mod fan_out;
mod mode;
mod op;
mod pages;
mod plan;
mod signal;

pub(crate) use deadline::Deadline;
pub(crate) use deadline::positive;
pub(crate) use mode::ModeExt;
#[cfg(feature = "async")]
pub use mode::{Async, BoxFuture, BoxStream};
pub use mode::{Blocking, Mode};
pub(crate) use op::{Op, Request, ScriptSource};
pub use pages::Iter;
pub(crate) use pages::{Page, Pages};
pub(crate) use plan::{Next, Plan};
pub(crate) use signal::Signal;

/// Runs a bulk write in mode `M`: `Ok(None)` (no items, nothing to send) is
/// `Ok(())` at once, without a round trip.
pub(crate) fn run_some<M: Mode, T: Default + Send + 'static>(
    client: &crate::client::Client,
    op: crate::error::Result<Option<Op<T>>>,
) -> M::Output<'_, T> {
    match op {
        Ok(None) => M::ready(Ok(T::default())),
        Ok(Some(op)) => M::run(client, Ok(op)),
        Err(err) => M::ready(Err(err)),
    }
}
