//! The same books as a plain-text journal that both hledger (1.25+) and ledger (3.x) read.
//!
//! Every bank line posts to `Assets:Bank:<Account>` and balances against
//! `Income:<Category>` or `Expenses:<Category>`. The two lines of a transfer become one
//! journal transaction between the two `Assets:Bank:` accounts, so per-account totals equal
//! the CSV. Amounts are written as `-1234.56 USD`: number first, then the commodity code, each
//! line in its own currency; books in several currencies carry their monthly rates as `P`
//! (market price) directives.

use crate::categories::is_income_category;
use crate::model::{GenTxn, GeneratedBooks};
use crate::writers::{DateText, date_bytes, write_amount};
use flowsense_core::books::TRANSFER_CATEGORY;
use std::io::{self, BufWriter, Write};

/// Writes the journal.
///
/// # Errors
/// Whatever the writer returns.
pub fn write_journal<W: Write>(books: &GeneratedBooks, out: W) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, out);
    let exponent = books.currency.exponent();
    let currency = books.currency.as_str();
    writeln!(
        w,
        "; {} — synthetic books, seed {}",
        clean_text(&books.business_name),
        books.seed
    )?;
    writeln!(
        w,
        "; written by flowsense-synth; base currency {currency}\n"
    )?;

    w.write_all(&date_bytes(books.start))?;
    w.write_all(b" * Opening balances\n")?;
    for a in &books.accounts {
        write!(w, "    Assets:Bank:{}  ", account_segment(&a.name))?;
        write_amount(&mut w, a.opening_balance_minor, exponent)?;
        writeln!(w, " {currency}")?;
    }
    w.write_all(b"    Equity:Opening Balances\n\n")?;
    // Market prices of the foreign currencies (hledger's `-X` converts with them).
    for r in &books.rates {
        w.write_all(b"P ")?;
        w.write_all(&date_bytes(r.date))?;
        writeln!(w, " {} {} {}", r.from, r.decimal(), r.to)?;
    }
    if !books.rates.is_empty() {
        w.write_all(b"\n")?;
    }

    let mut dates = DateText::default();
    let txns = &books.transactions;
    let mut i = 0;
    while i < txns.len() {
        let t = &txns[i];
        w.write_all(dates.get(t.date))?;
        let pair = txns
            .get(i + 1)
            .filter(|u| is_transfer(t) && is_mirror(t, u));
        write!(w, " * ({}) ", t.reference)?;
        if pair.is_some() {
            writeln!(w, "{}", clean_text(&t.description))?;
        } else {
            writeln!(w, "{}", clean_text(&t.counterparty))?;
            writeln!(w, "    ; {}", clean_text(&t.description))?;
        }
        let (exponent, currency) = (t.currency.exponent(), t.currency.as_str());
        write_posting(
            &mut w,
            "Assets:Bank:",
            &t.account,
            t.amount_minor,
            exponent,
            currency,
        )?;
        if let Some(u) = pair {
            writeln!(w, "    ; {} and {}", t.reference, u.reference)?;
            write_posting(
                &mut w,
                "Assets:Bank:",
                &u.account,
                u.amount_minor,
                exponent,
                currency,
            )?;
            i += 1;
        } else if is_transfer(t) {
            write_posting(
                &mut w,
                "Equity:Unmatched Transfers:",
                &t.counterparty,
                -t.amount_minor,
                exponent,
                currency,
            )?;
        } else {
            let root = if is_income_category(&t.category)
                || (t.amount_minor > 0 && !is_known_expense(&t.category))
            {
                "Income:"
            } else {
                "Expenses:"
            };
            write_posting(
                &mut w,
                root,
                &t.category,
                -t.amount_minor,
                exponent,
                currency,
            )?;
        }
        w.write_all(b"\n")?;
        i += 1;
    }
    w.flush()
}

fn is_transfer(t: &GenTxn) -> bool {
    &*t.category == TRANSFER_CATEGORY
}

/// The other half of a transfer: same day, opposite amount, accounts swapped.
fn is_mirror(t: &GenTxn, u: &GenTxn) -> bool {
    is_transfer(u)
        && u.date == t.date
        && u.amount_minor == -t.amount_minor
        && u.account == t.counterparty
        && u.counterparty == t.account
}

fn is_known_expense(category: &str) -> bool {
    crate::categories::CATEGORIES
        .iter()
        .any(|&(n, income)| !income && n == category)
}

fn write_posting(
    w: &mut impl Write,
    root: &str,
    name: &str,
    minor: i64,
    exponent: u32,
    currency: &str,
) -> io::Result<()> {
    write!(w, "    {root}{}  ", account_segment(name))?;
    write_amount(w, minor, exponent)?;
    writeln!(w, " {currency}")
}

/// One account-name segment both tools accept: no `:` (a separator), no `;` `#` (comments),
/// no brackets/parentheses (virtual postings), no `@` `*` `!` `|` `"`, no tabs, single spaces.
#[must_use]
pub fn account_segment(name: &str) -> String {
    squeeze(name, |c| {
        matches!(
            c,
            ':' | ';'
                | '#'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '@'
                | '*'
                | '!'
                | '|'
                | '"'
                | '='
                | '&'
        )
    })
}

/// A payee or note both tools read literally: no comment or payee-separator characters.
fn clean_text(text: &str) -> String {
    squeeze(text, |c| matches!(c, ';' | '|' | '#'))
}

fn squeeze(text: &str, bad: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = if bad(c) || c.is_whitespace() || c.is_control() {
            ' '
        } else {
            c
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if out.is_empty() {
        "Unnamed".to_owned()
    } else {
        out
    }
}
