//! A member reads the analysis pages: cash flow per month and per week, by category and by
//! counterparty; recurring payments; receivables and payables; the forecast with a what-if
//! that moves the ending cash, and one it refuses. Then the charts and the navigation at
//! 1366 px and on a 390 px phone: chart text of one fixed size inside its chart, values on
//! keyboard focus, the navigation on one row, the phone's menu, nothing wider than the screen.

use super::harness::{
    Demo, assert_csp_clean, click, console, fill, follow_nav, shot, sign_in, text, wait_for,
    wait_for_url, with_browser,
};
use fantoccini::{Client, Locator};
use serde_json::json;

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
    assert_eq!(
        v[0], "group",
        "{id} is a described group of focusable points"
    );
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

/// The top bar's parts (brand, business switcher, sign-out) sit on one row: none starts below
/// another's bottom.
async fn assert_top_bar_on_one_row(c: &Client, page: &str) {
    let v = c
        .execute(
            "return Array.from(document.querySelector('.topbar-inner').children)\
               .filter(e => e.getClientRects().length > 0)\
               .map(e => { const r = e.getBoundingClientRect();\
                 return [e.className, r.top, r.bottom]; });",
            vec![],
        )
        .await
        .unwrap();
    let parts = v.as_array().unwrap();
    assert!(parts.len() >= 3, "{page}: top bar parts {v}");
    let lowest_top = parts
        .iter()
        .map(|p| p[1].as_f64().unwrap())
        .fold(f64::MIN, f64::max);
    let highest_bottom = parts
        .iter()
        .map(|p| p[2].as_f64().unwrap())
        .fold(f64::MAX, f64::min);
    assert!(
        lowest_top < highest_bottom,
        "{page}: the top bar wraps onto a second row: {v}"
    );
}

/// Every chart's visible text is 12 px as computed, drawn unscaled (its transform to the
/// screen is the identity), and inside its chart's box.
async fn assert_chart_text_fixed_and_inside(c: &Client, page: &str) {
    let v = c
        .execute(
            "const out = [];\
             for (const svg of document.querySelectorAll('svg.chart')) {\
               const box = svg.getBoundingClientRect();\
               for (const t of svg.querySelectorAll('text')) {\
                 const style = getComputedStyle(t);\
                 const r = t.getBoundingClientRect();\
                 if (style.display === 'none' || r.width === 0) continue;\
                 const m = t.getScreenCTM();\
                 out.push({chart: svg.id, text: t.textContent, size: style.fontSize,\
                   scale: [m.a, m.d], height: r.height,\
                   inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5\
                     && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5});\
               }\
             }\
             return out;",
            vec![],
        )
        .await
        .unwrap();
    let texts = v.as_array().unwrap();
    assert!(texts.len() >= 6, "{page}: chart labels: {v}");
    for t in texts {
        assert_eq!(t["size"], "12px", "{page}: {t}");
        let scale = t["scale"].as_array().unwrap();
        assert!(
            scale
                .iter()
                .all(|s| (s.as_f64().unwrap() - 1.0).abs() < 0.001),
            "{page}: scaled text {t}"
        );
        assert!(t["height"].as_f64().unwrap() < 20.0, "{page}: {t}");
        assert_eq!(t["inside"], true, "{page}: text outside its chart: {t}");
    }
}

/// A page on a phone: nothing wider than the screen, chart text fixed and inside, the CSP
/// kept; saved as `charts-390-{name}`.
async fn assert_phone_page(c: &Client, name: &str) {
    assert_fits_the_width(c, name).await;
    assert_top_bar_on_one_row(c, name).await;
    assert_chart_text_fixed_and_inside(c, &format!("{name} on a phone")).await;
    assert_csp_clean(c, &format!("{name} on a phone")).await;
    shot(c, &format!("charts-390-{name}")).await;
}

/// Focusing the first point of chart `id` (as Tab does) shows its value, inside the chart.
async fn assert_value_on_focus(c: &Client, id: &str) {
    let v = c
        .execute(
            "const svg = document.getElementById(arguments[0]);\
             const before = getComputedStyle(svg.querySelector('.point .readout')).display;\
             const p = svg.querySelector('.point[tabindex=\"0\"]');\
             p.focus();\
             const r = p.querySelector('.readout');\
             const box = svg.getBoundingClientRect(), at = r.getBoundingClientRect();\
             return [before, getComputedStyle(r).display, r.textContent,\
                     p.getAttribute('aria-label'), document.activeElement === p,\
                     at.left >= box.left && at.right <= box.right];",
            vec![json!(id)],
        )
        .await
        .unwrap();
    assert_eq!(v[0], "none", "{id}: hidden until focused: {v}");
    assert_ne!(v[1], "none", "{id}: shown on focus: {v}");
    assert!(is_money(v[2].as_str().unwrap()), "{id}: {v}");
    assert!(is_money(v[3].as_str().unwrap()), "{id}: {v}");
    assert_eq!(v[4], true, "{id}: focused: {v}");
    assert_eq!(v[5], true, "{id}: inside the chart: {v}");
}

