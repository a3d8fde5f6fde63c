use crate::{date, opts};
use flowsense_core::money::Currency;
use flowsense_import::{
    DateFormat, ErrorReason, FileFormat, ImportOptions, detect_format, import_bytes, open_path,
};

fn qif(text: &str) -> Result<Vec<flowsense_import::ImportedTxn>, flowsense_import::ImportError> {
    import_bytes(text.as_bytes(), &opts())
}

#[test]
fn bank_records_with_quicken_dates() {
    let text = "!Type:Bank\r\nD12/31'24\r\nT-1,234.56\r\nPAcme Supplies\r\nMInvoice 42\r\nLOffice:Supplies/Admin\r\nN1001\r\n^\r\n\
                D1/ 2'25\r\nU250.00\r\nT250.00\r\nPClient\r\nL[Savings]\r\n^\r\n";
    assert_eq!(detect_format(text.as_bytes()), FileFormat::Qif);
    let txns = qif(text).unwrap();
    assert_eq!(txns.len(), 2);
    let t = &txns[0];
    assert_eq!(
        (t.date, t.amount_minor, t.currency, t.account.as_str()),
        (date(2024, 12, 31), -123_456, Currency::USD, "Main")
    );
    assert_eq!(
        (
            t.counterparty.as_str(),
            t.description.as_str(),
            t.category.as_str()
        ),
        ("Acme Supplies", "Invoice 42", "Office:Supplies")
    );
    assert_eq!(t.line, 2);
    assert_eq!(txns[1].date, date(2025, 1, 2));
    assert_eq!(txns[1].category, "Transfer");
    assert_ne!(txns[0].reference, txns[1].reference);
    assert_eq!(qif(text).unwrap(), txns, "references are stable");
}

#[test]
fn splits_stay_one_transaction_with_the_largest_splits_category() {
    let text = "!Type:CCard\nD03/04/2024\nT-100.00\nPHardware store\nL--Split--\n\
                SRepairs\n$-70.00\nSFood\nEsnacks\n$-30.00\n^\n\
                D03/24/2024\nPNo total\nS\n$-8.00\nSFees\n$-2.00\n^\n";
    let txns = qif(text).unwrap();
    assert_eq!(txns.len(), 2);
    assert_eq!(
        (txns[0].amount_minor, txns[0].category.as_str()),
        (-10_000, "Repairs")
    );
    // Without a T line the splits add up to the amount; the largest split has no category.
    assert_eq!(
        (txns[1].amount_minor, txns[1].category.as_str()),
        (-1000, "Split")
    );
}

#[test]
fn day_month_order_comes_from_the_whole_file() {
    // The first two dates read either way; the third proves day first.
    let text = "!Type:Cash\nD03.04.2024\nT-1\n^\nD05/06/2024\nT-2\n^\nD25/06/2024\nT-3\n^\n";
    let txns = qif(text).unwrap();
    assert_eq!(txns[1].date, date(2024, 6, 5));
    assert_eq!(txns[2].date, date(2024, 6, 25));
    let text = "!Type:Bank\nD05/06/2024\nT-2\n^\nD06/07/2024\nT-3\n^\n";
    let e = qif(text).unwrap_err();
    assert_eq!(e.line, 2);
    assert!(matches!(e.reason, ErrorReason::AmbiguousDate(_)), "{e}");
    let mut o = opts();
    o.date_format = Some(DateFormat::DayFirst);
    let txns = import_bytes(text.as_bytes(), &o).unwrap();
    assert_eq!(txns[0].date, date(2024, 6, 5));
}

#[test]
fn accounts_name_their_records_and_lists_are_passed_over() {
    let text = "!Option:AutoSwitch\n!Account\nNChecking\nTBank\n^\nNVisa\nTCCard\n^\n!Clear:AutoSwitch\n\
                !Type:Cat\nNFood\nDGroceries\nE\n^\n\
                !Account\nNChecking\nTBank\n^\n!Type:Bank\nD2024-01-05\nT1.234,50\nPCustomer\n^\n\
                !Account\nNVisa\nTCCard\n^\n!Type:CCard\nD2024-01-06\nT-5,00\nPShop\n^\n";
    let txns = qif(text).unwrap();
    let got: Vec<(&str, i64)> = txns
        .iter()
        .map(|t| (t.account.as_str(), t.amount_minor))
        .collect();
    assert_eq!(got, vec![("Checking", 123_450), ("Visa", -500)]);
}

#[test]
fn bad_records_are_refused_at_their_line() {
    let e = qif("!Type:Bank\nD01/25/2024\nPNo amount\n^\n").unwrap_err();
    assert_eq!(
        (e.line, e.reason),
        (2, ErrorReason::QifMissing("T (amount)"))
    );
    let e = qif("!Type:Bank\nT-1.00\n^\n").unwrap_err();
    assert_eq!((e.line, e.reason), (2, ErrorReason::QifMissing("D (date)")));
    let e = qif("!Type:Bank\nD01/25/2024\nT-1.00\n^\nD13/13/2024\nT2\n^\n").unwrap_err();
    assert_eq!(e.line, 5);
    assert!(e.to_string().contains("bad date \"13/13/2024\""), "{e}");
    let e = qif("!Type:Bank\nD2024-01-02\nT12.3456\n^\n").unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.to_string().contains("bad amount \"12.3456\""), "{e}");
    let e =
        qif("!Type:Bank\nD2024-01-02\nT-1\n^\n!Type:Invst\nD01/03/2024\nNBuy\n^\n").unwrap_err();
    assert_eq!(e.line, 5);
    assert!(
        e.to_string()
            .contains("QIF section \"Type:Invst\" is not a bank, card or cash account"),
        "{e}"
    );
    let mut o = opts();
    o.max_rows = 1;
    let e = import_bytes(b"!Type:Bank\nD1/20/24\nT1\n^\nD1/30/24\nT1\n^\n", &o).unwrap_err();
    assert_eq!((e.line, e.reason), (5, ErrorReason::TooManyRows(1)));
}

#[test]
fn windows_1252_and_a_last_record_without_caret() {
    let mut bytes = b"!Type:Bank\nD31.01.2024\nT-3.50\nPCaf\xE9 M\xFCller\n".to_vec();
    bytes.extend_from_slice(b"MNo caret at the end");
    let txns = import_bytes(&bytes, &ImportOptions::new(Currency::EUR)).unwrap();
    assert_eq!(txns.len(), 1);
    assert_eq!(txns[0].counterparty, "Café Müller");
    assert_eq!(txns[0].currency, Currency::EUR);
}

#[test]
fn opened_by_path_like_every_statement() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.txt");
    std::fs::write(&path, "!Type:Bank\nD1/22'24\nT-9.99\nPShop\n^\n").unwrap();
    let rows = open_path(&path, &opts()).unwrap();
    assert_eq!(rows.format(), FileFormat::Qif);
    let txns: Vec<_> = rows.collect::<Result<_, _>>().unwrap();
    assert_eq!(txns[0].amount_minor, -999);
}
