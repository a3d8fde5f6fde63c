//! A request of each route for each caller: the invitations, tokens and links a route needs to
//! be tried for real.

use super::*;

impl World {
    /// An invitation into the organisation for `email` (someone's who is not in the world when
    /// `None`); returns its token.
    pub(super) async fn invitation_for(&self, email: Option<String>) -> String {
        let email = email.unwrap_or_else(|| "nobody@x.test".to_owned());
        let mut raw = self.org.0.as_bytes().to_vec();
        raw.extend_from_slice(&random_bytes::<32>());
        let token = b64url(&raw);
        let now = chrono::Utc::now();
        self.app
            .state
            .store
            .create_invitation(
                self.org,
                &NewInvitation {
                    id: uuid::Uuid::new_v4(),
                    email,
                    role: Role::Viewer,
                    token_hash: sha256(token.as_bytes()),
                    invited_by: self.spare,
                    created_at: now,
                    expires_at: now + TimeDelta::days(7),
                },
                &[],
            )
            .await
            .expect("invitation");
        token
    }

    /// The organisation's Stripe customer, as its first checkout makes it (once).
    pub(super) async fn stripe_customer(&self) {
        let store = &self.app.state.store;
        if store.billing_of(self.org).await.expect("db").is_some() {
            return;
        }
        let stripe = self.app.state.services.providers.billing.stripe.clone();
        let customer = stripe
            .expect("billing on")
            .create_customer(
                &self.org.to_string(),
                "alpha",
                &uuid::Uuid::new_v4().to_string(),
            )
            .await
            .expect("customer");
        store
            .save_billing(
                self.org,
                &flowsense_storage::BillingRecord {
                    stripe_customer_id: Some(customer.id),
                    stripe_subscription_id: None,
                    plan: "free".into(),
                    status: "none".into(),
                    price_id: None,
                    current_period_end: None,
                    cancel_at_period_end: false,
                    payment_failing_since: None,
                    updated_at: chrono::Utc::now(),
                },
            )
            .await
            .expect("billing");
    }

    /// The id of a transaction of the organisation (one is imported the first time).
    pub(super) async fn transaction_id(&self) -> i64 {
        self.transaction_id_of(self.org).await
    }

