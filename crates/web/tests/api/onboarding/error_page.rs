//! The error page knows who is looking: someone signed in is offered their dashboard and
//! their organisations, not a sign-in.

use super::*;
use crate::support::PASSWORD;

async fn a_signed_in_visitor_s_404_offers_their_organisations(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("ada@x.test").await;
    app.org("roastery", admin).await;
    let p = Person::new(&app);

    let anonymous = p.get("/app/northwind/nothing-here").await;
    assert_eq!(anonymous.status, StatusCode::NOT_FOUND);
    assert!(
        anonymous.body.contains("href=\"/login\""),
        "{}",
        anonymous.body
    );
    assert!(!anonymous.body.contains("id=\"back-to-dashboard\""));

    p.sign_in("ada@x.test", PASSWORD).await;
    for path in [
        "/app/northwind/nothing-here".to_owned(),
        format!("/app/{}", uuid::Uuid::new_v4()),
    ] {
        let page = p.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            !page.body.contains("href=\"/login\""),
            "{path}: {}",
            page.body
        );
        assert!(
            page.body
                .contains("id=\"back-to-dashboard\">Back to your dashboard<"),
            "{}",
            page.body
        );
        // Their organisation, by the slug its pages go by.
        assert!(
            page.body.contains("href=\"/app/roastery\""),
            "{}",
            page.body
        );
        assert!(!page.body.contains(">Sign in<"), "{}", page.body);
        assert!(page.body.contains("Sign out"));
        assert_clean(&page.body);
    }
}

crate::on_both_backends!(a_signed_in_visitor_s_404_offers_their_organisations,);
