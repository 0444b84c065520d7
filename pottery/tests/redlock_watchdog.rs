//! Placeholder: the watchdog suite is being written.

mod support;

fn main() {
    support::run("redlock_watchdog", &[support::Target::Server], vec![]).exit()
}
