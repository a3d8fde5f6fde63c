//! A viewer's visit: signs in through the form, reads the dashboard, filters transactions,
//! reads the trust center, is refused another organisation, signs out.

use super::harness::{
    Demo, assert_csp_clean, console, follow_nav, path, shot, sign_in, sign_out, text, wait_for,
    wait_for_url, with_browser,
};
use fantoccini::Locator;

#[test]
fn a_viewer_signs_in_reads_the_dashboard_filters_transactions_and_signs_out() {
    let Some(demo) = Demo::start() else { return };
    let base = demo.base.clone();
    let other_org = demo.org_id("harbor-dental");
    let (email, password) = demo.user("northwind", "viewer");

    with_browser(|c| async move {
        // Landing, then the sign-in form.
        c.goto(&base).await.unwrap();
        assert_csp_clean(&c, "landing").await;
        shot(&c, "landing").await;
        c.goto(&format!("{base}/login")).await.unwrap();
        assert_csp_clean(&c, "login").await;
        shot(&c, "login").await;

        // A wrong password keeps us on the form with a message.
        sign_in(&c, &base, &email, "definitely-not-the-password").await;
        wait_for(&c, "#login-error").await;
        assert_eq!(path(&c).await, "/login");
        assert!(text(&c, "#login-error").await.contains("not correct"));
        // The refused form answered 401, which the console reports as a failed load: proof
        // that the console checks below read the browser's log.
        let logged = console(&c).await;
        assert!(logged.iter().any(|m| m.contains("401")), "{logged:?}");

        // Signing in lands on the organisation's dashboard.
        sign_in(&c, &base, &email, &password).await;
        wait_for(&c, "#runway-status").await;
        let dash = path(&c).await;
        assert!(dash.starts_with("/app/"), "{dash}");
        let runway = text(&c, "#runway-status").await;
        assert!(
            [
                "months of runway",
                "Not burning cash",
                "Out of cash",
                "Not enough history"
            ]
            .iter()
            .any(|p| runway.contains(p)),
            "runway text: {runway}"
        );
        for css in [
            "svg#cash-chart path.series-line",
            "svg#cash-chart title",
            "svg#forecast-chart path.band",
            "svg#forecast-chart path.median",
        ] {
            c.find(Locator::Css(css))
                .await
                .unwrap_or_else(|_| panic!("{css}"));
        }
        assert!(text(&c, "h1").await.contains("Northwind Coffee Roasters"));
        assert_csp_clean(&c, "dashboard").await;
        shot(&c, "dashboard").await;
        c.execute("window.scrollTo(0, document.body.scrollHeight);", vec![])
            .await
            .unwrap();
        shot(&c, "dashboard-insights").await;

        // A viewer is offered no admin or import pages.
        for hidden in ["Members", "Settings", "Audit log", "Import & connections"] {
            assert!(
                c.find(Locator::LinkText(hidden)).await.is_err(),
                "a viewer sees the {hidden} link"
            );
        }

        // Transactions: filter by the counterparty of the first row.
        follow_nav(&c, "Transactions", "form.filters").await;
        assert!(path(&c).await.ends_with("/transactions"));
        shot(&c, "transactions-all").await;
        let first = text(&c, "#transactions tbody tr td:nth-child(2)").await;
        c.find(Locator::Id("counterparty"))
            .await
            .unwrap()
            .send_keys(&first)
            .await
            .unwrap();
        c.find(Locator::Css("form.filters button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_url(&c, "the filtered list", |u| u.contains("counterparty=")).await;
        wait_for(&c, "#transactions").await;
        let names = c
            .execute(
                "return Array.from(document.querySelectorAll('#transactions tbody tr td:nth-child(2)')).map(td => td.textContent);",
                vec![],
            )
            .await
            .unwrap();
        let names = names.as_array().unwrap();
        assert!(!names.is_empty());
        assert!(
            names
                .iter()
                .all(|n| n.as_str().unwrap().contains(first.as_str())),
            "{names:?}"
        );
        assert_csp_clean(&c, "transactions").await;
        shot(&c, "transactions").await;

        // The books read so far left nothing in the browser's storage, and the session cookie
        // is beyond the page's reach (checklist J9).
        let stored = c
            .execute(
                "const all = s => Object.keys(s).map(k => k + '=' + s.getItem(k));\
                 return [all(window.localStorage), all(window.sessionStorage), document.cookie];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            stored,
            serde_json::json!([[], [], ""]),
            "web storage after reading the books"
        );

        // Another organisation's dashboard is a plain 404 page.
        c.goto(&format!("{base}/app/{other_org}")).await.unwrap();
        assert!(text(&c, "h1").await.contains("Page not found"));
        let source = c.source().await.unwrap();
        assert!(!source.contains("Harbor Dental"));
        shot(&c, "not-found").await;
        let logged = console(&c).await; // the 404 itself is logged as a failed load
        assert!(logged.iter().all(|m| m.contains("404")), "{logged:?}");

        // The trust center states this instance's configuration.
        c.goto(&format!("{base}/security")).await.unwrap();
        assert!(text(&c, "#fact-tls").await.starts_with("Off"));
        assert!(text(&c, "#fact-tls-version").await.contains("TLS 1.3 only"));
        assert!(text(&c, "#fact-ai").await.contains("None configured"));
        assert!(text(&c, "#fact-idle").await.contains("30 minutes"));
        assert!(text(&c, "#fact-absolute").await.contains("12 hours"));
        assert!(text(&c, "#fact-master-key").await.starts_with('v'));
        assert_csp_clean(&c, "security").await;
        shot(&c, "security").await;

        // Sign out through the form; the app then asks to sign in again.
        sign_out(&c, &base).await;
        c.goto(&format!("{base}/app")).await.unwrap();
        assert_eq!(path(&c).await, "/login");
        c
    });
}
