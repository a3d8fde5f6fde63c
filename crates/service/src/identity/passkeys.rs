//! Passkeys (WebAuthn, verified by `webauthn-rs`): registration from the profile, sign-in with a
//! passkey alone (a discoverable credential, no e-mail address typed), a passkey in place of the
//! TOTP code as the second factor, and step-up with a passkey.
//!
//! Every ceremony's state stays on the server (`webauthn_ceremonies`): the browser gets a random
//! handle, only its SHA-256 is stored, it is taken once, it expires after
//! [`CEREMONY_LIFETIME`], and — but for a sign-in, which has no session yet — it is bound to the
//! session that started it. The relying party id and origin come from the instance's public URL;
//! an instance reached by an IP address (which WebAuthn does not allow) has no passkeys, and
//! their routes answer not found.
//!
//! A passkey's signature counter must move forward on every use (unless the authenticator keeps
//! none and reports 0): a regressing counter — a cloned authenticator — is refused by the
//! verifier, and the stored counter is only advanced by a compare-and-set, so one assertion
//! cannot be used twice at once either. The backup-eligible and backup-state flags are recorded.

use super::accounts::{SignedIn, record_failure};
use super::crypto::{b64url, random_bytes, sha256};
use super::limits::Bucket;
use super::session::{Issued, issue_session};
use super::{Caller, Client, IdentityError, RecentAuth, UserView};
use crate::{Context, FieldError, audit};
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_core::UserId;
use flowsense_storage::{
    Ceremony, NewCeremony, NewPasskey, PasskeyUse, StorageError, StoredPasskey, User,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder,
};

/// How long the browser has to answer a ceremony.
pub const CEREMONY_LIFETIME: TimeDelta = TimeDelta::minutes(5);
/// The most passkeys one account may register (the allow-list of a ceremony stays small).
pub const MAX_PASSKEYS: i64 = 10;
/// The longest passkey name, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// The largest credential a browser may send back, serialised (real ones are about 1 KiB).
const MAX_CREDENTIAL_BYTES: usize = 16 * 1024;

const REGISTER: &str = "register";
const SIGN_IN: &str = "sign_in";
const SECOND_FACTOR: &str = "second_factor";
const STEP_UP: &str = "step_up";

/// The relying party of this instance: its id is the public URL's host name, its origin the
/// public URL's origin. `None` when the host is not a domain name (an IP address).
fn relying_party(ctx: &Context) -> Option<Webauthn> {
    let url = Url::parse(&ctx.public_url).ok()?;
    let host = url.domain()?.to_owned();
    let origin = Url::parse(&url.origin().ascii_serialization()).ok()?;
    WebauthnBuilder::new(&host, &origin)
        .ok()?
        .rp_name("FlowSense")
        .build()
        .ok()
}

fn rp(ctx: &Context) -> Result<Webauthn, IdentityError> {
    relying_party(ctx).ok_or(IdentityError::NotFound)
}

/// Whether this instance accepts passkeys (its public URL names a domain).
#[must_use]
pub fn available(ctx: &Context) -> bool {
    relying_party(ctx).is_some()
}

/// What the browser needs to run a ceremony: the handle to send back, and the options for
/// `navigator.credentials.create()` or `.get()` (`publicKey`, base64url where WebAuthn has
/// bytes).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CeremonyStart {
    pub ceremony: String,
    #[serde(rename = "publicKey")]
    pub public_key: Value,
}

/// The browser's answer to a ceremony.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyProof {
    pub ceremony: String,
    pub credential: Value,
}

/// A passkey as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PasskeyView {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The authenticator may sync it to other devices (a synced passkey).
    pub backup_eligible: bool,
    /// It was backed up (synced) when last seen.
    pub backed_up: bool,
}

impl From<StoredPasskey> for PasskeyView {
    fn from(p: StoredPasskey) -> Self {
        Self {
            id: p.id,
            name: p.name,
            created_at: p.created_at,
            last_used_at: p.last_used_at,
            backup_eligible: p.backup_eligible,
            backed_up: p.backup_state,
        }
    }
}

fn internal(what: &'static str) -> IdentityError {
    IdentityError::Storage(StorageError::Corrupt(what.to_owned()))
}

