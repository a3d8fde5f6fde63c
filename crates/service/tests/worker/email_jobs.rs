//! E-mail as jobs: a sign-up commits with its confirmation message and sends nothing itself; a
//! worker renders and delivers it (text and HTML, a working link); a mail server that is down
//! delays the message without losing it; a message whose subject went away is not sent.

use crate::accounts_and_orgs::roastery;
use crate::support::context;
use chrono::{TimeDelta, Utc};
use flowsense_core::Role;
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_jobs::{Worker, WorkerConfig};
use flowsense_mail::{FileMailer, SmtpConfig, SmtpMailer};
use flowsense_service::Context;
use flowsense_service::background::registry;
use flowsense_service::email::EMAIL_SEND;
use flowsense_service::identity::accounts::{
    SignupInput, create_user_with_password, signup, verify_email,
};
use flowsense_service::identity::{Caller, Client};
use flowsense_service::orgs::members::{InviteInput, invite, revoke_invitation};
use flowsense_service::orgs::{OrgAccess, lifecycle};
use flowsense_storage::{JobState, Store};
use std::path::Path;
use std::sync::Arc;

const PASSWORD: &str = "violet-tundra-47-marmalade";

/// Runs every due job with the product's own registry, as `flowsense worker` would.
async fn run_jobs(ctx: &Context) -> usize {
    let worker = Worker::new(
        ctx.store.clone(),
        Arc::new(registry(ctx)),
        ctx.clock.clone(),
        WorkerConfig::new(2, 0),
    );
    let mut ran = 0;
    while let n @ 1.. = worker.run_once().await.expect("run jobs") {
        ran += n;
    }
    ran
}

fn messages(outbox: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<_> = std::fs::read_dir(outbox)
        .expect("outbox")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read(p).expect("eml"))
        .collect()
}

async fn email_jobs(store: &Store, state: JobState) -> Vec<flowsense_storage::JobRecord> {
    store
        .list_jobs_across_orgs(Some(state), Some(EMAIL_SEND), 100)
        .await
        .expect("jobs")
}

async fn a_signup_commits_its_message_and_a_worker_sends_it(store: &Store) {
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = context(store, outbox.path());
    let here = Client::local("web");
    signup(
        &ctx,
        SignupInput {
            email: "nia@example.test".into(),
            password: PASSWORD.into(),
            display_name: "Nia".into(),
            invitation: None,
        },
        &here,
    )
    .await
    .expect("sign-up");
    assert!(
        messages(outbox.path()).is_empty(),
        "the request sent nothing itself"
    );
    let queued = email_jobs(store, JobState::Queued).await;
    assert_eq!(queued.len(), 1, "one message, committed with the account");
    let payload = &queued[0].payload;
    assert!(payload.contains("verify_email"), "{payload}");
    assert!(
        !payload.contains("nia@") && !payload.contains("token"),
        "the payload names ids only: {payload}"
    );

    assert_eq!(run_jobs(&ctx).await, 1);
    let sent = messages(outbox.path());
    assert_eq!(sent.len(), 1);
    let mail = mail_parser::MessageParser::default()
        .parse(&sent[0])
        .expect("a MIME message");
    assert!(mail.message_id().is_some_and(|id| !id.is_empty()));
    assert_eq!(
        mail.subject(),
        Some("Confirm your e-mail address for FlowSense")
    );
    let text = mail.body_text(0).expect("a text part").into_owned();
    let html = mail.body_html(0).expect("an HTML part").into_owned();
    assert!(html.contains("Confirm my address"), "{html}");
    let at = text.find("token=").expect("a link") + "token=".len();
    let token = text[at..].split_whitespace().next().expect("token");
    verify_email(&ctx, token)
        .await
        .expect("the mailed link confirms the address");
    assert!(
        store
            .user_by_email("nia@example.test")
            .await
            .expect("read")
            .expect("the account")
            .email_verified_at
            .is_some()
    );
    assert_eq!(run_jobs(&ctx).await, 0, "each message is sent once");
    assert_eq!(messages(outbox.path()).len(), 1);

    // The same address again: no second account, and its owner is told instead.
    let again = SignupInput {
        email: "nia@example.test".into(),
        password: PASSWORD.into(),
        display_name: "Nia".into(),
        invitation: None,
    };
    signup(&ctx, again, &here).await.expect("the same answer");
    run_jobs(&ctx).await;
    let sent = messages(outbox.path());
    let last = mail_parser::MessageParser::default()
        .parse(&sent[1])
        .expect("a MIME message");
    assert_eq!(last.subject(), Some("You already have a FlowSense account"));
}

