//! A [`Client`]'s options, their checks, and how they become redis-rs's settings.

use std::fmt;
use std::time::Duration;

use redis::cluster::{ClusterClient, ClusterClientBuilder};

use super::{
    Backend, Client, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, DEFAULT_URL, redact,
};
use crate::engine::positive;
use crate::error::{Error, Result};

/// Options for a [`Client`]; start with [`Client::builder`], [`Client::cluster_builder`]
/// or, for a redis-rs client you already have, `ClientBuilder::from(redis_client)`.
///
/// Both timeouts accept [`Duration::MAX`] for "no limit"; zero is a configuration
/// error, reported by [`build`](ClientBuilder::build).
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// let client = pottery::Client::cluster_builder(["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"])
///     .response_timeout(Duration::from_secs(2))
///     .build()?;
/// assert!(client.is_cluster());
///
/// let redis_client = redis::Client::open("redis://127.0.0.1:6379/1").unwrap();
/// let client = pottery::ClientBuilder::from(redis_client)
///     .response_timeout(Duration::from_millis(500))
///     .build()?;
/// assert!(!client.is_cluster());
/// # Ok::<(), pottery::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    target: Target,
    connect_timeout: Duration,
    response_timeout: Duration,
    #[cfg(feature = "tls")]
    tls: super::tls::Tls,
}

#[derive(Clone)]
enum Target {
    Urls { nodes: Vec<String>, cluster: bool },
    Existing(Existing),
}

/// A redis-rs client made elsewhere.
#[derive(Clone)]
pub(super) enum Existing {
    Redis(Box<redis::Client>),
    RedisCluster(Box<ClusterClient>),
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never redis-rs's Debug: it may show a password.
        let mut out = f.debug_struct("ClientBuilder");
        out.field("target", &self.target.shown())
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout);
        #[cfg(feature = "tls")]
        out.field("tls", &self.tls);
        out.finish()
    }
}

impl ClientBuilder {
    pub(super) fn urls(nodes: Vec<String>, cluster: bool) -> Self {
        ClientBuilder::with(Target::Urls { nodes, cluster })
    }

    fn with(target: Target) -> Self {
        ClientBuilder {
            target,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
            #[cfg(feature = "tls")]
            tls: super::tls::Tls::default(),
        }
    }

    /// Sets how long opening a connection may take (default 5 s). A connection
    /// opened during a call gets at most what is left of the call's deadline.
    ///
    /// ```
    /// let b = pottery::Client::builder("redis://localhost").connect_timeout(std::time::Duration::from_secs(1));
    /// # let _ = b;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the deadline of a call that has none of its own (default 10 s):
    /// everything the call does, connecting and cluster retries included, ends
    /// by then (see [`Client`]'s "Deadlines").
    ///
    /// ```
    /// let b = pottery::Client::builder("redis://localhost").response_timeout(std::time::Duration::from_secs(1));
    /// # let _ = b;
    /// ```
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Trusts the certificate authorities in `pem` (one or more PEM
    /// certificates) instead of the system's, for `rediss://` URLs (feature
    /// `tls`): the way to reach a server whose certificate your own CA signed
    /// while still checking it (unlike `#insecure`, which checks nothing).
    /// The server's certificate must name the URL's host (a DNS name, or an IP
    /// address for `rediss://127.0.0.1`).
    ///
    /// A certificate that does not parse is a configuration error, reported
    /// by [`build`](ClientBuilder::build); one that parses but did not sign
    /// the server's certificate fails the first call with a connection error
    /// saying why (`invalid peer certificate: UnknownIssuer`).
    ///
    /// ```
    /// # // A private CA and a TLS server whose certificate it signed, for this example.
    /// # let certs = pottery_testkit::Certs::generate();
    /// # let server = pottery_testkit::Server::start_tls_with(&certs, false);
    /// # let url = server.url(); // rediss://127.0.0.1:PORT/0
    /// # let ca_pem = certs.ca.clone();
    /// use pottery::{Client, ErrorKind, sync::RedisDict};
    ///
    /// // `ca_pem`: your CA's certificate, e.g. `std::fs::read("ca.crt")?`.
    /// let client = Client::builder(&url).tls_root_certificate(ca_pem).build()?;
    /// RedisDict::<String, u32>::new(&client, "tel").insert("jane", 1234)?;
    ///
    /// // Without it the server is not trusted: the first call fails.
    /// let untrusted = Client::open(&url)?;
    /// let err = RedisDict::<String, u32>::new(&untrusted, "tel").get("jane").unwrap_err();
    /// assert!(err.is_connection());
    ///
    /// // A certificate that does not parse, or certificates without TLS, are
    /// // configuration errors.
    /// let garbage = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
    /// let err = Client::builder(&url).tls_root_certificate(garbage).build().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Config);
    /// let err = Client::builder("redis://localhost").tls_root_certificate(Vec::new()).build().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Config);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls.set_root(pem.into());
        self
    }

