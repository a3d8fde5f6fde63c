//! Connections to QuickBooks and Xero: connecting (and reconnecting the same company), listing,
//! the tenant lookup webhooks need, disconnecting, OAuth states taken once, webhook deliveries
//! recorded once — and another organisation's connection is never reachable.

use crate::support::TestDb;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use flowsense_core::{Currency, OrgId, UserId};
use flowsense_storage::{
    GrantContents, NewConnection, NewJob, NewOAuthState, NewOrg, NewPendingGrant, NewUser,
    OrgSettings, PendingTenant, StorageError, Store,
};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).single().unwrap()
}

async fn org(store: &Store, slug: &str) -> OrgId {
    store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("{slug} Ltd"),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .unwrap()
        .id
}

async fn user(store: &Store, email: &str) -> UserId {
    store
        .create_user(&NewUser {
            email: email.into(),
            display_name: "Admin".into(),
            password_hash: "x".into(),
        })
        .await
        .unwrap()
        .id
}

fn grant(tenant: &str, by: UserId, access: &str, at: DateTime<Utc>) -> NewConnection {
    NewConnection {
        provider: "quickbooks".into(),
        tenant_id: tenant.into(),
        tenant_name: Some(format!("Company {tenant}")),
        access: SecretString::from(access.to_owned()),
        refresh: SecretString::from(format!("refresh-{access}")),
        access_expires_at: Some(at + TimeDelta::hours(1)),
        refresh_expires_at: Some(at + TimeDelta::days(100)),
        connected_by: by,
        at,
    }
}

fn sync_job(org: OrgId, id: Uuid) -> Vec<NewJob> {
    vec![NewJob {
        kind: "connection.sync".into(),
        org: Some(org),
        payload: format!(r#"{{"connection":"{id}"}}"#),
        idempotency_key: Some(format!("sync:{id}:connected")),
        run_at: start(),
        max_attempts: 5,
    }]
}

pub async fn connecting_saves_sealed_tokens_and_queues_the_first_sync(db: &TestDb) {
    let s = &db.store;
    let acme = org(s, "acme").await;
    let admin = user(s, "admin@acme.test").await;
    let c = s
        .connect(acme, &grant("realm-1", admin, "a1", start()), |id| {
            sync_job(acme, id)
        })
        .await
        .unwrap();
    assert_eq!(
        (c.status.as_str(), c.tenant_id.as_str(), c.connected_by),
        ("active", "realm-1", Some(admin))
    );
    assert_eq!(c.refresh_expires_at, Some(start() + TimeDelta::days(100)));
    let tokens = s.connection_tokens(acme, c.id).await.unwrap().unwrap();
    assert_eq!(tokens.access.expose_secret(), "a1");
    assert_eq!(tokens.refresh.expose_secret(), "refresh-a1");
    let jobs = s
        .list_jobs_across_orgs(None, Some("connection.sync"), 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].org, Some(acme));
    assert!(jobs[0].payload.contains(&c.id.to_string()));

    // The same company again (a reconnect): the same row, new tokens, active again.
    s.disconnect(acme, c.id).await.unwrap();
    assert_eq!(
        s.connection(acme, c.id).await.unwrap().status,
        "disconnected"
    );
    assert!(s.connection_tokens(acme, c.id).await.unwrap().is_none());
    let again = s
        .connect(acme, &grant("realm-1", admin, "a2", start()), |_| {
            Vec::new()
        })
        .await
        .unwrap();
    assert_eq!((again.id, again.status.as_str()), (c.id, "active"));
    let tokens = s.connection_tokens(acme, c.id).await.unwrap().unwrap();
    assert_eq!(tokens.access.expose_secret(), "a2");
    assert_eq!(s.connections(acme).await.unwrap().len(), 1);
}

pub async fn another_organisations_connection_is_not_found(db: &TestDb) {
    let s = &db.store;
    let acme = org(s, "acme").await;
    let rival = org(s, "rival").await;
    let admin = user(s, "admin@acme.test").await;
    let c = s
        .connect(acme, &grant("realm-1", admin, "a1", start()), |_| {
            Vec::new()
        })
        .await
        .unwrap();
    assert!(matches!(
        s.connection(rival, c.id).await,
        Err(StorageError::NotFound)
    ));
    assert!(s.connections(rival).await.unwrap().is_empty());
    assert!(matches!(
        s.disconnect(rival, c.id).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        s.connection_tokens(rival, c.id).await,
        Err(StorageError::NotFound)
    ));
    // Nothing changed for its owner.
    assert_eq!(s.connection(acme, c.id).await.unwrap().status, "active");
}

