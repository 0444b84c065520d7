//! The tests that start no Redis server, as one test binary with the standard
//! harness: the compile errors of the attribute macros (trybuild), ContextTimer,
//! and `pottery::json` against CPython's `json`.
//!
//! ```sh
//! cargo test -p pottery --test local -- timer::
//! TRYBUILD=overwrite cargo test -p pottery --test local -- _ui::
//! ```

mod json_limits;
mod json_python;
mod redis_cache_ui;
mod sealed_ui;
mod synchronize_ui;
mod timer;
