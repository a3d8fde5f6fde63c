//! Object ids swapped between two tenants (checklist C2): every store function that takes an
//! organisation and an object id, called with organisation A and an object of B, finds nothing
//! and changes nothing of B. The cases are drawn by proptest.

use super::*;
use chrono::{TimeDelta, Utc};
use flowsense_core::{PlannedFlow, Repeat, UserId};
use flowsense_storage::{
    Correction, NewInvitation, NewPlannedItem, NewRule, NewSession, PlannedItem, Rule,
    SavedScenario, StoredTransaction,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use uuid::Uuid;

/// One tenant's objects, each of a kind some store function takes by id.
struct Objects {
    user: UserId,
    connection: Uuid,
    transactions: Vec<i64>,
    rule: i64,
    invitation: Uuid,
    import: i64,
    planned: Uuid,
    scenario: Uuid,
    conversation: Uuid,
    account: i64,
}

async fn objects_of(s: &Store, org: OrgId, tag: &str) -> Objects {
    let user = s
        .create_user(&NewUser {
            email: format!("{tag}@example.com"),
            display_name: tag.into(),
            password_hash: "h".into(),
        })
        .await
        .unwrap()
        .id;
    s.set_membership(org, user, Role::Member).await.unwrap();
    let now = Utc::now();
    s.create_session(
        &NewSession {
            id_hash: Uuid::new_v4().as_bytes().to_vec(),
            public_id: Uuid::new_v4(),
            user,
            csrf_token_hash: vec![0; 32],
            now,
            absolute_expires_at: now + TimeDelta::hours(12),
            authenticated_at: now,
            mfa_at: None,
            user_agent: "test".into(),
            ip: "192.0.2.1".into(),
        },
        None,
    )
    .await
    .unwrap();
    let connection = s
        .create_connection(org, "quickbooks", &format!("realm-{tag}"))
        .await
        .unwrap();
    let page = s
        .list_transactions(
            org,
            &TxnFilter {
                limit: 500,
                ..TxnFilter::default()
            },
        )
        .await
        .unwrap();
    let (rule, _) = s
        .save_rule(
            org,
            &NewRule {
                counterparty: format!("{tag} supplier"),
                category: Some("Rent".into()),
                counterparty_name: None,
                class: None,
                apply_to_past: false,
                created_by: None,
            },
        )
        .await
        .unwrap();
    let invitation = Uuid::new_v4();
    s.create_invitation(
        org,
        &NewInvitation {
            id: invitation,
            email: format!("invited-{tag}@example.com"),
            role: Role::Viewer,
            token_hash: Uuid::new_v4().as_bytes().to_vec(),
            invited_by: user,
            created_at: now,
            expires_at: now + TimeDelta::days(7),
        },
        &[],
    )
    .await
    .unwrap();
    let planned = s
        .add_planned_item(
            org,
            &NewPlannedItem {
                name: format!("{tag} plan"),
                flow: PlannedFlow {
                    first: day(2027, 1, 15),
                    amount: -125_000,
                    repeat: Repeat::Monthly,
                    until: None,
                    confidence_percent: 90,
                },
                created_by: None,
            },
        )
        .await
        .unwrap()
        .id;
    let scenario = s
        .save_scenario(org, None, &format!("{tag} scenario"), b"{}")
        .await
        .unwrap()
        .id;
    let conversation = s.create_conversation(org, user, "Runway?").await.unwrap();
    let tables = s.export_org_tables(org).await.unwrap();
    Objects {
        user,
        connection,
        transactions: page.items.iter().map(|t| t.id).collect(),
        rule,
        invitation,
        import: tables.imports[0].id,
        planned,
        scenario,
        conversation,
        account: tables.bank_accounts[0].id,
    }
}

/// Everything of one tenant a swapped call could change, compared whole.
#[derive(Debug, PartialEq)]
struct Snapshot {
    tables: String,
    transactions: Vec<StoredTransaction>,
    planned: Vec<PlannedItem>,
    scenarios: Vec<SavedScenario>,
    rules: Vec<Rule>,
    members: String,
    sessions: Vec<Uuid>,
    connection: String,
}

async fn snapshot(s: &Store, org: OrgId, o: &Objects) -> Snapshot {
    Snapshot {
        tables: serde_json::to_string(&s.export_org_tables(org).await.unwrap()).unwrap(),
        transactions: s
            .list_transactions(
                org,
                &TxnFilter {
                    limit: 500,
                    ..TxnFilter::default()
                },
            )
            .await
            .unwrap()
            .items,
        planned: s.planned_items(org).await.unwrap(),
        scenarios: s.saved_scenarios(org).await.unwrap(),
        rules: s.rules(org).await.unwrap(),
        members: serde_json::to_string(&s.member_details(org).await.unwrap()).unwrap(),
        sessions: s
            .sessions_of_user(o.user)
            .await
            .unwrap()
            .into_iter()
            .map(|x| x.public_id)
            .collect(),
        connection: format!("{:?}", s.connection(org, o.connection).await.unwrap()),
    }
}

const OPERATIONS: u8 = 17;

/// Calls operation `op` as organisation `a` on `o`'s objects; `Err` says what was found or done.
#[allow(clippy::too_many_lines)]
async fn swapped(s: &Store, a: OrgId, op: u8, o: &Objects, pick: usize) -> Result<(), String> {
    let txn = o.transactions[pick % o.transactions.len()];
    let not_found = |what: &str, r: std::result::Result<(), StorageError>| match r {
        Err(StorageError::NotFound) => Ok(()),
        other => Err(format!("{what}: {other:?}")),
    };
    match op {
        0 => not_found("connection", s.connection(a, o.connection).await.map(drop)),
        1 => not_found("disconnect", s.disconnect(a, o.connection).await),
        2 => match s.connection_tokens(a, o.connection).await {
            Ok(None) | Err(StorageError::NotFound) => Ok(()),
            other => Err(format!(
                "connection_tokens: {:?}",
                other.map(|t| t.is_some())
            )),
        },
        3 => match s.clear_connection_tokens(a, o.connection).await {
            Ok(()) | Err(StorageError::NotFound) => Ok(()),
            other => Err(format!("clear_connection_tokens: {other:?}")),
        },
        4 => not_found(
            "transaction_names",
            s.transaction_names(a, txn).await.map(drop),
        ),
        5 => not_found(
            "correct_transaction",
            s.correct_transaction(
                a,
                txn,
                &Correction {
                    category: Some("Stolen".into()),
                    counterparty: Some("Mallory".into()),
                    class: None,
                },
            )
            .await,
        ),
        6 => not_found("delete_rule", s.delete_rule(a, o.rule).await),
        7 => not_found("invitation", s.invitation(a, o.invitation).await.map(drop)),
        8 => not_found(
            "revoke_invitation",
            s.revoke_invitation(a, o.invitation).await.map(drop),
        ),
        9 => match s.import_record(a, o.import).await {
            Ok(None) => Ok(()),
            other => Err(format!("import_record: {:?}", other.map(|r| r.is_some()))),
        },
        10 => not_found(
            "delete_planned_item",
            s.delete_planned_item(a, o.planned).await,
        ),
        11 => not_found(
            "delete_saved_scenario",
            s.delete_saved_scenario(a, o.scenario).await,
        ),
        12 => not_found(
            "change_role",
            s.change_role_keeping_an_admin(a, o.user, Role::Admin).await,
        ),
        13 => not_found(
            "remove_member",
            s.remove_member_keeping_an_admin(a, o.user).await,
        ),
        14 => match s.delete_sessions_of_member(a, o.user).await {
            Ok(None) => Ok(()),
            other => Err(format!("delete_sessions_of_member: {other:?}")),
        },
        15 => match s.owns_conversation(a, o.user, o.conversation).await {
            Ok(false) => Ok(()),
            other => Err(format!("owns_conversation: {other:?}")),
        },
        16 => match s.delete_mapping_preset(a, o.account).await {
            Ok(false) => Ok(()),
            other => Err(format!("delete_mapping_preset: {other:?}")),
        },
        _ => unreachable!("{op}"),
    }
}

pub(super) async fn swapped_object_ids_find_nothing_and_change_nothing(db: &TestDb) {
    let s = &db.store;
    let (a, b) = two_orgs(s).await;
    let _ours = objects_of(s, a, "alpha").await;
    let theirs = objects_of(s, b, "bravo").await;
    let before = snapshot(s, b, &theirs).await;
    // Drawn ahead (the calls are async): each case is an operation and which of B's
    // transactions it names.
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let cases: Vec<(u8, usize)> = (0..96)
        .map(|_| {
            (0..OPERATIONS, any::<usize>())
                .new_tree(&mut runner)
                .unwrap()
                .current()
        })
        .collect();
    let mut tried = std::collections::BTreeSet::new();
    for (op, pick) in cases {
        if let Err(found) = swapped(s, a, op, &theirs, pick).await {
            panic!("operation {op} as A reached B's object: {found}");
        }
        assert_eq!(
            before,
            snapshot(s, b, &theirs).await,
            "operation {op} as A changed B"
        );
        tried.insert(op);
    }
    // Every operation was drawn at least once (96 draws over 17 operations, fixed seed).
    assert_eq!(tried.len(), usize::from(OPERATIONS), "{tried:?}");
    // The same calls as B on its own objects do find them: the swap, not the call, is refused.
    assert!(s.connection(b, theirs.connection).await.is_ok());
    assert!(s.transaction_names(b, theirs.transactions[0]).await.is_ok());
    assert!(s.invitation(b, theirs.invitation).await.is_ok());
    assert_eq!(
        s.delete_sessions_of_member(b, theirs.user).await.unwrap(),
        Some(1)
    );
    s.delete_rule(b, theirs.rule).await.unwrap();
    s.delete_planned_item(b, theirs.planned).await.unwrap();
}