pub async fn a_tenant_is_found_in_every_organisation_that_connected_it(db: &TestDb) {
    let s = &db.store;
    let acme = org(s, "acme").await;
    let rival = org(s, "rival").await;
    let admin = user(s, "admin@acme.test").await;
    let a = s
        .connect(acme, &grant("shared", admin, "a1", start()), |_| Vec::new())
        .await
        .unwrap();
    let b = s
        .connect(rival, &grant("shared", admin, "b1", start()), |_| {
            Vec::new()
        })
        .await
        .unwrap();
    s.connect(acme, &grant("other", admin, "c1", start()), |_| Vec::new())
        .await
        .unwrap();
    let found = s
        .active_connections_of_tenant_across_orgs("quickbooks", "shared")
        .await
        .unwrap();
    let mut pairs: Vec<_> = found.iter().map(|c| (c.org_id, c.id)).collect();
    pairs.sort();
    let mut expected = vec![(acme, a.id), (rival, b.id)];
    expected.sort();
    assert_eq!(pairs, expected);
    // Disconnected and unknown tenants are not.
    s.disconnect(rival, b.id).await.unwrap();
    let found = s
        .active_connections_of_tenant_across_orgs("quickbooks", "shared")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        s.active_connections_of_tenant_across_orgs("xero", "shared")
            .await
            .unwrap()
            .is_empty()
    );
}

fn state(org: OrgId, user: UserId, hash: u8, verifier: Option<&str>) -> NewOAuthState {
    NewOAuthState {
        state_hash: vec![hash; 32],
        session_hash: vec![7; 32],
        org,
        user,
        provider: "xero".into(),
        pkce_verifier: verifier.map(|v| SecretString::from(v.to_owned())),
        created_at: start(),
        expires_at: start() + TimeDelta::minutes(10),
    }
}

