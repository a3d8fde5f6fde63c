//! The weekly digest end to end: the scheduler's weekly job and the send jobs run by a worker,
//! delivered over SMTP to a real server started by the test, parsed back as a mail client
//! would; its one-click unsubscribe link, the organisation's switch, and the profile preview.

use crate::on_both_backends;
use crate::support::smtp::{Received, SmtpServer};
use crate::support::{Browser, Db, PASSWORD, TestApp, spawn_with_state};
use chrono::{NaiveDate, TimeDelta};
use flowsense_core::clock::Clock;
use flowsense_core::{OrgId, Role, UserId};
use flowsense_jobs::{Scheduler, Worker, WorkerConfig};
use flowsense_service::digest::{CHART_CONTENT_ID, DIGEST_WEEKLY, unsubscribe_link};
use flowsense_service::identity::limits::RateLimits;
use flowsense_storage::{NewTransaction, NotificationPrefs};
use mail_parser::{MessageParser, MimeHeaders};
use reqwest::{Method, StatusCode};
use std::sync::Arc;

async fn spawn_with_smtp(db: Db) -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start();
    let mailer = smtp.mailer();
    let app = spawn_with_state(
        db,
        RateLimits::generous(),
        |_| {},
        |mut state| {
            state.services = state.services.clone().with_mailer(mailer);
            state
        },
    )
    .await;
    (app, smtp)
}

/// `weeks` weeks of a sale on Mondays and a supplier on Wednesdays, from Monday 5 January 2026.
fn books(weeks: i64, sale: i64, supplies: i64) -> Vec<NewTransaction> {
    let monday = NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
    let row = |day: NaiveDate, amount: i64, who: &str, category: &str, id: String| NewTransaction {
        account: "Operating".into(),
        posted_on: day,
        amount_minor: amount,
        currency: "USD".into(),
        original_amount_minor: amount,
        original_currency: "USD".into(),
        counterparty: who.into(),
        description: format!("{who} {day}"),
        category: category.into(),
        is_transfer: false,
        external_id: id,
    };
    (0..weeks)
        .flat_map(|w| {
            let day = monday + TimeDelta::weeks(w);
            [
                row(day, sale, "Walk-in customers", "Sales", format!("s{w}")),
                row(
                    day + TimeDelta::days(2),
                    -supplies,
                    "Supplier",
                    "Supplies",
                    format!("p{w}"),
                ),
            ]
        })
        .collect()
}

/// The product's registry (every kind, as the binary registers them), a scheduler and a worker
/// over it.
fn digest_jobs(app: &TestApp) -> (Scheduler, Worker) {
    let registry = Arc::new(flowsense_service::background::registry(&app.state.services));
    let clock: Arc<dyn Clock> = app.clock.clone();
    let store = app.state.store.clone();
    (
        Scheduler::new(store.clone(), registry.clone(), clock.clone()),
        Worker::new(store, registry, clock, WorkerConfig::new(4, 0)),
    )
}

/// Enqueues this week's digests as the scheduler does, and runs jobs until none is due.
async fn run_the_week(app: &TestApp) {
    let (scheduler, worker) = digest_jobs(app);
    scheduler
        .enqueue_current(DIGEST_WEEKLY)
        .await
        .expect("enqueue")
        .expect("a periodic kind");
    for _ in 0..20 {
        if worker.run_once().await.expect("run") == 0 {
            return;
        }
    }
    panic!("jobs were still due after 20 rounds");
}

/// A delivered digest as a mail client reads it.
struct Digest {
    to: String,
    subject: String,
    text: String,
    html: String,
    png: Vec<u8>,
    unsubscribe: String,
    one_click: String,
}

