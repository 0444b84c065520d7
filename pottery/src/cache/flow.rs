//! Looking a call up, computing it on a miss and storing the result, with
//! optional single flight, written once for both modes.
//!
//! A cached call is two plans around the caller's function: the first
//! ([`RedisCache::look_up`]) looks the field up and either returns the hit,
//! or claims the computation (with single flight), or — when another caller
//! holds the claim — sleeps a backoff and looks again; the second
//! ([`RedisCache::settle`]) stores the value and lifts the claim, or only
//! lifts it if the computation failed. The only code per mode is the call of
//! the function between the two (a closure, or a future awaited), in
//! `resolve` and `refill`.

#[cfg(feature = "async")]
use std::future::Future;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisCache;
use super::logic::{self, Backoff, Lookup, first_reply};
use crate::codec::Codec;
use crate::decode;
#[cfg(feature = "async")]
use crate::engine::Async;
use crate::engine::{Blocking, Deadline, Mode, ModeExt, Op, Plan};
use crate::error::{Error, Result};
use crate::lua;

/// What the first plan of a cached call found.
pub(crate) enum Found<T> {
    /// The cached value.
    Hit(T),
    /// No value: computing it is ours.
    Compute(Ticket),
}

/// A computation that is ours: the field, and our single-flight claim token
/// if we hold one.
pub(crate) struct Ticket {
    field: Vec<u8>,
    claim: Option<Vec<u8>>,
}

impl Ticket {
    /// A computation whatever is cached (a bypass): no lookup, no claim.
    fn bypass(field: Vec<u8>) -> Self {
        Ticket { field, claim: None }
    }
}

impl<C: Codec, M: Mode> RedisCache<C, M> {
    /// The first plan: looks `field` up, a hit or a miss counted; with single
    /// flight, a miss claims the computation, and another's claim means a
    /// pause of `backoff` and another look.
    fn look_up<T>(&self, field: Vec<u8>, mut backoff: Backoff) -> Plan<Found<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let token = self.lease.map(|_| uuid::Uuid::new_v4().as_bytes().to_vec());
        let op = self.lookup_op::<T>(field.clone(), token);
        let cache = self.clone();
        Plan::run(self.base.client().clone(), op, move |found| match found {
            Err(err) => Plan::fail(err),
            Ok(Lookup::Hit(value)) => {
                cache.count(true);
                Plan::done(Found::Hit(value))
            }
            Ok(Lookup::Compute(claim)) => {
                cache.count(false);
                Plan::done(Found::Compute(Ticket { field, claim }))
            }
            Ok(Lookup::Wait) => {
                Plan::sleep(backoff.next_pause(), move || cache.look_up(field, backoff))
            }
        })
    }

    /// The deadline of the first plan: one response timeout for a lookup;
    /// with single flight, also the lease (a claim lapses by then) and the
    /// longest pause between two looks.
    fn look_up_deadline(&self) -> Deadline {
        let lookup = self.base.client().response_timeout();
        let wait = self.lease.map_or(lookup, |lease| {
            lookup.saturating_add(lease).saturating_add(Backoff::MAX)
        });
        Deadline::after(wait)
    }

    /// The first plan of a cached call on `field`, and its deadline.
    fn first<T>(&self, field: Result<Vec<u8>>) -> Result<(Plan<Found<T>>, Deadline)>
    where
        T: DeserializeOwned + Send + 'static,
    {
        Ok((
            self.look_up(field?, Backoff::new()),
            self.look_up_deadline(),
        ))
    }

    /// The second plan, after computing: the store of `value` (lifting our
    /// claim), or the release of our claim if the computation failed.
    fn settle<T: Serialize, E>(
        &self,
        ticket: Ticket,
        value: &std::result::Result<T, E>,
    ) -> Plan<()> {
        let client = self.base.client().clone();
        match (value, ticket.claim) {
            (Ok(value), claim) => match self.store_op(&ticket.field, value, claim.as_deref()) {
                Ok(store) => Plan::op(client, store),
                Err(err) => Plan::fail(err),
            },
            (Err(_), Some(claim)) => Plan::op(client, self.abandon_op(&ticket.field, claim)),
            (Err(_), None) => Plan::done(()),
        }
    }

    /// After the second plan: a failure to store the value (or to lift our
    /// claim) is reported, never returned. The value was computed, and the
    /// caller gets it: throwing it away because Redis could not keep a copy
    /// (out of memory, say) would turn a cache miss into a failed call. The
    /// next call misses and computes again (with single flight, a claim not
    /// lifted lapses after its lease).
    fn settled(&self, outcome: Result<()>) {
        if let Err(err) = outcome {
            store_failed(self.key(), &err);
        }
    }

    /// Looks `field` up (resetting the time to live); with single flight
    /// (`token` given) also claims the computation when the result is missing.
    pub(super) fn lookup_op<R: DeserializeOwned + Send + 'static>(
        &self,
        field: Vec<u8>,
        token: Option<Vec<u8>>,
    ) -> Op<Lookup<R>> {
        let codec = self.base.codec().clone();
        if let Some(token) = token {
            let args = vec![token.clone()];
            return self.flight_op(
                &lua::cache::FLIGHT_LOOKUP,
                &field,
                args,
                move |key, reply| logic::decode_flight(&codec, key, reply, token),
            );
        }
        let refresh = self.refresh_due();
        // A lookup that resets the TTL is a script, never HGET + PEXPIRE piped:
        // on a key of another type the script stops at HGET's WRONGTYPE, while
        // the pipeline would still set our TTL on someone else's data. (A
        // cluster needs the script anyway: its blocking connection has no
        // pipelines.)
        let (request, piped) = if refresh || self.base.client().is_cluster() {
            let timeout = if refresh {
                self.timeout_arg()
            } else {
                b"0".to_vec()
            };
            (
                self.base.script(&lua::cache::LOOKUP, &[field, timeout]),
                true,
            )
        } else {
            (self.base.cmd_with("HGET", field).into(), false)
        };
        self.base.op(request, move |key, reply| {
            let reply = if piped {
                first_reply(key, reply)?
            } else {
                reply
            };
            let found = decode::optional(&codec, key, reply)?;
            Ok(found.map_or(Lookup::Compute(None), Lookup::Hit))
        })
    }

    /// Lifts our single-flight claim on `field` after the computation failed,
    /// so that a waiting caller computes at once.
    pub(super) fn abandon_op(&self, field: &[u8], token: Vec<u8>) -> Op<()> {
        self.flight_op(&lua::cache::FLIGHT_ABANDON, field, vec![token], |_, _| {
            Ok(())
        })
    }

    /// A call of a single-flight script on the hash and the field's claim key
    /// (a companion key in the hash's cluster slot).
    pub(super) fn flight_op<T>(
        &self,
        script: &'static redis::Script,
        field: &[u8],
        mut args: Vec<Vec<u8>>,
        decode: impl FnOnce(&str, Value) -> Result<T> + Send + 'static,
    ) -> Op<T> {
        let mut claim = self.base.companion_key(":flight:").into_bytes();
        claim.extend_from_slice(field);
        let lease = self.lease.map_or(0, crate::container::millis);
        let mut argv = vec![
            field.to_vec(),
            self.timeout_arg(),
            lease.to_string().into_bytes(),
        ];
        argv.append(&mut args);
        let keys = [self.key().as_bytes(), claim.as_slice()];
        self.base
            .op(crate::engine::Request::script(script, &keys, &argv), decode)
            .touching(claim)
    }
}

