//! Outbound HTTP for every outside service (SPEC §5: "outbound calls use TLS 1.3"): one reqwest
//! client builder with rustls on aws-lc-rs, the platform's certificate verifier, TLS 1.3 only
//! unless a setting allows TLS 1.2 for a partner that needs it, no redirects followed, and (for
//! the partner clients) an allow-list of the hosts they were configured with: a name not on it
//! is never even looked up.

// The one place an HTTP client is built (clippy.toml bans `reqwest::Client::builder` elsewhere).
#![expect(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "this crate is the one outbound client builder"
)]

mod allow;
mod breaker;

pub use allow::AllowList;
pub use breaker::{Breaker, BreakerPolicy, Gate};

use std::sync::Arc;
use std::time::Duration;

/// Why an outbound client could not be configured.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("TLS configuration failed: {0}")]
    Tls(#[from] rustls::Error),
    #[error("refused destination {0}: {1}")]
    Destination(String, &'static str),
}

/// Whether a client may talk to this machine. Only tests and the sandbox say
/// [`Loopback::Allowed`], and then plain `http://` is accepted to a loopback host only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Loopback {
    #[default]
    Refused,
    Allowed,
}

/// Checks a configured base URL before any request is made to it: `https://` to a public host;
/// a loopback host (and plain `http://` to it) only when `loopback` is [`Loopback::Allowed`];
/// private, link-local and unspecified address literals never.
///
/// # Errors
/// [`OutboundError::Destination`] naming the URL's host and the reason.
pub fn check_destination(url: &reqwest::Url, loopback: Loopback) -> Result<(), OutboundError> {
    let host = url.host_str().unwrap_or_default().to_owned();
    let refuse = |why| Err(OutboundError::Destination(host.clone(), why));
    let is_loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => {
            if ip.is_private() || ip.is_link_local() || ip.is_unspecified() || ip.is_broadcast() {
                return refuse("a private address");
            }
            ip.is_loopback()
        }
        Some(url::Host::Ipv6(ip)) => {
            let unique_local = (ip.segments()[0] & 0xfe00) == 0xfc00;
            let link_local = (ip.segments()[0] & 0xffc0) == 0xfe80;
            if unique_local || link_local || ip.is_unspecified() {
                return refuse("a private address");
            }
            ip.is_loopback()
        }
        None => return refuse("no host"),
    };
    match (is_loopback, loopback, url.scheme()) {
        (true, Loopback::Refused, _) => refuse("a loopback address"),
        (true, Loopback::Allowed, "http" | "https") | (false, _, "https") => Ok(()),
        _ => refuse("not https"),
    }
}

/// Checks the base URL of a server the operator runs for themselves (a self-hosted model
/// server such as Ollama): unlike [`check_destination`], loopback and private addresses are
/// accepted, and plain `http://` to them or to a single-label host name (`http://ollama:11434`
/// in a container network). Public hosts still need `https://`; link-local (cloud metadata),
/// unspecified and broadcast addresses are refused. Only for a URL the operator configured,
/// never for one a user supplies.
///
/// # Errors
/// [`OutboundError::Destination`] naming the URL's host and the reason.
pub fn check_self_hosted_destination(url: &reqwest::Url) -> Result<(), OutboundError> {
    let host = url.host_str().unwrap_or_default().to_owned();
    let refuse = |why| Err(OutboundError::Destination(host.clone(), why));
    let near = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost") || !d.contains('.'),
        Some(url::Host::Ipv4(ip)) => {
            if ip.is_link_local() || ip.is_unspecified() || ip.is_broadcast() {
                return refuse("a link-local or unspecified address");
            }
            ip.is_loopback() || ip.is_private()
        }
        Some(url::Host::Ipv6(ip)) => {
            let link_local = (ip.segments()[0] & 0xffc0) == 0xfe80;
            if link_local || ip.is_unspecified() {
                return refuse("a link-local or unspecified address");
            }
            ip.is_loopback() || (ip.segments()[0] & 0xfe00) == 0xfc00
        }
        None => return refuse("no host"),
    };
    match (near, url.scheme()) {
        (_, "https") | (true, "http") => Ok(()),
        _ => refuse("not https"),
    }
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

