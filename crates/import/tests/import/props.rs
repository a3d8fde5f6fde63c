use flowsense_core::books::TXN_CSV_HEADER;
use flowsense_core::money::{Currency, format_minor};
use flowsense_import::{
    CsvImporter, DecimalMode, DecimalSeparator, ErrorReason, ImportOptions, detect_format,
    import_bytes, max_abs_minor, parse_amount, parse_books_bytes, parse_ofx,
};
use proptest::prelude::*;

const LIMIT: i64 = 1_000_000_000_000_000;
/// The accepted bound in cents.
const USD_MAX: i64 = 100_000_000_000_000;

/// `1234567` (minor, 2 places) written with thousands separators in the given style.
fn grouped(minor: i64, dec: char, group: char) -> String {
    let plain = format_minor(minor.abs(), 2);
    let (int, frac) = plain.split_once('.').expect("two places");
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    format!("{out}{dec}{frac}")
}

/// How many ways [`styled`] writes an amount.
const STYLES: usize = 16;

/// `minor` cents written in one of the supported styles, and the mode that reads it.
fn styled(minor: i64, style: usize) -> (String, DecimalMode) {
    let abs_dot = grouped(minor, '.', ',');
    let abs_comma = grouped(minor, ',', '.');
    let neg = minor < 0;
    let sign = if neg { "-" } else { "" };
    let auto_dot = DecimalMode::Auto {
        default: DecimalSeparator::Dot,
    };
    let auto_comma = DecimalMode::Auto {
        default: DecimalSeparator::Comma,
    };
    match style {
        // Swiss: apostrophes between thousands, with and without the currency's code.
        7 => (format!("{sign}{}", grouped(minor, '.', '\'')), auto_dot),
        8 => (format!("CHF {sign}{}", grouped(minor, '.', '\'')), auto_dot),
        // French: no-break spaces between thousands, the symbol after.
        9 => (
            format!("{sign}{} €", grouped(minor, ',', '\u{A0}')),
            auto_comma,
        ),
        // Euro with a trailing minus, and in parentheses.
        10 => (format!("{abs_comma}{sign}"), auto_comma),
        11 => (
            if neg {
                format!("({abs_comma})")
            } else {
                abs_comma
            },
            auto_comma,
        ),
        // The code after the number, a pound sign, an explicit plus.
        12 => (format!("{sign}{abs_comma} EUR"), auto_comma),
        13 => (format!("{sign}£{abs_dot}"), auto_dot),
        14 => (
            format!("{}{abs_dot}", if neg { "-" } else { "+" }),
            auto_dot,
        ),
        // A narrow no-break space between thousands and a dot decimal.
        15 => (
            format!("{sign}{}", grouped(minor, '.', '\u{202F}')),
            auto_dot,
        ),
        0 => (
            format_minor(minor, 2),
            DecimalMode::Auto {
                default: DecimalSeparator::Dot,
            },
        ),
        1 => (
            format!("{}{abs_dot}", if neg { "-" } else { "" }),
            DecimalMode::Auto {
                default: DecimalSeparator::Dot,
            },
        ),
        2 => (
            if neg { format!("({abs_dot})") } else { abs_dot },
            DecimalMode::Auto {
                default: DecimalSeparator::Dot,
            },
        ),
        3 => (
            format!("{}${abs_dot}", if neg { "-" } else { "" }),
            DecimalMode::Auto {
                default: DecimalSeparator::Dot,
            },
        ),
        4 => (
            format!("{abs_dot}{}", if neg { "-" } else { "" }),
            DecimalMode::Auto {
                default: DecimalSeparator::Dot,
            },
        ),
        5 => (
            format!("{}{abs_comma} €", if neg { "-" } else { "" }),
            DecimalMode::Fixed(DecimalSeparator::Comma),
        ),
        _ => (
            format!("{}{abs_comma}", if neg { "-" } else { "" }),
            DecimalMode::Auto {
                default: DecimalSeparator::Comma,
            },
        ),
    }
}

/// `minor` cents in `style`, through the bank CSV importer: the amount or the refusal.
fn import_styled(minor: i64, style: usize) -> Result<i64, ErrorReason> {
    let (text, mode) = styled(minor, style);
    let mut opts = ImportOptions::new(Currency::USD);
    if let DecimalMode::Fixed(sep) = mode {
        opts.decimal = Some(sep);
    }
    let csv = format!("Date,Description,Amount\n2024-01-01,x,\"{text}\"\n");
    match CsvImporter::new(csv.as_bytes(), opts).map(Iterator::collect::<Result<Vec<_>, _>>) {
        Ok(Ok(txns)) => Ok(txns[0].amount_minor),
        Ok(Err(e)) | Err(e) => Err(e.reason),
    }
}

