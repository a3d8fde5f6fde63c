//! A new owner's first visit, all in the browser and none of it through the API: signs up,
//! confirms the address from the link in the demo's outbox, creates a business, sees the
//! first-run checklist, downloads the sample books and uploads them, and lands on a dashboard
//! with figures.

use super::harness::{
    Demo, assert_csp_clean, click, fill, path, shot, sign_in, text, wait_for, wait_for_url,
    with_browser,
};
use super::profile::mailed_token;
use crate::cli_support::http;
use fantoccini::Locator;

const EMAIL: &str = "willow.owner@example.org";
const PASSWORD: &str = "juniper-harbour-61-lantern";

#[test]
fn a_new_owner_signs_up_creates_a_business_and_sees_the_sample_books_on_the_dashboard() {
    let Some(demo) = Demo::start() else { return };
    let base = demo.base.clone();
    let outbox = demo.data.join("outbox");
    let downloads = tempfile::tempdir().unwrap();

    with_browser(|c| async move {
        // Sign up from the sign-in page's link.
        c.goto(&format!("{base}/login")).await.unwrap();
        click(&c, "#sign-up-link").await;
        wait_for(&c, "form[action='/signup']").await;
        fill(&c, "display_name", "Willow Owner").await;
        fill(&c, "email", EMAIL).await;
        fill(&c, "password", PASSWORD).await;
        click(&c, "form[action='/signup'] button[type=submit]").await;
        wait_for(&c, "#notice[data-notice='check-inbox']").await;
        // The demo writes mail to its outbox: the page says so, and no spam folder is blamed.
        let notice = text(&c, "#notice").await;
        assert!(notice.contains("outbox"), "{notice}");
        assert!(!notice.contains("spam"), "{notice}");
        assert_csp_clean(&c, "check your inbox").await;
        shot(&c, "onboarding-check-inbox").await;

        // Confirm the address from the e-mail, then sign in: no organisation yet.
        let token = mailed_token(&outbox, EMAIL, "/verify-email");
        c.goto(&format!("{base}/verify-email?token={token}"))
            .await
            .unwrap();
        click(&c, "#confirm-email").await;
        wait_for(&c, "#notice[data-notice='verified']").await;
        sign_in(&c, &base, EMAIL, PASSWORD).await;
        wait_for(&c, "#create-business-link").await;
        assert_csp_clean(&c, "no organisation yet").await;
        shot(&c, "onboarding-no-organisation").await;

        // Create the business.
        click(&c, "#create-business-link").await;
        wait_for(&c, "#new-org-form").await;
        fill(&c, "name", "Willow Lane Bakers").await;
        c.find(Locator::Id("base_currency"))
            .await
            .unwrap()
            .select_by_value("USD")
            .await
            .unwrap();
        c.find(Locator::Id("time_zone"))
            .await
            .unwrap()
            .select_by_value("Europe/London")
            .await
            .unwrap();
        assert_csp_clean(&c, "create your business").await;
        shot(&c, "onboarding-create-business").await;
        click(&c, "#create-business").await;
        wait_for(&c, "#welcome-upload-form").await;
        let welcome = path(&c).await;
        let org = welcome
            .strip_prefix("/app/")
            .and_then(|p| p.strip_suffix("/welcome"))
            .expect("the welcome step of the new organisation")
            .to_owned();
        assert!(
            text(&c, "nav.nav").await.contains("Willow Lane Bakers"),
            "the switcher lists the new business"
        );
        assert_csp_clean(&c, "welcome").await;
        shot(&c, "onboarding-welcome").await;

        // The dashboard has no figures yet: the checklist says what to do.
        click(&c, "#skip-to-dashboard").await;
        wait_for(&c, "#first-run").await;
        assert!(
            c.find(Locator::Css("#step-create.done")).await.is_ok()
                && c.find(Locator::Css("#step-books.todo")).await.is_ok()
        );
        assert_csp_clean(&c, "dashboard checklist").await;
        shot(&c, "onboarding-checklist").await;

        // Download the sample from the link on the welcome step and upload it.
        click(&c, "#step-books a").await;
        wait_for(&c, "#sample-download").await;
        let href = c
            .find(Locator::Id("sample-download"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .expect("a link");
        let (status, _, csv) = http::get(&format!("{base}{href}"));
        assert_eq!(status, 200);
        let rows = csv.lines().count() - 1;
        let sample = downloads.path().join("flowsense-sample-books.csv");
        std::fs::write(&sample, &csv).unwrap();
        c.find(Locator::Id("file"))
            .await
            .unwrap()
            .send_keys(sample.to_str().unwrap())
            .await
            .unwrap();
        click(&c, "#welcome-upload-form button[type=submit]").await;
        wait_for(&c, "#import-result").await;
        let result = text(&c, "#import-result").await;
        assert!(
            result.contains(&format!(
                "flowsense-sample-books.csv: {rows} rows added, 0 already present"
            )),
            "{result}"
        );
        assert_csp_clean(&c, "sample imported").await;
        shot(&c, "onboarding-imported").await;

        // The dashboard, with data: the checklist is gone and cash is shown.
        click(&c, "#import-to-dashboard").await;
        wait_for_url(&c, "the dashboard", |u| u.ends_with(&format!("/app/{org}"))).await;
        wait_for(&c, "#kpi-cash").await;
        assert!(c.find(Locator::Id("first-run")).await.is_err());
        let cash = text(&c, "#kpi-cash .kpi-value").await;
        assert!(
            cash.contains('$'),
            "cash in the business's currency: {cash}"
        );
        assert_csp_clean(&c, "dashboard with data").await;
        shot(&c, "onboarding-dashboard").await;
        c
    });
}