async fn a_mail_server_that_is_down_delays_the_message_without_losing_it(store: &Store) {
    let outbox = tempfile::tempdir().expect("outbox");
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mut ctx = context(store, outbox.path()).with_clock(clock.clone());
    // A real SMTP client towards a port nothing listens on: the connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let smtp = SmtpConfig::parse(&format!("smtp://127.0.0.1:{port}?tls=none")).expect("config");
    ctx.mailer =
        Arc::new(SmtpMailer::new(&smtp, "FlowSense <noreply@flowsense.test>").expect("smtp"));
    create_user_with_password(&ctx, "omar@example.test", "Omar", PASSWORD, false)
        .await
        .expect("the account");

    run_jobs(&ctx).await;
    let waiting = email_jobs(store, JobState::Queued).await;
    assert_eq!(waiting.len(), 1, "the message waits for another attempt");
    let job = &waiting[0];
    assert_eq!(job.attempts, 1);
    assert!(job.run_at > clock.now(), "after a backoff");
    let error = job.last_error.clone().unwrap_or_default();
    assert!(!error.is_empty() && !error.contains("omar"), "{error}");

    // The server is back (here: the outbox); once the backoff passed the message goes out.
    ctx.mailer = Arc::new(
        FileMailer::new(outbox.path(), "FlowSense <noreply@flowsense.test>").expect("outbox"),
    );
    clock.advance(TimeDelta::hours(2));
    assert_eq!(run_jobs(&ctx).await, 1);
    assert_eq!(messages(outbox.path()).len(), 1);
    assert_eq!(email_jobs(store, JobState::Succeeded).await.len(), 1);
}

async fn an_invitation_revoked_before_it_went_out_is_not_sent(store: &Store) {
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = context(store, outbox.path());
    let here = Client::local("web");
    let admin = create_user_with_password(&ctx, "ada@example.test", "Ada", PASSWORD, true)
        .await
        .expect("admin");
    let ada = Caller::local(admin);
    let org = lifecycle::create(&ctx, &ada, roastery(), &here)
        .await
        .expect("org");
    let who = OrgAccess::check(&ctx, ada, org.id, Role::Admin)
        .await
        .expect("admin");
    let kept = invite(
        &ctx,
        &who,
        InviteInput {
            email: "kim@example.test".into(),
            role: Role::Member,
        },
        &here,
    )
    .await
    .expect("invitation");
    let revoked = invite(
        &ctx,
        &who,
        InviteInput {
            email: "lou@example.test".into(),
            role: Role::Viewer,
        },
        &here,
    )
    .await
    .expect("invitation");
    revoke_invitation(&ctx, &who, &revoked.id.to_string(), &here)
        .await
        .expect("revoked");
    assert_eq!(run_jobs(&ctx).await, 2, "both jobs ran");
    let sent = messages(outbox.path());
    assert_eq!(sent.len(), 1, "only the open invitation was mailed");
    let mail = mail_parser::MessageParser::default()
        .parse(&sent[0])
        .expect("a MIME message");
    assert_eq!(
        mail.to().and_then(|t| t.first()).and_then(|a| a.address()),
        Some("kim@example.test")
    );
    let text = mail.body_text(0).expect("a text part").into_owned();
    assert!(text.contains("as member"), "{text}");
    assert!(text.contains("/invitations/accept?token="), "{text}");
    assert_eq!(kept.email, "kim@example.test");
}

crate::on_both_backends!(
    a_signup_commits_its_message_and_a_worker_sends_it,
    a_mail_server_that_is_down_delays_the_message_without_losing_it,
    an_invitation_revoked_before_it_went_out_is_not_sent,
);
