//! Correcting the books over HTTP: a transaction's category, name and class, rules for a
//! counterparty, who may do it, other tenants' ids, bad input, the audit and the reports.

use crate::forms::{Person, assert_clean};
use crate::support::{Db, PASSWORD, spawn_app};
use flowsense_core::{OrgId, Role};
use flowsense_storage::NewTransaction;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn row(n: u32, amount: i64, counterparty: &str, category: &str) -> NewTransaction {
    NewTransaction {
        account: "Operating".into(),
        posted_on: chrono::NaiveDate::from_ymd_opt(2026, 1 + n % 6, 1 + n % 28).expect("date"),
        amount_minor: amount,
        currency: "USD".into(),
        original_amount_minor: amount,
        original_currency: "USD".into(),
        counterparty: counterparty.into(),
        description: format!("line {n}"),
        category: category.into(),
        is_transfer: false,
        external_id: format!("{counterparty}-{n}"),
    }
}

/// Six months of sales to two customers, and one large deposit from the owner's investor
/// filed as a sale.
fn books() -> Vec<NewTransaction> {
    let mut rows: Vec<NewTransaction> = (0..24)
        .map(|n| {
            row(
                n,
                100_000,
                if n % 2 == 0 { "Acme" } else { "Globex" },
                "Sales",
            )
        })
        .collect();
    rows.push(row(99, 20_000_000, "Seed Investor", "Sales"));
    rows
}

