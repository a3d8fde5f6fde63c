//! Requests and their latencies by route template, counted for `GET /metrics`.
//!
//! Every template of the route table gets its counters when the state is built (plus one
//! `unmatched` entry for whatever the router did not match), so the label set is bounded by the
//! route table whatever a scanner asks for, and counting a request is a hash of its template,
//! two clock reads, three relaxed atomic additions and the reference count of the counters
//! carried by the response future: no allocation, no lock. The counters live
//! in the instance's state, so two servers in one process count their own requests.

use axum::extract::MatchedPath;
use axum::http::{Method, Request, Response};
use std::collections::HashMap;
use std::fmt::Write;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The methods counted by name; any other is `other`.
const METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other",
];
/// Status classes, by the first digit of the status.
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
/// The label of requests the router matched to no route.
pub(crate) const UNMATCHED: &str = "unmatched";
/// Upper bounds of the latency buckets, in seconds as written and in nanoseconds as compared:
/// from a cached JSON report (well under a millisecond) to the request timeout (30 s).
const BUCKETS: [(&str, u64); 14] = [
    ("0.001", 1_000_000),
    ("0.0025", 2_500_000),
    ("0.005", 5_000_000),
    ("0.01", 10_000_000),
    ("0.025", 25_000_000),
    ("0.05", 50_000_000),
    ("0.1", 100_000_000),
    ("0.25", 250_000_000),
    ("0.5", 500_000_000),
    ("1", 1_000_000_000),
    ("2.5", 2_500_000_000),
    ("5", 5_000_000_000),
    ("10", 10_000_000_000),
    ("30", 30_000_000_000),
];

/// The counters of one route template.
#[derive(Default)]
struct RouteCounters {
    requests: [[AtomicU64; CLASSES.len()]; METHODS.len()],
    /// Requests per latency bucket, not cumulative (the last one past every bound: `+Inf`).
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_nanos: AtomicU64,
}

/// Requests and latencies by route template, method and status class, for one instance.
pub struct RequestMetrics {
    /// The route templates, then [`UNMATCHED`].
    templates: Box<[&'static str]>,
    /// `FxHash`: the templates are short, fixed and not chosen by a client, so a keyed hash buys
    /// nothing here, and SipHash would be most of the cost of counting a request.
    index: HashMap<&'static str, usize, rustc_hash::FxBuildHasher>,
    routes: Box<[RouteCounters]>,
}

impl std::fmt::Debug for RequestMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestMetrics")
            .field("templates", &self.templates.len())
            .finish_non_exhaustive()
    }
}

impl RequestMetrics {
    /// Counters for every path of `templates` (duplicates counted once) and for unmatched
    /// requests.
    pub(crate) fn new(templates: impl IntoIterator<Item = &'static str>) -> Self {
        let mut list: Vec<&'static str> = Vec::new();
        let mut index = HashMap::default();
        for t in templates.into_iter().chain([UNMATCHED]) {
            index.entry(t).or_insert_with(|| {
                list.push(t);
                list.len() - 1
            });
        }
        let routes = list.iter().map(|_| RouteCounters::default()).collect();
        Self {
            templates: list.into_boxed_slice(),
            index,
            routes,
        }
    }

    /// Counters for every path of the route table.
    pub(crate) fn for_route_table() -> Self {
        Self::new(crate::routes::route_table().into_iter().map(|r| r.path))
    }

    /// The entry of a matched template; [`UNMATCHED`] for none (or one not in the table).
    pub(crate) fn route_of(&self, template: Option<&str>) -> usize {
        template
            .and_then(|t| self.index.get(t).copied())
            .unwrap_or(self.templates.len() - 1)
    }

