//! Delivery to a real SMTP server started by each test (`mailin-embedded`, with STARTTLS over a
//! test CA and AUTH PLAIN), the message parsed back with a MIME parser; and the outbox.

use flowsense_mail::{Email, FileMailer, MailErrorKind, Mailer, SmtpConfig, SmtpMailer};
use mail_parser::{MessageParser, MimeHeaders};
use std::sync::atomic::Ordering;
use support::{TestServer, chain, start_server, tls12_only_endpoint};

mod support;

const FROM: &str = "FlowSense <digest@flowsense.example>";
/// PNG bytes (signature and header chunks) that the receiver must get back unchanged.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn starttls_mailer(server: &TestServer) -> SmtpMailer {
    let url = format!("smtp://mailer:s3cret%3Ap%40ss@localhost:{}", server.port);
    let mut config = SmtpConfig::parse(&url).expect("config");
    config
        .add_root_certificate_pem(server.ca_pem.as_bytes())
        .expect("ca");
    SmtpMailer::new(&config, FROM).expect("mailer")
}

fn rich_email(to: &str) -> Email {
    Email::text(
        to,
        "Your week: cash up €1,204.50",
        "Cash now: €12,345.67\nSee the chart.",
    )
    .with_html(
        "<p>Cash now: <b>€12,345.67</b></p><img src=\"cid:cash-chart@flowsense\" alt=\"Cash\">",
    )
    .with_inline_png("cash-chart@flowsense", PNG.to_vec())
    .with_unsubscribe("https://app.example.com/unsubscribe/abc_DEF-123", true)
}

#[tokio::test]
async fn starttls_delivers_both_parts_the_png_and_the_unsubscribe_headers() {
    let server = start_server(true);
    let mailer = starttls_mailer(&server);
    mailer
        .send(&rich_email("Ana Owner <ana@example.com>"))
        .await
        .expect("delivered");

    let logins = server.received.lock().expect("lock").logins.clone();
    assert_eq!(
        logins,
        vec![("mailer".to_owned(), "s3cret:p@ss".to_owned())]
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].0, vec!["ana@example.com".to_owned()]);
    let parsed = MessageParser::default()
        .parse(&messages[0].1)
        .expect("a MIME message");
    assert_eq!(parsed.subject(), Some("Your week: cash up €1,204.50"));
    assert!(
        parsed
            .message_id()
            .is_some_and(|id| id.ends_with("@flowsense.example"))
    );
    assert!(parsed.date().is_some());
    assert_eq!(
        parsed
            .body_text(0)
            .map(|t| t.replace("\r\n", "\n"))
            .as_deref()
            .map(str::trim_end),
        Some("Cash now: €12,345.67\nSee the chart.")
    );
    let html = parsed.body_html(0).expect("an HTML part");
    assert!(
        html.contains("<b>€12,345.67</b>") && html.contains("src=\"cid:cash-chart@flowsense\"")
    );
    let image = parsed
        .attachments()
        .find(|p| p.content_id() == Some("cash-chart@flowsense"))
        .expect("the inline image");
    assert_eq!(image.contents(), PNG);
    assert_eq!(
        image.content_type().map(|c| (c.ctype(), c.subtype())),
        Some(("image", Some("png")))
    );
    let raw = String::from_utf8_lossy(&messages[0].1);
    assert!(
        raw.contains("List-Unsubscribe: <https://app.example.com/unsubscribe/abc_DEF-123>\r\n")
    );
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
    assert!(raw.contains("multipart/alternative") && raw.contains("multipart/related"));
    assert!(
        !raw.contains("http://") && !raw.contains("src=\"https"),
        "nothing remote"
    );
}

#[tokio::test]
async fn a_refused_recipient_fails_only_its_own_message() {
    let server = start_server(true);
    let mailer = starttls_mailer(&server);
    let first = mailer
        .send(&Email::text("one@example.com", "1", "first"))
        .await;
    let bounced = mailer
        .send(&Email::text("bounce@example.com", "2", "second"))
        .await;
    let deferred = mailer
        .send(&Email::text("later@example.com", "3", "third"))
        .await;
    let last = mailer
        .send(&Email::text("four@example.com", "4", "fourth"))
        .await;
    first.expect("first delivered");
    last.expect("last delivered");
    let bounced = bounced.expect_err("550 refuses the message");
    assert_eq!(bounced.kind(), MailErrorKind::Permanent);
    let deferred = deferred.expect_err("451 defers the message");
    assert_eq!(deferred.kind(), MailErrorKind::Transient);
    let to: Vec<Vec<String>> = server.messages().into_iter().map(|m| m.0).collect();
    assert_eq!(
        to,
        vec![
            vec!["one@example.com".to_owned()],
            vec!["four@example.com".to_owned()]
        ]
    );
}

