//! The engine's findings that most deserve a look, in its own words: runway moving, cash that
//! may run short, price rises, the largest recent anomalies, late payers, one customer carrying
//! the revenue — each in a sentence, with the page that explains it. One list, read by the
//! dashboard and by the weekly digest alike (which adds the week's anomalies).

mod figures;

pub use figures::{Figure, FigureValue};

use crate::analysis::Analysis;
use chrono::NaiveDate;
use flowsense_core::analytics::dates::add_days;
use flowsense_core::analytics::{Anomaly, AnomalyKind, RunwayStatus, Severity};
use flowsense_core::format::{money, money_size, percent, share};

/// Most insights in the list.
pub const MAX_INSIGHTS: usize = 6;
/// Most anomalies of the week a digest lists besides them.
pub const MAX_ANOMALIES: usize = 3;
/// Anomalies older than this are history, not news.
const RECENT_DAYS: i64 = 90;
/// Most recent anomalies among the insights.
const RECENT_ANOMALIES: usize = 2;
/// A customer bringing at least this share of revenue (basis points) is worth a word.
const CONCENTRATION_BP: i64 = 2_500;

/// How an insight reads: bad news first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tone {
    Bad,
    Warn,
    Good,
}

impl Tone {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Bad => "bad",
            Tone::Warn => "warn",
            Tone::Good => "good",
        }
    }
}

/// A page of the app an insight links to (under `/app/{org}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppPage {
    Dashboard,
    Forecast,
    Recurring,
    Aging,
    CustomerConcentration,
    CashflowByCategory,
    Transactions { counterparty: Option<String> },
}

impl AppPage {
    /// The path after `/app/{org}` (empty for the dashboard), query percent-encoded.
    #[must_use]
    pub fn path(&self) -> String {
        match self {
            AppPage::Dashboard => String::new(),
            AppPage::Forecast => "/forecast".to_owned(),
            AppPage::Recurring => "/recurring".to_owned(),
            AppPage::Aging | AppPage::CustomerConcentration => "/aging".to_owned(),
            AppPage::CashflowByCategory => "/cashflow?split=category".to_owned(),
            AppPage::Transactions { counterparty: None } => "/transactions".to_owned(),
            AppPage::Transactions {
                counterparty: Some(name),
            } => format!(
                "/transactions?counterparty={}",
                percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
            ),
        }
    }

    #[must_use]
    pub fn link_text(&self) -> &'static str {
        match self {
            AppPage::Dashboard => "Open the dashboard",
            AppPage::Forecast => "See the forecast",
            AppPage::Recurring => "See recurring costs",
            AppPage::Aging => "See receivables",
            AppPage::CustomerConcentration => "See customer concentration",
            AppPage::CashflowByCategory => "See cash flow by category",
            AppPage::Transactions { .. } => "See the transactions",
        }
    }
}

/// One finding, in a sentence and a detail, with the page that explains it and the figures
/// it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insight {
    /// Which finding (`runway_change`, `cash_low_point`, `price_rise`, `anomaly`,
    /// `late_payer`, `concentration`).
    pub kind: &'static str,
    pub tone: Tone,
    pub title: String,
    pub detail: String,
    pub page: AppPage,
    pub figures: Vec<Figure>,
}

/// The most urgent findings first, at most [`MAX_INSIGHTS`].
#[must_use]
pub fn top_insights(a: &Analysis) -> Vec<Insight> {
    if !a.has_data() {
        return Vec::new();
    }
    let mut out = Vec::new();
    out.extend(runway_change(a));
    out.extend(cash_low_point(a));
    out.extend(price_rises(a));
    out.extend(recent_anomalies(a));
    out.extend(late_payer(a));
    out.extend(concentration(a));
    // Stable: within a tone, the order above holds.
    out.sort_by_key(|i| i.tone);
    out.truncate(MAX_INSIGHTS);
    out
}

/// Anomalies of medium or high severity dated from `since` to the books' last day, the most
/// severe first (then the newest, as the report lists them), at most `most`.
fn anomalies_since(a: &Analysis, since: NaiveDate, most: usize) -> Vec<Insight> {
    a.anomalies()
        .anomalies
        .iter()
        .filter(|x| x.date >= since && x.date <= a.as_of && x.severity >= Severity::Medium)
        .take(most)
        .map(|x| anomaly(x, a.currency()))
        .collect()
}

