//! `/privacy`: each right over personal data (GDPR access, portability, rectification, erasure,
//! objection; CCPA), where the user exercises it on this instance, and the tests that prove
//! that place works. Generated like the trust center: the AI right reads whether any AI
//! provider is configured.

use super::instance::Instance;

/// Where a right is exercised: a page of this instance.
pub(crate) struct Place {
    pub href: &'static str,
    pub text: &'static str,
}

/// One right.
pub(crate) struct Right {
    pub id: &'static str,
    pub title: &'static str,
    /// What the right is, on this instance.
    pub read: fn(&Instance) -> String,
    pub places: &'static [Place],
    pub proven_by: &'static [&'static str],
}

const PROFILE_DATA: Place = Place {
    href: "/app/profile#data",
    text: "Your profile: Download my data",
};
const ORG_SETTINGS: Place = Place {
    href: "/app",
    text: "Your organisation, then Settings (admins)",
};

fn access(_: &Instance) -> String {
    "Download everything this instance holds about you as one JSON document, any time; an organisation's admins download the whole organisation, every transaction included. Both are machine-readable, for moving to another service.".into()
}

fn rectification(_: &Instance) -> String {
    "Admins correct the organisation's name, currency, time zone and settings; members correct a transaction's category, counterparty name and class. Changing your own sign-in e-mail address or display name has no page or command yet.".into()
}

fn erasure(_: &Instance) -> String {
    "Delete your account (an organisation always keeps one admin), or, as an admin, the whole organisation with every row and its encryption key. Transactions older than the organisation's retention period are deleted every night.".into()
}

fn objection(i: &Instance) -> String {
    if i.ai_provider.is_some() {
        "An organisation's admins turn AI off in its settings, or have counterparty names replaced by pseudonyms before anything leaves. Each user can stop the weekly e-mail digest in their profile.".into()
    } else {
        "No AI provider is configured on this instance: nothing is processed by AI. Each user can stop the weekly e-mail digest in their profile.".into()
    }
}

fn no_sale(_: &Instance) -> String {
    "We do not sell or share personal information (as the California Consumer Privacy Act defines both), and this instance has no advertising, analytics or tracking.".into()
}

/// The registry, in page order.
pub(crate) const RIGHTS: &[Right] = &[
    Right {
        id: "right-access",
        title: "Access and portability",
        read: access,
        places: &[PROFILE_DATA, ORG_SETTINGS],
        proven_by: &[
            "crates/web/tests/api/profile/own_data.rs::the_export_holds_everything_about_the_user_and_no_secret",
            "crates/web/tests/api/org_pages/export_and_deletion.rs::the_export_holds_every_transaction_and_no_secret",
        ],
    },
    Right {
        id: "right-rectification",
        title: "Rectification",
        read: rectification,
        places: &[ORG_SETTINGS],
        proven_by: &[
            "crates/web/tests/api/org_pages/settings.rs::settings_are_checked_before_anything_changes",
            "crates/web/tests/api/corrections.rs::members_correct_transactions_and_make_rules",
        ],
    },
    Right {
        id: "right-erasure",
        title: "Erasure",
        read: erasure,
        places: &[
            Place {
                href: "/app/profile#delete",
                text: "Your profile: Delete your account",
            },
            ORG_SETTINGS,
        ],
        proven_by: &[
            "crates/web/tests/api/profile/own_data.rs::deleting_an_account_keeps_an_admin_and_removes_every_row",
            "crates/web/tests/api/org_pages/export_and_deletion.rs::deleting_an_organisation_removes_its_rows_and_only_its_rows",
        ],
    },
    Right {
        id: "right-objection",
        title: "Objection to AI processing and to e-mail",
        read: objection,
        places: &[
            ORG_SETTINGS,
            Place {
                href: "/app/profile#notifications",
                text: "Your profile: E-mail notifications",
            },
        ],
        proven_by: &[
            "crates/web/tests/api/assistant/safety.rs::viewers_other_tenants_and_organisations_with_ai_off_cannot_ask",
            "crates/web/tests/api/digest.rs::digests_go_to_each_member_once_and_unsubscribe_in_one_click",
        ],
    },
    Right {
        id: "right-no-sale",
        title: "No sale or sharing (CCPA)",
        read: no_sale,
        places: &[Place {
            href: "/security#h-sub-processors",
            text: "The outside services this instance uses",
        }],
        proven_by: &[
            "crates/web/tests/api/trust.rs::the_trust_centre_states_what_this_instance_runs",
        ],
    },
];
