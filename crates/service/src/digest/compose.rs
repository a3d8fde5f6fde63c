//! What a weekly digest says, as typed figures: cash now and its change over the week, runway,
//! the week's money in and out against the usual week, what is due in the next two weeks,
//! the engine's insights and the week's anomalies, and the cash line for the chart. All
//! amounts are exact minor units; formatting happens when the digest is rendered.

use crate::analysis::Analysis;
use crate::insights::{Insight, top_insights, week_anomalies};
use chrono::NaiveDate;
use flowsense_core::analytics::RunwayStatus;
use flowsense_core::analytics::dates::add_days;
use flowsense_core::{Books, Currency, DocKind, OrgId};

/// Weeks before this one that make "the usual week": twelve stay inside a 90-day retention,
/// so purged history does not drag the median down.
pub const USUAL_WEEKS: usize = 12;
/// Weeks of cash history the chart shows (including this one).
pub const CHART_WEEKS: usize = 13;
/// Days ahead the "coming up" list looks.
pub const UPCOMING_DAYS: i64 = 14;
/// Most "coming up" lines; the rest are counted.
pub const MAX_UPCOMING: usize = 8;

/// One organisation's weekly digest. `Debug` shows no figures.
#[derive(Clone)]
pub struct Digest {
    pub org: OrgId,
    /// The organisation's slug: the digest's links name it, as the app's own addresses do.
    pub org_slug: String,
    pub org_name: String,
    pub currency: Currency,
    /// The books' last day: "this week" is the seven days ending here.
    pub as_of: NaiveDate,
    /// False for books without transactions: the digest then only says so.
    pub has_data: bool,
    pub cash_now: i64,
    /// Cash now minus cash seven days earlier.
    pub cash_change: i64,
    pub runway: RunwayStatus,
    pub week: WeekFlows,
    pub insights: Vec<Insight>,
    /// "anthropic/claude-sonnet-4-6" when some insights read the model's narrative (written for
    /// these books from their figures) instead of the template's detail.
    pub insights_written_by: Option<String>,
    /// Anomalies dated this week (the engine's wording), most severe first, besides those
    /// already among `insights`.
    pub anomalies: Vec<Insight>,
    /// Due in the next [`UPCOMING_DAYS`] days, by date, at most [`MAX_UPCOMING`].
    pub upcoming: Vec<Upcoming>,
    /// How many more were left out of `upcoming`.
    pub more_upcoming: usize,
    /// Open invoices past their due date (positive: owed to us).
    pub overdue_receivables: i64,
    /// Open bills past their due date (positive: we owe).
    pub overdue_payables: i64,
    pub chart: CashChart,
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Digest")
            .field("org", &self.org)
            .field("as_of", &self.as_of)
            .field("insights", &self.insights.len())
            .field("anomalies", &self.anomalies.len())
            .field("upcoming", &self.upcoming.len())
            .finish_non_exhaustive()
    }
}

/// Money in and out this week (transfers between own accounts left out) and in the usual week.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct WeekFlows {
    pub inflow: i64,
    /// Negative: money out.
    pub outflow: i64,
    /// Median over the weeks before this one that the books cover; `None` when they cover none.
    pub usual_inflow: Option<i64>,
    pub usual_outflow: Option<i64>,
    /// How many earlier weeks the usual week was taken over (at most [`USUAL_WEEKS`]).
    pub usual_weeks: usize,
}

/// What kind of payment is coming up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UpcomingKind {
    /// An invoice a customer should pay us.
    Invoice,
    /// A supplier's bill we should pay.
    Bill,
    /// A detected recurring payment (subscription, rent, payroll…).
    RecurringPayment,
}

/// One payment due soon.
#[derive(Clone, PartialEq, Eq)]
pub struct Upcoming {
    pub date: NaiveDate,
    pub kind: UpcomingKind,
    pub counterparty: String,
    /// Signed: positive money in, negative money out.
    pub amount: i64,
}

