//! Amazon reports from the EU marketplaces, read by their content: the settlement report's
//! comma decimals (`95,00`) and day-first dotted dates, its currency named once on the summary
//! line, and the German date range report's own headers; the file's name plays no part.

use crate::date;
use flowsense_core::books::TRANSFER_CATEGORY;
use flowsense_core::money::Currency;
use flowsense_import::{CsvImporter, ImportNotes, ImportOptions, ImportedTxn};

const SETTLEMENT_HEADER: &str = "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\ttransaction-type\torder-id\tmarketplace-name\tamount-type\tamount-description\tamount\tposted-date\tsku";

fn read_as(
    text: &str,
    name: &str,
    base: Currency,
) -> Result<(Vec<ImportedTxn>, ImportNotes), String> {
    let opts = ImportOptions::new(base)
        .with_source_name(name)
        .with_default_account("Amazon");
    let mut importer = CsvImporter::new(text.as_bytes(), opts).map_err(|e| e.to_string())?;
    let rows = importer
        .by_ref()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok((rows, importer.notes().clone()))
}

fn settlement(summary_total: &str, currency: &str, rows: &[[&str; 6]]) -> String {
    let mut text = format!(
        "{SETTLEMENT_HEADER}\n1\t01.03.2024 00:00:00 UTC\t15.03.2024 00:00:00 UTC\t17.03.2024 00:00:00 UTC\t{summary_total}\t{currency}\t\t\t\t\t\t\t\t\n"
    );
    for [kind, marketplace, amount_type, description, amount, posted] in rows {
        text.push_str(&format!(
            "1\t\t\t\t\t\t{kind}\t302-1\t{marketplace}\t{amount_type}\t{description}\t{amount}\t{posted}\tSKU\n"
        ));
    }
    text
}

#[test]
fn a_german_settlement_reads_comma_decimals_and_dotted_dates() {
    let text = settlement(
        "91,40",
        "EUR",
        &[
            [
                "Order",
                "Amazon.de",
                "ItemPrice",
                "Principal",
                "95,00",
                "04.03.2024",
            ],
            [
                "Order",
                "Amazon.de",
                "ItemFees",
                "Commission",
                "-14,25",
                "04.03.2024",
            ],
            [
                "Order",
                "Amazon.de",
                "ItemPrice",
                "Principal",
                "1249,50",
                "05.03.2024",
            ],
            [
                "Refund",
                "Amazon.de",
                "ItemPrice",
                "Principal",
                "-1238,85",
                "06.03.2024",
            ],
        ],
    );
    let (rows, notes) = read_as(&text, "report.txt", Currency::EUR).unwrap();
    let amounts: Vec<i64> = rows.iter().map(|t| t.amount_minor).collect();
    assert_eq!(amounts, vec![9_500, -1_425, 124_950, -123_885]);
    assert_eq!(
        amounts.iter().sum::<i64>(),
        9_140,
        "the summary line's total"
    );
    assert_eq!(rows[0].date, date(2024, 3, 4), "day first");
    assert!(rows.iter().all(|t| t.currency == Currency::EUR));
    assert_eq!(rows[1].counterparty, "Amazon", "a fee row");
    assert_eq!(notes.layout, "Amazon seller settlement report");
    assert_eq!(notes.rows_skipped(), 1, "the summary line");
}

#[test]
fn the_summary_lines_currency_is_the_rows_currency_whatever_the_books_keep() {
    let text = settlement(
        "95,00",
        "EUR",
        &[[
            "Order",
            "Amazon.fr",
            "ItemPrice",
            "Principal",
            "95,00",
            "04.03.2024",
        ]],
    );
    let (rows, _) = read_as(&text, "settlement.tsv", Currency::USD).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].currency, Currency::EUR, "not the books' USD");
    assert_eq!(rows[0].amount_minor, 9_500);
}

