#[pottery::synchronize(masters = pottery::Client::from_env()?)]
fn print() -> pottery::Result<()> {
    Ok(())
}

fn main() {}
