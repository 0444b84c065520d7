#[pottery::synchronize(key = "printer", masters = pottery::Client::from_env()?, blocking = "yes")]
fn print() -> pottery::Result<()> {
    Ok(())
}

fn main() {}
