//! `docs/data-classification.toml` classes every column of the schema: a column missing from
//! it, listed twice, or listed but no longer in the schema fails here. The SQLite catalog is read
//! after every migration; `postgres_wall` shows PostgreSQL has the same tables and columns but
//! for the search index, which the file lists per database.

use crate::support::{data_classification, search_index_columns};
use flowsense_test_support::TestDb;
use std::collections::{BTreeMap, BTreeSet};

const CLASSES: [&str; 5] = ["credential", "financial", "personal", "ai", "operational"];
const RULES: [&str; 5] = ["what", "encryption", "logging", "retention", "access"];

#[tokio::test]
async fn every_column_of_the_schema_is_classified_once() {
    let file = data_classification();

    // Each class states its rule for encryption, logging, retention and access.
    let classes = file["classes"].as_table().unwrap();
    assert_eq!(
        classes.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        CLASSES.into_iter().collect()
    );
    for (name, class) in classes {
        for rule in RULES {
            let text = class.get(rule).and_then(|v| v.as_str()).unwrap_or("");
            assert!(text.len() > 10, "class {name} states no {rule} rule");
        }
    }

    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    for (table, columns) in file["tables"].as_table().unwrap() {
        for (class, names) in columns.as_table().unwrap() {
            assert!(
                CLASSES.contains(&class.as_str()),
                "{table}: unknown class {class}"
            );
            for name in names.as_array().unwrap() {
                let column = format!("{table}.{}", name.as_str().unwrap());
                let earlier = listed.insert(column.clone(), class.clone());
                assert!(earlier.is_none(), "{column} is listed twice");
            }
        }
    }

    // The search index's columns are classed as a whole, per database.
    let index_class = file["search_index"]["class"].as_str().unwrap();
    assert!(CLASSES.contains(&index_class));
    for column in search_index_columns("sqlite") {
        let earlier = listed.insert(column.clone(), index_class.to_owned());
        assert!(earlier.is_none(), "{column} is listed twice");
    }

    let db = TestDb::sqlite().await;
    let schema: BTreeSet<String> = crate::support::sqlite_columns(&db.url)
        .await
        .into_iter()
        .collect();
    assert!(schema.len() > 300, "{} columns", schema.len());
    let unclassified: Vec<&String> = schema.iter().filter(|c| !listed.contains_key(*c)).collect();
    assert!(
        unclassified.is_empty(),
        "add these columns to docs/data-classification.toml: {unclassified:?}"
    );
    let gone: Vec<&String> = listed.keys().filter(|c| !schema.contains(*c)).collect();
    assert!(gone.is_empty(), "listed but not in the schema: {gone:?}");

    // The classes mean something: what is sealed or hashed is a credential, AI text or a
    // sealed part of the books, never "operational".
    // The audit chain's digests are the exception: hashes of what the audit table holds in the
    // clear, kept to detect tampering, not to hide a secret.
    let chain_digests = [
        "audit_events.prev_hash",
        "audit_events.row_hash",
        "audit_chains.head_hash",
        "audit_chains.anchor_hash",
    ];
    for (column, class) in &listed {
        if chain_digests.contains(&column.as_str()) {
            continue;
        }
        if column.ends_with("_enc") || column.ends_with("_hash") {
            assert_ne!(class, "operational", "{column}");
        }
    }
}
