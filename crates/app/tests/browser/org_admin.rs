//! An admin runs the organisation: members (invite, change a role), settings, the audit log
//! showing those events, a CSV upload whose rows then appear among the transactions. A viewer
//! is refused the admin pages and offered none of their links.

use super::harness::{
    Demo, assert_csp_clean, click, console, fill, follow_nav, path, shot, sign_in, sign_out, text,
    wait_for, wait_for_url, with_browser,
};
use fantoccini::{Client, Locator};
use serde_json::json;

/// The id of the members-table row holding `email`.
async fn member_row(c: &Client, email: &str) -> String {
    c.execute(
        "return Array.from(document.querySelectorAll('#members tbody tr'))\
         .find(r => r.textContent.includes(arguments[0])).id;",
        vec![json!(email)],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap()
    .to_owned()
}

#[test]
fn an_admin_invites_changes_a_role_edits_settings_reads_the_audit_log_and_imports_a_file() {
    let Some(demo) = Demo::start() else { return };
    let base = demo.base.clone();
    let org = "northwind";
    let (admin, admin_password) = demo.user("northwind", "admin");
    let (member, _) = demo.user("northwind", "member");
    let (viewer, viewer_password) = demo.user("northwind", "viewer");
    let upload = demo.data.parent().unwrap().join("zephyr-statement.csv");
    std::fs::write(
        &upload,
        "date,description,amount,counterparty\n\
         2026-03-02,Green beans lot 7,-1840.00,Zephyr Beans Co\n\
         2026-03-09,Green beans lot 8,-1915.50,Zephyr Beans Co\n\
         2026-03-16,Returned sacks credit,120.00,Zephyr Beans Co\n",
    )
    .unwrap();
    let upload = upload.display().to_string();

    with_browser(|c| async move {
        sign_in(&c, &base, &admin, &admin_password).await;
        wait_for_url(&c, "the dashboard", |u| u.ends_with(&format!("/app/{org}"))).await;

        // Members: the team, then an invitation.
        follow_nav(&c, "Members", "#members").await;
        assert!(text(&c, "#members").await.contains(&member));
        assert_csp_clean(&c, "members").await;
        shot(&c, "org-members").await;
        fill(&c, "invite-email", "new.roaster@northwind.test").await;
        c.find(Locator::Id("invite-role"))
            .await
            .unwrap()
            .select_by_value("member")
            .await
            .unwrap();
        click(&c, "#invite-form button[type=submit]").await;
        wait_for(&c, "#notice").await;
        assert!(text(&c, "#notice").await.contains("Invitation sent"));
        assert!(
            text(&c, "#invitations")
                .await
                .contains("new.roaster@northwind.test")
        );
        assert_csp_clean(&c, "members after the invitation").await;

        // The member becomes a viewer.
        let row = member_row(&c, &member).await;
        let id = row.trim_start_matches("member-");
        c.find(Locator::Id(&format!("role-{id}")))
            .await
            .unwrap()
            .select_by_value("viewer")
            .await
            .unwrap();
        click(&c, &format!("#{row} .role-form button")).await;
        wait_for_url(&c, "the role change", |u| u.contains("done=role_changed")).await;
        wait_for(&c, "#notice").await;
        assert_eq!(text(&c, &format!("#{row} .member-role")).await, "viewer");
        assert_csp_clean(&c, "members after the role change").await;
        shot(&c, "org-members-changed").await;

        // Settings: keep raw transactions for 45 days.
        follow_nav(&c, "Settings", "#settings-form").await;
        assert_csp_clean(&c, "settings").await;
        fill(&c, "retention_days", "45").await;
        click(&c, "#settings-form button[type=submit]").await;
        wait_for_url(&c, "the saved settings", |u| u.contains("saved=1")).await;
        wait_for(&c, "#notice").await;
        let kept = c
            .find(Locator::Id("retention_days"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("45"));
        assert_csp_clean(&c, "settings saved").await;
        shot(&c, "org-settings").await;
        c.execute(
            "document.getElementById('danger-heading').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
        shot(&c, "org-settings-danger-zone").await;

        // The audit log shows what just happened, newest first.
        follow_nav(&c, "Audit log", "#audit-events").await;
        let log = text(&c, "#audit-events").await;
        for action in [
            "invitation.created",
            "member.role_changed",
            "org.settings_changed",
        ] {
            assert!(log.contains(action), "{action} in the audit log");
        }
        assert!(log.contains(&admin), "the actor's address");
        assert_csp_clean(&c, "audit").await;
        shot(&c, "org-audit").await;

        // Import a CSV file through the form; its rows are among the transactions.
        follow_nav(&c, "Import & connections", "#upload-form").await;
        assert!(
            text(&c, "#connect-heading")
                .await
                .contains("Accounting software")
        );
        assert_csp_clean(&c, "integrations").await;
        shot(&c, "org-integrations").await;
        c.find(Locator::Id("file"))
            .await
            .unwrap()
            .send_keys(&upload)
            .await
            .unwrap();
        fill(&c, "account", "Zephyr card").await;
        // The file is previewed first: its columns and first rows, then imported on confirm.
        click(&c, "#upload-form button[value=preview]").await;
        wait_for(&c, "#confirm-import-form").await;
        assert!(text(&c, "#preview-rows").await.contains("Zephyr"));
        assert_csp_clean(&c, "import preview").await;
        click(&c, "#confirm-import-form button[value=import]").await;
        wait_for(&c, "#import-result").await;
        let result = text(&c, "#import-result").await;
        assert!(
            result.contains("zephyr-statement.csv: 3 rows added"),
            "{result}"
        );
        assert!(text(&c, "#accounts").await.contains("Zephyr card"));
        assert_csp_clean(&c, "integrations after the import").await;
        shot(&c, "org-integrations-imported").await;
        c.goto(&format!(
            "{base}/app/{org}/transactions?counterparty=Zephyr+Beans+Co"
        ))
        .await
        .unwrap();
        wait_for(&c, "#transactions").await;
        let rows = text(&c, "#transactions tbody").await;
        assert_eq!(rows.matches("Zephyr Beans Co").count(), 3, "{rows}");
        assert!(rows.contains("-$1,915.50") && rows.contains("Zephyr card"));
        assert_csp_clean(&c, "imported transactions").await;
        shot(&c, "org-imported-transactions").await;
        sign_out(&c, &base).await;

        // A viewer: no admin links, and the members page by its address is a 403 page.
        sign_in(&c, &base, &viewer, &viewer_password).await;
        wait_for_url(&c, "the viewer's dashboard", |u| {
            u.ends_with(&format!("/app/{org}"))
        })
        .await;
        for hidden in ["Members", "Settings", "Audit log", "Import & connections"] {
            assert!(
                c.find(Locator::LinkText(hidden)).await.is_err(),
                "a viewer sees the {hidden} link"
            );
        }
        let _ = console(&c).await;
        c.goto(&format!("{base}/app/{org}/members")).await.unwrap();
        assert!(text(&c, "h1").await.contains("Not allowed"));
        assert_eq!(path(&c).await, format!("/app/{org}/members"));
        let source = c.source().await.unwrap();
        assert!(!source.contains(&member) && !source.contains("Danger zone"));
        shot(&c, "org-members-viewer-refused").await;
        let logged = console(&c).await; // the refusal itself is logged as a failed load
        assert!(logged.iter().all(|m| m.contains("403")), "{logged:?}");
        c
    });
}
