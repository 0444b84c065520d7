#[pottery::synchronize(key = "printer", masters = "redis://localhost")]
fn print() -> pottery::Result<()> {
    Ok(())
}

fn main() {}
