struct Opaque;

#[pottery::redis_cache(key = "f")]
fn f(n: u32) -> Opaque {
    let _ = n;
    Opaque
}

fn main() {}
