//! Uploads past 50 MB are refused with 413.

use super::*;

async fn uploads_past_50_mb_are_refused_with_413(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    let (cookie, csrf) = session(&app, "ada@x.test").await;
    let api = format!("/api/v1/orgs/{org}/imports");
    let form = format!("/app/{org}/integrations/import");
    let boundary = "fsbig";
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let headers = [
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", csrf.as_str()),
        ("Content-Type", content_type.as_str()),
        ("Connection", "close"),
    ];
    // A 60 MB upload is refused on its declared length, before a byte of it is read: JSON for
    // the API, a page for the form.
    let sixty = 60 << 20;
    let (status, answer) = raw_post(&app, &api, &headers, sixty, b"").await;
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer.contains("\"code\":\"too_large\"") && answer.contains("50 MB"),
        "{answer}"
    );
    let (status, answer) = raw_post(&app, &form, &headers, sixty, b"").await;
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer.contains("text/html") && answer.contains("50 MB"),
        "{answer}"
    );

    // A file just over 50 MB inside a request whose declared length is allowed: refused while
    // it streams in.
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\ndate,description,amount\n"
    )
    .into_bytes();
    let row = b"2026-01-02,A row that repeats to fill the file up,1.00\n";
    while body.len() < (50 << 20) + 200 {
        body.extend_from_slice(row);
    }
    let declared = body.len() + 64;
    let (status, answer) = raw_post(&app, &api, &headers, declared, &body).await;
    assert_eq!(status, 413, "{}", &answer[..answer.len().min(400)]);
    assert!(answer.contains("too_large"));
    assert_eq!(count(&app, org).await, 0);
    // A small file goes through the same path.
    let b = app.signed_in("ada@x.test").await;
    let (s, ok) = upload(&b, &api, &[("file", Some("small.csv"), GOOD.as_bytes())]).await;
    assert_eq!(s, StatusCode::OK, "{ok}");
}

crate::on_both_backends!(uploads_past_50_mb_are_refused_with_413,);
