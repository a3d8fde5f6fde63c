//! Importing a file through `imports::import_file` and reading the analysis, as
//! `flowsense import` does.

use flowsense_core::Currency;
use flowsense_core::analytics::RunwayStatus;
use flowsense_import::ImportOptions;
use flowsense_service::analysis::with_analysis;
use flowsense_service::analytics_cache::AnalyticsCache;
use flowsense_service::imports::{FileImport, ImportFailure, Quiet, file_sha256, import_file};
use flowsense_storage::{NewOrg, OrgSettings, Organisation, Store};
use std::path::Path;

/// Four months of one account: $10,000 raised in December, then $2,000 a month out.
pub(crate) const BOOKS: &str = "date,description,amount,account\n\
    2025-12-20,Seed round,10000.00,Operating\n\
    2026-01-15,Rent January,-2000.00,Operating\n\
    2026-02-15,Rent February,-2500.00,Operating\n\
    2026-02-20,Client payment,500.00,Operating\n\
    2026-03-15,Rent March,-2000.00,Operating\n\
    2026-04-15,Rent April,-2000.00,Operating\n";

/// Line 3 holds an amount that is not a number.
pub(crate) const BAD_AMOUNT: &str = "date,description,amount,account\n\
    2026-05-15,Rent May,-2000.00,Operating\n\
    2026-05-16,Coffee,twelve,Operating\n\
    2026-05-17,Never reached,-10.00,Operating\n";

/// Writes `text` as `name` in `folder` and imports it into `org`, as `flowsense import` does.
async fn import_text(
    store: &Store,
    org: &Organisation,
    folder: &Path,
    name: &str,
    text: &str,
) -> Result<flowsense_service::imports::FileImported, ImportFailure> {
    let path = folder.join(name);
    std::fs::write(&path, text).expect("write the file");
    let file = FileImport {
        path: &path,
        source_name: name.into(),
        file_name: name.into(),
        sha256: file_sha256(&path).expect("hash the file"),
        options: ImportOptions::new(Currency::USD),
        saved_mapping: flowsense_service::imports::SavedMapping::Use,
        documents: None,
        created_by: None,
        check_first: true,
        narrate: true,
    };
    import_file(store, org, file, &Quiet).await
}

async fn a_worker_imports_a_file_and_reads_its_analysis(store: &Store) {
    let cache = AnalyticsCache::default();
    let files = tempfile::tempdir().expect("temp dir");
    let [org, empty] = ["roastery", "bakery"].map(|slug| NewOrg {
        slug: slug.into(),
        name: format!("{slug} Ltd"),
        settings: OrgSettings::with_currency(Currency::USD),
    });
    let org = store.create_org(&org).await.expect("create org");

    let done = import_text(store, &org, files.path(), "bank.csv", BOOKS)
        .await
        .expect("the file is imported");
    assert_eq!(done.format, "statement");
    assert_eq!(done.summary.rows_read, 6);
    assert_eq!(done.summary.rows_added, 6);

    let org = store.org(org.id).await.expect("the organisation");
    let (cashflow, runway) = with_analysis(store, &cache, &org, |a| {
        (a.cashflow().total, a.runway().clone())
    })
    .await
    .expect("the analysis");
    assert_eq!(cashflow.inflow, 1_050_000);
    assert_eq!(cashflow.outflow, -850_000);
    assert_eq!(cashflow.net, 200_000);
    assert_eq!(cashflow.count, 6);
    assert_eq!(runway.as_of.to_string(), "2026-04-15");
    assert_eq!(runway.cash_now, 200_000);
    let nets: Vec<i64> = runway.months.iter().map(|m| m.net).collect();
    assert_eq!(nets, [-200_000, -200_000, -200_000], "January to March");
    match runway.status {
        RunwayStatus::Burning {
            average_monthly_burn,
            months_of_runway,
            ..
        } => {
            assert_eq!(average_monthly_burn, 200_000);
            assert!((months_of_runway - 1.0).abs() < 1e-9, "{months_of_runway}");
        }
        other => panic!("expected a burning runway, got {other:?}"),
    }
    assert_eq!(cache.loads(), 1, "the books were loaded once");

    // A file refused at line 3 keeps nothing, not even its good line 2.
    let version = org.books_version;
    let refused = import_text(store, &org, files.path(), "may.csv", BAD_AMOUNT).await;
    match refused {
        Err(ImportFailure::Refused(e)) => {
            assert_eq!(e.line, 3);
            assert!(e.to_string().contains("bad amount"), "{e}");
        }
        other => panic!("expected a refusal at line 3, got {other:?}"),
    }
    assert_eq!(store.count_transactions(org.id).await.expect("count"), 6);
    let org = store.org(org.id).await.expect("the organisation");
    assert_eq!(org.books_version, version, "the books did not move on");
    let cash_now = with_analysis(store, &cache, &org, |a| a.runway().cash_now)
        .await
        .expect("the analysis");
    assert_eq!(cash_now, 200_000);
    assert_eq!(cache.loads(), 1, "the cached analysis still holds");

    let empty = store.create_org(&empty).await.expect("create org");
    let refused = import_text(store, &empty, files.path(), "may.csv", BAD_AMOUNT).await;
    assert!(matches!(refused, Err(ImportFailure::Refused(_))));
    assert_eq!(store.count_transactions(empty.id).await.expect("count"), 0);
}

crate::on_both_backends!(a_worker_imports_a_file_and_reads_its_analysis);
