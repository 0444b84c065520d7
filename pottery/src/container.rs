//! What a container is: the [`Container`] trait callers use on its key
//! (expiry, existence, clearing); the [`Base`] every container holds (client,
//! key, codec) and builds its operations with; and `container_basics!`, the
//! macro writing each container's constructors, `key()`, `Clone` and
//! `Container` impl, with `debug_key!` for a `Debug` that prints the type and
//! key and does no I/O.

use std::fmt;
use std::time::Duration;

use redis::{Cmd, ToRedisArgs, Value};
use serde::Serialize;

use crate::client::Client;
use crate::codec::Codec;
use crate::decode;
use crate::engine::{Mode, ModeExt, Op, Request, ScriptSource};
use crate::error::{Error, Result};
use crate::key::Key;

/// Methods every Redis-backed container has on its key.
///
/// Python's pottery has no expiry; these come from Redis itself.
///
/// # Example
///
/// ```
/// use pottery::{Client, Container, sync::RedisDict};
/// use std::time::Duration;
///
/// # let server = pottery_testkit::Server::start();
/// # let url = server.url();
/// let client = Client::open(&url)?;
/// let sessions: RedisDict<String, String> = RedisDict::new(&client, "sessions");
/// sessions.insert("alice", "token")?;
/// sessions.expire(Duration::from_secs(60))?;
/// assert!(sessions.ttl()?.is_some());
/// sessions.persist()?;
/// assert_eq!(sessions.ttl()?, None);
/// # Ok::<(), pottery::Error>(())
/// ```
pub trait Container {
    /// Blocking or async.
    type Mode: Mode;

    /// The Redis key holding the container.
    fn key(&self) -> &str;

    /// The client the container talks through.
    fn client(&self) -> &Client;

    /// The Redis type the container is stored as (`"hash"`, `"list"`, ...).
    fn redis_type(&self) -> &'static str;

