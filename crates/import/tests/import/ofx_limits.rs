//! Hostile OFX files: each is parsed or refused in time linear in its size, and the caps on
//! nesting and tags name the line where they were reached.
//!
//! The time bounds are generous (a second, where the files take milliseconds) so that a busy
//! machine does not fail them; before these fixes the first two files took close to a minute.

use crate::opts;
use flowsense_import::{ErrorReason, ImportError, ImportedTxn, parse_ofx};
use std::time::{Duration, Instant};

const GENEROUS: Duration = Duration::from_secs(1);

fn timed_parse(text: &str) -> (Result<Vec<ImportedTxn>, ImportError>, Duration) {
    let started = Instant::now();
    let result = parse_ofx(text.as_bytes(), &opts());
    (result, started.elapsed())
}

/// `<OFX>`, then `opened` unclosed aggregates, then `then` repeated.
fn nested(opened: usize, then: &str, times: usize) -> String {
    let mut text = String::with_capacity(5 + opened * 3 + then.len() * times);
    text.push_str("<OFX>");
    text.push_str(&"<A>".repeat(opened));
    text.push_str(&then.repeat(times));
    text
}

#[test]
fn deeply_nested_unclosed_tags_are_refused_at_once() {
    // The file of the attack: 2.8 MB.
    let text = nested(400_000, "<B>x", 400_000);
    assert!(text.len() > 2_800_000);
    let (result, took) = timed_parse(&text);
    let e = result.expect_err("refused");
    assert_eq!((e.line, e.reason), (1, ErrorReason::OfxTooDeep(64)));
    assert!(took < GENEROUS, "{took:?}");
}

#[test]
fn end_tags_of_names_never_opened_are_refused_or_cheap() {
    let (result, took) = timed_parse(&nested(400_000, "</Z>", 400_000));
    assert_eq!(
        result.expect_err("refused").reason,
        ErrorReason::OfxTooDeep(64)
    );
    assert!(took < GENEROUS, "{took:?}");
    // As deep as allowed, then a flood of end tags and leaves: read through.
    let (result, took) = timed_parse(&nested(63, "</Z><B>x", 400_000));
    assert_eq!(result.map(|t| t.len()), Ok(0));
    assert!(took < GENEROUS, "{took:?}");
}

/// Best of three, to keep a busy machine's pauses out of the ratio.
fn best_time(text: &str) -> Duration {
    (0..3)
        .map(|_| timed_parse(text).1)
        .min()
        .unwrap_or_default()
}

#[test]
fn parse_time_grows_linearly() {
    // One below the cap, so each `<C>` can open and close again.
    let small = nested(62, "<C><B>x</Z></C>", 50_000);
    let large = nested(62, "<C><B>x</Z></C>", 200_000);
    assert_eq!(timed_parse(&large).0, Ok(Vec::new()));
    let (small_took, large_took) = (best_time(&small), best_time(&large));
    assert!(large_took < GENEROUS, "{large_took:?}");
    // Four times the input: linear is about 4x, the old quadratic reading 16x.
    assert!(
        large_took < small_took * 8 + Duration::from_millis(20),
        "{small_took:?} then {large_took:?}"
    );
}

#[test]
fn nesting_cap_names_its_line() {
    let deep = |n: usize| format!("<OFX>\n{}", "<A>\n".repeat(n));
    assert_eq!(timed_parse(&deep(63)).0, Ok(Vec::new()));
    let e = timed_parse(&deep(70)).0.expect_err("too deep");
    // `<OFX>` and 63 `<A>` are open; the next `<A>` on line 65 would be the 65th.
    assert_eq!(
        (e.line, e.reason.clone()),
        (65, ErrorReason::OfxTooDeep(64))
    );
    assert_eq!(
        e.to_string(),
        "books.csv:65: OFX nesting deeper than 64 elements"
    );
}

#[test]
fn tag_cap_follows_the_row_cap_and_names_its_line() {
    let mut o = opts();
    o.max_rows = 10;
    // One tag per line, so tag n is on line n.
    let text = format!("<OFX>\n{}", "<X>\n</X>\n".repeat(60_000));
    let e = parse_ofx(text.as_bytes(), &o).expect_err("too many tags");
    let ErrorReason::OfxTooManyTags(limit) = e.reason else {
        panic!("{e}");
    };
    assert!((10 * 64..200_000).contains(&limit), "{limit}");
    assert_eq!(e.line, limit + 1);
    assert!(e.to_string().contains("OFX file with more than"), "{e}");
    // The default row cap leaves room for any real file.
    assert_eq!(parse_ofx(text.as_bytes(), &opts()), Ok(Vec::new()));
}

#[test]
fn many_ampersands_stay_linear() {
    let text = format!("<OFX><STMTTRN><NAME>{}", "&".repeat(2_000_000));
    let (result, took) = timed_parse(&text);
    assert!(result.is_err(), "no date or amount");
    assert!(took < GENEROUS, "{took:?}");
}

#[test]
fn a_long_account_id_is_not_copied_per_transaction() {
    let mut text = format!(
        "<OFX><STMTRS><BANKACCTFROM><ACCTID>{}1234</BANKACCTFROM><BANKTRANLIST>",
        "9".repeat(1 << 20)
    );
    let txn = "<STMTTRN><DTPOSTED>20240101<TRNAMT>1</STMTTRN>";
    text.push_str(&txn.repeat(20_000));
    let (result, took) = timed_parse(&text);
    let txns = result.expect("parses");
    assert_eq!(
        (txns.len(), txns[0].account.as_str()),
        (20_000, "Account ••1234")
    );
    assert!(took < GENEROUS, "{took:?}");
}

#[test]
fn unclosed_transactions_close_what_they_left_open() {
    // SGML files may leave `</STMTTRN>` out; an empty `<MEMO>` then stays open too. Neither
    // may pile up towards the nesting cap.
    let txn = "<STMTTRN><DTPOSTED>20240101<TRNAMT>-1.00<MEMO>\n<NAME>Shop\n";
    let text = format!(
        "<OFX><BANKTRANLIST>\n{}</BANKTRANLIST></OFX>",
        txn.repeat(200)
    );
    let txns = parse_ofx(text.as_bytes(), &opts()).expect("parses");
    assert_eq!(txns.len(), 200);
    assert!(txns.iter().all(|t| t.amount_minor == -100));
}
