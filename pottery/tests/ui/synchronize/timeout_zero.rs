#[pottery::synchronize(key = "printer", masters = pottery::Client::from_env()?, timeout_ms = 0)]
fn print() -> pottery::Result<()> {
    Ok(())
}

fn main() {}