pub async fn an_oauth_state_is_taken_once_and_not_after_it_expired(db: &TestDb) {
    let s = &db.store;
    let acme = org(s, "acme").await;
    let admin = user(s, "admin@acme.test").await;
    s.create_oauth_state(&state(acme, admin, 1, Some("verifier-1")))
        .await
        .unwrap();
    let taken = s
        .take_oauth_state(&[1; 32], start() + TimeDelta::minutes(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((taken.org, taken.user), (acme, admin));
    assert_eq!(taken.session_hash, vec![7; 32]);
    assert_eq!(taken.provider, "xero");
    assert_eq!(
        taken
            .pkce_verifier
            .as_ref()
            .map(|v| v.expose_secret().to_owned()),
        Some("verifier-1".to_owned())
    );
    // Once only.
    assert!(
        s.take_oauth_state(&[1; 32], start())
            .await
            .unwrap()
            .is_none()
    );
    // Expired: none, and gone.
    s.create_oauth_state(&state(acme, admin, 2, None))
        .await
        .unwrap();
    assert!(
        s.take_oauth_state(&[2; 32], start() + TimeDelta::minutes(11))
            .await
            .unwrap()
            .is_none()
    );
    // The clean-up removes exactly the expired ones.
    s.create_oauth_state(&state(acme, admin, 3, None))
        .await
        .unwrap();
    assert_eq!(
        s.delete_expired_oauth_states_across_orgs(start())
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        s.delete_expired_oauth_states_across_orgs(start() + TimeDelta::hours(1))
            .await
            .unwrap(),
        1
    );
    assert!(
        s.take_oauth_state(&[3; 32], start())
            .await
            .unwrap()
            .is_none()
    );
}

fn pending(org: OrgId, user: UserId, session: u8, refresh: &str) -> NewPendingGrant {
    NewPendingGrant {
        id: Uuid::new_v4(),
        session_hash: vec![session; 32],
        org,
        user,
        provider: "xero".into(),
        contents: GrantContents {
            access: SecretString::from("access-token-of-the-grant".to_owned()),
            refresh: SecretString::from(refresh.to_owned()),
            access_expires_at: start() + TimeDelta::minutes(30),
            refresh_expires_at: Some(start() + TimeDelta::days(60)),
            tenants: vec![
                PendingTenant {
                    link_id: "link-1".into(),
                    tenant_id: "tenant-1".into(),
                    name: "Demo Trading Ltd".into(),
                },
                PendingTenant {
                    link_id: "link-2".into(),
                    tenant_id: "tenant-2".into(),
                    name: "Demo Services Ltd".into(),
                },
            ],
        },
        created_at: start(),
        expires_at: start() + TimeDelta::minutes(15),
    }
}

pub async fn a_pending_grant_is_bound_to_its_session_and_taken_once(db: &TestDb) {
    let s = &db.store;
    let acme = org(s, "acme").await;
    let other = org(s, "other").await;
    let admin = user(s, "admin@acme.test").await;
    let first = pending(acme, admin, 7, "refresh-first");
    s.create_pending_grant(&first).await.unwrap();
    // A second attempt of the same session replaces the first.
    let grant = pending(acme, admin, 7, "refresh-second-0123456789");
    s.create_pending_grant(&grant).await.unwrap();
    let later = start() + TimeDelta::minutes(1);
    let seen = s
        .pending_grant(acme, &[7; 32], "xero", later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.id, grant.id);
    assert_eq!(seen.user, admin);
    assert_eq!(seen.contents.tenants, grant.contents.tenants);
    assert_eq!(
        seen.contents.refresh.expose_secret(),
        "refresh-second-0123456789"
    );
    assert!(
        s.take_pending_grant(acme, first.id, &[7; 32], later)
            .await
            .unwrap()
            .is_none()
    );
    // Sealed at rest: neither the tokens nor the organisations' names are stored in clear.
    let stored = crate::support::sealed::everything_stored(db).await;
    assert!(!crate::support::sealed::contains(
        &stored,
        "refresh-second-0123456789"
    ));
    assert!(!crate::support::sealed::contains(
        &stored,
        "Demo Services Ltd"
    ));
    // Another session, another organisation or another provider sees nothing.
    assert!(
        s.pending_grant(acme, &[8; 32], "xero", later)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.pending_grant(other, &[7; 32], "xero", later)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.pending_grant(acme, &[7; 32], "quickbooks", later)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.take_pending_grant(acme, grant.id, &[8; 32], later)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.take_pending_grant(other, grant.id, &[7; 32], later)
            .await
            .unwrap()
            .is_none()
    );
    // Taken once.
    let taken = s
        .take_pending_grant(acme, grant.id, &[7; 32], later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        taken.contents.access.expose_secret(),
        "access-token-of-the-grant"
    );
    assert!(
        s.take_pending_grant(acme, grant.id, &[7; 32], later)
            .await
            .unwrap()
            .is_none()
    );
    // Expired: not shown, not taken, and purged by the clean-up.
    let stale = pending(acme, admin, 9, "refresh-stale");
    s.create_pending_grant(&stale).await.unwrap();
    let after = start() + TimeDelta::minutes(16);
    assert!(
        s.pending_grant(acme, &[9; 32], "xero", after)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        s.delete_expired_pending_grants_across_orgs(start())
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        s.delete_expired_pending_grants_across_orgs(after)
            .await
            .unwrap(),
        1
    );
    assert!(
        s.take_pending_grant(acme, stale.id, &[9; 32], start())
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn a_webhook_delivery_is_recorded_once_and_purged(db: &TestDb) {
    let s = &db.store;
    assert!(
        s.record_webhook_delivery("quickbooks", "ev-1", start())
            .await
            .unwrap()
    );
    assert!(
        !s.record_webhook_delivery("quickbooks", "ev-1", start())
            .await
            .unwrap()
    );
    assert!(
        s.record_webhook_delivery("xero", "ev-1", start())
            .await
            .unwrap()
    );
    assert_eq!(
        s.purge_webhook_deliveries(start() + TimeDelta::seconds(1))
            .await
            .unwrap(),
        2
    );
    assert!(
        s.record_webhook_delivery("quickbooks", "ev-1", start())
            .await
            .unwrap()
    );
}