/// The one place a cached call reports that its computed value was not stored
/// (or its single-flight claim not lifted): the call itself returns the value.
///
/// The `tracing` feature reports it here, as a warn-level event naming the key
/// and the error; without it the failure is dropped (there is no other channel
/// for it: the caller asked for a value and got it).
pub(crate) fn store_failed(key: &str, err: &Error) {
    crate::trace::store_failed(key, err);
}

// The per-mode code: the call of the caller's function between the plans.
impl<C: Codec> RedisCache<C, Blocking> {
    /// The cached result for `args`, or `f()`'s, stored for next time (one
    /// round trip on a hit, two on a miss). Counts a hit or a miss.
    ///
    /// Each round trip gets the client's response timeout; `f` runs as long
    /// as it takes; with single flight, waiting for another caller's value
    /// lasts at most the lease (see the type's `# Deadlines`).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::sync::RedisCache::new(&client, "fib");
    /// assert_eq!(cache.get_or_compute(&(10,), || 55)?, 55);
    /// assert_eq!(cache.get_or_compute(&(10,), || 0)?, 55);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_or_compute<A, R>(&self, args: &A, f: impl FnOnce() -> R) -> Result<R>
    where
        A: Serialize + ?Sized,
        R: Serialize + DeserializeOwned + Send + 'static,
    {
        self.resolve(self.field(args), || Ok::<R, Error>(f()))
    }

