#[pottery::redis_cache(key = "f", lease_ms = 500)]
fn f(n: u32) -> u32 {
    n
}

fn main() {}
