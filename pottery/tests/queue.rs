//! Placeholder: the queue suite is being written.

mod support;

fn main() {
    support::run("queue", &[support::Target::Server], vec![]).exit()
}
