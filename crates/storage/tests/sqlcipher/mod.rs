//! Whole-file encryption of the SQLite database (feature `sqlcipher`).

use flowsense_core::Currency;
use flowsense_storage::{Keyring, NewOrg, OpenOptions, OrgSettings, StorageError, Store};
use secrecy::{ExposeSecret, SecretString};

const CANARY: &str = "sqlcipher-canary-slug";

async fn open(url: &str, keyring: &Keyring, create: bool) -> Result<Store, StorageError> {
    Store::open(
        url,
        &OpenOptions {
            create_if_missing: create,
            keyring: Some(keyring.clone()),
            encrypt_sqlite_file: true,
            ..OpenOptions::default()
        },
    )
    .await
}

#[tokio::test]
async fn the_file_is_encrypted_and_a_wrong_master_key_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("flowsense.db");
    let url = format!("sqlite://{}", path.display());
    let ring = Keyring::generate().expect("ring");
    let store = open(&url, &ring, true).await.expect("create encrypted");
    let org = store
        .create_org(&NewOrg {
            slug: CANARY.into(),
            name: "Cipher Ltd".into(),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("org")
        .id;
    store
        .set_org_secret(org, "k", &SecretString::from("v".to_owned()))
        .await
        .expect("secret");
    store.close().await;

    let bytes = std::fs::read(&path).expect("read file");
    assert!(
        !bytes.starts_with(b"SQLite format 3"),
        "the header is plaintext"
    );
    assert!(
        !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
        "a plaintext column is visible in the file"
    );

    let wrong = Keyring::generate().expect("other ring");
    let err = open(&url, &wrong, false)
        .await
        .expect_err("wrong key refused");
    assert!(err.to_string().contains("FLOWSENSE_MASTER_KEY"), "{err}");
    let plain = Store::open(&url, &OpenOptions::default()).await;
    assert!(
        plain.is_err(),
        "no key: not readable as a plain SQLite file"
    );

    // A master rotation re-keys the file to the new version on the next open.
    let v2 = ring.with_generated_version().expect("v2");
    let rotated = open(&url, &v2, false).await.expect("opens with v1+v2");
    rotated.rotate_master_key(|_| {}).await.expect("rotate");
    rotated.close().await;
    let only_v2 = open(&url, &v2.without_version(1), false)
        .await
        .expect("the file is under v2 now");
    let value = only_v2
        .org_secret(org, "k")
        .await
        .expect("read")
        .expect("set");
    assert_eq!(value.expose_secret(), "v");
    assert_eq!(
        only_v2
            .org_by_slug_across_orgs(CANARY)
            .await
            .expect("org")
            .id,
        org
    );
}

#[tokio::test]
async fn plain_files_still_open_when_file_encryption_is_off() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("plain.db");
    let store = Store::open(
        &format!("sqlite://{}", path.display()),
        &OpenOptions {
            create_if_missing: true,
            keyring: Some(Keyring::generate().expect("ring")),
            ..OpenOptions::default()
        },
    )
    .await
    .expect("plain");
    store.close().await;
    assert!(
        std::fs::read(&path)
            .expect("read")
            .starts_with(b"SQLite format 3")
    );
}
