//! The operations of [`RedisDict`] on many entries at once: one round trip
//! whatever their number, or one (or two) per page for those that stream
//! (`retain`, `drain`).

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::flow::{self, SCAN_COUNT};
use super::{RedisDict, taken_entry};
use crate::codec::{Codec, EncodeAs};
use crate::decode;
use crate::engine::{Mode, ModeExt, Op, Pages};
use crate::error::Result;
use crate::list::num_arg;
use crate::lua;

impl<K, V, C, M> RedisDict<K, V, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// The values for `keys`, in order, `None` where absent: one `HMGET`.
    ///
    /// Returns `Result<Vec<Option<V>>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// let numbers = tel.get_many(["jack", "sape"])?;
    /// assert_eq!(numbers.len(), 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_many<I>(&self, keys: I) -> M::Output<'_, Vec<Option<V>>>
    where
        I: IntoIterator<Item: EncodeAs<K>>,
    {
        let fields = match self.base.encode_each(keys) {
            Ok(fields) if fields.is_empty() => return M::ready(Ok(Vec::new())),
            Ok(fields) => fields,
            Err(err) => return M::ready(Err(err)),
        };
        let cmd = self.base.cmd_with("HMGET", fields);
        let codec = self.base.codec().clone();
        let op = self.base.op(cmd, move |key, reply| {
            decode::array(key, reply)?
                .into_iter()
                .map(|v| decode::optional(&codec, key, v))
                .collect()
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Inserts every `(key, value)` of `items` with one `HSET`: one atomic round trip
    /// whatever the number of items (none for no items).
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// tel.extend([("irv", 4127), ("guido", 4127)])?;
    /// let local = std::collections::HashMap::from([("ada".to_owned(), 1815)]);
    /// tel.extend(&local)?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I, A, B>(&self, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: EncodeAs<V>,
    {
        crate::engine::run_some::<M, _>(self.base.client(), self.extend_op(items))
    }

    /// `HSET` of every item; `None` for no items (nothing to send; also fenced).
    pub(crate) fn extend_op<I, A, B>(&self, items: I) -> Result<Option<Op<()>>>
    where
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: EncodeAs<V>,
    {
        let args = self.encode_items(items)?;
        if args.is_empty() {
            return Ok(None);
        }
        let mut cmd = self.base.cmd("HSET");
        cmd.arg(args);
        Ok(Some(self.base.op(cmd, |_, _| Ok(()))))
    }

    /// Keeps only the entries for which `keep` returns `true` and returns how
    /// many were removed: `HashMap::retain`, decided in your process, with
    /// bounded memory. Ours: Python's pottery has no such method.
    ///
    /// It streams the dict with `HSCAN`, a page of a few hundred entries per
    /// round trip; after each page, one Lua script deletes the rejected entries
    /// (`HDEL`), each only if its value is still the one `keep` judged: an
    /// entry another writer changed in between is left as it is (its new value
    /// was not judged). As with `HSCAN`, `keep` may see an entry twice, and an
    /// entry added during the call may not be seen. An entry that does not
    /// decode fails the call: the pages before it were applied, nothing after.
    /// The whole call, every page, ends by one deadline, the client's response
    /// timeout: 100,000 entries took 0.47 s on a local server (two round trips
    /// per page of 500), so the default 10 s covers a few million.
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// tel.extend([("jack", 4098), ("sape", 4139), ("guido", 4127)])?;
    /// assert_eq!(tel.retain(|name, _| name != "sape")?, 1);
    /// assert_eq!(tel.len()?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn retain<F>(&self, keep: F) -> M::Output<'_, usize>
    where
        F: FnMut(&K, &V) -> bool + Send + 'static,
    {
        let job = flow::RetainJob {
            base: self.base.clone(),
            keep: Box::new(keep),
        };
        M::run_plan(self.base.client(), flow::retain(job, 0, 0))
    }

    /// Removes the entries and yields them, one page at a time: each round trip
    /// is one Lua script that reads an `HSCAN` page and deletes its fields in
    /// the same step, so memory stays bounded by a page and two concurrent
    /// drains never yield the same entry. Ours: Python's pottery has no such
    /// method.
    ///
    /// Yields `Result<(K, V)>` items: an [`Iter`](crate::Iter) in [`sync`](crate::sync), a [`BoxStream`](crate::BoxStream) in [`future`](crate::future).
    ///
    /// Unlike `HashMap::drain`, it is lazy: entries are removed as the
    /// iteration reaches their page. Stop early (drop the iterator) and the
    /// entries of pages not read stay in the dict, while those of the page in
    /// hand that were not yet yielded are gone with it. An entry added during
    /// the drain may stay. An entry that does not decode is an `Err` item (it
    /// was removed) and the drain goes on; a failed round trip ends it.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let tel: pottery::sync::RedisDict<String, u32> = pottery::sync::RedisDict::new(&pottery::Client::open(&server.url())?, "tel");
    /// tel.extend([("jack", 4098), ("sape", 4139)])?;
    /// let mut gone = tel.drain().collect::<pottery::Result<Vec<_>>>()?;
    /// gone.sort();
    /// assert_eq!(gone, [("jack".to_owned(), 4098), ("sape".to_owned(), 4139)]);
    /// assert!(tel.is_empty()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn drain(&self) -> M::Iter<'_, (K, V)> {
        let base = self.base.clone();
        let pages = Pages::new(move |cursor| {
            let args = [num_arg(cursor), num_arg(SCAN_COUNT)];
            let request = base.script(&lua::dict::DRAIN_PAGE, &args);
            let codec = base.codec().clone();
            base.op(request, move |key, reply| {
                let (cursor, flat) = decode::scan_page(key, reply)?;
                // The page's entries are gone: one that does not decode is an
                // error that holds it, raw.
                let mut raw = decode::raw_values(key, Value::Array(flat))?.into_iter();
                let mut items = Vec::new();
                while let (Some(field), Some(value)) = (raw.next(), raw.next()) {
                    items.push(taken_entry::<K, V, C>(&codec, key, field, value));
                }
                Ok((cursor, items))
            })
        });
        M::iter(self.base.client(), pages)
    }

    pub(super) fn encode_items<I, A, B>(&self, items: I) -> Result<Vec<Vec<u8>>>
    where
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: EncodeAs<V>,
    {
        let mut args = Vec::new();
        for (k, v) in items {
            args.push(self.base.encode(&k)?);
            args.push(self.base.encode(&v)?);
        }
        Ok(args)
    }
}
