// `Pages` (a paged read) is the crate's own.
fn takes(_: pottery::Pages<u64>) {}

fn main() {}
