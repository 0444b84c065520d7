#[pottery::synchronize(key = "printer", masters = pottery::Client::from_env()?)]
fn print(doc: &str) {
    println!("{doc}");
}

fn main() {}
