//! Known-answer tests: Project Wycheproof's AES-256-GCM vectors (96-bit IV, 128-bit tag) through
//! the envelope's primitive. Origin and licence of the vectors: `wycheproof/SOURCES.md`.

use super::envelope::DataKey;
use serde_json::Value;

const VECTORS: &str = include_str!("wycheproof/aes_gcm_256_iv96_test.json");

fn bytes(test: &Value, name: &str) -> Vec<u8> {
    let text = test[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is text"));
    hex::decode(text).unwrap_or_else(|e| panic!("{name} is hex: {e}"))
}

#[test]
fn every_wycheproof_aes_256_gcm_vector_seals_and_opens_as_published() {
    let file: Value = serde_json::from_str(VECTORS).expect("the vector file is JSON");
    assert_eq!(file["algorithm"], "AES-GCM");
    let (mut valid, mut invalid) = (0u64, 0u64);
    for group in file["testGroups"].as_array().expect("groups") {
        assert_eq!(group["keySize"], 256);
        assert_eq!(group["ivSize"], 96);
        assert_eq!(group["tagSize"], 128);
        for test in group["tests"].as_array().expect("tests") {
            let id = &test["tcId"];
            let key: [u8; 32] = bytes(test, "key").try_into().expect("a 256-bit key");
            let iv: [u8; 12] = bytes(test, "iv").try_into().expect("a 96-bit IV");
            let (aad, msg) = (bytes(test, "aad"), bytes(test, "msg"));
            let mut sealed = iv.to_vec();
            sealed.extend(bytes(test, "ct"));
            sealed.extend(bytes(test, "tag"));
            let key = DataKey::from_bytes(1, &key);
            let mut ours = Vec::new();
            key.seal_raw_with_nonce(iv, &aad, &msg, &mut ours)
                .expect("encryption never fails");
            let opened = key.open_raw(&aad, &sealed);
            match test["result"].as_str() {
                Some("valid") => {
                    valid += 1;
                    assert_eq!(ours, sealed, "vector {id}: encryption differs");
                    let opened = opened.unwrap_or_else(|e| panic!("vector {id}: {e}"));
                    assert_eq!(opened.as_slice(), msg.as_slice(), "vector {id}: plaintext");
                }
                Some("invalid") => {
                    invalid += 1;
                    assert!(opened.is_err(), "vector {id}: an invalid ciphertext opened");
                    assert_ne!(ours, sealed, "vector {id}: produced the invalid ciphertext");
                }
                other => panic!("vector {id}: unexpected result {other:?}"),
            }
        }
    }
    assert_eq!(
        Some(valid + invalid),
        file["numberOfTests"].as_u64(),
        "every vector ran"
    );
    assert!(valid > 0 && invalid > 0, "{valid} valid, {invalid} invalid");
}
