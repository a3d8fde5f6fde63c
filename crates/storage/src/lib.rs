//! FlowSense storage: the same migrations and queries on SQLite (the embedded default) and
//! PostgreSQL.
//!
//! Every method that touches tenant data takes the [`OrgId`] first and filters on it in SQL. On
//! PostgreSQL each of those runs in a transaction that also sets `flowsense.org_id`, which forced
//! row-level security checks as a second wall. Methods that deliberately cross organisations say
//! so in their name (`…_across_orgs`).
//!
//! Fixed statements are files under `sql/` (one per statement, by module; `postgres-only/` and
//! `sqlite-only/` for one engine), embedded with `sql!`. The `crates/storage-check` crates prepare
//! each of them against both engines at compile time; `sql/README.md` says how, and lists the
//! statements assembled at run time that stay in Rust.

// The one crate that talks SQL and holds the connection pools (clippy.toml bans both elsewhere).
#![expect(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "SQL and its pools belong here and nowhere else"
)]

mod accounts;
mod ai_calls;
mod args;
mod audit;
pub mod audit_chain;
mod auth_view;
pub mod backup;
mod billing;
mod books;
mod cleanup;
mod connections;
mod conversations;
mod corrections;
mod credentials;
pub mod crypto;
mod db;
mod documents;
mod error;
mod export;
mod import_history;
mod imports;
mod instance_secrets;
mod invitations;
mod jobs;
mod jobs_admin;
mod mapping_presets;
mod members;
mod mfa;
mod mfa_secret;
mod narratives;
mod notification_prefs;
mod oauth_states;
mod org_secrets;
mod orgs;
mod own_data;
mod passkeys;
mod pending_grants;
mod pending_uploads;
mod planned;
mod rates;
mod retention;
mod scope;
pub mod search_index;
pub mod search_terms;
mod sessions;
mod setup_tokens;
mod sso;
mod synced;
mod tokens;
mod transactions;
mod users;
mod webhook_deliveries;

pub use accounts::{AccountSummary, BankAccount};
pub use ai_calls::{AiCall, AiOutcome, AiPurpose, AiTokenSum};
pub use audit::{AuditEntry, AuditEvent, AuditFilter, AuditPage, NewAuditEvent};
pub use audit_chain::{BreakKind, ChainBreak, ChainReport};
pub use auth_view::AuthView;
pub use billing::BillingRecord;
pub use connections::{Connection, ConnectionTokens, NewConnection};
pub use conversations::{ConversationMessage, MessageAuthor};
pub use corrections::{Correction, NewRule, Rule, TxnNames, effective_class};
pub use credentials::Revoked;
pub use crypto::{CryptoError, FieldRef, Keyring, OrgSealer};
pub use db::{Backend, DEFAULT_SEALS_PER_DATA_KEY, OpenOptions, Store};
pub use documents::NewDocument;
pub use error::{StorageError, constraint, database_unavailable};
pub use export::{
    ExportedAccount, ExportedAiCall, ExportedConnection, ExportedDocument, ExportedFlowRollup,
    ExportedInsight, ExportedLedgerAccount, ExportedNarratives, ExportedRollup,
    ExportedTransaction, ExportedWeekRollup, OrgTables,
};
pub use import_history::ImportRecord;
pub use imports::{ImportMeta, ImportSummary, ImportTx};
pub use invitations::{Invitation, NewInvitation};
pub use jobs::{ClaimedJob, Enqueued, FailOutcome, JobId, NewJob, retry_backoff};
pub use jobs_admin::{JobCount, JobQueueGauges, JobRecord, JobState, QUEUE_GAUGE_STATES};
pub use mapping_presets::{MappingPreset, NewMappingPreset};
pub use members::{MemberDetail, UserOrg};
pub use mfa::MfaState;
pub use narratives::StoredNarratives;
pub use notification_prefs::{DigestRecipient, NotificationPrefs};
pub use oauth_states::{NewOAuthState, OAuthState};
pub use orgs::{NewOrg, OrgSettings, Organisation};
pub use own_data::{AccountFootprint, ConversationSummary};
pub use passkeys::{Ceremony, NewCeremony, NewPasskey, PasskeyUse, StoredPasskey};
pub use pending_grants::{GrantContents, NewPendingGrant, PendingGrant, PendingTenant};
pub use pending_uploads::{NewPendingUpload, PendingUpload};
pub use planned::{NewPlannedItem, PlannedItem, SavedScenario};
pub use rates::{RateSource, StoredRate};
pub use retention::PurgeBatch;
pub use sessions::{NewSession, Session};
pub use sso::{LinkedIdentity, NewSsoState, OrgSsoPolicy, SsoState};
pub use synced::{AppliedCounts, FullRead, SyncState, SyncTokens, SyncedAccountTotal, SyncedPage};
pub use tokens::{ApiToken, NewApiToken, TokenScope};
pub use transactions::{NewTransaction, StoredTransaction, TxnCursor, TxnFilter, TxnPage};
pub use users::{Membership, NO_PASSWORD, NewUser, User};

pub use flowsense_core::{OrgId, Role, UserId};