#[tokio::test]
async fn starttls_is_required_unless_plaintext_to_loopback_is_asked_for() {
    let server = start_server(false);
    let url = format!("smtp://localhost:{}", server.port);
    let required =
        SmtpMailer::new(&SmtpConfig::parse(&url).expect("config"), FROM).expect("mailer");
    let refused = required
        .send(&Email::text("ana@example.com", "hello", "body"))
        .await
        .expect_err("no STARTTLS offered: nothing is sent");
    assert!(refused.is_transient());
    assert!(chain(&refused).contains("STARTTLS"), "{}", chain(&refused));
    assert!(server.messages().is_empty());

    let plain = SmtpConfig::parse(&format!("{url}?tls=none")).expect("config");
    let mailer = SmtpMailer::new(&plain, FROM).expect("mailer");
    mailer
        .send(&Email::text("ana@example.com", "hello", "body"))
        .await
        .expect("delivered in plaintext to loopback");
    assert_eq!(server.messages().len(), 1);
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let server = start_server(true);
    let config = SmtpConfig::parse(&format!("smtp://localhost:{}", server.port)).expect("config");
    let mailer = SmtpMailer::new(&config, FROM).expect("mailer");
    let e = mailer
        .send(&Email::text("ana@example.com", "hello", "body"))
        .await
        .expect_err("the test CA is not trusted");
    assert!(e.is_transient());
    assert!(chain(&e).contains("UnknownIssuer"), "{}", chain(&e));
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn headers_cannot_be_injected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outbox = FileMailer::new(dir.path().join("outbox"), FROM).expect("outbox");
    let sneaky = Email::text("ana@example.com", "Hi\r\nBcc: eve@example.com", "body");
    outbox.send(&sneaky).await.expect("written");
    let file = only_file(&outbox);
    let parsed = MessageParser::default().parse(&file).expect("parses");
    assert!(parsed.bcc().is_none());
    assert_eq!(parsed.subject(), Some("HiBcc: eve@example.com"));

    let bad_to = Email::text("ana@example.com\r\nBcc: eve@example.com", "Hi", "body");
    let e = outbox.send(&bad_to).await.expect_err("not an address");
    assert_eq!(e.kind(), MailErrorKind::Permanent);
    let bad_link = Email::text("ana@example.com", "Hi", "body")
        .with_unsubscribe("https://x.example/u>\r\nBcc: eve@example.com", true);
    assert_eq!(
        outbox
            .send(&bad_link)
            .await
            .expect_err("unsafe link")
            .kind(),
        MailErrorKind::Permanent
    );
}

#[tokio::test]
async fn the_outbox_is_private_and_holds_the_whole_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The sender `flowsense serve` uses when no public address is configured.
    let outbox = FileMailer::new(dir.path().join("outbox"), "FlowSense <noreply@localhost>")
        .expect("outbox");
    outbox
        .send(&rich_email("ana@example.com"))
        .await
        .expect("written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(outbox.dir()), 0o700);
        let entry = std::fs::read_dir(outbox.dir())
            .expect("dir")
            .next()
            .expect("a file")
            .expect("entry");
        assert_eq!(mode(&entry.path()), 0o600);
        assert!(entry.file_name().to_string_lossy().ends_with(".eml"));
    }
    let file = only_file(&outbox);
    let parsed = MessageParser::default().parse(&file).expect("parses");
    assert!(
        parsed
            .body_html(0)
            .is_some_and(|h| h.contains("cid:cash-chart@flowsense"))
    );
    assert!(parsed.attachments().any(|p| p.contents() == PNG));
}

fn only_file(outbox: &FileMailer) -> Vec<u8> {
    let entries: Vec<_> = std::fs::read_dir(outbox.dir())
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    std::fs::read(&entries[0]).expect("read")
}

#[tokio::test]
async fn tls_1_3_is_required_unless_1_2_is_allowed() {
    let (port, ca_pem, handshakes) = tls12_only_endpoint().await;
    let mailer = |url: String| {
        let mut config = SmtpConfig::parse(&url).expect("config");
        config
            .add_root_certificate_pem(ca_pem.as_bytes())
            .expect("ca");
        SmtpMailer::new(&config, FROM).expect("mailer")
    };
    let strict = mailer(format!("smtps://localhost:{port}"));
    let e = strict
        .send(&Email::text("ana@example.com", "hello", "body"))
        .await
        .expect_err("a TLS 1.2 server is refused");
    assert!(e.is_transient());
    assert_eq!(handshakes.load(Ordering::SeqCst), 0, "{}", chain(&e));

    let lenient = mailer(format!("smtps://localhost:{port}?tls_min=1.2"));
    // The handshake completes; the endpoint then closes without speaking SMTP.
    let _ = lenient
        .send(&Email::text("ana@example.com", "hello", "body"))
        .await;
    assert!(handshakes.load(Ordering::SeqCst) >= 1);
}