fn to_json<T: Serialize>(v: &T) -> Result<String, IdentityError> {
    serde_json::to_string(v).map_err(|_| internal("a passkey ceremony cannot be serialised"))
}

fn from_json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, IdentityError> {
    serde_json::from_str(text).map_err(|_| internal("a stored passkey record does not parse"))
}

/// Parses what the browser sent, bounded in size; anything malformed is a refused ceremony.
fn credential<T: for<'de> Deserialize<'de>>(value: &Value) -> Option<T> {
    let text = serde_json::to_string(value).ok()?;
    if text.len() > MAX_CREDENTIAL_BYTES {
        return None;
    }
    serde_json::from_str(&text).ok()
}

/// Stores a ceremony's state and answers with its handle and the browser's options.
async fn begin(
    ctx: &Context,
    purpose: &'static str,
    user: Option<UserId>,
    session_hash: Option<Vec<u8>>,
    state: String,
    name: Option<String>,
    options: Value,
) -> Result<CeremonyStart, IdentityError> {
    let handle = b64url(&random_bytes::<32>());
    let now = ctx.now();
    ctx.store
        .create_webauthn_ceremony(&NewCeremony {
            id_hash: sha256(handle.as_bytes()),
            purpose,
            user,
            session_hash,
            state,
            name,
            created_at: now,
            expires_at: now + CEREMONY_LIFETIME,
        })
        .await?;
    let public_key = options.get("publicKey").cloned().unwrap_or(Value::Null);
    Ok(CeremonyStart {
        ceremony: handle,
        public_key,
    })
}

/// Takes the ceremony `handle` names if it is for `purpose` (and, when given, started by the
/// session `session_hash`); it is gone afterwards whatever the answer.
async fn take(
    ctx: &Context,
    handle: &str,
    purpose: &str,
    session_hash: Option<&[u8]>,
) -> Result<Option<Ceremony>, IdentityError> {
    let Some(c) = ctx
        .store
        .take_webauthn_ceremony(&sha256(handle.as_bytes()), ctx.now())
        .await?
    else {
        return Ok(None);
    };
    let same_session = match (session_hash, c.session_hash.as_deref()) {
        (Some(wanted), Some(stored)) => super::crypto::ct_eq(wanted, stored),
        (None, None) => true,
        _ => false,
    };
    Ok((c.purpose == purpose && same_session).then_some(c))
}

/// Records a refused ceremony for a known account (audit), and says it was refused.
async fn refused(
    ctx: &Context,
    user: UserId,
    purpose: &str,
    client: &Client,
) -> Result<IdentityError, IdentityError> {
    tracing::info!(%user, purpose, "a passkey ceremony was refused");
    audit::in_users_orgs(
        ctx,
        user,
        "passkey.refused",
        &client.ip,
        json!({"purpose": purpose}),
    )
    .await?;
    Ok(IdentityError::InvalidCredentials)
}

