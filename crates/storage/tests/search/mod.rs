//! Word search over transactions (`TxnFilter::text`): whole words, `word*` prefixes ranked
//! after whole-word matches, operators read as plain words, one organisation's rows only, and
//! an index that follows corrections, rules and deletions.

use super::*;
use flowsense_storage::search_index::{INLINE_ROWS, SEARCH_INDEX_KIND};
use flowsense_storage::{Correction, NewRule, StoredTransaction};

fn row(n: u32, counterparty: &str, description: &str, category: &str) -> NewTransaction {
    NewTransaction {
        description: description.into(),
        category: category.into(),
        ..txn(n, "Operating", -10_000 - i64::from(n), counterparty)
    }
}

/// The books the searches below look in: rent payments, car rentals and the rest.
fn books() -> Vec<NewTransaction> {
    let mut rows = Vec::new();
    for n in 0..5 {
        rows.push(row(n, "Harbour Properties", "Monthly rent", "Rent"));
    }
    for n in 5..20 {
        rows.push(row(n, "Car Rental Co", "Van hire", "Travel"));
    }
    rows.push(row(20, "Landlord", "Office rent March", "Premises"));
    rows.push(row(21, "Café Noir", "Coffee beans", "Supplies"));
    rows.push(NewTransaction {
        // The hash an import makes up for a row without a reference is not a word to find.
        external_id: "fs:0123abcd".into(),
        ..row(22, "=HYPERLINK(\"x\")", "NEAR quote \"rent\"", "Other")
    });
    rows
}

async fn search(s: &Store, org: OrgId, q: &str, limit: u32) -> Vec<StoredTransaction> {
    s.list_transactions(
        org,
        &TxnFilter {
            text: Some(q.into()),
            limit,
            ..TxnFilter::default()
        },
    )
    .await
    .unwrap()
    .items
}

async fn counterparties(s: &Store, org: OrgId, q: &str) -> Vec<String> {
    let mut names: Vec<String> = search(s, org, q, 500)
        .await
        .into_iter()
        .map(|t| t.counterparty)
        .collect();
    names.dedup();
    names
}

async fn words_match_whole_and_prefixes_rank_after(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "alpha").await;
    import(s, a, &books()).await;

    // `rent` is a word: rent payments, never "Car Rental".
    let found = search(s, a, "rent", 500).await;
    assert_eq!(found.len(), 7);
    assert!(found.iter().all(|t| !t.counterparty.contains("Rental")));
    assert!(found.windows(2).all(|w| w[0].posted_on >= w[1].posted_on));
    // Case, accents on neither side, and every word required.
    assert_eq!(search(s, a, "RENT", 500).await.len(), 7);
    assert_eq!(counterparties(s, a, "office rent").await, ["Landlord"]);
    assert_eq!(counterparties(s, a, "premises").await, ["Landlord"]);
    assert_eq!(counterparties(s, a, "car rental").await, ["Car Rental Co"]);
    assert!(search(s, a, "ren", 500).await.is_empty(), "not a substring");
    // The file's own reference is found; a made-up one is not.
    assert_eq!(search(s, a, "ext 7", 500).await.len(), 1);
    assert!(search(s, a, "fs", 500).await.is_empty());
    assert!(search(s, a, "0123abcd", 500).await.is_empty());

    // `rent*` adds the rentals, after every whole-word match.
    let found = search(s, a, "rent*", 500).await;
    assert_eq!(found.len(), 22);
    let (whole, prefix) = found.split_at(7);
    assert!(whole.iter().all(|t| !t.counterparty.contains("Rental")));
    assert!(prefix.iter().all(|t| t.counterparty == "Car Rental Co"));
    assert!(prefix.windows(2).all(|w| w[0].posted_on >= w[1].posted_on));

    // Paging through a ranked search visits each row once, in the same order.
    let mut paged = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .list_transactions(
                a,
                &TxnFilter {
                    text: Some("rent*".into()),
                    cursor,
                    limit: 3,
                    ..TxnFilter::default()
                },
            )
            .await
            .unwrap();
        paged.extend(page.items.iter().map(|t| t.id));
        match page.next_cursor {
            Some(c) => cursor = Some(TxnCursor::decode(&c).unwrap()),
            None => break,
        }
    }
    assert_eq!(paged, found.iter().map(|t| t.id).collect::<Vec<_>>());
}

