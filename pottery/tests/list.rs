//! Placeholder: the list suite is being written.

mod support;

fn main() {
    support::run("list", &[support::Target::Server], vec![]).exit()
}