/// The organisation's navigation and the top bar each fit on one row.
async fn assert_nav_on_one_row(c: &Client) {
    let v = c
        .execute(
            "const shown = e => e.getBoundingClientRect().width > 0;\
             const rows = els => new Set(els.filter(shown)\
               .map(e => Math.round(e.getBoundingClientRect().top))).size;\
             const nav = Array.from(document.querySelectorAll(\
               '.subnav-wide > a, .subnav-wide > details > summary'));\
             const bar = Array.from(document.querySelectorAll('.topbar-inner > *'));\
             const mid = e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; };\
             const spread = Math.max(...bar.filter(shown).map(mid)) - Math.min(...bar.filter(shown).map(mid));\
             return [nav.filter(shown).length, rows(nav), spread,\
                     getComputedStyle(document.getElementById('phone-menu')).display];",
            vec![],
        )
        .await
        .unwrap();
    assert!(v[0].as_i64().unwrap() >= 5, "the navigation's items: {v}");
    assert_eq!(v[1], 1, "the navigation on one row: {v}");
    assert!(v[2].as_f64().unwrap() < 12.0, "the top bar on one row: {v}");
    assert_eq!(v[3], "none", "no phone menu on a laptop: {v}");
}

/// The phone menu: its display, the wide navigation's, whether it is open, and how many of
/// its links are on screen.
async fn phone_menu_state(c: &Client) -> serde_json::Value {
    c.execute(
        "const m = document.getElementById('phone-menu');\
         const wide = document.querySelector('.subnav-wide');\
         const links = Array.from(m.querySelectorAll('a'));\
         const w = document.documentElement.clientWidth;\
         return [getComputedStyle(m).display, getComputedStyle(wide).display, m.open,\
                 links.filter(a => { const r = a.getBoundingClientRect(); if (!a.checkVisibility()) return false;\
                   return r.height > 0 && r.left >= 0 && r.right <= w; }).length];",
        vec![],
    )
    .await
    .unwrap()
}

/// On a phone the navigation is one menu: closed, then open with its links on screen.
async fn open_phone_menu(c: &Client) {
    let closed = phone_menu_state(c).await;
    assert_ne!(closed[0], "none", "the phone menu is shown: {closed}");
    assert_eq!(closed[1], "none", "the wide navigation is not: {closed}");
    assert_eq!(closed[2], false, "{closed}");
    assert_eq!(closed[3], 0, "its links wait for a tap: {closed}");
    click(c, "#phone-menu > summary").await;
    let open = phone_menu_state(c).await;
    assert_eq!(open[2], true, "{open}");
    assert!(
        open[3].as_i64().unwrap() >= 5,
        "its links on screen: {open}"
    );
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
        follow_nav(&c, "Cash flow", "#total-in").await;
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
        follow_nav(&c, "Recurring", "#monthly-commitment").await;
        assert!(is_money(&text(&c, "#monthly-commitment").await));
        let items = rows(&c, "#recurring-items").await;
        assert!(
            !items.is_empty(),
            "a coffee roaster pays rent and suppliers"
        );
        assert_csp_clean(&c, "recurring").await;
        shot(&c, "analysis-recurring").await;

        // Receivables and payables.
        follow_nav(&c, "Receivables & payables", "#receivables-total").await;
        assert!(is_money(&text(&c, "#receivables-total").await));
        assert!(is_money(&text(&c, "#payables-total").await));
        assert!(!rows(&c, "#aging-buckets").await.is_empty());
        assert_csp_clean(&c, "receivables and payables").await;
        shot(&c, "analysis-aging").await;

        // The forecast, then a what-if: a one-off of 250,000 coming in.
        follow_nav(&c, "Forecast", "#ending-cash").await;
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

        // The charts and the navigation on a laptop's screen, then on a phone.
        let forecast = format!("{dashboard}/forecast");
        let cashflow = format!("{dashboard}/cashflow");
        c.set_window_size(1366, 900).await.unwrap();
        c.goto(&dashboard).await.unwrap();
        wait_for(&c, "#runway-status").await;
        assert_nav_on_one_row(&c).await;
        for (url, ready, name) in [
            (&dashboard, "#runway-status", "dashboard"),
            (&forecast, "#ending-cash", "forecast"),
            (&cashflow, "#total-in", "cashflow"),
        ] {
            c.goto(url).await.unwrap();
            wait_for(&c, ready).await;
            assert_chart_text_fixed_and_inside(&c, name).await;
            assert_csp_clean(&c, name).await;
            shot(&c, &format!("charts-1366-{name}")).await;
        }
        c.goto(&dashboard).await.unwrap();
        wait_for(&c, "#runway-status").await;
        assert_value_on_focus(&c, "cash-chart").await;
        shot(&c, "charts-1366-dashboard-focused").await;

        // A phone: the menu opens and leads on; the charts keep their text size; nothing is
        // wider than the screen.
        c.set_window_size(390, 844).await.unwrap();
        c.goto(&dashboard).await.unwrap();
        wait_for(&c, "#runway-status").await;
        assert_phone_page(&c, "dashboard").await;
        assert_value_on_focus(&c, "forecast-chart").await;
        shot(&c, "charts-390-dashboard-focused").await;
        open_phone_menu(&c).await;
        shot(&c, "phone-menu-open").await;
        click(&c, "#phone-menu a[href$='/forecast']").await;
        wait_for(&c, "#ending-cash").await;
        assert_phone_page(&c, "forecast").await;
        c.goto(&cashflow).await.unwrap();
        wait_for(&c, "#total-in").await;
        assert_phone_page(&c, "cashflow").await;
        c
    });
}
