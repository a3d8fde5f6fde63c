//! `/app/{org}/billing`: for admins on an instance with billing on, the organisation's plan,
//! its usage against the plan's limits, the next invoice and the subscription's status; Upgrade
//! starts a Stripe Checkout Session, Manage opens the Billing Portal. With billing off the
//! routes are not found; members and viewers are refused them.

use super::{Chrome, private};
use crate::auth::{Admin, ClientInfo};
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_service::billing::{self, Plan};
use serde::Deserialize;

/// One limit as the page shows it: `2 of 5`, or `2 (no limit)`.
pub(crate) struct LimitRow {
    what: &'static str,
    used: String,
    limit: String,
    over: bool,
}

pub(crate) struct UpgradeRow {
    key: String,
    name: String,
    price: String,
    limits: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "billing.html")]
struct BillingPage {
    chrome: Chrome,
    csrf: String,
    org_id: OrgPath,
    plan_name: String,
    status: String,
    next_invoice: Option<String>,
    cancel_at_period_end: bool,
    grace_until: Option<String>,
    limits: Vec<LimitRow>,
    upgrades: Vec<UpgradeRow>,
    can_manage: bool,
    notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct BillingQuery {
    #[serde(default)]
    checkout: String,
}

fn limit_text(limit: Option<u64>) -> String {
    limit.map_or_else(|| "no limit".to_owned(), |l| l.to_string())
}

fn limits_of(plan: &Plan) -> String {
    let l = &plan.limits;
    let part = |n: Option<u32>, what: &str| {
        n.map_or_else(|| format!("unlimited {what}"), |n| format!("{n} {what}"))
    };
    format!(
        "{}, {}, {}, {}",
        part(l.connections, "connections"),
        part(l.members, "members"),
        l.ai_tokens_per_month.map_or_else(
            || "unlimited AI tokens".to_owned(),
            |t| format!("{t} AI tokens a month")
        ),
        l.history_months.map_or_else(
            || "all history".to_owned(),
            |m| format!("{m} months of history")
        ),
    )
}

/// `GET /app/{org}/billing`.
pub(crate) async fn page(
    State(state): State<AppState>,
    who: Admin,
    query: Result<Query<BillingQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let o = billing::overview(&state, &who).await?;
    let chrome = Chrome::for_user(&state, &who.current, Some(who.org), "billing").await?;
    let l = &o.plan.limits;
    let row = |what, used: u64, limit: Option<u64>| LimitRow {
        what,
        used: used.to_string(),
        limit: limit_text(limit),
        over: limit.is_some_and(|l| used > l),
    };
    let page = BillingPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        org_id: who.path.clone(),
        plan_name: o.plan.name.clone(),
        status: o.status.replace('_', " "),
        next_invoice: o.next_invoice.map(|t| {
            let date = t.format("%-d %B %Y").to_string();
            o.plan
                .price_text()
                .map_or(date.clone(), |price| format!("{date}, {price}"))
        }),
        cancel_at_period_end: o.cancel_at_period_end,
        grace_until: o.grace_until.map(|t| t.format("%-d %B %Y").to_string()),
        limits: vec![
            row(
                "Accounting connections",
                u64::from(o.usage.connections),
                l.connections.map(u64::from),
            ),
            row(
                "Members and open invitations",
                u64::from(o.usage.members),
                l.members.map(u64::from),
            ),
            row(
                "AI tokens this month",
                o.usage.ai_tokens_this_month,
                l.ai_tokens_per_month,
            ),
            LimitRow {
                what: "Transaction history shown",
                used: String::new(),
                limit: l
                    .history_months
                    .map_or_else(|| "all".to_owned(), |m| format!("the last {m} months")),
                over: false,
            },
        ],
        upgrades: o
            .upgrades
            .iter()
            .map(|p| UpgradeRow {
                key: p.key.clone(),
                name: p.name.clone(),
                price: p.price_text().unwrap_or_default(),
                limits: limits_of(p),
            })
            .collect(),
        can_manage: o.can_manage,
        notice: match q.checkout.as_str() {
            "done" => Some(
                "Thank you: the subscription is set up. Its plan shows here as soon as Stripe confirms the payment.",
            ),
            "cancelled" => Some("The checkout was cancelled; nothing was charged."),
            _ => None,
        },
    };
    Ok(private(page.into_response()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpgradeForm {
    #[serde(default)]
    csrf_token: String,
    plan: String,
}

/// `POST /app/{org}/billing/checkout` (admins, CSRF): to Stripe Checkout.
pub(crate) async fn checkout(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    form: Result<Form<UpgradeForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(|_| ApiError::BadRequest("choose a plan".into()))?;
    let _ = f.csrf_token;
    let url = billing::start_checkout(&state, &who, f.plan.trim(), &client).await?;
    Ok(private(Redirect::to(&url).into_response()))
}

/// `POST /app/{org}/billing/portal` (admins, CSRF): to Stripe's Billing Portal.
pub(crate) async fn portal(
    State(state): State<AppState>,
    who: Admin,
) -> Result<Response, ApiError> {
    let url = billing::open_portal(&state, &who).await?;
    Ok(private(Redirect::to(&url).into_response()))
}
