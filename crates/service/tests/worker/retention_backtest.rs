//! The forecast's backtest over books the nightly purge has shortened to 90 days: the purged
//! weeks count through the weekly totals retention keeps, so the 26 weeks the backtest needs
//! are still there. On books where the purged weeks are whole ISO weeks and nothing recurs,
//! the backtest is exactly what it was before the purge; on a coffee roaster's books like the
//! demo's, what happened (actual weekly flows, ending cash, the naive forecast) is the same to
//! the cent, and the forecast made at the cut differs only because weekly totals cannot show
//! recurring payments or which payment settled which invoice.

use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use flowsense_core::analytics::Backtest;
use flowsense_core::{Currency, OrgId};
use flowsense_service::analysis::Analysis;
use flowsense_service::retention::{purge_org, retention_cutoff};
use flowsense_storage::{ImportMeta, NewDocument, NewOrg, NewTransaction, OrgSettings, Store};
use flowsense_synth::{GenConfig, GeneratedBooks, Profile, generate_ending};

async fn org(store: &Store, slug: &str) -> OrgId {
    store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("{slug} Ltd"),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("create org")
        .id
}

async fn import(store: &Store, org: OrgId, rows: &[NewTransaction], docs: &[NewDocument]) {
    let meta = ImportMeta {
        file_name: "books.csv".into(),
        format: "csv".into(),
        sha256: "11".repeat(32),
        source: "csv".into(),
        created_by: None,
        currency: Currency::USD,
    };
    let mut import = store.begin_import(org, &meta).await.expect("begin");
    import
        .ensure_account("Operating", 5_000_000)
        .await
        .expect("account");
    import.add_transactions(rows).await.expect("add");
    import.add_documents(docs).await.expect("docs");
    import.commit().await.expect("commit");
}

fn row(i: u64, day: NaiveDate, amount: i64, counterparty: &str, category: &str) -> NewTransaction {
    NewTransaction {
        account: "Operating".into(),
        posted_on: day,
        amount_minor: amount,
        currency: "USD".into(),
        original_amount_minor: amount,
        original_currency: "USD".into(),
        counterparty: counterparty.into(),
        description: format!("Row {i}"),
        category: category.into(),
        is_transfer: false,
        external_id: format!("row-{i}"),
    }
}

/// A shop's daily takings and irregular costs from a Monday to a Sunday: every day has a row,
/// and the amounts are too uneven (and the days too scattered) for anything to look recurring.
fn uneven_rows(first: NaiveDate, last: NaiveDate) -> Vec<NewTransaction> {
    let mut rows = Vec::new();
    let mut day = first;
    let mut i = 0u64;
    while day <= last {
        let seed = i;
        let mix = |k: u64| {
            (seed * 31 + k)
                .wrapping_mul(6_364_136_223_846_793_005)
                .rotate_left(29)
        };
        rows.push(row(
            i,
            day,
            20_000 + i64::try_from(mix(1) % 180_000).expect("below 180,000"),
            "Walk-in",
            "Sales",
        ));
        i += 1;
        if mix(2) % 3 == 0 {
            let supplier = ["Bean Co", "Milk Farm", "Cups Ltd", "Repairs R Us"]
                [usize::try_from(mix(3) % 4).expect("below 4")];
            rows.push(row(
                i,
                day,
                -(5_000 + i64::try_from(mix(4) % 400_000).expect("below 400,000")),
                supplier,
                "Supplies",
            ));
            i += 1;
        }
        day = day + Days::new(1);
    }
    rows
}

fn backtest_of(books: flowsense_core::Books) -> Option<Backtest> {
    Analysis::new(books).forecast().backtest.clone()
}

/// Noon UTC on `day`: the purge's "now", so the cutoff is 90 days before it.
fn noon(day: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).expect("noon"))
}

async fn a_purged_organisation_keeps_its_backtest_to_the_cent(store: &Store) {
    // Sixty weeks ending on a Sunday; purged at 90 days, the cutoff is the Monday after the
    // backtest's cut, so the purged weeks are whole ISO weeks.
    let last = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
    assert_eq!(last.weekday(), Weekday::Sun);
    let first = last - Days::new(7 * 60 - 1);
    assert_eq!(first.weekday(), Weekday::Mon);
    let shop = org(store, "shop").await;
    import(store, shop, &uneven_rows(first, last), &[]).await;

    let whole = store.load_books(shop).await.expect("books");
    let expected = backtest_of(whole.clone()).expect("a year of books has a backtest");
    assert_eq!(expected.cut, last - Days::new(91));

    let outcome = purge_org(store, shop, noon(last)).await.expect("purge");
    assert_eq!(outcome.cutoff, retention_cutoff(noon(last), "UTC", 90));
    assert_eq!(outcome.cutoff, expected.cut + Days::new(1));
    let purged = store.load_books(shop).await.expect("books");
    assert!(
        purged.txns.iter().all(|t| t.date > expected.cut)
            && purged.txns.len() < whole.txns.len() / 3,
        "only the last 90 days stay raw"
    );
    assert!(
        !purged.week_rollups.is_empty(),
        "the purged weeks are kept as totals"
    );

    let after = backtest_of(purged).expect("the kept weekly totals give the 26 weeks");
    assert_eq!(
        after, expected,
        "every figure of the backtest is what it was"
    );
}

