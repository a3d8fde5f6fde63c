//! `/app/{org}/audit`: the organisation's audit log for its admins, newest first, filtered by
//! action, a page at a time. Times are shown in the organisation's time zone.

use super::{Chrome, private};
use crate::auth::Admin;
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use flowsense_service::orgs::lifecycle;
use flowsense_storage::AuditFilter;
use serde::Deserialize;
use std::collections::HashMap;

const PAGE_SIZE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    cursor: String,
}

pub(crate) struct EventRow {
    time: String,
    actor: String,
    action: String,
    target: String,
    ip: String,
    details: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    org_id: OrgPath,
    org_name: String,
    time_zone: String,
    actions: Vec<String>,
    action: String,
    /// `action`, percent-encoded for links.
    action_query: String,
    rows: Vec<EventRow>,
    paged: bool,
    next_link: Option<String>,
}

/// `GET /app/{org}/audit?action=…&cursor=…`.
pub(crate) async fn page(
    State(state): State<AppState>,
    who: Admin,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let org = lifecycle::organisation(&state, &who).await?;
    let actions = lifecycle::audit_actions(&state, &who).await?;
    // Only actions the log holds: anything else is no filter at all.
    let action = actions
        .iter()
        .find(|a| **a == q.action.trim())
        .cloned()
        .unwrap_or_default();
    let filter = AuditFilter {
        action: (!action.is_empty()).then(|| action.clone()),
        before: q.cursor.trim().parse().ok(),
        limit: PAGE_SIZE,
    };
    let page = lifecycle::audit_log(&state, &who, &filter).await?;
    let tz: chrono_tz::Tz = org.settings.time_zone.parse().unwrap_or(chrono_tz::UTC);
    // Targets name users by id; show the address of those still in the organisation.
    let emails: HashMap<String, String> = flowsense_service::orgs::members::list(&state, &who)
        .await?
        .into_iter()
        .map(|m| (format!("user:{}", m.user_id), m.email))
        .collect();
    let rows = page
        .items
        .into_iter()
        .map(|e| EventRow {
            time: e
                .event
                .created_at
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M:%S %Z")
                .to_string(),
            actor: match (e.actor_email, e.event.actor) {
                (Some(email), _) => email,
                (None, Some(_)) => "a deleted account".to_owned(),
                (None, None) => "FlowSense".to_owned(),
            },
            target: emails
                .get(&e.event.target)
                .cloned()
                .unwrap_or(e.event.target),
            action: e.event.action,
            ip: e.event.ip,
            details: details_text(&e.event.details),
        })
        .collect();
    let next_link = page.next_cursor.map(|c| {
        format!(
            "/app/{}/audit?action={}&cursor={c}",
            who.path,
            super::encode(&action)
        )
    });
    let page = AuditPage {
        chrome: Chrome::for_user(&state, &who.current, Some(who.org), "audit").await?,
        org_id: who.path.clone(),
        org_name: org.name,
        time_zone: tz.name().to_owned(),
        actions,
        paged: filter.before.is_some(),
        action_query: super::encode(&action),
        action,
        rows,
        next_link,
    };
    Ok(private(page.into_response()))
}

/// `key: value` pairs of an event's details, or nothing.
fn details_text(details: &serde_json::Value) -> String {
    match details {
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}
