//! `#[synchronize]`: a function run holding a Redlock.

use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, ReturnType, Type, meta::ParseNestedMeta};

use crate::{bool_literal, int_literal, mentions_impl, set_once};

/// The arguments of one `#[synchronize(...)]`.
#[derive(Default)]
struct Args {
    key: Option<syn::LitStr>,
    masters: Option<Expr>,
    lock: Option<Expr>,
    auto_release_time_ms: Option<(u64, Span)>,
    timeout_ms: Option<(u64, Span)>,
    blocking: Option<(bool, Span)>,
    raise_on_redis_errors: Option<(bool, Span)>,
    num_extensions: Option<(u32, Span)>,
}

const KNOWN: &str = "`key`, `masters`, `lock`, `auto_release_time_ms`, `timeout_ms`, \
                     `blocking`, `raise_on_redis_errors`, `num_extensions`";

impl Args {
    fn parse(args: TokenStream2) -> syn::Result<Self> {
        let mut parsed = Args::default();
        let parser = syn::meta::parser(|meta| parsed.one(&meta));
        syn::parse::Parser::parse2(parser, args)?;
        Ok(parsed)
    }

    fn one(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let Some(name) = meta.path.get_ident().map(ToString::to_string) else {
            return Err(meta.error(format!("unknown argument; expected one of {KNOWN}")));
        };
        let int = |value: Expr| Ok((int_literal(&name, &value)?, value.span()));
        let boolean = |value: Expr| Ok((bool_literal(&name, &value)?, value.span()));
        let key = |value: Expr| match value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Ok(s),
            other => Err(syn::Error::new_spanned(
                other,
                "`key` must be a string literal, like `key = \"printer\"` \
                 (for a key computed at run time, use `lock = <expr>`)",
            )),
        };
        match name.as_str() {
            "key" => set_once(&mut self.key, meta, &name, key)?,
            "masters" => set_once(&mut self.masters, meta, &name, Ok)?,
            "lock" => set_once(&mut self.lock, meta, &name, Ok)?,
            "auto_release_time_ms" => set_once(&mut self.auto_release_time_ms, meta, &name, int)?,
            "timeout_ms" => set_once(&mut self.timeout_ms, meta, &name, int)?,
            "num_extensions" => set_once(&mut self.num_extensions, meta, &name, |value| {
                Ok((int_literal(&name, &value)?, value.span()))
            })?,
            "blocking" => set_once(&mut self.blocking, meta, &name, boolean)?,
            "raise_on_redis_errors" => {
                set_once(&mut self.raise_on_redis_errors, meta, &name, boolean)?
            }
            _ => {
                return Err(meta.error(format!(
                    "unknown argument `{name}`; expected one of {KNOWN}"
                )));
            }
        }
        Ok(())
    }

    /// Rejects combinations that cannot work, before any code is generated.
    fn check(&self) -> syn::Result<()> {
        if let Some(lock) = &self.lock {
            let settings = [
                self.key.as_ref().map(|k| ("key", k.span())),
                self.masters.as_ref().map(|m| ("masters", m.span())),
                self.auto_release_time_ms
                    .map(|(_, s)| ("auto_release_time_ms", s)),
                self.timeout_ms.map(|(_, s)| ("timeout_ms", s)),
                self.blocking.map(|(_, s)| ("blocking", s)),
                self.raise_on_redis_errors
                    .map(|(_, s)| ("raise_on_redis_errors", s)),
                self.num_extensions.map(|(_, s)| ("num_extensions", s)),
            ];
            if let Some((name, span)) = settings.into_iter().flatten().next() {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "`{name}` cannot be combined with `lock = ...`: that lock brings its \
                         own key, masters and settings (configure them with Redlock::builder)"
                    ),
                ));
            }
            let _ = lock;
            return Ok(());
        }
        if self.key.is_none() {
            return Err(syn::Error::new(
                Span::call_site(),
                "missing `key = \"...\"`: the lock's name (its Redis key is `redlock:<key>`), \
                 or give a whole lock with `lock = <expr>`",
            ));
        }
        if self.masters.is_none() {
            return Err(syn::Error::new(
                Span::call_site(),
                "missing `masters = <expr>`: the Redis masters of the lock, a `Client`, a \
                 `&Client` or a collection of them (e.g. `masters = &client` or \
                 `masters = pottery::Client::from_env()?`)",
            ));
        }
        if let Some((0, span)) = self.auto_release_time_ms {
            return Err(syn::Error::new(
                span,
                "`auto_release_time_ms` must be at least 1",
            ));
        }
        if let Some((0, span)) = self.timeout_ms {
            return Err(syn::Error::new(
                span,
                "`timeout_ms` must be at least 1 (for a single attempt, use `blocking = false`)",
            ));
        }
        if let (Some((false, _)), Some((_, span))) = (self.blocking, self.timeout_ms) {
            return Err(syn::Error::new(
                span,
                "`timeout_ms` needs `blocking = true`: with `blocking = false` a call makes a \
                 single attempt and does not wait",
            ));
        }
        Ok(())
    }
}

