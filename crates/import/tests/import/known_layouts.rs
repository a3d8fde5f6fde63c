//! Exports recognised by their header or their values: processor fees split into their own
//! rows, unfinished rows left out and counted, files without a header, lines before the
//! header, and the day/month order a file cannot settle.

use crate::{date, opts};
use flowsense_core::books::TRANSFER_CATEGORY;
use flowsense_import::{
    CsvImporter, DateFormat, ErrorReason, FEE_CATEGORY, ImportNotes, ImportOptions, ImportedTxn,
    Skip, SlashOrder,
};

/// The rows and the notes of a file, or its refusal.
fn read(text: &str, opts: ImportOptions) -> Result<(Vec<ImportedTxn>, ImportNotes), String> {
    let mut importer = CsvImporter::new(text.as_bytes(), opts).map_err(|e| e.to_string())?;
    let rows = importer
        .by_ref()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok((rows, importer.notes().clone()))
}

const STRIPE: &str = "id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Available On (UTC),Description\n\
txn_1,charge,ch_1,100.00,3.20,96.80,usd,2024-03-01 10:15,2024-03-05 00:00,Invoice 1\n\
txn_2,refund,re_1,-20.00,0.00,-20.00,usd,2024-03-02 09:00,2024-03-02 09:00,Refund\n\
txn_3,payout,po_1,-76.80,0.00,-76.80,usd,2024-03-06 00:00,2024-03-06 00:00,STRIPE PAYOUT\n";

#[test]
fn stripe_gross_becomes_the_sale_the_fee_a_cost_and_the_payout_a_transfer() {
    let (rows, notes) = read(STRIPE, opts()).unwrap();
    let amounts: Vec<i64> = rows.iter().map(|t| t.amount_minor).collect();
    assert_eq!(amounts, vec![10_000, -320, -2_000, -7_680]);
    assert_eq!(rows[0].date, date(2024, 3, 1), "Created, not Available On");
    assert_eq!(rows[0].reference, "txn_1");
    assert_eq!(rows[1].reference, "txn_1:fee");
    assert_eq!(rows[1].category, FEE_CATEGORY);
    assert_eq!(rows[1].counterparty, "Stripe");
    assert_eq!(rows[1].description, "Fee: Invoice 1");
    assert_eq!(rows[3].category, TRANSFER_CATEGORY);
    assert_eq!(
        amounts.iter().sum::<i64>(),
        0,
        "the net of a balance that was paid out"
    );
    assert_eq!(notes.layout, "Stripe balance history");
    assert_eq!(notes.fee_rows, 1);
    assert!(
        notes.columns.contains("date=Created (UTC)"),
        "{}",
        notes.columns
    );
}

#[test]
fn fee_rows_without_their_own_id_keep_the_same_reference_on_every_read() {
    let text = "Date,Description,Gross,Fee,Net\n2024-03-01,Sale,10.00,0.59,9.41\n2024-03-01,Sale,10.00,0.59,9.41\n";
    let refs = || -> Vec<String> {
        read(text, opts())
            .unwrap()
            .0
            .into_iter()
            .map(|t| t.reference)
            .collect()
    };
    let first = refs();
    assert_eq!(first, refs());
    assert_eq!(first.len(), 4);
    assert!(first[1].ends_with(":fee") && first[3].ends_with(":fee"));
    let mut unique = first;
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4, "two identical sales keep two fee rows");
}

#[test]
fn gross_fee_and_net_must_add_up() {
    let text = "Date,Description,Gross,Fee,Net\n2024-03-01,Sale,10.00,0.59,9.41\n2024-03-02,Sale,10.00,0.59,9.50\n";
    let err = CsvImporter::new(text.as_bytes(), opts())
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_eq!(err.line, 3);
    assert_eq!(err.reason, ErrorReason::FeeMismatch);
    assert!(!err.to_string().contains("9.50"), "no amounts in errors");
}

