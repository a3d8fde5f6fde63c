//! Signed cron requests: forged, stale, replayed and unsigned ones are refused (and burn no
//! nonce); a good one is accepted once; either of two secrets signs during a rotation.

use crate::on_both_backends;
use crate::support::TestDb;
use chrono::{TimeDelta, Utc};
use flowsense_jobs::cron::{
    CronRejection, CronRequest, new_cron_nonce, sign_cron_request, verify_cron_request,
};
use secrecy::SecretString;

const PATH: &str = "/api/cron/cleanup.expired";

async fn cron_requests_are_signed_fresh_and_used_once(db: &TestDb) {
    let old = SecretString::from("the secret being retired, long enough");
    let new = SecretString::from("the new secret, also long enough here");
    let secrets = [new.clone(), old.clone()];
    let now = Utc::now();
    let ts = now.timestamp();
    let nonce = new_cron_nonce();
    let good = sign_cron_request(&new, "POST", PATH, ts, &nonce);
    let request = |timestamp: Option<String>, nonce: Option<String>, signature: Option<String>| {
        (timestamp, nonce, signature)
    };
    let check =
        |(timestamp, nonce, signature): (Option<String>, Option<String>, Option<String>),
         path: &'static str| {
            let store = db.store.clone();
            let secrets = secrets.clone();
            async move {
                let req = CronRequest {
                    method: "POST",
                    path,
                    timestamp: timestamp.as_deref(),
                    nonce: nonce.as_deref(),
                    signature_hex: signature.as_deref(),
                };
                verify_cron_request(&store, &secrets, &req, now).await
            }
        };
    let s = |x: &str| Some(x.to_owned());
    // Unsigned, malformed, forged (wrong secret, other path, other method's signature), stale.
    let unsigned = check(request(Some(ts.to_string()), s(&nonce), None), PATH).await;
    assert!(
        matches!(unsigned, Err(CronRejection::Unsigned)),
        "{unsigned:?}"
    );
    let malformed = check(request(s("soon"), s(&nonce), s(&good)), PATH).await;
    assert!(
        matches!(malformed, Err(CronRejection::Malformed)),
        "{malformed:?}"
    );
    let stranger = SecretString::from("somebody else's secret of some length");
    let forged = sign_cron_request(&stranger, "POST", PATH, ts, &nonce);
    let forged = check(request(Some(ts.to_string()), s(&nonce), Some(forged)), PATH).await;
    assert!(
        matches!(forged, Err(CronRejection::BadSignature)),
        "{forged:?}"
    );
    let elsewhere = check(
        request(Some(ts.to_string()), s(&nonce), s(&good)),
        "/api/cron/digest.weekly",
    )
    .await;
    assert!(
        matches!(elsewhere, Err(CronRejection::BadSignature)),
        "{elsewhere:?}"
    );
    let stale_ts = (now - TimeDelta::seconds(301)).timestamp();
    let stale_sig = sign_cron_request(&new, "POST", PATH, stale_ts, &nonce);
    let stale = check(
        request(Some(stale_ts.to_string()), s(&nonce), Some(stale_sig)),
        PATH,
    )
    .await;
    assert!(matches!(stale, Err(CronRejection::Stale)), "{stale:?}");
    // None of those used the nonce up: the good request is accepted, once.
    check(request(Some(ts.to_string()), s(&nonce), s(&good)), PATH)
        .await
        .unwrap();
    let replay = check(request(Some(ts.to_string()), s(&nonce), s(&good)), PATH).await;
    assert!(matches!(replay, Err(CronRejection::Replayed)), "{replay:?}");
    // The retiring secret still signs during the rotation, within the window either way.
    let nonce2 = new_cron_nonce();
    let ts2 = (now + TimeDelta::seconds(299)).timestamp();
    let by_old = sign_cron_request(&old, "post", PATH, ts2, &nonce2);
    check(
        request(Some(ts2.to_string()), Some(nonce2), Some(by_old)),
        PATH,
    )
    .await
    .unwrap();
}

on_both_backends!(cron_requests_are_signed_fresh_and_used_once);
