//! The subset of the QuickBooks Online query language the fake answers.
//!
//! Grammar (Intuit, "Data queries", scraped as Petrus-Han/finance_plugins
//! `ref/quickbooks_dev_docs/learn/explore-the-quickbooks-online-api/data-queries.md`):
//! `SELECT * | COUNT(*) FROM <Entity> [WHERE <prop> <op> '<value>' [AND …]]
//! [ORDERBY <prop> [ASC|DESC]] [STARTPOSITION n] [MAXRESULTS m]`, keywords case-insensitive,
//! `AND` only (no `OR`), STARTPOSITION 1-based, MAXRESULTS at most 1000.
//! Properties answered here: `Id` and `MetaData.LastUpdatedTime` / `MetaData.CreateTime`.

use super::ledger::Kind;
use chrono::{DateTime, Utc};

/// Most rows one query returns.
pub const MAX_RESULTS: usize = 1000;
/// Rows when MAXRESULTS is not given.
pub const DEFAULT_RESULTS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prop {
    Id,
    LastUpdated,
    Created,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Literal {
    Id(u64),
    Time(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub count: bool,
    pub kind: Kind,
    pub filters: Vec<(Prop, Op, Literal)>,
    pub order: Option<(Prop, bool)>,
    /// 1-based.
    pub start: usize,
    pub max: usize,
}

/// Why a statement was refused (served as a `QueryParserError` fault).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

fn prop(text: &str) -> Result<Prop, ParseError> {
    match text.to_ascii_lowercase().as_str() {
        "id" => Ok(Prop::Id),
        "metadata.lastupdatedtime" => Ok(Prop::LastUpdated),
        "metadata.createtime" => Ok(Prop::Created),
        _ => Err(ParseError(format!("property {text} is not queryable"))),
    }
}

/// Splits on whitespace, keeping a quoted literal (which may hold spaces) whole.
fn tokens(statement: &str) -> Result<Vec<String>, ParseError> {
    let mut out = Vec::new();
    let mut chars = statement.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '\'' {
            chars.next();
            let mut lit = String::from("'");
            loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(ch) => lit.push(ch),
                    None => return Err(ParseError("unterminated string literal".into())),
                }
            }
            out.push(lit);
        } else {
            let mut word = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() || ch == '\'' {
                    break;
                }
                word.push(ch);
                chars.next();
            }
            out.push(word);
        }
    }
    Ok(out)
}

fn literal(p: Prop, text: &str) -> Result<Literal, ParseError> {
    let bad = || ParseError(format!("bad value {text}"));
    let inner = text.strip_prefix('\'').unwrap_or(text);
    match p {
        Prop::Id => inner.parse().map(Literal::Id).map_err(|_| bad()),
        Prop::LastUpdated | Prop::Created => DateTime::parse_from_rfc3339(inner)
            .map(|t| Literal::Time(t.with_timezone(&Utc)))
            .map_err(|_| bad()),
    }
}

/// Parses one statement.
///
/// # Errors
/// Anything outside the subset above.
pub fn parse(statement: &str) -> Result<Query, ParseError> {
    let t = tokens(statement)?;
    let kw = |i: usize, word: &str| t.get(i).is_some_and(|w| w.eq_ignore_ascii_case(word));
    let err = |m: &str| Err(ParseError(m.into()));
    if !kw(0, "select") {
        return err("a query starts with SELECT");
    }
    let count = match t.get(1).map(|s| s.to_ascii_lowercase()) {
        Some(s) if s == "*" => false,
        Some(s) if s == "count(*)" => true,
        _ => return err("only SELECT * and SELECT COUNT(*) are supported"),
    };
    if !kw(2, "from") {
        return err("FROM expected");
    }
    let kind = t
        .get(3)
        .and_then(|n| Kind::parse(n))
        .ok_or_else(|| ParseError("unknown entity".into()))?;
    let mut q = Query {
        count,
        kind,
        filters: Vec::new(),
        order: None,
        start: 1,
        max: DEFAULT_RESULTS,
    };
    let mut i = 4;
    if kw(i, "where") {
        i += 1;
        loop {
            let (Some(p), Some(op), Some(v)) = (t.get(i), t.get(i + 1), t.get(i + 2)) else {
                return err("incomplete WHERE clause");
            };
            let p = prop(p)?;
            let op = match op.as_str() {
                "=" => Op::Eq,
                "<" => Op::Lt,
                ">" => Op::Gt,
                "<=" => Op::Le,
                ">=" => Op::Ge,
                _ => return err("unsupported operator"),
            };
            q.filters.push((p, op, literal(p, v)?));
            i += 3;
            if kw(i, "or") {
                return err("OR is not supported");
            }
            if !kw(i, "and") {
                break;
            }
            i += 1;
        }
    }
    if kw(i, "orderby") {
        let p = prop(t.get(i + 1).map_or("", String::as_str))?;
        i += 2;
        let desc = kw(i, "desc");
        if desc || kw(i, "asc") {
            i += 1;
        }
        q.order = Some((p, desc));
    }
    let number = |j: usize| -> Result<usize, ParseError> {
        t.get(j)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| ParseError("a number expected".into()))
    };
    if kw(i, "startposition") {
        q.start = number(i + 1)?.max(1);
        i += 2;
    }
    if kw(i, "maxresults") {
        q.max = number(i + 1)?.min(MAX_RESULTS);
        i += 2;
    }
    if i != t.len() {
        return err("unexpected text after the statement");
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_paged_incremental_form() {
        let q = parse(
            "select * from Purchase where MetaData.LastUpdatedTime > '2026-01-01T00:00:00-08:00' \
             orderby Id startposition 1001 maxresults 5000",
        )
        .expect("parses");
        assert_eq!(q.kind, Kind::Purchase);
        assert_eq!(q.start, 1001);
        assert_eq!(q.max, MAX_RESULTS);
        assert_eq!(q.order, Some((Prop::Id, false)));
        assert_eq!(q.filters.len(), 1);
        assert!(parse("SELECT COUNT(*) FROM bill").expect("count").count);
        assert!(parse("select * from Bill where Id = '1' or Id = '2'").is_err());
        assert!(parse("delete from Bill").is_err());
    }
}
