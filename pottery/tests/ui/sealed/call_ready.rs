// The runners structures call are crate-private.
fn run<M: pottery::Mode>() {
    let _ = M::ready(Ok(1u8));
}

fn main() {
    run::<pottery::Blocking>();
}