#[test]
fn the_same_name_reads_a_us_and_an_eu_report_each_by_its_content() {
    let us = format!(
        "{SETTLEMENT_HEADER}\n1\t2024-03-01 00:00:00 UTC\t2024-03-15 00:00:00 UTC\t2024-03-17 00:00:00 UTC\t1249.50\tUSD\t\t\t\t\t\t\t\t\n\
         1\t\t\t\t\t\tOrder\t111-1\tAmazon.com\tItemPrice\tPrincipal\t1,249.50\t03/14/24\tSKU\n"
    );
    let eu = settlement(
        "1249,50",
        "EUR",
        &[[
            "Order",
            "Amazon.it",
            "ItemPrice",
            "Principal",
            "1249,50",
            "03.04.2024",
        ]],
    );
    let (us_rows, _) = read_as(&us, "settlement.txt", Currency::USD).unwrap();
    let (eu_rows, _) = read_as(&eu, "settlement.txt", Currency::EUR).unwrap();
    assert_eq!(us_rows[0].amount_minor, 124_950);
    assert_eq!(eu_rows[0].amount_minor, 124_950);
    assert_eq!(us_rows[0].date, date(2024, 3, 14), "MM/DD/YY on amazon.com");
    assert_eq!(eu_rows[0].date, date(2024, 4, 3), "DD.MM.YYYY in the EU");
}

#[test]
fn a_bad_amount_in_an_eu_settlement_is_refused_with_its_line() {
    let text = settlement(
        "95,00",
        "EUR",
        &[
            [
                "Order",
                "Amazon.es",
                "ItemPrice",
                "Principal",
                "95,00",
                "04.03.2024",
            ],
            [
                "Order",
                "Amazon.es",
                "ItemPrice",
                "Principal",
                "95,0,0",
                "04.03.2024",
            ],
        ],
    );
    let err = read_as(&text, "settlement.tsv", Currency::EUR).unwrap_err();
    assert!(err.contains(":4: bad amount"), "{err}");
}

#[test]
fn a_german_date_range_report_is_read_by_its_headers() {
    let text = "\"Alle Beträge in EUR, sofern nicht anders angegeben\"\n\
\"Datum/Uhrzeit\",\"Abrechnungsnummer\",\"Typ\",\"Bestellnummer\",\"SKU\",\"Beschreibung\",\"Menge\",\"Marketplace\",\"Umsätze\",\"Verkaufsgebühren\",\"Andere\",\"Gesamt\"\n\
\"04.03.2024 09:12:44 UTC\",\"1\",\"Bestellung\",\"302-1\",\"MUG\",\"Kaffeebecher blau\",\"1\",\"amazon.de\",\"119,00\",\"-17,25\",\"0\",\"101,75\"\n\
\"12.03.2024 00:10:00 UTC\",\"1\",\"Servicegebühr\",\"\",\"\",\"Abonnementgebühr\",\"\",\"amazon.de\",\"0\",\"0\",\"-39,00\",\"-39,00\"\n\
\"15.03.2024 06:00:00 UTC\",\"1\",\"Übertrag\",\"\",\"\",\"An Bankkonto\",\"\",\"\",\"0\",\"0\",\"-1.000,00\",\"-1.000,00\"\n";
    let (rows, notes) = read_as(text, "bericht.csv", Currency::EUR).unwrap();
    let amounts: Vec<i64> = rows.iter().map(|t| t.amount_minor).collect();
    assert_eq!(amounts, vec![10_175, -3_900, -100_000], "the net Gesamt");
    assert_eq!(rows[0].date, date(2024, 3, 4));
    assert_eq!(rows[0].description, "Kaffeebecher blau");
    assert_eq!(rows[1].counterparty, "Amazon", "a service fee");
    assert_eq!(rows[2].category, TRANSFER_CATEGORY);
    assert_eq!(notes.layout, "Amazon date range transaction report");
    assert_eq!(notes.preamble_lines, 1);
}
