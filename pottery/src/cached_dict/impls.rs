//! The trait impls of [`CachedOrderedDict`]: `Clone`, `Debug` (the key,
//! timeout and local entries, no I/O) and `Container` (on the cache's hash).

use std::fmt;

use super::{CachedOrderedDict, Slot};
use crate::codec::Codec;
use crate::engine::Mode;

impl<K: Clone, V: Clone, C: Codec, M: Mode> Clone for CachedOrderedDict<K, V, C, M> {
    fn clone(&self) -> Self {
        let slots = self.slots.iter().map(|(field, slot)| {
            let slot = Slot {
                key: slot.key.clone(),
                value: slot.value.clone(),
            };
            (field.clone(), slot)
        });
        CachedOrderedDict {
            base: self.base.clone(),
            timeout: self.timeout,
            slots: slots.collect(),
            mode: std::marker::PhantomData,
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, C: Codec, M: Mode> fmt::Debug for CachedOrderedDict<K, V, C, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Entries<'a, K, V>(&'a super::Slots<K, V>);
        impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Entries<'_, K, V> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let pairs = self.0.values().map(|s| (&s.key, &s.value));
                f.debug_map().entries(pairs).finish()
            }
        }
        f.debug_struct("CachedOrderedDict")
            .field("key", &self.key())
            .field("timeout", &self.timeout)
            .field("entries", &Entries(&self.slots))
            .finish()
    }
}

crate::container::container_impl!(
    /// Expiry, existence and clearing of the cache's hash in Redis (the local
    /// copy is left as it is).
    CachedOrderedDict<K, V>,
    d => &d.base
);
