#[pottery::redis_cache(client = "redis://localhost", key = "f")]
fn f(n: u32) -> u32 {
    n
}

fn main() {}
