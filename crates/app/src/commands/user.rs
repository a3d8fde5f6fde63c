//! `flowsense user …`: operator tasks on user accounts. Each is recorded in the audit log of the
//! organisations concerned.

use crate::cli::UserCommand;
use crate::passwords::{generate_password, hash_password};
use crate::settings::Settings;
use anyhow::{Context, Result, anyhow, bail};
use chrono::Utc;
use flowsense_core::{OrgId, Role};
use flowsense_storage::{NewAuditEvent, NewUser, StorageError, Store};

pub async fn run(settings: &Settings, command: &UserCommand) -> Result<()> {
    let store = super::open_store(settings, false).await?;
    let result = match command {
        UserCommand::Create {
            email,
            name,
            org,
            role,
        } => create(&store, email, name, org.as_deref(), role.as_deref()).await,
        UserCommand::ResetMfa { email } => reset_mfa(&store, email).await,
        UserCommand::Disable { email } => set_disabled(&store, email, true).await,
        UserCommand::Enable { email } => set_disabled(&store, email, false).await,
        UserCommand::SetupToken => setup_token(settings, &store).await,
    };
    store.close().await;
    result
}

async fn create(
    store: &Store,
    email: &str,
    name: &str,
    org: Option<&str>,
    role: Option<&str>,
) -> Result<()> {
    let email = email.trim();
    if !email.contains('@') || email.len() > 254 {
        bail!("--email is not an e-mail address");
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        bail!("--name must be 1–120 characters");
    }
    let membership = match (org, role) {
        (Some(slug), Some(role)) => {
            let role: Role = role.parse().map_err(|e| anyhow!("--role: {e}"))?;
            let org = store
                .org_by_slug_across_orgs(slug)
                .await
                .map_err(|_| anyhow!("no organisation with slug {slug:?}"))?;
            Some((org.id, role))
        }
        _ => None,
    };
    let password = generate_password()?;
    let hash = {
        let p = password.clone();
        tokio::task::spawn_blocking(move || hash_password(&p)).await??
    };
    let user = store
        .create_user(&NewUser {
            email: email.to_owned(),
            display_name: name.to_owned(),
            password_hash: hash,
        })
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => anyhow!("a user with that e-mail address already exists"),
            other => other.into(),
        })?;
    store.mark_email_verified(user.id, Utc::now()).await?;
    if let Some((org, role)) = membership {
        store.set_membership(org, user.id, role).await?;
        audit(
            store,
            org,
            "member.added_by_operator",
            &user.id.to_string(),
            serde_json::json!({"role": role}),
        )
        .await?;
    }
    println!("created {} with password {password}", user.email);
    println!("(shown once: ask them to change it after signing in)");
    Ok(())
}

async fn reset_mfa(store: &Store, email: &str) -> Result<()> {
    let user = store
        .user_by_email(email)
        .await?
        .context("no user with that e-mail address")?;
    store.disable_mfa(user.id).await?;
    let sessions = store.delete_sessions_of_user(user.id, None).await?;
    for org in store.orgs_of_user(user.id).await? {
        audit(
            store,
            org.id,
            "mfa.reset_by_operator",
            &user.id.to_string(),
            serde_json::json!({}),
        )
        .await?;
    }
    println!(
        "MFA is off for {} and {sessions} sessions were ended; they can enrol again after signing in",
        user.email
    );
    Ok(())
}

async fn set_disabled(store: &Store, email: &str, disable: bool) -> Result<()> {
    let user = store
        .user_by_email(email)
        .await?
        .context("no user with that e-mail address")?;
    let ended = store
        .set_user_disabled(user.id, disable.then(Utc::now))
        .await?;
    let action = if disable {
        "user.disabled_by_operator"
    } else {
        "user.enabled_by_operator"
    };
    let details = if disable {
        serde_json::json!({ "sessions_ended": ended })
    } else {
        serde_json::json!({})
    };
    for org in store.orgs_of_user(user.id).await? {
        audit(store, org.id, action, &user.id.to_string(), details.clone()).await?;
    }
    if disable {
        println!(
            "{} is disabled: {ended} sessions were ended, their API tokens are refused and they cannot sign in",
            user.email
        );
    } else {
        println!("{} is enabled again and can sign in", user.email);
    }
    Ok(())
}

async fn setup_token(settings: &Settings, store: &Store) -> Result<()> {
    let Some((token, expires_at)) =
        flowsense_service::identity::setup::issue_setup_token(store, Utc::now()).await?
    else {
        bail!(
            "the instance has users already: no setup token is needed (`flowsense user create` adds more)"
        );
    };
    let base = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", settings.addr));
    println!("setup token: {token}");
    println!(
        "(shown once, valid until {} UTC; it creates the first account, then works no more)",
        expires_at.format("%Y-%m-%d %H:%M")
    );
    println!(
        "curl -X POST {base}/api/v1/setup -H 'Content-Type: application/json' \\\n  -d '{{\"token\": \"{token}\", \"email\": \"you@example.com\", \"display_name\": \"Your name\", \"password\": \"…\"}}'"
    );
    Ok(())
}

async fn audit(
    store: &Store,
    org: OrgId,
    action: &str,
    target: &str,
    details: serde_json::Value,
) -> Result<()> {
    store
        .record_audit(
            org,
            &NewAuditEvent {
                actor: None,
                action: action.into(),
                target: target.into(),
                ip: "operator".into(),
                details,
            },
        )
        .await?;
    Ok(())
}