/// [`client_builder`] for a partner (a provider, the AI service, Stripe) whose hosts are
/// `allowed`: the client resolves only those names, so a request to any other host fails
/// before a packet leaves (checklist I8). Address literals skip name resolution, so callers
/// also check each URL with [`AllowList::check`] before sending.
///
/// # Errors
/// As [`tls_client_config`].
pub fn partner_client_builder(
    allow_tls12: bool,
    allowed: &AllowList,
) -> Result<reqwest::ClientBuilder, OutboundError> {
    Ok(client_builder(allow_tls12)?.dns_resolver(Arc::new(allowed.clone())))
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
    fn destinations_are_public_https_unless_loopback_is_allowed() {
        let check = |u: &str, l| check_destination(&reqwest::Url::parse(u).expect("url"), l);
        assert!(check("https://quickbooks.api.intuit.com/v3", Loopback::Refused).is_ok());
        assert!(check("http://quickbooks.api.intuit.com/v3", Loopback::Allowed).is_err());
        assert!(check("http://127.0.0.1:9/", Loopback::Refused).is_err());
        assert!(check("http://127.0.0.1:9/", Loopback::Allowed).is_ok());
        assert!(check("http://[::1]:9/", Loopback::Allowed).is_ok());
        assert!(check("https://10.0.0.8/", Loopback::Allowed).is_err());
        assert!(check("https://192.168.1.1/", Loopback::Refused).is_err());
        assert!(check("https://[fd00::1]/", Loopback::Allowed).is_err());
    }

    #[test]
    fn self_hosted_servers_may_be_private_or_plain_http_nearby_but_not_link_local() {
        let check = |u: &str| check_self_hosted_destination(&reqwest::Url::parse(u).expect("url"));
        assert!(check("http://localhost:11434/v1").is_ok());
        assert!(check("http://127.0.0.1:8000").is_ok());
        assert!(check("http://192.168.1.20:11434").is_ok());
        assert!(check("http://[fd00::1]:8000").is_ok());
        assert!(check("http://ollama:11434").is_ok());
        assert!(check("https://llm.example.com/v1").is_ok());
        assert!(check("http://llm.example.com/v1").is_err());
        assert!(check("http://169.254.169.254/").is_err());
        assert!(check("http://0.0.0.0:8000").is_err());
        assert!(check("http://[fe80::1]:8000").is_err());
    }

    /// A redirect is answered to the caller, never followed (checklist I8): a provider or a
    /// model server that sends a request elsewhere, say to a cloud metadata address, gets
    /// nowhere, and the caller sees the 3xx. The server counts the requests it gets.
    #[tokio::test]
    async fn the_client_follows_no_redirect_and_names_itself() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                let seen = seen_tx.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let n = tcp.read(&mut buf).await.unwrap_or(0);
                    let _ = seen.send(String::from_utf8_lossy(&buf[..n]).into_owned());
                    let _ = tcp
                        .write_all(
                            b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\n\
                              Content-Length: 0\r\nConnection: close\r\n\r\n",
                        )
                        .await;
                });
            }
        });
        let client = client_builder(false)
            .expect("builder")
            .build()
            .expect("client");
        let resp = client
            .get(format!("http://{addr}/start"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(resp.status(), reqwest::StatusCode::FOUND);
        let first = seen_rx.recv().await.expect("one request");
        assert!(first.starts_with("GET /start "), "{first}");
        assert!(
            first.to_ascii_lowercase().contains(&format!(
                "user-agent: flowsense/{}",
                env!("CARGO_PKG_VERSION")
            )),
            "{first}"
        );
        assert!(seen_rx.try_recv().is_err(), "the redirect was followed");
    }

    /// Only the partner's own hosts are reachable (checklist I8): a client for a partner at
    /// `localhost` reaches it, while a request to any other name fails before it is looked up,
    /// with an error naming the host, and a URL with an unlisted address literal is refused by
    /// the check every partner transport makes before sending.
    #[tokio::test]
    async fn a_partner_client_reaches_its_own_hosts_and_no_other() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                let seen = seen_tx.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let n = tcp.read(&mut buf).await.unwrap_or(0);
                    let _ = seen.send(String::from_utf8_lossy(&buf[..n]).into_owned());
                    let _ = tcp
                        .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                        .await;
                });
            }
        });
        let partner = reqwest::Url::parse(&format!("http://localhost:{port}/v3")).expect("url");
        let allowed = AllowList::from_urls([&partner]);
        let client = partner_client_builder(false, &allowed)
            .expect("builder")
            .build()
            .expect("client");

        let resp = client.get(partner.clone()).send().await.expect("an answer");
        assert_eq!(resp.status(), reqwest::StatusCode::NO_CONTENT);
        assert!(
            seen_rx
                .recv()
                .await
                .expect("a request")
                .starts_with("GET /v3 ")
        );

        for elsewhere in [
            format!("http://metadata.google.internal:{port}/"),
            format!("http://LOCALHOST.example:{port}/"),
        ] {
            let err = client.get(&elsewhere).send().await.expect_err("refused");
            let chain =
                std::iter::successors(Some(&err as &(dyn std::error::Error + 'static)), |e| {
                    e.source()
                })
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": ");
            assert!(chain.contains("not on the outbound allow-list"), "{chain}");
            let url = reqwest::Url::parse(&elsewhere).expect("url");
            let refused = allowed.check(&url).expect_err("refused").to_string();
            assert!(
                refused.contains(url.host_str().expect("host")) && refused.contains("allow-list"),
                "{refused}"
            );
        }
        // An address literal is never looked up, so the check refuses it.
        let literal = reqwest::Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
        assert!(allowed.check(&literal).is_err());
        assert!(allowed.check(&partner).is_ok());
        assert!(seen_rx.try_recv().is_err(), "another host was reached");
    }
}
