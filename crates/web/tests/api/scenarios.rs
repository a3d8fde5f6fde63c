//! `/api/v1/orgs/{org}/scenarios`: members and admins save and remove what-if scenarios, every
//! role lists, reads and forecasts them; a saved scenario's forecast is the baseline moved by
//! exactly its change; bad input is refused by field with the form's bounds; another
//! organisation's scenario is not found; saving and removing are audited.

use crate::analysis_pages::{coffee_books, import_generated};
use crate::support::{Db, spawn_app};
use flowsense_core::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn weekly_cash(weeks: &Value) -> Vec<i64> {
    weeks["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .map(|w| w["ending_cash"]["p50"].as_i64().expect("p50"))
        .collect()
}

async fn saved_scenarios_are_forecast_beside_the_baseline_for_the_roles_allowed(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    let org = app.org("roastery", admin).await;
    app.member(org, "mo@x.test", Role::Member).await;
    app.member(org, "vi@x.test", Role::Viewer).await;
    import_generated(&app, org, &coffee_books(3_000)).await;
    let other_admin = app.user("oz@x.test").await;
    let other = app.org("elsewhere", other_admin).await;

    let mut admin_b = app.signed_in("ada@x.test").await;
    let mut member = app.signed_in("mo@x.test").await;
    let mut viewer = app.signed_in("vi@x.test").await;
    let mut outsider = app.signed_in("oz@x.test").await;
    let path = format!("/api/v1/orgs/{org}/scenarios");
    let (_, report) = viewer
        .get(&format!("/api/v1/orgs/{org}/reports/forecast"))
        .await;
    let as_of: chrono::NaiveDate = report["report"]["as_of"]
        .as_str()
        .expect("as_of")
        .parse()
        .expect("date");
    let baseline = weekly_cash(&report["report"]);

    // A member saves a tax bill due in the third forecast week.
    let due = as_of + chrono::TimeDelta::days(17);
    let (status, saved) = member
        .post(
            &path,
            json!({"name": "Tax bill", "oneoff_amount": "10,000.00",
                   "oneoff_direction": "out", "oneoff_date": due.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["name"], "Tax bill");
    assert_eq!(saved["inputs"]["oneoff_amount"], "10,000.00");
    let id = saved["id"].as_str().expect("id").to_owned();

    // Every role lists and reads it.
    let (status, list) = viewer.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().expect("list").len(), 1);
    let (status, one) = viewer.get(&format!("{path}/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one, saved);

    // Its forecast: the baseline as the reports serve it, and the same weeks moved by exactly
    // the bill from the third week on; the summary says so in figures.
    let (status, f) = viewer.get(&format!("{path}/{id}/forecast")).await;
    assert_eq!(status, StatusCode::OK, "{f}");
    assert_eq!(weekly_cash(&f["baseline"]), baseline);
    let with = weekly_cash(&f["with_scenario"]);
    assert_eq!(with.len(), baseline.len());
    for (k, (b, w)) in baseline.iter().zip(&with).enumerate() {
        let moved = if k >= 2 { -1_000_000 } else { 0 };
        assert_eq!(w - b, moved, "week {k}");
    }
    assert_eq!(f["scenario"]["id"], id.as_str());
    assert_eq!(f["as_of"], as_of.to_string());
    assert_eq!(f["currency"], "USD");
    assert!(
        f["changes"][0]
            .as_str()
            .expect("a change")
            .contains("money out"),
        "{f}"
    );
    let s = &f["summary"];
    assert_eq!(
        s["baseline"]["last_week_cash_minor"].as_i64(),
        baseline.last().copied()
    );
    assert_eq!(
        s["difference"]["last_week_cash_minor"].as_i64(),
        Some(-1_000_000)
    );
    let lowest = |v: &Value| v["lowest_cash_minor"].as_i64().expect("lowest");
    assert_eq!(
        s["difference"]["lowest_cash_minor"].as_i64(),
        Some(lowest(&s["with_scenario"]) - lowest(&s["baseline"]))
    );
    assert!(lowest(&s["with_scenario"]) <= with.iter().copied().min().expect("weeks"));

    // A viewer cannot save or remove.
    let (status, _) = viewer
        .post(&path, json!({"name": "x", "delay_days": "10"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = viewer
        .send(Method::DELETE, &format!("{path}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Another organisation's admin finds none of it, through either organisation.
    for p in [
        path.clone(),
        format!("{path}/{id}"),
        format!("{path}/{id}/forecast"),
    ] {
        let (status, _) = outsider.get(&p).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{p}");
    }
    let theirs = format!("/api/v1/orgs/{other}/scenarios/{id}");
    for p in [theirs.clone(), format!("{theirs}/forecast")] {
        let (status, _) = outsider.get(&p).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{p}");
    }
    let (status, _) = outsider.send(Method::DELETE, &theirs, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = member.get(&format!("{path}/not-an-id")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad input is refused, naming the field, with the form's bounds.
    let outside = as_of + chrono::TimeDelta::days(200);
    for (body, field) in [
        (json!({"name": "", "delay_days": "10"}), "name"),
        (json!({"name": "Nothing"}), "name"),
        (
            json!({"name": "Far", "oneoff_amount": "10", "oneoff_date": outside.to_string()}),
            "oneoff_date",
        ),
        (
            json!({"name": "Huge", "oneoff_amount": "99999999999", "oneoff_date": due.to_string()}),
            "oneoff_amount",
        ),
        (json!({"name": "Slow", "delay_days": "999"}), "delay_days"),
        (json!({"name": "Who", "drop": "Nobody We Pay"}), "drop"),
    ] {
        let (status, answer) = member.post(&path, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} {answer}");
        assert_eq!(answer["error"]["field"], field, "{body} {answer}");
    }
    let (status, _) = member
        .post(
            &path,
            json!({"name": "Late", "delay_days": "10", "org_id": other.to_string()}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown field is refused"
    );
    let (status, _) = member.post(&path, json!(["not", "an", "object"])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // At most twenty are kept.
    for n in 1..20 {
        let (status, answer) = member
            .post(
                &path,
                json!({"name": format!("Delay {n}"), "delay_days": "10"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
    }
    let (status, answer) = member
        .post(&path, json!({"name": "One too many", "delay_days": "10"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");

    // Removing: gone, and gone again is not found; both ends are in the audit log.
    let (status, _) = member
        .send(Method::DELETE, &format!("{path}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = viewer.get(&format!("{path}/{id}/forecast")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = member
        .send(Method::DELETE, &format!("{path}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, audit) = admin_b.get(&format!("/api/v1/orgs/{org}/audit")).await;
    let targets: Vec<(String, String)> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["target"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for action in ["scenario.save", "scenario.remove"] {
        assert!(
            targets
                .iter()
                .any(|(a, t)| a == action && t == &format!("scenario:{id}")),
            "{action}: {targets:?}"
        );
    }
}

crate::on_both_backends!(saved_scenarios_are_forecast_beside_the_baseline_for_the_roles_allowed);