fn check_name(raw: &str) -> Result<String, FieldError> {
    let name: String = raw.chars().filter(|c| !c.is_control()).collect();
    let name = name.trim().to_owned();
    if name.is_empty() {
        return Err(FieldError::new("name", "give the passkey a name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError::new(
            "name",
            format!("the name must have at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name)
}

fn parse_passkeys(stored: &[StoredPasskey]) -> Result<Vec<Passkey>, IdentityError> {
    stored.iter().map(|p| from_json(&p.passkey)).collect()
}

/// Starts registering a passkey named `name` for the signed-in user. Adding a way to sign in
/// needs recent authentication, like enrolling TOTP.
///
/// # Errors
/// A bad name; too many passkeys; passkeys unavailable on this instance (not found).
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn start_registration(
    ctx: &Context,
    current: &Caller,
    _: &RecentAuth,
    name: &str,
) -> Result<CeremonyStart, IdentityError> {
    let session = current.session_hash()?.to_vec();
    let name = check_name(name)?;
    let rp = rp(ctx)?;
    ctx.limiters
        .take(Bucket::MfaUser, &current.id().to_string())
        .await?;
    let user = &current.user;
    let existing = ctx.store.passkeys_of_user(user.id).await?;
    if i64::try_from(existing.len()).unwrap_or(i64::MAX) >= MAX_PASSKEYS {
        return Err(FieldError::new(
            "name",
            format!("an account can have at most {MAX_PASSKEYS} passkeys; revoke one first"),
        )
        .into());
    }
    let exclude = parse_passkeys(&existing)?
        .iter()
        .map(|p| p.cred_id().clone())
        .collect();
    let (ccr, state) = rp
        .start_passkey_registration(user.id.0, &user.email, &user.display_name, Some(exclude))
        .map_err(|_| internal("a passkey registration cannot start"))?;
    let mut options = serde_json::to_value(&ccr).map_err(|_| internal("options"))?;
    // Ask for a discoverable credential, so the passkey can later sign in on its own.
    if let Some(sel) = options.pointer_mut("/publicKey/authenticatorSelection") {
        sel["residentKey"] = json!("required");
        sel["requireResidentKey"] = json!(true);
    }
    begin(
        ctx,
        REGISTER,
        Some(user.id),
        Some(session),
        to_json::<PasskeyRegistration>(&state)?,
        Some(name),
        options,
    )
    .await
}

/// Finishes a registration: the attestation is verified against the ceremony of this session,
/// and the passkey stored with its counter and backup flags.
///
/// # Errors
/// A missing, expired, reused or foreign ceremony, or a credential that does not verify, is a
/// field error on `credential`; a credential already registered (to anyone) is refused alike.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn finish_registration(
    ctx: &Context,
    current: &Caller,
    _: &RecentAuth,
    proof: &PasskeyProof,
    client: &Client,
) -> Result<PasskeyView, IdentityError> {
    let session = current.session_hash()?;
    let rp = rp(ctx)?;
    let user = &current.user;
    let not_verified = || FieldError::new("credential", "the passkey could not be registered");
    let Some(c) = take(ctx, &proof.ceremony, REGISTER, Some(session)).await? else {
        return Err(not_verified().into());
    };
    if c.user() != Some(user.id) {
        return Err(not_verified().into());
    }
    let state: PasskeyRegistration = from_json(&c.state)?;
    let Some(reg) = credential::<RegisterPublicKeyCredential>(&proof.credential) else {
        refused(ctx, user.id, REGISTER, client).await?;
        return Err(not_verified().into());
    };
    let passkey = match rp.finish_passkey_registration(&reg, &state) {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(error = %e, "a passkey registration did not verify");
            refused(ctx, user.id, REGISTER, client).await?;
            return Err(not_verified().into());
        }
    };
    let record = to_json(&passkey)?;
    let cred: Value = serde_json::from_str(&record).map_err(|_| internal("passkey"))?;
    let flag = |k: &str| cred.pointer(&format!("/cred/{k}")).and_then(Value::as_bool);
    let new = NewPasskey {
        id: Uuid::new_v4(),
        user: user.id,
        credential_id: passkey.cred_id().clone(),
        name: c.name.unwrap_or_default(),
        passkey: record.clone(),
        sign_count: cred
            .pointer("/cred/counter")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        backup_eligible: flag("backup_eligible").unwrap_or(false),
        backup_state: flag("backup_state").unwrap_or(false),
        created_at: ctx.now(),
    };
    ctx.store.insert_passkey(&new).await.map_err(|e| match e {
        StorageError::Conflict(_) => IdentityError::from(not_verified()),
        other => other.into(),
    })?;
    audit::in_users_orgs(
        ctx,
        user.id,
        "passkey.registered",
        &client.ip,
        json!({"passkey": new.id, "backup_eligible": new.backup_eligible}),
    )
    .await?;
    Ok(PasskeyView {
        id: new.id,
        name: new.name,
        created_at: new.created_at,
        last_used_at: None,
        backup_eligible: new.backup_eligible,
        backed_up: new.backup_state,
    })
}

/// The user's passkeys, oldest first.
///
/// # Errors
/// A database failure.
pub async fn list(ctx: &Context, current: &Caller) -> Result<Vec<PasskeyView>, IdentityError> {
    Ok(ctx
        .store
        .passkeys_of_user(current.id())
        .await?
        .into_iter()
        .map(PasskeyView::from)
        .collect())
}

/// Revokes one of the user's passkeys; needs recent authentication. Another user's passkey is
/// not found, like a missing one. The last passkey of an account without a password stays: it
/// is the only way in.
///
/// # Errors
/// Not found; the account's only way to sign in.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn revoke(
    ctx: &Context,
    current: &Caller,
    _: &RecentAuth,
    id: &str,
    client: &Client,
) -> Result<(), IdentityError> {
    current.session_hash()?;
    let id: Uuid = id.parse().map_err(|_| IdentityError::NotFound)?;
    let user = &current.user;
    if !user.has_password() && ctx.store.passkey_count(user.id).await? <= 1 {
        let mine = ctx
            .store
            .passkeys_of_user(user.id)
            .await?
            .iter()
            .any(|p| p.id == id);
        if mine {
            return Err(FieldError::new(
                "passkey",
                "this is the account's only way to sign in: register another passkey first",
            )
            .into());
        }
    }
    if !ctx.store.delete_passkey(user.id, id).await? {
        return Err(IdentityError::NotFound);
    }
    audit::in_users_orgs(
        ctx,
        user.id,
        "passkey.revoked",
        &client.ip,
        json!({"passkey": id}),
    )
    .await?;
    Ok(())
}

/// Checks an assertion against `stored` (the passkeys it may be made with) and the ceremony's
/// state, then records the use. `None` when it does not verify, its counter did not move
/// forward, or it names none of `stored`.
async fn verify_assertion(
    ctx: &Context,
    rp: &Webauthn,
    assertion: &PublicKeyCredential,
    ceremony: &Ceremony,
    stored: &[StoredPasskey],
    discoverable: bool,
) -> Result<Option<StoredPasskey>, IdentityError> {
    let used_id: &[u8] = assertion.raw_id.as_ref();
    let Some(row) = stored.iter().find(|p| p.credential_id == used_id) else {
        return Ok(None);
    };
    let mut passkey: Passkey = from_json(&row.passkey)?;
    let result = if discoverable {
        let state: DiscoverableAuthentication = from_json(&ceremony.state)?;
        rp.finish_discoverable_authentication_v2(assertion, state, &passkey)
    } else {
        let state: PasskeyAuthentication = from_json(&ceremony.state)?;
        rp.finish_passkey_authentication(assertion, &state)
    };
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            tracing::info!(error = %e, "a passkey assertion did not verify");
            return Ok(None);
        }
    };
    passkey.update_credential(&result);
    let used = PasskeyUse {
        passkey: to_json(&passkey)?,
        sign_count: i64::from(result.counter()),
        backup_eligible: result.backup_eligible(),
        backup_state: result.backup_state(),
        at: ctx.now(),
    };
    if !ctx
        .store
        .record_passkey_use(row.user(), row.id, &used)
        .await?
    {
        tracing::warn!(passkey = %row.id, "a passkey's counter did not move forward");
        return Ok(None);
    }
    Ok(Some(row.clone()))
}

