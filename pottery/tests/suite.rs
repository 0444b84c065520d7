//! pottery's Redis-backed integration suites, as one test binary: the crate is
//! linked once for all of them, not once per suite.
//!
//! Each `tests/<suite>.rs` is a module whose `suite()` lists its cases and the
//! targets they run on; `main` runs every case through libtest-mimic on one set
//! of private servers, stopped when it returns (see `support`). A trial is
//! named `SUITE::TARGET::CASE`, so a filter picks a suite, a target or a case:
//!
//! ```sh
//! cargo test -p pottery --test suite -- dict::
//! cargo test -p pottery --test suite -- redlock::cluster::
//! ```
//!
//! A case that re-runs this binary as a worker process (`current_exe()` with
//! an environment variable set) registers its worker with `Suite::worker`.

#[macro_use]
mod support;

mod bloom;
mod cache;
mod cache_store;
mod cached_dict;
mod client;
mod counter;
mod deadline;
mod deque;
mod destructive;
mod dict;
mod errors;
mod examples;
mod failover;
mod faults;
mod fence;
mod fence_deque;
mod fence_process;
mod fencing;
mod handoff;
mod handoff_faults;
mod hyperloglog;
mod interop;
mod interop_probabilistic;
mod keys;
mod list;
mod lua;
mod nextid;
mod queue;
mod queue_wait;
mod redlock;
mod redlock_deadline;
mod redlock_replicas;
mod redlock_watchdog;
mod set;
mod synchronize;
mod tls;
#[cfg(feature = "tracing")]
mod traces;
mod workqueue;
mod workqueue_faults;

fn main() {
    let suites = vec![
        bloom::suite(),
        cache::suite(),
        cache_store::suite(),
        cached_dict::suite(),
        client::suite(),
        counter::suite(),
        deadline::suite(),
        deque::suite(),
        destructive::suite(),
        dict::suite(),
        errors::suite(),
        examples::suite(),
        failover::suite(),
        faults::suite(),
        fence::suite(),
        fence_deque::suite(),
        fence_process::suite(),
        hyperloglog::suite(),
        interop::suite(),
        keys::suite(),
        interop_probabilistic::suite(),
        list::suite(),
        lua::suite(),
        nextid::suite(),
        queue::suite(),
        queue_wait::suite(),
        workqueue::suite(),
        workqueue_faults::suite(),
        fencing::suite(),
        handoff::suite(),
        handoff_faults::suite(),
        redlock::suite(),
        redlock_deadline::suite(),
        redlock_replicas::suite(),
        redlock_watchdog::suite(),
        set::suite(),
        synchronize::suite(),
        tls::suite(),
        #[cfg(feature = "tracing")]
        traces::suite(),
    ];
    if support::run_worker(&suites) {
        return;
    }
    support::run_suites(suites).exit()
}
