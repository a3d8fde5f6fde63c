//! Outbound HTTP for every outside service (SPEC §5: "outbound calls use TLS 1.3"): one reqwest
//! client builder with rustls on aws-lc-rs, the platform's certificate verifier, TLS 1.3 only
//! unless a setting allows TLS 1.2 for a partner that needs it, and no redirects followed.

// The one place an HTTP client is built (clippy.toml bans `reqwest::Client::builder` elsewhere).
#![expect(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "this crate is the one outbound client builder"
)]

use std::sync::Arc;
use std::time::Duration;

/// Why an outbound client could not be configured.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("TLS configuration failed: {0}")]
    Tls(#[from] rustls::Error),
}

/// Connection set-up budget; request deadlines are per call (streams need longer ones).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The rustls client configuration outbound calls use: TLS 1.3 only, or TLS 1.3 and 1.2 when
/// `allow_tls12`, certificates checked by the platform verifier, ALPN h2 and http/1.1.
///
/// # Errors
/// When the platform verifier cannot be set up (no usable root store).
pub fn tls_client_config(allow_tls12: bool) -> Result<rustls::ClientConfig, OutboundError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let versions: &[&rustls::SupportedProtocolVersion] = if allow_tls12 {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13]
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)?
        .with_platform_verifier()?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A reqwest client builder for outside services: [`tls_client_config`], no redirects, a
/// connect timeout. Callers add their base URL, per-call timeouts and retries.
///
/// # Errors
/// As [`tls_client_config`].
pub fn client_builder(allow_tls12: bool) -> Result<reqwest::ClientBuilder, OutboundError> {
    Ok(reqwest::Client::builder()
        .use_preconfigured_tls(tls_client_config(allow_tls12)?)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("FlowSense/", env!("CARGO_PKG_VERSION"))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::ServerName;
    use rustls::pki_types::pem::PemObject;

    /// A server that speaks only TLS 1.2 (as some partner APIs still do), on 127.0.0.1.
    async fn tls12_only_server() -> std::net::SocketAddr {
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
        let chain = vec![certified.cert.der().clone()];
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(
            certified.signing_key.serialize_pem().as_bytes(),
        )
        .expect("key");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS12])
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = acceptor.accept(tcp).await;
                });
            }
        });
        addr
    }

    async fn handshake_error(allow_tls12: bool, addr: std::net::SocketAddr) -> String {
        let config = tls_client_config(allow_tls12).expect("config");
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let name = ServerName::try_from("localhost").expect("name");
        match connector.connect(name, tcp).await {
            Ok(_) => "connected".to_owned(),
            Err(e) => e.to_string(),
        }
    }

    #[tokio::test]
    async fn tls12_is_refused_by_default_and_negotiated_only_when_allowed() {
        let addr = tls12_only_server().await;
        let strict = handshake_error(false, addr).await;
        assert!(strict.contains("ProtocolVersion"), "{strict}");
        // Allowed: the version is agreed, and the handshake gets as far as certificate
        // verification, which (rightly) rejects the untrusted self-signed certificate.
        let lenient = handshake_error(true, addr).await;
        assert!(!lenient.contains("ProtocolVersion"), "{lenient}");
        assert!(lenient.to_lowercase().contains("certificate"), "{lenient}");
    }

    #[test]
    fn the_builder_builds_a_client() {
        client_builder(false)
            .expect("builder")
            .build()
            .expect("client");
    }
}
