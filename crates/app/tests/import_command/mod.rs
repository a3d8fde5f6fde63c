//! `flowsense import`: all or nothing, with the line and reason of a refusal, and a kill mid-import that leaves the database as before.

use super::*;

#[test]
fn import_is_all_or_nothing_reports_line_and_reason_and_never_duplicates() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "acme", "--name", "Acme Ltd"]);
    let books = ws.path("books.csv");
    ws.ok(&[
        "gen",
        "--transactions",
        "2000",
        "--out",
        books.to_str().unwrap(),
    ]);
    let first = ws.ok(&[
        "import",
        "--org",
        "acme",
        "--quiet",
        books.to_str().unwrap(),
    ]);
    assert!(first.contains("added"), "{first}");
    let before = ws.counts();
    assert!(before.transactions > 1500, "{before:?}");
    let again = ws.ok(&[
        "import",
        "--org",
        "acme",
        "--quiet",
        books.to_str().unwrap(),
    ]);
    assert!(again.contains(" 0 added"), "{again}");
    assert_eq!(ws.counts().transactions, before.transactions);
    let before = ws.counts();

    let good = "2026-01-02,Operating,10.00,USD,Shop,Sales,ok,r1\n";
    let header = "date,account,amount,currency,counterparty,category,description,reference\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "columns.csv",
            format!("{header}{good}2026-01-03,Operating,10.00,USD\n").into_bytes(),
            "columns.csv:3:",
        ),
        (
            "date.csv",
            format!("{header}{good}2026-13-45,Operating,1.00,USD,A,B,C,r2\n").into_bytes(),
            "date.csv:3: bad date",
        ),
        (
            "amount.csv",
            format!("{header}{good}2026-01-03,Operating,\"12,3.4\",USD,A,B,C,r2\n").into_bytes(),
            "amount.csv:3: bad amount",
        ),
        ("empty.csv", Vec::new(), "empty.csv"),
        (
            "junk.csv",
            vec![0u8, 159, 146, 150, 0, 1, 2, 255, 254, 10, 0, 0],
            "junk.csv",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = ws.path(name);
        std::fs::write(&path, bytes).unwrap();
        let err = ws.fails(&["import", "--org", "acme", "--quiet", path.to_str().unwrap()]);
        assert!(err.contains(expected), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: one line: {err}");
        assert!(
            !err.contains("Shop"),
            "{name}: other rows' content leaked: {err}"
        );
        assert_eq!(ws.counts(), before, "{name} left something behind");
    }
    // A 200 MB line is refused after reading about a megabyte of it.
    let huge = ws.path("huge.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&huge).unwrap());
        f.write_all(header.as_bytes()).unwrap();
        f.write_all(good.as_bytes()).unwrap();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..200 {
            f.write_all(&chunk).unwrap();
        }
        f.write_all(b"\n").unwrap();
    }
    let err = ws.fails(&["import", "--org", "acme", "--quiet", huge.to_str().unwrap()]);
    assert!(
        err.contains("huge.csv:3") && err.contains("longer than"),
        "{err}"
    );
    assert_eq!(ws.counts(), before);
    // Unknown organisation.
    let err = ws.fails(&["import", "--org", "nope", books.to_str().unwrap()]);
    assert!(err.contains("no organisation"), "{err}");
}