    /// The id of a transaction of `org` (one is imported the first time).
    pub(super) async fn transaction_id_of(&self, org: OrgId) -> i64 {
        let store = &self.app.state.store;
        let listed = |limit| flowsense_storage::TxnFilter {
            limit,
            ..Default::default()
        };
        if let Some(t) = store
            .list_transactions(org, &listed(1))
            .await
            .expect("list")
            .items
            .first()
        {
            return t.id;
        }
        self.app
            .import_rows(
                org,
                &[flowsense_storage::NewTransaction {
                    account: "Operating".into(),
                    posted_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 2).expect("date"),
                    amount_minor: 1_000,
                    currency: "USD".into(),
                    original_amount_minor: 1_000,
                    original_currency: "USD".into(),
                    counterparty: "Matrix Co".into(),
                    description: "Matrix sale".into(),
                    category: "Sales".into(),
                    is_transfer: false,
                    external_id: "matrix-1".into(),
                }],
            )
            .await;
        store
            .list_transactions(org, &listed(1))
            .await
            .expect("list")
            .items[0]
            .id
    }

    /// The id of a new planned amount of the organisation.
    pub(super) async fn planned_item_id(&self) -> uuid::Uuid {
        self.planned_item_id_of(self.org).await
    }

    /// The id of a new planned amount of `org`.
    pub(super) async fn planned_item_id_of(&self, org: OrgId) -> uuid::Uuid {
        let input = flowsense_service::planned::PlannedInput {
            name: "Matrix plan".into(),
            date: "2026-12-20".into(),
            amount: "10.00".into(),
            ..Default::default()
        };
        let (name, flow) = input.read(flowsense_core::Currency::USD).expect("valid");
        self.app
            .state
            .store
            .add_planned_item(
                org,
                &flowsense_storage::NewPlannedItem {
                    name: name.as_str().to_owned(),
                    flow,
                    created_by: None,
                },
            )
            .await
            .expect("planned item")
            .id
    }

    /// A new saved scenario of the organisation (a ten-day payment delay).
    pub(super) async fn scenario_id(&self) -> uuid::Uuid {
        self.scenario_id_of(self.org).await
    }

    /// A new saved scenario of `org`.
    pub(super) async fn scenario_id_of(&self, org: OrgId) -> uuid::Uuid {
        self.app
            .state
            .store
            .save_scenario(
                org,
                None,
                &format!("s{}", uuid::Uuid::new_v4().simple()),
                br#"{"delay_days":"10"}"#,
            )
            .await
            .expect("scenario")
            .id
    }

    /// Forgets that `user` confirmed their address (straight in the database).
    pub(super) async fn unverify(&self, user: UserId) {
        use sqlx::Connection;
        let sql = "UPDATE users SET email_verified_at = NULL WHERE id = $1";
        if self.app.db.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.app.db.url)
                .await
                .expect("sqlite");
            sqlx::query(sql)
                .bind(user.0)
                .execute(&mut c)
                .await
                .expect("update");
        } else {
            let mut c = sqlx::PgConnection::connect(&self.app.db.url)
                .await
                .expect("postgres");
            sqlx::query(sql)
                .bind(user.0)
                .execute(&mut c)
                .await
                .expect("update");
        }
    }

    /// A live API token of `user` (a random id owned by nobody when `None`).
    pub(super) async fn token_of(&self, user: Option<UserId>) -> uuid::Uuid {
        let id = uuid::Uuid::new_v4();
        if let Some(user) = user {
            let now = chrono::Utc::now();
            self.app
                .state
                .store
                .create_api_token(&NewApiToken {
                    id,
                    user,
                    name: "x".into(),
                    token_hash: random_bytes::<32>().to_vec(),
                    scope: TokenScope::Read,
                    created_at: now,
                    expires_at: now + TimeDelta::days(1),
                })
                .await
                .expect("token");
        }
        id
    }

    /// Registers a passkey for the signed-in `caller` (when it is a person's browser); its id.
    pub(super) async fn passkey_of(&mut self, who: Who, caller: &mut Browser) -> Option<String> {
        if !matches!(
            who,
            Who::OtherOrgAdmin | Who::Viewer | Who::Member | Who::Admin
        ) {
            return None;
        }
        let (s, start) = caller
            .post("/api/v1/me/passkeys/options", json!({"name": "matrix"}))
            .await;
        assert_eq!(s, StatusCode::OK, "{who:?}: {start}");
        let credential = self.authenticator.create(&start["publicKey"]);
        let (s, created) = caller
            .post(
                "/api/v1/me/passkeys",
                json!({"ceremony": start["ceremony"], "credential": credential}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{who:?}: {created}");
        created["id"].as_str().map(str::to_owned)
    }

    /// A ceremony begun at `options` by `starter` (with `body`), answered by the authenticator.
    pub(super) async fn passkey_answer(
        &mut self,
        starter: &mut Browser,
        options: &str,
        body: Value,
    ) -> Value {
        let (s, start) = starter.post(options, body).await;
        if !s.is_success() {
            return json!({"ceremony": "none", "credential": {}});
        }
        let credential = self.authenticator.get(&start["publicKey"]);
        json!({"ceremony": start["ceremony"], "credential": credential})
    }

    /// The spare member's passkey, registered once.
    pub(super) async fn spare_passkey(&mut self) {
        let spare = self
            .app
            .state
            .store
            .passkey_count(self.spare)
            .await
            .expect("db");
        if spare == 0 {
            let mut b = self.app.signed_in(&self.spare_email.clone()).await;
            self.passkey_of(Who::Member, &mut b).await;
        }
    }

    /// For a route that names an object besides `{org}`: the id of an object of that kind
    /// that belongs to the other organisation (or, under `/me/`, to its admin).
    pub(super) async fn foreign_object(&mut self, spec: &RouteSpec) -> Option<String> {
        let other_admin = self.person(Who::OtherOrgAdmin).expect("other admin").id;
        let other = self.other_org;
        let fresh = format!("f{}", uuid::Uuid::new_v4().simple());
        let p = spec.path;
        let id = if p.contains("{user}") {
            other_admin.to_string()
        } else if !p.contains("{id}") {
            return None;
        } else if p.contains("/transactions/") {
            self.transaction_id_of(other).await.to_string()
        } else if p.contains("/planned") {
            self.planned_item_id_of(other).await.to_string()
        } else if p.contains("/scenarios/") {
            self.scenario_id_of(other).await.to_string()
        } else if p.contains("/rules/") {
            let (id, _) = self
                .app
                .state
                .store
                .save_rule(
                    other,
                    &flowsense_storage::NewRule {
                        counterparty: fresh,
                        category: Some("Theirs".into()),
                        counterparty_name: None,
                        class: None,
                        apply_to_past: false,
                        created_by: None,
                    },
                )
                .await
                .expect("rule");
            id.to_string()
        } else if p.contains("/connections/") {
            crate::connections::connected(&self.app.state.store, other, "quickbooks", &fresh)
                .await
                .id
                .to_string()
        } else if p.contains("/invitations/") {
            let id = uuid::Uuid::new_v4();
            let now = chrono::Utc::now();
            self.app
                .state
                .store
                .create_invitation(
                    other,
                    &NewInvitation {
                        id,
                        email: format!("{fresh}@invited.test"),
                        role: Role::Viewer,
                        token_hash: random_bytes::<32>().to_vec(),
                        invited_by: other_admin,
                        created_at: now,
                        expires_at: now + TimeDelta::days(7),
                    },
                    &[],
                )
                .await
                .expect("invitation");
            id.to_string()
        } else if p == "/api/v1/me/tokens/{id}" {
            self.token_of(Some(other_admin)).await.to_string()
        } else if p == "/api/v1/me/sessions/{id}" {
            let sessions = self
                .app
                .state
                .store
                .sessions_of_user(other_admin)
                .await
                .expect("sessions");
            sessions.first().expect("a session").public_id.to_string()
        } else if p == "/api/v1/me/passkeys/{id}" {
            let mut theirs = self.caller(Who::OtherOrgAdmin);
            self.passkey_of(Who::OtherOrgAdmin, &mut theirs)
                .await
                .expect("passkey")
        } else {
            panic!("{} {p}: which object does {{id}} name?", spec.method)
        };
        Some(
            p.replace("{org}", &self.org.to_string())
                .replace("{user}", &id)
                .replace("{id}", &id),
        )
    }

    /// What the other organisation holds, and what its admin holds, as text to compare.
    pub(super) async fn dump_of_other(&mut self) -> String {
        let other_admin = self.person(Who::OtherOrgAdmin).expect("other admin").id;
        let store = &self.app.state.store;
        let org = self.other_org;
        let txns = store
            .list_transactions(
                org,
                &flowsense_storage::TxnFilter {
                    limit: 500,
                    ..Default::default()
                },
            )
            .await
            .expect("transactions");
        let sessions: Vec<_> = store
            .sessions_of_user(other_admin)
            .await
            .expect("sessions")
            .into_iter()
            .map(|s| s.public_id)
            .collect();
        let tokens: Vec<_> = store
            .api_tokens_of(other_admin)
            .await
            .expect("tokens")
            .into_iter()
            .map(|t| (t.id, t.revoked_at))
            .collect();
        let passkeys = store.passkey_count(other_admin).await.expect("passkeys");
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{sessions:?}\n{tokens:?}\n{passkeys}",
            store.export_org_tables(org).await.expect("tables"),
            txns.items,
            store.planned_items(org).await.expect("planned"),
            store.saved_scenarios(org).await.expect("scenarios"),
            store.rules(org).await.expect("rules"),
            store.member_details(org).await.expect("members"),
            store.user(other_admin).await.expect("user"),
        )
    }

    pub(super) fn person(&mut self, who: Who) -> Option<&mut Person> {
        let who = match who {
            Who::ReadToken => Who::Admin,
            Who::DisabledToken => Who::DisabledUser,
            other => other,
        };
        self.people
            .iter_mut()
            .find(|(w, _)| *w == who)
            .map(|(_, p)| p)
    }

    pub(super) fn caller(&mut self, who: Who) -> Browser {
        match who {
            Who::Anonymous => self.app.browser(),
            Who::RevokedToken => Browser::with_token(&self.app.base, &self.revoked_token),
            Who::ReadToken => Browser::with_token(&self.app.base, &self.read_token),
            Who::DisabledToken => Browser::with_token(&self.app.base, &self.disabled_token),
            _ => {
                let p = self.person(who).expect("person");
                // Share the cookie jar and CSRF token of the signed-in browser.
                Browser {
                    http: p.browser.http.clone(),
                    base: p.browser.base.clone(),
                    csrf: p.browser.csrf.clone(),
                    bearer: None,
                }
            }
        }
    }

    /// The path and body that an allowed caller's request succeeds with, after any set-up.
    pub(super) async fn sample(
        &mut self,
        spec: &RouteSpec,
        who: Who,
        caller: &mut Browser,
    ) -> (String, Option<Value>) {
        let mut path = spec
            .path
            .replace("{org}", &self.org.to_string())
            .replace("{user}", &self.spare.to_string())
            .replace("{kind}", "runway");
        // Callers whose account cannot sign in (MFA pending, disabled) have no sample of their own.
        let me = if matches!(
            who,
            Who::PendingMfa | Who::DisabledUser | Who::DisabledToken
        ) {
            None
        } else {
            self.person(who).map(|p| (p.id, p.email.clone()))
        };
        let fresh = || format!("n{}", uuid::Uuid::new_v4().simple());
        let body = match (spec.method.as_str(), spec.path) {
            ("POST", "/api/v1/auth/signup") => Some(
                json!({"email": format!("{}@new.test", fresh()), "password": PASSWORD, "display_name": "New"}),
            ),
            ("POST", "/api/v1/auth/verify-email")
            | ("POST", "/api/v1/auth/password-reset/confirm") => {
                let spare = self.app.state.store.user(self.spare).await.expect("spare");
                let purpose = if spec.path.ends_with("confirm") {
                    LinkPurpose::ResetPassword
                } else {
                    LinkPurpose::VerifyEmail
                };
                let token = sign_link(&self.app.state, &spare, purpose);
                if spec.path.ends_with("confirm") {
                    Some(json!({"token": token, "new_password": NEW_PASSWORD}))
                } else {
                    Some(json!({"token": token}))
                }
            }
            ("POST", "/api/v1/setup") => Some(json!({
                "token": format!("fs_setup_{}", fresh()),
                "email": format!("{}@new.test", fresh()),
                "display_name": "First",
                "password": PASSWORD,
            })),
            ("POST", "/signup") => Some(
                json!({"email": format!("{}@new.test", fresh()), "password": PASSWORD, "display_name": "New"}),
            ),
            ("GET" | "POST", "/verify-email" | "/reset-password/confirm")
            | ("GET", "/reset-password") => {
                let spare = self.app.state.store.user(self.spare).await.expect("spare");
                let purpose = if spec.path.starts_with("/reset") {
                    LinkPurpose::ResetPassword
                } else {
                    LinkPurpose::VerifyEmail
                };
                let token = sign_link(&self.app.state, &spare, purpose);
                if spec.method == Method::GET {
                    path = format!("{path}?token={token}");
                    None
                } else {
                    Some(json!({"token": token, "new_password": NEW_PASSWORD}))
                }
            }
            ("POST", "/reset-password") => Some(json!({"email": self.spare_email})),
            ("GET" | "POST", "/unsubscribe/{token}") => {
                let link = unsubscribe_link(&self.app.state, self.spare, self.org);
                let token = link.rsplit('/').next().expect("a token").to_owned();
                path = path.replace("{token}", &token);
                (spec.method == Method::POST).then(|| json!({"List-Unsubscribe": "One-Click"}))
            }
            ("GET" | "POST", "/invitations/accept") => {
                let token = self
                    .invitation_for(me.as_ref().map(|(_, e)| e.clone()))
                    .await;
                if spec.method == Method::GET {
                    path = format!("{path}?token={token}");
                    None
                } else {
                    Some(json!({"token": token}))
                }
            }
            ("POST", "/app/profile/password") => {
                Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
            }
            ("POST", "/app/profile/verify-email") => {
                // Only an unconfirmed address can ask for a new link.
                if let Some((id, _)) = &me {
                    self.unverify(*id).await;
                }
                None
            }
            ("POST", "/app/profile/mfa/confirm") => {
                let (s, enrol) = caller.post("/api/v1/me/mfa/enrol", json!({})).await;
                let code = if s.is_success() {
                    totp_code(&self.app, enrol["secret"].as_str().expect("secret"), 0)
                } else {
                    "000000".into()
                };
                Some(json!({"code": code}))
            }
            ("POST", "/app/profile/mfa/disable") => {
                let (s, enrol) = caller.post("/api/v1/me/mfa/enrol", json!({})).await;
                if s.is_success() {
                    let code = totp_code(&self.app, enrol["secret"].as_str().expect("secret"), 0);
                    caller
                        .post("/api/v1/me/mfa/verify", json!({"code": code}))
                        .await;
                }
                None
            }
            ("POST", "/app/profile/sessions/revoke") => {
                let id = match &me {
                    Some((_, email)) if who != Who::ReadToken => {
                        let mut other = self.app.signed_in(email).await;
                        let (_, list) = other.get("/api/v1/me/sessions").await;
                        list.as_array()
                            .expect("list")
                            .iter()
                            .find(|s| s["current"] == json!(true))
                            .expect("current")["id"]
                            .as_str()
                            .expect("id")
                            .to_owned()
                    }
                    _ => uuid::Uuid::new_v4().to_string(),
                };
                Some(json!({"session": id}))
            }
            ("POST", "/app/profile/tokens") => {
                Some(json!({"name": "matrix", "scope": "read", "expires_in_days": "30"}))
            }
            ("POST", "/app/profile/tokens/revoke") => {
                let id = self.token_of(me.as_ref().map(|(id, _)| *id)).await;
                Some(json!({"token": id.to_string()}))
            }
            ("POST", "/app/profile/delete") => Some(json!({
                "confirm_email": me.as_ref().map(|(_, e)| e.clone()).unwrap_or_default(),
                "password": PASSWORD,
            })),
            ("PATCH", "/api/v1/me/notifications") => {
                let org = if who == Who::OtherOrgAdmin {
                    self.other_org
                } else {
                    self.org
                };
                Some(json!({"org_id": org.to_string(), "weekly_digest": false}))
            }
            ("POST", "/api/v1/auth/login" | "/login") => {
                Some(json!({"email": "member@a.test", "password": PASSWORD}))
            }
            ("POST", "/api/v1/auth/password") => {
                Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
            }
            ("POST", "/api/v1/auth/password-reset") => Some(json!({"email": self.spare_email})),
            ("POST", "/api/v1/auth/reauthenticate") => Some(json!({"password": PASSWORD})),
            ("POST", "/api/v1/auth/passkey") => {
                self.spare_passkey().await;
                let mut starter = self.app.browser();
                Some(
                    self.passkey_answer(&mut starter, "/api/v1/auth/passkey/options", json!({}))
                        .await,
                )
            }
            ("POST", "/api/v1/auth/passkey/second-factor/options") => {
                self.spare_passkey().await;
                Some(json!({"email": self.spare_email, "password": PASSWORD}))
            }
            ("POST", "/api/v1/auth/reauthenticate/passkey/options") => {
                self.passkey_of(who, caller).await;
                Some(json!({}))
            }
            ("POST", "/api/v1/auth/reauthenticate/passkey") => {
                if self.passkey_of(who, caller).await.is_some() {
                    Some(
                        self.passkey_answer(
                            caller,
                            "/api/v1/auth/reauthenticate/passkey/options",
                            json!({}),
                        )
                        .await,
                    )
                } else {
                    Some(json!({"ceremony": "none", "credential": {}}))
                }
            }
            ("POST", "/api/v1/me/passkeys/options") => Some(json!({"name": "matrix"})),
            ("POST", "/api/v1/me/passkeys") => {
                let (s, start) = caller
                    .post("/api/v1/me/passkeys/options", json!({"name": "matrix"}))
                    .await;
                if s.is_success() {
                    let credential = self.authenticator.create(&start["publicKey"]);
                    Some(json!({"ceremony": start["ceremony"], "credential": credential}))
                } else {
                    Some(json!({"ceremony": "none", "credential": {}}))
                }
            }
            ("DELETE", "/api/v1/me/passkeys/{id}") => {
                let id = self
                    .passkey_of(who, caller)
                    .await
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                path = path.replace("{id}", &id);
                None
            }
            ("DELETE", "/api/v1/me/password") => {
                self.passkey_of(who, caller).await;
                None
            }
            ("POST", "/api/v1/me/mfa/verify") | ("DELETE", "/api/v1/me/mfa") => {
                let (s, enrol) = caller.post("/api/v1/me/mfa/enrol", json!({})).await;
                let code = if s.is_success() {
                    totp_code(&self.app, enrol["secret"].as_str().expect("secret"), 0)
                } else {
                    "000000".into()
                };
                if spec.method == Method::DELETE {
                    caller
                        .post("/api/v1/me/mfa/verify", json!({"code": code}))
                        .await;
                    None
                } else {
                    Some(json!({"code": code}))
                }
            }
            ("DELETE", "/api/v1/me/sessions/{id}") => {
                let id = match &me {
                    Some((_, email)) if who != Who::ReadToken => {
                        let mut other = self.app.signed_in(email).await;
                        let (_, list) = other.get("/api/v1/me/sessions").await;
                        list.as_array()
                            .expect("list")
                            .iter()
                            .find(|s| s["current"] == json!(true))
                            .expect("current")["id"]
                            .as_str()
                            .expect("id")
                            .to_owned()
                    }
                    _ => uuid::Uuid::new_v4().to_string(),
                };
                path = path.replace("{id}", &id);
                None
            }
            ("POST", "/api/v1/me/tokens") => Some(json!({"name": "matrix", "scope": "read"})),
            ("DELETE", "/api/v1/me/tokens/{id}") => {
                let id = self.token_of(me.map(|(id, _)| id)).await;
                path = path.replace("{id}", &id.to_string());
                None
            }
            ("POST", "/api/v1/orgs") => {
                Some(json!({"name": "New", "slug": fresh(), "base_currency": "EUR"}))
            }
            ("POST", "/app/new") => Some(json!({
                "name": "New business",
                "base_currency": "EUR",
                "time_zone": "Europe/Paris",
            })),
            ("POST", "/api/v1/orgs/{org}/invitations") => {
                Some(json!({"email": format!("{}@invited.test", fresh()), "role": "viewer"}))
            }
            ("POST", "/api/v1/invitations/accept") => {
                let token = self.invitation_for(me.map(|(_, e)| e)).await;
                Some(json!({"token": token}))
            }
            ("PATCH", "/api/v1/orgs/{org}/members/{user}") => Some(json!({"role": "viewer"})),
            ("POST", "/api/v1/orgs/{org}/ownership") => {
                Some(json!({"user": self.spare.to_string()}))
            }
            ("PATCH", "/api/v1/orgs/{org}/settings") => Some(json!({"retention_days": 30})),
            // No domain to claim here (the instance allows none); the policy itself is what is
            // written. The claims and refusals are in `sso/real.rs`.
            ("PUT", "/api/v1/orgs/{org}/sso") => Some(json!({"required": false})),
            ("POST", "/api/v1/orgs/{org}/assistant/messages" | "/app/{org}/assistant") => {
                Some(json!({"question": "What is our runway?"}))
            }
            ("DELETE", "/api/v1/orgs/{org}/invitations/{id}")
            | ("POST", "/app/{org}/invitations/{id}/revoke") => {
                let id = uuid::Uuid::new_v4();
                let now = chrono::Utc::now();
                self.app
                    .state
                    .store
                    .create_invitation(
                        self.org,
                        &NewInvitation {
                            id,
                            email: format!("{}@invited.test", fresh()),
                            role: Role::Viewer,
                            token_hash: random_bytes::<32>().to_vec(),
                            invited_by: self.spare,
                            created_at: now,
                            expires_at: now + TimeDelta::days(7),
                        },
                        &[],
                    )
                    .await
                    .expect("invitation");
                path = path.replace("{id}", &id.to_string());
                None
            }
            ("DELETE", "/api/v1/orgs/{org}") => Some(json!({"confirm": "alpha"})),
            ("POST", "/app/{org}/integrations/import/confirm") => {
                // A file the caller previewed, shown again.
                let id = uuid::Uuid::new_v4();
                if let Some((user, _)) = &me {
                    // The app's own clock, which the confirmation checks expiry against.
                    let now = self.app.state.now();
                    self.app
                        .state
                        .store
                        .create_pending_upload(&flowsense_storage::NewPendingUpload {
                            id,
                            org: self.org,
                            user: *user,
                            file_name: "matrix.csv",
                            sha256: "00",
                            content: b"date,amount,description\n2026-01-02,1.00,x\n",
                            created_at: now,
                            expires_at: now + TimeDelta::minutes(30),
                        })
                        .await
                        .expect("pending upload");
                }
                Some(json!({"upload": id.to_string(), "intent": "preview"}))
            }
            ("POST", "/api/v1/orgs/{org}/connections") => Some(json!({"provider": "quickbooks"})),
            ("POST", "/app/{org}/integrations/connect/{provider}") => {
                path = path.replace("{provider}", "quickbooks");
                Some(json!({}))
            }
            ("GET", "/oauth/{provider}/callback") => {
                path = path.replace("{provider}", "quickbooks");
                None
            }
            ("GET" | "POST", "/app/{org}/integrations/{provider}/tenants") => {
                // No Xero grant waits for this session: admins are sent back to the
                // integrations page, others refused.
                path = path.replace("{provider}", "xero");
                (spec.method == Method::POST).then(|| json!({}))
            }
            ("GET" | "DELETE", "/api/v1/orgs/{org}/connections/{id}")
            | (
                "POST",
                "/api/v1/orgs/{org}/connections/{id}/sync"
                | "/app/{org}/integrations/connections/{id}/disconnect"
                | "/app/{org}/integrations/connections/{id}/sync",
            ) => {
                let tenant = fresh();
                let c = crate::connections::connected(
                    &self.app.state.store,
                    self.org,
                    "quickbooks",
                    &tenant,
                )
                .await;
                path = path.replace("{id}", &c.id.to_string());
                (spec.method == Method::POST).then(|| json!({}))
            }
            ("POST", "/app/{org}/members/invite") => {
                Some(json!({"email": format!("{}@invited.test", fresh()), "role": "viewer"}))
            }
            ("POST", "/app/{org}/members/{user}/role") => Some(json!({"role": "viewer"})),
            ("POST", "/app/{org}/members/transfer") => {
                Some(json!({"user": self.spare.to_string(), "demote_self_to": ""}))
            }
            ("POST", "/app/{org}/settings") => Some(json!({
                "name": "alpha", "base_currency": "USD", "time_zone": "UTC",
                "retention_days": "30", "ai_enabled": "on", "digests_enabled": "on"
            })),
            ("POST", "/app/{org}/settings/delete") => Some(json!({"confirm_name": "alpha"})),
            ("POST", "/app/{org}/settings/sso") => Some(json!({"domain": ""})),
            ("PATCH", "/api/v1/orgs/{org}/transactions/{id}")
            | ("GET" | "POST", "/app/{org}/transactions/{id}") => {
                let id = self.transaction_id().await;
                path = path.replace("{id}", &id.to_string());
                (spec.method != Method::GET).then(|| {
                    json!({"category": "Matrix", "counterparty": "Matrix Co", "class": "operating"})
                })
            }
            ("POST", "/api/v1/orgs/{org}/rules") => {
                Some(json!({"counterparty": fresh(), "category": "Matrix"}))
            }
            ("DELETE", "/api/v1/orgs/{org}/rules/{id}") => {
                let (id, _) = self
                    .app
                    .state
                    .store
                    .save_rule(
                        self.org,
                        &flowsense_storage::NewRule {
                            counterparty: fresh(),
                            category: Some("Matrix".into()),
                            counterparty_name: None,
                            class: None,
                            apply_to_past: false,
                            created_by: None,
                        },
                    )
                    .await
                    .expect("rule");
                path = path.replace("{id}", &id.to_string());
                None
            }
            ("POST", "/api/v1/orgs/{org}/planned-items") => Some(json!({
                "name": "Matrix plan", "date": "2026-12-20", "amount": "10.00"
            })),
            ("DELETE", "/api/v1/orgs/{org}/planned-items/{id}") => {
                path = path.replace("{id}", &self.planned_item_id().await.to_string());
                None
            }
            ("POST", "/app/{org}/forecast/planned") => Some(json!({
                "name": "Matrix plan", "date": "2026-12-20", "amount": "10.00"
            })),
            ("POST", "/app/{org}/forecast/scenarios") => {
                Some(json!({ "name": fresh(), "delay_days": "10" }))
            }
            ("POST", "/app/{org}/forecast/planned/{id}/delete") => {
                path = path.replace("{id}", &self.planned_item_id().await.to_string());
                Some(json!({}))
            }
            ("POST", "/app/{org}/forecast/scenarios/{id}/delete") => {
                path = path.replace("{id}", &self.scenario_id().await.to_string());
                Some(json!({}))
            }
            ("GET", p) if p.ends_with("/export") => {
                path.push_str("?format=csv");
                None
            }
            ("POST", "/api/v1/orgs/{org}/scenarios") => {
                Some(json!({ "name": fresh(), "delay_days": "10" }))
            }
            (
                "GET" | "DELETE",
                "/api/v1/orgs/{org}/scenarios/{id}" | "/api/v1/orgs/{org}/scenarios/{id}/forecast",
            ) => {
                path = path.replace("{id}", &self.scenario_id().await.to_string());
                None
            }
            ("POST", "/api/v1/orgs/{org}/rates") => Some(json!({
                "date": "2026-01-02", "from": "EUR", "to": "USD", "rate": "1.0834"
            })),
            ("POST", "/app/{org}/settings/rates") => Some(json!({
                "date": "2026-01-02", "from": "GBP", "to": "USD", "rate": "1.27"
            })),
            ("POST", "/app/{org}/billing/checkout") => Some(json!({"plan": "team"})),
            ("POST", "/app/{org}/billing/portal") => {
                self.stripe_customer().await;
                Some(json!({}))
            }
            ("POST", _) | ("PATCH", _) => Some(json!({})),
            _ => None,
        };
        (path, body)
    }
}
