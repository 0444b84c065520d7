// The sealed engine's methods take a token only the crate can make.
fn run<M: pottery::Mode>() {
    let _ = M::ready_output(Ok(1u8), ());
}

fn main() {}