/// End-of-week cash for the last [`CHART_WEEKS`] weeks (oldest first, the last one `as_of`)
/// and the forecast's median for the weeks after.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CashChart {
    pub history: Vec<(NaiveDate, i64)>,
    pub forecast: Vec<(NaiveDate, i64)>,
}

/// Composes `org`'s digest from its analysis. CPU work (it reads several reports): call it off
/// the async threads, e.g. inside [`crate::analysis::with_analysis`].
#[must_use]
pub fn compose_digest(a: &Analysis, org: OrgId, org_slug: &str, org_name: &str) -> Digest {
    let books = &a.books;
    let as_of = a.as_of;
    let runway = a.runway();
    let earliest = books.txns.iter().map(|t| t.date).min();
    let buckets = WeekBuckets::collect(books, as_of);
    let history = cash_history(runway.cash_now, &buckets.net_all, as_of, earliest);
    let cash_week_ago = history.iter().rev().nth(1).map_or(runway.cash_now, |p| p.1);
    let (upcoming, more_upcoming) = upcoming(a);
    let aging = a.aging();
    let overdue = |buckets: &[i64]| saturate(buckets.iter().skip(1).map(|&b| i128::from(b)).sum());
    let insights = top_insights(a);
    let anomalies = week_anomalies(a, &insights);
    Digest {
        org,
        org_slug: org_slug.to_owned(),
        org_name: org_name.to_owned(),
        currency: a.currency(),
        as_of,
        has_data: a.has_data(),
        cash_now: runway.cash_now,
        cash_change: saturate(i128::from(runway.cash_now) - i128::from(cash_week_ago)),
        runway: runway.status.clone(),
        week: buckets.flows(as_of, earliest),
        insights,
        insights_written_by: None,
        anomalies,
        upcoming,
        more_upcoming,
        overdue_receivables: overdue(&aging.receivables.buckets),
        overdue_payables: overdue(&aging.payables.buckets),
        chart: CashChart {
            history,
            forecast: a
                .forecast()
                .weeks
                .iter()
                .map(|w| (w.end, w.ending_cash.p50))
                .collect(),
        },
    }
}

fn saturate(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// Sums per week back from `as_of` (index 0: the seven days ending `as_of`), in one pass.
struct WeekBuckets {
    inflow: [i128; USUAL_WEEKS + 1],
    outflow: [i128; USUAL_WEEKS + 1],
    /// Every movement, transfers included (they move cash between accounts, net zero overall,
    /// but a transfer to an account outside the books does change the total).
    net_all: [i128; CHART_WEEKS],
}

impl WeekBuckets {
    fn collect(books: &Books, as_of: NaiveDate) -> Self {
        let mut b = Self {
            inflow: [0; USUAL_WEEKS + 1],
            outflow: [0; USUAL_WEEKS + 1],
            net_all: [0; CHART_WEEKS],
        };
        for t in &books.txns {
            let days = (as_of - t.date).num_days();
            // Nothing after as_of (the books' last day, so only a caller's own as_of).
            let Ok(week) = usize::try_from(days) else {
                continue;
            };
            let week = week / 7;
            if let Some(net) = b.net_all.get_mut(week) {
                *net += i128::from(t.amount);
            }
            if t.transfer || week > USUAL_WEEKS {
                continue;
            }
            if t.amount >= 0 {
                b.inflow[week] += i128::from(t.amount);
            } else {
                b.outflow[week] += i128::from(t.amount);
            }
        }
        b
    }

    fn flows(&self, as_of: NaiveDate, earliest: Option<NaiveDate>) -> WeekFlows {
        // Only weeks the books cover from their first day count towards the usual week.
        let covered: Vec<usize> = (1..=USUAL_WEEKS)
            .filter(|&w| {
                let start = add_days(as_of, -(7 * i64::try_from(w).unwrap_or(0) + 6));
                earliest.is_some_and(|e| e <= start)
            })
            .collect();
        let usual = |sums: &[i128]| {
            let values: Vec<i128> = covered.iter().map(|&w| sums[w]).collect();
            median(values).map(saturate)
        };
        WeekFlows {
            inflow: saturate(self.inflow[0]),
            outflow: saturate(self.outflow[0]),
            usual_inflow: usual(&self.inflow),
            usual_outflow: usual(&self.outflow),
            usual_weeks: covered.len(),
        }
    }
}

/// The middle value; for an even count the mean of the two middle ones, rounded toward zero.
fn median(mut values: Vec<i128>) -> Option<i128> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2
    })
}

