//! Passkeys in a real browser: chromium's virtual authenticator (WebDriver's WebAuthn
//! extension) registers a passkey from the profile page's script, and the passkey alone then
//! signs in from the sign-in page, with no e-mail address or password typed.

use super::harness::{
    Demo, add_virtual_authenticator, assert_csp_clean, click, fill, path, shot, sign_in, sign_out,
    text, wait_for, wait_for_url, with_browser,
};

#[test]
fn a_passkey_is_registered_on_the_profile_and_signs_in_alone() {
    let Some(demo) = Demo::start_at_localhost() else {
        return;
    };
    let base = demo.base.clone();
    let (email, password) = demo.user("northwind", "admin");

    with_browser(|c| async move {
        add_virtual_authenticator(&c).await;
        sign_in(&c, &base, &email, &password).await;
        wait_for(&c, "a.who").await;

        // Register: name it, and the page's script runs the ceremony (a fresh sign-in, so no
        // password is asked again).
        c.goto(&format!("{base}/app/profile")).await.unwrap();
        wait_for(&c, "#passkey-register").await;
        assert!(text(&c, "#passkeys-none").await.contains("No passkey yet"));
        fill(&c, "passkey-name", "Chromium's authenticator").await;
        click(&c, "#passkey-register").await;
        wait_for_url(&c, "the profile after registering", |u| {
            u.ends_with("done=passkey-added")
        })
        .await;
        wait_for(&c, "#passkey-list").await;
        let listed = text(&c, "#passkey-list").await;
        assert!(listed.contains("Chromium's authenticator"), "{listed}");
        assert!(listed.contains("Never"), "not used yet: {listed}");
        assert_csp_clean(&c, "passkey registered").await;
        shot(&c, "profile-passkey").await;

        // Sign out, then in with the passkey alone.
        sign_out(&c, &base).await;
        c.goto(&format!("{base}/login")).await.unwrap();
        wait_for(&c, "#passkey-sign-in").await;
        // The script shows the button once it finds WebAuthn in the browser.
        let button = c
            .find(fantoccini::Locator::Id("passkey-sign-in"))
            .await
            .unwrap();
        for _ in 0..50 {
            if button.is_displayed().await.unwrap_or(false) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        shot(&c, "login-passkey").await;
        click(&c, "#passkey-sign-in").await;
        wait_for(&c, "a.who").await;
        assert!(path(&c).await.starts_with("/app"));
        assert_csp_clean(&c, "signed in with a passkey").await;
        c.goto(&format!("{base}/app/profile")).await.unwrap();
        wait_for(&c, "#passkey-list").await;
        let listed = text(&c, "#passkey-list").await;
        assert!(!listed.contains("Never"), "the use is listed: {listed}");
        shot(&c, "profile-passkey-used").await;
        c
    });
}
