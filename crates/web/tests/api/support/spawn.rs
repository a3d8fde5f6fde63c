//! Starting the server for a test: the real router on 127.0.0.1:0 with a fresh database, a
//! file outbox and a manual clock.

use super::{Db, TestApp, TestDb};
use chrono::Utc;
use flowsense_core::clock::ManualClock;
use flowsense_mail::FileMailer;
use flowsense_service::identity::crypto::InstanceKey;
use flowsense_service::identity::limits::RateLimits;
use flowsense_web::{AppState, AuthSettings};
use std::sync::Arc;

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_with(db, RateLimits::generous(), |_| {}).await
}

pub async fn spawn_with(
    db: Db,
    limits: RateLimits,
    tweak: impl FnOnce(&mut AuthSettings),
) -> TestApp {
    spawn_with_state(db, limits, tweak, |state| state).await
}

/// [`spawn_with`], and `finish` completes the state (say, with a cron endpoint on its store).
pub async fn spawn_with_state(
    db: Db,
    limits: RateLimits,
    tweak: impl FnOnce(&mut AuthSettings),
    finish: impl FnOnce(AppState) -> AppState,
) -> TestApp {
    let (db, store) = TestDb::new(db).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let outbox = tempfile::tempdir().expect("outbox");
    let mut settings = AuthSettings::new(base.clone());
    settings.limits = limits;
    tweak(&mut settings);
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mailer = Arc::new(
        FileMailer::new(outbox.path(), "FlowSense <noreply@flowsense.test>").expect("mailer"),
    );
    let state = AppState::new(store, InstanceKey::generate(), mailer, settings)
        .expect("state")
        .with_clock(clock.clone());
    let state = finish(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = state.clone();
    tokio::spawn(async move {
        let _ = flowsense_web::serve(listener, served, async move {
            let _ = rx.await;
        })
        .await;
    });
    TestApp {
        base,
        state,
        clock,
        outbox,
        db,
        shutdown: Some(tx),
    }
}
