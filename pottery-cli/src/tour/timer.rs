//! `ContextTimer`: wall-clock timing, started and stopped by hand or by a scope.

use std::time::Duration;

use pottery::ContextTimer;

use super::slot::{let_slot, slot, slot_step};
use super::{BoxError, Ctx, Step, step};

/// A timer started, read, stopped, misused; then a scope.
pub(super) fn steps(_ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let timer = slot::<ContextTimer>();
    Ok(vec![
        Step::Heading("ContextTimer: how long a stretch of code takes (wall clock)"),
        let_slot!(py "timer = ContextTimer()"; [] timer in timer = ContextTimer::new()),
        slot_step!(py "timer.start()"; [timer as timer] timer.start()?),
        step!(py "time.sleep(0.05)"; [] std::thread::sleep(Duration::from_millis(50))),
        slot_step!(py "timer.elapsed() >= 50"; [timer as timer] timer.elapsed_ms()? >= 50),
        slot_step!(py "timer.stop()"; [timer as timer] timer.stop()?),
        slot_step!(py "timer.stop()  # RuntimeError"; [timer as timer] timer.stop().err()),
        step!(py "with ContextTimer() as lap: time.sleep(0.02)"; [] {
            let mut lap = ContextTimer::new();
            {
                let _running = lap.scope()?;
                std::thread::sleep(Duration::from_millis(20));
            }
            lap.elapsed_ms()? >= 20
        }),
    ])
}
