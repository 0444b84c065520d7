#[pottery::redis_cache(key = "f", key = "g")]
fn f(n: u32) -> u32 {
    n
}

fn main() {}
