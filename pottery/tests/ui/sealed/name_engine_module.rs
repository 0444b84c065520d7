// The engine module is private: its items cannot be reached by path either.
use pottery::engine::Op;

fn main() {}
