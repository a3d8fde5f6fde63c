use crate::{date, fixture, import, import_with, opts};
use flowsense_core::money::Currency;
use flowsense_import::{ColumnMap, DateFormat, ImportOptions, open_path};

fn amounts(text: &str) -> Vec<i64> {
    import(text)
        .expect("imports")
        .iter()
        .map(|t| t.amount_minor)
        .collect()
}

#[test]
fn canonical_header() {
    let txns = import(
        "date,account,amount,currency,counterparty,category,description,reference\n\
         2024-03-01,Checking,-12.50,USD,Blue Bottle,Meals,coffee,abc-1\n\
         2024-03-02,,100,,Acme,transfer,,\n",
    )
    .unwrap();
    assert_eq!(txns.len(), 2);
    assert_eq!(txns[0].line, 2);
    assert_eq!(txns[0].amount_minor, -1250);
    assert_eq!(txns[0].reference, "abc-1");
    assert_eq!(txns[1].account, "Main");
    assert_eq!(txns[1].currency, Currency::USD);
    assert_eq!(txns[1].category, "Transfer");
    assert!(txns[1].reference.starts_with("fs:"));
}

#[test]
fn date_description_amount() {
    let path = fixture("simple-us.csv");
    let txns: Vec<_> = open_path(&path, &opts())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(txns.len(), 3);
    assert_eq!(
        txns[0].date,
        date(2024, 3, 1),
        "03/13 proves month-first for the whole file"
    );
    assert_eq!(txns[0].counterparty, "COFFEE SHOP");
    assert_eq!(txns[0].description, "COFFEE SHOP");
    assert_eq!(txns[0].account, "Main");
    assert_eq!(
        txns.iter().map(|t| t.amount_minor).collect::<Vec<_>>(),
        vec![-450, 125_000, -85_000]
    );
}

#[test]
fn debit_credit_split() {
    let got = amounts(
        "Date,Description,Debit,Credit\n\
         2024-03-01,Rent,850.00,\n\
         2024-03-02,Client,,1200.00\n\
         2024-03-03,Fee,-2.50,\n",
    );
    assert_eq!(got, vec![-85_000, 120_000, -250]);
}

#[test]
fn card_export() {
    let txns = import(
        "Transaction Date,Post Date,Description,Category,Type,Amount\n\
         01/15/2024,01/16/2024,AMAZON MKTPL,Shopping,Sale,-23.99\n\
         01/20/2024,01/20/2024,Payment Thank You,,Payment,500.00\n",
    )
    .unwrap();
    assert_eq!(txns[0].date, date(2024, 1, 15));
    assert_eq!(txns[0].category, "Shopping");
    assert_eq!(txns[1].amount_minor, 50_000);
}

#[test]
fn european_semicolon_decimal_comma() {
    let txns: Vec<_> = open_path(&fixture("european.csv"), &ImportOptions::new(Currency::EUR))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(txns.len(), 3);
    assert_eq!(txns[0].date, date(2024, 3, 1));
    assert_eq!(txns[0].amount_minor, -123_456);
    assert_eq!(txns[0].counterparty, "Stadtwerke München");
    assert_eq!(txns[0].description, "Strom März");
    assert_eq!(txns[1].amount_minor, 250_000);
    assert_eq!(txns[2].amount_minor, -1230);
    assert_eq!(txns[2].currency, Currency::EUR);
}

#[test]
fn quoted_amounts_with_symbols() {
    let got = amounts(
        "Date,Description,Amount\n\
         2024-01-01,a,\"(1,234.56)\"\n\
         2024-01-02,b,\"$1,000.00\"\n\
         2024-01-03,c,12.00-\n\
         2024-01-04,d,£7\n\
         2024-01-05,e,€-0.99\n",
    );
    assert_eq!(got, vec![-123_456, 100_000, -1200, 700, -99]);
}

#[test]
fn explicit_map_and_date_format() {
    let mut o = opts();
    o.column_map = ColumnMap::parse("date=Posted,amount=Amt,description=Memo,payee=Who").unwrap();
    o.date_format = Some(DateFormat::parse("DD/MM/YYYY").unwrap());
    let txns = import_with("Posted,Who,Memo,Amt\n03/04/2024,Ann,Lunch,-9.00\n", o).unwrap();
    assert_eq!(txns[0].date, date(2024, 4, 3));
    assert_eq!(txns[0].counterparty, "Ann");
    assert_eq!(txns[0].description, "Lunch");
}

#[test]
fn ambiguous_rows_wait_for_a_deciding_row() {
    let txns = import("Date,Description,Amount\n03/04/2024,a,1\n05/06/2024,b,2\n25/12/2024,c,3\n")
        .unwrap();
    assert_eq!(txns[0].date, date(2024, 4, 3));
    assert_eq!(txns[1].date, date(2024, 6, 5));
    assert_eq!(txns[2].date, date(2024, 12, 25));
}

#[test]
fn windows_1252_and_bom() {
    let bytes = b"Date,Description,Amount\n2024-01-01,Caf\xE9,1.00\n";
    let txns: Vec<_> = flowsense_import::CsvImporter::new(&bytes[..], opts())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(txns[0].description, "Café");
    let txns = import("\u{FEFF}Date,Description,Amount\n2024-01-01,x,1\n").unwrap();
    assert_eq!(txns.len(), 1);
}

#[test]
fn tab_and_direction_columns() {
    let txns = import(
        "Date\tAmount\tDR/CR\tMemo\n2024-01-01\t5.00\tDR\tfee\n2024-01-02\t7.00\tCR\trefund\n",
    )
    .unwrap();
    assert_eq!(txns[0].amount_minor, -500);
    assert_eq!(txns[1].amount_minor, 700);
}

#[test]
fn reparsing_gives_identical_references() {
    let text = "Date,Description,Amount\n2024-01-01,coffee,-4.50\n2024-01-01,coffee,-4.50\n2024-01-02,tea,-3\n";
    let a: Vec<String> = import(text)
        .unwrap()
        .into_iter()
        .map(|t| t.reference)
        .collect();
    let b: Vec<String> = import(text)
        .unwrap()
        .into_iter()
        .map(|t| t.reference)
        .collect();
    assert_eq!(a, b);
    assert_ne!(a[0], a[1], "identical lines in one file stay distinct");
    let mut unique = a;
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3);
}