async fn search_text_is_never_query_syntax(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "alpha").await;
    import(s, a, &books()).await;
    let hostile = [
        "\"",
        "rent\"",
        "\"rent\" OR \"car\"",
        "rent OR car",
        "NEAR(rent car)",
        "description:rent",
        "{description counterparty}: rent",
        "-rent",
        "rent -car",
        "rent AND NOT car",
        "^rent",
        "rent:*",
        "'rent' | 'car'",
        "'); DROP TABLE transactions; --",
        "\\'",
        "*",
        "rent\u{0}car",
    ];
    for q in hostile {
        let found = search(s, a, q, 500).await;
        assert!(found.len() <= 7, "{q:?} found {}", found.len());
        assert!(
            found.iter().all(|t| !t.counterparty.contains("Rental")),
            "{q:?}"
        );
    }
    // Operators are words: "NEAR" is found where it is written.
    assert_eq!(counterparties(s, a, "near").await, ["=HYPERLINK(\"x\")"]);
    assert_eq!(search(s, a, "-rent", 500).await.len(), 7);
    assert!(search(s, a, "rent OR car", 500).await.is_empty());
    // A huge text is bounded work, not an error.
    let huge = "rent ".repeat(200_000);
    assert_eq!(search(s, a, &huge, 500).await.len(), 7);
    let many: String = (0..50_000).map(|n| format!("w{n} ")).collect();
    assert!(search(s, a, &many, 500).await.is_empty());
    assert_eq!(s.count_transactions(a).await.unwrap(), 23);
}

async fn another_organisations_rows_are_never_found(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (org(s, "alpha").await, org(s, "bravo").await);
    import(s, a, &books()).await;
    let theirs: Vec<_> = (0..30)
        .map(|n| row(100 + n, "Secret Landlord", "Monthly rent", "Rent"))
        .collect();
    import(s, b, &theirs).await;
    for q in ["rent", "rent*", "secret", "landlord", "monthly rent"] {
        let found = search(s, a, q, 500).await;
        assert!(
            found.iter().all(|t| t.counterparty != "Secret Landlord"),
            "{q}"
        );
    }
    assert_eq!(search(s, b, "rent", 500).await.len(), 30);
    assert!(search(s, b, "harbour", 500).await.is_empty());
}

