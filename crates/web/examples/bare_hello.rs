//! A bare axum server answering `hello` on `/`: the ceiling `bench/load.sh` measures FlowSense's
//! pages against, on the same machine, runtime and axum version.
//!
//! `cargo run --release -p flowsense-web --example bare_hello -- 127.0.0.1:0` prints
//! `listening on ADDR` and serves until killed.

use axum::Router;
use axum::routing::get;

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    // The same runtime as the `flowsense` binary: multi-threaded, one worker per core.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            println!("listening on {}", listener.local_addr()?);
            let app = Router::new().route("/", get(|| async { "hello" }));
            axum::serve(listener, app).await
        })
}
