#[pottery::redis_cache(key = "f", single_flight = 1)]
fn f(n: u32) -> u32 {
    n
}

fn main() {}
