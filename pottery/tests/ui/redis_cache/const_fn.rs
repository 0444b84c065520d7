#[pottery::redis_cache(key = "one")]
const fn one() -> u32 {
    1
}

fn main() {}
