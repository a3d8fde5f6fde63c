//! `SECURITY-TESTS.md` at the repository root maps each row of the security checklist to the
//! tests that prove it. This check keeps the record honest: every row once and in order, every
//! cited test a real function in a real file, a proven row with its tests, a waiting row with its
//! issue, a process row with its document, and counts at the top that agree with the rows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The checklist's row ids, in its order (89 rows: A12, B11, C8, D8, E4, F10, G6, H7, I9, J9,
/// K5). The checklist itself lives outside the repository, so its ids are copied here.
const ROW_IDS: [&str; 89] = [
    "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A11", "A12", //
    "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11", //
    "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", //
    "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8", //
    "E1", "E2", "E3", "E4", //
    "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", //
    "G1", "G2", "G3", "G4", "G5", "G6", //
    "H1", "H2", "H3", "H4", "H5", "H6", "H7", //
    "I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", //
    "J1", "J2", "J3", "J4", "J5", "J6", "J7", "J8", "J9", //
    "K1", "K2", "K3", "K4", "K5",
];

const STATUSES: [&str; 4] = ["proven", "partial", "waiting", "process"];

#[derive(Debug)]
struct Row {
    id: String,
    status: String,
    /// `path/to/file.rs::function_name`, as cited in the tests column.
    tests: Vec<(String, String)>,
    notes: String,
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The spans between backticks in `text`.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The numbers written as `#123` in `text`.
fn issue_numbers(text: &str) -> Vec<u32> {
    text.split('#')
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// The rows of the record's table, and the counts from its top line.
fn parse(record: &str) -> Result<(Vec<Row>, BTreeMap<String, usize>), String> {
    let mut rows = Vec::new();
    let mut counts = BTreeMap::new();
    for line in record.lines() {
        if let Some(rest) = line.strip_prefix("Counts:") {
            for part in rest.split('·') {
                let mut words = part.split_whitespace();
                let (Some(status), Some(n)) = (words.next(), words.next()) else {
                    return Err(format!("a count without a number: {part:?}"));
                };
                let n: usize = n.parse().map_err(|_| format!("not a count: {part:?}"))?;
                counts.insert(status.to_owned(), n);
            }
            continue;
        }
        let Some(inner) = line.strip_prefix('|') else {
            continue;
        };
        let cells: Vec<&str> = inner.split('|').map(str::trim).collect();
        let id = cells[0];
        let is_row = id.len() >= 2
            && id.starts_with(|c: char| c.is_ascii_uppercase())
            && id[1..].chars().all(|c| c.is_ascii_digit());
        if !is_row {
            continue;
        }
        if cells.len() != 6 || !cells[5].is_empty() {
            return Err(format!(
                "{id}: a row has five cells (id, name, status, tests, notes): {line}"
            ));
        }
        let mut tests = Vec::new();
        for cited in quoted(cells[3]) {
            let (path, name) = cited
                .split_once("::")
                .ok_or_else(|| format!("{id}: `{cited}` is not path::function"))?;
            tests.push((path.to_owned(), name.to_owned()));
        }
        rows.push(Row {
            id: id.to_owned(),
            status: cells[2].to_owned(),
            tests,
            notes: cells[4].to_owned(),
        });
    }
    Ok((rows, counts))
}

/// Every way `record` breaks the rules, against the files under `root`.
fn problems(record: &str, root: &Path) -> Vec<String> {
    let (rows, counts) = match parse(record) {
        Ok(parsed) => parsed,
        Err(e) => return vec![e],
    };
    let mut found = Vec::new();
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    for id in ROW_IDS {
        match ids.iter().filter(|i| **i == id).count() {
            0 => found.push(format!("{id} is missing")),
            1 => {}
            n => found.push(format!("{id} appears {n} times")),
        }
    }
    for id in &ids {
        if !ROW_IDS.contains(id) {
            found.push(format!("{id} is not a checklist row"));
        }
    }
    if found.is_empty() && ids != ROW_IDS {
        found.push("the rows are not in the checklist's order".to_owned());
    }
    let mut sources: BTreeMap<String, Option<String>> = BTreeMap::new();
    for row in &rows {
        let id = &row.id;
        if !STATUSES.contains(&row.status.as_str()) {
            found.push(format!("{id}: unknown status {:?}", row.status));
        }
        for (path, name) in &row.tests {
            let source = sources
                .entry(path.clone())
                .or_insert_with(|| std::fs::read_to_string(root.join(path)).ok());
            match source {
                None => found.push(format!("{id}: {path} does not exist")),
                Some(text) => {
                    let declared = [format!("fn {name}("), format!("fn {name}<")]
                        .iter()
                        .any(|d| text.contains(d.as_str()));
                    if !declared {
                        found.push(format!("{id}: {path} has no fn {name}"));
                    }
                }
            }
        }
        match row.status.as_str() {
            "proven" if row.tests.is_empty() => {
                found.push(format!("{id}: proven, but cites no test"));
            }
            "waiting" if issue_numbers(&row.notes).is_empty() => {
                found.push(format!("{id}: waiting, but names no issue (#n)"));
            }
            "process" => {
                let documents: Vec<&str> = quoted(&row.notes)
                    .into_iter()
                    .filter(|q| !q.contains("::"))
                    .collect();
                if documents.is_empty() {
                    found.push(format!("{id}: process, but names no document"));
                }
                for d in documents {
                    if !root.join(d).is_file() {
                        found.push(format!("{id}: {d} does not exist"));
                    }
                }
            }
            _ => {}
        }
    }
    for status in STATUSES {
        let rows_with = rows.iter().filter(|r| r.status == status).count();
        match counts.get(status) {
            None => found.push(format!("the counts at the top do not give {status}")),
            Some(&n) if n != rows_with => found.push(format!(
                "the top says {n} {status}, the rows say {rows_with}"
            )),
            Some(_) => {}
        }
    }
    for status in counts.keys() {
        if !STATUSES.contains(&status.as_str()) {
            found.push(format!("the counts at the top name {status:?}"));
        }
    }
    found
}

#[test]
fn the_security_record_names_every_row_and_only_real_tests() {
    let root = repository_root();
    let record =
        std::fs::read_to_string(root.join("SECURITY-TESTS.md")).expect("SECURITY-TESTS.md");
    let found = problems(&record, &root);
    assert!(
        found.is_empty(),
        "SECURITY-TESTS.md is out of date:\n  {}",
        found.join("\n  ")
    );
}

/// The check itself catches each kind of mistake, on copies of the real record.
#[test]
fn the_record_check_catches_each_kind_of_mistake() {
    let root = repository_root();
    let record =
        std::fs::read_to_string(root.join("SECURITY-TESTS.md")).expect("SECURITY-TESTS.md");
    let (rows, _) = parse(&record).expect("the record parses");
    let proven = rows
        .iter()
        .find(|r| r.status == "proven")
        .expect("a proven row");
    let (path, name) = &proven.tests[0];
    // With no waiting row left, a partial one stands in: its copy is made waiting below.
    let waiting = rows
        .iter()
        .find(|r| r.status == "waiting")
        .or_else(|| rows.iter().find(|r| r.status == "partial"))
        .expect("a waiting or partial row");
    let row_line = |id: &str| {
        record
            .lines()
            .find(|l| l.starts_with(&format!("| {id} |")))
            .expect("the row's line")
            .to_owned()
    };
    let proven_line = row_line(&proven.id);
    let waiting_line = row_line(&waiting.id);
    let mut tests_cell: Vec<&str> = proven_line.split('|').collect();
    tests_cell[4] = " ";
    let untested = tests_cell.join("|");
    let waiting_cells: Vec<String> = waiting_line
        .split('|')
        .enumerate()
        .map(|(i, c)| {
            if i == 3 {
                " waiting ".to_owned()
            } else if i == 5 {
                c.replace('#', "issue ")
            } else {
                c.to_owned()
            }
        })
        .collect();
    let cases = [
        (
            "a misspelt test",
            record.replacen(&format!("::{name}`"), &format!("::{name}_typo`"), 1),
            format!("has no fn {name}_typo"),
        ),
        (
            "a missing file",
            record.replacen(&format!("`{path}::"), &format!("`{path}.gone::"), 1),
            "does not exist".to_owned(),
        ),
        (
            "a missing row",
            record.replacen(&format!("{proven_line}\n"), "", 1),
            format!("{} is missing", proven.id),
        ),
        (
            "a duplicated row",
            record.replacen(&proven_line, &format!("{proven_line}\n{proven_line}"), 1),
            format!("{} appears 2 times", proven.id),
        ),
        (
            "a proven row without a test",
            record.replacen(&proven_line, &untested, 1),
            "proven, but cites no test".to_owned(),
        ),
        (
            "a waiting row without an issue",
            record.replacen(&waiting_line, &waiting_cells.join("|"), 1),
            "waiting, but names no issue".to_owned(),
        ),
        (
            "counts that disagree",
            record.replacen("Counts: proven ", "Counts: proven 1", 1),
            "the top says".to_owned(),
        ),
    ];
    assert!(problems(&record, &root).is_empty());
    for (what, broken, expected) in cases {
        let found = problems(&broken, &root);
        assert!(
            found.iter().any(|p| p.contains(&expected)),
            "{what}: expected {expected:?} in {found:?}"
        );
    }
}
