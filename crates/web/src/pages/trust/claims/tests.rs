use super::super::contact::SecurityContact;
use super::super::instance::Instance;
use super::*;
use flowsense_core::Currency;
use flowsense_service::identity::limits::RateLimits;
use flowsense_service::identity::session::SessionPolicy;
use flowsense_service::sub_processors::SubProcessor;
use flowsense_storage::OrgSettings;
use flowsense_test_support::test_index::{TestName, workspace_tests};
use std::collections::BTreeSet;
use std::path::Path;

/// The cited tests that are not test functions of the workspace.
fn missing(cited: &[&str], known: &BTreeSet<TestName>) -> Vec<String> {
    cited
        .iter()
        .filter(|c| {
            let Some((path, function)) = c.split_once("::") else {
                return true;
            };
            !known.contains(&TestName {
                path: path.to_owned(),
                function: function.to_owned(),
            })
        })
        .map(|c| (*c).to_owned())
        .collect()
}

#[test]
fn every_claim_names_tests_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let known = workspace_tests(&root);
    assert!(known.len() > 500, "the index found {} tests", known.len());
    let mut problems = Vec::new();
    for claim in CLAIMS {
        if claim.proven_by.is_empty() {
            problems.push(format!("{} cites no test", claim.id));
        }
        for m in missing(claim.proven_by, &known) {
            problems.push(format!("{} cites {m}, which is not a test", claim.id));
        }
    }
    for right in super::super::privacy::RIGHTS {
        for m in missing(right.proven_by, &known) {
            problems.push(format!("{} cites {m}, which is not a test", right.id));
        }
    }
    let ids: BTreeSet<&str> = CLAIMS.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), CLAIMS.len(), "claim ids are unique");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The check catches a renamed test and a helper that is not a test.
    let renamed = "crates/web/tests/api/sessions.rs::idle_and_absolute_expiry_renamed";
    let helper = "crates/web/tests/api/tls.rs::handshake";
    assert_eq!(missing(&[renamed, helper], &known), [renamed, helper]);
}

/// Everything on: TLS, an AI provider, both webhooks, a contact and an outside service.
fn everything_on() -> Instance {
    Instance {
        tls: true,
        secure_cookies: true,
        session: SessionPolicy::default(),
        login_limit: RateLimits::default().login_per_account,
        ai_provider: Some("Anthropic Claude (model m) at api.anthropic.com".into()),
        webhooks: vec!["QuickBooks", "Xero"],
        keys: None,
        csp: "default-src 'self'".into(),
        defaults: OrgSettings::with_currency(Currency::USD),
        contact: Some(SecurityContact::parse("security@example.com").expect("valid")),
        sub_processors: vec![SubProcessor {
            kind: "smtp",
            name: "The SMTP relay at mail.example.com".into(),
            data_sent: "addresses",
            turn_off: "unset FLOWSENSE_SMTP_URL",
        }],
        backups: Some(super::super::instance::Backups {
            keep: 7,
            last_verified: None,
        }),
        sso: Some("Example IdP".into()),
        passkeys: true,
    }
}

fn text(id: &str, instance: &Instance) -> String {
    let claim = CLAIMS.iter().find(|c| c.id == id).expect("a claim");
    (claim.read)(instance)
}

#[test]
fn each_feature_turned_off_changes_its_claim_to_say_so() {
    type Off = fn(&mut Instance);
    let cases: [(&str, Off, &str); 11] = [
        (
            "fact-sign-in-methods",
            |i| i.sso = None,
            "single sign-on is not configured on this instance",
        ),
        (
            "fact-backups",
            |i| i.backups = None,
            "No scheduled backups are configured on this instance",
        ),
        (
            "fact-tls",
            |i| i.tls = false,
            "Off: this instance serves plain HTTP",
        ),
        ("fact-hsts", |i| i.tls = false, "Not sent"),
        (
            "fact-tls-version",
            |i| i.tls = false,
            "Not served by this instance",
        ),
        ("fact-ai", |i| i.ai_provider = None, "None configured"),
        (
            "fact-redaction",
            |i| i.ai_provider = None,
            "no AI provider is configured",
        ),
        (
            "fact-webhooks",
            |i| i.webhooks.clear(),
            "No webhooks are configured on this instance",
        ),
        (
            "fact-contact",
            |i| i.contact = None,
            "None configured on this instance",
        ),
        (
            "fact-sign-in-methods",
            |i| i.passkeys = false,
            "passkeys are off on this instance",
        ),
        (
            "fact-sub-processors",
            |i| i.sub_processors.clear(),
            "None: this instance sends data to no outside service",
        ),
    ];
    for (id, turn_off, says) in cases {
        let on = everything_on();
        let mut off = everything_on();
        turn_off(&mut off);
        let (before, after) = (text(id, &on), text(id, &off));
        assert_ne!(before, after, "{id} does not change");
        assert!(after.contains(says), "{id} off: {after}");
        assert!(!before.contains(says), "{id} on: {before}");
    }
    let on = everything_on();
    assert!(text("fact-webhooks", &on).starts_with("QuickBooks and Xero webhooks"));
    assert_eq!(text("fact-contact", &on), "security@example.com");
    assert!(text("fact-sub-processors", &on).contains("mail.example.com"));
}

#[test]
fn every_privacy_right_links_to_a_page_that_exists() {
    let pages: BTreeSet<&str> = crate::routes::route_table()
        .into_iter()
        .filter(|r| r.method == axum::http::Method::GET)
        .map(|r| r.path)
        .collect();
    for right in super::super::privacy::RIGHTS {
        assert!(!right.places.is_empty(), "{} links nowhere", right.id);
        for place in right.places {
            let path = place.href.split('#').next().unwrap_or_default();
            assert!(
                pages.contains(path),
                "{} links to {path}, no page",
                right.id
            );
        }
    }
}
