//! `/api/v1/orgs/{org}/planned-items`: every role lists, members and admins add and remove,
//! another organisation's item is not found, bad input is refused by field, and the forecast
//! moves by the confident share of each planned amount.

use crate::analysis_pages::{coffee_books, import_generated};
use crate::support::{Db, spawn_app};
use flowsense_core::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The forecast's expected cash at the end of each week, from the JSON report.
fn weekly_cash(report: &Value) -> Vec<i64> {
    report["report"]["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .map(|w| w["ending_cash"]["p50"].as_i64().expect("p50"))
        .collect()
}

async fn planned_items_move_the_forecast_for_the_roles_allowed(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    app.member(org, "mo@x.test", Role::Member).await;
    app.member(org, "vi@x.test", Role::Viewer).await;
    import_generated(&app, org, &coffee_books(3_000)).await;
    let other_admin = app.user("oz@x.test").await;
    let other = app.org("elsewhere", other_admin).await;

    let mut member = app.signed_in("mo@x.test").await;
    let mut viewer = app.signed_in("vi@x.test").await;
    let mut outsider = app.signed_in("oz@x.test").await;
    let path = format!("/api/v1/orgs/{org}/planned-items");
    let report = format!("/api/v1/orgs/{org}/reports/forecast");

    let (status, before) = member.get(&report).await;
    assert_eq!(status, StatusCode::OK);
    let as_of: chrono::NaiveDate = before["report"]["as_of"]
        .as_str()
        .expect("as_of")
        .parse()
        .expect("date");
    let before = weekly_cash(&before);

    // A member adds a tax bill due in the third forecast week, 80% sure of it.
    let due = as_of + chrono::TimeDelta::days(17);
    let (status, item) = member
        .post(
            &path,
            json!({"name": "Sales tax", "date": due.to_string(), "amount": "12,500.00",
                   "direction": "out", "confidence": "80"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    assert_eq!(item["amount_minor"], -1_250_000);
    assert_eq!(item["expected_minor"], -1_000_000);
    assert_eq!(item["repeat"], "none");
    let id = item["id"].as_str().expect("id").to_owned();

    // The forecast (recomputed, not the cached one) moves by exactly the expected share from
    // that week on, and not before it.
    let (_, after) = viewer.get(&report).await;
    let after = weekly_cash(&after);
    for (k, (b, a)) in before.iter().zip(&after).enumerate() {
        let moved = if k >= 2 { -1_000_000 } else { 0 };
        assert_eq!(a - b, moved, "week {k}");
    }

    // Every role reads the list; a viewer cannot change it.
    let (status, list) = viewer.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().expect("list").len(), 1);
    assert_eq!(list[0]["name"], "Sales tax");
    let (status, _) = viewer
        .post(
            &path,
            json!({"name": "x", "date": due.to_string(), "amount": "1"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = viewer
        .send(Method::DELETE, &format!("{path}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Another organisation's admin sees none of it: not found, through either organisation.
    let (status, _) = outsider.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = outsider
        .send(
            Method::DELETE,
            &format!("/api/v1/orgs/{other}/planned-items/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = member
        .send(Method::DELETE, &format!("{path}/not-an-id"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad input is refused, naming the field.
    for (body, field) in [
        (
            json!({"name": "", "date": due.to_string(), "amount": "10"}),
            "name",
        ),
        (
            json!({"name": "Rent", "date": "next week", "amount": "10"}),
            "date",
        ),
        (
            json!({"name": "Rent", "date": due.to_string(), "amount": "-10"}),
            "amount",
        ),
        (
            json!({"name": "Rent", "date": due.to_string(), "amount": "10", "repeat": "daily"}),
            "repeat",
        ),
        (
            json!({"name": "Rent", "date": due.to_string(), "amount": "10", "confidence": "0"}),
            "confidence",
        ),
    ] {
        let (status, answer) = member.post(&path, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
    let (status, _) = member.post(&path, json!(["not", "an", "object"])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = member
        .post(
            &path,
            json!({"name": "Rent", "date": due.to_string(), "amount": "10", "org_id": org.to_string()}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown field is refused"
    );
    let resp = member
        .request(Method::POST, &path)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert!(
        matches!(
            resp.status(),
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "{}",
        resp.status()
    );

    // Removing it brings the forecast back.
    let (status, _) = member
        .send(Method::DELETE, &format!("{path}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, back) = member.get(&report).await;
    assert_eq!(weekly_cash(&back), before);
    let (status, _) = member
        .send(Method::DELETE, &format!("{path}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

crate::on_both_backends!(planned_items_move_the_forecast_for_the_roles_allowed);
