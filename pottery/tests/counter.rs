//! Placeholder: the counter suite is being written.

mod support;

fn main() {
    support::run("counter", &[support::Target::Server], vec![]).exit()
}
