#[pottery::synchronize(lock = lock)]
async fn print(lock: &pottery::sync::Redlock) -> pottery::Result<()> {
    Ok(())
}

fn main() {}
