//! `#[redis_cache]`: a function whose results are memoized in a Redis hash.
//!
//! `fn f(a: A, b: B) -> R { body }` becomes four functions:
//! - `f(a, b) -> pottery::Result<R>` (or `-> R` if `R` is a `Result`): cached;
//! - `f_no_cache(a, b) -> R`: the body, uncached (pottery's `__wrapped__`);
//! - `f_prime_cache(a, b)`: computes and stores whatever is cached (`__bypass__`);
//! - `f_cache() -> pottery::Result<&'static RedisCache>`: the cache, made on
//!   first use (`cache_info()`, `cache_clear()`).

use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Ident, ItemFn, Pat, ReturnType, Type, meta::ParseNestedMeta};

use crate::{bool_literal, int_literal, mentions_impl, set_once};

/// The arguments of one `#[redis_cache(...)]`.
#[derive(Default)]
struct Args {
    client: Option<Expr>,
    key: Option<Expr>,
    timeout_secs: Option<(u64, Span)>,
    single_flight: Option<(bool, Span)>,
    lease_ms: Option<(u64, Span)>,
}

const KNOWN: &str = "`client`, `key`, `timeout_secs`, `single_flight`, `lease_ms`";

impl Args {
    fn parse(args: TokenStream2) -> syn::Result<Self> {
        let mut parsed = Args::default();
        let parser = syn::meta::parser(|meta| parsed.one(&meta));
        syn::parse::Parser::parse2(parser, args)?;
        if let (Some((_, span)), None | Some((false, _))) = (parsed.lease_ms, parsed.single_flight)
        {
            return Err(syn::Error::new(
                span,
                "`lease_ms` needs `single_flight = true`: the lease bounds how long one \
                 caller's claim on a computation lasts",
            ));
        }
        if let Some((0, span)) = parsed.lease_ms {
            return Err(syn::Error::new(span, "`lease_ms` must be at least 1"));
        }
        Ok(parsed)
    }

    fn one(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let Some(name) = meta.path.get_ident().map(ToString::to_string) else {
            return Err(meta.error(format!("unknown argument; expected one of {KNOWN}")));
        };
        let int = |value: Expr| Ok((int_literal(&name, &value)?, value.span()));
        let boolean = |value: Expr| Ok((bool_literal(&name, &value)?, value.span()));
        match name.as_str() {
            "client" => set_once(&mut self.client, meta, &name, Ok)?,
            "key" => set_once(&mut self.key, meta, &name, Ok)?,
            "timeout_secs" => set_once(&mut self.timeout_secs, meta, &name, int)?,
            "lease_ms" => set_once(&mut self.lease_ms, meta, &name, int)?,
            "single_flight" => set_once(&mut self.single_flight, meta, &name, boolean)?,
            _ => {
                return Err(meta.error(format!(
                    "unknown argument `{name}`; expected one of {KNOWN}"
                )));
            }
        }
        Ok(())
    }

    /// The expression building the cache.
    fn build(&self, mode: &TokenStream2) -> TokenStream2 {
        let client = match &self.client {
            Some(client) => quote_spanned!(client.span()=> #client),
            None => quote!(::pottery::Client::from_env()),
        };
        let key = match &self.key {
            Some(key) => quote!(::core::option::Option::Some(
                ::core::convert::AsRef::<str>::as_ref(&(#key))
            )),
            None => quote!(::core::option::Option::None),
        };
        let timeout = self.timeout_secs.map_or(60, |(secs, _)| secs);
        let lease = match (self.single_flight, self.lease_ms) {
            (Some((true, _)), Some((ms, _))) => quote!(::core::option::Option::Some(#ms)),
            (Some((true, _)), None) => quote!(::core::option::Option::Some(
                ::pottery::DEFAULT_FLIGHT_LEASE.as_millis() as u64
            )),
            _ => quote!(::core::option::Option::None),
        };
        quote! {
            ::pottery::__private::redis_cache::build::<#mode>(#client, #key, #timeout, #lease)
        }
    }
}

/// The plain names of the function's parameters, rejecting what cannot be a
/// cache field.
fn parameters(func: &ItemFn) -> syn::Result<Vec<Ident>> {
    let mut names = Vec::new();
    for input in &func.sig.inputs {
        let typed = match input {
            FnArg::Receiver(receiver) => {
                return Err(syn::Error::new_spanned(
                    receiver,
                    "#[redis_cache] applies to free functions: `self` cannot be part of a \
                     cache field (cache a free function taking what the method needs)",
                ));
            }
            FnArg::Typed(typed) => typed,
        };
        if let Type::Reference(reference) = &*typed.ty
            && let Some(mutability) = &reference.mutability
        {
            return Err(syn::Error::new_spanned(
                mutability,
                "a #[redis_cache] function cannot take `&mut` arguments: a cached call may \
                 not run the body at all",
            ));
        }
        match &*typed.pat {
            Pat::Ident(ident) if ident.subpat.is_none() && ident.by_ref.is_none() => {
                names.push(ident.ident.clone());
            }
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    "#[redis_cache] needs each argument to be a plain name (`x: T`), to \
                     encode it into the cache field",
                ));
            }
        }
    }
    Ok(names)
}

/// Whether `ty`'s last path segment is `Result`: the cached function then
/// returns it (Redis's errors converted into its `E`). Any other return type
/// gets `pottery::Result<R>`, and a `Result` behind an alias is recognized by
/// its type (`Policy`) so that its errors are not cached either.
fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Result"),
        Type::Paren(inner) => is_result(&inner.elem),
        Type::Group(inner) => is_result(&inner.elem),
        _ => false,
    }
}

