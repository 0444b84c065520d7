//! [`CachedOrderedDictBuilder`]: a [`CachedOrderedDict`]'s settings, and the
//! hydration that makes it.

use std::marker::PhantomData;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{CachedOrderedDict, Slot, Slots};
use crate::client::Client;
use crate::codec::{Codec, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Blocking, Mode};
use crate::error::Error;
use crate::lua;

/// Settings for a [`CachedOrderedDict`]: its key, timeout and codec; then
/// [`hydrate`](Self::hydrate) reads the cache.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// let d: pottery::sync::CachedOrderedDict<String, i64> = pottery::sync::CachedOrderedDict::builder(&client)
///     .key("scores")
///     .timeout(None)
///     .hydrate(["alice", "bob"])?;
/// assert_eq!(d.timeout(), None);
/// # Ok::<(), pottery::Error>(())
/// ```
#[must_use]
pub struct CachedOrderedDictBuilder<K, V, C = Json, M = Blocking> {
    client: Client,
    key: Option<String>,
    timeout: Option<Duration>,
    codec: C,
    types: Types<K, V, M>,
}

/// Ties the key, value and mode types to the builder without owning any.
type Types<K, V, M> = PhantomData<fn() -> (K, V, M)>;

impl<K, V, C: Codec, M: Mode> CachedOrderedDictBuilder<K, V, C, M> {
    /// The default settings: a temporary key, pottery's timeout, `codec`.
    pub(super) fn start(client: &Client, codec: C) -> Self {
        CachedOrderedDictBuilder {
            client: client.clone(),
            key: None,
            timeout: Some(super::DEFAULT_CACHE_TIMEOUT),
            codec,
            types: PhantomData,
        }
    }

    /// The Redis key of the cache's hash; without one, a fresh random key
    /// (`pottery:<uuid4>`) deleted when the dict and its clones are dropped,
    /// as pottery's.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::builder(&client).key("scores").hydrate(["alice"])?;
    /// assert_eq!(d.key(), "scores");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(mut self, key: &str) -> Self {
        self.key = Some(key.to_owned());
        self
    }

    /// How long the cache lives after each write: `Some(ttl)` (default 60 s),
    /// or `None` to never set an expiry (pottery's `timeout=None`). A zero
    /// duration is refused by [`hydrate`](Self::hydrate).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use std::time::Duration;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> = pottery::sync::CachedOrderedDict::builder(&client)
    ///     .key("scores")
    ///     .timeout(Some(Duration::from_secs(5)))
    ///     .hydrate(["alice"])?;
    /// assert_eq!(d.timeout(), Some(Duration::from_secs(5)));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The codec of keys and values (default [`Json`], pottery's encoding).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::builder(&client).codec(pottery::Json).hydrate(["a"])?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn codec(mut self, codec: C) -> Self {
        self.codec = codec;
        self
    }
}

impl<K, V, C, M> CachedOrderedDictBuilder<K, V, C, M>
where
    K: Serialize + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// The dict of `keys`, in that order (a repeated key keeps its first
    /// place), with the values the cache holds for them: one round trip, which
    /// also resets the cache's TTL as pottery does. No keys, no round trip.
    ///
    /// Returns `Result<CachedOrderedDict<K, V, C, M>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// # Errors
    ///
    /// A key or value the codec cannot handle (the error names the Redis key),
    /// a Redis key that is not a hash, a zero timeout, or a failed round trip.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::builder(&client).key("scores").hydrate(["alice", "bob"])?;
    /// assert_eq!(d.len(), 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn hydrate<I>(self, keys: I) -> M::Output<'static, CachedOrderedDict<K, V, C, M>>
    where
        I: IntoIterator<Item: Into<K>>,
    {
        if self.timeout == Some(Duration::ZERO) {
            return M::ready(Err(Error::config(
                "a CachedOrderedDict's timeout must be positive (None: no expiry)",
            )));
        }
        let base = match self.key {
            Some(key) => {
                Base::named(&self.client, &key, self.codec, "hash").of("CachedOrderedDict")
            }
            None => Base::temporary(&self.client, self.codec, "hash").of("CachedOrderedDict"),
        };
        let mut dict = CachedOrderedDict {
            base,
            timeout: self.timeout,
            slots: Slots::new(),
            mode: PhantomData,
        };
        for key in keys {
            let key = key.into();
            match dict.base.encode(&key) {
                Ok(field) => {
                    dict.slots.entry(field).or_insert(Slot { key, value: None });
                }
                Err(err) => return M::ready(Err(err)),
            }
        }
        if dict.slots.is_empty() {
            return M::ready(Ok(dict));
        }
        let mut args = Vec::with_capacity(dict.slots.len() + 1);
        args.push(dict.ttl_arg());
        args.extend(dict.slots.keys().cloned());
        let request = dict.base.script(&lua::cached_dict::HYDRATE, &args);
        let client = dict.base.client().clone();
        let op = Op::new(
            dict.base.key_shared(),
            "hash",
            request,
            move |key, reply| {
                let values = decode::array(key, reply)?;
                if values.len() != dict.slots.len() {
                    return Err(Error::unexpected_reply(key, "HMGET", values.len()));
                }
                for (slot, value) in dict.slots.values_mut().zip(values) {
                    slot.value = decode::optional(dict.base.codec(), key, value)?;
                }
                Ok(dict)
            },
        );
        M::run_owned(client, Ok(op))
    }
}
