//! A small issuer on loopback, written here, that answers the code exchange with whatever ID
//! token the test crafts: discovery, a JWKS of ES256 keys the test holds, and a token endpoint
//! that records what it was sent. What a real provider cannot be made to do — forge, expire,
//! misdirect or leave a token unsigned, or rotate its keys mid-flight — is done here.

use super::{
    CLIENT_ID, CLIENT_SECRET, account, app_with_issuer, browser, param, sets_session, start,
};
use crate::support::{Db, TestApp};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest as _;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An ES256 signing key and its id.
struct Key {
    kid: String,
    pair: EcdsaKeyPair,
}

impl Key {
    fn new(kid: &str) -> Self {
        Self {
            kid: kid.to_owned(),
            pair: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("key"),
        }
    }

    fn jwk(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        json!({"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": self.kid,
               "x": b64(&point[1..33]), "y": b64(&point[33..65])})
    }

    /// A JWT of `claims` signed by this key, naming `kid` in its header.
    fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let header = json!({"alg": "ES256", "typ": "JWT", "kid": kid});
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let sig = self.pair.sign(&rng, input.as_bytes()).expect("sign");
        format!("{input}.{}", b64(sig.as_ref()))
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, claims)
    }
}

#[derive(Default)]
struct Shared {
    jwks: Vec<Value>,
    id_token: String,
    /// The form bodies the token endpoint received.
    token_requests: Vec<HashMap<String, String>>,
    jwks_fetches: usize,
}

#[derive(Clone)]
struct Issuer {
    url: String,
    shared: Arc<Mutex<Shared>>,
}

async fn discovery(State(i): State<Issuer>) -> Json<Value> {
    Json(json!({
        "issuer": i.url,
        "authorization_endpoint": format!("{}/authorize", i.url),
        "token_endpoint": format!("{}/token", i.url),
        "jwks_uri": format!("{}/jwks", i.url),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
    }))
}

async fn jwks(State(i): State<Issuer>) -> Json<Value> {
    let mut s = i.shared.lock().expect("shared");
    s.jwks_fetches += 1;
    Json(json!({"keys": s.jwks}))
}

async fn token(State(i): State<Issuer>, Form(form): Form<HashMap<String, String>>) -> Json<Value> {
    let mut s = i.shared.lock().expect("shared");
    s.token_requests.push(form);
    Json(
        json!({"access_token": "opaque", "token_type": "Bearer", "expires_in": 60,
                "id_token": s.id_token}),
    )
}

async fn start_issuer() -> Issuer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let issuer = Issuer {
        url: format!("http://{}", listener.local_addr().expect("addr")),
        shared: Arc::default(),
    };
    let router = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/token", post(token))
        .with_state(issuer.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    issuer
}

async fn app(db: Db) -> (TestApp, Issuer) {
    let issuer = start_issuer().await;
    let url = issuer.url.clone();
    let (app, issuer) = app_with_issuer(db, &[], move |_| Some((url, issuer)))
        .await
        .expect("app");
    (app, issuer)
}

/// Claims a good token would carry for a sign-in whose authorize URL was `authorize`.
fn claims(issuer: &Issuer, authorize: &str, email: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": issuer.url, "aud": CLIENT_ID, "sub": format!("sub-{email}"),
        "iat": now, "exp": now + 300, "nonce": param(authorize, "nonce").expect("nonce"),
        "email": email, "email_verified": true,
    })
}

/// Answers the next code exchange with `id_token`, and follows the callback for `authorize`.
async fn callback(
    app: &TestApp,
    issuer: &Issuer,
    b: &reqwest::Client,
    authorize: &str,
    id_token: String,
) -> reqwest::Response {
    issuer.shared.lock().expect("shared").id_token = id_token;
    let state = param(authorize, "state").expect("state");
    let url = reqwest::Url::parse_with_params(
        &format!("{}/login/sso/callback", app.base),
        &[("state", state.as_str()), ("code", "a-code")],
    )
    .expect("url");
    b.get(url).send().await.expect("callback")
}

type Craft = fn(&Key, &Key, Value) -> String;

