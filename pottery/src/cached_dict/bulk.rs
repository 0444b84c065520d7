//! [`CachedOrderedDict::update`]: many entries written through at once, in
//! one script however many.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{CachedOrderedDict, store};
use crate::codec::Codec;
use crate::container::Base;
use crate::engine::{Mode, ModeExt};
use crate::lua;

impl<K, V, C, M> CachedOrderedDict<K, V, C, M>
where
    K: Serialize + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Sets many entries in the cache and here, in one round trip however many
    /// (which also resets the TTL); pottery's `update`. New keys go to the end,
    /// in the order given. No entries, no round trip.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let mut d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["alice", "bob"])?;
    /// d.update([("alice", 1), ("bob", 2), ("carol", 3)])?;
    /// assert_eq!(d.misses().count(), 0);
    /// assert_eq!(d.len(), 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn update<I, A, B>(&mut self, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item = (A, B)>,
        A: Into<K>,
        B: Into<V>,
    {
        let mut args = vec![self.ttl_arg()];
        let mut entries = Vec::new();
        for (key, value) in items {
            let (key, value) = (key.into(), value.into());
            match self.encode_pair(&key, &value) {
                Ok((field, raw)) => {
                    args.push(field.clone());
                    args.push(raw);
                    entries.push((field, key, value));
                }
                Err(err) => return M::ready(Err(err)),
            }
        }
        if entries.is_empty() {
            return M::ready(Ok(()));
        }
        let op = self
            .base
            .op(self.base.script(&lua::cached_dict::WRITE, &args), |_, _| {
                Ok(())
            });
        let Self { base, slots, .. } = self;
        let base: &Base<C> = base;
        M::map(M::run(base.client(), Ok(op)), move |()| {
            for (field, key, value) in entries {
                store(slots, field, key, value);
            }
            Ok(())
        })
    }
}
