//! Each analysis page renders for each role and shows the numbers of the JSON reports.

use super::*;

async fn every_page_renders_for_each_role_and_another_organisation_is_not_found(db: Db) {
    let w = world(db).await;
    let base = &w.app.base;
    for email in ["ann@x.test", "mia@x.test", "vic@x.test"] {
        let b = w.app.signed_in(email).await;
        for p in PAGES {
            let (status, html) = page(&b.http, format!("{base}/app/{}/{p}", w.org)).await;
            assert_eq!(status, StatusCode::OK, "{email} {p}: {html}");
            assert!(!html.contains("style="), "{p}: inline style");
            assert!(!html.contains("<script"), "{p}: script");
            assert!(
                html.contains(&format!("href=\"/app/roasters/{p}\" aria-current=\"page\"")),
                "{p}: current section"
            );
            assert!(
                !html.contains("Only Elsewhere"),
                "{p}: another organisation's books"
            );
        }
        for org in [w.other, OrgId::new()] {
            for p in PAGES {
                let (status, html) = page(&b.http, format!("{base}/app/{org}/{p}")).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{email} {p}");
                assert!(html.contains("Page not found"));
                assert!(!html.contains("Only Elsewhere"));
            }
        }
    }
    // Signed out: to the sign-in page.
    let anon = w.app.browser();
    let r = anon
        .http
        .get(format!("{base}/app/{}/forecast", w.org))
        .send()
        .await
        .expect("page");
    assert_eq!(r.url().path(), "/login");
}