/// Cash at the end of each week back from `as_of`, oldest first, from the week the books
/// begin (at least `as_of` itself).
fn cash_history(
    cash_now: i64,
    net_all: &[i128; CHART_WEEKS],
    as_of: NaiveDate,
    earliest: Option<NaiveDate>,
) -> Vec<(NaiveDate, i64)> {
    let mut points = Vec::with_capacity(CHART_WEEKS);
    let mut cash = i128::from(cash_now);
    for (week, net) in net_all.iter().enumerate() {
        let end = add_days(as_of, -7 * i64::try_from(week).unwrap_or(0));
        if week > 0 && earliest.is_none_or(|e| e > end) {
            break;
        }
        points.push((end, saturate(cash)));
        cash -= net;
    }
    points.reverse();
    points
}

/// Open invoices and bills due, and recurring payments expected, in the next
/// [`UPCOMING_DAYS`] days; the first [`MAX_UPCOMING`] by date, and how many more there are.
fn upcoming(a: &Analysis) -> (Vec<Upcoming>, usize) {
    let (books, as_of) = (&a.books, a.as_of);
    let until = add_days(as_of, UPCOMING_DAYS);
    let name = |id: u32| match books.counterparties.name(id) {
        "" => "(unknown)".to_owned(),
        n => n.to_owned(),
    };
    let mut items: Vec<Upcoming> = books
        .documents
        .iter()
        .filter(|d| d.issued <= as_of && d.paid.is_none_or(|p| p > as_of))
        .filter(|d| d.due > as_of && d.due <= until)
        .map(|d| match d.kind {
            DocKind::Invoice => Upcoming {
                date: d.due,
                kind: UpcomingKind::Invoice,
                counterparty: name(d.counterparty),
                amount: d.amount,
            },
            DocKind::Bill => Upcoming {
                date: d.due,
                kind: UpcomingKind::Bill,
                counterparty: name(d.counterparty),
                amount: d.amount.saturating_neg(),
            },
        })
        .collect();
    for item in a.recurring().items.iter().filter(|i| i.active) {
        for date in item.dates_between(as_of, until) {
            items.push(Upcoming {
                date,
                kind: UpcomingKind::RecurringPayment,
                counterparty: item.counterparty.clone(),
                amount: item.typical_amount,
            });
        }
    }
    items.sort_by(|x, y| {
        (x.date, x.kind, &x.counterparty, x.amount).cmp(&(
            y.date,
            y.kind,
            &y.counterparty,
            y.amount,
        ))
    });
    let more = items.len().saturating_sub(MAX_UPCOMING);
    items.truncate(MAX_UPCOMING);
    (items, more)
}

/// `digest` with each insight's detail replaced by the model's narrative where one was written
/// for `org`'s books as they are now (see [`crate::ai::narratives::shown_insights`]).
///
/// # Errors
/// A database failure, or stored narratives that do not open.
pub async fn with_narratives(
    ctx: &crate::Context,
    org: &flowsense_storage::Organisation,
    mut digest: Digest,
) -> Result<Digest, flowsense_storage::StorageError> {
    let shown = crate::ai::narratives::shown_insights(ctx, org, digest.insights.clone()).await?;
    digest.insights_written_by = shown
        .written_by
        .as_ref()
        .map(|w| format!("{}/{}", w.provider, w.model));
    digest.insights = shown
        .items
        .into_iter()
        .map(|s| Insight {
            detail: s.text,
            ..s.insight
        })
        .collect();
    Ok(digest)
}
