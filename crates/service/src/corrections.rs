//! Correcting the books: a transaction's category, counterparty name and class, and the rules
//! that repeat a correction for every transaction of a counterparty ("always do this"). Admins
//! and members correct; viewers read. Every change is audited with names and ids, never an
//! amount, and moves the books version on so every report follows.

use crate::identity::Client;
use crate::orgs::{OrgAccess, OrgError};
use crate::{Context, FieldError, audit};
use flowsense_core::{FlowClass, Role};
use flowsense_storage::{Correction, NewRule, Rule, TxnNames};
use serde::Deserialize;
use serde_json::json;

/// Longest category or counterparty name kept, in characters.
pub const MAX_NAME_CHARS: usize = 120;

/// What to change on one transaction; absent fields stay as they are.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TxnPatch {
    pub category: Option<String>,
    pub counterparty: Option<String>,
    /// `operating`, `financing` or `transfer`.
    pub class: Option<String>,
    /// Make a rule of this change for the transaction's counterparty.
    #[serde(default)]
    pub always: bool,
    /// With `always`: also change the counterparty's earlier transactions.
    #[serde(default)]
    pub apply_to_past: bool,
}

/// A rule to save through the API.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// The counterparty name as the bank or the provider writes it.
    pub counterparty: String,
    pub category: Option<String>,
    pub counterparty_name: Option<String>,
    pub class: Option<String>,
    #[serde(default)]
    pub apply_to_past: bool,
}

/// A transaction after its correction, and the rule made of it.
#[derive(Debug, Clone)]
pub struct Corrected {
    pub names: TxnNames,
    pub rule: Option<Rule>,
    /// Earlier transactions the rule changed.
    pub past_changed: u64,
}

fn require_writer(who: &OrgAccess) -> Result<(), OrgError> {
    if who.role.allows(Role::Member) {
        Ok(())
    } else {
        Err(OrgError::RoleTooLow)
    }
}

/// A name as typed: trimmed, not empty, not too long, no control characters.
fn parse_name(field: &'static str, value: &str) -> Result<String, FieldError> {
    let name = value.trim();
    if name.is_empty() {
        return Err(FieldError::new(field, "enter a name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError::new(
            field,
            format!("use at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "use letters, digits and punctuation only",
        ));
    }
    Ok(name.to_owned())
}

fn parse_class(value: &str) -> Result<FlowClass, FieldError> {
    FlowClass::parse(value.trim())
        .ok_or_else(|| FieldError::new("class", "choose operating, financing or transfer"))
}

/// An optional name: absent or blank is `None`.
fn optional_name(field: &'static str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_name(field, v).map(Some),
    }
}

fn optional_class(value: Option<&str>) -> Result<Option<FlowClass>, FieldError> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(parse_class)
        .transpose()
}

/// One transaction's names, for the edit form.
///
/// # Errors
/// [`OrgError::NotFound`] for a transaction the organisation does not have.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn transaction_names(
    ctx: &Context,
    who: &OrgAccess,
    id: i64,
) -> Result<TxnNames, OrgError> {
    Ok(ctx.store.transaction_names(who.org, id).await?)
}