fn anomaly(x: &Anomaly, currency: flowsense_core::Currency) -> Insight {
    let mut figures = vec![Figure::date("found_on", x.date)];
    figures.extend(
        x.counterparty
            .as_deref()
            .map(|c| Figure::name("counterparty", c)),
    );
    figures.extend(x.category.as_deref().map(|c| Figure::label("category", c)));
    figures.extend(
        x.evidence
            .figures
            .iter()
            .map(|f| Figure::money(f.label, f.amount, currency)),
    );
    Insight {
        kind: "anomaly",
        figures,
        tone: if x.severity == Severity::High {
            Tone::Bad
        } else {
            Tone::Warn
        },
        title: x.title.clone(),
        detail: format!("Found on {}.", day(x.date)),
        page: match (&x.counterparty, x.kind) {
            (_, AnomalyKind::CategorySpike) => AppPage::CashflowByCategory,
            (counterparty, _) => AppPage::Transactions {
                counterparty: counterparty.clone(),
            },
        },
    }
}

fn recent_anomalies(a: &Analysis) -> Vec<Insight> {
    anomalies_since(a, add_days(a.as_of, -RECENT_DAYS), RECENT_ANOMALIES)
}

/// The anomalies dated in the digest's week (the seven days ending with the books' last day),
/// at most [`MAX_ANOMALIES`], leaving out those already among `insights`.
#[must_use]
pub fn week_anomalies(a: &Analysis, insights: &[Insight]) -> Vec<Insight> {
    let mut week = anomalies_since(a, add_days(a.as_of, -6), MAX_ANOMALIES + insights.len());
    week.retain(|x| !insights.contains(x));
    week.truncate(MAX_ANOMALIES);
    week
}

fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

fn runway_change(a: &Analysis) -> Option<Insight> {
    let c = a.currency();
    let m = |v: i64| money(v, c);
    let (now, then) = (&a.runway().status, &a.runway_month_ago().status);
    let (tone, title, detail, figures) = match (now, then) {
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
                if shorter { Tone::Bad } else { Tone::Warn },
                format!(
                    "Runway {} from {old:.1} to {new:.1} months",
                    if shorter { "shortened" } else { "lengthened" }
                ),
                format!(
                    "Average burn {} a month, {} a month earlier.",
                    m(*burn),
                    m(*old_burn)
                ),
                vec![
                    Figure::months("months_of_runway", *new),
                    Figure::months("months_of_runway_a_month_earlier", *old),
                    Figure::money("average_monthly_burn", *burn, c),
                    Figure::money("average_monthly_burn_a_month_earlier", *old_burn, c),
                ],
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
            Tone::Bad,
            format!("Burning cash: {months_of_runway:.1} months of runway"),
            format!(
                "Spending {} a month more than comes in.",
                m(*average_monthly_burn)
            ),
            vec![
                Figure::months("months_of_runway", *months_of_runway),
                Figure::money("average_monthly_burn", *average_monthly_burn, c),
            ],
        ),
        (
            RunwayStatus::OutOfCash {
                average_monthly_burn,
            },
            _,
        ) => (
            Tone::Bad,
            "Out of cash".to_owned(),
            format!(
                "Burning {} a month with no cash left.",
                m(*average_monthly_burn)
            ),
            vec![Figure::money(
                "average_monthly_burn",
                *average_monthly_burn,
                c,
            )],
        ),
        (
            RunwayStatus::NotBurning {
                average_monthly_net_inflow,
            },
            RunwayStatus::Burning { .. },
        ) => (
            Tone::Good,
            "No longer burning cash".to_owned(),
            format!(
                "Cash now grows {} a month on average.",
                m(*average_monthly_net_inflow)
            ),
            vec![Figure::money(
                "average_monthly_net_inflow",
                *average_monthly_net_inflow,
                c,
            )],
        ),
        (
            RunwayStatus::NotBurning {
                average_monthly_net_inflow,
            },
            _,
        ) => (
            Tone::Good,
            format!("Cash grows {} a month", m(*average_monthly_net_inflow)),
            "Over the last three full months, more came in than went out.".to_owned(),
            vec![
                Figure::money("average_monthly_net_inflow", *average_monthly_net_inflow, c),
                Figure::count("months_averaged", 3),
            ],
        ),
        (RunwayStatus::InsufficientHistory, _) => return None,
    };
    Some(Insight {
        kind: "runway_change",
        tone,
        title,
        detail,
        page: AppPage::Forecast,
        figures,
    })
}

