//! The stored bytes a decode error carries, whole: for the caller to inspect, and,
//! when the operation had already removed them from Redis, as their only copy.
//!
//! Destructive operations (`pop`, `remove`, a queue's `get`, ...) remove the
//! value and decode it in one round trip: Redis cannot run the structure's codec,
//! so it cannot tell first whether the value decodes. When it does not, the error
//! therefore hands the caller everything the operation removed, raw, and says so.

use std::fmt;

use super::{Error, ErrorKind};

/// How many raw bytes a decode error's message shows.
pub(super) const RAW_PREFIX: usize = 64;

/// What a decode error holds of the stored data.
pub(super) struct Raw {
    /// The raw values, in the order the operation read or removed them.
    values: Vec<Vec<u8>>,
    /// The one of them that did not decode; `None` when the data was malformed
    /// as a whole (a stream entry without an `item` field).
    bad: Option<usize>,
    /// Whether the operation had removed or overwritten them in Redis.
    taken: bool,
}

/// What a destructive operation had done to the values it could not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Taken {
    /// Removed from the key (a pop, a remove, a queue's claim).
    Removed,
    /// Overwritten by a new value (`replace`).
    Overwritten,
}

/// `"<prefix>"… (N bytes)`: a bounded, printable view of `raw`.
fn shown(raw: &[u8]) -> String {
    let prefix = raw.get(..RAW_PREFIX).unwrap_or(raw);
    let more = if raw.len() > RAW_PREFIX { "…" } else { "" };
    format!(
        "{:?}{more} ({} bytes)",
        String::from_utf8_lossy(prefix),
        raw.len()
    )
}

impl Error {
    fn with_raw(mut self, raw: Raw) -> Self {
        self.inner.raw = Some(Box::new(raw));
        self
    }

    /// `raw` read at `key` does not decode; the message shows a bounded prefix
    /// of it, the error holds it whole. Nothing was changed in Redis.
    pub(crate) fn decode(key: &str, raw: &[u8], cause: impl fmt::Display) -> Self {
        let detail = format!("stored value {} does not decode: {cause}", shown(raw));
        Error::new(ErrorKind::Decode, Some(key), detail).with_raw(Raw {
            values: vec![raw.to_vec()],
            bad: Some(0),
            taken: false,
        })
    }

    /// `values[bad]` does not decode, and the operation had already removed (or
    /// overwritten) all of `values` at `key`: the error is their only copy.
    pub(crate) fn decode_taken(
        key: &str,
        values: Vec<Vec<u8>>,
        bad: usize,
        how: Taken,
        cause: impl fmt::Display,
    ) -> Self {
        let raw = values.get(bad).map(Vec::as_slice).unwrap_or_default();
        let others = values.len().saturating_sub(1);
        let done = match (how, others) {
            (Taken::Overwritten, _) => "it was overwritten: the error holds its whole raw value",
            (Taken::Removed, 0) => {
                "it was removed from the key: the error holds its whole raw value"
            }
            (Taken::Removed, _) => {
                "it was removed from the key: the error holds it and what was removed with it, raw"
            }
        };
        let detail = format!(
            "stored value {} does not decode: {cause}; {done}",
            shown(raw)
        );
        Error::new(ErrorKind::Decode, Some(key), detail).with_raw(Raw {
            values,
            bad: Some(bad),
            taken: true,
        })
    }

    /// The operation removed `values` at `key`, which are not what the structure
    /// stores (`what`): the error is their only copy.
    pub(crate) fn malformed_taken(key: &str, values: Vec<Vec<u8>>, what: &str) -> Self {
        let detail = format!(
            "{what}; it was removed from the key: the error holds its {} raw parts",
            values.len()
        );
        Error::new(ErrorKind::Decode, Some(key), detail).with_raw(Raw {
            values,
            bad: None,
            taken: true,
        })
    }

    /// The whole stored bytes that did not decode, for a
    /// [`Decode`](ErrorKind::Decode) error (the message shows only their first
    /// 64 bytes); `None` for other kinds.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// use pottery::{Client, ErrorKind, sync::{RedisDict}};
    ///
    /// let client = Client::open(&server.url())?;
    /// RedisDict::<String, String>::new(&client, "tel").insert("jack", "not a number")?;
    /// let err = RedisDict::<String, u32>::new(&client, "tel").get("jack").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Decode);
    /// assert_eq!(err.raw_value(), Some(&b"\"not a number\""[..]));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn raw_value(&self) -> Option<&[u8]> {
        let raw = self.inner.raw.as_deref()?;
        raw.values.get(raw.bad?).map(Vec::as_slice)
    }

    /// The whole stored bytes that did not decode, owned (see
    /// [`raw_value`](Self::raw_value)).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// use pottery::{Client, sync::RedisList};
    ///
    /// let client = Client::open(&server.url())?;
    /// RedisList::<String>::new(&client, "jobs").push("oops")?;
    /// let err = RedisList::<u32>::new(&client, "jobs").pop().unwrap_err();
    /// // The element was removed: the error holds its only copy.
    /// assert_eq!(err.into_raw_value(), Some(b"\"oops\"".to_vec()));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn into_raw_value(self) -> Option<Vec<u8>> {
        let mut raw = self.inner.raw?;
        let bad = raw.bad?;
        (bad < raw.values.len()).then(|| raw.values.swap_remove(bad))
    }

    /// Everything the operation had removed (or overwritten) in Redis before it
    /// found that something does not decode, raw, in the order it was stored:
    /// the only copy left. `None` when the error changed nothing in Redis.
    ///
    /// One value for a pop, a `remove` or a queue's `get`; the old value for a
    /// dict's `replace` (the new one was stored); field then value for a dict's
    /// `pop_item`; every removed element for a list's `drain` or `splice`; the
    /// fields and values of a stream entry that has no `item` field.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// use pottery::{Client, sync::RedisList};
    ///
    /// let client = Client::open(&server.url())?;
    /// RedisList::<String>::new(&client, "jobs").push("oops")?;
    /// let jobs = RedisList::<u32>::new(&client, "jobs");
    /// let err = jobs.pop().unwrap_err();
    /// assert_eq!(err.removed_raw(), Some(&[b"\"oops\"".to_vec()][..]));
    /// assert!(jobs.is_empty()?);
    /// // A read removes nothing.
    /// client.with_connection(|c| redis::cmd("RPUSH").arg("jobs").arg("\"oops\"").query::<()>(c))?;
    /// assert_eq!(jobs.get(0).unwrap_err().removed_raw(), None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn removed_raw(&self) -> Option<&[Vec<u8>]> {
        let raw = self.inner.raw.as_deref()?;
        raw.taken.then_some(raw.values.as_slice())
    }
}
