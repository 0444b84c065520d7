#[pottery::redis_cache(key = "f")]
struct NotAFunction;

fn main() {}
