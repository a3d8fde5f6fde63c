use super::*;
use crate::quickbooks::model::ExchangeRate;
use chrono::{TimeZone, Utc};
use flowsense_core::Currency;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).expect("date")
}

fn account(id: &str, name: &str, account_type: &str) -> Record {
    Record::Account(AccountRecord {
        provider_id: id.into(),
        name: name.into(),
        account_type: account_type.into(),
        classification: None,
        currency: Currency::USD,
        current_balance: None,
        active: true,
        updated_at: None,
    })
}

fn txn(entity: EntityType, id: &str, postings: &[(&str, i64)]) -> TxnRecord {
    TxnRecord {
        entity,
        provider_id: id.into(),
        sync_token: Some("0".into()),
        state: RecordState::Active,
        updated_at: Some(
            Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0)
                .single()
                .expect("t"),
        ),
        date: Some(day(5)),
        due_date: None,
        doc_number: None,
        counterparty: Some("Acme".into()),
        total: Money::new(
            postings.iter().map(|p| p.1.abs()).max().unwrap_or(0),
            Currency::USD,
        ),
        open_balance: None,
        exchange_rate: None,
        postings: postings
            .iter()
            .map(|(a, m)| Posting {
                account_id: (*a).into(),
                amount_minor: *m,
            })
            .collect(),
        category: None,
        memo: Some("memo".into()),
        settles: Vec::new(),
    }
}

fn chart() -> BookMapper {
    let mut m = BookMapper::new();
    let changes = m.map(&[
        account("1", "Checking", "Bank"),
        account("2", "Visa", "Credit Card"),
        account("3", "Stripe Clearing", "Other Current Asset"),
        account("9", "Bank Fees", "Expense"),
    ]);
    assert_eq!(changes.len(), 2, "only bank and card accounts: {changes:?}");
    m
}

fn movements(change: &BookChange) -> &[CashMovement] {
    match change {
        BookChange::Movements { movements, .. } => movements,
        other => panic!("not movements: {other:?}"),
    }
}

#[test]
fn purchases_move_money_in_their_account_and_ignore_other_postings() {
    let mut m = chart();
    let mut p = txn(EntityType::Purchase, "123", &[("1", -1_999)]);
    p.category = Some("Supplies".into());
    let changes = m.map(&[Record::Txn(p)]);
    let ms = movements(&changes[0]);
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0].source_id, "Purchase:123");
    assert_eq!(ms[0].provider_id, "Purchase:123:1");
    assert_eq!(ms[0].amount, Money::new(-1_999, Currency::USD));
    assert_eq!(
        (ms[0].category.as_str(), ms[0].is_transfer),
        ("Supplies", false)
    );
    assert_eq!(ms[0].counterparty, "Acme");

    // A journal entry against a bank and an expense: one movement, the expense as category.
    let je = txn(EntityType::JournalEntry, "124", &[("1", -500), ("9", 500)]);
    let changes = m.map(&[Record::Txn(je)]);
    let ms = movements(&changes[0]);
    assert_eq!(ms.len(), 1);
    assert_eq!(
        (ms[0].amount.minor, ms[0].category.as_str()),
        (-500, "Bank Fees")
    );
}

#[test]
fn transfers_between_money_accounts_are_transfers_and_to_other_accounts_are_not() {
    let mut m = chart();
    let t = txn(EntityType::Transfer, "77", &[("1", -10_000), ("2", 10_000)]);
    let changes = m.map(&[Record::Txn(t)]);
    let ms = movements(&changes[0]);
    assert_eq!(ms.len(), 2);
    assert!(
        ms.iter()
            .all(|x| x.is_transfer && x.category == TRANSFER_CATEGORY)
    );
    assert_eq!(ms.iter().map(|x| x.amount.minor).sum::<i64>(), 0);
    assert_eq!(ms[0].provider_id, "Transfer:77:1");
    assert_eq!(ms[1].provider_id, "Transfer:77:2");

    let t = txn(EntityType::Transfer, "78", &[("1", -2_500), ("3", 2_500)]);
    let changes = m.map(&[Record::Txn(t)]);
    let ms = movements(&changes[0]);
    assert_eq!(ms.len(), 1);
    assert!(!ms[0].is_transfer);
    assert_eq!(ms[0].category, "Stripe Clearing");
}

#[test]
fn voids_move_nothing_and_deletions_remove() {
    let mut m = chart();
    let mut v = txn(EntityType::Deposit, "5", &[("1", 0)]);
    v.state = RecordState::Voided;
    let deleted = Record::Deleted {
        entity: EntityType::Purchase,
        provider_id: "6".into(),
        updated_at: None,
    };
    let changes = m.map(&[Record::Txn(v), deleted]);
    assert_eq!(
        changes,
        vec![
            BookChange::Movements {
                source_id: "Deposit:5".into(),
                movements: Vec::new()
            },
            BookChange::Removed {
                source_id: "Purchase:6".into()
            }
        ]
    );
    let mut inv = txn(EntityType::Invoice, "7", &[]);
    inv.state = RecordState::Voided;
    assert_eq!(
        m.map(&[Record::Txn(inv)]),
        vec![BookChange::Removed {
            source_id: "Invoice:7".into()
        }]
    );
}

#[test]
fn documents_are_paid_on_the_settling_payments_date_else_their_last_update() {
    let mut m = chart();
    let mut pay = txn(EntityType::Payment, "40", &[("1", 12_000)]);
    pay.date = Some(day(9));
    pay.settles = vec!["30".into()];
    let payment = m.map(&[Record::Txn(pay)]);
    assert_eq!(movements(&payment[0])[0].category, "Payment");

    let mut paid = txn(EntityType::Invoice, "30", &[]);
    paid.total = Money::new(12_000, Currency::USD);
    paid.open_balance = Some(Money::new(0, Currency::USD));
    paid.doc_number = Some("INV-30".into());
    paid.due_date = Some(day(20));
    let mut other = paid.clone();
    other.provider_id = "31".into();
    let mut open = paid.clone();
    open.provider_id = "32".into();
    open.open_balance = Some(Money::new(500, Currency::USD));
    open.exchange_rate = Some(ExchangeRate {
        mantissa: 11,
        scale: 1,
    });
    let changes = m.map(&[Record::Txn(paid), Record::Txn(other), Record::Txn(open)]);
    let docs: Vec<&Document> = changes
        .iter()
        .map(|c| match c {
            BookChange::Document(d) => d,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(docs[0].provider_id, "Invoice:30");
    assert_eq!(docs[0].kind, DocKind::Invoice);
    assert_eq!(docs[0].number, "INV-30");
    assert_eq!((docs[0].issue_date, docs[0].due_date), (day(5), day(20)));
    assert_eq!(docs[0].paid_date, Some(day(9)));
    assert_eq!(docs[1].paid_date, Some(day(20)), "the last update's date");
    assert_eq!(docs[2].paid_date, None);
    assert_eq!(
        docs[2].rate,
        Some(Rate {
            mantissa: 11,
            scale: 1
        })
    );
}
