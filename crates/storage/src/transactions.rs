//! Transactions: the rows imports and syncs add, and the filtered, paged list the API serves.

use crate::args::{Sql, sql};
use crate::corrections::effective_class;
use crate::db::Backend;
use crate::error::Result;
use crate::scope::Reads;
use crate::search_terms::SearchTerms;
use crate::{Organisation, Store};
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
    /// For a word search: how many of the newest rows the search index may not hold yet (a
    /// large import is indexed in the background, within seconds to a minute of its commit).
    /// 0 when the search saw every row, and without a search.
    pub search_waiting: i64,
}

/// The rows of a page, in the order they are listed.
#[derive(Debug, Clone)]
enum Group {
    /// Every row (no word search).
    All,
    /// Rows holding every search word whole.
    Whole(SearchTerms),
    /// Rows found only through a `word*` prefix.
    PrefixOnly(SearchTerms),
}

/// Whole-index matches up to which a SQLite search reads the index first (then sorts what it
/// found by date) rather than the organisation's rows newest first (which, for a rare word, reads
/// every row before it can tell there are no more).
const FEW_MATCHES: i64 = 2_000;

/// A group's full-text query in its engine's syntax, and whether it matches few rows.
#[derive(Debug, Clone)]
struct Search {
    query: String,
    /// SQLite only: at most [`FEW_MATCHES`] rows of the whole index match.
    few: bool,
}

impl Search {
    async fn of(tx: &mut impl Reads, query: String) -> Result<Self> {
        let few = if tx.is_sqlite() {
            let (n,): (i64,) = tx
                .fetch_one(
                    sql!("sqlite-only/search/match_count")
                        .arg(query.as_str())
                        .arg(FEW_MATCHES + 1),
                )
                .await?;
            n <= FEW_MATCHES
        } else {
            false
        };
        Ok(Self { query, few })
    }
}

impl Group {
    /// The group's full-text query in `backend`'s syntax; `None` without a search.
    fn full_text(&self, backend: Backend) -> Option<String> {
        match (self, backend) {
            (Group::All, _) => None,
            (Group::Whole(t), Backend::Sqlite) => Some(t.fts5_whole()),
            (Group::Whole(t), Backend::Postgres) => Some(t.tsquery_whole()),
            (Group::PrefixOnly(t), Backend::Sqlite) => Some(t.fts5_prefix_only()),
            (Group::PrefixOnly(t), Backend::Postgres) => Some(t.tsquery_prefix_only()),
        }
    }

    /// The search rank of the group's rows: 0, or 1 for prefix-only matches.
    fn rank(&self) -> u8 {
        match self {
            Group::All | Group::Whole(_) => 0,
            Group::PrefixOnly(_) => 1,
        }
    }
}

