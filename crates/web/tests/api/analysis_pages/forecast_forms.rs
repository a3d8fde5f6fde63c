//! The forecast page's forms: planned amounts added and removed (and counted at how sure the
//! owner is), what-ifs saved by name, shown again and two compared beside the baseline — for
//! members; viewers read them; another tenant's ids reach nothing.

use super::*;
use crate::forms::{Answer, Person, assert_clean, text_of};
use crate::support::PASSWORD;

/// Whole dollars of a `$12,345` / `-$12,345` figure.
fn dollars(text: &str) -> i64 {
    let negative = text.starts_with('-');
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let v: i64 = digits.parse().expect("a figure");
    if negative { -v } else { v }
}

/// The id in the first `action="…/{kind}/{id}/delete"` of the page.
fn delete_id(html: &str, kind: &str) -> String {
    let marker = format!("/forecast/{kind}/");
    let at = html.find(&marker).expect("a remove form") + marker.len();
    html[at..].split('/').next().expect("an id").to_owned()
}

/// The rows of the comparison table, each as its cells' text.
fn comparison(html: &str) -> Vec<Vec<String>> {
    let table = html
        .split("id=\"scenario-comparison\"")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("a comparison table");
    let body = table.split("<tbody>").nth(1).expect("rows");
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split(['<', '>'])
                .enumerate()
                .filter(|(i, _)| i % 2 == 0)
                .map(|(_, t)| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .collect()
}

async fn signed_in(app: &TestApp, email: &str) -> Person {
    let p = Person::new(app);
    p.sign_in(email, PASSWORD).await;
    p
}

/// Posts `fields` as a form from the page.
async fn post(p: &Person, path: &str, fields: &[(&'static str, String)]) -> Answer {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    p.post(path, &pairs).await
}

async fn forecast_page(p: &Person, org: OrgId, query: &str) -> Answer {
    // By id, as the forms' answers may lead: redirected to the address by slug, query kept.
    let by_id = p.get(&format!("/app/{org}/forecast{query}")).await;
    assert_eq!(
        by_id.status,
        StatusCode::PERMANENT_REDIRECT,
        "{}",
        by_id.body
    );
    let slug = by_id.location().split('/').nth(2).unwrap_or("");
    assert!(
        ["roasters", "elsewhere"].contains(&slug),
        "{}",
        by_id.location()
    );
    assert_eq!(by_id.location(), format!("/app/{slug}/forecast{query}"));
    let a = p.get(by_id.location()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_clean(&a.body);
    a
}

async fn planned_amounts_are_added_counted_and_removed_by_members_only(db: Db) {
    let w = world(db).await;
    let org = w.org;
    let today = chrono::Utc::now().date_naive();
    let due = (today + TimeDelta::days(20)).to_string();

    // A viewer reads the page without the form, and cannot post to it.
    let vic = signed_in(&w.app, "vic@x.test").await;
    let seen = forecast_page(&vic, org, "").await;
    assert!(!seen.body.contains("id=\"add-planned\""));
    assert!(seen.body.contains("Nothing planned yet."));
    let csrf = seen.input("csrf_token");
    let fields = |csrf: &str, amount: &str| {
        vec![
            ("csrf_token", csrf.to_owned()),
            ("name", "Sales tax".to_owned()),
            ("direction", "out".to_owned()),
            ("amount", amount.to_owned()),
            ("date", due.clone()),
            ("repeat", "none".to_owned()),
            ("until", String::new()),
            ("confidence", "80".to_owned()),
        ]
    };
    let path = format!("/app/{org}/forecast/planned");
    let refused = post(&vic, &path, &fields(&csrf, "12500")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // A member adds an 80 %-sure bill of $12,500: expected cash in 13 weeks falls by $10,000.
    let mia = signed_in(&w.app, "mia@x.test").await;
    let before = forecast_page(&mia, org, "").await;
    assert!(before.body.contains("id=\"add-planned\""));
    let csrf = before.input("csrf_token");
    let ending = dollars(&text_of(&before.body, "ending-cash").expect("ending cash"));
    let added = post(&mia, &path, &fields(&csrf, "12,500")).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert!(added.location().ends_with("?planned=added#planned"));
    let after = forecast_page(&mia, org, "").await;
    assert!(after.body.contains("id=\"planned-items\""));
    assert!(after.body.contains("Sales tax"));
    assert!(after.body.contains("-$12,500.00") && after.body.contains("-$10,000.00"));
    assert_eq!(
        dollars(&text_of(&after.body, "ending-cash").expect("ending cash")),
        ending - 10_000
    );

    // Bad input comes back with its message and what was typed; nothing is added.
    let bad = post(&mia, &path, &fields(&csrf, "lots")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"planned-error\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"lots\""));
    assert!(bad.body.contains("aria-invalid=\"true\""));
    assert_clean(&bad.body);
    let mut no_date = fields(&csrf, "100");
    no_date[4].1 = String::new();
    let bad = post(&mia, &path, &no_date).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Give the date it is due."));
    // Without the CSRF token: refused.
    let mut no_token = fields(&csrf, "100");
    no_token.remove(0);
    let refused = post(&mia, &path, &no_token).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        forecast_page(&mia, org, "")
            .await
            .body
            .matches("Sales tax")
            .count(),
        after.body.matches("Sales tax").count()
    );

    // Another organisation's page and its forms are not there for mia.
    let other = post(
        &mia,
        &format!("/app/{}/forecast/planned", w.other),
        &fields(&csrf, "1"),
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let id = delete_id(&after.body, "planned");
    let oz = signed_in(&w.app, "oz@y.test").await;
    let oz_csrf = forecast_page(&oz, w.other, "").await.input("csrf_token");
    let crossed = oz
        .post(
            &format!("/app/{}/forecast/planned/{id}/delete", w.other),
            &[("csrf_token", oz_csrf.as_str())],
        )
        .await;
    assert_eq!(
        crossed.status,
        StatusCode::NOT_FOUND,
        "another tenant's item"
    );
    assert!(
        forecast_page(&mia, org, "")
            .await
            .body
            .contains("Sales tax")
    );

    // The member removes it: the forecast is as before.
    let removed = mia
        .post(
            &format!("/app/{org}/forecast/planned/{id}/delete"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let back = forecast_page(&mia, org, "").await;
    assert!(!back.body.contains("Sales tax"));
    assert_eq!(
        dollars(&text_of(&back.body, "ending-cash").expect("ending cash")),
        ending
    );
    let again = mia
        .post(
            &format!("/app/{org}/forecast/planned/{id}/delete"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

async fn scenarios_are_saved_shown_and_compared_beside_the_baseline(db: Db) {
    let w = world(db).await;
    let org = w.org;
    let today = chrono::Utc::now().date_naive();
    let mia = signed_in(&w.app, "mia@x.test").await;
    let page = forecast_page(&mia, org, "?delay_days=30").await;
    assert!(page.body.contains("id=\"save-scenario\""));
    assert!(page.body.contains("No saved scenarios yet."));
    let csrf = page.input("csrf_token");
    let path = format!("/app/{org}/forecast/scenarios");
    let saved = mia
        .post(
            &path,
            &[
                ("csrf_token", csrf.as_str()),
                ("name", "Customers pay late"),
                ("delay_days", "30"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let late = saved
        .location()
        .split("scenario=")
        .nth(1)
        .and_then(|r| r.split('#').next())
        .expect("the saved id")
        .to_owned();
    // Shown again, its inputs fill the form and the what-if applies.
    let shown = forecast_page(&mia, org, &format!("?scenario={late}")).await;
    assert_eq!(shown.input("delay_days"), "30");
    assert!(shown.body.contains("id=\"what-if-ending-cash\""));
    assert!(
        shown
            .body
            .contains("aria-current=\"true\">Customers pay late<")
    );

    let big = (today + TimeDelta::days(10)).to_string();
    let saved = mia
        .post(
            &path,
            &[
                ("csrf_token", csrf.as_str()),
                ("name", "New roaster"),
                ("oneoff_direction", "out"),
                ("oneoff_amount", "50000"),
                ("oneoff_date", big.as_str()),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let roaster = delete_id(
        &forecast_page(&mia, org, "")
            .await
            .body
            .replace(&format!("/forecast/scenarios/{late}/"), ""),
        "scenarios",
    );

    // Compared: the baseline and both, side by side, each line drawn.
    let compared = forecast_page(&mia, org, &format!("?compare={late}&with={roaster}")).await;
    let rows = comparison(&compared.body);
    assert_eq!(
        rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["Baseline", "Customers pay late", "New roaster"]
    );
    assert_eq!(
        dollars(&rows[2][3]),
        dollars(&rows[0][3]) - 50_000,
        "{rows:?}"
    );
    assert!(compared.body.contains("class=\"overlay second-overlay\""));
    assert!(compared.body.contains("class=\"history\""));
    assert!(compared.body.contains("class=\"today-line\""));

    // Refused: no name, no change, a malformed change.
    for (fields, message) in [
        (vec![("name", ""), ("delay_days", "30")], "name"),
        (vec![("name", "Nothing")], "Fill in a change to save first."),
        (
            vec![("name", "Odd"), ("delay_days", "soon")],
            "is not a number of days",
        ),
    ] {
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend(fields);
        let bad = mia.post(&path, &all).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        let said = text_of(&bad.body, "scenario-error").expect("a message");
        assert!(said.contains(message) || message == "name", "{said}");
        assert_clean(&bad.body);
    }

    // A viewer reads and compares, but saves and removes nothing.
    let vic = signed_in(&w.app, "vic@x.test").await;
    let seen = forecast_page(&vic, org, &format!("?compare={late}")).await;
    assert!(seen.body.contains("Customers pay late"));
    assert!(!seen.body.contains("id=\"save-scenario\""));
    assert!(!seen.body.contains("/forecast/scenarios/"));
    let vic_csrf = seen.input("csrf_token");
    let refused = vic
        .post(
            &format!("/app/{org}/forecast/scenarios/{late}/delete"),
            &[("csrf_token", vic_csrf.as_str())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Another tenant's scenario id compares nothing here, and cannot be removed from there.
    let oz = signed_in(&w.app, "oz@y.test").await;
    let oz_csrf = forecast_page(&oz, w.other, "").await.input("csrf_token");
    let crossed = oz
        .post(
            &format!("/app/{}/forecast/scenarios/{late}/delete", w.other),
            &[("csrf_token", oz_csrf.as_str())],
        )
        .await;
    assert_eq!(crossed.status, StatusCode::NOT_FOUND);
    let theirs = forecast_page(&oz, w.other, &format!("?compare={late}")).await;
    assert!(!theirs.body.contains("scenario-comparison"));
    assert!(!theirs.body.contains("Customers pay late"));

    // Removed by the member.
    let removed = mia
        .post(
            &format!("/app/{org}/forecast/scenarios/{late}/delete"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let after = forecast_page(&mia, org, "").await;
    assert!(!after.body.contains("Customers pay late"));
    assert!(after.body.contains("New roaster"));
}

crate::on_both_backends!(
    planned_amounts_are_added_counted_and_removed_by_members_only,
    scenarios_are_saved_shown_and_compared_beside_the_baseline,
);
