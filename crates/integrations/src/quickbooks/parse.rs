//! QuickBooks Online's answers as [`Company`](super::Company) reads them: query pages, CDC
//! answers and the company's info, from their bytes (no I/O: the fuzz targets read them too).

use super::fault::QuickBooksError;
use super::model::{self, EntityType, Record};
use super::wire;
use flowsense_core::Currency;
use serde_json::Value;

/// Rows per page: the API's maximum.
pub const PAGE_SIZE: usize = 1000;
/// CDC's look-back limit.
pub const CDC_MAX_DAYS: i64 = 30;
/// Most objects one CDC answer holds.
pub const CDC_MAX_OBJECTS: usize = 1000;

fn json(body: &[u8]) -> Result<Value, QuickBooksError> {
    serde_json::from_slice(body).map_err(|e| QuickBooksError::Decode(format!("JSON answer: {e}")))
}

fn map(entity: EntityType, row: Value, home: Currency) -> Result<Record, QuickBooksError> {
    let bad = |e: serde_json::Error| QuickBooksError::Decode(format!("{}: {e}", entity.name()));
    if entity == EntityType::Account {
        let a: wire::Account = serde_json::from_value(row).map_err(bad)?;
        model::account(a, home).map(Record::Account)
    } else {
        let t: wire::Txn = serde_json::from_value(row).map_err(bad)?;
        model::txn(entity, t, home)
    }
}

/// The company's name from a `companyinfo` answer, as `Company::company_name` reads it.
///
/// # Errors
/// [`QuickBooksError::Decode`] for an answer that is not JSON or has no company name.
pub fn parse_company_name(body: &[u8]) -> Result<String, QuickBooksError> {
    let answer: wire::CompanyInfoAnswer = serde_json::from_value(json(body)?)
        .map_err(|e| QuickBooksError::Decode(format!("CompanyInfo: {e}")))?;
    let name = answer.company_info.company_name.trim();
    if name.is_empty() {
        return Err(QuickBooksError::Decode(
            "CompanyInfo has no company name".into(),
        ));
    }
    Ok(name.to_owned())
}

/// One query answer (`{"QueryResponse":{"<Entity>":[…]}}`) as `Company::read_page` reads
/// it: its records (amounts without a `CurrencyRef` in `home`), and `true` when the page was
/// full.
///
/// # Errors
/// [`QuickBooksError::Decode`] for an answer that is not JSON or a row that is not a record.
pub fn parse_query_page(
    body: &[u8],
    entity: EntityType,
    home: Currency,
) -> Result<(Vec<Record>, bool), QuickBooksError> {
    let mut body = json(body)?;
    let rows = match body
        .get_mut("QueryResponse")
        .and_then(|q| q.get_mut(entity.name()))
        .map(Value::take)
    {
        Some(Value::Array(rows)) => rows,
        Some(_) => return Err(QuickBooksError::Decode("QueryResponse rows".into())),
        None => Vec::new(),
    };
    let more = rows.len() >= PAGE_SIZE;
    let records = rows
        .into_iter()
        .map(|r| map(entity, r, home))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((records, more))
}

/// One CDC answer as `Company::changes_since` reads it: the changed `entities`.
///
/// # Errors
/// As [`parse_query_page`]; [`QuickBooksError::CdcOverflow`] for a full answer.
pub fn parse_cdc(
    body: &[u8],
    entities: &[EntityType],
    home: Currency,
) -> Result<Vec<Record>, QuickBooksError> {
    let mut body = json(body)?;
    let groups = body
        .get_mut("CDCResponse")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get_mut("QueryResponse").and_then(Value::as_array_mut))
        .flatten();
    let mut out = Vec::new();
    for group in groups {
        for &entity in entities {
            if let Some(Value::Array(rows)) = group.get_mut(entity.name()).map(Value::take) {
                for row in rows {
                    out.push(map(entity, row, home)?);
                }
            }
        }
    }
    if out.len() >= CDC_MAX_OBJECTS {
        return Err(QuickBooksError::CdcOverflow);
    }
    Ok(out)
}