async fn the_pages_show_the_numbers_of_the_json_reports(db: Db) {
    let w = world(db).await;
    let base = &w.app.base;
    let mut b = w.app.signed_in("vic@x.test").await;
    let http = b.http.clone();
    let report = |kind: &str| format!("/api/v1/orgs/{}/reports/{kind}", w.org);

    // Forecast: cash today, and every week's ending cash with its range.
    let (_, f) = b.get(&report("forecast")).await;
    let (_, html) = page(&http, format!("{base}/app/{}/forecast", w.org)).await;
    let f = &f["report"];
    assert!(html.contains(&usd_whole(f["starting_cash"].as_i64().expect("cash"))));
    let weeks = f["weeks"].as_array().expect("weeks");
    assert_eq!(weeks.len(), 13);
    for week in weeks {
        for p in ["p10", "p50", "p90"] {
            let v = week["ending_cash"][p].as_i64().expect("band");
            assert!(html.contains(&usd(v)), "ending cash {p} {v}");
        }
        assert!(html.contains(&usd(week["net"]["p50"].as_i64().expect("net"))));
    }
    let bt = &f["backtest"];
    assert!(
        bt.is_object(),
        "18 months of books are enough for a backtest"
    );
    let wape = bt["forecast_wape_bp"].as_i64().expect("wape");
    assert!(html.contains(&format!(">{}.{}%<", wape / 100, (wape % 100) / 10)));
    // In plain words first: what the forecast made 13 weeks ago expected, what came, and by
    // how much it missed, in money.
    let summary = html
        .split("id=\"backtest-summary\"")
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .expect("a summary");
    let actual = bt["actual_ending_cash"].as_i64().expect("actual");
    let error = bt["forecast_ending_cash_error"].as_i64().expect("error");
    assert!(summary.contains(&usd_whole(actual)), "{summary}");
    assert!(summary.contains(&usd_whole(actual + error)), "{summary}");
    assert!(summary.contains(&usd_whole(error.abs())), "{summary}");
    assert!(
        !summary.contains("WAPE") && !summary.contains("P10"),
        "{summary}"
    );
    assert_eq!(
        html.matches("<rect class=\"bar ").count(),
        0,
        "the forecast draws a band, not bars"
    );
    assert!(html.contains("<title id=\"forecast-chart-title\">"));
    // The coverage shown is the whole forecast's, from the same evaluation as the JSON's.
    let coverage = f["model"]["coverage_bp"].as_i64().expect("backtested");
    let methods = html
        .split("id=\"forecast-methods\"")
        .nth(1)
        .expect("methods");
    assert!(
        methods.contains(&format!(
            "landed inside it {} of the time",
            flowsense_core::format::share(coverage)
        )),
        "{methods}"
    );

    // Recurring: every active item, and the planted price rise highlighted.
    let (_, r) = b.get(&report("recurring")).await;
    let (_, html) = page(&http, format!("{base}/app/{}/recurring", w.org)).await;
    let items = r["report"]["items"].as_array().expect("items");
    let active: Vec<&Value> = items.iter().filter(|i| i["active"] == true).collect();
    assert!(active.len() >= 5, "{items:?}");
    for item in &active {
        let name = item["counterparty"].as_str().expect("name");
        let amount = -item["typical_amount"].as_i64().expect("amount");
        assert!(html.contains(&usd(amount)), "{name} {amount}");
        assert!(html.contains(&html_escape(name)), "{name}");
    }
    let rise = &w.books.truth.price_increase;
    let item = items
        .iter()
        .find(|i| i["counterparty"] == rise.counterparty.as_str())
        .expect("the price raiser recurs");
    let bp = item["price_change"]["change_bp"]
        .as_i64()
        .expect("a price change");
    assert!((1100..1300).contains(&bp), "about +12%: {bp}");
    let badge = format!("+{}.{}%", bp / 100, (bp % 100) / 10);
    let row = html
        .split("<tr class=\"row-rise\">")
        .skip(1)
        .find(|row| row.contains(&html_escape(&rise.counterparty)))
        .expect("the rise is highlighted");
    assert!(row.contains(&badge), "{row}");
    assert!(
        row.contains(&usd(-rise.old_amount_minor)),
        "the old price: {row}"
    );

    // Receivables & payables: totals, buckets, DSO.
    let (_, a) = b.get(&report("aging")).await;
    let (_, html) = page(&http, format!("{base}/app/{}/aging", w.org)).await;
    let a = &a["report"];
    for side in ["receivables", "payables"] {
        assert!(html.contains(&usd(a[side]["total"].as_i64().expect("total"))));
        for bucket in a[side]["buckets"].as_array().expect("buckets") {
            assert!(html.contains(&usd(bucket.as_i64().expect("bucket"))));
        }
    }
    if let Some(dso) = a["dso_days"].as_f64() {
        assert!(html.contains(&format!("{dso:.1} days")));
    }
    assert!(html.contains("id=\"aging-chart\""));

    // Cash flow: the totals and each month of a range, as the API reports them.
    let today = chrono::Utc::now().date_naive();
    let from = today.with_day(1).expect("d") - Months::new(5);
    let range = format!("from={from}&to={today}");
    let (_, c) = b
        .get(&format!("{}?{range}&period=month", report("cashflow")))
        .await;
    let (status, html) = page(
        &http,
        format!(
            "{base}/app/{}/cashflow?period=month&{range}&split=counterparty",
            w.org
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let c = &c["report"];
    for (id, key) in [
        ("total-in", "inflow"),
        ("total-out", "outflow"),
        ("total-net", "net"),
    ] {
        let v = usd(c["total"][key].as_i64().expect("total"));
        assert!(html.contains(&format!("id=\"{id}\">{v}<")), "{id} {v}");
    }
    let periods = c["periods"].as_array().expect("periods");
    assert_eq!(periods.len(), 6);
    assert_eq!(
        html.matches("class=\"bar bar-in\"").count()
            + html.matches("class=\"bar bar-out\"").count(),
        12
    );
    for p in periods {
        assert!(html.contains(&usd(p["net"].as_i64().expect("net"))));
    }
    let top = c["by_counterparty"][0]["name"].as_str().expect("top name");
    assert!(html.contains("Top counterparties"));
    assert!(html.contains(&html_escape(top)));

    // Each name's share of the money in and of the money out (money out is negative in the
    // books, its share is of its size): every column adds up to 100%, and the page shows them.
    let names = c["by_counterparty"].as_array().expect("names");
    let column = |key: &str, sign: i128| {
        let parts: Vec<i128> = names
            .iter()
            .map(|n| sign * i128::from(n[key].as_i64().expect("amount")))
            .collect();
        flowsense_core::analytics::stats::shares_summing_to_whole(&parts)
    };
    let (ins, outs) = (column("inflow", 1), column("outflow", -1));
    assert_eq!(ins.iter().sum::<i64>(), 10_000);
    assert_eq!(outs.iter().sum::<i64>(), 10_000);
    let table = &html[html.find("id=\"names\"").expect("the names table")..];
    let row = &table[table.find(&html_escape(top)).expect("the top row")..];
    let row = &row[..row.find("</tr>").expect("row end")];
    let share = flowsense_core::format::share;
    assert!(
        row.contains(&format!("<td class=\"num\">{}</td>", share(ins[0])))
            && row.contains(&format!("</meter> {}</td>", share(outs[0]))),
        "{row}"
    );
    assert!(!row.contains("</meter> 0.0%") || outs[0] == 0, "{row}");
}

crate::on_both_backends!(
    every_page_renders_for_each_role_and_another_organisation_is_not_found,
    the_pages_show_the_numbers_of_the_json_reports,
);
