//! A member reads the analysis pages: cash flow per month and per week, by category and by
//! counterparty; recurring payments; receivables and payables; the forecast with a what-if
//! that moves the ending cash, and one it refuses. Then the dashboard and the cash-flow page on
//! a phone-sized window, with nothing wider than the screen.

use super::harness::{
    Demo, assert_csp_clean, click, console, fill, shot, sign_in, text, wait_for, wait_for_url,
    with_browser,
};
use fantoccini::{Client, Locator};
use serde_json::json;

/// Opens a page of the books by its nav link and waits for `ready`.
async fn open(c: &Client, link: &str, ready: &str) {
    c.find(Locator::LinkText(link))
        .await
        .unwrap_or_else(|e| panic!("the {link} link: {e}"))
        .click()
        .await
        .unwrap();
    wait_for(c, ready).await;
}

/// The chart `id` is an image with a non-empty title and description that name it.
async fn assert_chart_is_described(c: &Client, id: &str) {
    let v = c
        .execute(
            "const svg = document.getElementById(arguments[0]);\
             const ids = (svg.getAttribute('aria-labelledby') || '').split(' ');\
             return [svg.getAttribute('role'),\
                     ids.map(i => (document.getElementById(i) || {}).textContent || '').join(' | '),\
                     svg.querySelectorAll('g[aria-hidden=true]').length];",
            vec![json!(id)],
        )
        .await
        .unwrap();
    assert_eq!(v[0], "img", "{id} is an image");
    let words = v[1].as_str().unwrap();
    let (title, desc) = words.split_once(" | ").unwrap_or((words, ""));
    assert!(title.trim().len() > 10, "{id} has a title: {words}");
    assert!(desc.trim().len() > 10, "{id} has a description: {words}");
    assert_eq!(v[2], 1, "{id}'s drawing is hidden from screen readers");
}

/// The rows of a table's body, as the texts of their cells.
async fn rows(c: &Client, table: &str) -> Vec<Vec<String>> {
    let v = c
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0] + ' tbody tr'))\
             .map(tr => Array.from(tr.children).map(td => td.textContent.trim()));",
            vec![json!(table)],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// Chooses `value` in the select with id `id`.
async fn choose(c: &Client, id: &str, value: &str) {
    click(c, &format!("#{id} option[value='{value}']")).await;
}

/// A money figure has digits and a currency sign.
fn is_money(s: &str) -> bool {
    s.chars().any(|ch| ch.is_ascii_digit()) && s.contains('$')
}

