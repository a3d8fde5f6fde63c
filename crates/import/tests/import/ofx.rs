use crate::{date, fixture, opts};
use flowsense_core::money::Currency;
use flowsense_import::{
    ErrorReason, FileFormat, detect_format, import_bytes, open_path, parse_ofx,
};

#[test]
fn ofx1_sgml_checking_statement() {
    let bytes = std::fs::read(fixture("checking-ofx1.ofx")).unwrap();
    assert_eq!(detect_format(&bytes), FileFormat::Ofx);
    let txns = parse_ofx(&bytes, &opts()).unwrap();
    assert_eq!(txns.len(), 4);
    let t = &txns[0];
    assert_eq!(t.date, date(2024, 3, 4));
    assert_eq!(t.amount_minor, -4217);
    assert_eq!(t.currency, Currency::USD);
    assert_eq!(t.account, "Checking ••6789");
    assert_eq!(t.reference, "2024030400001");
    assert_eq!(t.counterparty, "BLUE BOTTLE COFFEE");
    assert_eq!(t.description, "POS PURCHASE 03/03");
    assert_eq!(txns[1].counterparty, "ACME CORP & SONS");
    assert_eq!(txns[1].amount_minor, 1_250_000);
    // The transfer's BANKACCTTO must not replace the statement's account.
    assert_eq!(txns[2].account, "Checking ••6789");
    assert_eq!(txns[3].counterparty, "Harbor Properties LLC");
    assert_eq!(txns[3].description, "Rent March");
    assert!(txns[0].line > 1);
}

#[test]
fn ofx2_xml_card_statement() {
    let txns: Vec<_> = open_path(&fixture("card-ofx2.qfx"), &opts())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(txns.len(), 3);
    assert_eq!(txns[0].account, "Credit card ••5678");
    assert_eq!(txns[0].currency, Currency::EUR);
    assert_eq!(txns[0].counterparty, "Café Müller");
    assert_eq!(txns[0].date, date(2024, 3, 2));
    assert_eq!(txns[1].amount_minor, -149_900);
    assert_eq!(txns[1].description, "Dell Technologies");
    assert_eq!(txns[2].reference, "FT24080ABC003");
}

#[test]
fn ofx_without_fitid_gets_stable_hashes() {
    let ofx = "OFXHEADER:100\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD\
               <BANKTRANLIST>\
               <STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240101<TRNAMT>-1.00<NAME>X</STMTTRN>\
               <STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240101<TRNAMT>-1.00<NAME>X</STMTTRN>\
               </BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>";
    let a = import_bytes(ofx.as_bytes(), &opts()).unwrap();
    let b = import_bytes(ofx.as_bytes(), &opts()).unwrap();
    assert_eq!(a, b);
    assert_ne!(a[0].reference, a[1].reference);
    assert_eq!(a[0].account, "Main");
}

#[test]
fn ofx_errors_have_lines() {
    let ofx = "OFXHEADER:100\n\n<OFX>\n<STMTRS>\n<STMTTRN>\n<DTPOSTED>20241345\n<TRNAMT>1\n</STMTTRN>\n</STMTRS>\n</OFX>\n";
    let e = parse_ofx(ofx.as_bytes(), &opts()).unwrap_err();
    assert_eq!(e.line, 6);
    assert!(e.to_string().contains("bad date \"20241345\""), "{e}");
    let ofx = "<OFX>\n<STMTTRN>\n<DTPOSTED>20240101\n</STMTTRN>\n</OFX>";
    let e = parse_ofx(ofx.as_bytes(), &opts()).unwrap_err();
    assert_eq!((e.line, e.reason), (2, ErrorReason::OfxMissing("TRNAMT")));
    let e = parse_ofx(b"hello", &opts()).unwrap_err();
    assert_eq!(e.reason, ErrorReason::NotOfx);
}