async fn forged_expired_misdirected_and_unsigned_id_tokens_are_refused(db: Db) {
    let (app, issuer) = app(db).await;
    let published = Key::new("published");
    let stranger = Key::new("stranger");
    issuer.shared.lock().expect("shared").jwks = vec![published.jwk()];

    let cases: [(&str, Craft); 8] = [
        // Signed by another key that claims the published key's id.
        ("forged", |_, other, c| other.sign_as("published", &c)),
        // Signed by a key the provider never published (and still does not, after a refresh).
        ("unknown key", |_, other, c| other.sign(&c)),
        ("expired", |k, _, mut c| {
            let past = chrono::Utc::now().timestamp() - 3600;
            c["iat"] = json!(past - 300);
            c["exp"] = json!(past);
            k.sign(&c)
        }),
        ("wrong audience", |k, _, mut c| {
            c["aud"] = json!("some-other-client");
            k.sign(&c)
        }),
        ("wrong nonce", |k, _, mut c| {
            c["nonce"] = json!("a-nonce-from-another-sign-in");
            k.sign(&c)
        }),
        ("wrong issuer", |k, _, mut c| {
            c["iss"] = json!("https://issuer.example");
            k.sign(&c)
        }),
        ("alg none", |_, _, c| {
            let header = json!({"alg": "none", "typ": "JWT"});
            format!(
                "{}.{}.",
                b64(header.to_string().as_bytes()),
                b64(c.to_string().as_bytes())
            )
        }),
        // HS256 with the client secret as the key: a shared-secret algorithm is not allowed.
        ("hs256", |_, _, c| {
            use hmac::{KeyInit, Mac};
            let header = json!({"alg": "HS256", "typ": "JWT"});
            let input = format!(
                "{}.{}",
                b64(header.to_string().as_bytes()),
                b64(c.to_string().as_bytes())
            );
            let mut mac =
                hmac::Hmac::<sha2::Sha256>::new_from_slice(CLIENT_SECRET.as_bytes()).expect("key");
            mac.update(input.as_bytes());
            format!("{input}.{}", b64(&mac.finalize().into_bytes()))
        }),
    ];
    for (name, craft) in cases {
        let b = browser();
        let authorize = start(&app, &b).await;
        let email = format!("{}@example.test", name.replace(' ', "-"));
        let token = craft(&published, &stranger, claims(&issuer, &authorize, &email));
        let r = callback(&app, &issuer, &b, &authorize, token).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{name}");
        assert!(!sets_session(&r), "{name}");
        assert!(account(&app, &email).await.is_none(), "{name}: no account");
    }

    // Every code exchange carried the PKCE verifier of its own sign-in's challenge.
    let requests = issuer.shared.lock().expect("shared").token_requests.clone();
    assert_eq!(requests.len(), 8);
    for r in &requests {
        assert_eq!(
            r.get("grant_type").map(String::as_str),
            Some("authorization_code")
        );
        assert!(
            r.get("code_verifier").is_some_and(|v| v.len() == 43),
            "{r:?}"
        );
    }

    // The harness can succeed: a well-made token signs in.
    let b = browser();
    let authorize = start(&app, &b).await;
    let token = published.sign(&claims(&issuer, &authorize, "good@example.test"));
    let r = callback(&app, &issuer, &b, &authorize, token).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(sets_session(&r));
    assert!(account(&app, "good@example.test").await.is_some());
    let last = issuer
        .shared
        .lock()
        .expect("shared")
        .token_requests
        .last()
        .cloned();
    let verifier = last
        .and_then(|r| r.get("code_verifier").cloned())
        .expect("verifier");
    assert_eq!(
        b64(&sha2::Sha256::digest(verifier.as_bytes())),
        param(&authorize, "code_challenge").expect("challenge"),
        "the verifier matches the challenge sent with the authorization request"
    );
}

async fn rotated_keys_are_fetched_again_on_an_unknown_key_id(db: Db) {
    let (app, issuer) = app(db).await;
    let old = Key::new("2026-old");
    let new = Key::new("2026-new");
    issuer.shared.lock().expect("shared").jwks = vec![old.jwk()];
    let b = browser();
    let authorize = start(&app, &b).await;
    let fetched = issuer.shared.lock().expect("shared").jwks_fetches;
    assert_eq!(fetched, 1, "discovery fetched the keys once");
    // The provider rotates: the new key is published, and tokens are signed with it.
    issuer.shared.lock().expect("shared").jwks = vec![old.jwk(), new.jwk()];
    let token = new.sign(&claims(&issuer, &authorize, "rotated@example.test"));
    let r = callback(&app, &issuer, &b, &authorize, token).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(sets_session(&r));
    assert_eq!(issuer.shared.lock().expect("shared").jwks_fetches, 2);
    // The refreshed set is kept: the next sign-in fetches nothing.
    let b = browser();
    let authorize = start(&app, &b).await;
    let token = new.sign(&claims(&issuer, &authorize, "rotated@example.test"));
    let r = callback(&app, &issuer, &b, &authorize, token).await;
    assert!(sets_session(&r));
    assert_eq!(issuer.shared.lock().expect("shared").jwks_fetches, 2);
}

crate::on_both_backends!(
    forged_expired_misdirected_and_unsigned_id_tokens_are_refused,
    rotated_keys_are_fetched_again_on_an_unknown_key_id,
);
