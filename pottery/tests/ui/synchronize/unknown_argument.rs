#[pottery::synchronize(key = "printer", masters = pottery::Client::from_env()?, timeout = 5)]
fn print() -> pottery::Result<()> {
    Ok(())
}

fn main() {}
