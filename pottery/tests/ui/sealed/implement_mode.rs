// `Mode` is sealed: its supertrait cannot be implemented outside the crate.
struct Mine;

impl pottery::Mode for Mine {
    type Output<'a, T: Send + 'a> = T;
    type Iter<'a, T: Send + 'a> = T;
}

fn main() {}
