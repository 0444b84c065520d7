//! [`NextIdBuilder`]: a generator's key, masters, tries and timeouts, checked
//! by [`build`](NextIdBuilder::build).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::{NEXTID_KEY_PREFIX, NextId, Shared};
use crate::client::Client;
use crate::engine::{Blocking, Mode, positive};
use crate::error::{Error, Result};

/// Settings for a [`NextId`]: its key, masters, tries and timeouts.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// let ids: pottery::sync::NextId = pottery::NextId::builder()
///     .key("tweets")
///     .master(pottery::Client::open(&server.url())?)
///     .num_tries(5)
///     .build()?;
/// assert_eq!(ids.num_tries(), 5);
/// # Ok::<(), pottery::Error>(())
/// ```
#[must_use]
pub struct NextIdBuilder<M: Mode = Blocking> {
    pub(super) key: String,
    pub(super) masters: Vec<Client>,
    pub(super) num_tries: u32,
    pub(super) request_timeout: Duration,
    pub(super) raise_on_redis_errors: bool,
    pub(super) mode: PhantomData<fn() -> M>,
}

impl<M: Mode> NextIdBuilder<M> {
    /// The sequence's name (Redis key `nextid:<key>`); default `current`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let ids = pottery::sync::NextId::builder().key("tweets").master(pottery::Client::open(&server.url())?).build()?;
    /// assert_eq!(ids.key(), "nextid:tweets");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(mut self, key: &str) -> Self {
        key.clone_into(&mut self.key);
        self
    }

    /// Adds a master.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let b = pottery::sync::NextId::builder().master(pottery::Client::open(&server.url())?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn master(mut self, client: Client) -> Self {
        self.masters.push(client);
        self
    }

    /// Adds masters.
    ///
    /// ```
    /// # let (a, b) = (pottery_testkit::Server::start(), pottery_testkit::Server::start());
    /// let masters = vec![pottery::Client::open(&a.url())?, pottery::Client::open(&b.url())?];
    /// let ids = pottery::sync::NextId::builder().masters(masters).build()?;
    /// assert_eq!(ids.masters().len(), 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn masters(mut self, clients: impl IntoIterator<Item = Client>) -> Self {
        self.masters.extend(clients);
        self
    }

    /// How many read-and-propose rounds one ID may take; at least 1 (default
    /// [`DEFAULT_NUM_TRIES`](crate::DEFAULT_NUM_TRIES), 20; pottery's is 3).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let ids = pottery::sync::NextId::builder().master(pottery::Client::open(&server.url())?).num_tries(1).build()?;
    /// assert_eq!(ids.num_tries(), 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn num_tries(mut self, tries: u32) -> Self {
        self.num_tries = tries;
        self
    }

    /// How long one master may take to answer one request before it counts as
    /// failed (default 100 ms); more than zero.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let ids = pottery::sync::NextId::builder()
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .request_timeout(std::time::Duration::from_millis(50))
    ///     .build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Whether [`next`](NextId::next) and [`reset`](NextId::reset) fail at once
    /// with [`ErrorKind::QuorumIsImpossible`](crate::ErrorKind::QuorumIsImpossible) when more than half of the
    /// masters fail (default `true`); with `false`, as pottery's default, such
    /// a round counts as lost and the error is `QuorumNotAchieved`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let ids = pottery::sync::NextId::builder()
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .raise_on_redis_errors(false)
    ///     .build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn raise_on_redis_errors(mut self, raise: bool) -> Self {
        self.raise_on_redis_errors = raise;
        self
    }

    /// The generator; fails on no masters, zero tries or a zero request
    /// timeout (`Duration::MAX` is no limit).
    ///
    /// ```
    /// assert_eq!(pottery::sync::NextId::builder().build().unwrap_err().kind(), pottery::ErrorKind::Config);
    /// ```
    pub fn build(self) -> Result<NextId<M>> {
        if self.masters.is_empty() {
            return Err(Error::config("a NextId needs at least one master"));
        }
        if self.num_tries == 0 {
            return Err(Error::config("a NextId needs at least one try"));
        }
        positive("a NextId's request timeout", self.request_timeout)?;
        Ok(NextId {
            shared: Arc::new(Shared {
                key: format!("{NEXTID_KEY_PREFIX}{}", self.key).into(),
                masters: self.masters,
                num_tries: self.num_tries,
                request_timeout: self.request_timeout,
                raise_on_redis_errors: self.raise_on_redis_errors,
            }),
            mode: PhantomData,
        })
    }
}

impl<M: Mode> fmt::Debug for NextIdBuilder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NextIdBuilder")
            .field("key", &self.key)
            .field("masters", &self.masters.len())
            .field("num_tries", &self.num_tries)
            .finish_non_exhaustive()
    }
}