fn cash_low_point(a: &Analysis) -> Option<Insight> {
    let f = a.forecast();
    let c = a.currency();
    let m = |v: i64| money(v, c);
    if let Some(w) = f.weeks.iter().find(|w| w.ending_cash.p50 < 0) {
        return Some(Insight {
            kind: "cash_low_point",
            figures: vec![
                Figure::date("week_ending", w.end),
                Figure::money("median_forecast_cash", w.ending_cash.p50, c),
            ],
            tone: Tone::Bad,
            title: format!("Cash may run out by {}", w.end.format("%-d %b")),
            detail: format!(
                "The median forecast reaches {} that week.",
                m(w.ending_cash.p50)
            ),
            page: AppPage::Forecast,
        });
    }
    let w = f.weeks.iter().find(|w| w.ending_cash.p10 < 0)?;
    Some(Insight {
        kind: "cash_low_point",
        figures: vec![
            Figure::date("week_ending", w.end),
            Figure::money("low_p10_forecast_cash", w.ending_cash.p10, c),
            Figure::money("median_forecast_cash", w.ending_cash.p50, c),
            Figure::count("chance_in_10", 1),
            Figure::count("low_percentile", 10),
        ],
        tone: Tone::Warn,
        title: format!(
            "1 in 10 chance of running out by {}",
            w.end.format("%-d %b")
        ),
        detail: format!(
            "The low (P10) forecast reaches {}; the median stays at {}.",
            m(w.ending_cash.p10),
            m(w.ending_cash.p50)
        ),
        page: AppPage::Forecast,
    })
}

fn price_rises(a: &Analysis) -> Vec<Insight> {
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
            kind: "price_rise",
            figures: vec![
                Figure::name("counterparty", &i.counterparty),
                Figure::percent("price_change", p.change_bp),
                Figure::money("new_amount", p.new_amount, c),
                Figure::money("old_amount", p.old_amount, c),
                Figure::date("since", p.since),
                Figure::label("cadence", i.cadence.label()),
            ],
            tone: Tone::Warn,
            title: format!(
                "{} raised its price {}",
                i.counterparty,
                percent(p.change_bp)
            ),
            detail: format!(
                "{} {} since {}, was {}.",
                money_size(p.new_amount, c),
                i.cadence.label(),
                day(p.since),
                money_size(p.old_amount, c)
            ),
            page: AppPage::Recurring,
        })
        .collect()
}

fn late_payer(a: &Analysis) -> Option<Insight> {
    let p = a
        .aging()
        .late_payers
        .iter()
        .find(|p| p.overdue_amount > 0)?;
    let c = a.currency();
    Some(Insight {
        kind: "late_payer",
        figures: vec![
            Figure::name("customer", &p.customer),
            Figure::count("median_days_late", p.median_days_late),
            Figure::count(
                "paid_invoices",
                i64::try_from(p.paid_invoices).unwrap_or(i64::MAX),
            ),
            Figure::money("overdue_amount", p.overdue_amount, c),
        ],
        tone: Tone::Warn,
        title: format!("{} pays {} days late", p.customer, p.median_days_late),
        detail: format!(
            "Typically, over {} paid invoices; {} is overdue now.",
            p.paid_invoices,
            money(p.overdue_amount, a.currency())
        ),
        page: AppPage::Aging,
    })
}

fn concentration(a: &Analysis) -> Option<Insight> {
    let c = &a.aging().concentration;
    let top = c.top_customers.first()?;
    (c.top1_bp >= CONCENTRATION_BP && c.top_customers.len() > 1).then(|| Insight {
        kind: "concentration",
        figures: vec![
            Figure::name("top_customer", &top.customer),
            Figure::percent("top_customer_share", top.share_bp),
            Figure::percent("top_three_share", c.top3_bp),
            Figure::money("revenue_last_year", c.revenue, a.currency()),
            Figure::count("top_customers_counted", 3),
        ],
        tone: Tone::Warn,
        title: format!("{} brings {} of revenue", top.customer, share(top.share_bp)),
        detail: format!(
            "The top three customers bring {} of the last year's {}.",
            share(c.top3_bp),
            money(c.revenue, a.currency())
        ),
        page: AppPage::CustomerConcentration,
    })
}
