//! A member asks the assistant on its page, against `flowsense sandbox`'s model fake: the
//! script posts the question, the answer streams into the conversation (the page does not
//! reload: the address only gains the conversation's id), and a reload shows it kept.

use super::harness::{
    Demo, assert_csp_clean, click, console, fill, shot, sign_in, text, wait_for, wait_for_url,
    with_browser,
};

#[test]
fn a_member_asks_the_assistant_and_sees_the_answer_stream_in() {
    let Some(demo) = Demo::start_with_sandbox() else {
        return;
    };
    let base = demo.base.clone();
    let (member, password) = demo.user("northwind", "member");
    with_browser(|c| async move {
        sign_in(&c, &base, &member, &password).await;
        wait_for(&c, "#kpi-cash").await;
        click(&c, "a[href$='/assistant']").await;
        wait_for(&c, "#assistant-form").await;
        assert_csp_clean(&c, "assistant").await;
        let page = c.current_url().await.unwrap().to_string();
        fill(&c, "question", "What is our runway?").await;
        click(&c, "#assistant-form button[type=submit]").await;
        // The answer arrives in place: the same page, now holding the conversation's id.
        wait_for(&c, "#assistant-messages li.message-done").await;
        wait_for_url(&c, "the conversation's address", |u| u.contains("?c=")).await;
        let now = c.current_url().await.unwrap().to_string();
        assert!(now.starts_with(&page), "{page} became {now}");
        let question = text(&c, "#assistant-messages li.message-mine .message-text").await;
        assert_eq!(question, "What is our runway?");
        let answer = text(&c, "#assistant-messages li.message-done .message-text").await;
        assert!(
            answer.contains("Let me look that up with runway."),
            "{answer}"
        );
        assert!(answer.contains("From runway:"), "{answer}");
        shot(&c, "assistant-answer-streamed").await;
        assert!(console(&c).await.is_empty());
        // Kept: the reloaded page lists the conversation and shows the same answer.
        c.refresh().await.unwrap();
        wait_for(&c, "#assistant-messages li.message-done").await;
        let kept = text(&c, "#assistant-messages li.message-done .message-text").await;
        assert_eq!(kept, answer);
        wait_for(&c, ".assistant-list a[aria-current]").await;
        shot(&c, "assistant-conversation-kept").await;
        c
    });
}
