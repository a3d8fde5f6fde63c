//! A software authenticator for tests: P-256 keys, real CBOR attestation objects ("none"
//! attestation with the credential's COSE key) and real ECDSA-signed assertions, over the
//! options the server sends. It keeps discoverable credentials (with their user handles), so it
//! can answer a usernameless sign-in, and it can be told to lie: another origin in the client
//! data, an older signature counter, another credential.
//!
//! `webauthn-authenticator-rs`'s soft passkey (0.6.2) cannot be used here: it keeps no user
//! handle and finds credentials only through an allow-list, so it cannot answer a discoverable
//! sign-in, and it shares one counter between all its keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flowsense_service::identity::crypto::random_bytes;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// User present, user verified, backup eligible, backed up.
const FLAGS: u8 = 0x01 | 0x04 | 0x08 | 0x10;
/// … and attested credential data included.
const ATTESTED: u8 = 0x40;

pub struct Credential {
    pub id: Vec<u8>,
    key: SigningKey,
    pub user_handle: Vec<u8>,
    pub rp_id: String,
    pub counter: u32,
}

/// How an assertion departs from the truth.
#[derive(Default, Clone)]
pub struct Lie {
    /// The origin the client data claims.
    pub origin: Option<String>,
    /// The signature counter reported (instead of the next one).
    pub counter: Option<u32>,
}

pub struct SoftAuthenticator {
    origin: String,
    pub credentials: Vec<Credential>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .expect("base64url")
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in {v}"))
}

impl SoftAuthenticator {
    /// An authenticator in a browser at `origin` (`http://localhost:1234`).
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            credentials: Vec::new(),
        }
    }

    fn client_data(&self, kind: &str, challenge: &str, origin: Option<&str>) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": challenge,
            "origin": origin.unwrap_or(&self.origin),
            "crossOrigin": false,
        }))
        .expect("client data")
    }

    /// `navigator.credentials.create()` over the server's `publicKey` options: a new
    /// discoverable credential, answered as the browser's JSON.
    pub fn create(&mut self, options: &Value) -> Value {
        let rp_id = text(options, "/rp/id").to_owned();
        let user_handle = unb64(text(options, "/user/id"));
        let challenge = text(options, "/challenge");
        let key = SigningKey::from_slice(&random_bytes::<32>()).expect("a P-256 key");
        let id = random_bytes::<32>().to_vec();
        let point = key.verifying_key().to_sec1_point(false);
        let sec1 = point.as_bytes();
        let cose = Cbor::Map(BTreeMap::from([
            (Cbor::Integer(1), Cbor::Integer(2)),
            (Cbor::Integer(3), Cbor::Integer(-7)),
            (Cbor::Integer(-1), Cbor::Integer(1)),
            (Cbor::Integer(-2), Cbor::Bytes(sec1[1..33].to_vec())),
            (Cbor::Integer(-3), Cbor::Bytes(sec1[33..65].to_vec())),
        ]));
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(FLAGS | ATTESTED);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]);
        auth_data.extend_from_slice(&u16::try_from(id.len()).expect("id").to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend(serde_cbor_2::to_vec(&cose).expect("cose"));
        let attestation = Cbor::Map(BTreeMap::from([
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new())),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]));
        let client_data = self.client_data("webauthn.create", challenge, None);
        let answer = json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&serde_cbor_2::to_vec(&attestation).expect("cbor")),
                "clientDataJSON": b64(&client_data),
            },
            "extensions": {},
        });
        self.credentials.push(Credential {
            id,
            key,
            user_handle,
            rp_id,
            counter: 0,
        });
        answer
    }

    /// `navigator.credentials.get()`: the first of this authenticator's credentials the options
    /// allow (any of the relying party's when the allow-list is empty: a discoverable sign-in).
    pub fn get(&mut self, options: &Value) -> Value {
        self.get_lying(options, &Lie::default())
    }

    /// [`Self::get`], departing from the truth as `lie` says.
    pub fn get_lying(&mut self, options: &Value, lie: &Lie) -> Value {
        let rp_id = text(options, "/rpId").to_owned();
        let allowed: Vec<Vec<u8>> = options
            .get("allowCredentials")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|c| unb64(text(c, "/id"))).collect())
            .unwrap_or_default();
        let index = self
            .credentials
            .iter()
            .position(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))
            .expect("a credential the options allow");
        self.assert_with(index, options, lie)
    }

    /// An assertion made with credential `index`, whatever the options allow.
    pub fn assert_with(&mut self, index: usize, options: &Value, lie: &Lie) -> Value {
        let challenge = text(options, "/challenge").to_owned();
        let client_data = self.client_data("webauthn.get", &challenge, lie.origin.as_deref());
        let cred = &mut self.credentials[index];
        cred.counter += 1;
        let counter = lie.counter.unwrap_or(cred.counter);
        let mut auth_data = Sha256::digest(cred.rp_id.as_bytes()).to_vec();
        auth_data.push(FLAGS);
        auth_data.extend_from_slice(&counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = cred.key.sign(&signed);
        json!({
            "id": b64(&cred.id),
            "rawId": b64(&cred.id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&cred.user_handle),
            },
            "extensions": {},
        })
    }
}
