//! Placeholder: the deque suite is being written.

mod support;

fn main() {
    support::run("deque", &[support::Target::Server], vec![]).exit()
}
