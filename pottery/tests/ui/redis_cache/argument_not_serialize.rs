struct Opaque;

#[pottery::redis_cache(key = "f")]
fn f(value: Opaque) -> u32 {
    let _ = value;
    1
}

fn main() {}
