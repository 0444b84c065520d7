#[pottery::redis_cache(key = "f", maxsize = 128)]
fn f(n: u32) -> u32 {
    n
}

fn main() {}
