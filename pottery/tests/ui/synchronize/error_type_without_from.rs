#[derive(Debug)]
struct PrintError;

#[pottery::synchronize(key = "printer", masters = client)]
fn pages(client: &pottery::Client) -> Result<u32, PrintError> {
    Ok(4)
}

fn main() {}
