// `Plan` (a flow as data) is the crate's own.
fn takes(_: pottery::Plan<u64>) {}

fn main() {}