pub(crate) fn expand(args: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let args = Args::parse(args)?;
    let func: ItemFn = syn::parse2(item.clone()).map_err(|_| {
        syn::Error::new_spanned(
            &item,
            "#[redis_cache] applies to a `fn` or `async fn` with a body",
        )
    })?;
    let sig = &func.sig;
    if let Some(constness) = &sig.constness {
        return Err(syn::Error::new_spanned(
            constness,
            "#[redis_cache] cannot apply to a `const fn`: its results are read from Redis at \
             run time",
        ));
    }
    let names = parameters(&func)?;
    let ret: Type = match &sig.output {
        ReturnType::Type(_, ty) => (**ty).clone(),
        ReturnType::Default => syn::parse_quote!(()),
    };
    if mentions_impl(quote!(#ret)) {
        return Err(syn::Error::new_spanned(
            &ret,
            "a #[redis_cache] function must return a concrete type: a cached result is \
             decoded from Redis into it",
        ));
    }
    let is_async = sig.asyncness.is_some();
    let mode = if is_async {
        quote!(::pottery::Async)
    } else {
        quote!(::pottery::Blocking)
    };
    let fallible = is_result(&ret);
    let name = &sig.ident;
    let no_cache = format_ident!("{}_no_cache", name);
    let prime = format_ident!("{}_prime_cache", name);
    let cache_fn = format_ident!("{}_cache", name);
    let vis = &func.vis;
    let attrs = &func.attrs;
    let body = &func.block;

    // The cached functions' signatures: the same parameters (without `mut`),
    // returning `pottery::Result<R>` unless `R` is a `Result` already.
    let mut outer = sig.clone();
    for input in &mut outer.inputs {
        if let FnArg::Typed(typed) = input
            && let Pat::Ident(ident) = &mut *typed.pat
        {
            ident.mutability = None;
        }
    }
    let ret_span = ret.span();
    if !fallible {
        outer.output = syn::parse_quote_spanned!(ret_span=> -> ::pottery::Result<#ret>);
    }
    let mut inner = sig.clone();
    inner.ident = no_cache.clone();
    let mut primer = outer.clone();
    primer.ident = prime.clone();

    let fail = if fallible {
        quote_spanned!(ret_span=> <#ret as ::pottery::__private::redis_cache::Fallible>::from_error)
    } else {
        quote!(::core::result::Result::Err)
    };
    let arg_checks = sig.inputs.iter().filter_map(|input| match input {
        FnArg::Typed(typed) => {
            let pat = &typed.pat;
            let ident = match &**pat {
                Pat::Ident(ident) => &ident.ident,
                _ => return None,
            };
            Some(quote_spanned!(typed.ty.span()=> ::pottery::__private::redis_cache::arg(&#ident);))
        }
        FnArg::Receiver(_) => None,
    });
    let arg_checks: Vec<_> = arg_checks.collect();
    let prologue = quote! {
        #(#arg_checks)*
        let __pottery_cache = match #cache_fn() {
            ::core::result::Result::Ok(cache) => cache,
            ::core::result::Result::Err(err) => return #fail(err),
        };
        let __pottery_field = ::pottery::__private::redis_cache::field(__pottery_cache, &(#(&#names,)*));
    };
    let (call, bypass) = match (is_async, fallible) {
        (false, false) => (quote!(call), quote!(bypass)),
        (false, true) => (quote!(try_call), quote!(try_bypass)),
        (true, false) => (quote!(call_async), quote!(bypass_async)),
        (true, true) => (quote!(try_call_async), quote!(try_bypass_async)),
    };
    let call = quote_spanned!(ret_span=> ::pottery::__private::redis_cache::#call);
    let bypass = quote_spanned!(ret_span=> ::pottery::__private::redis_cache::#bypass);
    // A plain return type may still be a `Result` behind an alias: which values
    // are stored is decided by the type (an `Err` never is), not by its spelling.
    let policy = if fallible {
        quote!()
    } else {
        quote_spanned! {ret_span=> {
            #[allow(unused_imports)]
            use ::pottery::__private::redis_cache::{Every as _, OnlyOk as _};
            (&::pottery::__private::redis_cache::Policy::<#ret>::new()).cacheable()
        },}
    };
    let awaited = if is_async { quote!(.await) } else { quote!() };
    let build = args.build(&mode);
    let cache_doc = format!(
        "The Redis cache of [`{name}`]: its `cache_info()` and `cache_clear()`, made on \
         first use."
    );
    let no_cache_doc = format!("[`{name}`] without its cache (pottery's `__wrapped__`).");
    let prime_doc = format!(
        "[`{name}`] computed whatever is cached, its result stored for later calls \
         (pottery's `__bypass__`)."
    );

    Ok(quote! {
        #(#attrs)*
        #vis #outer {
            #prologue
            #call(__pottery_cache, __pottery_field, #policy move || #no_cache(#(#names),*)) #awaited
        }

        #[doc = #no_cache_doc]
        #vis #inner #body

        #[doc = #prime_doc]
        #vis #primer {
            #prologue
            #bypass(__pottery_cache, __pottery_field, #policy move || #no_cache(#(#names),*)) #awaited
        }

        #[doc = #cache_doc]
        #vis fn #cache_fn() -> ::pottery::Result<&'static ::pottery::RedisCache<::pottery::Json, #mode>> {
            static CACHE: ::std::sync::OnceLock<::pottery::RedisCache<::pottery::Json, #mode>> =
                ::std::sync::OnceLock::new();
            ::pottery::__private::redis_cache::cache(&CACHE, || #build)
        }
    })
}