/// Starts a sign-in with a passkey alone: the browser lets the person pick one of this site's
/// passkeys (no e-mail address asked).
///
/// # Errors
/// Too many attempts; passkeys unavailable (not found).
#[tracing::instrument(skip_all)]
pub async fn start_sign_in(ctx: &Context, client: &Client) -> Result<CeremonyStart, IdentityError> {
    let rp = rp(ctx)?;
    ctx.limiters.take(Bucket::LoginIp, &client.ip).await?;
    let (rcr, state) = rp
        .start_discoverable_authentication()
        .map_err(|_| internal("a passkey sign-in cannot start"))?;
    let options = serde_json::to_value(&rcr).map_err(|_| internal("options"))?;
    begin(
        ctx,
        SIGN_IN,
        None,
        None,
        to_json::<DiscoverableAuthentication>(&state)?,
        None,
        options,
    )
    .await
}

/// Finishes a passkey sign-in: the passkey names its account, the assertion is verified, and a
/// new session (authenticated and second factor both now) replaces any the browser presented.
///
/// # Errors
/// [`IdentityError::InvalidCredentials`] alike for every refusal.
#[tracing::instrument(skip_all)]
pub async fn finish_sign_in(
    ctx: &Context,
    proof: &PasskeyProof,
    client: &Client,
) -> Result<SignedIn, IdentityError> {
    let rp = rp(ctx)?;
    ctx.limiters.take(Bucket::LoginIp, &client.ip).await?;
    let Some(c) = take(ctx, &proof.ceremony, SIGN_IN, None).await? else {
        return Err(IdentityError::InvalidCredentials);
    };
    let Some(assertion) = credential::<PublicKeyCredential>(&proof.credential) else {
        return Err(IdentityError::InvalidCredentials);
    };
    let Ok((user_id, cred_id)) = rp.identify_discoverable_authentication(&assertion) else {
        return Err(IdentityError::InvalidCredentials);
    };
    let Some(row) = ctx.store.passkey_by_credential(cred_id).await? else {
        return Err(IdentityError::InvalidCredentials);
    };
    // The user handle the authenticator returned must be the passkey's own account.
    if row.user_uuid != user_id {
        return Err(refused(ctx, row.user(), SIGN_IN, client).await?);
    }
    let user = ctx.store.user(row.user()).await?;
    let now = ctx.now();
    if user.locked_until.is_some_and(|t| now < t) || user.disabled_at.is_some() {
        return Err(IdentityError::InvalidCredentials);
    }
    if verify_assertion(ctx, &rp, &assertion, &c, std::slice::from_ref(&row), true)
        .await?
        .is_none()
    {
        record_failure(ctx, &user, client).await?;
        return Err(refused(ctx, user.id, SIGN_IN, client).await?);
    }
    ctx.store.reset_login_failures(user.id).await?;
    let issued = issue_session(
        ctx,
        user.id,
        client.presented_session.as_deref(),
        now,
        Some(now),
        client,
    )
    .await?;
    audit::in_users_orgs(
        ctx,
        user.id,
        "auth.sign_in",
        &client.ip,
        json!({"method": "passkey", "passkey": row.id}),
    )
    .await?;
    Ok(SignedIn {
        issued,
        user: UserView::from(&user),
    })
}