pub(crate) fn expand(args: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let args = Args::parse(args)?;
    let func: ItemFn = syn::parse2(item.clone()).map_err(|_| {
        syn::Error::new_spanned(
            &item,
            "#[synchronize] applies to a `fn` or `async fn` with a body",
        )
    })?;
    args.check()?;
    let sig = &func.sig;
    if let Some(constness) = &sig.constness {
        return Err(syn::Error::new_spanned(
            constness,
            "#[synchronize] cannot apply to a `const fn`: the lock is acquired at run time",
        ));
    }
    let ret: &Type = match &sig.output {
        ReturnType::Type(_, ty) => ty,
        ReturnType::Default => {
            return Err(syn::Error::new_spanned(
                &sig.ident,
                "a #[synchronize] function must return a `Result` whose error type implements \
                 `From<pottery::Error>` (acquiring the lock can fail): e.g. \
                 `-> pottery::Result<()>`",
            ));
        }
    };
    let is_async = sig.asyncness.is_some();
    let mode = if is_async {
        quote!(::pottery::Async)
    } else {
        quote!(::pottery::Blocking)
    };
    let ret_span = ret.span();
    // The return type, as a turbofish argument where it can be written there.
    let ret_arg = if mentions_impl(quote!(#ret)) {
        quote!(_)
    } else {
        quote!(#ret)
    };
    let fail = quote_spanned! {ret_span=>
        <#ret_arg as ::pottery::__private::synchronize::Fallible>::from_error
    };

    let lock = if let Some(lock) = &args.lock {
        // A clone (an `Arc`), so that the expression's borrows end here and
        // the body may move what it borrowed from (`self` by value).
        let borrowed = quote_spanned! {lock.span()=>
            let __pottery_synchronize_lock: &::pottery::Redlock<#mode> = &(#lock);
        };
        quote! {
            #borrowed
            let __pottery_synchronize_lock = &::core::clone::Clone::clone(__pottery_synchronize_lock);
        }
    } else {
        let key = &args.key;
        let masters = &args.masters;
        let mut settings = TokenStream2::new();
        if let Some((ms, _)) = args.auto_release_time_ms {
            settings.extend(quote!(
                .auto_release_time(::core::time::Duration::from_millis(#ms))
            ));
        }
        if let Some((blocking, _)) = args.blocking {
            settings.extend(quote!(.run_blocking(#blocking)));
        }
        if let Some((ms, _)) = args.timeout_ms {
            settings.extend(quote!(
                .run_timeout(::core::time::Duration::from_millis(#ms))
            ));
        }
        if let Some((raise, _)) = args.raise_on_redis_errors {
            settings.extend(quote!(.raise_on_redis_errors(#raise)));
        }
        if let Some((n, _)) = args.num_extensions {
            settings.extend(quote!(.num_extensions(::core::option::Option::Some(#n))));
        }
        let masters = quote_spanned! {masters.span()=>
            ::pottery::__private::synchronize::masters(#masters)
        };
        quote! {
            let __pottery_synchronize_masters = match #masters {
                ::core::result::Result::Ok(masters) => masters,
                ::core::result::Result::Err(err) => return #fail(err),
            };
            let __pottery_synchronize_lock = match ::pottery::Redlock::<#mode>::builder(#key)
                .masters(__pottery_synchronize_masters)
                #settings
                .build()
            {
                ::core::result::Result::Ok(lock) => lock,
                ::core::result::Result::Err(err) => return #fail(err),
            };
            let __pottery_synchronize_lock = &__pottery_synchronize_lock;
        }
    };

    let body = &func.block;
    let run_async = quote_spanned!(ret_span=> ::pottery::__private::synchronize::run_async);
    let run_blocking = quote_spanned!(ret_span=> ::pottery::__private::synchronize::run);
    let run = if is_async {
        quote! {
            #run_async::<#ret_arg, _>(
                __pottery_synchronize_lock,
                move || async move #body,
            ).await
        }
    } else {
        quote! {
            #run_blocking::<#ret_arg>(__pottery_synchronize_lock, move || #body)
        }
    };
    let attrs = &func.attrs;
    let vis = &func.vis;
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            #lock
            #run
        }
    })
}
