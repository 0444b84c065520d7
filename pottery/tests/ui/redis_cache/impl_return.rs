#[pottery::redis_cache(key = "digits")]
fn digits(n: u32) -> impl std::fmt::Display {
    n
}

fn main() {}
