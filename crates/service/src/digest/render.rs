//! A [`Digest`] as an e-mail: the plain-text and HTML parts from askama templates
//! (`templates/digest/`), the cash chart as an inline PNG, links into the app, and the signed
//! one-click unsubscribe link in the body and in `List-Unsubscribe`.

use super::chart::{ChartError, cash_chart_png};
use super::compose::{Digest, UpcomingKind};
use crate::insights::Insight;
use askama::Template;
use chrono::NaiveDate;
use flowsense_core::analytics::RunwayStatus;
use flowsense_core::analytics::dates::add_days;
use flowsense_core::format::{money, money_change};
use flowsense_mail::Email;

/// The chart's `Content-ID`, referenced by the HTML part as `cid:…`.
pub const CHART_CONTENT_ID: &str = "cash-chart@flowsense";

/// Where the digest's links point.
#[derive(Debug, Clone)]
pub struct DigestLinks {
    /// `FLOWSENSE_PUBLIC_URL`, e.g. `https://cash.example.com` (no trailing slash needed).
    pub public_url: String,
    /// From [`super::unsubscribe_url`] with this recipient's signed token.
    pub unsubscribe_url: String,
}

/// Why a digest could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the digest template failed")]
    Template(#[from] askama::Error),
    #[error(transparent)]
    Chart(#[from] ChartError),
}

struct Line {
    tone: &'static str,
    title: String,
    detail: String,
    url: String,
    link_text: &'static str,
}

struct UpcomingLine {
    date: String,
    what: &'static str,
    counterparty: String,
    amount: String,
    incoming: bool,
}

/// Everything both parts show, formatted once.
struct View {
    org_name: String,
    week: String,
    has_data: bool,
    cash_now: String,
    cash_change: String,
    runway: String,
    inflow: String,
    outflow: String,
    usual_inflow: Option<String>,
    usual_outflow: Option<String>,
    usual_weeks: usize,
    insights: Vec<Line>,
    /// Who wrote the insights' narratives from the figures, when a model did.
    insights_written_by: Option<String>,
    anomalies: Vec<Line>,
    upcoming: Vec<UpcomingLine>,
    more_upcoming: usize,
    overdue_receivables: Option<String>,
    overdue_payables: Option<String>,
    chart_alt: Option<String>,
    /// `cid:…` in a message; a `data:` URI in the preview page.
    chart_src: String,
    dashboard_url: String,
    forecast_url: String,
    profile_url: String,
    unsubscribe_url: String,
}

#[derive(Template)]
#[template(path = "digest/digest.txt")]
struct TextPart<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "digest/digest.html")]
struct HtmlPart<'a> {
    v: &'a View,
}

/// The subject line: the organisation and the week, never an amount (subjects show up in
/// mail logs and notifications).
#[must_use]
pub fn digest_subject(digest: &Digest) -> String {
    format!(
        "{}: your week to {}",
        digest.org_name,
        digest.as_of.format("%-d %b")
    )
}

/// Renders `digest` for `to` as an e-mail with a text and an HTML part, the chart inline, and
/// `List-Unsubscribe` / `List-Unsubscribe-Post` pointing at `links.unsubscribe_url`.
///
/// # Errors
/// When a template or the chart fails to render.
pub fn render_digest(digest: &Digest, to: &str, links: &DigestLinks) -> Result<Email, RenderError> {
    let chart = if digest.has_data {
        cash_chart_png(&digest.chart)?
    } else {
        None
    };
    let view = view(
        digest,
        links,
        chart.is_some(),
        format!("cid:{CHART_CONTENT_ID}"),
    );
    let text = TextPart { v: &view }.render()?;
    let html = HtmlPart { v: &view }.render()?;
    let mut email = Email::text(to, digest_subject(digest), text)
        .with_html(html)
        .with_unsubscribe(links.unsubscribe_url.clone(), true);
    if let Some(png) = chart {
        email = email.with_inline_png(CHART_CONTENT_ID, png);
    }
    Ok(email)
}

/// The HTML part of `digest` as [`render_digest`] writes it, but standalone: the chart is a
/// `data:` URI instead of an attachment (the profile page's preview of the next digest).
///
/// # Errors
/// When the template or the chart fails to render.
pub fn render_digest_preview(digest: &Digest, links: &DigestLinks) -> Result<String, RenderError> {
    use base64::Engine as _;
    let chart = if digest.has_data {
        cash_chart_png(&digest.chart)?
    } else {
        None
    };
    let src = chart.as_ref().map_or_else(String::new, |png| {
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        )
    });
    let view = view(digest, links, chart.is_some(), src);
    Ok(HtmlPart { v: &view }.render()?)
}

