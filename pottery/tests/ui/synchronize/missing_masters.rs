#[pottery::synchronize(key = "printer")]
fn print() -> pottery::Result<()> {
    Ok(())
}

fn main() {}
