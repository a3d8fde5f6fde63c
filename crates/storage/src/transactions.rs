//! Transactions: the rows imports and syncs add, and the filtered, paged list the API serves.

use crate::Store;
use crate::args::{Sql, sql};
use crate::corrections::effective_class;
use crate::db::Backend;
use crate::error::Result;
use crate::search_terms::SearchTerms;
use chrono::NaiveDate;
use flowsense_core::fx::{Converted, RateTable};
use flowsense_core::{Currency, FlowClass, OrgId};
use serde::Serialize;

/// A transaction to add. Amounts are minor units. `amount_minor` and `currency` are in the
/// bank account's own currency, exactly as held (reports convert them to the organisation's
/// base currency as the books are loaded, never here); `original_*` are the amount and currency
/// as the file or the provider wrote the movement, which every source read today writes in the
/// account's currency too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransaction {
    pub account: String,
    pub posted_on: NaiveDate,
    pub amount_minor: i64,
    pub currency: String,
    pub original_amount_minor: i64,
    pub original_currency: String,
    pub counterparty: String,
    pub description: String,
    pub category: String,
    pub is_transfer: bool,
    /// Stable id from the source, for de-duplication.
    pub external_id: String,
}

/// A stored transaction as the API lists it: `category` and `counterparty` as the reports use
/// them (the owner's correction, else the source's), with the source's own values beside them
/// when corrected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StoredTransaction {
    pub id: i64,
    pub account: String,
    pub posted_on: NaiveDate,
    pub amount_minor: i64,
    pub currency: String,
    pub counterparty: String,
    pub description: String,
    pub category: String,
    pub is_transfer: bool,
    pub source: String,
    /// The category the source gave, when the owner changed it.
    pub source_category: Option<String>,
    /// The counterparty name the source gave, when the owner changed it.
    pub source_counterparty: Option<String>,
    /// The class the owner chose (`operating`, `financing`, `transfer`), if any.
    pub class_override: Option<String>,
    /// The class the reports use.
    #[sqlx(skip)]
    pub class: FlowClass,
    /// `amount_minor` in the organisation's base currency at the rate of the transaction's
    /// date, as the reports count it; `None` when no rate is known (the reports then leave it
    /// out, and list it among the missing rates).
    #[sqlx(skip)]
    pub base_amount_minor: Option<i64>,
    /// 0 for a whole-word search match (and for every row without a search), 1 for a match
    /// only through a `word*` prefix.
    #[serde(skip)]
    pub search_rank: i64,
}

/// Filters for listing transactions; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct TxnFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub account: Option<String>,
    pub category: Option<String>,
    pub counterparty: Option<String>,
    /// Words to find in the description, counterparty or category (see
    /// [`crate::search_terms`]: whole words, `word*` for a prefix; whole-word matches first).
    pub text: Option<String>,
    /// Continue after this position (from a previous page's `next_cursor`).
    pub cursor: Option<TxnCursor>,
    pub limit: u32,
}

/// A position in the list's order: `(rank, posted_on, id)` of the last row seen. Rows come by
/// search rank (0 for whole-word matches, 1 for prefix-only ones; always 0 without a search),
/// then newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnCursor {
    pub rank: u8,
    pub posted_on: NaiveDate,
    pub id: i64,
}

impl TxnCursor {
    /// Encodes as an opaque-looking `YYYYMMDD-id` string, with `-r1` after it for rank 1.
    #[must_use]
    pub fn encode(self) -> String {
        let rank = if self.rank == 0 { "" } else { "-r1" };
        format!("{}-{}{rank}", self.posted_on.format("%Y%m%d"), self.id)
    }

