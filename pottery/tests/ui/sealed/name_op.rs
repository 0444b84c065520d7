// `Op` (a request and its decoder) is the crate's own.
fn takes(_: pottery::Op<u64>) {}

fn main() {}
