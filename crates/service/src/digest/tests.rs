//! The digest of hand-made books whose every figure is known, rendered and written to an
//! outbox, then parsed back as a mail client would.

use super::*;
use crate::analysis::Analysis;
use crate::insights::{MAX_ANOMALIES, MAX_INSIGHTS};
use chrono::NaiveDate;
use flowsense_core::{Books, Currency, DocKind, Document, OrgId, UserId};
use flowsense_mail::{FileMailer, Mailer};
use mail_parser::{MessageParser, MimeHeaders};

const KEY: [u8; 32] = [42; 32];
const PUBLIC_URL: &str = "https://cash.example.com/";

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("a date")
}

/// $10,000 opening cash; 20 weeks of a $1,000 sale on Mondays and $600 of supplies on
/// Wednesdays (the last week's sale $2,500), rent of $2,000 on the 1st of January to May, open
/// invoices and bills. The books end on Wednesday 20 May 2026.
fn books() -> Books {
    let mut b = Books::new(Currency::USD);
    let mut id = 0;
    let mut push = |b: &mut Books, day: NaiveDate, amount: i64, category: &str, who: &str| {
        id += 1;
        b.push_txn(id, day, amount, "Checking", category, who, false);
    };
    for week in 0..20 {
        let monday = date(1, 5) + chrono::TimeDelta::weeks(week);
        let sale = if week == 19 { 250_000 } else { 100_000 };
        push(&mut b, monday, sale, "Sales", "Walk-in customers");
        push(
            &mut b,
            monday + chrono::TimeDelta::days(2),
            -60_000,
            "Supplies",
            "Supplier",
        );
    }
    for month in 1..=5 {
        push(&mut b, date(month, 1), -200_000, "Rent", "Landlord");
    }
    b.opening_balances = vec![1_000_000];
    let doc = |b: &mut Books, kind, number: &str, who: &str, issued, due, amount| {
        let counterparty = b.counterparties.intern(who);
        b.documents.push(Document {
            kind,
            number: number.to_owned(),
            counterparty,
            issued,
            due,
            paid: None,
            amount,
        });
    };
    doc(
        &mut b,
        DocKind::Invoice,
        "INV-0",
        "Acme",
        date(4, 1),
        date(5, 1),
        50_000,
    );
    doc(
        &mut b,
        DocKind::Invoice,
        "INV-1",
        "Acme",
        date(5, 1),
        date(5, 25),
        150_000,
    );
    doc(
        &mut b,
        DocKind::Bill,
        "B-1",
        "Printer Co",
        date(5, 10),
        date(5, 30),
        30_000,
    );
    doc(
        &mut b,
        DocKind::Bill,
        "B-2",
        "Printer Co",
        date(5, 10),
        date(6, 20),
        99_000,
    );
    b
}

fn digest() -> Digest {
    let analysis = Analysis::new(books());
    assert_eq!(analysis.as_of, date(5, 20));
    compose_digest(&analysis, OrgId::new(), "bean-leaf", "Bean & Leaf")
}

#[test]
fn the_figures_are_exact() {
    let d = digest();
    assert!(d.has_data);
    assert_eq!(d.cash_now, 950_000);
    assert_eq!(d.cash_change, 190_000, "this week's sale less its supplies");
    assert_eq!((d.week.inflow, d.week.outflow), (250_000, -60_000));
    // Three of the twelve weeks before hold a rent payment too; the median ignores them.
    assert_eq!(d.week.usual_inflow, Some(100_000));
    assert_eq!(d.week.usual_outflow, Some(-60_000));
    assert_eq!(d.week.usual_weeks, USUAL_WEEKS);
    let upcoming: Vec<(NaiveDate, UpcomingKind, &str, i64)> = d
        .upcoming
        .iter()
        .map(|u| (u.date, u.kind, u.counterparty.as_str(), u.amount))
        .collect();
    assert_eq!(
        upcoming,
        vec![
            (date(5, 25), UpcomingKind::Invoice, "Acme", 150_000),
            (
                date(5, 27),
                UpcomingKind::RecurringPayment,
                "Supplier",
                -60_000
            ),
            (date(5, 30), UpcomingKind::Bill, "Printer Co", -30_000),
            (
                date(6, 1),
                UpcomingKind::RecurringPayment,
                "Landlord",
                -200_000
            ),
            (
                date(6, 3),
                UpcomingKind::RecurringPayment,
                "Supplier",
                -60_000
            ),
        ]
    );
    assert_eq!(d.more_upcoming, 0);
    assert_eq!((d.overdue_receivables, d.overdue_payables), (50_000, 0));
    assert_eq!(d.chart.history.len(), CHART_WEEKS);
    assert_eq!(d.chart.history.last(), Some(&(date(5, 20), 950_000)));
    assert_eq!(d.chart.history[CHART_WEEKS - 2], (date(5, 13), 760_000));
    assert_eq!(d.chart.forecast.len(), 13);
    let debug = format!("{d:?}");
    assert!(!debug.contains("950") && !debug.contains("Bean"), "{debug}");
}

