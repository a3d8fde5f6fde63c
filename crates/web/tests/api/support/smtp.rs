//! A real SMTP server for a test (`mailin-embedded`, plaintext on loopback) that keeps every
//! message it accepts, and a mailer of the app's own kind pointed at it.

use flowsense_mail::{SmtpConfig, SmtpMailer};
use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One accepted message: its envelope recipients and its raw bytes.
pub type Received = (Vec<String>, Vec<u8>);

#[derive(Clone, Default)]
struct Sink {
    received: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
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
        self.received.lock().expect("lock").push(message);
        response::OK
    }
}

pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    /// A server on a free loopback port; it accepts mail as soon as this returns.
    pub fn start() -> Self {
        let sink = Sink::default();
        let received = sink.received.clone();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut server = Server::new(sink);
        server
            .with_name("localhost")
            .with_ssl(SslConfig::None)
            .expect("no TLS")
            // The mailer keeps idle connections in a pool, each holding a server thread.
            .with_num_threads(16)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(e) = server.serve() {
                eprintln!("the test SMTP server stopped: {e}");
            }
        });
        Self { port, received }
    }

    /// Everything accepted so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// The app's SMTP mailer delivering here (plaintext, which is allowed to loopback only).
    pub fn mailer(&self) -> Arc<SmtpMailer> {
        let url = format!("smtp://localhost:{}?tls=none", self.port);
        let config = SmtpConfig::parse(&url).expect("config");
        Arc::new(SmtpMailer::new(&config, "FlowSense <digest@flowsense.test>").expect("mailer"))
    }
}