    /// Makes the key expire after `ttl`; `false` if the key does not exist.
    fn expire(&self, ttl: Duration) -> <Self::Mode as Mode>::Output<'_, bool> {
        let mut cmd = redis::cmd("PEXPIRE");
        cmd.arg(self.key()).arg(millis(ttl));
        Self::Mode::run(
            self.client(),
            Ok(Op::new(self.key(), self.redis_type(), cmd, decode::flag)),
        )
    }

    /// The time left before the key expires; `None` if it has no expiry or does not exist.
    fn ttl(&self) -> <Self::Mode as Mode>::Output<'_, Option<Duration>> {
        let mut cmd = redis::cmd("PTTL");
        cmd.arg(self.key());
        let op = Op::new(self.key(), self.redis_type(), cmd, |key, reply| {
            let ms = decode::int(key, "PTTL", reply)?;
            Ok(u64::try_from(ms).ok().map(Duration::from_millis))
        });
        Self::Mode::run(self.client(), Ok(op))
    }

    /// Removes the key's expiry; `false` if it had none or does not exist.
    fn persist(&self) -> <Self::Mode as Mode>::Output<'_, bool> {
        let mut cmd = redis::cmd("PERSIST");
        cmd.arg(self.key());
        Self::Mode::run(
            self.client(),
            Ok(Op::new(self.key(), self.redis_type(), cmd, decode::flag)),
        )
    }

    /// Whether the key exists (an empty container has no key in Redis).
    fn exists(&self) -> <Self::Mode as Mode>::Output<'_, bool> {
        let mut cmd = redis::cmd("EXISTS");
        cmd.arg(self.key());
        Self::Mode::run(
            self.client(),
            Ok(Op::new(self.key(), self.redis_type(), cmd, decode::flag)),
        )
    }

    /// Removes every element (deletes the key with `UNLINK`).
    fn clear(&self) -> <Self::Mode as Mode>::Output<'_, ()> {
        let mut cmd = redis::cmd("UNLINK");
        cmd.arg(self.key());
        let op = Op::new(self.key(), self.redis_type(), cmd, |_, _: Value| Ok(()));
        Self::Mode::run(self.client(), Ok(op))
    }

    /// Deletes a temporary structure's key now and reports the outcome; a
    /// structure at a key you named is left alone (`Ok(())`, no round trip).
    ///
    /// A temporary structure (`temporary()`) deletes its key when its last
    /// clone is dropped, but a drop cannot report a failure, and inside a Tokio
    /// runtime it deletes in a background task, which a runtime shutting down
    /// (the end of `#[tokio::main]`) may drop before it runs: the key is then
    /// left behind. Calling `close` is the sure way: once it returns `Ok`, the
    /// key is gone and no drop deletes it again (clones still work, on an empty
    /// structure that no drop deletes). If it fails, the drop still tries.
    ///
    /// ```
    /// use pottery::{Client, Container, sync::RedisList};
    ///
    /// # let server = pottery_testkit::Server::start();
    /// # let url = server.url();
    /// let client = Client::open(&url)?;
    /// let scratch: RedisList<i64> = RedisList::temporary(&client);
    /// scratch.push(1)?;
    /// scratch.close()?;
    /// assert!(!scratch.exists()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    fn close(&self) -> <Self::Mode as Mode>::Output<'_, ()> {
        let Some(key) = self.held_key().filter(|key| key.is_temporary()) else {
            return Self::Mode::ready(Ok(()));
        };
        let owned = key.clone();
        let mut cmd = redis::cmd("UNLINK");
        cmd.arg(self.key());
        let op = Op::new(self.key(), self.redis_type(), cmd, move |_, _: Value| {
            owned.mark_closed();
            Ok(())
        });
        Self::Mode::run(self.client(), Ok(op))
    }

    /// The structure's own key handle, if it has one (the crate's structures
    /// do): what [`close`](Container::close) deletes. Not callable outside the
    /// crate in any useful way: its type cannot be named.
    #[doc(hidden)]
    fn held_key(&self) -> Option<&crate::key::Key> {
        None
    }
}

/// A duration in whole milliseconds, at least 1 (Redis rejects 0).
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A container's client, key, codec and Redis type.
///
/// Structures hold one and build their [`Op`]s through it, so that encoding
/// errors name the key and every reply decoder knows the key and type.
pub(crate) struct Base<C> {
    client: Client,
    key: Key,
    codec: C,
    redis_type: &'static str,
    /// The structure's name in traces (its Redis type unless told).
    structure: &'static str,
}

impl<C: Codec> Base<C> {
    /// A container at the caller's `key`, stored as a Redis `redis_type`.
    pub(crate) fn named(client: &Client, key: &str, codec: C, redis_type: &'static str) -> Self {
        Base {
            client: client.clone(),
            key: Key::named(key),
            codec,
            redis_type,
            structure: redis_type,
        }
    }

    /// A container at a fresh random key, deleted when the last clone drops.
    pub(crate) fn temporary(client: &Client, codec: C, redis_type: &'static str) -> Self {
        Base {
            client: client.clone(),
            key: Key::temporary(client),
            codec,
            redis_type,
            structure: redis_type,
        }
    }

    pub(crate) fn key(&self) -> &str {
        self.key.as_str()
    }

    /// The key's name, shared without copying.
    pub(crate) fn key_shared(&self) -> std::sync::Arc<str> {
        self.key.shared()
    }

    /// The key itself (its companion keys, its clean-up).
    pub(crate) fn key_handle(&self) -> &Key {
        &self.key
    }

    /// A companion key in the key's cluster slot ending in `suffix`; it starts
    /// with the key where Redis allows (see `slot::companion_base`).
    pub(crate) fn companion_key(&self, suffix: &str) -> String {
        self.key.companion_key(suffix)
    }