#[test]
fn a_kill_during_a_million_row_import_leaves_the_database_as_before() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "big", "--name", "Big Co"]);
    let small = ws.path("small.csv");
    ws.ok(&[
        "gen",
        "--transactions",
        "1000",
        "--seed",
        "3",
        "--out",
        small.to_str().unwrap(),
    ]);
    ws.ok(&["import", "--org", "big", "--quiet", small.to_str().unwrap()]);
    let before = ws.counts();

    let big = ws.path("big.csv");
    ws.ok(&[
        "gen",
        "--transactions",
        "1000000",
        "--seed",
        "4",
        "--out",
        big.to_str().unwrap(),
    ]);
    let mut child = ws
        .cmd()
        .args(["import", "--org", "big", "--quiet", big.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the import has written well into its transaction (the WAL grows), then kill -9.
    let wal = ws.path("flowsense.db-wal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 32 << 20 {
        assert!(
            std::time::Instant::now() < deadline,
            "the import never got going"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(ws.counts(), before, "the killed import left rows behind");
    assert_eq!(ws.sql("PRAGMA integrity_check"), "ok");
}

#[test]
fn a_dry_run_shows_the_layout_counts_and_totals_and_writes_nothing() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&[
        "org",
        "create",
        "--slug",
        "shop",
        "--name",
        "Shop Ltd",
        "--currency",
        "GBP",
    ]);
    let paypal = ws.path("paypal.csv");
    std::fs::write(
        &paypal,
        "\"Date\",\"Time\",\"TimeZone\",\"Name\",\"Type\",\"Status\",\"Currency\",\"Gross\",\"Fee\",\"Net\",\"Transaction ID\"\n\
         \"02/03/2024\",\"10:00:00\",\"GMT\",\"Ann\",\"Express Checkout Payment\",\"Completed\",\"GBP\",\"100.00\",\"-3.20\",\"96.80\",\"A1\"\n\
         \"05/03/2024\",\"10:00:00\",\"GMT\",\"\",\"General Withdrawal\",\"Completed\",\"GBP\",\"-50.00\",\"0.00\",\"-50.00\",\"A2\"\n\
         \"06/03/2024\",\"10:00:00\",\"GMT\",\"Bo\",\"Express Checkout Payment\",\"Pending\",\"GBP\",\"60.00\",\"-2.14\",\"57.86\",\"A3\"\n",
    )
    .unwrap();
    let before = ws.counts();
    let file = paypal.to_str().unwrap();
    let dry = ws.ok(&["import", "--org", "shop", "--dry-run", file]);
    for wanted in [
        "nothing was written",
        "Read as: PayPal activity (date=Date, ",
        "Dates read day-first: the file could not tell; pass --date-format to override",
        "Split 1 fee(s) off gross amounts",
        "Skipped 1 row(s): status Pending (1)",
        "Transactions: 3",
        "GBP: 3 rows, 100.00 in, -53.20 out, 46.80 net",
    ] {
        assert!(dry.contains(wanted), "{wanted:?} in:\n{dry}");
    }
    assert_eq!(ws.counts(), before, "a dry run writes nothing");

    // --date-format wins over the organisation's order, and then nothing is assumed.
    let month_first = ws.ok(&[
        "import",
        "--org",
        "shop",
        "--dry-run",
        "--date-format",
        "MM/DD/YYYY",
        file,
    ]);
    assert!(!month_first.contains("Dates read"), "{month_first}");

    // The import itself says the same about the file, and a second one adds nothing.
    let done = ws.ok(&["import", "--org", "shop", "--quiet", file]);
    assert!(done.contains("3 added"), "{done}");
    assert!(done.contains("Read as: PayPal activity"), "{done}");
    assert_eq!(ws.counts().transactions, before.transactions + 3);
    let again = ws.ok(&["import", "--org", "shop", "--quiet", file]);
    assert!(again.contains(" 0 added"), "{again}");

    // A dry run refuses a bad file as the import would: the line and the reason, one line.
    let bad = ws.path("bad.csv");
    std::fs::write(
        &bad,
        "Date,Description,Amount\n2024-01-02,a,1.00\n2024-01-03,b,12;3\n",
    )
    .unwrap();
    let err = ws.fails(&[
        "import",
        "--org",
        "shop",
        "--dry-run",
        bad.to_str().unwrap(),
    ]);
    assert!(err.contains("bad.csv:3: bad amount"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn a_mapping_given_once_is_saved_for_the_account_and_used_for_its_later_files() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "acme", "--name", "Acme Ltd"]);
    // Headers no built-in name matches: the file needs a mapping.
    let january = ws.path("january.csv");
    std::fs::write(
        &january,
        "Booked,What,Value\n03/01/2026,Coffee,-4.50\n25/01/2026,Client,100.00\n",
    )
    .unwrap();
    let err = ws.fails(&into_checking(&january, &[]));
    assert!(err.contains("name them with --map"), "{err}");

    let out = ws.ok(&into_checking(
        &january,
        &["--map", "date=Booked,amount=Value,description=What"],
    ));
    assert!(out.contains("2 added"), "{out}");
    assert!(
        out.contains("Saved this mapping for account Checking"),
        "{out}"
    );

    // The next month's file needs no --map, and says whose mapping it used.
    let february = ws.path("february.csv");
    std::fs::write(&february, "Booked,What,Value\n14/02/2026,Rent,-900.00\n").unwrap();
    let out = ws.ok(&into_checking(&february, &[]));
    assert!(
        out.contains("Using the mapping saved for account Checking"),
        "{out}"
    );
    assert!(out.contains("1 added"), "{out}");
    assert_eq!(ws.counts().transactions, 3);

    // --no-preset reads the header alone (and so refuses this file); another account has no
    // saved mapping.
    let err = ws.fails(&into_checking(&february, &["--no-preset"]));
    assert!(err.contains("name them with --map"), "{err}");
    let err = ws.fails(&[
        "import",
        "--org",
        "acme",
        "--quiet",
        "--account",
        "Savings",
        february.to_str().unwrap(),
    ]);
    assert!(err.contains("name them with --map"), "{err}");

    // A file whose columns changed is refused with words for a saved mapping.
    let changed = ws.path("march.csv");
    std::fs::write(&changed, "Date posted,Text,Sum\n14/03/2026,Rent,-900.00\n").unwrap();
    let err = ws.fails(&into_checking(&changed, &[]));
    assert!(
        err.contains("of the mapping saved for this account is not in the header"),
        "{err}"
    );
    assert_eq!(ws.counts().transactions, 3);
}

/// `flowsense import --org acme --quiet --account Checking MORE... FILE`.
fn into_checking<'a>(file: &'a std::path::Path, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "import",
        "--org",
        "acme",
        "--quiet",
        "--account",
        "Checking",
    ];
    args.extend_from_slice(more);
    args.push(file.to_str().unwrap());
    args
}
