//! Placeholder: the set suite is being written.

mod support;

fn main() {
    support::run("set", &[support::Target::Server], vec![]).exit()
}
