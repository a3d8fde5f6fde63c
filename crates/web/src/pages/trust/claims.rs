//! Every statement of the trust centre, as data: where it appears, how it is read from the
//! running configuration ([`Instance`]), and the tests that prove it (`path::function`, checked
//! against the workspace's test functions by the test below). A feature that is off on this
//! instance is said to be off, never promised.

use super::instance::Instance;
use chrono::TimeDelta;
use flowsense_service::retention;

/// A card of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Transit,
    Rest,
    Access,
    Ai,
    Data,
    Browser,
    Disclosure,
}

impl Section {
    pub(crate) const ALL: [Section; 7] = [
        Section::Transit,
        Section::Rest,
        Section::Access,
        Section::Ai,
        Section::Data,
        Section::Browser,
        Section::Disclosure,
    ];

    pub(crate) fn title(self) -> &'static str {
        match self {
            Section::Transit => "Encryption in transit",
            Section::Rest => "Encryption at rest",
            Section::Access => "Sign-in and sessions",
            Section::Ai => "AI and your data",
            Section::Data => "Your data",
            Section::Browser => "Browser protections",
            Section::Disclosure => "Outside services and disclosure",
        }
    }

    pub(crate) fn anchor(self) -> &'static str {
        match self {
            Section::Transit => "h-transit",
            Section::Rest => "h-rest",
            Section::Access => "h-access",
            Section::Ai => "h-ai",
            Section::Data => "h-data",
            Section::Browser => "h-web",
            Section::Disclosure => "h-disclosure",
        }
    }
}

/// One statement.
pub(crate) struct Claim {
    /// The element id of its value (`fact-tls`), stable for tests and links.
    pub id: &'static str,
    pub section: Section,
    pub label: &'static str,
    /// Its text on this instance.
    pub read: fn(&Instance) -> String,
    /// The tests that prove it, as `path::function`.
    pub proven_by: &'static [&'static str],
}

const TLS: &[&str] = &[
    "crates/web/tests/api/tls.rs::a_tls12_client_is_refused_and_a_tls13_client_is_served_with_hsts",
    "crates/web/tests/api/tls.rs::openssl_s_client_agrees_tls12_fails_and_tls13_succeeds",
];
const MATRIX: &str =
    "crates/web/tests/api/matrix/mod.rs::every_route_answers_every_caller_as_the_matrix_says";
const TRUST_PAGE: &str =
    "crates/web/tests/api/trust.rs::the_trust_centre_states_what_this_instance_runs";

fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn duration(d: TimeDelta) -> String {
    let minutes = d.num_minutes();
    let (n, unit) = if minutes >= 60 && minutes % 60 == 0 {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    plural(u64::try_from(n).unwrap_or(0), unit)
}

fn tls(i: &Instance) -> String {
    if i.tls {
        "On: this server terminates HTTPS itself".into()
    } else {
        "Off: this instance serves plain HTTP (set FLOWSENSE_TLS_CERT/FLOWSENSE_TLS_KEY or FLOWSENSE_TLS=self-signed, or put a TLS proxy in front)".into()
    }
}

fn tls_version(i: &Instance) -> String {
    if i.tls {
        "TLS 1.3 only (older versions are refused)".into()
    } else {
        "Not served by this instance; when it serves HTTPS, TLS 1.3 only".into()
    }
}

fn hsts(i: &Instance) -> String {
    if i.tls {
        format!("On: Strict-Transport-Security: {}", crate::HSTS)
    } else {
        "Not sent: this instance does not serve HTTPS".into()
    }
}

fn outbound(_: &Instance) -> String {
    "TLS 1.3 with verified certificates by default; an operator may allow TLS 1.2 for a mail relay, and plain text only to a mail relay on this machine or a model server on its own network".into()
}

fn algorithm(_: &Instance) -> String {
    "AES-256-GCM, one data key per organisation, bound to organisation, row and field".into()
}

fn master_version(i: &Instance) -> String {
    i.keys.as_ref().map_or_else(
        || "Unavailable".into(),
        |k| format!("v{}", k.current_master_version),
    )
}

fn last_rotation(i: &Instance) -> String {
    match &i.keys {
        None => "Unavailable".into(),
        Some(k) => k.last_master_rotation.map_or_else(
            || "Never rotated since set-up".to_owned(),
            |t| t.format("%-d %B %Y, %H:%M UTC").to_string(),
        ),
    }
}

fn org_keys(i: &Instance) -> String {
    match &i.keys {
        None => "Unavailable".into(),
        Some(k) => {
            let wrapped: u64 = k.org_keys_by_master_version.values().sum();
            format!(
                "{} wrapped by the master key; {} awaiting re-wrap",
                plural(wrapped, "organisation key"),
                k.keys_needing_rewrap()
            )
        }
    }
}

fn shredding(_: &Instance) -> String {
    "Deleting an organisation destroys its key (crypto-shredding)".into()
}

fn backups(i: &Instance) -> String {
    let Some(b) = &i.backups else {
        return "No scheduled backups are configured on this instance (FLOWSENSE_BACKUP_DIR)"
            .into();
    };
    let schedule = format!(
        "Nightly at {:02}:00 UTC, sealed with AES-256-GCM under a key derived from the master key (never stored with them), each restored into a scratch database to check every table; the last {} kept.",
        flowsense_service::backup::NIGHTLY_BACKUP_HOUR_UTC,
        b.keep
    );
    match &b.last_verified {
        None => format!("{schedule} None verified yet."),
        Some((m, v)) => format!(
            "{schedule} Last verified: the backup of {}, checked {} ({} tables, {} rows).",
            m.created_at.format("%-d %B %Y, %H:%M UTC"),
            v.verified_at.format("%-d %B %Y, %H:%M UTC"),
            v.tables,
            v.rows
        ),
    }
}

fn passwords(_: &Instance) -> String {
    "argon2id; 12–128 characters; weak and common passwords refused".into()
}

fn mfa(_: &Instance) -> String {
    "Available to every user: TOTP authenticator apps with single-use recovery codes; each organisation can require it".into()
}

fn sign_in_methods(i: &Instance) -> String {
    let passkeys = if i.passkeys {
        "A password (with a TOTP code or a passkey as the second factor), or a passkey alone (WebAuthn, user verification required, signature counters checked)"
    } else {
        "A password, with a TOTP code as the second factor; passkeys are off on this instance (its public address is not a domain name)"
    };
    let sso = match &i.sso {
        Some(name) => format!(
            "single sign-on with {name} (OpenID Connect: code flow with PKCE; ID tokens signed RS256 or ES256 only, checked for issuer, audience, expiry and nonce). Accounts are linked only by an address the provider has verified; an organisation can require single sign-on and turn off its members' passwords"
        ),
        None => "single sign-on is not configured on this instance (FLOWSENSE_OIDC_ISSUER)".into(),
    };
    let passwordless = if i.passkeys || i.sso.is_some() {
        ". An account may have no password at all (passkeys or single sign-on only), and then has none to reset"
    } else {
        ""
    };
    format!("{passkeys}; {sso}{passwordless}")
}

fn idle(i: &Instance) -> String {
    format!(
        "Signed out after {} without activity",
        duration(i.session.idle_timeout)
    )
}

fn absolute(i: &Instance) -> String {
    format!("{}, however active", duration(i.session.absolute_lifetime))
}

fn recent_auth(i: &Instance) -> String {
    format!(
        "Ask for your password again after {}",
        duration(i.session.recent_auth_window)
    )
}

fn cookies(i: &Instance) -> String {
    format!(
        "Opaque random token, only its hash stored; HttpOnly, SameSite=Lax{}",
        if i.secure_cookies {
            ", Secure, __Host- prefix"
        } else {
            " (Secure when served over HTTPS)"
        }
    )
}

fn login_limit(i: &Instance) -> String {
    format!(
        "{} per account per {} seconds, then the account backs off",
        i.login_limit.burst,
        i.login_limit.period.as_secs()
    )
}

fn roles(_: &Instance) -> String {
    "Admin, member and viewer, checked on every page and API call".into()
}

fn ai_provider(i: &Instance) -> String {
    i.ai_provider
        .clone()
        .unwrap_or_else(|| "None configured: nothing is sent to any AI provider".into())
}

fn ai_sent(i: &Instance) -> String {
    if i.ai_provider.is_some() {
        "Only computed figures for insights; the assistant reaches data through tools scoped to your organisation and role".into()
    } else {
        "Nothing: no AI provider is configured on this instance".into()
    }
}

fn redaction(i: &Instance) -> String {
    if i.ai_provider.is_some() {
        format!(
            "An organisation setting: names are replaced by stable pseudonyms before anything leaves (default {})",
            if i.defaults.redact_names { "on" } else { "off" }
        )
    } else {
        "Nothing leaves: no AI provider is configured on this instance".into()
    }
}

fn ai_switch(i: &Instance) -> String {
    if i.ai_provider.is_some() {
        format!(
            "Each organisation's admins can turn AI off in its settings (on by default: {})",
            if i.defaults.ai_enabled { "yes" } else { "no" }
        )
    } else {
        "Nothing to turn off: no AI provider is configured on this instance".into()
    }
}

fn conversations(_: &Instance) -> String {
    format!(
        "The organisation's retention period or {} days, whichever is shorter",
        retention::MAX_CONVERSATION_DAYS
    )
}

fn retention_claim(i: &Instance) -> String {
    format!(
        "{} days by default, configurable per organisation; monthly totals by category are {}",
        i.defaults.retention_days,
        if i.defaults.keep_monthly_rollups {
            "kept for forecasts unless turned off"
        } else {
            "not kept"
        }
    )
}

fn purge(i: &Instance) -> String {
    format!(
        "Scheduled every night at {:02}:00 UTC: each organisation's transactions dated before its retention period ({} days unless changed, counted in the organisation's time zone) are added to monthly totals by account, category and counterparty and weekly totals by counterparty, unless the organisation turned those off, then deleted, {} at a time. Each organisation's audit log records every purge with its cutoff and counts, and its admins see the last one in its settings. Audit events are kept {} days, then removed oldest first; the hash of the last one removed stays as the start of the organisation's audit hash chain, which the same job verifies beforehand.",
        retention::NIGHTLY_PURGE_HOUR_UTC,
        i.defaults.retention_days,
        retention::PURGE_BATCH_ROWS,
        retention::AUDIT_RETENTION_DAYS,
    )
}

fn export(_: &Instance) -> String {
    "A complete JSON document of your account, and for admins of the organisation".into()
}

fn deletion(_: &Instance) -> String {
    "Your account, or a whole organisation with every row and its key".into()
}

fn tracking(_: &Instance) -> String {
    "None: no advertising, analytics or tracking pixels; the Content-Security-Policy allows no other site's scripts".into()
}

fn csp(i: &Instance) -> String {
    i.csp.clone()
}

fn cross_site(_: &Instance) -> String {
    "Refused by Origin and Fetch metadata; forms and API calls carry a per-session CSRF token"
        .into()
}

fn webhooks(i: &Instance) -> String {
    if i.webhooks.is_empty() {
        "No webhooks are configured on this instance".into()
    } else {
        format!(
            "{} webhooks accepted only with a valid HMAC-SHA256 signature over the exact body, compared in constant time, and acted on once per event",
            i.webhooks.join(" and ")
        )
    }
}

fn sub_processors(i: &Instance) -> String {
    if i.sub_processors.is_empty() {
        "None: this instance sends data to no outside service".into()
    } else {
        let names: Vec<&str> = i.sub_processors.iter().map(|s| s.name.as_str()).collect();
        format!("{}, listed below with what each receives", names.join("; "))
    }
}

fn contact(i: &Instance) -> String {
    i.contact.as_ref().map_or_else(
        || "None configured on this instance (FLOWSENSE_SECURITY_CONTACT is not set)".into(),
        |c| c.text().to_owned(),
    )
}

/// The registry, in page order.
pub(crate) const CLAIMS: &[Claim] = &[
    Claim {
        id: "fact-tls",
        section: Section::Transit,
        label: "HTTPS on this instance",
        read: tls,
        proven_by: &[TLS[0], TRUST_PAGE],
    },
    Claim {
        id: "fact-tls-version",
        section: Section::Transit,
        label: "Protocol",
        read: tls_version,
        proven_by: TLS,
    },
    Claim {
        id: "fact-hsts",
        section: Section::Transit,
        label: "HSTS",
        read: hsts,
        proven_by: &[TLS[0]],
    },
    Claim {
        id: "fact-outbound",
        section: Section::Transit,
        label: "Outbound calls",
        read: outbound,
        proven_by: &[
            "crates/outbound/src/lib.rs::tls12_is_refused_by_default_and_negotiated_only_when_allowed",
            "crates/mail/tests/smtp/main.rs::an_untrusted_certificate_is_refused",
        ],
    },
    Claim {
        id: "fact-algorithm",
        section: Section::Rest,
        label: "Algorithm",
        read: algorithm,
        proven_by: &[
            "crates/storage/src/crypto/tests.rs::a_value_moved_to_another_row_column_owner_or_key_does_not_open",
            "crates/storage/src/crypto/tests.rs::flipping_any_bit_of_a_ciphertext_is_detected",
        ],
    },
    Claim {
        id: "fact-master-key",
        section: Section::Rest,
        label: "Master key version",
        read: master_version,
        proven_by: &[
            "crates/storage/tests/key_rotation/mod.rs::master_rotation_rewraps_every_key_and_an_interrupted_one_resumes",
        ],
    },
    Claim {
        id: "fact-rotation",
        section: Section::Rest,
        label: "Last master key rotation",
        read: last_rotation,
        proven_by: &[
            "crates/app/tests/operator_commands/mod.rs::master_key_rotation_and_organisation_deletion_from_the_command_line",
        ],
    },
    Claim {
        id: "fact-org-keys",
        section: Section::Rest,
        label: "Organisation keys",
        read: org_keys,
        proven_by: &[
            "crates/storage/tests/key_rotation/mod.rs::master_rotation_rewraps_every_key_and_an_interrupted_one_resumes",
        ],
    },
    Claim {
        id: "fact-shredding",
        section: Section::Rest,
        label: "Deleting an organisation",
        read: shredding,
        proven_by: &[
            "crates/storage/tests/crypto/mod.rs::a_deleted_orgs_backed_up_rows_cannot_be_decrypted",
        ],
    },
    Claim {
        id: "fact-backups",
        section: Section::Rest,
        label: "Backups",
        read: backups,
        proven_by: &[
            "crates/service/tests/worker/backup.rs::a_backup_is_sealed_verified_restored_and_refused_to_another_master_key",
            "crates/service/tests/worker/backup.rs::the_nightly_job_backs_up_and_verifies",
            TRUST_PAGE,
        ],
    },
    Claim {
        id: "fact-passwords",
        section: Section::Access,
        label: "Passwords",
        read: passwords,
        proven_by: &[
            "crates/service/src/identity/password.rs::weak_common_and_personal_passwords_are_refused",
            "crates/web/tests/api/at_rest.rs::passwords_sessions_and_recovery_codes_are_stored_as_hashes",
        ],
    },
    Claim {
        id: "fact-mfa",
        section: Section::Access,
        label: "Two-factor authentication",
        read: mfa,
        proven_by: &[
            "crates/web/tests/api/mfa.rs::totp_window_replay_and_recovery_codes",
            "crates/web/tests/api/mfa.rs::an_organisation_can_require_mfa",
        ],
    },
    Claim {
        id: "fact-sign-in-methods",
        section: Section::Access,
        label: "Sign-in methods",
        read: sign_in_methods,
        proven_by: &[
            "crates/web/tests/api/sso/real.rs::a_new_person_signs_in_through_the_provider_and_gets_an_account_without_a_password",
            "crates/web/tests/api/sso/real.rs::an_unverified_address_never_takes_over_an_existing_account",
            "crates/web/tests/api/sso/real.rs::an_organisation_that_requires_sso_refuses_its_members_passwords",
            "crates/web/tests/api/sso/forged.rs::forged_expired_misdirected_and_unsigned_id_tokens_are_refused",
            "crates/web/tests/api/passkeys/mod.rs::a_passkey_registers_signs_in_alone_and_is_revoked",
            "crates/web/tests/api/passkeys/mod.rs::a_passkey_is_a_second_factor_and_a_step_up",
            "crates/web/tests/api/passkeys/mod.rs::forged_replayed_and_foreign_assertions_are_refused",
            "crates/web/tests/api/passkeys/mod.rs::an_account_with_passkeys_only_has_no_password_to_reset",
        ],
    },
    Claim {
        id: "fact-idle",
        section: Section::Access,
        label: "Idle timeout",
        read: idle,
        proven_by: &["crates/web/tests/api/sessions.rs::idle_and_absolute_expiry"],
    },
    Claim {
        id: "fact-absolute",
        section: Section::Access,
        label: "Absolute session lifetime",
        read: absolute,
        proven_by: &["crates/web/tests/api/sessions.rs::idle_and_absolute_expiry"],
    },
    Claim {
        id: "fact-recent-auth",
        section: Section::Access,
        label: "Sensitive actions",
        read: recent_auth,
        proven_by: &[
            "crates/web/tests/api/own_export.rs::the_api_export_needs_recent_authentication_like_the_organisations",
        ],
    },
    Claim {
        id: "fact-cookies",
        section: Section::Access,
        label: "Session cookies",
        read: cookies,
        proven_by: &[
            "crates/web/tests/api/sessions.rs::every_cookie_the_server_sets_is_a_host_cookie",
            "crates/web/tests/api/sessions.rs::login_rotates_and_cookie_flags",
        ],
    },
    Claim {
        id: "fact-login-limit",
        section: Section::Access,
        label: "Sign-in attempts",
        read: login_limit,
        proven_by: &["crates/web/tests/api/limits.rs::the_next_attempt_after_the_limit_is_429"],
    },
    Claim {
        id: "fact-roles",
        section: Section::Access,
        label: "Roles",
        read: roles,
        proven_by: &[MATRIX],
    },
    Claim {
        id: "fact-ai",
        section: Section::Ai,
        label: "AI provider",
        read: ai_provider,
        proven_by: &[
            "crates/app/src/ai.rs::no_provider_is_the_default_and_sends_nothing",
            TRUST_PAGE,
        ],
    },
    Claim {
        id: "fact-ai-sent",
        section: Section::Ai,
        label: "What is sent",
        read: ai_sent,
        proven_by: &[
            "crates/web/tests/api/assistant/safety.rs::every_tool_reads_the_askers_organisation_only",
        ],
    },
    Claim {
        id: "fact-redaction",
        section: Section::Ai,
        label: "Counterparty names",
        read: redaction,
        proven_by: &[
            "crates/web/tests/api/assistant/safety.rs::names_go_out_as_pseudonyms_and_come_back_real",
        ],
    },
    Claim {
        id: "fact-ai-switch",
        section: Section::Ai,
        label: "Turning AI off",
        read: ai_switch,
        proven_by: &[
            "crates/web/tests/api/assistant/safety.rs::viewers_other_tenants_and_organisations_with_ai_off_cannot_ask",
        ],
    },
    Claim {
        id: "fact-conversations",
        section: Section::Ai,
        label: "Conversations kept",
        read: conversations,
        proven_by: &[
            "crates/storage/tests/retention/mod.rs::old_conversations_go_and_other_organisations_keep_theirs",
        ],
    },
    Claim {
        id: "fact-retention",
        section: Section::Data,
        label: "Raw transactions kept",
        read: retention_claim,
        proven_by: &[
            "crates/service/tests/worker/retention.rs::the_nightly_purge_keeps_each_organisations_own_last_days",
        ],
    },
    Claim {
        id: "fact-purge",
        section: Section::Data,
        label: "Retention purge",
        read: purge,
        proven_by: &[
            "crates/storage/tests/retention/mod.rs::purge_rolls_up_exactly_the_rows_before_the_cutoff_and_keeps_the_analytics",
            "crates/web/tests/api/last_purge.rs::the_settings_page_shows_the_last_purge",
        ],
    },
    Claim {
        id: "fact-export",
        section: Section::Data,
        label: "Export",
        read: export,
        proven_by: &[
            "crates/web/tests/api/org_pages/export_and_deletion.rs::the_export_holds_every_transaction_and_no_secret",
            "crates/web/tests/api/profile/own_data.rs::the_export_holds_everything_about_the_user_and_no_secret",
        ],
    },
    Claim {
        id: "fact-deletion",
        section: Section::Data,
        label: "Deletion",
        read: deletion,
        proven_by: &[
            "crates/web/tests/api/org_pages/export_and_deletion.rs::deleting_an_organisation_removes_its_rows_and_only_its_rows",
            "crates/web/tests/api/profile/own_data.rs::deleting_an_account_keeps_an_admin_and_removes_every_row",
        ],
    },
    Claim {
        id: "fact-tracking",
        section: Section::Data,
        label: "Tracking",
        read: tracking,
        proven_by: &[MATRIX],
    },
    Claim {
        id: "fact-csp",
        section: Section::Browser,
        label: "Content-Security-Policy",
        read: csp,
        proven_by: &[MATRIX],
    },
    Claim {
        id: "fact-cross-site",
        section: Section::Browser,
        label: "Cross-site requests",
        read: cross_site,
        proven_by: &[
            "crates/web/tests/api/csrf.rs::cookie_writes_need_the_token_and_the_right_origin",
        ],
    },
    Claim {
        id: "fact-webhooks",
        section: Section::Browser,
        label: "Webhooks",
        read: webhooks,
        proven_by: &[
            "crates/web/tests/api/connections/webhooks.rs::quickbooks_deliveries_sync_the_named_company_once",
            "crates/webhooks/src/intuit_xero.rs::both_quickbooks_shapes_are_read_and_a_bad_signature_is_refused",
            TRUST_PAGE,
        ],
    },
    Claim {
        id: "fact-sub-processors",
        section: Section::Disclosure,
        label: "Sub-processors",
        read: sub_processors,
        proven_by: &[TRUST_PAGE, SUB_PROCESSORS_IN_EXPORT],
    },
    Claim {
        id: "fact-contact",
        section: Section::Disclosure,
        label: "Security contact",
        read: contact,
        proven_by: &[TRUST_PAGE, SECURITY_TXT],
    },
];

const SUB_PROCESSORS_IN_EXPORT: &str =
    "crates/web/tests/api/trust.rs::the_export_lists_the_sub_processors_the_page_lists";
const SECURITY_TXT: &str =
    "crates/web/tests/api/trust.rs::security_txt_has_the_fields_rfc_9116_requires_or_is_not_served";

#[cfg(test)]
mod tests;
