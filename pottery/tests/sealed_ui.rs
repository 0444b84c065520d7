//! The engine is sealed (trybuild): a user crate cannot name the crate's
//! operations and plans, implement `Mode`, or call a runner. Each case in
//! `tests/ui/sealed/` fails to compile with the message in its `.stderr`.
//! Refresh the snapshots after a deliberate change with
//! `TRYBUILD=overwrite cargo test -p pottery --test local -- sealed_ui`.

#![allow(missing_docs)]

#[test]
fn the_engine_is_sealed() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/sealed/*.rs");
}
