//! HTTPS serving (SPEC §3, §5): rustls on aws-lc-rs restricted to TLS 1.3, ALPN h2 and
//! http/1.1, from PEM files (`FLOWSENSE_TLS_CERT`/`FLOWSENSE_TLS_KEY`) or a self-signed
//! certificate (`FLOWSENSE_TLS=self-signed`). HSTS is sent only when serving TLS.

use crate::AppState;
use axum::http::{HeaderValue, header};
use axum_server::tls_rustls::RustlsConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;

/// Two years, subdomains included (SECURITY-CHECKLIST I1).
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// How long open connections get to finish after shutdown is requested.
const GRACEFUL_SHUTDOWN: Duration = Duration::from_secs(10);

/// Why a TLS configuration could not be built. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("FLOWSENSE_TLS_CERT holds no PEM certificate")]
    NoCertificate,
    #[error("FLOWSENSE_TLS_CERT is not a valid PEM certificate chain")]
    BadCertificate,
    #[error("FLOWSENSE_TLS_KEY is not a valid PEM private key")]
    BadKey,
    #[error("the certificate and key are not usable together: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("cannot generate a self-signed certificate: {0}")]
    SelfSigned(#[from] rcgen::Error),
}

/// A TLS 1.3-only server configuration for a PEM certificate chain and private key.
///
/// # Errors
/// A missing or malformed certificate or key, or a key that does not match the certificate.
pub fn tls_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<rustls::ServerConfig, TlsError> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| TlsError::BadCertificate)?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| TlsError::BadKey)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A freshly generated self-signed certificate and the TLS 1.3-only configuration serving it.
pub struct SelfSigned {
    pub config: rustls::ServerConfig,
    /// The certificate (public), for clients that should trust it.
    pub cert_pem: String,
}

impl std::fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfSigned").finish_non_exhaustive()
    }
}

/// `FLOWSENSE_TLS=self-signed`: a new certificate for `names` (host names or IP addresses),
/// generated at start-up; the private key lives only in memory.
///
/// # Errors
/// When a name is invalid or key generation fails.
pub fn self_signed_tls_config(names: &[String]) -> Result<SelfSigned, TlsError> {
    let certified = rcgen::generate_simple_self_signed(names.to_vec())?;
    let cert_pem = certified.cert.pem();
    let key_pem = zeroize::Zeroizing::new(certified.signing_key.serialize_pem());
    let config = tls_config(cert_pem.as_bytes(), key_pem.as_bytes())?;
    Ok(SelfSigned { config, cert_pem })
}

/// Serves the application over HTTPS on `listener` until `shutdown` resolves, with
/// `Strict-Transport-Security` on every response.
///
/// # Errors
/// When the listener fails.
pub async fn serve_tls(
    listener: std::net::TcpListener,
    state: AppState,
    config: rustls::ServerConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let app = crate::router(state).layer(SetResponseHeaderLayer::overriding(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    ));
    let handle = axum_server::Handle::new();
    let on_shutdown = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        on_shutdown.graceful_shutdown(Some(GRACEFUL_SHUTDOWN));
    });
    axum_server::from_tcp_rustls(listener, RustlsConfig::from_config(Arc::new(config)))?
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .await
}