impl Store {
    /// Lists transactions newest first, filtered, one page at a time. A search with a `word*`
    /// prefix lists its whole-word matches first, then the rows found only through the prefix;
    /// each group is read newest first straight from the date index, one query each, so a page
    /// costs what it shows, not what the prefix matches.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_transactions(&self, org: OrgId, f: &TxnFilter) -> Result<TxnPage> {
        let org = self.org(org).await?;
        self.list_transactions_of(&org, f).await
    }

    /// [`Store::list_transactions`] for a caller that holds the organisation already (its base
    /// currency is what each row is converted to), saving a read of it.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_transactions_of(&self, org: &Organisation, f: &TxnFilter) -> Result<TxnPage> {
        let base = org.settings.base_currency;
        let org = org.id;
        let limit = f.limit.clamp(1, 500);
        let wanted = limit as usize + 1;
        let search = f.text.as_deref().filter(|q| !q.trim().is_empty());
        let groups: Vec<Group> = match search.map(SearchTerms::parse) {
            None => vec![Group::All],
            // A text without a word to look for matches nothing.
            Some(None) => vec![],
            Some(Some(terms)) if terms.has_prefix() => {
                vec![Group::Whole(terms.clone()), Group::PrefixOnly(terms)]
            }
            Some(Some(terms)) => vec![Group::Whole(terms)],
        };
        let mut tx = self.scoped_read(org).await?;
        let mut items: Vec<StoredTransaction> = Vec::new();
        for group in &groups {
            let rank = group.rank();
            let cursor = match f.cursor {
                Some(c) if c.rank > rank => continue,
                Some(c) if c.rank == rank => Some(c),
                _ => None,
            };
            if items.len() == wanted {
                break;
            }
            let search = match group.full_text(self.backend()) {
                None => None,
                Some(query) => Some(Search::of(&mut tx, query).await?),
            };
            let sql = self.page_query(org, f, group, search.as_ref(), cursor, wanted - items.len());
            items.extend(tx.fetch_all::<StoredTransaction>(sql).await?);
        }
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
        let search_waiting = if search.is_some() {
            let (waiting,): (i64,) = tx.fetch_one(sql!("search/backlog_rows").arg(org)).await?;
            waiting
        } else {
            0
        };
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
                    rank: u8::try_from(t.search_rank).unwrap_or(1),
                    posted_on: t.posted_on,
                    id: t.id,
                }
                .encode()
            })
        } else {
            None
        };
        Ok(TxnPage {
            items,
            next_cursor,
            search_waiting,
        })
    }

    /// The query of up to `limit` rows of one group of a page, after `cursor` (a position in
    /// this group), newest first.
    fn page_query(
        &self,
        org: OrgId,
        f: &TxnFilter,
        group: &Group,
        search: Option<&Search>,
        cursor: Option<TxnCursor>,
        limit: usize,
    ) -> Sql {
        let mut sql = Sql::new("");
        // A search that matches few rows in the whole index (SQLite) is read from the index
        // first, then sorted; any other from the date index, newest first.
        let from = match search {
            Some(s) if s.few => format!(
                "(SELECT rowid AS id FROM transaction_search WHERE transaction_search MATCH {}) m \
                 CROSS JOIN transactions t ON t.id = m.id",
                sql.push_arg(s.query.as_str())
            ),
            _ => "transactions t".to_owned(),
        };
        let mut text = format!(
            "SELECT t.id, a.name AS account, t.posted_on, t.amount_minor, t.currency, \
             COALESCE(t.counterparty_override, t.counterparty) AS counterparty, \
             t.description, COALESCE(t.category_override, t.category) AS category, t.is_transfer, t.source, \
             CASE WHEN t.category_override IS NULL THEN NULL ELSE t.category END AS source_category, \
             CASE WHEN t.counterparty_override IS NULL THEN NULL ELSE t.counterparty END AS source_counterparty, \
             t.class_override, CAST({} AS BIGINT) AS search_rank \
             FROM {from} JOIN bank_accounts a ON a.id = t.account_id AND a.org_id = t.org_id \
             WHERE t.org_id = ",
            group.rank()
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
        if let Some(search) = search.filter(|s| !s.few) {
            text += &self.search_condition(org, &search.query, &mut sql);
        }
        if let Some(c) = cursor {
            let d = sql.push_arg(c.posted_on);
            let i = sql.push_arg(c.id);
            text += &format!(" AND (t.posted_on < {d} OR (t.posted_on = {d} AND t.id < {i}))");
        }
        text += &format!(
            " ORDER BY t.posted_on DESC, t.id DESC LIMIT {}",
            sql.push_arg(i64::try_from(limit).unwrap_or(i64::MAX))
        );
        sql.text = text.into();
        sql
    }

    /// The condition that narrows rows to those the full-text `query` finds, in each engine's
    /// own index: FTS5's `transaction_search` on SQLite (joined back by id; the caller's
    /// `t.org_id` condition keeps the tenant), the `transaction_search` documents of the
    /// organisation on PostgreSQL.
    fn search_condition(&self, org: OrgId, query: &str, sql: &mut Sql) -> String {
        match self.backend() {
            Backend::Sqlite => format!(
                " AND t.id IN (SELECT rowid FROM transaction_search WHERE transaction_search MATCH {})",
                sql.push_arg(query)
            ),
            Backend::Postgres => {
                let o = sql.push_arg(org);
                format!(
                    " AND t.id IN (SELECT s.transaction_id FROM transaction_search s \
                     WHERE s.org_id = {o} AND s.document @@ to_tsquery('simple', {}))",
                    sql.push_arg(query)
                )
            }
        }
    }

    /// How many transactions the organisation has.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn count_transactions(&self, org: OrgId) -> Result<i64> {
        let mut tx = self.scoped_read(org).await?;
        let (n,): (i64,) = tx.fetch_one(sql!("transactions/count").arg(org)).await?;
        tx.commit().await?;
        Ok(n)
    }
}