fn parse(received: &Received) -> Digest {
    let m = MessageParser::default().parse(&received.1).expect("MIME");
    let header = |name: &str| {
        m.header_raw(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .trim()
            .to_owned()
    };
    let to = received.0.join(",");
    assert_eq!(
        m.to().and_then(|l| l.first()).and_then(|a| a.address()),
        Some(to.as_str())
    );
    Digest {
        to,
        subject: m.subject().unwrap_or_default().to_owned(),
        text: m.body_text(0).expect("a text part").replace("\r\n", "\n"),
        html: m.body_html(0).expect("an HTML part").into_owned(),
        png: m
            .attachments()
            .find(|p| p.content_id() == Some(CHART_CONTENT_ID))
            .expect("the inline chart")
            .contents()
            .to_vec(),
        unsubscribe: header("List-Unsubscribe")
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned(),
        one_click: header("List-Unsubscribe-Post"),
    }
}

fn delivered(smtp: &SmtpServer) -> Vec<Digest> {
    let mut all: Vec<Digest> = smtp.messages().iter().map(parse).collect();
    all.sort_by(|a, b| (&a.to, &a.subject).cmp(&(&b.to, &b.subject)));
    all
}

async fn opt_out(app: &TestApp, org: OrgId, user: UserId) {
    let now = app.clock.now();
    let off = NotificationPrefs {
        weekly_digest: false,
    };
    app.state
        .store
        .set_notification_prefs(org, user, off, now)
        .await
        .expect("opt out");
}

async fn digest_on(app: &TestApp, org: OrgId, user: UserId) -> bool {
    let prefs = app.state.store.notification_prefs(org, user).await;
    prefs.expect("member").weekly_digest
}

/// Alpha: an admin, a member, a viewer and one who opted out; bravo: its own admin. One digest
/// per member per organisation, each with both parts, the PNG and the unsubscribe headers; the
/// link's page, its one-click POST, and a tampered link that changes nothing.
async fn digests_go_to_each_member_once_and_unsubscribe_in_one_click(db: Db) {
    let (app, smtp) = spawn_with_smtp(db).await;
    let admin = app.user("admin@alpha.test").await;
    let alpha = app.org("alpha", admin).await;
    let member = app.member(alpha, "member@alpha.test", Role::Member).await;
    app.member(alpha, "viewer@alpha.test", Role::Viewer).await;
    let quiet = app.member(alpha, "quiet@alpha.test", Role::Member).await;
    opt_out(&app, alpha, quiet).await;
    let bravo_admin = app.user("admin@bravo.test").await;
    let bravo = app.org("bravo", bravo_admin).await;
    app.import_rows(alpha, &books(16, 100_000, 40_000)).await;
    app.import_rows(bravo, &books(10, 50_000, 10_000)).await;

    run_the_week(&app).await;
    let mail = delivered(&smtp);
    let who: Vec<(&str, &str)> = mail
        .iter()
        .map(|d| (d.to.as_str(), d.subject.as_str()))
        .collect();
    assert_eq!(
        who,
        [
            ("admin@alpha.test", "alpha: your week to 22 Apr"),
            ("admin@bravo.test", "bravo: your week to 11 Mar"),
            ("member@alpha.test", "alpha: your week to 22 Apr"),
            ("viewer@alpha.test", "alpha: your week to 22 Apr"),
        ]
    );
    for d in &mail {
        // Links name the organisation by its slug, as the app's addresses do.
        let (cash, slug) = if d.subject.starts_with("alpha") {
            ("Cash now: $9,600.00 (+$600.00 over the week)", "alpha")
        } else {
            ("Cash now: $4,000.00 (+$400.00 over the week)", "bravo")
        };
        assert!(d.text.contains(cash), "{}", d.text);
        assert!(d.text.contains(&format!("/app/{slug}\n")), "{}", d.text);
        assert!(d.html.contains(&format!("src=\"cid:{CHART_CONTENT_ID}\"")));
        assert!(d.png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
        assert!(
            d.unsubscribe
                .starts_with(&format!("{}/unsubscribe/", app.base))
        );
        assert!(
            d.text.contains(&d.unsubscribe),
            "the link is in the body too"
        );
        assert_eq!(d.one_click, "List-Unsubscribe=One-Click");
    }
    // The week again (another tick, another instance): nobody gets a second one.
    run_the_week(&app).await;
    assert_eq!(smtp.messages().len(), 4);

    // The member's link, opened without a session: a page naming the organisation and a button.
    let link = mail[2].unsubscribe.clone();
    let http = reqwest::Client::new();
    let page = http.get(&link).send().await.expect("get");
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.expect("body");
    assert!(
        body.contains("alpha") && body.contains("m•••@alpha.test"),
        "{body}"
    );
    assert!(body.contains("id=\"unsubscribe-confirm\""), "{body}");
    assert!(digest_on(&app, alpha, member).await, "GET changes nothing");

    // A tampered link (another character in the signed user id) is refused and changes nothing.
    let at = link.rfind('/').expect("a path") + 10;
    let swapped = if &link[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{swapped}{}", &link[..at], &link[at + 1..]);
    for method in [Method::GET, Method::POST] {
        let r = http
            .request(method.clone(), &tampered)
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{method}");
        assert!(r.text().await.expect("body").contains("not valid"));
    }
    // Another instance's link for the same member and organisation: the same refusal.
    let foreign = flowsense_service::digest::digest_links(&app.base, &[7; 32], member, alpha);
    let r = http
        .post(&foreign.unsubscribe_url)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(digest_on(&app, alpha, member).await);

    // RFC 8058 one-click: a POST with no cookie and no CSRF token.
    let r = http
        .post(&link)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.expect("body").contains("no longer receives"));
    assert!(!digest_on(&app, alpha, member).await);
    assert!(digest_on(&app, alpha, admin).await, "only that member");

    // Next week: everyone but the member who unsubscribed (and the one who opted out).
    app.advance(TimeDelta::days(7));
    run_the_week(&app).await;
    let next: Vec<String> = smtp.messages()[4..]
        .iter()
        .map(|m| parse(m).to)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        next,
        ["admin@alpha.test", "admin@bravo.test", "viewer@alpha.test"]
    );
}

/// An admin turns the organisation's digests on or off through the settings API.
async fn switch_digests(admin: &mut Browser, org: OrgId, on: bool) {
    let (s, body) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{org}/settings"),
            Some(serde_json::json!({ "digests_enabled": on })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

/// The organisation's switch (through the settings API), a member who leaves between the
/// weekly job and the send, and books with no transactions: nothing is sent.
async fn the_switch_leaving_and_empty_books_send_nothing(db: Db) {
    let (app, smtp) = spawn_with_smtp(db).await;
    let admin = app.user("admin@alpha.test").await;
    let alpha = app.org("alpha", admin).await;
    app.import_rows(alpha, &books(8, 100_000, 40_000)).await;
    let empty_admin = app.user("admin@empty.test").await;
    app.org("empty", empty_admin).await;

    let mut browser = app.signed_in("admin@alpha.test").await;
    switch_digests(&mut browser, alpha, false).await;
    let (_, settings) = browser.get(&format!("/api/v1/orgs/{alpha}/settings")).await;
    assert_eq!(settings["settings"]["digests_enabled"], false, "{settings}");
    run_the_week(&app).await;
    assert!(smtp.messages().is_empty(), "switched off; and no books");

    // Switched back on, a member who leaves after the weekly job gets nothing.
    switch_digests(&mut browser, alpha, true).await;
    let leaver = app.member(alpha, "leaver@alpha.test", Role::Member).await;
    app.advance(TimeDelta::days(7));
    let (scheduler, worker) = digest_jobs(&app);
    scheduler
        .enqueue_current(DIGEST_WEEKLY)
        .await
        .expect("enqueue");
    // This week's two weekly jobs (alpha's and the empty organisation's), no send yet.
    assert_eq!(worker.run_once().await.expect("weekly"), 2);
    app.state
        .store
        .remove_member_keeping_an_admin(alpha, leaver)
        .await
        .expect("leave");
    while worker.run_once().await.expect("sends") > 0 {}
    let to: Vec<String> = delivered(&smtp).into_iter().map(|d| d.to).collect();
    assert_eq!(to, ["admin@alpha.test"]);
}

/// The profile links to a preview of each organisation's next digest: the HTML part, with the
/// figures and the chart inline, under a policy that runs nothing; another organisation's is
/// not found.
async fn the_profile_previews_the_next_digest(db: Db) {
    let (app, _smtp) = spawn_with_smtp(db).await;
    let admin = app.user("admin@alpha.test").await;
    let alpha = app.org("alpha", admin).await;
    app.member(alpha, "member@alpha.test", Role::Member).await;
    app.import_rows(alpha, &books(16, 100_000, 40_000)).await;
    let other = app.user("admin@bravo.test").await;
    let bravo = app.org("bravo", other).await;

    let browser = app.signed_in_with("member@alpha.test", PASSWORD).await;
    let profile = browser
        .request(Method::GET, "/app/profile")
        .send()
        .await
        .expect("profile")
        .text()
        .await
        .expect("body");
    let href = format!("/app/profile/digest-preview/{alpha}");
    assert!(profile.contains(&format!("href=\"{href}\"")), "{profile}");

    let r = browser
        .request(Method::GET, &href)
        .send()
        .await
        .expect("preview");
    assert_eq!(r.status(), StatusCode::OK);
    let policy = r.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        policy.starts_with("default-src 'none'") && !policy.contains("script"),
        "{policy}"
    );
    let html = r.text().await.expect("body");
    assert!(html.contains(">$9,600.00<") && html.contains("+$600.00 over the week"));
    assert!(
        html.contains("src=\"data:image/png;base64,iVBORw0KGgo"),
        "the chart inline"
    );
    let member = app
        .state
        .store
        .user_by_email("member@alpha.test")
        .await
        .expect("db")
        .expect("user");
    let own_link = unsubscribe_link(&app.state, member.id, alpha);
    assert!(
        html.contains(&own_link),
        "the member's own unsubscribe link"
    );

    let r = browser
        .request(Method::GET, &format!("/app/profile/digest-preview/{bravo}"))
        .send()
        .await
        .expect("other");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

on_both_backends!(
    digests_go_to_each_member_once_and_unsubscribe_in_one_click,
    the_switch_leaving_and_empty_books_send_nothing,
    the_profile_previews_the_next_digest,
);
