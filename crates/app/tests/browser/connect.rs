//! Connecting accounting software as an admin would, against `flowsense sandbox`: press Connect
//! QuickBooks (or Xero), approve on the fake's consent page, (for Xero, whose login reaches two
//! organisations, choose one), come back to the import & connections page, and once the
//! background sync has run see the company's books in the figures. The QuickBooks flow, with
//! the admin's sign-in and MFA enrolment before it, runs on SQLite and on PostgreSQL
//! (checklist K5).

use super::harness::{
    Backend, Demo, assert_csp_clean, click, console, fill, shot, sign_in, sign_out, text, totp,
    wait_for, wait_for_url,
};
use fantoccini::{Client, Locator};
use std::time::Duration;

/// Reloads the integrations page until the connection's row says the first sync finished.
async fn wait_for_synced(c: &Client, url: &str) -> String {
    for _ in 0..240 {
        c.goto(url).await.unwrap();
        wait_for(c, "#connections").await;
        let row = text(c, "#connections tbody tr").await;
        let rows = text(c, "#connections tbody tr td.rows").await;
        if row.to_lowercase().contains("active") && rows.trim() != "0" {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let row = text(c, "#connections tbody tr").await;
    panic!("the first sync did not finish within a minute: {row}");
}

#[test]
fn an_admin_connects_quickbooks_approves_on_its_consent_page_and_sees_the_books_arrive() {
    sign_in_with_mfa_and_connect_quickbooks(
        Backend::Sqlite,
        "an_admin_connects_quickbooks_approves_on_its_consent_page_and_sees_the_books_arrive",
    );
}

#[test]
fn on_postgres_an_admin_signs_in_with_mfa_connects_quickbooks_and_sees_the_books_arrive() {
    sign_in_with_mfa_and_connect_quickbooks(
        Backend::Postgres,
        "on_postgres_an_admin_signs_in_with_mfa_connects_quickbooks_and_sees_the_books_arrive",
    );
}

/// An admin signs in, enrols MFA, signs in again with a code, connects QuickBooks through the
/// fake's consent page and sees the synced books in the figures, on `backend`.
fn sign_in_with_mfa_and_connect_quickbooks(backend: Backend, test: &str) {
    let Some(demo) = Demo::start_with_sandbox_on(backend, test) else {
        return;
    };
    let base = demo.base.clone();
    let org = "harbor-dental";
    let (admin, password) = demo.user("harbor-dental", "admin");

    super::harness::with_browser(|c| async move {
        sign_in(&c, &base, &admin, &password).await;
        wait_for_url(&c, "the dashboard", |u| u.ends_with(&format!("/app/{org}"))).await;
        wait_for(&c, "#kpi-cash").await;
        let cash_before = text(&c, "#kpi-cash").await;

        // MFA enrolled from the profile page, then a sign-in that needs the code.
        c.goto(&format!("{base}/app/profile")).await.unwrap();
        click(&c, "#mfa-start").await;
        wait_for(&c, "#mfa-secret").await;
        let secret = text(&c, "#mfa-secret").await;
        fill(&c, "mfa-code", &totp(&secret, 0)).await;
        click(&c, "#mfa-confirm").await;
        wait_for(&c, "#recovery-codes").await;
        click(&c, "#recovery-done").await;
        wait_for(&c, "#mfa-disable").await;
        sign_out(&c, &base).await;
        sign_in(&c, &base, &admin, &password).await;
        wait_for(&c, "#totp").await;
        console(&c).await; // the form asked for the code with a 401
        fill(&c, "password", &password).await;
        fill(&c, "totp", &totp(&secret, 1)).await;
        click(&c, "form[action='/login'] button[type=submit]").await;
        wait_for_url(&c, "the dashboard", |u| u.ends_with(&format!("/app/{org}"))).await;
        assert_csp_clean(&c, "signed in with a code").await;

        let integrations = format!("{base}/app/{org}/integrations");
        c.goto(&integrations).await.unwrap();
        wait_for(&c, "#provider-quickbooks").await;
        assert_csp_clean(&c, "import & connections").await;
        shot(&c, "connect-1-integrations").await;
        click(&c, "#provider-quickbooks button[type=submit]").await;

        // The fake Intuit consent page, on its own origin.
        wait_for_url(&c, "the QuickBooks consent page", |u| {
            !u.starts_with(&base) && u.contains("/connect/oauth2")
        })
        .await;
        shot(&c, "connect-2-quickbooks-consent").await;
        c.find(Locator::Css("button[value=approve]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();

        // Back home, connected, with the first sync queued. (The console still holds the
        // fake's own page's messages, such as its missing favicon: not ours.)
        wait_for_url(&c, "the way back", |u| u.starts_with(&integrations)).await;
        console(&c).await;
        wait_for(&c, "#connection-notice").await;
        let notice = text(&c, "#connection-notice").await;
        assert!(notice.contains("Connected"), "{notice}");
        let row = wait_for_synced(&c, &integrations).await;
        assert!(row.contains("QuickBooks"), "{row}");
        shot(&c, "connect-3-synced").await;

        c.goto(&format!("{base}/app/{org}")).await.unwrap();
        wait_for(&c, "#kpi-cash").await;
        let cash_after = text(&c, "#kpi-cash").await;
        assert_ne!(
            cash_after, cash_before,
            "the synced bank accounts count in cash on hand"
        );
        assert_csp_clean(&c, "dashboard after sync").await;
        shot(&c, "connect-4-dashboard").await;
        c
    });
}

#[test]
fn an_admin_connects_xero_chooses_one_of_two_organisations_and_sees_the_books_arrive() {
    let Some(demo) = Demo::start_with_sandbox() else {
        return;
    };
    let base = demo.base.clone();
    let org = "northwind";
    let (admin, password) = demo.user("northwind", "admin");

    super::harness::with_browser(|c| async move {
        sign_in(&c, &base, &admin, &password).await;
        wait_for_url(&c, "the dashboard", |u| u.ends_with(&format!("/app/{org}"))).await;
        wait_for(&c, "#kpi-cash").await;
        let cash_before = text(&c, "#kpi-cash").await;

        let integrations = format!("{base}/app/{org}/integrations");
        c.goto(&integrations).await.unwrap();
        wait_for(&c, "#provider-xero").await;
        assert_csp_clean(&c, "import & connections").await;
        click(&c, "#provider-xero button[type=submit]").await;

        // The fake Xero consent page, on its own origin, naming both organisations.
        wait_for_url(&c, "the Xero consent page", |u| {
            !u.starts_with(&base) && u.contains("/identity/connect/authorize")
        })
        .await;
        let consent = text(&c, "ul.tenants").await;
        assert!(
            consent.contains("Demo Trading Ltd") && consent.contains("Demo Services Ltd"),
            "{consent}"
        );
        shot(&c, "connect-xero-1-consent").await;
        click(&c, "button[value=approve]").await;

        // Back home: the login reaches two organisations, so FlowSense asks which one.
        let choice = format!("{base}/app/{org}/integrations/xero/tenants");
        wait_for_url(&c, "the choice of organisation", |u| u.starts_with(&choice)).await;
        console(&c).await;
        wait_for(&c, "#tenants").await;
        let offered = text(&c, "#tenants").await;
        assert!(
            offered.contains("Demo Trading Ltd") && offered.contains("Demo Services Ltd"),
            "{offered}"
        );
        assert_csp_clean(&c, "choice of organisation").await;
        shot(&c, "connect-xero-2-choose").await;
        click(&c, "#tenant-1 button[type=submit]").await;

        wait_for_url(&c, "the way back", |u| u.starts_with(&integrations)).await;
        wait_for(&c, "#connection-notice").await;
        let notice = text(&c, "#connection-notice").await;
        assert!(notice.contains("Connected"), "{notice}");
        let row = wait_for_synced(&c, &integrations).await;
        assert!(row.contains("Xero"), "{row}");
        assert!(row.contains("Demo Services Ltd"), "{row}");
        assert_csp_clean(&c, "import & connections after the sync").await;
        shot(&c, "connect-xero-3-synced").await;

        c.goto(&format!("{base}/app/{org}")).await.unwrap();
        wait_for(&c, "#kpi-cash").await;
        let cash_after = text(&c, "#kpi-cash").await;
        assert_ne!(
            cash_after, cash_before,
            "the synced bank accounts count in cash on hand"
        );
        assert_csp_clean(&c, "dashboard after the Xero sync").await;
        shot(&c, "connect-xero-4-dashboard").await;
        c
    });
}
