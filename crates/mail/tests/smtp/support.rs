//! The servers the tests deliver to: a real SMTP server (`mailin-embedded`) with STARTTLS over a
//! fresh test CA and AUTH PLAIN, and a bare TLS 1.2-only endpoint.

use mailin_embedded::{AuthMechanism, Handler, Response, Server, SslConfig, response};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Received {
    pub messages: Vec<(Vec<String>, Vec<u8>)>,
    pub logins: Vec<(String, String)>,
}

/// Accepts everything except `bounce@…` (550) and `later@…` (451), and keeps what it got.
#[derive(Clone, Default)]
struct Sink {
    received: Arc<Mutex<Received>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
    fn rcpt(&mut self, to: &str) -> Response {
        if to.contains("bounce@") {
            response::NO_MAILBOX
        } else if to.contains("later@") {
            Response::custom(451, "Try again later".to_owned())
        } else {
            response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = (std::mem::take(&mut self.to), std::mem::take(&mut self.data));
        self.received.lock().expect("lock").messages.push(message);
        response::OK
    }

    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        let mut received = self.received.lock().expect("lock");
        received.logins.push((user.to_owned(), password.to_owned()));
        if user == "mailer" && password == "s3cret:p@ss" {
            response::AUTH_OK
        } else {
            response::INVALID_CREDENTIALS
        }
    }
}

pub struct TestServer {
    pub port: u16,
    pub received: Arc<Mutex<Received>>,
    pub ca_pem: String,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub fn messages(&self) -> Vec<(Vec<String>, Vec<u8>)> {
        self.received.lock().expect("lock").messages.clone()
    }
}

/// An SMTP server on a free loopback port, offering STARTTLS with a certificate for
/// `localhost` issued by a fresh test CA and requiring AUTH PLAIN when `tls`, or a plaintext
/// relay without login otherwise.
pub fn start_server(tls: bool) -> TestServer {
    let dir = tempfile::tempdir().expect("tempdir");
    let certs = TestCertificates::new();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, certs.leaf.pem()).expect("cert");
    std::fs::write(&key_path, certs.leaf_key.serialize_pem()).expect("key");

    let sink = Sink::default();
    let received = sink.received.clone();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut server = Server::new(sink);
    let ssl = if tls {
        SslConfig::SelfSigned {
            cert_path: cert_path.to_string_lossy().into_owned(),
            key_path: key_path.to_string_lossy().into_owned(),
        }
    } else {
        SslConfig::None
    };
    server
        .with_name("localhost")
        .with_ssl(ssl)
        .expect("tls")
        .with_num_threads(2)
        .with_tcp_listener(listener);
    if tls {
        server.with_auth(AuthMechanism::Plain);
    }
    // The listener is bound already: the client can connect as soon as this returns.
    std::thread::spawn(move || {
        if let Err(e) = server.serve() {
            eprintln!("the test SMTP server stopped: {e}");
        }
    });
    TestServer {
        port,
        received,
        ca_pem: certs.ca_pem,
        _dir: dir,
    }
}

/// A fresh test CA and a certificate for `localhost` it issued.
pub struct TestCertificates {
    ca_pem: String,
    leaf: rcgen::Certificate,
    leaf_key: rcgen::KeyPair,
}

impl TestCertificates {
    fn new() -> Self {
        let ca_key = rcgen::KeyPair::generate().expect("key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("ca");
        let leaf_key = rcgen::KeyPair::generate().expect("key");
        let leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .expect("params")
            .signed_by(&leaf_key, &ca)
            .expect("leaf");
        Self {
            ca_pem: ca.pem(),
            leaf,
            leaf_key,
        }
    }
}

/// The error and its causes, as a log line would show them.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// A TLS endpoint (as for `smtps://`) that speaks TLS 1.2 only and counts completed handshakes.
pub async fn tls12_only_endpoint() -> (u16, String, Arc<AtomicUsize>) {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let certs = TestCertificates::new();
    let key = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(certs.leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .expect("TLS 1.2")
        .with_no_client_auth()
        .with_single_cert(vec![certs.leaf.der().clone()], key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handshakes = Arc::new(AtomicUsize::new(0));
    let counted = handshakes.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            if acceptor.accept(tcp).await.is_ok() {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (port, certs.ca_pem, handshakes)
}
