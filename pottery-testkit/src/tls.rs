//! TLS servers with certificates of a private CA, made at run time by `rcgen`:
//! for tests that check certificates (no `#insecure`) and client certificates.

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// A private CA, a server certificate it signed for `127.0.0.1` and
/// `localhost`, and a client certificate it signed; PEM text, also written to
/// files for redis-server (removed on drop).
pub struct Certs {
    /// The CA's certificate: what a client must trust.
    pub ca: String,
    /// The server's certificate and key.
    pub server_cert: String,
    /// The server's private key.
    pub server_key: String,
    /// A client certificate the server accepts (`tls-auth-clients yes`).
    pub client_cert: String,
    /// Its private key.
    pub client_key: String,
    dir: tempfile::TempDir,
}

impl Certs {
    /// A new CA and the certificates it signs; panics if they cannot be made.
    pub fn generate() -> Certs {
        match Certs::try_generate() {
            Ok(certs) => certs,
            Err(why) => panic!("cannot make test certificates: {why}"),
        }
    }

    fn try_generate() -> Result<Certs, String> {
        let err = |e: rcgen::Error| e.to_string();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "pottery test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(err)?)
            .map_err(err)?;

        let leaf = |names: Vec<String>, purpose: ExtendedKeyUsagePurpose, cn: &str| {
            let mut params = CertificateParams::new(names).map_err(err)?;
            params.distinguished_name.push(DnType::CommonName, cn);
            params.extended_key_usages = vec![purpose];
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            let key = KeyPair::generate().map_err(err)?;
            let cert = params.signed_by(&key, &*ca).map_err(err)?;
            Ok::<_, String>((cert.pem(), key.serialize_pem()))
        };
        let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        let (server_cert, server_key) = leaf(
            names,
            ExtendedKeyUsagePurpose::ServerAuth,
            "pottery test server",
        )?;
        let (client_cert, client_key) = leaf(
            Vec::new(),
            ExtendedKeyUsagePurpose::ClientAuth,
            "pottery test client",
        )?;
        let dir = tempfile::Builder::new()
            .prefix("pottery-tls")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let certs = Certs {
            ca: ca.pem(),
            server_cert,
            server_key,
            client_cert,
            client_key,
            dir,
        };
        for (name, pem) in [
            ("ca.crt", &certs.ca),
            ("redis.crt", &certs.server_cert),
            ("redis.key", &certs.server_key),
        ] {
            std::fs::write(certs.dir.path().join(name), pem).map_err(|e| e.to_string())?;
        }
        Ok(certs)
    }

    pub(crate) fn file_paths(&self) -> redis_test::utils::TlsFilePaths {
        redis_test::utils::TlsFilePaths {
            redis_crt: self.path("redis.crt"),
            redis_key: self.path("redis.key"),
            ca_crt: self.path("ca.crt"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// What a redis-rs client needs to trust the server and, when `client`,
    /// to present the client certificate.
    pub(crate) fn for_client(&self, client: bool) -> redis::TlsCertificates {
        redis::TlsCertificates {
            client_tls: client.then(|| redis::ClientTlsConfig {
                client_cert: self.client_cert.clone().into_bytes(),
                client_key: self.client_key.clone().into_bytes(),
            }),
            root_cert: Some(self.ca.clone().into_bytes()),
        }
    }
}