/// `minor` cents as a plain decimal through the canonical books reader and OFX.
fn books_and_ofx(minor: i64) -> [Result<i64, ErrorReason>; 2] {
    let opts = ImportOptions::new(Currency::USD);
    let plain = format_minor(minor, 2);
    let books = format!(
        "{}\n2024-01-01,a,{plain},USD,x,y,z,r\n",
        TXN_CSV_HEADER.join(",")
    );
    let ofx = format!("<OFX><STMTTRN><DTPOSTED>20240101<TRNAMT>{plain}</STMTTRN></OFX>");
    [
        parse_books_bytes(books.as_bytes(), &opts)
            .map(|b| b.txns[0].amount)
            .map_err(|e| e.reason),
        parse_ofx(ofx.as_bytes(), &opts)
            .map(|t| t[0].amount_minor)
            .map_err(|e| e.reason),
    ]
}

/// The shrunk case proptest found: a file whose last byte is a lone `\r` reads the same on the
/// fast path as on the streaming one.
#[test]
fn a_lone_carriage_return_at_the_end_reads_as_the_streaming_path_does() {
    let opts = ImportOptions::new(Currency::USD);
    for text in ["\r", "2026-01-02,Bank,1.00,USD,A,B,C,R\r", "\r\n\r"] {
        let canonical = format!(
            "date,account,amount,currency,counterparty,category,description,reference\n{text}"
        );
        assert_eq!(
            parse_books_bytes(canonical.as_bytes(), &opts),
            flowsense_import::books_from_reader(canonical.as_bytes(), &opts),
            "{text:?}"
        );
    }
}

proptest! {
    #[test]
    fn amounts_round_trip(minor in -LIMIT..=LIMIT, style in 0usize..STYLES) {
        let (text, mode) = styled(minor, style);
        let parsed = parse_amount(&text, mode, 2);
        prop_assert_eq!(parsed.map(|a| a.minor), Ok(minor), "{}", text);
    }

    #[test]
    fn amounts_within_the_bound_read_back_exactly(minor in -USD_MAX..=USD_MAX, style in 0usize..STYLES) {
        prop_assert_eq!(USD_MAX, max_abs_minor(Currency::USD));
        prop_assert_eq!(import_styled(minor, style), Ok(minor), "{}", styled(minor, style).0);
        prop_assert_eq!(books_and_ofx(minor), [Ok(minor), Ok(minor)]);
    }

    #[test]
    fn amounts_beyond_the_bound_are_refused(
        beyond in USD_MAX + 1..=i64::MAX,
        negative in any::<bool>(),
        style in 0usize..STYLES,
    ) {
        let minor = if negative { -beyond } else { beyond };
        let refused = |r: &Result<i64, ErrorReason>| matches!(r, Err(ErrorReason::AmountOutOfRange { .. }));
        let csv = import_styled(minor, style);
        prop_assert!(refused(&csv), "{:?}", csv);
        for result in books_and_ofx(minor) {
            prop_assert!(refused(&result), "{:?}", result);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let opts = ImportOptions::new(Currency::USD);
        let _ = detect_format(&bytes);
        let _ = import_bytes(&bytes, &opts);
        let _ = parse_ofx(&bytes, &opts);
        let _ = parse_books_bytes(&bytes, &opts);
        if let Ok(importer) = CsvImporter::new(&bytes[..], opts) {
            for _ in importer {}
        }
    }

    #[test]
    fn csv_like_text_never_panics(text in "[0-9a-zA-Z,;\"\\n\\r./()$€£ -]{0,400}") {
        let opts = ImportOptions::new(Currency::USD);
        let with_header = format!("Date,Description,Amount,Debit,Credit\n{text}");
        let _ = import_bytes(with_header.as_bytes(), &opts);
        let canonical = format!("date,account,amount,currency,counterparty,category,description,reference\n{text}");
        let fast = parse_books_bytes(canonical.as_bytes(), &opts);
        let slow = flowsense_import::books_from_reader(canonical.as_bytes(), &opts);
        prop_assert_eq!(fast, slow);
        let ofx = format!("<OFX><STMTTRN>{text}</STMTTRN></OFX>");
        let _ = parse_ofx(ofx.as_bytes(), &opts);
    }
}