#[test]
fn the_text_part_says_it_in_words_and_exact_amounts() {
    let d = digest();
    let links = digest_links(PUBLIC_URL, &KEY, UserId::new(), d.org);
    let email = render_digest(&d, "ana@example.com", &links).expect("renders");
    assert_eq!(email.subject, "Bean & Leaf: your week to 20 May");
    let text = &email.body;
    for line in [
        "Bean & Leaf — your week, 14–20 May 2026",
        "Cash now: $9,500.00 (+$1,900.00 over the week)",
        "  Money in:  $2,500.00 (usual week: $1,000.00)",
        "  Money out: -$600.00 (usual week: -$600.00)",
        "  The usual week is the median of the 12 weeks before.",
        "Coming up in the next 14 days",
        "  Mon 25 May: invoice due from Acme, $1,500.00",
        "  Wed 27 May: recurring payment to Supplier, -$600.00",
        "  Sat 30 May: bill due to Printer Co, -$300.00",
        "  Mon 1 Jun: recurring payment to Landlord, -$2,000.00",
        "  Wed 3 Jun: recurring payment to Supplier, -$600.00",
        "  Overdue invoices (owed to you): $500.00",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    // Links name the organisation by its slug, as the app's own addresses do.
    assert!(
        text.contains("Dashboard: https://cash.example.com/app/bean-leaf\n"),
        "{text}"
    );
    assert!(text.contains(&format!(
        "Unsubscribe from this digest: {}",
        links.unsubscribe_url
    )));
    assert!(
        !text.contains("&amp;") && !text.contains('<'),
        "no HTML in the text part"
    );
    assert!(!text.contains("Overdue bills"), "nothing overdue to pay");
}

#[test]
fn the_html_part_escapes_names_and_shows_the_chart_inline() {
    let d = digest();
    let links = digest_links(PUBLIC_URL, &KEY, UserId::new(), d.org);
    let email = render_digest(&d, "ana@example.com", &links).expect("renders");
    let html = email.html.as_deref().expect("an HTML part");
    assert!(
        html.contains("Bean &#38; Leaf") || html.contains("Bean &amp; Leaf"),
        "{html}"
    );
    assert!(!html.contains("Bean & Leaf"));
    assert!(html.contains(&format!("src=\"cid:{CHART_CONTENT_ID}\"")));
    assert!(html.contains(">$9,500.00<") && html.contains("+$1,900.00 over the week"));
    assert!(html.contains("href=\"https://cash.example.com/app/bean-leaf/forecast\""));
    // Nothing is fetched from anywhere when the mail is opened.
    assert!(!html.contains("src=\"http"), "no remote images");
    assert_eq!(email.inline_images.len(), 1);
    assert_eq!(email.inline_images[0].content_id, CHART_CONTENT_ID);
    assert!(
        email
            .unsubscribe
            .as_ref()
            .is_some_and(|u| u.one_click && u.url == links.unsubscribe_url)
    );
}

#[test]
fn the_unsubscribe_link_is_bound_to_the_member_and_the_organisation() {
    let (user, org) = (UserId::new(), OrgId::new());
    let links = digest_links(PUBLIC_URL, &KEY, user, org);
    let token = links
        .unsubscribe_url
        .strip_prefix("https://cash.example.com/unsubscribe/")
        .expect("under the public URL");
    assert_eq!(
        verify_unsubscribe(&KEY, token),
        Some(Unsubscribe {
            user,
            org,
            purpose: UnsubscribePurpose::WeeklyDigest
        })
    );
    assert_ne!(
        digest_links(PUBLIC_URL, &KEY, UserId::new(), org).unsubscribe_url,
        links.unsubscribe_url
    );
}

#[tokio::test]
async fn a_rendered_digest_reads_back_from_the_outbox() {
    let d = digest();
    let links = digest_links(PUBLIC_URL, &KEY, UserId::new(), d.org);
    let email = render_digest(&d, "Ana <ana@example.com>", &links).expect("renders");
    let dir = tempfile::tempdir().expect("tempdir");
    let outbox =
        FileMailer::new(dir.path(), "FlowSense <digest@cash.example.com>").expect("outbox");
    outbox.send(&email).await.expect("written");
    let path = std::fs::read_dir(dir.path())
        .expect("dir")
        .next()
        .expect("one file")
        .expect("entry")
        .path();
    let raw = std::fs::read(path).expect("read");
    let parsed = MessageParser::default().parse(&raw).expect("MIME");
    assert_eq!(parsed.subject(), Some("Bean & Leaf: your week to 20 May"));
    assert!(
        parsed
            .body_text(0)
            .is_some_and(|t| t.contains("Cash now: $9,500.00"))
    );
    assert!(
        parsed
            .body_html(0)
            .is_some_and(|h| h.contains(CHART_CONTENT_ID))
    );
    let png = parsed
        .attachments()
        .find(|p| p.content_id() == Some(CHART_CONTENT_ID))
        .expect("the chart");
    assert_eq!(png.contents(), email.inline_images[0].png.as_slice());
    let header = parsed
        .header_raw("List-Unsubscribe")
        .expect("List-Unsubscribe");
    assert_eq!(header.trim(), format!("<{}>", links.unsubscribe_url));
    assert_eq!(
        parsed.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
}

#[test]
fn empty_books_get_a_short_digest_without_figures() {
    let analysis = Analysis::new(Books::new(Currency::EUR));
    let d = compose_digest(&analysis, OrgId::new(), "new-co", "New Co");
    assert!(!d.has_data && d.insights.is_empty() && d.upcoming.is_empty());
    let links = digest_links(PUBLIC_URL, &KEY, UserId::new(), d.org);
    let email = render_digest(&d, "ana@example.com", &links).expect("renders");
    assert!(email.body.contains("no transactions in the books yet"));
    assert!(email.inline_images.is_empty());
    assert!(!email.body.contains("Cash now"));
}

#[test]
fn a_large_business_digest_is_bounded() {
    let generated =
        flowsense_synth::generate(&flowsense_synth::GenConfig::new(7, 20_000)).expect("generates");
    let analysis = Analysis::new(flowsense_synth::to_books(&generated));
    let d = compose_digest(&analysis, OrgId::new(), "northwind", "Northwind");
    assert!(d.insights.len() <= MAX_INSIGHTS && d.anomalies.len() <= MAX_ANOMALIES);
    assert!(d.upcoming.len() <= MAX_UPCOMING);
    assert!(d.upcoming.windows(2).all(|w| w[0].date <= w[1].date));
    assert_eq!(
        d.cash_now,
        flowsense_core::analytics::cash_at(&analysis.books, analysis.as_of)
    );
    let links = digest_links(PUBLIC_URL, &KEY, UserId::new(), d.org);
    let email = render_digest(&d, "ana@example.com", &links).expect("renders");
    assert!(email.body.len() < 8_000 && email.html.as_ref().is_some_and(|h| h.len() < 30_000));
    assert!(email.inline_images.iter().all(|i| i.png.len() < 200_000));
}
