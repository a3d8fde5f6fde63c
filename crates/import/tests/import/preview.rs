use crate::opts;
use flowsense_import::{
    ColumnMap, DateFormat, ErrorReason, Field, FileFormat, PREVIEW_ROWS, preview_path,
};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write the file");
    path
}

#[test]
fn a_csv_preview_shows_the_layout_the_date_order_and_the_first_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("Booked;Text;Betrag;Notes\n");
    for day in 1..=20 {
        text.push_str(&format!("{day:02}.03.2024;Row {day};-1,50;x\n"));
    }
    let path = write(&dir, "bank.csv", &text);
    let p = preview_path(&path, &opts(), PREVIEW_ROWS).unwrap();
    assert_eq!(p.format, FileFormat::Csv);
    // "Booked" is no known date header: refused, with the header to map.
    assert!(matches!(
        p.refusal.as_ref().map(|e| &e.reason),
        Some(ErrorReason::UnrecognisedHeader(_))
    ));
    assert_eq!(
        p.columns
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>(),
        ["Booked", "Text", "Betrag", "Notes"]
    );
    assert!(p.rows.is_empty());

    let mut o = opts();
    o.column_map = ColumnMap::parse("date=Booked,description=Text").unwrap();
    let p = preview_path(&path, &o, PREVIEW_ROWS).unwrap();
    assert_eq!(p.refusal, None);
    let fields: Vec<Option<Field>> = p.columns.iter().map(|(_, f)| *f).collect();
    assert_eq!(
        fields,
        [
            Some(Field::Date),
            Some(Field::Description),
            Some(Field::Amount),
            None
        ]
    );
    assert_eq!(p.rows.len(), PREVIEW_ROWS);
    assert_eq!(p.rows[0].amount_minor, -150);
    assert_eq!(p.rows[9].description, "Row 10");
    assert_eq!(p.date_format, None, "dotted dates need no order");
}

#[test]
fn the_order_proven_by_the_rows_and_a_bad_row_are_shown() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "b.csv",
        "date,amount,description\n03/04/2024,1.00,a\n25/04/2024,2.00,b\n26/04/2024,x,c\n",
    );
    let p = preview_path(&path, &opts(), PREVIEW_ROWS).unwrap();
    assert_eq!(p.date_format, Some(DateFormat::DayFirst));
    assert_eq!(p.rows.len(), 2);
    let refusal = p.refusal.expect("the third row");
    assert_eq!(refusal.line, 4);

    let ofx = write(
        &dir,
        "s.ofx",
        "<OFX><STMTRS><CURDEF>EUR<STMTTRN><DTPOSTED>20240101<TRNAMT>-2.5<FITID>1</STMTTRN></STMTRS></OFX>",
    );
    let p = preview_path(&ofx, &opts(), PREVIEW_ROWS).unwrap();
    assert_eq!(
        (p.format, p.rows.len(), p.columns.len()),
        (FileFormat::Ofx, 1, 0)
    );
    let empty = write(&dir, "e.csv", "");
    assert!(preview_path(&empty, &opts(), PREVIEW_ROWS).is_err());
}