#[test]
fn paypal_keeps_completed_rows_and_counts_the_others() {
    let text = "\"Date\",\"Time\",\"TimeZone\",\"Name\",\"Type\",\"Status\",\"Currency\",\"Gross\",\"Fee\",\"Net\",\"Transaction ID\"\n\
\"01/13/2024\",\"10:00:00\",\"PST\",\"Ann\",\"Express Checkout Payment\",\"Completed\",\"USD\",\"100.00\",\"-3.20\",\"96.80\",\"A1\"\n\
\"01/14/2024\",\"10:00:00\",\"PST\",\"Bob\",\"Payment Refund\",\"Completed\",\"USD\",\"-20.00\",\"0.58\",\"-19.42\",\"A2\"\n\
\"01/15/2024\",\"10:00:00\",\"PST\",\"\",\"General Withdrawal\",\"Completed\",\"USD\",\"-50.00\",\"0.00\",\"-50.00\",\"A3\"\n\
\"01/16/2024\",\"10:00:00\",\"PST\",\"Cy\",\"Express Checkout Payment\",\"Pending\",\"USD\",\"60.00\",\"-2.14\",\"57.86\",\"A4\"\n\
\"01/17/2024\",\"10:00:00\",\"PST\",\"Di\",\"Express Checkout Payment\",\"Denied\",\"USD\",\"9.00\",\"-0.56\",\"8.44\",\"A5\"\n\
\"01/18/2024\",\"10:00:00\",\"PST\",\"Ed\",\"Express Checkout Payment\",\"Pending\",\"USD\",\"1.00\",\"-0.33\",\"0.67\",\"A6\"\n";
    let (rows, notes) = read(text, opts()).unwrap();
    let amounts: Vec<i64> = rows.iter().map(|t| t.amount_minor).collect();
    assert_eq!(amounts, vec![10_000, -320, -2_000, 58, -5_000]);
    assert_eq!(rows[0].counterparty, "Ann");
    assert_eq!(rows[3].reference, "A2:fee");
    assert_eq!(rows[4].category, TRANSFER_CATEGORY);
    assert_eq!(notes.layout, "PayPal activity");
    assert_eq!(notes.rows_skipped(), 3);
    assert_eq!(notes.skipped[&Skip::Status("Pending".into())], 2);
    assert!(
        notes
            .lines()
            .iter()
            .any(|l| l == "Skipped 3 row(s): status Denied (1), status Pending (2)"),
        "{:?}",
        notes.lines()
    );
}

#[test]
fn a_file_without_a_header_is_read_by_its_values_and_says_so() {
    let text = "03/05/2024,\"-12.50\",\"CAFE ON COLLINS\",\"+4987.50\"\n14/05/2024,\"+2500.00\",\"ACME PTY LTD\",\"+7487.50\"\n";
    let (rows, notes) = read(text, opts()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].line, 1, "the first line is a row");
    assert_eq!(rows[0].date, date(2024, 5, 3), "14/05 proves day-first");
    assert_eq!(rows[0].amount_minor, -1250, "the amount, not the balance");
    assert_eq!(rows[1].description, "ACME PTY LTD");
    assert_eq!(
        notes.layout,
        "no header row: columns guessed from the values"
    );
    assert_eq!(
        notes.columns,
        "date=column 1, amount=column 2, description=column 3"
    );
}

#[test]
fn a_file_without_a_header_is_refused_at_the_first_row_its_guess_does_not_fit() {
    // The guess is made on the first 50 rows; a later row that does not fit is refused.
    let mut text = String::new();
    for day in 1..=50 {
        text.push_str(&format!("2024-05-{:02},-12.50,Cafe\n", day % 28 + 1));
    }
    text.push_str("2024-06-01,twelve,Shop\n");
    let err = read(&text, opts()).unwrap_err();
    assert!(err.starts_with("books.csv:51: bad amount"), "{err}");
    let no_amount = read("2024-05-03,Cafe\n2024-05-04,Shop\n", opts()).unwrap_err();
    assert!(no_amount.contains("name them with --map"), "{no_amount}");
}

