//! Trait impls of [`Redlock`]: `Clone` (another handle on the same lock)
//! and `Debug` (no I/O).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::Redlock;
use crate::engine::Mode;

impl<M: Mode> Clone for Redlock<M> {
    fn clone(&self) -> Self {
        Redlock {
            shared: Arc::clone(&self.shared),
            mode: PhantomData,
        }
    }
}

impl<M: Mode> fmt::Debug for Redlock<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redlock")
            .field("key", &self.shared.key)
            .field("masters", &self.shared.masters.len())
            .field("auto_release_time", &self.shared.auto_release)
            .finish_non_exhaustive()
    }
}