fn view(d: &Digest, links: &DigestLinks, has_chart: bool, chart_src: String) -> View {
    let c = d.currency;
    let base = links.public_url.trim_end_matches('/');
    let app = format!("{base}/app/{}", d.org_slug);
    let line = |i: &Insight| Line {
        tone: i.tone.as_str(),
        title: i.title.clone(),
        detail: i.detail.clone(),
        url: format!("{app}{}", i.page.path()),
        link_text: i.page.link_text(),
    };
    let positive = |v: i64| (v > 0).then(|| money(v, c));
    View {
        org_name: d.org_name.clone(),
        week: week_label(d.as_of),
        has_data: d.has_data,
        cash_now: money(d.cash_now, c),
        cash_change: money_change(d.cash_change, c),
        runway: runway_sentence(&d.runway, c),
        inflow: money(d.week.inflow, c),
        outflow: money(d.week.outflow, c),
        usual_inflow: d.week.usual_inflow.map(|v| money(v, c)),
        usual_outflow: d.week.usual_outflow.map(|v| money(v, c)),
        usual_weeks: d.week.usual_weeks,
        insights: d.insights.iter().map(line).collect(),
        insights_written_by: d.insights_written_by.clone(),
        anomalies: d.anomalies.iter().map(line).collect(),
        upcoming: d
            .upcoming
            .iter()
            .map(|u| UpcomingLine {
                date: u.date.format("%a %-d %b").to_string(),
                what: match u.kind {
                    UpcomingKind::Invoice => "invoice due from",
                    UpcomingKind::Bill => "bill due to",
                    UpcomingKind::RecurringPayment => "recurring payment to",
                },
                counterparty: u.counterparty.clone(),
                amount: money(u.amount, c),
                incoming: u.amount > 0,
            })
            .collect(),
        more_upcoming: d.more_upcoming,
        overdue_receivables: positive(d.overdue_receivables),
        overdue_payables: positive(d.overdue_payables),
        chart_alt: has_chart.then(|| chart_alt(d)),
        chart_src,
        forecast_url: format!("{app}/forecast"),
        dashboard_url: app,
        profile_url: format!("{base}/app/profile"),
        unsubscribe_url: links.unsubscribe_url.clone(),
    }
}

/// `23–29 Nov 2026`, or across months `28 Nov – 4 Dec 2026`.
fn week_label(as_of: NaiveDate) -> String {
    let start = add_days(as_of, -6);
    if start.format("%b %Y").to_string() == as_of.format("%b %Y").to_string() {
        format!("{}–{}", start.format("%-d"), as_of.format("%-d %b %Y"))
    } else {
        format!("{} – {}", start.format("%-d %b"), as_of.format("%-d %b %Y"))
    }
}

fn runway_sentence(status: &RunwayStatus, c: flowsense_core::Currency) -> String {
    match status {
        RunwayStatus::Burning {
            average_monthly_burn,
            months_of_runway,
            cash_runs_out_on,
        } => format!(
            "{months_of_runway:.1} months: burning {} a month, cash lasts until about {}.",
            money(*average_monthly_burn, c),
            cash_runs_out_on.format("%-d %B %Y")
        ),
        RunwayStatus::OutOfCash {
            average_monthly_burn,
        } => format!(
            "Out of cash, burning {} a month.",
            money(*average_monthly_burn, c)
        ),
        RunwayStatus::NotBurning {
            average_monthly_net_inflow,
        } => format!(
            "Not burning cash: it grew {} a month over the last three months.",
            money(*average_monthly_net_inflow, c)
        ),
        RunwayStatus::InsufficientHistory => {
            "Not enough history yet (three full months are needed).".to_owned()
        }
    }
}

fn chart_alt(d: &Digest) -> String {
    let c = d.currency;
    let first = d.chart.history.first().map_or(d.cash_now, |p| p.1);
    let mut alt = format!(
        "Cash over the last {} weeks, from {} to {}",
        d.chart.history.len().saturating_sub(1),
        money(first, c),
        money(d.cash_now, c)
    );
    if let Some(last) = d.chart.forecast.last() {
        alt.push_str(&format!(
            "; the forecast's median reaches {} by {}",
            money(last.1, c),
            last.0.format("%-d %b")
        ));
    }
    alt.push('.');
    alt
}