#[test]
fn lines_before_the_header_are_passed_over_and_counted() {
    let text = "Account statement\n\"Account:\";\"DE12 3456\"\n\n\"Buchungstag\";\"Verwendungszweck\";\"Betrag (EUR)\"\n\
\"15.03.2024\";\"Miete\";\"-1.250,00\"\n\"Anfangssaldo\";\"\";\"4.000,00\"\n";
    let (rows, notes) = read(
        text,
        ImportOptions::new(flowsense_core::money::Currency::EUR),
    )
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].amount_minor, -125_000);
    assert_eq!(rows[0].line, 5);
    assert_eq!(notes.preamble_lines, 2);
    assert_eq!(notes.layout, "German bank statement");
    assert_eq!(notes.skipped[&Skip::BalanceLine], 1);
}

#[test]
fn a_header_never_found_is_refused_at_the_first_line() {
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("note {i},x\n"));
    }
    let err = read(&text, opts()).unwrap_err();
    assert!(
        err.starts_with("books.csv:1: no header line names the date"),
        "{err}"
    );
}

#[test]
fn a_day_month_order_no_row_settles_follows_the_organisation_and_is_said() {
    let text = "Date,Description,Amount\n03/04/2024,a,1.00\n05/06/2024,b,2.00\n";
    let refused = read(text, opts()).unwrap_err();
    assert!(refused.contains("pass --date-format"), "{refused}");

    let mut usual = opts();
    usual.usual_date_order = Some(SlashOrder::usual_for(flowsense_core::money::Currency::GBP));
    let (rows, notes) = read(text, usual.clone()).unwrap();
    assert_eq!(rows[0].date, date(2024, 4, 3));
    assert_eq!(notes.assumed_date_order, Some(SlashOrder::DayFirst));
    assert!(notes.lines().contains(
        &"Dates read day-first: the file could not tell; pass --date-format to override".to_owned()
    ));

    usual.usual_date_order = Some(SlashOrder::usual_for(flowsense_core::money::Currency::USD));
    assert_eq!(
        read(text, usual.clone()).unwrap().0[0].date,
        date(2024, 3, 4)
    );

    // --date-format wins, and then nothing was assumed.
    usual.date_format = Some(DateFormat::DayFirst);
    let (rows, notes) = read(text, usual.clone()).unwrap();
    assert_eq!(rows[0].date, date(2024, 4, 3));
    assert_eq!(notes.assumed_date_order, None);

    // A row that settles the order wins over the organisation's.
    usual.date_format = None;
    let settled = format!("{text}25/12/2024,c,3.00\n");
    let (rows, notes) = read(&settled, usual).unwrap();
    assert_eq!(rows[0].date, date(2024, 4, 3));
    assert_eq!(notes.assumed_date_order, None);
}

#[test]
fn french_and_german_headers_and_section_lines() {
    let fr = "Date;Date de valeur;Libellé;Débit;Crédit;Solde\n02/04/2024;02/04/2024;PRLV EDF;89,50;;2\u{A0}410,50\n15/04/2024;15/04/2024;VIR RECU;;1\u{A0}200,00;3\u{A0}610,50\n";
    let (rows, notes) = read(fr, opts()).unwrap();
    assert_eq!(
        rows.iter().map(|t| t.amount_minor).collect::<Vec<_>>(),
        vec![-8950, 120_000]
    );
    assert_eq!(rows[0].description, "PRLV EDF");
    assert_eq!(notes.layout, "French bank statement");
    let sections = "Date,Description,Amount,Balance\nPosted Transactions\n2024-01-02,a,1.00,5.00\n";
    let (rows, notes) = read(sections, opts()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(notes.skipped[&Skip::NotARow], 1);
}
