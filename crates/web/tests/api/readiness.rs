//! `/readyz`: ready while the database answers and has applied every migration this build
//! carries; 503 otherwise, without saying why (the log says).

use crate::support::{Db, code_of, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

async fn readiness_needs_the_database_and_a_current_schema(db: Db) {
    let app = spawn_app(db).await;
    let mut anyone = app.browser();
    let (status, body) = anyone.get("/readyz").await;
    assert_eq!(
        (status, &body),
        (StatusCode::OK, &json!({"status": "ready"}))
    );

    // The database missed this build's newest migration (say, an older instance's tool restored
    // it): the instance is alive but not ready.
    let applied = app
        .state
        .store
        .applied_migrations()
        .await
        .expect("migrations");
    let newest = applied.last().expect("a migration");
    let version: i64 = newest[..4].parse().expect("a numbered migration");
    let deleted = app
        .db
        .execute_raw(&format!(
            "DELETE FROM _sqlx_migrations WHERE version = {version}"
        ))
        .await;
    assert_eq!(deleted, 1);
    let (status, body) = anyone.get("/readyz").await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    );
    assert!(!body.to_string().contains(newest.as_str()), "{body}");
    let (status, _) = anyone.get("/healthz").await;
    assert_eq!(status, StatusCode::OK, "alive all the same");
}

crate::on_both_backends!(readiness_needs_the_database_and_a_current_schema);
