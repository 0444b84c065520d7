#[derive(Debug)]
struct MyError;

#[pottery::redis_cache(key = "f")]
fn f(n: u32) -> Result<u32, MyError> {
    Ok(n)
}

fn main() {}
