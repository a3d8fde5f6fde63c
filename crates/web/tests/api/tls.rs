//! HTTPS is TLS 1.3 only: a TLS 1.2 client is refused, a TLS 1.3 client gets h2 and HSTS.

use flowsense_storage::{OpenOptions, Store};
use flowsense_web::{AppState, HSTS, self_signed_tls_config, serve_tls};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

type ClientTls = tokio_rustls::client::TlsStream<tokio::net::TcpStream>;

struct TlsServer {
    addr: SocketAddr,
    state: AppState,
    cert_pem: String,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn spawn_tls_server() -> TlsServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/flowsense.db", dir.path().display());
    let store = Store::open(
        &url,
        &OpenOptions {
            create_if_missing: true,
            ..OpenOptions::default()
        },
    )
    .await
    .expect("open store");
    let tls = self_signed_tls_config(&["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("self-signed");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let mailer = std::sync::Arc::new(
        flowsense_mail::FileMailer::new(dir.path().join("outbox"), "test@localhost")
            .expect("outbox"),
    );
    let state = AppState::new(
        store,
        flowsense_service::identity::crypto::InstanceKey::generate(),
        mailer,
        flowsense_web::AuthSettings::new(format!("https://{addr}")),
    )
    .expect("state");
    tokio::spawn(serve_tls(listener, state.clone(), tls.config, async {
        let _ = stopped.await;
    }));
    TlsServer {
        addr,
        state,
        cert_pem: tls.cert_pem,
        stop: Some(stop),
        _dir: dir,
    }
}

fn client_config(
    cert_pem: &str,
    version: &'static rustls::SupportedProtocolVersion,
) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(cert_pem.as_bytes()) {
        roots.add(cert.expect("pem")).expect("add root");
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

async fn handshake(
    server: &TlsServer,
    version: &'static rustls::SupportedProtocolVersion,
) -> std::io::Result<ClientTls> {
    let connector =
        tokio_rustls::TlsConnector::from(Arc::new(client_config(&server.cert_pem, version)));
    let tcp = tokio::net::TcpStream::connect(server.addr).await?;
    let name = ServerName::try_from("127.0.0.1").expect("name");
    connector.connect(name, tcp).await
}

#[tokio::test]
async fn a_tls12_client_is_refused_and_a_tls13_client_is_served_with_hsts() {
    let server = spawn_tls_server().await;

    let refused = handshake(&server, &rustls::version::TLS12).await;
    let Err(err) = refused else {
        panic!("a TLS 1.2 handshake must fail");
    };
    assert!(
        err.to_string().to_lowercase().contains("protocolversion")
            || err.to_string().to_lowercase().contains("protocol version"),
        "unexpected error: {err}"
    );

    let mut tls = handshake(&server, &rustls::version::TLS13)
        .await
        .expect("a TLS 1.3 handshake succeeds");
    let (_, session) = tls.get_ref();
    assert_eq!(
        session.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    let response = https_request(&mut tls, "GET", "/healthz").await;
    assert!(response.starts_with("http/1.1 200"), "{response}");
    assert_hsts(&response);
    // HSTS on every answer, errors included (checklist I1): a page, a refused API call, an
    // unknown path, a refused method.
    for (request, status) in [
        ("GET /login", "200"),
        ("GET /api/v1/me", "401"),
        ("GET /no-such-page", "404"),
        ("DELETE /healthz", "405"),
    ] {
        let (method, path) = request.split_once(' ').expect("method and path");
        let mut tls = handshake(&server, &rustls::version::TLS13)
            .await
            .expect("a TLS 1.3 handshake succeeds");
        let response = https_request(&mut tls, method, path).await;
        assert!(
            response.starts_with(&format!("http/1.1 {status}")),
            "{request}: {response}"
        );
        assert_hsts(&response);
    }
}

/// One request over `tls`; the whole answer, lower-cased.
async fn https_request(tls: &mut ClientTls, method: &str, path: &str) -> String {
    tls.write_all(
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await
    .expect("write");
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await.ok();
    String::from_utf8_lossy(&response).to_lowercase()
}

/// At least a year, with subdomains.
fn assert_hsts(response: &str) {
    assert!(
        response.contains(&format!(
            "strict-transport-security: {}",
            HSTS.to_lowercase()
        )),
        "{response}"
    );
    let max_age: u64 = HSTS
        .split(';')
        .find_map(|d| d.trim().strip_prefix("max-age="))
        .and_then(|v| v.parse().ok())
        .expect("max-age");
    assert!(
        max_age >= 365 * 24 * 3600 && HSTS.contains("includeSubDomains"),
        "{HSTS}"
    );
}

/// `openssl s_client`: `-tls1_2` must fail and `-tls1_3` must succeed. Prints SKIPPED without
/// openssl, and fails then when FLOWSENSE_REQUIRE_TOOLS=1 (CI).
#[tokio::test]
async fn openssl_s_client_agrees_tls12_fails_and_tls13_succeeds() {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        flowsense_test_support::skip_for_missing_tool(
            "openssl",
            "; the TLS version check with openssl did not run",
        );
        return;
    }
    let server = spawn_tls_server().await;
    let connect = server.addr.to_string();
    let run = move |flag: &'static str| {
        let connect = connect.clone();
        tokio::task::spawn_blocking(move || {
            let mut child = std::process::Command::new("openssl")
                .args([
                    "s_client",
                    "-connect",
                    &connect,
                    flag,
                    "-servername",
                    "localhost",
                ])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn openssl");
            drop(child.stdin.take()); // EOF: s_client exits after the handshake
            child.wait_with_output().expect("openssl output")
        })
    };
    let tls12 = run("-tls1_2").await.expect("join");
    assert!(!tls12.status.success(), "openssl -tls1_2 must fail");
    let tls13 = run("-tls1_3").await.expect("join");
    let out = String::from_utf8_lossy(&tls13.stdout);
    assert!(
        tls13.status.success(),
        "openssl -tls1_3 must succeed: {out}"
    );
    assert!(out.contains("TLSv1.3"), "{out}");
}

/// One request with `headers` and `body` on a connection of its own; the answer as sent.
async fn https_send(
    server: &TlsServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> String {
    let mut tls = handshake(server, &rustls::version::TLS13)
        .await
        .expect("a TLS 1.3 handshake succeeds");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        server.addr,
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await.ok();
    String::from_utf8_lossy(&response).into_owned()
}

/// HSTS on every answer over TLS, whatever the route and outcome (checklist I1): every path of
/// the route table with each method it serves and one it does not, signed in and anonymous,
/// plus an asset, unknown paths and an unknown method.
#[tokio::test]
async fn every_answer_over_tls_carries_hsts() {
    use flowsense_storage::{NewOrg, OrgSettings};
    let server = spawn_tls_server().await;
    let password = "a long enough password for hsts";
    let user = flowsense_service::identity::accounts::create_user_with_password(
        &server.state,
        "hsts@x.test",
        "Hugo",
        password,
        true,
    )
    .await
    .expect("user")
    .id;
    let store = &server.state.store;
    let org = store
        .create_org(&NewOrg {
            slug: "hsts".into(),
            name: "HSTS Ltd".into(),
            settings: OrgSettings::with_currency(flowsense_core::Currency::USD),
        })
        .await
        .expect("org")
        .id;
    store
        .set_membership(org, user, flowsense_core::Role::Admin)
        .await
        .expect("membership");
    let login = https_send(
        &server,
        "POST",
        "/api/v1/auth/login",
        &[("Content-Type", "application/json")],
        &format!(r#"{{"email":"hsts@x.test","password":"{password}"}}"#),
    )
    .await;
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    let cookie = login
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie").then(|| {
                value
                    .trim()
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
        })
        .expect("a session cookie");

    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    let mut check = |label: &str, response: &str| {
        let status = response.get(9..12).unwrap_or("???").to_owned();
        assert_hsts(&response.to_lowercase());
        assert!(
            !label.is_empty() && status != "???",
            "{label}: no answer: {response}"
        );
        *statuses.entry(status).or_default() += 1;
    };
    let routes = crate::surface::paths_and_methods(&org.to_string(), &user.to_string());
    for (path, methods) in &routes {
        let unused = ["GET", "POST", "PUT", "PATCH", "DELETE"]
            .into_iter()
            .find(|m| !methods.contains(*m))
            .unwrap_or("TRACE");
        for method in methods.iter().map(String::as_str).chain([unused]) {
            for signed_in in [false, true] {
                let headers: Vec<(&str, &str)> = if signed_in {
                    vec![("Cookie", cookie.as_str())]
                } else {
                    Vec::new()
                };
                let response = https_send(&server, method, path, &headers, "").await;
                check(
                    &format!("{method} {path} signed in: {signed_in}"),
                    &response,
                );
            }
        }
    }
    for (method, path) in [
        ("GET", "/assets/app.css"),
        ("GET", "/no-such-page"),
        ("GET", "/api/v1/no-such-route"),
        ("TRACE", "/"),
        ("GET", "/.git/HEAD"),
    ] {
        let response = https_send(&server, method, path, &[], "").await;
        check(&format!("{method} {path}"), &response);
    }
    println!(
        "HSTS on {} answers over TLS: {statuses:?}",
        statuses.values().sum::<usize>()
    );
    for status in ["200", "401", "403", "404", "405"] {
        assert!(
            statuses.contains_key(status),
            "no {status} among the answers: {statuses:?}"
        );
    }
    assert!(routes.len() >= 100, "{} paths", routes.len());
}
