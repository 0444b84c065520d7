#[pottery::redis_cache(key = "grow")]
fn grow(items: &mut Vec<u32>) -> usize {
    items.push(1);
    items.len()
}

fn main() {}