/// The page is no wider than the window: nothing to scroll sideways.
async fn assert_fits_the_width(c: &Client, page: &str) {
    let v = c
        .execute(
            "const d = document.documentElement;\
             const wide = Array.from(document.querySelectorAll('body *'))\
               .filter(e => e.getBoundingClientRect().right > d.clientWidth + 0.5)\
               .slice(0, 8)\
               .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);\
             return [d.scrollWidth, d.clientWidth, window.innerWidth, wide];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, client) = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
    assert!(client <= 420, "{page}: a phone-sized window, got {v}");
    assert!(scroll <= client, "{page} scrolls sideways: {v}");
}

#[test]
fn a_member_reads_the_analysis_pages_runs_a_what_if_and_uses_a_phone() {
    let Some(demo) = Demo::start() else { return };
    let base = demo.base.clone();
    let (email, password) = demo.user("northwind", "member");

    with_browser(|c| async move {
        sign_in(&c, &base, &email, &password).await;
        wait_for(&c, "#runway-status").await;
        let dashboard = c.current_url().await.unwrap().to_string();

        // Cash flow, per month by category (the defaults).
        open(&c, "Cash flow", "#total-in").await;
        for id in ["#total-in", "#total-out", "#total-net"] {
            assert!(is_money(&text(&c, id).await), "{id}");
        }
        let months = rows(&c, "#periods").await;
        assert!(months.len() >= 6, "{months:?}");
        assert!(
            months.iter().all(|r| r.len() == 4 && is_money(&r[1])),
            "{months:?}"
        );
        assert_chart_is_described(&c, "cashflow-chart").await;
        assert!(text(&c, "#names-heading").await.contains("categories"));
        assert!(!rows(&c, "#names").await.is_empty());
        assert_csp_clean(&c, "cash flow").await;
        shot(&c, "analysis-cashflow-month").await;

        // Per week: more, shorter periods.
        choose(&c, "period", "week").await;
        click(&c, "form.filters-analysis button[type=submit]").await;
        wait_for_url(&c, "the weekly view", |u| u.contains("period=week")).await;
        wait_for(&c, "#periods").await;
        assert!(
            text(&c, "#cashflow-chart-heading")
                .await
                .contains("per week")
        );
        let weeks = rows(&c, "#periods").await;
        assert!(weeks.len() > months.len(), "{} weeks", weeks.len());
        assert_chart_is_described(&c, "cashflow-chart").await;
        assert_csp_clean(&c, "cash flow per week").await;
        shot(&c, "analysis-cashflow-week").await;

        // By counterparty.
        choose(&c, "split", "counterparty").await;
        click(&c, "form.filters-analysis button[type=submit]").await;
        wait_for_url(&c, "the counterparty view", |u| {
            u.contains("split=counterparty")
        })
        .await;
        wait_for(&c, "#names").await;
        assert!(text(&c, "#names-heading").await.contains("counterparties"));
        let names = rows(&c, "#names").await;
        assert!(!names.is_empty());
        assert!(
            names.iter().any(|r| r.iter().any(|cell| is_money(cell))),
            "{names:?}"
        );
        assert_csp_clean(&c, "cash flow by counterparty").await;
        shot(&c, "analysis-cashflow-counterparty").await;

        // Recurring payments.
        open(&c, "Recurring", "#monthly-commitment").await;
        assert!(is_money(&text(&c, "#monthly-commitment").await));
        let items = rows(&c, "#recurring-items").await;
        assert!(
            !items.is_empty(),
            "a coffee roaster pays rent and suppliers"
        );
        assert_csp_clean(&c, "recurring").await;
        shot(&c, "analysis-recurring").await;

        // Receivables and payables.
        open(&c, "Receivables & payables", "#receivables-total").await;
        assert!(is_money(&text(&c, "#receivables-total").await));
        assert!(is_money(&text(&c, "#payables-total").await));
        assert!(!rows(&c, "#aging-buckets").await.is_empty());
        assert_csp_clean(&c, "receivables and payables").await;
        shot(&c, "analysis-aging").await;

        // The forecast, then a what-if: a one-off of 250,000 coming in.
        open(&c, "Forecast", "#ending-cash").await;
        let baseline = text(&c, "#ending-cash").await;
        assert!(is_money(&baseline), "{baseline}");
        assert_chart_is_described(&c, "forecast-chart").await;
        assert!(rows(&c, "#forecast-weeks").await.len() >= 13);
        assert_csp_clean(&c, "forecast").await;
        shot(&c, "analysis-forecast").await;
        let first_day = c
            .find(Locator::Id("forecast-weeks"))
            .await
            .unwrap()
            .attr("data-first-day")
            .await
            .unwrap()
            .expect("the forecast's first day");
        choose(&c, "oneoff_direction", "in").await;
        fill(&c, "oneoff_amount", "250,000").await;
        // A date input's typing depends on the locale; set the ISO value as a picker would.
        c.execute(
            "document.getElementById('oneoff_date').value = arguments[0];",
            vec![json!(first_day)],
        )
        .await
        .unwrap();
        click(&c, "#run-what-if").await;
        wait_for(&c, "#what-if-ending-cash").await;
        let with_what_if = text(&c, "#what-if-ending-cash").await;
        assert_ne!(with_what_if, baseline, "the what-if moves the ending cash");
        assert_eq!(
            text(&c, "#ending-cash").await,
            baseline,
            "the baseline stays"
        );
        let difference = text(&c, "#what-if-difference").await;
        assert!(difference.contains("250,000"), "{difference}");
        assert!(text(&c, "#what-if-changes").await.contains("250,000"));
        assert_csp_clean(&c, "forecast with a what-if").await;
        shot(&c, "analysis-forecast-what-if").await;

        // The what-if saved by name, a planned amount added, and the scenario compared with
        // the baseline.
        fill(&c, "scenario-name", "Big order").await;
        click(&c, "#save-scenario button").await;
        wait_for(&c, "#scenario-list").await;
        assert!(text(&c, "#scenario-list").await.contains("Big order"));
        assert_eq!(text(&c, "#what-if-ending-cash").await, with_what_if);
        fill(&c, "planned-name", "Sales tax").await;
        fill(&c, "planned-amount", "12,500").await;
        fill(&c, "planned-confidence", "80").await;
        c.execute(
            "document.getElementById('planned-date').value = arguments[0];",
            vec![json!(first_day)],
        )
        .await
        .unwrap();
        click(&c, "#add-planned-button").await;
        wait_for(&c, "#planned-items").await;
        let planned = text(&c, "#planned-items").await;
        assert!(
            planned.contains("Sales tax") && planned.contains("-$10,000.00"),
            "{planned}"
        );
        assert_ne!(
            text(&c, "#ending-cash").await,
            baseline,
            "the forecast counts it"
        );
        click(&c, "#compare-scenarios button").await;
        wait_for(&c, "#scenario-comparison").await;
        let compared = rows(&c, "#scenario-comparison").await;
        assert_eq!(compared.len(), 2, "{compared:?}");
        assert_eq!(compared[1][0], "Big order", "{compared:?}");
        assert_chart_is_described(&c, "forecast-chart").await;
        assert_csp_clean(&c, "forecast comparing a scenario").await;
        shot(&c, "analysis-forecast-compared").await;

        // Bad input: the form comes back with a message (and a 422) and the field marked.
        fill(&c, "oneoff_amount", "lots").await;
        c.execute(
            "document.getElementById('oneoff_date').value = arguments[0];",
            vec![json!(first_day)],
        )
        .await
        .unwrap();
        click(&c, "#run-what-if").await;
        wait_for(&c, "#what-if-error").await;
        assert!(!text(&c, "#what-if-error").await.is_empty());
        let invalid = c
            .find(Locator::Id("oneoff_amount"))
            .await
            .unwrap()
            .attr("aria-invalid")
            .await
            .unwrap();
        assert_eq!(invalid.as_deref(), Some("true"));
        let logged = console(&c).await; // the refused form is logged as a failed load
        assert!(
            !logged.is_empty() && logged.iter().all(|m| m.contains("422")),
            "{logged:?}"
        );
        assert_csp_clean(&c, "forecast refusing a what-if").await;
        shot(&c, "analysis-forecast-what-if-refused").await;

        // A phone: the dashboard and the cash-flow page fit the width.
        c.set_window_size(390, 844).await.unwrap();
        c.goto(&dashboard).await.unwrap();
        wait_for(&c, "#runway-status").await;
        assert_fits_the_width(&c, "dashboard").await;
        assert_csp_clean(&c, "dashboard on a phone").await;
        shot(&c, "phone-dashboard").await;
        c.goto(&format!("{dashboard}/cashflow")).await.unwrap();
        wait_for(&c, "#total-in").await;
        assert_fits_the_width(&c, "cash flow").await;
        assert_csp_clean(&c, "cash flow on a phone").await;
        shot(&c, "phone-cashflow").await;
        c
    });
}
