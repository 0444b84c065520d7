#[pottery::redis_cache(key = "f", timeout_secs = "60")]
fn f(n: u32) -> u32 {
    n
}

fn main() {}
