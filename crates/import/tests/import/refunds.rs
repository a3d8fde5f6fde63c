//! Refunds in a payments export: a refunded or partly refunded payment imports as its sale,
//! its fee and the refund, each with a reference of its own that the next read of the same
//! file gives again (so a re-import adds nothing); a refund larger than the payment is refused.

use crate::{date, opts};
use flowsense_import::{CsvImporter, ErrorReason, FEE_CATEGORY, ImportNotes, ImportedTxn};

const HEADER: &str = "id,Description,Created (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Amount Refunded,Fee,Tax,Converted Currency,Mode,Status,Customer Description";

fn read(rows: &str) -> Result<(Vec<ImportedTxn>, ImportNotes), flowsense_import::ImportError> {
    let text = format!("{HEADER}\n{rows}");
    let mut importer = CsvImporter::new(text.as_bytes(), opts())?;
    let txns = importer.by_ref().collect::<Result<Vec<_>, _>>()?;
    Ok((txns, importer.notes().clone()))
}

#[test]
fn a_partly_refunded_payment_is_the_sale_its_fee_and_the_refund() {
    let (rows, notes) = read(
        "ch_1,Order 7,2024-05-07 16:40:02,120.00,40.00,usd,120.00,40.00,3.78,0.00,usd,Live,Paid,Blue Door\n",
    )
    .unwrap();
    let amounts: Vec<i64> = rows.iter().map(|t| t.amount_minor).collect();
    assert_eq!(amounts, vec![12_000, -378, -4_000]);
    let refs: Vec<&str> = rows.iter().map(|t| t.reference.as_str()).collect();
    assert_eq!(refs, vec!["ch_1", "ch_1:fee", "ch_1:refund"]);
    let refund = &rows[2];
    assert_eq!(refund.date, date(2024, 5, 7), "dated with the payment");
    assert_eq!(refund.description, "Refund: Order 7");
    assert_eq!(refund.counterparty, rows[0].counterparty);
    assert_ne!(refund.category, FEE_CATEGORY);
    assert_eq!(notes.layout, "Stripe payments");
    assert_eq!((notes.fee_rows, notes.refund_rows), (1, 1));
    assert!(
        notes
            .lines()
            .iter()
            .any(|l| l.starts_with("Wrote 1 refund(s) as their own rows")),
        "{:?}",
        notes.lines()
    );
}

#[test]
fn a_wholly_refunded_payment_nets_to_minus_its_fee_and_failed_ones_stay_out() {
    let (rows, notes) = read(
        "ch_2,Order 8,2024-05-08 11:03:19,99.99,99.99,usd,99.99,99.99,3.20,0.00,usd,Live,Refunded,Corner Shop\n\
         ch_3,Order 9,2024-05-08 12:20:55,60.00,0.00,usd,60.00,0.00,0.00,0.00,usd,Live,Failed,Old Mill\n\
         ch_4,Order 10,2024-05-09 08:55:31,1200.00,0.00,usd,1200.00,0.00,35.10,0.00,usd,Live,Paid,Grocers\n",
    )
    .unwrap();
    let amounts: Vec<i64> = rows.iter().map(|t| t.amount_minor).collect();
    assert_eq!(amounts, vec![9_999, -320, -9_999, 120_000, -3_510]);
    assert_eq!(amounts[..3].iter().sum::<i64>(), -320, "only the fee stays");
    assert_eq!(notes.refund_rows, 1);
    assert_eq!(notes.rows_skipped(), 1, "the failed payment");
}

#[test]
fn reading_the_same_file_again_gives_the_same_references() {
    let rows = "ch_5,Order 11,2024-05-10 10:00:00,50.00,10.00,usd,50.00,10.00,1.75,0.00,usd,Live,Paid,Ann\n\
                ch_6,Order 12,2024-05-10 11:00:00,50.00,50.00,usd,50.00,50.00,1.75,0.00,usd,Live,Refunded,Bob\n";
    let refs = || -> Vec<String> {
        read(rows)
            .unwrap()
            .0
            .into_iter()
            .map(|t| t.reference)
            .collect()
    };
    let first = refs();
    assert_eq!(first, refs());
    let mut unique = first.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), first.len(), "every row has its own reference");
    assert_eq!(first.len(), 6);
}

#[test]
fn a_refund_larger_than_the_payment_is_refused_without_amounts() {
    let err = read(
        "ch_1,Order 1,2024-05-07 10:00:00,20.00,0.00,usd,20.00,0.00,0.88,0.00,usd,Live,Paid,Ann\n\
         ch_7,Order 13,2024-05-11 10:00:00,20.00,25.00,usd,20.00,25.00,0.88,0.00,usd,Live,Refunded,Cy\n",
    )
    .unwrap_err();
    assert_eq!(err.line, 3);
    assert_eq!(err.reason, ErrorReason::RefundExceedsPayment);
    assert!(!err.to_string().contains("25.00"), "no amounts in errors");
}

#[test]
fn an_unreadable_refund_amount_is_refused() {
    let err = read(
        "ch_8,Order 14,2024-05-12 10:00:00,20.00,lots,usd,20.00,0.00,0.88,0.00,usd,Live,Paid,Di\n",
    )
    .unwrap_err();
    assert_eq!(err.line, 2);
    assert!(matches!(err.reason, ErrorReason::BadAmount { .. }), "{err}");
}

#[test]
fn an_export_that_only_flags_refunds_gives_back_the_whole_payment() {
    let text = "Date,Description,Amount,Refunded\n2024-05-01,Sale 1,30.00,false\n2024-05-02,Sale 2,45.50,true\n";
    let mut importer = CsvImporter::new(text.as_bytes(), opts()).unwrap();
    let rows = importer.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    let amounts: Vec<i64> = rows.iter().map(|t| t.amount_minor).collect();
    assert_eq!(amounts, vec![3_000, 4_550, -4_550]);
    assert!(rows[2].reference.ends_with(":refund"));
}
