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