/// Eighteen months of a coffee roaster's books up to `last`, made as the demo makes them.
fn coffee_books(last: NaiveDate) -> GeneratedBooks {
    let config = GenConfig {
        months: Some(18),
        business_name: "Northwind Coffee Roasters".into(),
        profile: Profile::CoffeeRoaster,
        currency: Currency::USD,
        ..GenConfig::new(42, 12_000)
    };
    generate_ending(&config, last).expect("books")
}

async fn a_demo_like_organisation_gets_its_backtest_after_the_purge(store: &Store) {
    let last = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
    let books = coffee_books(last);
    let rows: Vec<NewTransaction> = books
        .transactions
        .iter()
        .enumerate()
        .map(|(i, t)| NewTransaction {
            account: t.account.to_string(),
            posted_on: t.date,
            amount_minor: t.amount_minor,
            currency: "USD".into(),
            original_amount_minor: t.amount_minor,
            original_currency: "USD".into(),
            counterparty: t.counterparty.to_string(),
            description: t.description.to_string(),
            category: t.category.to_string(),
            is_transfer: &*t.category == flowsense_core::books::TRANSFER_CATEGORY,
            external_id: format!("demo:{i}"),
        })
        .collect();
    let docs: Vec<NewDocument> = books
        .documents
        .iter()
        .map(|d| NewDocument {
            kind: d.kind,
            number: d.number.clone(),
            counterparty: d.counterparty.to_string(),
            issue_date: d.issue_date,
            due_date: d.due_date,
            paid_date: d.paid_date,
            amount_minor: d.amount_minor,
            currency: "USD".into(),
            external_id: format!("demo:{}:{}", d.kind.as_str(), d.number),
        })
        .collect();
    let roaster = org(store, "roaster").await;
    import(store, roaster, &rows, &docs).await;
    let whole = store.load_books(roaster).await.expect("books");
    let end = whole.txns.iter().map(|t| t.date).max().expect("rows");
    let expected = backtest_of(whole).expect("eighteen months have a backtest");

    purge_org(store, roaster, noon(end)).await.expect("purge");
    let after = backtest_of(store.load_books(roaster).await.expect("books"))
        .expect("the purge no longer takes the backtest away");

    // What happened is the same to the cent: each week's actual net flow, the ending cash, and
    // the naive forecast (the mean of the 13 purged weeks before the cut, whole weeks when the
    // cut is a Sunday).
    assert_eq!(after.cut, expected.cut);
    assert_eq!(after.actual_ending_cash, expected.actual_ending_cash);
    let actual = |b: &Backtest| {
        b.weeks
            .iter()
            .map(|w| (w.start, w.end, w.actual_net))
            .collect::<Vec<_>>()
    };
    assert_eq!(actual(&after), actual(&expected));
    if expected.cut.weekday() == Weekday::Sun {
        assert_eq!(after.naive_wape_bp, expected.naive_wape_bp);
        assert_eq!(
            after.naive_ending_cash_error,
            expected.naive_ending_cash_error
        );
    }
    // The forecast made at the cut saw weekly totals only: its recurring payments and invoice
    // receipts are then part of the baseline's streams rather than placed on their days. It is
    // still a forecast of the same books, and no worse than ten times the whole-books error.
    assert_eq!(after.weeks.len(), 13);
    let ours = after.forecast_wape_bp.expect("money moved");
    let was = expected.forecast_wape_bp.expect("money moved");
    assert!(
        ours < 10 * was.max(1_000),
        "WAPE {ours} bp after the purge, {was} bp before"
    );
    println!(
        "backtest before/after the purge: WAPE {was}/{ours} bp, ending cash error {}/{} minor units, naive WAPE {:?}/{:?} bp",
        expected.forecast_ending_cash_error,
        after.forecast_ending_cash_error,
        expected.naive_wape_bp,
        after.naive_wape_bp
    );
}

crate::on_both_backends!(
    a_purged_organisation_keeps_its_backtest_to_the_cent,
    a_demo_like_organisation_gets_its_backtest_after_the_purge
);
