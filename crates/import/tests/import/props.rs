use flowsense_core::money::{Currency, format_minor};
use flowsense_import::{
    CsvImporter, DecimalMode, DecimalSeparator, ImportOptions, detect_format, import_bytes,
    parse_amount, parse_books_bytes, parse_ofx,
};
use proptest::prelude::*;

const LIMIT: i64 = 1_000_000_000_000_000;

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

proptest! {
    #[test]
    fn amounts_round_trip(minor in -LIMIT..=LIMIT, style in 0usize..7) {
        let abs_dot = grouped(minor, '.', ',');
        let abs_comma = grouped(minor, ',', '.');
        let neg = minor < 0;
        let (text, mode) = match style {
            0 => (format_minor(minor, 2), DecimalMode::Auto { default: DecimalSeparator::Dot }),
            1 => (format!("{}{abs_dot}", if neg { "-" } else { "" }), DecimalMode::Auto { default: DecimalSeparator::Dot }),
            2 => (if neg { format!("({abs_dot})") } else { abs_dot }, DecimalMode::Auto { default: DecimalSeparator::Dot }),
            3 => (format!("{}${abs_dot}", if neg { "-" } else { "" }), DecimalMode::Auto { default: DecimalSeparator::Dot }),
            4 => (format!("{abs_dot}{}", if neg { "-" } else { "" }), DecimalMode::Auto { default: DecimalSeparator::Dot }),
            5 => (format!("{}{abs_comma} €", if neg { "-" } else { "" }), DecimalMode::Fixed(DecimalSeparator::Comma)),
            _ => (format!("{}{abs_comma}", if neg { "-" } else { "" }), DecimalMode::Auto { default: DecimalSeparator::Comma }),
        };
        let parsed = parse_amount(&text, mode, 2);
        prop_assert_eq!(parsed.map(|a| a.minor), Ok(minor), "{}", text);
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