/// Corrects one transaction (members and admins), and with `always` makes a rule of it for the
/// transaction's counterparty. A value equal to the source's clears the correction.
///
/// # Errors
/// [`OrgError::RoleTooLow`] for a viewer; [`OrgError::NotFound`] for a transaction the
/// organisation does not have; [`OrgError::Invalid`] naming the refused field (nothing is then
/// written).
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn correct_transaction(
    ctx: &Context,
    who: &OrgAccess,
    id: i64,
    patch: &TxnPatch,
    client: &Client,
) -> Result<Corrected, OrgError> {
    require_writer(who)?;
    let category = patch
        .category
        .as_deref()
        .map(|v| parse_name("category", v))
        .transpose()?;
    let counterparty = patch
        .counterparty
        .as_deref()
        .map(|v| parse_name("counterparty", v))
        .transpose()?;
    let class = patch.class.as_deref().map(parse_class).transpose()?;
    if category.is_none() && counterparty.is_none() && class.is_none() {
        return Err(
            FieldError::new("category", "change the category, the name or the kind").into(),
        );
    }
    let before = ctx.store.transaction_names(who.org, id).await?;
    let mut correction = Correction {
        category: before.category_override.clone(),
        counterparty: before.counterparty_override.clone(),
        class: before.class_override.as_deref().and_then(FlowClass::parse),
    };
    if let Some(c) = &category {
        correction.category = (*c != before.category).then(|| c.clone());
    }
    if let Some(c) = &counterparty {
        correction.counterparty = (*c != before.counterparty).then(|| c.clone());
    }
    if let Some(k) = class {
        let source_class = flowsense_storage::effective_class(
            None,
            before.is_transfer,
            correction.category.as_deref().unwrap_or(&before.category),
            correction
                .counterparty
                .as_deref()
                .unwrap_or(&before.counterparty),
        );
        correction.class = (k != source_class).then_some(k);
    }
    ctx.store
        .correct_transaction(who.org, id, &correction)
        .await?;
    let names = ctx.store.transaction_names(who.org, id).await?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "transaction.corrected",
        format!("transaction:{id}"),
        &client.ip,
        json!({
            "category": {"from": before.effective_category(), "to": names.effective_category()},
            "counterparty": {"from": before.effective_counterparty(), "to": names.effective_counterparty()},
            "class": {"from": before.effective_class().as_str(), "to": names.effective_class().as_str()},
        }),
    )
    .await?;
    if !patch.always {
        return Ok(Corrected {
            names,
            rule: None,
            past_changed: 0,
        });
    }
    let rule = NewRule {
        counterparty: before.counterparty.clone(),
        category,
        counterparty_name: counterparty,
        class,
        apply_to_past: patch.apply_to_past,
        created_by: Some(who.user),
    };
    let (rule, past_changed) = save(ctx, who, &rule, client).await?;
    let names = ctx.store.transaction_names(who.org, id).await?;
    Ok(Corrected {
        names,
        rule: Some(rule),
        past_changed,
    })
}

async fn save(
    ctx: &Context,
    who: &OrgAccess,
    rule: &NewRule,
    client: &Client,
) -> Result<(Rule, u64), OrgError> {
    let (id, past_changed) = ctx.store.save_rule(who.org, rule).await?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "rule.saved",
        format!("rule:{id}"),
        &client.ip,
        json!({
            "counterparty": rule.counterparty,
            "category": rule.category,
            "counterparty_name": rule.counterparty_name,
            "class": rule.class.map(FlowClass::as_str),
            "applied_to_past": rule.apply_to_past,
            "past_transactions_changed": past_changed,
        }),
    )
    .await?;
    let saved = ctx
        .store
        .rules(who.org)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(OrgError::NotFound)?;
    Ok((saved, past_changed))
}

/// Saves a rule for a counterparty (members and admins), replacing its earlier one.
///
/// # Errors
/// [`OrgError::RoleTooLow`] for a viewer; [`OrgError::Invalid`] naming the refused field.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn save_rule(
    ctx: &Context,
    who: &OrgAccess,
    input: &RuleInput,
    client: &Client,
) -> Result<(Rule, u64), OrgError> {
    require_writer(who)?;
    // The counterparty is matched exactly as the source writes it: only outer blanks go.
    let counterparty = parse_name("counterparty", &input.counterparty)?;
    let rule = NewRule {
        counterparty,
        category: optional_name("category", input.category.as_deref())?,
        counterparty_name: optional_name("counterparty_name", input.counterparty_name.as_deref())?,
        class: optional_class(input.class.as_deref())?,
        apply_to_past: input.apply_to_past,
        created_by: Some(who.user),
    };
    if rule.category.is_none() && rule.counterparty_name.is_none() && rule.class.is_none() {
        return Err(FieldError::new("category", "a rule sets a category, a name or a kind").into());
    }
    save(ctx, who, &rule, client).await
}

/// The organisation's rules (anyone who reads the books).
///
/// # Errors
/// A database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn rules(ctx: &Context, who: &OrgAccess) -> Result<Vec<Rule>, OrgError> {
    Ok(ctx.store.rules(who.org).await?)
}

/// Deletes a rule (members and admins); what it already changed stays.
///
/// # Errors
/// [`OrgError::RoleTooLow`] for a viewer; [`OrgError::NotFound`] for a rule the organisation
/// does not have.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn delete_rule(
    ctx: &Context,
    who: &OrgAccess,
    id: i64,
    client: &Client,
) -> Result<(), OrgError> {
    require_writer(who)?;
    ctx.store.delete_rule(who.org, id).await?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "rule.deleted",
        format!("rule:{id}"),
        &client.ip,
        json!({}),
    )
    .await?;
    Ok(())
}