    /// A script's scratch key in the key's cluster slot.
    pub(crate) fn scratch_key(&self) -> String {
        self.key.scratch_key()
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn codec(&self) -> &C {
        &self.codec
    }

    pub(crate) fn redis_type(&self) -> &'static str {
        self.redis_type
    }

    /// Encodes `value`; the error names the key.
    pub(crate) fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>> {
        self.codec
            .encode(value)
            .map_err(|e| Error::encode(self.key(), e))
    }

    /// Encodes every item, stopping at the first that fails.
    pub(crate) fn encode_each<I>(&self, items: I) -> Result<Vec<Vec<u8>>>
    where
        I: IntoIterator<Item: Serialize>,
    {
        items.into_iter().map(|item| self.encode(&item)).collect()
    }

    /// `name key`.
    pub(crate) fn cmd(&self, name: &str) -> Cmd {
        let mut cmd = redis::cmd(name);
        cmd.arg(self.key());
        cmd
    }

    /// `name key args...`.
    pub(crate) fn cmd_with(&self, name: &str, args: impl ToRedisArgs) -> Cmd {
        let mut cmd = self.cmd(name);
        cmd.arg(args);
        cmd
    }

    /// A call of `script` with this key as `KEYS[1]` and `args` as `ARGV`.
    pub(crate) fn script(&self, script: impl ScriptSource, args: &[Vec<u8>]) -> Request {
        Request::script(script, &[self.key().as_bytes()], args)
    }

    /// An operation on this key: `request`, then `decode` of its reply.
    pub(crate) fn op<T>(
        &self,
        request: impl Into<Request>,
        decode: impl FnOnce(&str, Value) -> Result<T> + Send + 'static,
    ) -> Op<T> {
        Op::new(self.key.shared(), self.redis_type, request, decode).of(self.structure)
    }

    /// The same base, its operations traced as `structure`'s (`RedisDict`).
    pub(crate) fn of(mut self, structure: &'static str) -> Self {
        self.structure = structure;
        self
    }
}

impl<C: Clone> Clone for Base<C> {
    fn clone(&self) -> Self {
        Base {
            client: self.client.clone(),
            key: self.key.clone(),
            codec: self.codec.clone(),
            redis_type: self.redis_type,
            structure: self.structure,
        }
    }
}

/// Writes a container's shared items. A container struct has two fields,
/// `base: Base<C>` and `types: PhantomData<..>`;
/// `container_basics!(RedisSet<T>, "set", "<String>")` then gives it `new`,
/// `temporary`, `with_codec`, `key`, a crate-private `from_base` and `base`, and
/// the trait impls. The last argument is the type parameters the generated doc
/// examples use.
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
            /// Tokio runtime, which may shut down first: [`Container::close`](crate::Container::close)
            /// deletes it for sure). [`Client::with_temporary_prefix`](crate::Client::with_temporary_prefix)
            /// picks another prefix.
            ///
            /// ```
            /// let client = pottery::Client::open("redis://localhost")?;
            #[doc = concat!("let s: pottery::sync::", stringify!($ty), $example, " = pottery::sync::", stringify!($ty), "::temporary(&client);")]
            /// assert!(s.key().starts_with("pottery:"));
            /// # Ok::<(), pottery::Error>(())
            /// ```
            pub fn temporary(client: &$crate::Client) -> Self {
                Self::from_base($crate::container::Base::temporary(client, C::default(), $redis_type))
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
                Self::from_base($crate::container::Base::named(client, key, codec, $redis_type))
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

            /// A structure on `base` (its operations traced as this type's).
            #[allow(dead_code)]
            pub(crate) fn from_base(base: $crate::container::Base<C>) -> Self {
                $ty {
                    base: base.of(stringify!($ty)),
                    types: ::std::marker::PhantomData,
                }
            }

            /// What the structure is built on.
            #[allow(dead_code)]
            pub(crate) fn base(&self) -> &$crate::container::Base<C> {
                &self.base
            }
        }

        impl<$($t,)+ C: $crate::Codec, M: $crate::Mode> Clone for $ty<$($t,)+ C, M> {
            fn clone(&self) -> Self {
                Self::from_base(self.base.clone())
            }
        }

        $crate::container::container_impl!($ty<$($t),+>, s => &s.base);
    };
}