/// One file with a bank, a card and an investment statement, each in its own currency: the
/// forms of a real download of several accounts at once.
const THREE_STATEMENTS: &str = "OFXHEADER:100\nDATA:OFXSGML\n\n<OFX>\n\
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STMTRS><CURDEF>EUR\n\
<BANKACCTFROM><BANKID>1<ACCTID>DE0012345678<ACCTTYPE>SAVINGS</BANKACCTFROM>\n\
<BANKTRANLIST><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240102<TRNAMT>+00012,5000<FITID>e1<NAME>Zinsen</STMTTRN>\n\
</BANKTRANLIST></STMTRS></STMTTRNRS>\n\
<STMTTRNRS><TRNUID>2<STMTRS><CURDEF>USD\n\
<BANKACCTFROM><BANKID>2<ACCTID>99887766<ACCTTYPE>CHECKING</BANKACCTFROM>\n\
<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240103<TRNAMT>-00042.1000<FITID>u1<NAME>Rent</STMTTRN>\n\
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1>\n\
<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>3<CCSTMTRS><CURDEF>GBP\n\
<CCACCTFROM><ACCTID>4111000011112222</CCACCTFROM>\n\
<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240104<TRNAMT>-9.99<FITID>g1<NAME>Books</STMTTRN>\n\
</BANKTRANLIST></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1>\n\
<INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>4<INVSTMTRS><DTASOF>20240131<CURDEF>USD\n\
<INVACCTFROM><BROKERID>broker.example<ACCTID>X55501234</INVACCTFROM>\n\
<INVTRANLIST>\n\
<BUYSTOCK><INVBUY><INVTRAN><FITID>b1<DTTRADE>20240105<DTSETTLE>20240108<MEMO>BOUGHT ACME</INVTRAN>\
<SECID><UNIQUEID>000000000<UNIQUEIDTYPE>CUSIP</SECID><UNITS>10<UNITPRICE>100.125<COMMISSION>4.95\
<TOTAL>-1006.2000<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INVBUY><BUYTYPE>BUY</BUYSTOCK>\n\
<SELLMF><INVSELL><INVTRAN><FITID>s1<DTTRADE>20240110</INVTRAN><SECID><UNIQUEID>1<UNIQUEIDTYPE>CUSIP</SECID>\
<UNITS>-5<UNITPRICE>20<TOTAL>+100.00<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INVSELL><SELLTYPE>SELL</SELLMF>\n\
<INCOME><INVTRAN><FITID>i1<DTTRADE>20240115</INVTRAN><SECID><UNIQUEID>1<UNIQUEIDTYPE>CUSIP</SECID>\
<INCOMETYPE>DIV<TOTAL>3.21<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INCOME>\n\
<REINVEST><INVTRAN><FITID>r1<DTTRADE>20240115</INVTRAN><SECID><UNIQUEID>1<UNIQUEIDTYPE>CUSIP</SECID>\
<INCOMETYPE>DIV<TOTAL>-3.21<SUBACCTSEC>CASH<UNITS>0.1<UNITPRICE>32.1</REINVEST>\n\
<INVBANKTRAN><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240102<TRNAMT>5000<FITID>d1<NAME>Deposit</STMTTRN>\
<SUBACCTFUND>CASH</INVBANKTRAN>\n\
<MARGININTEREST><INVTRAN><FITID>m1<DTTRADE>20240131</INVTRAN><TOTAL>-1.50<SUBACCTFUND>MARGIN</MARGININTEREST>\n\
</INVTRANLIST></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1>\n</OFX>\n";

