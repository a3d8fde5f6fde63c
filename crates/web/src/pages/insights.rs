//! The dashboard's top insights: the engine's findings that most deserve a look (runway moving,
//! cash that may run short, price rises, the largest anomalies, late payers, one customer
//! carrying the revenue), each in a sentence with a link to the page that explains it.

use super::encode;
use chrono::{NaiveDate, TimeDelta};
use flowsense_core::OrgId;
use flowsense_core::analytics::{AnomalyKind, RunwayStatus, Severity};
use flowsense_core::format::{money, money_size, money_whole, percent, share};
use flowsense_service::analysis::Analysis;

/// Most insights shown.
const MAX_INSIGHTS: usize = 6;
/// Anomalies older than this are history, not news.
const RECENT_DAYS: i64 = 90;
/// A customer bringing at least this share of revenue (basis points) is worth a word.
const CONCENTRATION_BP: i64 = 2_500;

/// One insight, most urgent first.
#[derive(Debug, Clone)]
pub struct Insight {
    /// `bad`, `warn` or `good`: the CSS tone (and the order).
    pub tone: &'static str,
    pub title: String,
    pub detail: String,
    pub link: String,
    pub link_text: &'static str,
}

fn rank(tone: &str) -> u8 {
    match tone {
        "bad" => 0,
        "warn" => 1,
        _ => 2,
    }
}

/// The insights of an analysis, most urgent first, at most [`MAX_INSIGHTS`].
#[must_use]
pub fn insights(a: &Analysis, org: OrgId) -> Vec<Insight> {
    if !a.has_data() {
        return Vec::new();
    }
    let page = |p: &str| format!("/app/{org}/{p}");
    let mut out = Vec::new();
    out.extend(runway_change(a, &page("forecast")));
    out.extend(cash_low_point(a, &page("forecast")));
    out.extend(price_rises(a, &page("recurring")));
    out.extend(recent_anomalies(a, org));
    out.extend(late_payer(a, &page("aging")));
    out.extend(concentration(a, &page("aging")));
    // Stable: within a tone, the order above holds.
    out.sort_by_key(|i| rank(i.tone));
    out.truncate(MAX_INSIGHTS);
    out
}

fn runway_change(a: &Analysis, link: &str) -> Option<Insight> {
    let m = |v: i64| money_whole(v, a.currency());
    let (now, then) = (&a.runway().status, &a.runway_month_ago().status);
    let (tone, title, detail) = match (now, then) {
        (
            RunwayStatus::Burning {
                months_of_runway: new,
                average_monthly_burn: burn,
                ..
            },
            RunwayStatus::Burning {
                months_of_runway: old,
                average_monthly_burn: old_burn,
                ..
            },
        ) => {
            let shorter = new < old;
            (
                if shorter { "bad" } else { "warn" },
                format!(
                    "Runway {} from {old:.1} to {new:.1} months",
                    if shorter { "shortened" } else { "lengthened" }
                ),
                format!(
                    "Average burn {} a month, {} a month earlier.",
                    m(*burn),
                    m(*old_burn)
                ),
            )
        }
        (
            RunwayStatus::Burning {
                months_of_runway,
                average_monthly_burn,
                ..
            },
            _,
        ) => (
            "bad",
            format!("Burning cash: {months_of_runway:.1} months of runway"),
            format!(
                "Spending {} a month more than comes in.",
                m(*average_monthly_burn)
            ),
        ),
        (
            RunwayStatus::OutOfCash {
                average_monthly_burn,
            },
            _,
        ) => (
            "bad",
            "Out of cash".to_owned(),
            format!(
                "Burning {} a month with no cash left.",
                m(*average_monthly_burn)
            ),
        ),
        (
            RunwayStatus::NotBurning {
                average_monthly_net_inflow,
            },
            RunwayStatus::Burning { .. },
        ) => (
            "good",
            "No longer burning cash".to_owned(),
            format!(
                "Cash now grows {} a month on average.",
                m(*average_monthly_net_inflow)
            ),
        ),
        (
            RunwayStatus::NotBurning {
                average_monthly_net_inflow,
            },
            _,
        ) => (
            "good",
            format!("Cash grows {} a month", m(*average_monthly_net_inflow)),
            "Over the last three full months, more came in than went out.".to_owned(),
        ),
        (RunwayStatus::InsufficientHistory, _) => return None,
    };
    Some(Insight {
        tone,
        title,
        detail,
        link: link.to_owned(),
        link_text: "See the forecast",
    })
}

