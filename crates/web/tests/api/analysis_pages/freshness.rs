//! An import changes the numbers on the next request.

use super::*;

async fn an_import_changes_the_numbers_on_the_next_request(db: Db) {
    let w = world(db).await;
    let base = &w.app.base;
    let mut b = w.app.signed_in("ann@x.test").await;
    let today = chrono::Utc::now().date_naive();
    let month = today.with_day(1).expect("d");
    let cashflow = format!("{base}/app/{}/cashflow?from={month}&to={today}", w.org);
    let api = format!(
        "/api/v1/orgs/{}/reports/cashflow?from={month}&to={today}",
        w.org
    );
    // The page as first opened, computed once per books version.
    let default_page = format!("{base}/app/{}/cashflow", w.org);
    let (_, default_before) = page(&b.http, default_page.clone()).await;
    // Warm every cache, twice.
    for _ in 0..2 {
        page(&b.http, format!("{base}/app/{}", w.org)).await;
        page(&b.http, cashflow.clone()).await;
    }
    let (_, before) = b.get(&api).await;
    let inflow = before["report"]["total"]["inflow"]
        .as_i64()
        .expect("inflow");
    let (_, html) = page(&b.http, cashflow.clone()).await;
    assert!(html.contains(&format!("id=\"total-in\">{}<", usd(inflow))));
    let (_, runway) = b
        .get(&format!("/api/v1/orgs/{}/reports/runway", w.org))
        .await;
    let cash_before = runway["report"]["cash_now"].as_i64().expect("cash");
    assert_eq!(
        kpi_cash(&page(&b.http, format!("{base}/app/{}", w.org)).await.1),
        usd_whole(cash_before)
    );
    let cached = w.app.state.analytics.len();
    assert_eq!(cached, 1, "one organisation's books are cached");

    w.app
        .import_rows(
            w.org,
            &[NewTransaction {
                account: "Operating".into(),
                posted_on: today,
                amount_minor: 12_345_678,
                currency: "USD".into(),
                original_amount_minor: 12_345_678,
                original_currency: "USD".into(),
                counterparty: "Windfall Grants".into(),
                description: "grant".into(),
                category: "Grants".into(),
                is_transfer: false,
                external_id: "windfall".into(),
            }],
        )
        .await;
    let (_, html) = page(&b.http, cashflow).await;
    assert!(
        html.contains(&format!("id=\"total-in\">{}<", usd(inflow + 12_345_678))),
        "the page shows the import at once"
    );
    let (_, default_after) = page(&b.http, default_page).await;
    assert_ne!(
        default_before, default_after,
        "the page as first opened is computed again for the new books"
    );
    let (_, after) = b.get(&api).await;
    assert_eq!(after["report"]["total"]["inflow"], inflow + 12_345_678);
    let (_, runway) = b
        .get(&format!("/api/v1/orgs/{}/reports/runway", w.org))
        .await;
    let cash_after = runway["report"]["cash_now"].as_i64().expect("cash");
    assert_eq!(cash_after, cash_before + 12_345_678);
    assert_eq!(
        kpi_cash(&page(&b.http, format!("{base}/app/{}", w.org)).await.1),
        usd_whole(cash_after)
    );
    // The other organisation's numbers never saw it.
    let (_, other) = b
        .get(&format!("/api/v1/orgs/{}/reports/cashflow", w.other))
        .await;
    assert_eq!(other["error"]["code"], "not_found");
    let oz = w.app.signed_in("oz@y.test").await;
    let (_, html) = page(
        &oz.http,
        format!("{base}/app/{}/cashflow?from={month}&to={today}", w.other),
    )
    .await;
    assert!(
        html.contains(&format!("id=\"total-in\">{}<", usd(777_777))),
        "{html}"
    );
    assert!(!html.contains("Windfall"));
}

crate::on_both_backends!(an_import_changes_the_numbers_on_the_next_request,);
