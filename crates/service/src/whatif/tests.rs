//! The what-if reader's parsing and bounds.
use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

fn ctx<'a>(names: &'a [String], money: &'a dyn Fn(i64) -> String) -> Context<'a> {
    Context {
        as_of: d(2026, 3, 31),
        currency: Currency::USD,
        recurring: names,
        money,
    }
}

#[test]
fn amounts_are_read_exactly() {
    let usd = Currency::USD;
    let ok = |s: &str| parse_amount("a", s, usd);
    assert_eq!(ok("2500"), Ok(250_000));
    assert_eq!(ok(" $1,250.5 "), Ok(125_050));
    assert_eq!(ok("0.07"), Ok(7));
    assert_eq!(ok("1 000 000 000"), Ok(100_000_000_000));
    assert_eq!(
        parse_amount("a", "1,234", Currency::parse("JPY").expect("yen")),
        Ok(1_234)
    );
    for bad in [
        "",
        "abc",
        "12a",
        "-5",
        "1.2.3",
        "1.234",
        "0",
        "0.00",
        "1000000001",
        "99999999999999999999999",
        "1e6",
        "½",
    ] {
        assert!(ok(bad).is_err(), "{bad}");
    }
    assert!(
        ok(&"9".repeat(200)).unwrap_err().message.len() < 120,
        "long input is cut"
    );
    assert!(parse_amount("a", "1.5", Currency::parse("JPY").expect("yen")).is_err());
}

#[test]
fn the_form_reads_into_a_scenario_or_names_the_bad_field() {
    let names = vec!["Cloud Co".to_owned()];
    let money = |m: i64| format!("{m}");
    let c = ctx(&names, &money);
    let input = WhatIfInput {
        oneoff_amount: "5,000".into(),
        oneoff_direction: "in".into(),
        oneoff_date: "2026-04-15".into(),
        monthly_amount: "200".into(),
        monthly_kind: "costs_up".into(),
        monthly_from: String::new(),
        delay_days: "30".into(),
        drop: "Cloud Co".into(),
    };
    let w = read(&input, &c).expect("valid");
    assert_eq!(
        w.scenario.one_offs,
        vec![OneOff {
            date: d(2026, 4, 15),
            amount: 500_000
        }]
    );
    assert_eq!(w.scenario.monthly_changes[0].amount, -20_000);
    assert_eq!(w.scenario.monthly_changes[0].from, d(2026, 4, 1));
    assert_eq!(w.scenario.customer_delay_days, 30);
    assert_eq!(w.scenario.drop_recurring, vec!["Cloud Co".to_owned()]);
    assert_eq!(w.changes.len(), 4);
    assert!(WhatIfInput::default().is_empty() && !input.is_empty());

    let field_of = |f: fn(&mut WhatIfInput)| {
        let mut i = WhatIfInput::default();
        f(&mut i);
        read(&i, &c).expect_err("refused").field
    };
    assert_eq!(field_of(|i| i.oneoff_amount = "12".into()), "oneoff_date");
    assert_eq!(
        field_of(|i| i.oneoff_date = "2026-04-02".into()),
        "oneoff_amount"
    );
    assert_eq!(
        field_of(|i| {
            i.oneoff_amount = "12".into();
            i.oneoff_date = "2026-03-31".into();
        }),
        "oneoff_date"
    );
    assert_eq!(
        field_of(|i| {
            i.oneoff_amount = "12".into();
            i.oneoff_date = "2026-07-01".into();
        }),
        "oneoff_date"
    );
    assert_eq!(
        field_of(|i| i.oneoff_date = "tomorrow".into()),
        "oneoff_date"
    );
    assert_eq!(
        field_of(|i| i.monthly_from = "2026-04-02".into()),
        "monthly_amount"
    );
    assert_eq!(
        field_of(|i| {
            i.monthly_amount = "5".into();
            i.monthly_kind = "weekly".into();
        }),
        "monthly_kind"
    );
    assert_eq!(field_of(|i| i.delay_days = "soon".into()), "delay_days");
    assert_eq!(field_of(|i| i.delay_days = "181".into()), "delay_days");
    assert_eq!(field_of(|i| i.delay_days = "-3".into()), "delay_days");
    assert_eq!(field_of(|i| i.drop = "Someone Else".into()), "drop");
}
