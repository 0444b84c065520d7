#[pottery::synchronize(lock = lock, key = "printer")]
fn print(lock: &pottery::sync::Redlock) -> pottery::Result<()> {
    Ok(())
}

fn main() {}
