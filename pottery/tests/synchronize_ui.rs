//! The compile errors of `#[pottery::synchronize]` (trybuild): each misuse in
//! `tests/ui/synchronize/` fails to compile with the message in its `.stderr`.
//! Refresh the snapshots after a deliberate change with
//! `TRYBUILD=overwrite cargo test -p pottery --test local -- synchronize_ui`.

#![allow(missing_docs)]

#[test]
fn synchronize_misuse_is_a_clear_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/synchronize/*.rs");
}