async fn the_index_follows_corrections_rules_and_deletions(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "alpha").await;
    import(s, a, &books()).await;
    let cafe = search(s, a, "coffee", 1).await[0].id;
    // Accents are folded on SQLite and kept on PostgreSQL ('simple'); the exact word works on both.
    assert_eq!(search(s, a, "café", 500).await.len(), 1);

    // A corrected category and name are found; the old category is not.
    s.correct_transaction(
        a,
        cafe,
        &Correction {
            category: Some("Hospitality".into()),
            counterparty: Some("Blue Bottle".into()),
            class: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(counterparties(s, a, "hospitality").await, ["Blue Bottle"]);
    assert_eq!(counterparties(s, a, "bottle").await, ["Blue Bottle"]);
    assert_eq!(
        counterparties(s, a, "noir").await,
        ["Blue Bottle"],
        "the source's name still finds it"
    );
    assert!(search(s, a, "supplies", 500).await.is_empty());
    // Undoing the correction puts the source's values back.
    s.correct_transaction(a, cafe, &Correction::default())
        .await
        .unwrap();
    assert_eq!(counterparties(s, a, "supplies").await, ["Café Noir"]);
    assert!(search(s, a, "bottle", 500).await.is_empty());

    // A rule applied to the past renames every row of the counterparty in the index too.
    s.save_rule(
        a,
        &NewRule {
            counterparty: "Car Rental Co".into(),
            category: Some("Vehicles".into()),
            counterparty_name: Some("Fleet Partner".into()),
            class: None,
            apply_to_past: true,
            created_by: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(search(s, a, "vehicles fleet", 500).await.len(), 15);
    assert!(search(s, a, "travel", 500).await.is_empty());

    // Deleting the organisation takes its rows out of the index: a new organisation's rows,
    // which may reuse the same ids, are found only by their own words.
    s.delete_org(a).await.unwrap();
    let b = org(s, "bravo").await;
    let fresh: Vec<_> = (0..23)
        .map(|n| row(n, "Printer", "Toner", "Office"))
        .collect();
    import(s, b, &fresh).await;
    assert!(search(s, b, "rent*", 500).await.is_empty());
    assert!(search(s, b, "vehicles", 500).await.is_empty());
    assert_eq!(search(s, b, "toner", 500).await.len(), 23);
}

async fn waiting(s: &Store, org: OrgId, q: &str) -> i64 {
    s.list_transactions(
        org,
        &TxnFilter {
            text: Some(q.into()),
            limit: 1,
            ..TxnFilter::default()
        },
    )
    .await
    .unwrap()
    .search_waiting
}

/// Rows `first..first + n` of a bulk delivery: "Paper batch {k}", filed under Office.
fn paper(first: u32, n: u32) -> Vec<NewTransaction> {
    (first..first + n)
        .map(|k| row(k, "Bulk Paper Co", &format!("Paper batch {k}"), "Office"))
        .collect()
}

async fn a_large_import_is_searchable_once_the_job_has_indexed_it(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (org(s, "alpha").await, org(s, "bravo").await);
    // Up to INLINE_ROWS new rows are indexed before the import commits.
    import(s, a, &books()).await;
    assert_eq!(search(s, a, "rent", 500).await.len(), 7);
    assert_eq!(waiting(s, a, "rent").await, 0);

    // More wait for the job, which the import queued: a search says how many it may miss.
    let big = u32::try_from(INLINE_ROWS).unwrap() + 1;
    assert_eq!(import(s, a, &paper(1_000, big)).await, u64::from(big));
    import(s, b, &paper(1_000, big)).await;
    assert!(search(s, a, "paper", 500).await.is_empty());
    assert_eq!(waiting(s, a, "paper").await, i64::from(big));
    assert_eq!(
        search(s, a, "rent", 500).await.len(),
        7,
        "older rows stay found"
    );
    let queued = s
        .claim_jobs_across_orgs(
            "test",
            10,
            chrono::TimeDelta::minutes(1),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let kinds: Vec<_> = queued
        .iter()
        .filter(|j| j.kind == SEARCH_INDEX_KIND)
        .map(|j| j.org())
        .collect();
    assert_eq!(kinds.len(), 2, "one job per organisation: {kinds:?}");
    assert!(kinds.contains(&Some(a)) && kinds.contains(&Some(b)));

    // A row corrected while it waits is indexed as it is when the job reaches it.
    let pending = s
        .list_transactions(
            a,
            &TxnFilter {
                counterparty: Some("Bulk Paper Co".into()),
                limit: 1,
                ..TxnFilter::default()
            },
        )
        .await
        .unwrap()
        .items[0]
        .id;
    s.correct_transaction(
        a,
        pending,
        &Correction {
            category: Some("Stationery".into()),
            counterparty: None,
            class: None,
        },
    )
    .await
    .unwrap();
    // Deleting an organisation with rows still waiting leaves the index sound for the others.
    s.delete_org(b).await.unwrap();

    // The job takes the backlog in by chunks; a second run finds nothing left. (PostgreSQL's
    // trigger wrote the corrected row's document already, so the job had one fewer to write.)
    let by_trigger = u64::from(s.backend() == flowsense_storage::Backend::Postgres);
    assert_eq!(
        s.index_search_backlog(a).await.unwrap(),
        u64::from(big) - by_trigger
    );
    assert_eq!(s.index_search_backlog(a).await.unwrap(), 0);
    assert_eq!(waiting(s, a, "paper").await, 0);
    assert_eq!(search(s, a, "paper", 500).await.len(), 500);
    let last = 1_000 + big - 1;
    assert_eq!(search(s, a, &format!("batch {last}"), 500).await.len(), 1);
    let corrected = search(s, a, "stationery", 500).await;
    assert_eq!(
        corrected.iter().map(|t| t.id).collect::<Vec<_>>(),
        [pending]
    );
    assert_eq!(search(s, a, "rent", 500).await.len(), 7);
    // Rows indexed by the job follow corrections like any other.
    s.correct_transaction(a, pending, &Correction::default())
        .await
        .unwrap();
    assert!(search(s, a, "stationery", 500).await.is_empty());
    assert_eq!(search(s, a, "bulk paper office", 2).await.len(), 2);
}

crate::on_both_backends!(
    a_large_import_is_searchable_once_the_job_has_indexed_it,
    words_match_whole_and_prefixes_rank_after,
    search_text_is_never_query_syntax,
    another_organisations_rows_are_never_found,
    the_index_follows_corrections_rules_and_deletions,
);
