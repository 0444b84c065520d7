#[pottery::synchronize(key = "printer", masters = pottery::Client::from_env()?, blocking = false, timeout_ms = 500)]
fn print() -> pottery::Result<()> {
    Ok(())
}

fn main() {}
