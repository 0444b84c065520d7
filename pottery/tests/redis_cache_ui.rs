//! The compile errors of `#[pottery::redis_cache]` (trybuild): each misuse in
//! `tests/ui/redis_cache/` fails to compile with the message in its `.stderr`.
//! Refresh the snapshots after a deliberate change with
//! `TRYBUILD=overwrite cargo test -p pottery --test local -- redis_cache_ui`.

#![allow(missing_docs)]

#[test]
fn redis_cache_misuse_is_a_clear_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/redis_cache/*.rs");
}
