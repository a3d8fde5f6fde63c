//! Request ids without a call into the kernel's random source per request: a random 64-bit
//! prefix drawn once per process and a counter, written as a UUID (ids are for finding a
//! request in the logs, not secrets).

use axum::http::{HeaderValue, Request};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tower_http::request_id::{MakeRequestId, RequestId};

#[derive(Clone)]
pub(crate) struct SequentialRequestIds {
    prefix: u64,
    next: Arc<AtomicU64>,
}

impl SequentialRequestIds {
    pub(crate) fn new() -> Self {
        let (prefix, start) = uuid::Uuid::new_v4().as_u64_pair();
        Self {
            prefix,
            next: Arc::new(AtomicU64::new(start)),
        }
    }
}

impl MakeRequestId for SequentialRequestIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut text = uuid::Uuid::encode_buffer();
        let id = uuid::Uuid::from_u64_pair(self.prefix, n)
            .hyphenated()
            .encode_lower(&mut text);
        HeaderValue::from_str(id).ok().map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_and_look_like_uuids() {
        let mut ids = SequentialRequestIds::new();
        let req = Request::new(());
        let a = ids.make_request_id(&req).expect("an id");
        let b = ids.make_request_id(&req).expect("an id");
        assert_ne!(a.header_value(), b.header_value());
        let text = a.header_value().to_str().expect("ascii");
        assert!(uuid::Uuid::parse_str(text).is_ok(), "{text}");
    }
}