    /// Presents `cert_pem` (the client certificate, optionally followed by its
    /// chain) with the private key `key_pem` (PKCS#8, PKCS#1 or SEC1 PEM) to
    /// servers that require one (`tls-auth-clients yes`), for `rediss://` URLs
    /// (feature `tls`). Combine it with
    /// [`tls_root_certificate`](ClientBuilder::tls_root_certificate) for a
    /// private CA. `Debug` shows only that a certificate is set, never the key.
    ///
    /// ```
    /// # // A private CA, and a TLS server that requires client certificates it signed.
    /// # let certs = pottery_testkit::Certs::generate();
    /// # let server = pottery_testkit::Server::start_tls_with(&certs, true);
    /// # let url = server.url(); // rediss://127.0.0.1:PORT/0
    /// # let (ca_pem, cert_pem, key_pem) = (certs.ca.clone(), certs.client_cert.clone(), certs.client_key.clone());
    /// use pottery::{Client, sync::RedisDict};
    ///
    /// // PEM text, e.g. `std::fs::read("client.crt")?` and `std::fs::read("client.key")?`.
    /// let client = Client::builder(&url)
    ///     .tls_root_certificate(ca_pem.clone())
    ///     .tls_client_certificate(cert_pem, key_pem)
    ///     .build()?;
    /// let tel: RedisDict<String, u32> = RedisDict::new(&client, "tel");
    /// tel.insert("jane", 1234)?;
    /// assert!(!format!("{client:?}").contains("PRIVATE KEY"));
    ///
    /// // Without a client certificate the server refuses the connection.
    /// let anonymous = Client::builder(&url).tls_root_certificate(ca_pem).build()?;
    /// assert!(RedisDict::<String, u32>::new(&anonymous, "tel").get("jane").is_err());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_client_certificate(
        mut self,
        cert_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.tls.set_client(cert_pem.into(), key_pem.into());
        self
    }

    /// Checks the options and makes the client; nothing connects yet.
    ///
    /// A bad URL or a zero timeout is a configuration error:
    ///
    /// ```
    /// use std::time::Duration;
    /// use pottery::Client;
    ///
    /// assert_eq!(Client::builder("nope://x").build().unwrap_err().kind(), pottery::ErrorKind::Config);
    /// let zero = Client::builder("redis://localhost").response_timeout(Duration::ZERO);
    /// assert_eq!(zero.build().unwrap_err().kind(), pottery::ErrorKind::Config);
    /// let unlimited = Client::builder("redis://localhost").response_timeout(Duration::MAX);
    /// assert_eq!(unlimited.build()?.response_timeout(), Duration::MAX);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn build(self) -> Result<Client> {
        positive("the connect timeout", self.connect_timeout)?;
        positive("the response timeout", self.response_timeout)?;
        let shown = self.target.shown();
        #[cfg(feature = "tls")]
        let tls = self.tls;
        let (connect_timeout, response_timeout) = (self.connect_timeout, self.response_timeout);
        let backend = match self.target {
            Target::Urls {
                nodes,
                cluster: true,
            } => {
                if nodes.is_empty() {
                    return Err(Error::config("a cluster needs at least one node URL"));
                }
                if let Some(err) = nodes.iter().find_map(|n| redact::parse_error(n)) {
                    return Err(not_a_url(&shown, &err));
                }
                let builder = ClusterClient::builder(nodes.iter().map(String::as_str));
                // The settings the subscriber's node connections use (see
                // `subscriber`): the first node's, as redis-rs's own.
                #[cfg(feature = "tls")]
                let node_info = nodes.first().map(|n| tls.open(n, &shown)).transpose()?;
                #[cfg(not(feature = "tls"))]
                let node_info = nodes
                    .first()
                    .map(|n| redis::Client::open(n.as_str()).map_err(|err| bad(&shown, &err)))
                    .transpose()?;
                let node_info = node_info.map(|c| c.get_connection_info().clone());
                #[cfg(feature = "tls")]
                let builder = tls.cluster(builder, &nodes, &shown)?;
                let built = cluster_settings(builder, connect_timeout, response_timeout).build();
                let client = match built {
                    #[cfg(feature = "tls")]
                    Err(err) if tls.explains(&err) => {
                        return Err(super::tls::bad_certificate(&shown, &err));
                    }
                    Err(err) => return Err(bad(&shown, &err)),
                    Ok(client) => client,
                };
                Backend::cluster(client, true, node_info)
            }
            Target::Urls { nodes, .. } => {
                let url = nodes.first().map_or(DEFAULT_URL, String::as_str);
                if let Some(err) = redact::parse_error(url) {
                    return Err(not_a_url(&shown, &err));
                }
                #[cfg(feature = "tls")]
                let client = tls.open(url, &shown)?;
                #[cfg(not(feature = "tls"))]
                let client = redis::Client::open(url).map_err(|err| bad(&shown, &err))?;
                single(client, connect_timeout, response_timeout)
            }
            #[cfg(feature = "tls")]
            Target::Existing(_) if tls.is_set() => {
                return Err(Error::config(
                    "TLS certificates cannot be added to a redis-rs client made elsewhere: \
                     build that client with them (redis::Client::build_with_tls)",
                ));
            }
            Target::Existing(existing) => existing.backend(connect_timeout, response_timeout),
        };
        Ok(Client::assemble(
            backend,
            shown,
            connect_timeout,
            response_timeout,
        ))
    }
}

