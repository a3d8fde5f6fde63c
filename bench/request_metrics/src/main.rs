//! Micro-benchmark of crates/web/src/request_metrics.rs (the file itself, by path): the cost the
//! counting layer adds to one request. `ARGS: [iterations] [phase]`; with a phase (`lookup`,
//! `record`, `bare`, `counted`) it runs that loop alone, for callgrind.
#![allow(dead_code)]
mod routes {
    pub struct Spec {
        pub path: &'static str,
    }
    include!(concat!(env!("OUT_DIR"), "/routes.rs"));
}
#[path = "../../../crates/web/src/request_metrics.rs"]
mod request_metrics;

use axum::http::{Method, Request, Response};
use request_metrics::{CountRequestsLayer, RequestMetrics};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::{Layer, Service};

fn waker_cx() -> std::task::Context<'static> {
    std::task::Context::from_waker(std::task::Waker::noop())
}

fn drive<S: Service<Request<()>, Response = Response<()>>>(svc: &mut S, req: Request<()>) {
    let mut cx = waker_cx();
    let fut = svc.call(req);
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(r) => {
            let _ = black_box(r.is_ok());
        }
        std::task::Poll::Pending => unreachable!(),
    }
}

fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let metrics = Arc::new(RequestMetrics::for_route_table());
    let template = "/api/v1/orgs/{org}/reports/{kind}";
    // For callgrind: one phase alone, `record`, `bare` or `counted`.
    if let Some(phase) = std::env::args().nth(2) {
        let inner = tower::service_fn(|_req: Request<()>| {
            std::future::ready(Ok::<_, std::convert::Infallible>(Response::new(())))
        });
        let mut bare = inner.clone();
        let mut counted = CountRequestsLayer(metrics.clone()).layer(inner);
        let mk = || Request::builder().method(Method::GET).uri("/x").body(()).unwrap();
        for _ in 0..n {
            match phase.as_str() {
                "record" => {
                    let route = metrics.route_of(Some(black_box(template)));
                    let started = Instant::now();
                    metrics.record(route, black_box(0), black_box(200), started.elapsed());
                }
                "lookup" => {
                    black_box(metrics.route_of(Some(black_box(template))));
                }
                "bare" => drive(&mut bare, mk()),
                _ => drive(&mut counted, mk()),
            }
        }
        return;
    }

    // 1. What the layer does per request with a matched template: look it up, read the clock
    //    twice, count.
    let t = Instant::now();
    for _ in 0..n {
        let route = metrics.route_of(Some(black_box(template)));
        let started = Instant::now();
        metrics.record(route, black_box(0), black_box(200), started.elapsed());
    }
    let per = t.elapsed().as_nanos() as f64 / f64::from(n);
    println!("lookup + 2 clock reads + record: {per:.1} ns/request");

    // 2. The whole layer around a trivial service, against the trivial service alone (same
    //    request built each time; no MatchedPath here, axum's constructor is private).
    let inner = tower::service_fn(|_req: Request<()>| {
        std::future::ready(Ok::<_, std::convert::Infallible>(Response::new(())))
    });
    let mut bare = inner.clone();
    let mut counted = CountRequestsLayer(metrics.clone()).layer(inner);
    let mk = || Request::builder().method(Method::GET).uri("/x").body(()).unwrap();
    let mut best = (Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..n {
            drive(&mut bare, mk());
        }
        best.0 = best.0.min(t.elapsed());
        let t = Instant::now();
        for _ in 0..n {
            drive(&mut counted, mk());
        }
        best.1 = best.1.min(t.elapsed());
    }
    let (b, c) = (
        best.0.as_nanos() as f64 / f64::from(n),
        best.1.as_nanos() as f64 / f64::from(n),
    );
    println!("bare service: {b:.1} ns, with the layer: {c:.1} ns, layer adds {:.1} ns/request", c - b);
    let mut text = String::new();
    metrics.render(&mut text);
    println!("rendered {} bytes", text.len());
}