    /// Counts one request of `route` answered with `status` after `elapsed`.
    pub(crate) fn record(&self, route: usize, method: usize, status: u16, elapsed: Duration) {
        let counters = &self.routes[route];
        let class = usize::from(status / 100).clamp(1, CLASSES.len()) - 1;
        counters.requests[method][class].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let bucket = BUCKETS
            .iter()
            .position(|(_, bound)| nanos <= *bound)
            .unwrap_or(BUCKETS.len());
        counters.latency[bucket].fetch_add(1, Ordering::Relaxed);
        counters.latency_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Appends `flowsense_http_requests_total` and `flowsense_http_request_duration_seconds` in
    /// the text format: the series of every template, method and class seen so far.
    pub(crate) fn render(&self, out: &mut String) {
        out.push_str(
            "# HELP flowsense_http_requests_total Requests answered by this instance, by route template (unmatched: no route), method and status class.\n\
             # TYPE flowsense_http_requests_total counter\n",
        );
        for (template, counters) in self.templates.iter().zip(&self.routes) {
            for (method, by_class) in METHODS.iter().zip(&counters.requests) {
                for (class, n) in CLASSES.iter().zip(by_class) {
                    let n = n.load(Ordering::Relaxed);
                    if n > 0 {
                        let _ = writeln!(
                            out,
                            "flowsense_http_requests_total{{route=\"{template}\",method=\"{method}\",status=\"{class}\"}} {n}"
                        );
                    }
                }
            }
        }
        out.push_str(
            "# HELP flowsense_http_request_duration_seconds Time from routing a request to its response's headers, by route template.\n\
             # TYPE flowsense_http_request_duration_seconds histogram\n",
        );
        for (template, counters) in self.templates.iter().zip(&self.routes) {
            let per_bucket: Vec<u64> = counters
                .latency
                .iter()
                .map(|n| n.load(Ordering::Relaxed))
                .collect();
            let count: u64 = per_bucket.iter().sum();
            if count == 0 {
                continue;
            }
            let mut cumulative = 0;
            for ((bound, _), n) in BUCKETS.iter().zip(&per_bucket) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "flowsense_http_request_duration_seconds_bucket{{route=\"{template}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "flowsense_http_request_duration_seconds_bucket{{route=\"{template}\",le=\"+Inf\"}} {count}"
            );
            let sum = Duration::from_nanos(counters.latency_nanos.load(Ordering::Relaxed));
            let _ = writeln!(
                out,
                "flowsense_http_request_duration_seconds_sum{{route=\"{template}\"}} {}\n\
                 flowsense_http_request_duration_seconds_count{{route=\"{template}\"}} {count}",
                sum.as_secs_f64()
            );
        }
    }
}

/// The index of `method` in [`METHODS`].
fn method_index(method: &Method) -> usize {
    [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ]
    .iter()
    .position(|m| m == method)
    .unwrap_or(METHODS.len() - 1)
}

/// Counts every request that reaches it into [`RequestMetrics`]. Outermost of the per-route
/// layers, so refusals by the inner ones (rate limits, CSRF, time-outs, panics) are counted
/// with the status they answered.
#[derive(Clone)]
pub(crate) struct CountRequestsLayer(pub(crate) Arc<RequestMetrics>);

impl<S> tower::Layer<S> for CountRequestsLayer {
    type Service = CountRequests<S>;
    fn layer(&self, inner: S) -> CountRequests<S> {
        CountRequests {
            inner,
            metrics: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct CountRequests<S> {
    inner: S,
    metrics: Arc<RequestMetrics>,
}

impl<S, B, R> tower::Service<Request<B>> for CountRequests<S>
where
    S: tower::Service<Request<B>, Response = Response<R>>,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = Counted<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let route = self.metrics.route_of(
            req.extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str),
        );
        let method = method_index(req.method());
        Counted {
            inner: self.inner.call(req),
            metrics: self.metrics.clone(),
            route,
            method,
            started: Instant::now(),
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's future, counted when it resolves.
    pub(crate) struct Counted<F> {
        #[pin]
        inner: F,
        metrics: Arc<RequestMetrics>,
        route: usize,
        method: usize,
        started: Instant,
    }
}

impl<F, R, E> Future for Counted<F>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.inner.poll(cx));
        // An error here never reaches a client as a response (axum's services are infallible);
        // should one appear, it is counted as the 500 the connection would end with.
        let status = result.as_ref().map_or(500, |r| r.status().as_u16());
        this.metrics
            .record(*this.route, *this.method, status, this.started.elapsed());
        Poll::Ready(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_counted_by_class_and_bucket_and_unknown_ones_as_unmatched() {
        let m = RequestMetrics::new(["/a/{id}", "/b", "/a/{id}"]);
        let a = m.route_of(Some("/a/{id}"));
        m.record(a, 0, 200, Duration::from_micros(300));
        m.record(a, 0, 204, Duration::from_millis(3));
        m.record(a, 2, 503, Duration::from_secs(40));
        m.record(m.route_of(Some("/nope/123")), 0, 404, Duration::ZERO);
        m.record(m.route_of(None), 7, 401, Duration::ZERO);
        let mut text = String::new();
        m.render(&mut text);
        for line in [
            "flowsense_http_requests_total{route=\"/a/{id}\",method=\"GET\",status=\"2xx\"} 2\n",
            "flowsense_http_requests_total{route=\"/a/{id}\",method=\"POST\",status=\"5xx\"} 1\n",
            "flowsense_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"4xx\"} 1\n",
            "flowsense_http_requests_total{route=\"unmatched\",method=\"other\",status=\"4xx\"} 1\n",
            "flowsense_http_request_duration_seconds_bucket{route=\"/a/{id}\",le=\"0.001\"} 1\n",
            "flowsense_http_request_duration_seconds_bucket{route=\"/a/{id}\",le=\"0.005\"} 2\n",
            "flowsense_http_request_duration_seconds_bucket{route=\"/a/{id}\",le=\"30\"} 2\n",
            "flowsense_http_request_duration_seconds_bucket{route=\"/a/{id}\",le=\"+Inf\"} 3\n",
            "flowsense_http_request_duration_seconds_sum{route=\"/a/{id}\"} 40.0033\n",
            "flowsense_http_request_duration_seconds_count{route=\"/a/{id}\"} 3\n",
            "flowsense_http_request_duration_seconds_count{route=\"unmatched\"} 2\n",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert!(
            !text.contains("route=\"/b\""),
            "nothing seen, nothing written"
        );
        assert!(!text.contains("/nope"));
    }
}
