//! `GET /app/{org}/aging`: open invoices and bills by how far past due they are, days sales
//! outstanding, the customers who habitually pay late, and how much of the revenue the largest
//! customers bring.

use super::charts::{BarChart, BarGroup, BarLayout, Series, bar_chart};
use super::{Chrome, private};
use crate::auth::extract::Viewer;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use flowsense_core::analytics::aging::AgingSide;
use flowsense_core::analytics::stats::saturate;
use flowsense_core::format::{money, share, share_value};
use flowsense_service::analysis::{Analysis, read_org_analysis};

/// Column headings, in the engine's bucket order.
const BUCKETS: [&str; 5] = [
    "Current",
    "1–30 days",
    "31–60 days",
    "61–90 days",
    "Over 90 days",
];
/// Counterparties listed per side.
const TOP: usize = 10;

const SIDES: [Series; 2] = [
    Series {
        class: "bar-in",
        name: "Owed to you",
        short: "To you",
    },
    Series {
        class: "bar-out",
        name: "You owe",
        short: "You owe",
    },
];

#[derive(Clone)]
pub(crate) struct SideRow {
    name: String,
    buckets: Vec<String>,
    total: String,
}

#[derive(Clone)]
pub(crate) struct SideView {
    heading: &'static str,
    who: &'static str,
    table_id: &'static str,
    total: String,
    count: usize,
    overdue: String,
    totals: SideRow,
    by_counterparty: Vec<SideRow>,
    more: usize,
}

#[derive(Clone)]
pub(crate) struct LateRow {
    customer: String,
    paid_invoices: usize,
    days_late: i64,
    open: String,
    overdue: String,
}

#[derive(Clone)]
pub(crate) struct ShareRow {
    customer: String,
    revenue: String,
    share: String,
    meter: String,
}

#[derive(Clone)]
pub(crate) struct AgingView {
    as_of: String,
    /// Receivables, then payables.
    sides: [SideView; 2],
    dso: Option<String>,
    chart: BarChart,
    chart_desc: String,
    late_payers: Vec<LateRow>,
    basis_invoices: bool,
    revenue: String,
    top1: String,
    top3: String,
    top5: String,
    top_customers: Vec<ShareRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "aging.html")]
struct AgingPage {
    chrome: Chrome,
    org_name: String,
    has_documents: bool,
    buckets: [&'static str; 5],
    v: AgingView,
    export_link: String,
}

/// How one side is named on the page.
struct SideNames {
    label: &'static str,
    heading: &'static str,
    who: &'static str,
    table_id: &'static str,
}

const RECEIVABLES: SideNames = SideNames {
    label: "Owed to you",
    heading: "Owed to you, by customer",
    who: "Customer",
    table_id: "receivables",
};

const PAYABLES: SideNames = SideNames {
    label: "You owe",
    heading: "You owe, by supplier",
    who: "Supplier",
    table_id: "payables",
};

fn side_view(side: &AgingSide, names: &SideNames, a: &Analysis) -> SideView {
    let c = a.currency();
    let row = |name: &str, buckets: &[i64], total: i64| SideRow {
        name: name.to_owned(),
        buckets: buckets.iter().map(|b| money(*b, c)).collect(),
        total: money(total, c),
    };
    let overdue: i128 = side.buckets.iter().skip(1).map(|b| i128::from(*b)).sum();
    SideView {
        heading: names.heading,
        who: names.who,
        table_id: names.table_id,
        total: money(side.total, c),
        count: side.count,
        overdue: money(saturate(overdue), c),
        totals: row(names.label, &side.buckets, side.total),
        by_counterparty: side
            .by_counterparty
            .iter()
            .take(TOP)
            .map(|x| row(&x.name, &x.buckets, x.total))
            .collect(),
        more: side.by_counterparty.len().saturating_sub(TOP),
    }
}

fn build(a: &Analysis) -> AgingView {
    let r = a.aging();
    let c = a.currency();
    let groups: Vec<BarGroup> = BUCKETS
        .iter()
        .enumerate()
        .map(|(i, label)| BarGroup {
            label: (*label).to_owned(),
            name: (*label).to_owned(),
            label_has_year: false,
            values: vec![
                r.receivables.buckets.get(i).copied().unwrap_or(0),
                r.payables.buckets.get(i).copied().unwrap_or(0),
            ],
        })
        .collect();
    let chart_desc = format!(
        "Open invoices and bills by days past due as of {}: {} owed to you, of which {} is current; {} you owe, of which {} is current.",
        r.as_of.format("%-d %b %Y"),
        money(r.receivables.total, c),
        money(r.receivables.buckets.first().copied().unwrap_or(0), c),
        money(r.payables.total, c),
        money(r.payables.buckets.first().copied().unwrap_or(0), c),
    );
    let con = &r.concentration;
    AgingView {
        as_of: r.as_of.format("%-d %B %Y").to_string(),
        sides: [
            side_view(&r.receivables, &RECEIVABLES, a),
            side_view(&r.payables, &PAYABLES, a),
        ],
        dso: r.dso_days.map(|d| format!("{d:.1}")),
        chart: bar_chart(&groups, &SIDES, BarLayout::Grouped, None, c),
        chart_desc,
        late_payers: r
            .late_payers
            .iter()
            .map(|p| LateRow {
                customer: p.customer.clone(),
                paid_invoices: p.paid_invoices,
                days_late: p.median_days_late,
                open: money(p.open_amount, c),
                overdue: money(p.overdue_amount, c),
            })
            .collect(),
        basis_invoices: con.basis == "invoices",
        revenue: money(con.revenue, c),
        top1: share(con.top1_bp),
        top3: share(con.top3_bp),
        top5: share(con.top5_bp),
        top_customers: con
            .top_customers
            .iter()
            .map(|s| ShareRow {
                customer: s.customer.clone(),
                revenue: money(s.revenue, c),
                share: share(s.share_bp),
                meter: share_value(s.share_bp),
            })
            .collect(),
    }
}

/// `GET /app/{org}/aging`.
pub(crate) async fn aging(
    State(state): State<AppState>,
    access: Viewer,
) -> Result<Response, ApiError> {
    let (org, (has_documents, v)) = read_org_analysis(&state, &access, |a| {
        let v = a.view("aging page", build);
        (!a.books.documents.is_empty(), AgingView::clone(&v))
    })
    .await?;
    let page = AgingPage {
        export_link: format!("/app/{}/aging/export?", access.path),
        chrome: Chrome::for_user(&state, &access.current, Some(access.org), "aging").await?,
        org_name: org.name,
        has_documents,
        buckets: BUCKETS,
        v,
    };
    Ok(private(page.into_response()))
}
