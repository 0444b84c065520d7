//! `Redlock`: a distributed lock, here on the tour's one server (pass several
//! masters to the builder for a quorum).
//!
//! The hold lives in a slot shared by the steps, so that each line can use
//! `guard` as the reader would: `with_guard!` runs a line with `guard` bound to
//! the hold, and the `release` line takes it out of the slot.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use pottery::RedlockGuard;
use pottery::sync::{RedisDict, Redlock};

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
/// held, release, then `run`, which holds the lock around a closure; then a
/// fenced write refused for a stale token, and a hand-off between threads.
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
    steps.push(handoff(&printer));
    fencing(ctx, &mut steps)?;
    Ok(steps)
}

/// Kleppmann's scenario in a few lines: A's hold expires while it pauses, B
/// takes the lock (a larger fencing token) and writes through the dict's
/// fence; A's late write through the fence is refused, B's data intact.
fn fencing(ctx: &Ctx, steps: &mut Vec<Step>) -> Result<(), BoxError> {
    let client = ctx.client.clone();
    steps.push(Step::Heading(
        "Fencing: a holder paused past its hold cannot write over its successor",
    ));
    let_step!(steps; let files: RedisDict<String, String> = RedisDict::new(&client, &pottery::random_key()));
    ctx.track(pottery::Container::key(&files));
    // The dict's fence, `K{K}:fence` for a key without braces (keys.md).
    let key = pottery::Container::key(&files).to_owned();
    ctx.track(&format!("{key}{{{key}}}:fence"));
    let_step!(steps; let lock: Redlock = Redlock::builder(&pottery::random_key())
        .master(client.clone())
        .auto_release_time(Duration::from_millis(100))
        .build()?);
    ctx.track(lock.key());
    ctx.track(lock.fence_key());
    let (a, b): (Slot, Slot) = (Rc::default(), Rc::default());
    let take = |slot: &Slot, name: &'static str| {
        let (slot, lock) = (Rc::clone(slot), lock.clone());
        let code = format!("let {name} = lock.acquire()?; {name}.fencing_token()");
        Step::run(&code, None, move || {
            let guard = lock.acquire()?;
            let token = guard.fencing_token();
            *slot.borrow_mut() = Some(guard);
            Ok(show(&token))
        })
    };
    steps.extend([
        take(&a, "a"),
        step!([] std::thread::sleep(Duration::from_millis(150))),
        take(&b, "b"),
        {
            let files = files.clone();
            with_guard!(py "(no fencing in Python pottery)"; [b as b]
                files.fenced(b).insert("report", "B's")?)
        },
        {
            let files = files.clone();
            with_guard!(py "(no fencing in Python pottery)"; [a as a]
                files.fenced(a).insert("report", "A's, late").map_err(|e| e.kind()))
        },
        step!([files] files.get("report")?),
        with_guard!(py "b.release()"; [b as b] take b.release()?),
    ]);
    Ok(())
}

/// Two threads: one holds `printer` for 50 ms and releases it, the other waits
/// in `acquire`; prints the time from the release to the waiter's hold.
fn handoff(printer: &Redlock) -> Step {
    let printer = printer.clone();
    Step::run(
        "// thread A holds printer for 50 ms, then releases; thread B waits in printer.acquire()",
        None,
        move || {
            let (held, holding) = std::sync::mpsc::channel();
            let holder = {
                let printer = printer.clone();
                std::thread::spawn(move || -> pottery::Result<Instant> {
                    let guard = printer.acquire()?;
                    let _ = held.send(());
                    std::thread::sleep(Duration::from_millis(50));
                    guard.release()?;
                    Ok(Instant::now())
                })
            };
            holding.recv()?;
            let waiter = std::thread::spawn(move || -> pottery::Result<Instant> {
                let guard = printer.acquire()?;
                let at = Instant::now();
                guard.release()?;
                Ok(at)
            });
            let released = holder.join().map_err(|_| "the holder panicked")??;
            let acquired = waiter.join().map_err(|_| "the waiter panicked")??;
            let ms = acquired.saturating_duration_since(released).as_secs_f64() * 1e3;
            Ok(format!(
                "hand-off: B held the lock {ms:.1} ms after A released it"
            ))
        },
    )
}
