//! TLS with certificates that are checked: a private CA (made by `rcgen` in
//! testkit), a redis-server whose certificate it signed, and one that also
//! requires a client certificate (`tls-auth-clients yes`). Each case starts its
//! own TLS server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use crate::support;

use std::time::Duration;

use pottery::{Client, ClientBuilder, ErrorKind, future, sync::RedisDict};
use pottery_testkit::{Certs, Server};
use support::{Ctx, Target};

/// A builder on `url` that gives up quickly (a TLS failure is immediate anyway).
fn quick(url: &str) -> ClientBuilder {
    Client::builder(url)
        .connect_timeout(Duration::from_secs(2))
        .response_timeout(Duration::from_secs(2))
}

/// Writes and reads back through the blocking and the async API.
fn round_trip(ctx: &Ctx, client: &Client) -> pottery::Result<()> {
    let d: RedisDict<String, i64> = RedisDict::new(client, "d");
    d.insert("x", 1)?;
    assert_eq!(d.get("x")?, Some(1));
    let got = ctx.block_on(async {
        future::RedisDict::<String, i64>::new(client, "d")
            .get("x")
            .await
    })?;
    assert_eq!(got, Some(1));
    Ok(())
}

/// The blocking and the async error of a first call on `client`.
fn both_errors(ctx: &Ctx, client: &Client) -> [pottery::Error; 2] {
    let blocking = RedisDict::<String, i64>::new(client, "d")
        .get("x")
        .unwrap_err();
    let asynchronous = ctx.block_on(async {
        future::RedisDict::<String, i64>::new(client, "d")
            .get("x")
            .await
            .unwrap_err()
    });
    [blocking, asynchronous]
}

/// Display of `err` and its sources, joined.
fn chain(err: &pottery::Error) -> String {
    let mut out = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        out.push_str(" / ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

fn a_custom_ca_verifies_the_server(ctx: &Ctx) {
    let certs = Certs::generate();
    let server = Server::start_tls_with(&certs, false);
    assert!(!server.url().contains("insecure"));
    let client = quick(&server.url())
        .tls_root_certificate(certs.ca.as_bytes())
        .build()
        .unwrap();
    round_trip(ctx, &client).unwrap();
}

fn without_the_ca_the_server_is_not_trusted(ctx: &Ctx) {
    let certs = Certs::generate();
    let server = Server::start_tls_with(&certs, false);
    // Neither the system's roots nor another CA signed the server's certificate.
    let other = Certs::generate();
    for builder in [
        quick(&server.url()),
        quick(&server.url()).tls_root_certificate(other.ca.as_bytes()),
    ] {
        let client = builder.build().unwrap();
        for err in both_errors(ctx, &client) {
            assert!(err.is_connection(), "{err:?}");
            let text = chain(&err);
            // UnknownIssuer without a CA; BadSignature with another CA of the same name.
            assert!(
                text.contains("invalid peer certificate"),
                "not a clear TLS error: {text}"
            );
        }
    }
}

fn a_required_client_certificate(ctx: &Ctx) {
    let certs = Certs::generate();
    let server = Server::start_tls_with(&certs, true);
    let ca_only = quick(&server.url())
        .tls_root_certificate(certs.ca.as_bytes())
        .build()
        .unwrap();
    for err in both_errors(ctx, &ca_only) {
        assert!(err.is_connection(), "{err:?}");
        let text = chain(&err);
        assert!(text.contains("CertificateRequired"), "{text}");
    }
    // A certificate the server's CA did not sign is refused too.
    let stranger = Certs::generate();
    let wrong = quick(&server.url())
        .tls_root_certificate(certs.ca.as_bytes())
        .tls_client_certificate(
            stranger.client_cert.as_bytes(),
            stranger.client_key.as_bytes(),
        )
        .build()
        .unwrap();
    for err in both_errors(ctx, &wrong) {
        assert!(err.is_connection(), "{err:?}");
        let text = chain(&err);
        assert!(text.contains("fatal alert"), "{text}");
    }
    let client = quick(&server.url())
        .tls_root_certificate(certs.ca.as_bytes())
        .tls_client_certificate(certs.client_cert.as_bytes(), certs.client_key.as_bytes())
        .build()
        .unwrap();
    round_trip(ctx, &client).unwrap();
    // Debug says a certificate is set, and shows no key.
    let shown = format!(
        "{:?}",
        quick(&server.url())
            .tls_client_certificate(certs.client_cert.as_bytes(), certs.client_key.as_bytes())
    );
    assert!(shown.contains("client_certificate: true"), "{shown}");
    assert!(
        !shown.contains("PRIVATE KEY") && !shown.contains("CERTIFICATE"),
        "{shown}"
    );
}

fn bad_tls_options_are_config_errors(_: &Ctx) {
    let certs = Certs::generate();
    let garbage = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
    let cases = [
        // A CA that does not parse.
        Client::builder("rediss://127.0.0.1:1/0").tls_root_certificate(garbage),
        Client::cluster_builder(["rediss://127.0.0.1:1"]).tls_root_certificate(garbage),
        // A key that does not parse.
        Client::builder("rediss://127.0.0.1:1/0")
            .tls_client_certificate(certs.client_cert.as_bytes(), "no key"),
        // Certificates on a URL without TLS.
        Client::builder("redis://127.0.0.1:1/0").tls_root_certificate(certs.ca.as_bytes()),
        Client::cluster_builder(["rediss://127.0.0.1:1", "redis://127.0.0.1:2"])
            .tls_root_certificate(certs.ca.as_bytes()),
        // Certificates for a redis-rs client made elsewhere.
        ClientBuilder::from(redis::Client::open("rediss://127.0.0.1:1/0").unwrap())
            .tls_root_certificate(certs.ca.as_bytes()),
    ];
    for builder in cases {
        let shown = format!("{builder:?}");
        let err = builder.build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{shown}: {err:?}");
    }
    let cluster = Client::cluster_builder(["rediss://127.0.0.1:1", "rediss://127.0.0.1:2"])
        .tls_root_certificate(certs.ca.as_bytes())
        .tls_client_certificate(certs.client_cert.as_bytes(), certs.client_key.as_bytes())
        .build()
        .unwrap();
    assert!(cluster.is_cluster());
}

pub(crate) fn suite() -> support::Suite {
    let cases = cases![
        a_custom_ca_verifies_the_server,
        without_the_ca_the_server_is_not_trusted,
        a_required_client_certificate,
        bad_tls_options_are_config_errors,
    ];
    support::Suite::one("tls", &[Target::Server], cases)
}
