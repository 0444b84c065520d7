//! Attribute macros for pottery, re-exported by the `pottery` crate: use them as
//! `#[pottery::synchronize(...)]`. Their documentation, with running examples, is
//! in `pottery`'s.
//!
//! The generated code names only `::pottery::...` paths, so it needs `pottery` as
//! a dependency of the crate using the macro (under that name).

mod redis_cache;
mod synchronize;

use proc_macro::TokenStream;
use proc_macro2::{TokenStream as TokenStream2, TokenTree};
use syn::{Expr, ExprLit, Lit};

/// Runs every call of a `fn` or `async fn` holding a Redlock; pottery's
/// `@synchronize(key=..., masters=...)`.
///
/// ```text
/// #[pottery::synchronize(key = "printer", masters = <expr>)]
/// #[pottery::synchronize(key = "printer", masters = <expr>, auto_release_time_ms = 10000,
///                        blocking = true, timeout_ms = 500, raise_on_redis_errors = true,
///                        num_extensions = 3)]
/// #[pottery::synchronize(lock = <expr>)]
/// ```
///
/// The function's signature is unchanged. It must return a `Result<T, E>` whose
/// error type converts from `pottery::Error` (`pottery::Result<T>`,
/// `anyhow::Result<T>`, your own error enum with a `From` impl): acquiring or
/// releasing the lock can fail, and that failure is returned as `E`.
///
/// See `pottery::synchronize` for the arguments, the semantics and running
/// examples.
#[proc_macro_attribute]
pub fn synchronize(args: TokenStream, item: TokenStream) -> TokenStream {
    match synchronize::expand(args.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

/// An integer literal argument, parsed to its type.
pub(crate) fn int_literal<N>(name: &str, value: &Expr) -> syn::Result<N>
where
    N: std::str::FromStr,
    N::Err: std::fmt::Display,
{
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse(),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{name}` must be an integer literal, like `{name} = 500`"),
        )),
    }
}

/// Parses the value of argument `name` into `slot` with `parse`; an argument
/// given twice is an error.
pub(crate) fn set_once<T>(
    slot: &mut Option<T>,
    meta: &syn::meta::ParseNestedMeta<'_>,
    name: &str,
    parse: impl FnOnce(Expr) -> syn::Result<T>,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format!("duplicate argument `{name}`")));
    }
    let value: Expr = meta.value()?.parse()?;
    *slot = Some(parse(value)?);
    Ok(())
}

/// A `true`/`false` literal argument.
pub(crate) fn bool_literal(name: &str, value: &Expr) -> syn::Result<bool> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{name}` must be `true` or `false`"),
        )),
    }
}

/// Whether `tokens` mention `impl` (a return type that cannot be written as a
/// turbofish argument).
pub(crate) fn mentions_impl(tokens: TokenStream2) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => mentions_impl(group.stream()),
        _ => false,
    })
}

/// Memoizes a `fn` or `async fn`'s results in a Redis hash; pottery's
/// `@redis_cache(redis=..., key=..., timeout=...)`.
///
/// ```text
/// #[pottery::redis_cache]                                   // Client::from_env(), random key
/// #[pottery::redis_cache(client = <expr>, key = "expensive", timeout_secs = 60,
///                        single_flight = true, lease_ms = 10000)]
/// ```
///
/// `fn f(args) -> R` returns `pottery::Result<R>` (Redis can fail), or stays
/// `-> Result<T, E>` when `R` is a `Result` whose `E: From<pottery::Error>`
/// (an `Err` is then returned and not cached). Beside it the macro writes
/// `f_no_cache` (the body, uncached), `f_prime_cache` (compute and store
/// whatever is cached) and `f_cache()` (the cache: `cache_info`,
/// `cache_clear`).
///
/// See `pottery::redis_cache` for the arguments, the semantics and running
/// examples.
#[proc_macro_attribute]
pub fn redis_cache(args: TokenStream, item: TokenStream) -> TokenStream {
    match redis_cache::expand(args.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}
