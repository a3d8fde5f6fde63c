//! The owner's planned amounts (which the forecast includes) and their saved what-if scenarios.
//! Names, and a scenario's inputs, are the owner's own words: stored only sealed with the
//! organisation's data key, bound to their row. Adding or removing a planned amount moves the
//! books version on, in the same transaction, so every cached forecast is recomputed.

use crate::Store;
use crate::args::sql;
use crate::books::books_changed;
use crate::crypto::{FieldRef, KeyScope};
use crate::error::{Result, StorageError};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use flowsense_core::{OrgId, PlannedFlow, Repeat, UserId};
use uuid::Uuid;

const PLANNED: &str = "planned_items";
const SCENARIOS: &str = "saved_scenarios";

/// A planned amount to add; `name` is sealed before it is written.
#[derive(Clone)]
pub struct NewPlannedItem {
    pub name: String,
    pub flow: PlannedFlow,
    pub created_by: Option<UserId>,
}

/// A stored planned amount, its name opened. `Debug` leaves the name and amount out.
#[derive(Clone, PartialEq, Eq)]
pub struct PlannedItem {
    pub id: Uuid,
    pub name: String,
    pub flow: PlannedFlow,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for PlannedItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedItem")
            .field("id", &self.id)
            .field("first", &self.flow.first)
            .field("repeat", &self.flow.repeat)
            .finish_non_exhaustive()
    }
}

/// A saved what-if: its name and the form's inputs (opaque here: the service's JSON), opened.
#[derive(Clone, PartialEq, Eq)]
pub struct SavedScenario {
    pub id: Uuid,
    pub name: String,
    pub inputs: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for SavedScenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedScenario")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct PlannedRow {
    id: Uuid,
    name_enc: Vec<u8>,
    first_on: NaiveDate,
    amount_minor: i64,
    repeat: String,
    until_on: Option<NaiveDate>,
    confidence_percent: i64,
    created_at: DateTime<Utc>,
}

/// The columns the books need (no name).
#[derive(sqlx::FromRow)]
pub(crate) struct PlannedFlowRow {
    first_on: NaiveDate,
    amount_minor: i64,
    repeat: String,
    until_on: Option<NaiveDate>,
    confidence_percent: i64,
}

impl PlannedFlowRow {
    pub(crate) fn into_flow(self) -> Result<PlannedFlow> {
        flow(
            self.first_on,
            self.amount_minor,
            &self.repeat,
            self.until_on,
            self.confidence_percent,
        )
    }
}

fn flow(
    first: NaiveDate,
    amount: i64,
    repeat: &str,
    until: Option<NaiveDate>,
    confidence: i64,
) -> Result<PlannedFlow> {
    let repeat = Repeat::parse(repeat)
        .ok_or_else(|| StorageError::Corrupt(format!("unknown repeat {repeat:?}")))?;
    let confidence_percent = u8::try_from(confidence)
        .ok()
        .filter(|c| (1..=100).contains(c))
        .ok_or_else(|| StorageError::Corrupt("a confidence outside 1 to 100".into()))?;
    Ok(PlannedFlow {
        first,
        amount,
        repeat,
        until,
        confidence_percent,
    })
}

#[derive(sqlx::FromRow)]
struct ScenarioRow {
    id: Uuid,
    name_enc: Vec<u8>,
    inputs_enc: Vec<u8>,
    created_at: DateTime<Utc>,
}

fn utf8(bytes: &[u8]) -> Result<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| StorageError::Corrupt("a decrypted name is not UTF-8".into()))
}

impl Store {
    /// Adds a planned amount to `org` and moves its books version on.
    ///
    /// # Errors
    /// A database or sealing failure (nothing is written then).
    pub async fn add_planned_item(&self, org: OrgId, item: &NewPlannedItem) -> Result<PlannedItem> {
        let id = Uuid::new_v4();
        // Whole microseconds: what both databases keep, so the value returned is the stored one.
        let now = Utc::now().trunc_subsecs(6);
        let mut tx = self.scoped(org).await?;
        let name_enc = self
            .seal_in(
                &mut tx,
                KeyScope::Org(org),
                &FieldRef::new(PLANNED, "name_enc", &id.to_string()),
                item.name.as_bytes(),
            )
            .await?;
        let f = item.flow;
        tx.execute(
            sql!("planned/create")
                .arg(id)
                .arg(org)
                .arg(name_enc)
                .arg(f.first)
                .arg(f.amount)
                .arg(f.repeat.as_str())
                .arg(f.until)
                .arg(i64::from(f.confidence_percent))
                .arg(item.created_by.map(|u| u.0))
                .arg(now),
        )
        .await?;
        books_changed(&mut tx, org).await?;
        tx.commit().await?;
        Ok(PlannedItem {
            id,
            name: item.name.clone(),
            flow: f,
            created_at: now,
        })
    }