pub(crate) use container_basics;

/// The [`Container`] impl of `$ty<$($t,)+ C, M>`, whose [`Base`] is `$base`
/// (an expression of `$s`, the container): `container_impl!(RedisDeque<T>, d =>
/// d.base())`.
macro_rules! container_impl {
    ($(#[$doc:meta])* $ty:ident < $($t:ident),+ >, $s:ident => $base:expr) => {
        $(#[$doc])*
        impl<$($t,)+ C: $crate::Codec, M: $crate::Mode> $crate::Container for $ty<$($t,)+ C, M> {
            type Mode = M;

            fn key(&self) -> &str {
                let $s = self;
                $base.key()
            }

            fn client(&self) -> &$crate::Client {
                let $s = self;
                $base.client()
            }

            fn redis_type(&self) -> &'static str {
                let $s = self;
                $base.redis_type()
            }

            fn held_key(&self) -> Option<&$crate::key::Key> {
                let $s = self;
                Some($base.key_handle())
            }
        }
    };
}

pub(crate) use container_impl;

/// `Debug` for a container: its type and key, with no I/O (pottery's `repr`,
/// which reads the whole structure, is the explicit `repr()`).
macro_rules! debug_key {
    ($ty:ident < $($t:ident),+ >) => {
        impl<$($t,)+ C: $crate::Codec, M: $crate::Mode> ::std::fmt::Debug for $ty<$($t,)+ C, M> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("key", &self.key())
                    .finish()
            }
        }
    };
}

pub(crate) use debug_key;

/// Formats with a closure (for the `repr` helpers below).
struct Shown<F>(F);

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Display for Shown<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

/// pottery's `repr` of a sequence: `RedisList[1, 4, 9]`.
pub(crate) fn repr_list<T: fmt::Debug>(name: &str, items: &[T]) -> String {
    format!("{name}{items:?}")
}

/// pottery's `repr` of a set: `RedisSet{"apple", "pear"}`.
pub(crate) fn repr_set<T: fmt::Debug>(name: &str, items: &[T]) -> String {
    format!(
        "{name}{}",
        Shown(|f: &mut fmt::Formatter<'_>| f.debug_set().entries(items).finish())
    )
}

/// pottery's `repr` of a mapping, in the order given: `RedisDict{"a": 1}`.
pub(crate) fn repr_map<K: fmt::Debug, V: fmt::Debug>(name: &str, pairs: &[(K, V)]) -> String {
    let entries = || pairs.iter().map(|(k, v)| (k, v));
    format!(
        "{name}{}",
        Shown(|f: &mut fmt::Formatter<'_>| f.debug_map().entries(entries()).finish())
    )
}

/// `Serialize` for a blocking container of elements (`$ty<T, C, Blocking>`):
/// its current elements as a serde sequence, streamed with its `iter()` one
/// page per round trip; a read error fails it.
macro_rules! serialize_seq {
    ($(#[$doc:meta])* $ty:ident) => {
        $(#[$doc])*
        impl<T, C> ::serde::Serialize for $ty<T, C, $crate::Blocking>
        where
            T: ::serde::Serialize + ::serde::de::DeserializeOwned + Send + 'static,
            C: $crate::Codec,
        {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                use ::serde::ser::{Error as _, SerializeSeq};
                let mut seq = serializer.serialize_seq(None)?;
                for item in self.iter() {
                    seq.serialize_element(&item.map_err(S::Error::custom)?)?;
                }
                seq.end()
            }
        }
    };
}

pub(crate) use serialize_seq;
