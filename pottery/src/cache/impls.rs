//! The cache's trait impls: `Clone` (a handle sharing the counts),
//! `Container`, and a `Debug` that does no I/O.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::RedisCache;
use crate::client::Client;
use crate::codec::Codec;
use crate::engine::Mode;

impl<C: Codec + Clone, M: Mode> Clone for RedisCache<C, M> {
    /// Another handle on the same cache, sharing its hit and miss counts.
    fn clone(&self) -> Self {
        RedisCache {
            base: self.base.clone(),
            timeout: self.timeout,
            lease: self.lease,
            refresh_every: self.refresh_every,
            stats: Arc::clone(&self.stats),
            mode: PhantomData,
        }
    }
}

impl<C: Codec, M: Mode> crate::Container for RedisCache<C, M> {
    type Mode = M;

    fn key(&self) -> &str {
        self.base.key()
    }

    fn client(&self) -> &Client {
        self.base.client()
    }

    fn redis_type(&self) -> &'static str {
        "hash"
    }

    fn held_key(&self) -> Option<&crate::key::Key> {
        Some(self.base.key_handle())
    }
}

impl<C: Codec, M> fmt::Debug for RedisCache<C, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCache")
            .field("key", &self.base.key())
            .field("timeout", &self.timeout)
            .field("single_flight", &self.lease)
            .field("refresh_every", &self.refresh_every)
            .field("hits", &self.stats.hits.load(Ordering::Relaxed))
            .field("misses", &self.stats.misses.load(Ordering::Relaxed))
            .finish()
    }
}
