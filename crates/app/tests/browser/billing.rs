//! Billing as an admin would use it, against `flowsense sandbox` (whose Stripe fake serves
//! Checkout and signs its webhooks to the demo): the billing page shows the free plan, Upgrade
//! leads to Stripe's Checkout, paying brings the admin back to the billing page on the new plan;
//! a member of the same organisation sees no billing controls and is refused the page.

use super::harness::{
    Demo, assert_csp_clean, click, console, shot, sign_in, sign_out, text, wait_for, wait_for_url,
};

#[test]
fn an_admin_upgrades_through_checkout_and_a_member_sees_no_billing() {
    let Some(demo) = Demo::start_with_sandbox() else {
        return;
    };
    let base = demo.base.clone();
    let org = "harbor-dental";
    let (admin, password) = demo.user("harbor-dental", "admin");
    let (member, member_password) = demo.user("harbor-dental", "member");

    super::harness::with_browser(|c| async move {
        sign_in(&c, &base, &admin, &password).await;
        wait_for_url(&c, "the dashboard", |u| u.ends_with(&format!("/app/{org}"))).await;
        click(&c, "#nav-settings > summary").await;
        click(&c, "#billing-link").await;
        let billing = format!("{base}/app/{org}/billing");
        wait_for_url(&c, "the billing page", |u| u.starts_with(&billing)).await;
        wait_for(&c, "#plan-name").await;
        assert_eq!(text(&c, "#plan-name").await, "Free");
        assert_csp_clean(&c, "billing").await;
        shot(&c, "billing-1-free").await;
        click(&c, "#upgrade-team button[type=submit]").await;

        // Stripe's Checkout, on its own origin.
        wait_for_url(&c, "Checkout", |u| {
            !u.starts_with(&base) && u.contains("/c/pay/")
        })
        .await;
        shot(&c, "billing-2-checkout").await;
        click(&c, "button[type=submit]").await;

        // Back on the billing page, on the new plan (Stripe's webhook came first).
        wait_for_url(&c, "the way back", |u| {
            u.starts_with(&billing) && u.contains("checkout=done")
        })
        .await;
        // The console still holds the fake Checkout page's own messages (its missing favicon).
        console(&c).await;
        wait_for(&c, "#notice").await;
        assert_eq!(text(&c, "#plan-name").await, "Team");
        assert_eq!(text(&c, "#subscription-status").await, "active");
        assert!(text(&c, "#next-invoice").await.contains("49.00 USD"));
        assert_csp_clean(&c, "billing after checkout").await;
        shot(&c, "billing-3-team").await;
        sign_out(&c, &base).await;

        // A member: no billing link, and the page is refused.
        sign_in(&c, &base, &member, &member_password).await;
        wait_for_url(&c, "the member's dashboard", |u| {
            u.ends_with(&format!("/app/{org}"))
        })
        .await;
        wait_for(&c, "nav.subnav").await;
        let links = text(&c, "nav.subnav").await;
        assert!(!links.contains("Billing"), "{links}");
        c.goto(&billing).await.unwrap();
        wait_for(&c, ".error-code").await;
        assert_eq!(text(&c, ".error-code").await, "403");
        assert!(
            c.find(fantoccini::Locator::Css("#upgrade-team"))
                .await
                .is_err()
        );
        shot(&c, "billing-4-member-refused").await;
        c
    });
}
