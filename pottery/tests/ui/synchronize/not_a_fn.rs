#[pottery::synchronize(key = "printer", masters = pottery::Client::from_env()?)]
struct Printer;

fn main() {}
