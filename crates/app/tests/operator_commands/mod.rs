//! Operators' commands: master-key rotation, organisation deletion, users and MFA resets with an audit trail.

use super::*;

#[test]
fn master_key_rotation_and_organisation_deletion_from_the_command_line() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "one", "--name", "One"]);
    ws.ok(&["org", "create", "--slug", "two", "--name", "Two"]);
    // The slug is refused by the flag that carried it, with the same words as the API's field error.
    let taken = ws.fails(&["org", "create", "--slug", "two", "--name", "Another"]);
    assert!(
        taken.contains("--slug: that organisation slug is taken"),
        "{taken}"
    );
    let odd = ws.fails(&["org", "create", "--slug", "2nd", "--name", "Another"]);
    assert!(odd.contains("--slug: the slug is 3 to 40"), "{odd}");
    let key_file = ws.path("master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let status = ws.ok(&["keys", "status"]);
    assert!(
        status.contains("current v1") && status.contains("Organisations: 2"),
        "{status}"
    );
    let rotated = ws.ok(&["keys", "rotate"]);
    assert!(
        rotated.contains("v2") && rotated.contains("2 organisation keys"),
        "{rotated}"
    );
    let status = ws.ok(&["keys", "status"]);
    assert!(
        status.contains("current v2") && status.contains("re-wrap: 0"),
        "{status}"
    );
    // v1 wraps nothing now: it can go, and the database still opens with v2 alone.
    ws.ok(&["keys", "retire", "1"]);
    assert!(!std::fs::read_to_string(&key_file).unwrap().contains("v1:"));
    let status = ws.ok(&["keys", "status"]);
    assert!(
        status.contains("Master keys loaded: v2 (current v2)"),
        "{status}"
    );
    let err = ws.fails(&["keys", "retire", "2"]);
    assert!(err.contains("current"), "{err}");
    // A wrong master key is refused at start, naming the variable.
    let out = ws
        .cmd()
        .env(
            "FLOWSENSE_MASTER_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .args(["keys", "status"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("FLOWSENSE_MASTER_KEY"));
    // Deletion needs --yes, then takes the organisation and nothing else.
    let err = ws.fails(&["org", "delete", "--slug", "one"]);
    assert!(err.contains("--yes"), "{err}");
    ws.ok(&["org", "delete", "--slug", "one", "--yes"]);
    assert_eq!(ws.sql("SELECT COUNT(*) FROM organisations"), "1");
    assert_eq!(ws.sql("SELECT slug FROM organisations"), "two");
}

#[test]
fn operators_create_users_and_reset_mfa_with_an_audit_trail() {
    let ws = Workspace::new();
    ws.ok(&["migrate", "--create"]);
    ws.ok(&["org", "create", "--slug", "acme", "--name", "Acme"]);
    let out = ws.ok(&[
        "user",
        "create",
        "--email",
        "Ops@Example.com",
        "--name",
        "Ops",
        "--org",
        "acme",
        "--role",
        "admin",
    ]);
    assert!(
        out.contains("created ops@example.com with password "),
        "{out}"
    );
    let password = out
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(password.len(), 20);
    assert_eq!(ws.sql("SELECT role FROM memberships"), "admin");
    let err = ws.fails(&[
        "user",
        "create",
        "--email",
        "ops@example.com",
        "--name",
        "Again",
    ]);
    assert!(err.contains("already exists"), "{err}");
    let err = ws.fails(&[
        "user",
        "create",
        "--email",
        "x@example.com",
        "--name",
        "X",
        "--org",
        "acme",
        "--role",
        "owner",
    ]);
    assert!(err.contains("--role"), "{err}");
    let out = ws.ok(&["user", "reset-mfa", "--email", "ops@example.com"]);
    assert!(out.contains("MFA is off"), "{out}");
    assert_eq!(
        ws.sql("SELECT COUNT(*) FROM audit_events WHERE action = 'mfa.reset_by_operator'"),
        "1"
    );
    assert_eq!(
        ws.sql("SELECT COUNT(*) FROM audit_events WHERE action = 'member.added_by_operator'"),
        "1"
    );
    // The password never reaches the audit log.
    assert_eq!(
        ws.sql(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE details LIKE '%{password}%'"
        )),
        "0"
    );
}