async fn start_for_user(
    ctx: &Context,
    rp: &Webauthn,
    user: &User,
    purpose: &'static str,
    session_hash: Option<Vec<u8>>,
) -> Result<CeremonyStart, IdentityError> {
    let stored = ctx.store.passkeys_of_user(user.id).await?;
    if stored.is_empty() {
        return Err(FieldError::new("passkey", "this account has no passkey").into());
    }
    let (rcr, state) = rp
        .start_passkey_authentication(&parse_passkeys(&stored)?)
        .map_err(|_| internal("a passkey authentication cannot start"))?;
    let options = serde_json::to_value(&rcr).map_err(|_| internal("options"))?;
    begin(
        ctx,
        purpose,
        Some(user.id),
        session_hash,
        to_json::<PasskeyAuthentication>(&state)?,
        None,
        options,
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorStart {
    pub email: String,
    pub password: String,
}

/// Starts a passkey ceremony to serve as the second factor of a password sign-in. It asks for
/// the password first, so it tells nothing about an account to whoever does not know it.
///
/// # Errors
/// [`IdentityError::InvalidCredentials`] for a wrong address or password; no passkey.
#[tracing::instrument(skip_all)]
pub async fn start_second_factor(
    ctx: &Context,
    input: SecondFactorStart,
    client: &Client,
) -> Result<CeremonyStart, IdentityError> {
    let rp = rp(ctx)?;
    let email = input.email.trim().to_lowercase();
    ctx.limiters.take(Bucket::LoginIp, &client.ip).await?;
    ctx.limiters.take(Bucket::LoginAccount, &email).await?;
    let user = ctx.store.user_by_email(&email).await?;
    let ok = ctx
        .passwords
        .verify(
            input.password,
            user.as_ref()
                .filter(|u| u.has_password())
                .map(|u| u.password_hash.clone()),
        )
        .await?;
    let Some(user) = user.filter(|_| ok) else {
        if let Some(u) = ctx.store.user_by_email(&email).await? {
            record_failure(ctx, &u, client).await?;
        }
        return Err(IdentityError::InvalidCredentials);
    };
    if user.locked_until.is_some_and(|t| ctx.now() < t) {
        return Err(IdentityError::InvalidCredentials);
    }
    start_for_user(ctx, &rp, &user, SECOND_FACTOR, None).await
}

/// Whether `proof` is a passkey assertion of `user` for a ceremony of `purpose` (a sign-in's
/// second factor, or this session's step-up). Used where a TOTP code is accepted.
pub(crate) async fn check_second_factor(
    ctx: &Context,
    user: &User,
    proof: &PasskeyProof,
    session_hash: Option<&[u8]>,
    client: &Client,
) -> Result<bool, IdentityError> {
    let rp = rp(ctx)?;
    let purpose = if session_hash.is_some() {
        STEP_UP
    } else {
        SECOND_FACTOR
    };
    let Some(c) = take(ctx, &proof.ceremony, purpose, session_hash).await? else {
        return Ok(false);
    };
    if c.user() != Some(user.id) {
        return Ok(false);
    }
    let Some(assertion) = credential::<PublicKeyCredential>(&proof.credential) else {
        refused(ctx, user.id, purpose, client).await?;
        return Ok(false);
    };
    let stored = ctx.store.passkeys_of_user(user.id).await?;
    match verify_assertion(ctx, &rp, &assertion, &c, &stored, false).await? {
        Some(row) => {
            audit::in_users_orgs(
                ctx,
                user.id,
                "passkey.used",
                &client.ip,
                json!({"purpose": purpose, "passkey": row.id}),
            )
            .await?;
            Ok(true)
        }
        None => {
            refused(ctx, user.id, purpose, client).await?;
            Ok(false)
        }
    }
}

/// Starts a step-up with one of the signed-in user's passkeys (bound to this session).
///
/// # Errors
/// No passkey; an API token (a session is needed).
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn start_step_up(
    ctx: &Context,
    current: &Caller,
) -> Result<CeremonyStart, IdentityError> {
    let session = current.session_hash()?.to_vec();
    let rp = rp(ctx)?;
    ctx.limiters
        .take(Bucket::MfaUser, &current.id().to_string())
        .await?;
    start_for_user(ctx, &rp, &current.user, STEP_UP, Some(session)).await
}

/// Step-up with a passkey: a verified assertion (user verification included, so it counts as
/// both factors) renews the session with a fresh `authenticated_at`.
///
/// # Errors
/// [`IdentityError::InvalidCredentials`] for every refusal.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn finish_step_up(
    ctx: &Context,
    current: &Caller,
    proof: &PasskeyProof,
    client: &Client,
) -> Result<Issued, IdentityError> {
    let old = current.session_hash()?.to_vec();
    let user = &current.user;
    ctx.limiters.take(Bucket::LoginAccount, &user.email).await?;
    if !check_second_factor(ctx, user, proof, Some(&old), client).await? {
        record_failure(ctx, user, client).await?;
        return Err(IdentityError::InvalidCredentials);
    }
    let now = ctx.now();
    Ok(issue_session(ctx, user.id, Some(&old), now, Some(now), client).await?)
}

/// Removes the account's password, so it signs in with its passkeys only (and has no password
/// to reset). Needs recent authentication and at least one passkey.
///
/// # Errors
/// No passkey; no password to remove.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn remove_password(
    ctx: &Context,
    current: &Caller,
    _: &RecentAuth,
    client: &Client,
) -> Result<(), IdentityError> {
    current.session_hash()?;
    let user = &current.user;
    if !user.has_password() {
        return Err(FieldError::new("password", "the account has no password").into());
    }
    if ctx.store.passkey_count(user.id).await? == 0 {
        return Err(FieldError::new(
            "password",
            "register a passkey before removing the password",
        )
        .into());
    }
    ctx.store.clear_password(user.id, ctx.now()).await?;
    audit::in_users_orgs(ctx, user.id, "auth.password_removed", &client.ip, json!({})).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_bounded_and_required() {
        assert_eq!(check_name("  Laptop \u{7}").expect("ok"), "Laptop");
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(check_name(&"é".repeat(MAX_NAME_CHARS)).is_ok());
    }

    #[test]
    fn an_oversized_credential_is_not_parsed() {
        let big = json!({"id": "x".repeat(MAX_CREDENTIAL_BYTES)});
        assert!(credential::<Value>(&big).is_none());
        assert!(credential::<Value>(&json!({"id": "x"})).is_some());
    }
}