fn cash_low_point(a: &Analysis, link: &str) -> Option<Insight> {
    let f = a.forecast();
    let m = |v: i64| money_whole(v, a.currency());
    if let Some(w) = f.weeks.iter().find(|w| w.ending_cash.p50 < 0) {
        return Some(Insight {
            tone: "bad",
            title: format!("Cash may run out by {}", w.end.format("%-d %b")),
            detail: format!(
                "The median forecast reaches {} that week.",
                m(w.ending_cash.p50)
            ),
            link: link.to_owned(),
            link_text: "See the forecast",
        });
    }
    let w = f.weeks.iter().find(|w| w.ending_cash.p10 < 0)?;
    Some(Insight {
        tone: "warn",
        title: format!(
            "1 in 10 chance of running out by {}",
            w.end.format("%-d %b")
        ),
        detail: format!(
            "The low (P10) forecast reaches {}; the median stays at {}.",
            m(w.ending_cash.p10),
            m(w.ending_cash.p50)
        ),
        link: link.to_owned(),
        link_text: "See the forecast",
    })
}

fn price_rises(a: &Analysis, link: &str) -> Vec<Insight> {
    let c = a.currency();
    let mut rises: Vec<_> = a
        .recurring()
        .items
        .iter()
        .filter(|i| i.active)
        .filter_map(|i| i.price_change.as_ref().map(|p| (i, p)))
        .filter(|(_, p)| p.change_bp > 0)
        .collect();
    rises.sort_by_key(|r| std::cmp::Reverse(r.1.since));
    rises
        .into_iter()
        .take(2)
        .map(|(i, p)| Insight {
            tone: "warn",
            title: format!(
                "{} raised its price {}",
                i.counterparty,
                percent(p.change_bp)
            ),
            detail: format!(
                "{} {} since {}, was {}.",
                money_size(p.new_amount, c),
                i.cadence.as_str(),
                p.since.format("%-d %b %Y"),
                money_size(p.old_amount, c)
            ),
            link: link.to_owned(),
            link_text: "See recurring costs",
        })
        .collect()
}

fn recent_anomalies(a: &Analysis, org: OrgId) -> Vec<Insight> {
    let since = a
        .as_of
        .checked_sub_signed(TimeDelta::days(RECENT_DAYS))
        .unwrap_or(NaiveDate::MIN);
    // The report lists the most severe first, then the newest.
    a.anomalies()
        .anomalies
        .iter()
        .filter(|x| x.date >= since && x.severity >= Severity::Medium)
        .take(2)
        .map(|x| {
            let (link, link_text) = match (&x.counterparty, x.kind) {
                (_, AnomalyKind::CategorySpike) => (
                    format!("/app/{org}/cashflow?split=category"),
                    "See cash flow by category",
                ),
                (Some(name), _) => (
                    format!("/app/{org}/transactions?counterparty={}", encode(name)),
                    "See the transactions",
                ),
                (None, _) => (format!("/app/{org}/transactions"), "See the transactions"),
            };
            Insight {
                tone: if x.severity == Severity::High {
                    "bad"
                } else {
                    "warn"
                },
                title: x.title.clone(),
                detail: format!("Found on {}.", x.date.format("%-d %b %Y")),
                link,
                link_text,
            }
        })
        .collect()
}

fn late_payer(a: &Analysis, link: &str) -> Option<Insight> {
    let p = a
        .aging()
        .late_payers
        .iter()
        .find(|p| p.overdue_amount > 0)?;
    Some(Insight {
        tone: "warn",
        title: format!("{} pays {} days late", p.customer, p.median_days_late),
        detail: format!(
            "Typically, over {} paid invoices; {} is overdue now.",
            p.paid_invoices,
            money(p.overdue_amount, a.currency())
        ),
        link: link.to_owned(),
        link_text: "See receivables",
    })
}

fn concentration(a: &Analysis, link: &str) -> Option<Insight> {
    let c = &a.aging().concentration;
    let top = c.top_customers.first()?;
    (c.top1_bp >= CONCENTRATION_BP && c.top_customers.len() > 1).then(|| Insight {
        tone: "warn",
        title: format!("{} brings {} of revenue", top.customer, share(top.share_bp)),
        detail: format!(
            "The top three customers bring {} of the last year's {}.",
            share(c.top3_bp),
            money_whole(c.revenue, a.currency())
        ),
        link: link.to_owned(),
        link_text: "See customer concentration",
    })
}
