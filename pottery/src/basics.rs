//! The parts every container type shares word for word: constructors, `key()`,
//! `Clone` and [`Container`](crate::Container), written once by a macro.
//!
//! A container struct has two fields, `base: Base<C>` and `types: PhantomData<..>`;
//! `container_basics!(RedisSet<T>, "set", "<String>")` then gives it `new`,
//! `temporary`, `with_codec`, `key`, a crate-private `from_base` and `base`, and
//! the trait impls. The last argument is the type parameters the generated doc
//! examples use.

/// See the module docs.
macro_rules! container_basics {
    ($ty:ident < $($t:ident),+ >, $redis_type:literal, $example:literal) => {
        impl<$($t,)+ C: $crate::Codec + Default, M: $crate::Mode> $ty<$($t,)+ C, M> {
            #[doc = concat!("A ", stringify!($ty), " at `key`: nothing is read or written until you use it.")]
            ///
            /// ```
            /// let client = pottery::Client::open("redis://localhost")?;
            #[doc = concat!("let s: pottery::sync::", stringify!($ty), $example, " = pottery::sync::", stringify!($ty), "::new(&client, \"k\");")]
            /// assert_eq!(s.key(), "k");
            /// # Ok::<(), pottery::Error>(())
            /// ```
            pub fn new(client: &$crate::Client, key: &str) -> Self {
                Self::with_codec(client, key, C::default())
            }

            #[doc = concat!("A ", stringify!($ty), " at a fresh random key (`pottery:<uuid4>`), deleted")]
            /// when it and all its clones are dropped (in the background inside a
            /// Tokio runtime).
            ///
            /// ```
            /// let client = pottery::Client::open("redis://localhost")?;
            #[doc = concat!("let s: pottery::sync::", stringify!($ty), $example, " = pottery::sync::", stringify!($ty), "::temporary(&client);")]
            /// assert!(s.key().starts_with("pottery:"));
            /// # Ok::<(), pottery::Error>(())
            /// ```
            pub fn temporary(client: &$crate::Client) -> Self {
                Self::from_base($crate::base::Base::temporary(client, C::default(), $redis_type))
            }
        }

        impl<$($t,)+ C: $crate::Codec, M: $crate::Mode> $ty<$($t,)+ C, M> {
            #[doc = concat!("A ", stringify!($ty), " at `key` that encodes with `codec`.")]
            ///
            /// ```
            /// let client = pottery::Client::open("redis://localhost")?;
            #[doc = concat!("let s: pottery::sync::", stringify!($ty), $example, " = pottery::sync::", stringify!($ty), "::with_codec(&client, \"k\", pottery::Json);")]
            /// assert_eq!(s.key(), "k");
            /// # Ok::<(), pottery::Error>(())
            /// ```
            pub fn with_codec(client: &$crate::Client, key: &str, codec: C) -> Self {
                Self::from_base($crate::base::Base::named(client, key, codec, $redis_type))
            }

            #[doc = concat!("The Redis key holding the ", stringify!($ty), ".")]
            ///
            /// ```
            /// let client = pottery::Client::open("redis://localhost")?;
            #[doc = concat!("let s: pottery::sync::", stringify!($ty), $example, " = pottery::sync::", stringify!($ty), "::new(&client, \"k\");")]
            /// assert_eq!(s.key(), "k");
            /// # Ok::<(), pottery::Error>(())
            /// ```
            pub fn key(&self) -> &str {
                self.base.key()
            }

            /// A structure on `base`.
            #[allow(dead_code)]
            pub(crate) fn from_base(base: $crate::base::Base<C>) -> Self {
                $ty {
                    base,
                    types: ::std::marker::PhantomData,
                }
            }

            /// What the structure is built on.
            #[allow(dead_code)]
            pub(crate) fn base(&self) -> &$crate::base::Base<C> {
                &self.base
            }
        }

        impl<$($t,)+ C: $crate::Codec, M: $crate::Mode> Clone for $ty<$($t,)+ C, M> {
            fn clone(&self) -> Self {
                Self::from_base(self.base.clone())
            }
        }

        impl<$($t,)+ C: $crate::Codec, M: $crate::Mode> $crate::Container for $ty<$($t,)+ C, M> {
            type Mode = M;

            fn key(&self) -> &str {
                self.base.key()
            }

            fn client(&self) -> &$crate::Client {
                self.base.client()
            }

            fn redis_type(&self) -> &'static str {
                self.base.redis_type()
            }
        }
    };
}

pub(crate) use container_basics;
