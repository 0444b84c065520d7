#[pottery::synchronize(key = "printer", masters = client)]
fn pages(client: &pottery::Client) -> u32 {
    4
}

fn main() {}