    /// The planned amounts of `org`, by date, names opened.
    ///
    /// # Errors
    /// A database failure, or a sealed name that does not open.
    pub async fn planned_items(&self, org: OrgId) -> Result<Vec<PlannedItem>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<PlannedRow> = tx.fetch_all(sql!("planned/list").arg(org)).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let name = self
                .open_in(
                    &mut tx,
                    KeyScope::Org(org),
                    &FieldRef::new(PLANNED, "name_enc", &r.id.to_string()),
                    &r.name_enc,
                )
                .await?;
            out.push(PlannedItem {
                id: r.id,
                name: utf8(&name)?,
                flow: flow(
                    r.first_on,
                    r.amount_minor,
                    &r.repeat,
                    r.until_on,
                    r.confidence_percent,
                )?,
                created_at: r.created_at,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Removes a planned amount of `org` and moves its books version on.
    ///
    /// # Errors
    /// `NotFound` when `org` has no such item (another organisation's included).
    pub async fn delete_planned_item(&self, org: OrgId, id: Uuid) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        let removed = tx.execute(sql!("planned/delete").arg(id).arg(org)).await?;
        if removed == 0 {
            return Err(StorageError::NotFound);
        }
        books_changed(&mut tx, org).await?;
        tx.commit().await
    }

    /// Saves a what-if of `org` by name; `inputs` is sealed with the name.
    ///
    /// # Errors
    /// A database or sealing failure.
    pub async fn save_scenario(
        &self,
        org: OrgId,
        created_by: Option<UserId>,
        name: &str,
        inputs: &[u8],
    ) -> Result<SavedScenario> {
        let id = Uuid::new_v4();
        let row = id.to_string();
        // Whole microseconds: what both databases keep, so the value returned is the stored one.
        let now = Utc::now().trunc_subsecs(6);
        let mut tx = self.scoped(org).await?;
        let name_enc = self
            .seal_in(
                &mut tx,
                KeyScope::Org(org),
                &FieldRef::new(SCENARIOS, "name_enc", &row),
                name.as_bytes(),
            )
            .await?;
        let inputs_enc = self
            .seal_in(
                &mut tx,
                KeyScope::Org(org),
                &FieldRef::new(SCENARIOS, "inputs_enc", &row),
                inputs,
            )
            .await?;
        tx.execute(
            sql!("scenarios/create")
                .arg(id)
                .arg(org)
                .arg(name_enc)
                .arg(inputs_enc)
                .arg(created_by.map(|u| u.0))
                .arg(now),
        )
        .await?;
        tx.commit().await?;
        Ok(SavedScenario {
            id,
            name: name.to_owned(),
            inputs: inputs.to_vec(),
            created_at: now,
        })
    }

    /// The saved scenarios of `org`, oldest first, opened.
    ///
    /// # Errors
    /// A database failure, or a sealed value that does not open.
    pub async fn saved_scenarios(&self, org: OrgId) -> Result<Vec<SavedScenario>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<ScenarioRow> = tx.fetch_all(sql!("scenarios/list").arg(org)).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let row = r.id.to_string();
            let name = self
                .open_in(
                    &mut tx,
                    KeyScope::Org(org),
                    &FieldRef::new(SCENARIOS, "name_enc", &row),
                    &r.name_enc,
                )
                .await?;
            let inputs = self
                .open_in(
                    &mut tx,
                    KeyScope::Org(org),
                    &FieldRef::new(SCENARIOS, "inputs_enc", &row),
                    &r.inputs_enc,
                )
                .await?;
            out.push(SavedScenario {
                id: r.id,
                name: utf8(&name)?,
                inputs: inputs.to_vec(),
                created_at: r.created_at,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Removes a saved scenario of `org`.
    ///
    /// # Errors
    /// `NotFound` when `org` has no such scenario.
    pub async fn delete_saved_scenario(&self, org: OrgId, id: Uuid) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        let removed = tx
            .execute(sql!("scenarios/delete").arg(id).arg(org))
            .await?;
        if removed == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }
}
