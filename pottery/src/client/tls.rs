//! A [`ClientBuilder`](super::ClientBuilder)'s TLS options (feature `tls`): a
//! custom certificate authority and a client certificate, handed to redis-rs
//! as its `TlsCertificates` (rustls).

use std::fmt;

use redis::cluster::ClusterClientBuilder;
use redis::{ClientTlsConfig, TlsCertificates};

use crate::error::{Error, Result};

/// The certificates a builder was given (PEM), if any.
#[derive(Clone, Default)]
pub(super) struct Tls {
    root: Option<Vec<u8>>,
    client: Option<(Vec<u8>, Vec<u8>)>,
}

/// Says what is set, never the key.
impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("root_certificate", &self.root.is_some())
            .field("client_certificate", &self.client.is_some())
            .finish()
    }
}

impl Tls {
    pub(super) fn set_root(&mut self, pem: Vec<u8>) {
        self.root = Some(pem);
    }

    pub(super) fn set_client(&mut self, cert: Vec<u8>, key: Vec<u8>) {
        self.client = Some((cert, key));
    }

    pub(super) fn is_set(&self) -> bool {
        self.root.is_some() || self.client.is_some()
    }

    fn certificates(&self) -> TlsCertificates {
        TlsCertificates {
            client_tls: self
                .client
                .as_ref()
                .map(|(client_cert, client_key)| ClientTlsConfig {
                    client_cert: client_cert.clone(),
                    client_key: client_key.clone(),
                }),
            root_cert: self.root.clone(),
        }
    }

    /// The redis-rs client for `url`, with these certificates if any are set
    /// (then `url` must be `rediss://`).
    pub(super) fn open(&self, url: &str, shown: &str) -> Result<redis::Client> {
        if !self.is_set() {
            return redis::Client::open(url).map_err(|err| super::builder::bad(shown, &err));
        }
        if !is_tls(url) {
            return Err(not_tls(shown));
        }
        redis::Client::build_with_tls(url, self.certificates())
            .map_err(|err| bad_certificate(shown, &err))
    }

    /// `builder` with these certificates, if any are set.
    pub(super) fn cluster(
        &self,
        builder: ClusterClientBuilder,
        nodes: &[String],
        shown: &str,
    ) -> Result<ClusterClientBuilder> {
        if !self.is_set() {
            return Ok(builder);
        }
        if !nodes.iter().all(|n| is_tls(n)) {
            return Err(not_tls(shown));
        }
        Ok(builder.certs(self.certificates()))
    }

    /// Whether `err`, from building a cluster client, is about these certificates.
    pub(super) fn explains(&self, err: &redis::RedisError) -> bool {
        self.is_set() && err.is_io_error()
    }
}

/// Whether `url` asks for TLS (the schemes redis-rs connects to with TLS).
fn is_tls(url: &str) -> bool {
    url.starts_with("rediss://") || url.starts_with("valkeys://")
}

fn not_tls(shown: &str) -> Error {
    Error::config(format!(
        "cannot use {shown}: TLS certificates need rediss:// URLs"
    ))
}

/// redis-rs's message says which PEM did not parse and why (it quotes no key).
pub(super) fn bad_certificate(shown: &str, err: &redis::RedisError) -> Error {
    Error::config(format!(
        "cannot use {shown}: invalid TLS certificate or key ({err})"
    ))
}
