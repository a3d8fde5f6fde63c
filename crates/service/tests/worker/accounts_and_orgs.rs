//! A worker's whole path without the web crate: an account and an organisation made through
//! the identity and organisation use cases, a statement imported as an upload, the analysis
//! read back; and the conflicts a form can cause, named by their constraint on both backends.

use crate::imports::BOOKS;
use crate::support::context;
use flowsense_core::Role;
use flowsense_service::analysis::with_analysis;
use flowsense_service::identity::accounts::create_user_with_password;
use flowsense_service::identity::{Caller, Client, IdentityError};
use flowsense_service::imports::file_sha256;
use flowsense_service::orgs::lifecycle::{self, NewOrgInput};
use flowsense_service::orgs::{OrgAccess, OrgError};
use flowsense_service::uploads::{SpooledUpload, import_upload};
use flowsense_storage::{NewUser, StorageError, Store, constraint};
use std::io::Write as _;

const PASSWORD: &str = "violet-tundra-47-marmalade";

pub(crate) fn roastery() -> NewOrgInput {
    NewOrgInput {
        name: "Roastery Ltd".into(),
        slug: Some("roastery".into()),
        base_currency: "USD".into(),
        time_zone: None,
    }
}

async fn a_worker_signs_up_creates_an_org_imports_and_reads_the_analysis(store: &Store) {
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = context(store, outbox.path());
    let here = Client::local("worker");
    let user = create_user_with_password(&ctx, "Ann@Example.test", "Ann Example", PASSWORD, true)
        .await
        .expect("the account");
    assert_eq!(
        user.email, "ann@example.test",
        "addresses are kept lower-case"
    );
    let ann = Caller::local(user);

    let org = lifecycle::create(&ctx, &ann, roastery(), &here)
        .await
        .expect("the organisation");
    let admin = OrgAccess::check(&ctx, ann.clone(), org.id, Role::Admin)
        .await
        .expect("its creator is its admin");
    assert_eq!(admin.role, Role::Admin);

    let mut file = tempfile::NamedTempFile::new().expect("spool");
    file.write_all(BOOKS.as_bytes()).expect("write the upload");
    let upload = SpooledUpload {
        sha256: file_sha256(file.path()).expect("hash"),
        file,
        file_name: "bank.csv".into(),
        bytes: u64::try_from(BOOKS.len()).expect("a small file"),
        account: None,
        date_format: None,
        mapping: flowsense_service::uploads::MappingChoices::default(),
    };
    let uploaded = import_upload(&ctx, &admin, upload, &here)
        .await
        .expect("the upload is imported");
    assert_eq!((uploaded.rows_read, uploaded.rows_added), (6, 6));

    let org = store.org(org.id).await.expect("the organisation");
    let total = with_analysis(store, &ctx.analytics, &org, |a| a.cashflow().total)
        .await
        .expect("the analysis");
    assert_eq!(
        (total.inflow, total.outflow, total.net),
        (1_050_000, -850_000, 200_000)
    );
    let audit = store.audit_actions(org.id).await.expect("the audit log");
    for action in ["org.created", "import.completed"] {
        assert!(audit.iter().any(|a| a == action), "{action} in {audit:?}");
    }

    // Someone else's organisation is not found; an unverified account is refused first.
    let stranger = create_user_with_password(&ctx, "sam@example.test", "Sam", PASSWORD, false)
        .await
        .expect("another account");
    let refused = OrgAccess::check(&ctx, Caller::local(stranger), org.id, Role::Viewer).await;
    assert!(
        matches!(refused, Err(OrgError::EmailNotVerified)),
        "{refused:?}"
    );
}

async fn a_taken_slug_or_address_is_named_by_its_constraint(store: &Store) {
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = context(store, outbox.path());
    let here = Client::local("worker");
    let user = create_user_with_password(&ctx, "ann@example.test", "Ann", PASSWORD, true)
        .await
        .expect("the account");
    let ann = Caller::local(user);
    lifecycle::create(&ctx, &ann, roastery(), &here)
        .await
        .expect("the first organisation");

    let again = lifecycle::create(&ctx, &ann, roastery(), &here).await;
    match again {
        Err(e @ OrgError::SlugTaken) => assert_eq!(e.field(), Some("slug")),
        other => panic!("expected the slug to be taken, got {other:?}"),
    }
    let twice = create_user_with_password(&ctx, "ANN@example.test", "Ann", PASSWORD, false).await;
    assert!(matches!(twice, Err(IdentityError::EmailTaken)), "{twice:?}");

    // The storage layer names the constraint itself, the same on both databases.
    let raw = store
        .create_user(&NewUser {
            email: "ann@example.test".into(),
            display_name: "Ann".into(),
            password_hash: "x".into(),
        })
        .await;
    assert!(
        matches!(raw, Err(StorageError::Conflict(c)) if c == constraint::USER_EMAIL),
        "{raw:?}"
    );
}

/// Without a slug, one is made from the name and numbered when taken; the time zone is
/// checked and kept; a refused field creates nothing.
async fn a_slug_is_made_from_the_name_and_kept_unique(store: &Store) {
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = context(store, outbox.path());
    let here = Client::local("web");
    let user = create_user_with_password(&ctx, "ann@example.test", "Ann", PASSWORD, true)
        .await
        .expect("the account");
    let ann = Caller::local(user);
    let named = |time_zone: &str| NewOrgInput {
        name: "Café Zoë & Co.".into(),
        slug: None,
        base_currency: "eur".into(),
        time_zone: Some(time_zone.into()),
    };
    let first = lifecycle::create(&ctx, &ann, named("Europe/Paris"), &here)
        .await
        .expect("the first");
    assert_eq!(first.slug, "cafe-zoe-co");
    assert_eq!(first.settings.time_zone, "Europe/Paris");
    assert_eq!(first.settings.base_currency.as_str(), "EUR");
    let second = lifecycle::create(&ctx, &ann, named("UTC"), &here)
        .await
        .expect("the second");
    assert_eq!(second.slug, "cafe-zoe-co-2");

    let refused = lifecycle::create(&ctx, &ann, named("Europe/Atlantis"), &here).await;
    assert!(
        matches!(&refused, Err(e) if e.field() == Some("time_zone")),
        "{refused:?}"
    );
    assert_eq!(
        store.orgs_of_user(ann.id()).await.expect("db").len(),
        2,
        "the refused one was not created"
    );
}

crate::on_both_backends!(
    a_worker_signs_up_creates_an_org_imports_and_reads_the_analysis,
    a_taken_slug_or_address_is_named_by_its_constraint,
    a_slug_is_made_from_the_name_and_kept_unique,
);
