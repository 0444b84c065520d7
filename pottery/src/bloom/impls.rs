//! The trait impls of [`BloomFilter`]: `Clone`, `Container`, and `Debug` (key
//! and shape, no I/O).

use super::BloomFilter;
use crate::codec::Codec;
use crate::engine::Mode;

impl<T, C: Codec, M: Mode> Clone for BloomFilter<T, C, M> {
    fn clone(&self) -> Self {
        Self::build(
            self.base.clone(),
            self.num_elements,
            self.false_positives,
            self.shape,
        )
    }
}

crate::container::container_impl!(BloomFilter<T>, b => &b.base);

impl<T, C: Codec, M> std::fmt::Debug for BloomFilter<T, C, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BloomFilter")
            .field("key", &self.base.key())
            .field("num_elements", &self.num_elements)
            .field("false_positives", &self.false_positives)
            .field("size", &self.shape.bits)
            .field("num_hashes", &self.shape.hashes)
            .finish()
    }
}
