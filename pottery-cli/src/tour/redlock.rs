//! `Redlock`: a distributed lock, here on the tour's one server (pass several
//! masters to the builder for a quorum).
//!
//! The hold lives in a slot shared by the steps, so that each line can use
//! `guard` as the reader would: `with_guard!` runs a line with `guard` bound to
//! the hold, and the `release` line takes it out of the slot.

use std::cell::RefCell;
use std::rc::Rc;

use pottery::RedlockGuard;
use pottery::sync::Redlock;

use super::{BoxError, Ctx, Step, let_step, show, step};

/// The hold the section's steps share.
type Slot = Rc<RefCell<Option<RedlockGuard>>>;

/// A step that runs `code` with `guard` bound to the hold in `slot`:
/// `with_guard!(py "printer.locked()"; [slot as guard] guard.locked()?)`. With
/// `take`, the hold is taken out of the slot (for a line that consumes it, such as
/// `release`).
macro_rules! with_guard {
    (@ $how:ident $py:literal; $slot:ident $guard:ident; $($code:tt)+) => {{
        let slot = Rc::clone(&$slot);
        Step::run(stringify!($($code)+), Some($py), move || {
            let held = &mut *slot.borrow_mut();
            let $guard = with_guard!(@bind $how held);
            let value = { $($code)+ };
            Ok(show(&value))
        })
    }};
    (@bind borrow $held:ident) => { $held.as_ref().ok_or("the lock is not held")? };
    (@bind take $held:ident) => { $held.take().ok_or("the lock is not held")? };
    (py $py:literal; [$slot:ident as $guard:ident] take $($code:tt)+) => {
        with_guard!(@ take $py; $slot $guard; $($code)+)
    };
    (py $py:literal; [$slot:ident as $guard:ident] $($code:tt)+) => {
        with_guard!(@ borrow $py; $slot $guard; $($code)+)
    };
}

/// Acquire (a guard), how long the hold lasts, a second attempt that finds it
/// held, release, then `run`, which holds the lock around a closure.
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "Redlock: a distributed lock (one master here; a quorum of several in general)",
    )];
    let_step!(steps; py "name = random_key(redis=redis)"; let name = pottery::random_key());
    let_step!(steps; py "printer = Redlock(key=name, masters={redis})";
        let printer = Redlock::new(&client, &name));
    ctx.track(printer.key());
    // Its fencing counter outlives every hold: the tour deletes it too.
    ctx.track(printer.fence_key());
    let slot: Slot = Rc::default();
    let acquire = {
        let (slot, printer) = (Rc::clone(&slot), printer.clone());
        Step::run(
            concat!("let guard = ", stringify!(printer.acquire()?), ";"),
            Some("printer.acquire()"),
            move || {
                *slot.borrow_mut() = Some(printer.acquire()?);
                Ok(String::new())
            },
        )
    };
    steps.extend([
        acquire,
        with_guard!(py "printer.locked()"; [slot as guard] guard.locked()?),
        step!(py "Redlock(key=name, masters={redis}).acquire(blocking=False)"; [printer]
            printer.try_acquire()?),
        with_guard!(py "printer.release()"; [slot as guard] take guard.release()?),
        step!(py "with printer: 'printed'"; [printer] printer.run(|| "printed")?),
    ]);
    Ok(steps)
}