    /// Parses what [`TxnCursor::encode`] wrote.
    #[must_use]
    pub fn decode(s: &str) -> Option<Self> {
        let (s, rank) = match s.strip_suffix("-r1") {
            Some(rest) => (rest, 1),
            None => (s, 0),
        };
        let (d, id) = s.split_once('-')?;
        Some(TxnCursor {
            rank,
            posted_on: NaiveDate::parse_from_str(d, "%Y%m%d").ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// One page of transactions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TxnPage {
    pub items: Vec<StoredTransaction>,
    pub next_cursor: Option<String>,
}

/// The rank of every row when there is no prefix to rank by (a `BIGINT` on both engines).
const ZERO: &str = "CAST(0 AS BIGINT)";

impl Store {
    /// Lists transactions newest first, filtered, one page at a time.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_transactions(&self, org: OrgId, f: &TxnFilter) -> Result<TxnPage> {
        let limit = f.limit.clamp(1, 500);
        let mut sql = Sql::new("");
        let mut text = String::from(
            "SELECT t.id, a.name AS account, t.posted_on, t.amount_minor, t.currency, \
             COALESCE(t.counterparty_override, t.counterparty) AS counterparty, \
             t.description, COALESCE(t.category_override, t.category) AS category, t.is_transfer, t.source, \
             CASE WHEN t.category_override IS NULL THEN NULL ELSE t.category END AS source_category, \
             CASE WHEN t.counterparty_override IS NULL THEN NULL ELSE t.counterparty END AS source_counterparty, \
             t.class_override, {rank} AS search_rank \
             FROM transactions t JOIN bank_accounts a ON a.id = t.account_id AND a.org_id = t.org_id \
             WHERE t.org_id = ",
        );
        text += &sql.push_arg(org);
        if let Some(from) = f.from {
            text += &format!(" AND t.posted_on >= {}", sql.push_arg(from));
        }
        if let Some(to) = f.to {
            text += &format!(" AND t.posted_on <= {}", sql.push_arg(to));
        }
        if let Some(account) = &f.account {
            text += &format!(" AND a.name = {}", sql.push_arg(account.as_str()));
        }
        if let Some(category) = &f.category {
            text += &format!(
                " AND COALESCE(t.category_override, t.category) = {}",
                sql.push_arg(category.as_str())
            );
        }
        if let Some(cp) = &f.counterparty {
            text += &format!(
                " AND COALESCE(t.counterparty_override, t.counterparty) = {}",
                sql.push_arg(cp.as_str())
            );
        }
        let rank = match f.text.as_deref().filter(|q| !q.trim().is_empty()) {
            None => ZERO.to_owned(),
            Some(q) => match SearchTerms::parse(q) {
                // A text without a word to look for matches nothing.
                None => {
                    text += " AND 1 = 0";
                    ZERO.to_owned()
                }
                Some(terms) => self.search_condition(&terms, &mut sql, &mut text),
            },
        };
        if let Some(c) = f.cursor {
            let r = sql.push_arg(i64::from(c.rank));
            let d = sql.push_arg(c.posted_on);
            let i = sql.push_arg(c.id);
            text += &format!(
                " AND ({rank} > {r} OR ({rank} = {r} AND \
                 (t.posted_on < {d} OR (t.posted_on = {d} AND t.id < {i}))))"
            );
        }
        text += &format!(
            " ORDER BY {{order}}t.posted_on DESC, t.id DESC LIMIT {}",
            sql.push_arg(i64::from(limit) + 1)
        );
        // Ranked only when a prefix can rank rows apart: a constant rank would keep the
        // engine from reading the rows in date order straight from the index.
        let order = if rank == ZERO { "" } else { "search_rank, " };
        sql.text = text
            .replace("{rank}", &rank)
            .replace("{order}", order)
            .into();
        let base = self.org(org).await?.settings.base_currency;
        let mut tx = self.scoped(org).await?;
        let mut items: Vec<StoredTransaction> = tx.fetch_all(sql).await?;
        if items.iter().any(|t| t.currency != base.as_str()) {
            let rates = crate::rates::rates_for_books(&mut tx, org).await?;
            let table = RateTable::new(rates);
            for t in &mut items {
                t.base_amount_minor = Currency::parse(&t.currency).ok().and_then(|c| {
                    match table.convert(t.amount_minor, c, base, t.posted_on) {
                        Converted::Amount(v) => Some(v),
                        Converted::NoRate | Converted::OutOfRange => None,
                    }
                });
            }
        } else {
            for t in &mut items {
                t.base_amount_minor = Some(t.amount_minor);
            }
        }
        tx.commit().await?;
        for t in &mut items {
            t.class = effective_class(
                t.class_override.as_deref(),
                t.is_transfer,
                &t.category,
                &t.counterparty,
            );
        }
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|t| {
                TxnCursor {
                    rank: u8::from(t.search_rank != 0),
                    posted_on: t.posted_on,
                    id: t.id,
                }
                .encode()
            })
        } else {
            None
        };
        Ok(TxnPage { items, next_cursor })
    }

    /// Narrows `text` to rows that hold every search word, and returns the SQL of the row's
    /// rank (0 when every word matched whole, else 1). Each engine's own full-text index:
    /// FTS5's `transaction_search` on SQLite (joined back by id; the caller's `t.org_id`
    /// condition keeps the tenant), the `search_document` tsvector on PostgreSQL.
    fn search_condition(&self, terms: &SearchTerms, sql: &mut Sql, text: &mut String) -> String {
        let sqlite = self.backend() == Backend::Sqlite;
        let matches = |sql: &mut Sql, whole: bool| {
            if sqlite {
                format!(
                    "t.id IN (SELECT rowid FROM transaction_search WHERE transaction_search MATCH {})",
                    sql.push_arg(terms.fts5(whole))
                )
            } else {
                format!(
                    "t.search_document @@ to_tsquery('simple', {})",
                    sql.push_arg(terms.tsquery(whole))
                )
            }
        };
        *text += &format!(" AND {}", matches(sql, false));
        if terms.has_prefix() {
            format!(
                "CAST(CASE WHEN {} THEN 0 ELSE 1 END AS BIGINT)",
                matches(sql, true)
            )
        } else {
            ZERO.to_owned()
        }
    }

    /// How many transactions the organisation has.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn count_transactions(&self, org: OrgId) -> Result<i64> {
        let mut tx = self.scoped(org).await?;
        let (n,): (i64,) = tx.fetch_one(sql!("transactions/count").arg(org)).await?;
        tx.commit().await?;
        Ok(n)
    }
}