impl Existing {
    fn backend(self, connect_timeout: Duration, response_timeout: Duration) -> Backend {
        match self {
            Existing::Redis(client) => single(*client, connect_timeout, response_timeout),
            Existing::RedisCluster(client) => Backend::cluster(*client, false, None),
        }
    }

    /// The client, with the default timeouts (which need no check).
    pub(super) fn client(self) -> Client {
        let (connect, response) = (DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT);
        let shown = Target::Existing(self.clone()).shown();
        Client::assemble(self.backend(connect, response), shown, connect, response)
    }
}

/// A builder for an existing redis-rs client: its URL, database, credentials
/// and TLS settings, with pottery's timeouts.
///
/// ```
/// let redis_client = redis::Client::open("redis://127.0.0.1:6379/3").unwrap();
/// let client = pottery::ClientBuilder::from(redis_client).build()?;
/// # let _ = client;
/// # Ok::<(), pottery::Error>(())
/// ```
impl From<redis::Client> for ClientBuilder {
    fn from(client: redis::Client) -> Self {
        ClientBuilder::with(Target::Existing(Existing::Redis(Box::new(client))))
    }
}

/// A builder for an existing redis-rs cluster client. It keeps the timeouts
/// and retry settings it was built with, so prefer [`Client::cluster_builder`]:
/// see [`Client`]'s "Deadlines" for what this changes.
///
/// ```
/// let cluster = redis::cluster::ClusterClient::new(["redis://127.0.0.1:7000"]).unwrap();
/// let client = pottery::ClientBuilder::from(cluster).build()?;
/// assert!(client.is_cluster());
/// # Ok::<(), pottery::Error>(())
/// ```
impl From<ClusterClient> for ClientBuilder {
    fn from(client: ClusterClient) -> Self {
        ClientBuilder::with(Target::Existing(Existing::RedisCluster(Box::new(client))))
    }
}

impl Target {
    /// What Debug and errors show: URLs with passwords redacted.
    fn shown(&self) -> String {
        match self {
            Target::Urls { nodes, .. } => nodes
                .iter()
                .map(|n| redact::redact_url(n))
                .collect::<Vec<_>>()
                .join(", "),
            Target::Existing(Existing::Redis(client)) => {
                client.get_connection_info().addr().to_string()
            }
            Target::Existing(Existing::RedisCluster(_)) => "a redis-rs ClusterClient".to_owned(),
        }
    }
}

/// `limit`, or `None` for [`Duration::MAX`] (what redis-rs takes for no limit).
pub(crate) fn finite(limit: Duration) -> Option<Duration> {
    (limit != Duration::MAX).then_some(limit)
}

fn single(client: redis::Client, connect_timeout: Duration, response_timeout: Duration) -> Backend {
    let (connect, response) = (finite(connect_timeout), finite(response_timeout));
    Backend::single(client, connect, response)
}

