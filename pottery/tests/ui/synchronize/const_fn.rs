#[pottery::synchronize(key = "printer", masters = pottery::Client::from_env()?)]
const fn print() -> pottery::Result<()> {
    Ok(())
}

fn main() {}
