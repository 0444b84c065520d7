// Running an operation is the crate's: `run` is not reachable from a mode.
fn run<M: pottery::Mode>(client: &pottery::Client) {
    let _ = M::run(client, Ok(()));
}

fn main() {}