    /// As [`get_or_compute`](Self::get_or_compute) for a computation that can
    /// fail: an `Err` is returned and not cached. Redis's errors become `E`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::sync::RedisCache::new(&client, "parse");
    /// let parse = |s: &str| cache.try_get_or_compute(&(s,), || {
    ///     s.parse::<i32>().map_err(std::io::Error::other)
    /// });
    /// assert!(parse("x").is_err());
    /// assert_eq!(parse("42")?, 42);
    /// assert_eq!(cache.cache_info()?.currsize, 1); // the error was not stored
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_get_or_compute<A, T, E>(
        &self,
        args: &A,
        f: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        A: Serialize + ?Sized,
        T: Serialize + DeserializeOwned + Send + 'static,
        E: From<Error>,
    {
        self.resolve(self.field(args), f)
    }

    /// Computes `f()` whatever is cached and stores it for `args`: pottery's
    /// `__bypass__`. Not counted as a hit or miss.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::sync::RedisCache::new(&client, "rate");
    /// cache.get_or_compute(&("eur",), || 1.08)?;
    /// assert_eq!(cache.bypass(&("eur",), || 1.09)?, 1.09);
    /// assert_eq!(cache.get_or_compute(&("eur",), || 0.0)?, 1.09);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn bypass<A, R>(&self, args: &A, f: impl FnOnce() -> R) -> Result<R>
    where
        A: Serialize + ?Sized,
        R: Serialize,
    {
        self.refill(self.field(args), || Ok::<R, Error>(f()))
    }

    /// Looks the call whose field is `field` up, computing on a miss.
    pub(crate) fn resolve<T, E>(
        &self,
        field: Result<Vec<u8>>,
        f: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        E: From<Error>,
    {
        let (first, deadline) = self.first(field)?;
        match Blocking::plan(first, deadline)? {
            Found::Hit(value) => Ok(value),
            Found::Compute(ticket) => self.keep(ticket, f()),
        }
    }

    /// Computes and stores the call whose field is `field`.
    pub(crate) fn refill<T: Serialize, E: From<Error>>(
        &self,
        field: Result<Vec<u8>>,
        f: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.keep(Ticket::bypass(field?), f())
    }

    /// Runs the second plan; then `value`, whether or not it was stored.
    fn keep<T: Serialize, E: From<Error>>(
        &self,
        ticket: Ticket,
        value: std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let settled = Blocking::run_plan(self.base.client(), self.settle(ticket, &value));
        self.settled(settled);
        value
    }
}

#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl<C: Codec> RedisCache<C, Async> {
    /// The cached result for `args`, or that of the future `f()` makes, stored
    /// for next time (one round trip on a hit, two on a miss). Deadlines as in
    /// the blocking form (see the type's `# Deadlines`).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::future::RedisCache::new(&client, "fib");
    /// assert_eq!(cache.get_or_compute(&(10,), || async { 55 }).await?, 55);
    /// assert_eq!(cache.get_or_compute(&(10,), || async { 0 }).await?, 55);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn get_or_compute<A, R, F>(&self, args: &A, f: impl FnOnce() -> F) -> Result<R>
    where
        A: Serialize + ?Sized,
        R: Serialize + DeserializeOwned + Send + 'static,
        F: Future<Output = R>,
    {
        self.resolve(self.field(args), || async { Ok::<R, Error>(f().await) })
            .await
    }

    /// As [`get_or_compute`](Self::get_or_compute) for a computation that can
    /// fail: an `Err` is returned and not cached.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::future::RedisCache::new(&client, "parse");
    /// let failed = cache.try_get_or_compute(&("x",), || async {
    ///     "x".parse::<i32>().map_err(std::io::Error::other)
    /// });
    /// assert!(failed.await.is_err());
    /// assert_eq!(cache.cache_info().await?.currsize, 0);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn try_get_or_compute<A, T, E, F>(
        &self,
        args: &A,
        f: impl FnOnce() -> F,
    ) -> std::result::Result<T, E>
    where
        A: Serialize + ?Sized,
        T: Serialize + DeserializeOwned + Send + 'static,
        E: From<Error>,
        F: Future<Output = std::result::Result<T, E>>,
    {
        self.resolve(self.field(args), f).await
    }

    /// Computes `f()` whatever is cached and stores it for `args`: pottery's
    /// `__bypass__`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let cache = pottery::future::RedisCache::new(&client, "rate");
    /// assert_eq!(cache.bypass(&("eur",), || async { 1.09 }).await?, 1.09);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn bypass<A, R, F>(&self, args: &A, f: impl FnOnce() -> F) -> Result<R>
    where
        A: Serialize + ?Sized,
        R: Serialize,
        F: Future<Output = R>,
    {
        self.refill(self.field(args), || async { Ok::<R, Error>(f().await) })
            .await
    }

    /// Looks the call whose field is `field` up, computing on a miss.
    pub(crate) async fn resolve<T, E, F>(
        &self,
        field: Result<Vec<u8>>,
        f: impl FnOnce() -> F,
    ) -> std::result::Result<T, E>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        E: From<Error>,
        F: Future<Output = std::result::Result<T, E>>,
    {
        let (first, deadline) = self.first(field)?;
        match Async::plan(first, deadline).await? {
            Found::Hit(value) => Ok(value),
            Found::Compute(ticket) => self.keep(ticket, f().await).await,
        }
    }

    /// Computes and stores the call whose field is `field`.
    pub(crate) async fn refill<T: Serialize, E: From<Error>, F>(
        &self,
        field: Result<Vec<u8>>,
        f: impl FnOnce() -> F,
    ) -> std::result::Result<T, E>
    where
        F: Future<Output = std::result::Result<T, E>>,
    {
        let ticket = Ticket::bypass(field?);
        self.keep(ticket, f().await).await
    }

    /// Runs the second plan; then `value`, whether or not it was stored.
    async fn keep<T: Serialize, E: From<Error>>(
        &self,
        ticket: Ticket,
        value: std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let settled = Async::run_plan(self.base.client(), self.settle(ticket, &value)).await;
        self.settled(settled);
        value
    }
}