#[test]
fn several_statements_are_several_accounts_in_their_own_currencies() {
    let txns = import_bytes(THREE_STATEMENTS.as_bytes(), &opts()).unwrap();
    let seen: Vec<(&str, &str, i64, &str)> = txns
        .iter()
        .map(|t| {
            (
                t.account.as_str(),
                t.currency.as_str(),
                t.amount_minor,
                t.counterparty.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("Savings ••5678", "EUR", 1250, "Zinsen"),
            ("Checking ••7766", "USD", -4210, "Rent"),
            ("Credit card ••2222", "GBP", -999, "Books"),
            ("Investment ••1234", "USD", -100_620, "Investment purchase"),
            ("Investment ••1234", "USD", 10_000, "Investment sale"),
            ("Investment ••1234", "USD", 321, "Dividend"),
            ("Investment ••1234", "USD", 500_000, "Deposit"),
            ("Investment ••1234", "USD", -150, "Margin interest"),
        ]
    );
    // The cash of a trade moves on its settlement date; without one, on its trade date.
    assert_eq!(txns[3].date, date(2024, 1, 8));
    assert_eq!(txns[3].description, "BOUGHT ACME");
    assert_eq!(txns[3].reference, "b1");
    assert_eq!(txns[4].date, date(2024, 1, 10));
    assert_eq!(txns[4].description, "Investment sale");
}

#[test]
fn ofx2_xml_investment_statement() {
    let ofx = r#"<?xml version="1.0" encoding="UTF-8"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX><INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>1</TRNUID><INVSTMTRS><DTASOF>20240131</DTASOF>
<CURDEF>CAD</CURDEF><INVACCTFROM><BROKERID>b</BROKERID><ACCTID>77</ACCTID></INVACCTFROM>
<INVTRANLIST><INVEXPENSE><INVTRAN><FITID>x</FITID><DTTRADE>20240120</DTTRADE><MEMO>Fee</MEMO></INVTRAN>
<SECID><UNIQUEID>1</UNIQUEID><UNIQUEIDTYPE>CUSIP</UNIQUEIDTYPE></SECID><TOTAL>-25.00</TOTAL>
<SUBACCTSEC>CASH</SUBACCTSEC><SUBACCTFUND>CASH</SUBACCTFUND></INVEXPENSE>
<RETOFCAP><INVTRAN><FITID>y</FITID><DTTRADE>20240121</DTTRADE></INVTRAN>
<SECID><UNIQUEID>1</UNIQUEID><UNIQUEIDTYPE>CUSIP</UNIQUEIDTYPE></SECID><TOTAL>12.00</TOTAL>
<SUBACCTSEC>CASH</SUBACCTSEC><SUBACCTFUND>CASH</SUBACCTFUND></RETOFCAP>
<TRANSFER><INVTRAN><FITID>z</FITID><DTTRADE>20240122</DTTRADE></INVTRAN>
<SECID><UNIQUEID>1</UNIQUEID><UNIQUEIDTYPE>CUSIP</UNIQUEIDTYPE></SECID><SUBACCTSEC>CASH</SUBACCTSEC>
<UNITS>3</UNITS><TFERACTION>IN</TFERACTION><POSTYPE>LONG</POSTYPE></TRANSFER>
</INVTRANLIST></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1></OFX>"#;
    let txns = import_bytes(ofx.as_bytes(), &opts()).unwrap();
    let got: Vec<(i64, &str, &str)> = txns
        .iter()
        .map(|t| (t.amount_minor, t.currency.as_str(), t.counterparty.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (-2500, "CAD", "Investment expense"),
            (1200, "CAD", "Return of capital")
        ]
    );
    assert_eq!(txns[0].account, "Investment ••77");
    assert_eq!(txns[0].description, "Fee");
}

#[test]
fn investment_transactions_without_date_or_total_are_refused_at_their_line() {
    let ofx = "<OFX>\n<INVSTMTRS><CURDEF>USD\n<INVTRANLIST>\n<BUYSTOCK><INVBUY><INVTRAN><FITID>1\n\
               <DTTRADE>20240105</INVTRAN>\n<UNITS>1</INVBUY></BUYSTOCK>\n</INVTRANLIST></INVSTMTRS></OFX>";
    let e = parse_ofx(ofx.as_bytes(), &opts()).unwrap_err();
    assert_eq!((e.line, e.reason), (4, ErrorReason::OfxMissing("TOTAL")));
    let ofx = "<OFX>\n<INVSTMTRS>\n<INCOME><INVTRAN><FITID>1</INVTRAN>\n<TOTAL>1.00</INCOME></INVSTMTRS></OFX>";
    let e = parse_ofx(ofx.as_bytes(), &opts()).unwrap_err();
    assert_eq!((e.line, e.reason), (3, ErrorReason::OfxMissing("DTTRADE")));
}

#[test]
fn padded_signed_and_four_decimal_amounts() {
    let one = |amount: &str| {
        let ofx = format!(
            "<OFX><STMTRS><CURDEF>USD<STMTTRN><DTPOSTED>20240101<TRNAMT>{amount}<FITID>1</STMTTRN></STMTRS></OFX>"
        );
        parse_ofx(ofx.as_bytes(), &opts()).map(|t| t[0].amount_minor)
    };
    assert_eq!(one("+00000000000115.8300"), Ok(11_583));
    assert_eq!(one("-00012.50"), Ok(-1250));
    assert_eq!(one("12,3400"), Ok(1234));
    assert_eq!(one("+.5"), Ok(50));
    let e = one("+00000000000115.8331").unwrap_err();
    assert!(
        e.to_string()
            .contains("bad amount \"+00000000000115.8331\" (USD has 2 decimal places and amounts are never rounded"),
        "{e}"
    );
    let e = one("12.34.56").unwrap_err();
    assert!(matches!(e.reason, ErrorReason::BadAmount { .. }), "{e}");
}
