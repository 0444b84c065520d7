//! The operations of [`RedisSet`] on many members at once: one round trip
//! whatever their number.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisSet;
use crate::codec::{Codec, EncodeAs};
use crate::decode;
use crate::engine::{Mode, ModeExt, Op};
use crate::error::{Error, Result};

impl<T, C, M> RedisSet<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Adds every member of `members` with one `SADD`: one atomic round trip
    /// whatever their number (none for no members). Python's `update` with local
    /// iterables; see also [`union_update`](Self::union_update).
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// basket.extend(["apple", "pear"])?;
    /// let local = std::collections::HashSet::from(["fig".to_owned()]);
    /// basket.extend(&local)?;
    /// assert_eq!(basket.len()?, 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I>(&self, members: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        crate::engine::run_some::<M, _>(self.base.client(), self.extend_op(members))
    }

    /// `SADD` of every member; `None` for none (nothing to send; also fenced).
    pub(crate) fn extend_op<I>(&self, members: I) -> Result<Option<Op<()>>>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let args = self.base.encode_each(members)?;
        if args.is_empty() {
            return Ok(None);
        }
        let cmd = self.base.cmd_with("SADD", args);
        Ok(Some(self.base.op(cmd, |_, _| Ok(()))))
    }

    /// Whether each of `members` is in the set, in order: one `SMISMEMBER` round
    /// trip (none for no members). Members the codec cannot encode are reported
    /// absent.
    ///
    /// Returns `Result<Vec<bool>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let basket: pottery::sync::RedisSet<String> = pottery::sync::RedisSet::new(&pottery::Client::open(&server.url())?, "basket");
    /// basket.extend(["foo", "bar"])?;
    /// assert_eq!(basket.contains_many(["foo", "baz", "bar"])?, [true, false, true]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains_many<I>(&self, members: I) -> M::Output<'_, Vec<bool>>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        // `None` marks a member that cannot be encoded, hence is absent.
        let encoded: Vec<Option<Vec<u8>>> = members
            .into_iter()
            .map(|m| self.base.encode(&m).ok())
            .collect();
        let asked: Vec<&Vec<u8>> = encoded.iter().flatten().collect();
        if asked.is_empty() {
            return M::ready(Ok(vec![false; encoded.len()]));
        }
        let cmd = self.base.cmd_with("SMISMEMBER", asked);
        let op = self.base.op(cmd, move |key, reply| {
            let mut answers = decode::array(key, reply)?.into_iter();
            encoded
                .iter()
                .map(|raw| match raw {
                    None => Ok(false),
                    Some(_) => match answers.next() {
                        Some(answer) => decode::flag(key, answer),
                        None => Err(Error::unexpected_reply(
                            key,
                            "SMISMEMBER",
                            "too few answers",
                        )),
                    },
                })
                .collect()
        });
        M::run(self.base.client(), Ok(op))
    }
}