/// The settings of redis-rs's cluster client: our timeouts, and retries that fit
/// inside the response timeout (see [`RetryBudget`]).
fn cluster_settings(
    builder: ClusterClientBuilder,
    connect_timeout: Duration,
    response_timeout: Duration,
) -> ClusterClientBuilder {
    let budget = RetryBudget::for_timeout(response_timeout);
    // `Duration::MAX` works as redis-rs's "no limit" for connecting (its own
    // default, used when none is given, is 1 s).
    let builder = builder
        .connection_timeout(connect_timeout)
        .retries(budget.retries)
        .min_retry_wait(budget.min_wait_ms)
        .max_retry_wait(budget.max_wait_ms)
        .retry_wait_formula(budget.factor_ms, budget.exponent_base);
    match finite(response_timeout) {
        // Also the async connection's overall limit, retries included.
        Some(limit) => builder.response_timeout(limit),
        None => builder,
    }
}

/// How often and how long redis-rs's cluster connections retry (after
/// `TRYAGAIN`, `CLUSTERDOWN`, a lost connection), fitted to the response timeout.
///
/// redis-rs's defaults (16 retries, each waiting 1.28 s to 655 s) let one
/// blocking call run for minutes. Here the 16 retries wait from 1 ms up to
/// `factor * base^n` ms, capped at 1/20 of the response timeout (and at
/// 100 ms): all their waits together take at most 80% of the response timeout,
/// and the deadline stops the retries sooner (see [`Client`]'s "Deadlines").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RetryBudget {
    pub(crate) retries: u32,
    pub(crate) min_wait_ms: u64,
    pub(crate) max_wait_ms: u64,
    pub(crate) factor_ms: u64,
    pub(crate) exponent_base: u64,
}

impl RetryBudget {
    pub(crate) const MAX_WAIT: Duration = Duration::from_millis(100);

    pub(crate) fn for_timeout(response_timeout: Duration) -> RetryBudget {
        let max_wait = (response_timeout / 20).min(RetryBudget::MAX_WAIT);
        let max_wait_ms = u64::try_from(max_wait.as_millis()).unwrap_or(100).max(1);
        RetryBudget {
            retries: 16,
            min_wait_ms: 1,
            max_wait_ms,
            factor_ms: 10,
            exponent_base: 2,
        }
    }
}

/// The error of a URL or option redis-rs refused. Its own message is not
/// shown: some quote a piece of the URL (an invalid `protocol=` value), which
/// may be a piece of a password.
pub(super) fn bad(shown: &str, err: &redis::RedisError) -> Error {
    let why = match err.kind() {
        redis::ErrorKind::InvalidClientConfig => {
            "invalid URL or option (expected redis://, rediss:// or unix://, \
             a numeric database, protocol=2 or 3)"
                .to_owned()
        }
        kind => format!("{kind:?}"),
    };
    Error::config(format!("cannot use {shown}: {why}"))
}

/// The error of a URL that does not parse, in the parser's words.
fn not_a_url(shown: &str, why: &str) -> Error {
    Error::config(format!("cannot use {shown}: not a valid URL ({why})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most redis-rs can sleep between one call's retries.
    fn total_wait(budget: RetryBudget) -> Duration {
        Duration::from_millis(budget.max_wait_ms * u64::from(budget.retries))
    }

    #[test]
    fn cluster_retries_fit_in_the_response_timeout() {
        for ms in [20, 100, 300, 1_000, 10_000, 3_600_000] {
            let timeout = Duration::from_millis(ms);
            let budget = RetryBudget::for_timeout(timeout);
            assert!(total_wait(budget) <= timeout * 4 / 5, "{ms} ms: {budget:?}");
            assert!(budget.max_wait_ms >= budget.min_wait_ms);
        }
        let one_second = RetryBudget::for_timeout(Duration::from_secs(1));
        assert_eq!((one_second.retries, one_second.max_wait_ms), (16, 50));
        // No limit, or a tiny one, still waits between retries, briefly.
        assert_eq!(RetryBudget::for_timeout(Duration::MAX).max_wait_ms, 100);
        assert_eq!(
            RetryBudget::for_timeout(Duration::from_millis(3)).max_wait_ms,
            1
        );
    }

    #[test]
    fn max_means_no_limit_for_redis_rs() {
        assert_eq!(finite(Duration::MAX), None);
        assert_eq!(finite(Duration::from_secs(1)), Some(Duration::from_secs(1)));
    }
}