async fn top_customer(b: &mut crate::support::Browser, org: OrgId) -> String {
    let (s, body) = b.get(&format!("/api/v1/orgs/{org}/reports/aging")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["report"]["concentration"]["top_customers"][0]["customer"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn id_of(b: &mut crate::support::Browser, org: OrgId, counterparty: &str) -> i64 {
    let (s, page) = b
        .get(&format!(
            "/api/v1/orgs/{org}/transactions?counterparty={}",
            counterparty.replace(' ', "%20")
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["items"][0]["id"].as_i64().expect("an id")
}

async fn members_correct_transactions_and_make_rules(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ann@x.test").await;
    let org = app.org("books", admin).await;
    app.member(org, "max@x.test", Role::Member).await;
    app.member(org, "vic@x.test", Role::Viewer).await;
    app.import_rows(org, &books()).await;
    let other_admin = app.user("oz@y.test").await;
    let other = app.org("other", other_admin).await;
    app.import_rows(other, &books()).await;

    let mut member = app.signed_in("max@x.test").await;
    let mut viewer = app.signed_in("vic@x.test").await;
    let mut outsider = app.signed_in("oz@y.test").await;
    let seed = id_of(&mut member, org, "Seed Investor").await;
    let theirs = id_of(&mut outsider, other, "Seed Investor").await;
    assert_eq!(top_customer(&mut member, org).await, "Seed Investor");

    let path = format!("/api/v1/orgs/{org}/transactions/{seed}");
    let fix = json!({"category": "Owner contribution", "class": "financing", "always": true});
    // A viewer reads but does not correct.
    let (s, body) = viewer.send(Method::PATCH, &path, Some(fix.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    // Another organisation's transaction, through this organisation or through its own.
    let (s, _) = member
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{org}/transactions/{theirs}"),
            Some(fix.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = member
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{other}/transactions/{theirs}"),
            Some(fix.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Bad input changes nothing.
    for (bad, field) in [
        (json!({"class": "equity"}), "class"),
        (json!({"category": "   "}), "category"),
        (json!({"category": "x".repeat(121)}), "category"),
        (json!({"counterparty": "two\nlines"}), "counterparty"),
        (json!({}), "category"),
    ] {
        let (s, body) = member.send(Method::PATCH, &path, Some(bad.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["error"]["field"], field, "{bad}: {body}");
    }
    let (s, _) = member
        .send(Method::PATCH, &path, Some(json!({"colour": "red"})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = member
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{org}/transactions/abc"),
            Some(fix.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(top_customer(&mut member, org).await, "Seed Investor");

    // The member's correction, made a rule: the reports follow at once.
    let (s, body) = member.send(Method::PATCH, &path, Some(fix)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["category"], "Owner contribution");
    assert_eq!(body["class"], "financing");
    assert_eq!(body["source_category"], "Sales");
    assert_eq!(body["rule"]["counterparty"], "Seed Investor");
    assert_eq!(top_customer(&mut member, org).await, "Acme");
    assert_eq!(top_customer(&mut outsider, other).await, "Seed Investor");

    // A later import from that counterparty follows the rule.
    app.import_rows(org, &[row(200, 5_000_000, "Seed Investor", "Sales")])
        .await;
    let (_, page) = member
        .get(&format!(
            "/api/v1/orgs/{org}/transactions?category=Owner%20contribution"
        ))
        .await;
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{page}");
    assert!(items.iter().all(|t| t["class"] == "financing"), "{page}");
    assert_eq!(top_customer(&mut member, org).await, "Acme");

    // Rules: everyone reads them; viewers neither add nor delete; ids are per organisation.
    let (s, rules) = viewer.get(&format!("/api/v1/orgs/{org}/rules")).await;
    assert_eq!(s, StatusCode::OK);
    let rule = rules[0]["id"].as_i64().expect("a rule");
    assert_eq!(rules.as_array().map(Vec::len), Some(1));
    let (s, _) = viewer
        .post(
            &format!("/api/v1/orgs/{org}/rules"),
            json!({"counterparty": "Acme", "category": "Consulting"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = viewer
        .send(
            Method::DELETE,
            &format!("/api/v1/orgs/{org}/rules/{rule}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = outsider
        .send(
            Method::DELETE,
            &format!("/api/v1/orgs/{other}/rules/{rule}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, body) = member
        .post(
            &format!("/api/v1/orgs/{org}/rules"),
            json!({"counterparty": "Acme"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, body) = member
        .post(
            &format!("/api/v1/orgs/{org}/rules"),
            json!({"counterparty": "Acme", "category": "Consulting", "apply_to_past": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["past_transactions_changed"], 12);
    let (s, _) = member
        .send(
            Method::DELETE,
            &format!("/api/v1/orgs/{org}/rules/{rule}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = member
        .send(
            Method::DELETE,
            &format!("/api/v1/orgs/{org}/rules/{rule}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Every change is in the audit log, with names and no amounts.
    let mut admin_b = app.signed_in("ann@x.test").await;
    let (_, audit) = admin_b.get(&format!("/api/v1/orgs/{org}/audit")).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in ["transaction.corrected", "rule.saved", "rule.deleted"] {
        assert!(actions.contains(&action), "{action}: {actions:?}");
    }
    assert!(
        !audit.to_string().contains("20000000"),
        "no amounts in the audit"
    );
}

async fn the_correction_form_needs_a_member_and_its_csrf_token(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ann@x.test").await;
    let org = app.org("books", admin).await;
    app.member(org, "vic@x.test", Role::Viewer).await;
    app.import_rows(org, &books()).await;
    let mut api = app.signed_in("ann@x.test").await;
    let seed = id_of(&mut api, org, "Seed Investor").await;

    let viewer = Person::new(&app);
    viewer.sign_in("vic@x.test", PASSWORD).await;
    let list = viewer.get("/app/books/transactions").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        !list.body.contains("Correct this transaction"),
        "viewers see no edit link"
    );
    let form = viewer.get(&format!("/app/books/transactions/{seed}")).await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);

    let owner = Person::new(&app);
    owner.sign_in("ann@x.test", PASSWORD).await;
    let list = owner.get("/app/books/transactions").await;
    assert!(
        list.body
            .contains(&format!("/app/books/transactions/{seed}"))
    );
    let form = owner.get(&format!("/app/books/transactions/{seed}")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert_clean(&form.body);
    assert_eq!(form.input("category"), "Sales");
    let csrf = form.input("csrf_token");
    let fields = [
        ("category", "Owner contribution"),
        ("counterparty", "Seed Investor"),
        ("class", "financing"),
        ("always", "on"),
    ];
    // Without the token the form is refused and nothing changes.
    let refused = owner
        .post(&format!("/app/books/transactions/{seed}"), &fields)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(top_customer(&mut api, org).await, "Seed Investor");
    // A refused value comes back with the form.
    let mut bad = vec![("csrf_token", csrf.as_str())];
    bad.extend_from_slice(&[
        ("category", ""),
        ("counterparty", "Seed Investor"),
        ("class", "operating"),
    ]);
    let again = owner
        .post(&format!("/app/books/transactions/{seed}"), &bad)
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("category-error"), "{}", again.body);
    let mut good = vec![("csrf_token", csrf.as_str())];
    good.extend_from_slice(&fields);
    let saved = owner
        .post(&format!("/app/books/transactions/{seed}"), &good)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(saved.location().contains("saved=1"), "{}", saved.location());
    let list = owner.get(saved.location()).await;
    assert!(list.body.contains("correction-saved"), "{}", list.body);
    assert!(list.body.contains("Owner money or loan"));
    assert_eq!(top_customer(&mut api, org).await, "Acme");
    let (_, rules) = api.get(&format!("/api/v1/orgs/{org}/rules")).await;
    assert_eq!(rules[0]["category"], Value::from("Owner contribution"));
}

crate::on_both_backends!(
    members_correct_transactions_and_make_rules,
    the_correction_form_needs_a_member_and_its_csrf_token,
);
