use super::books_builder::{Builder, d};
use flowsense_core::DocKind;
use flowsense_core::analytics::{Period, RunwayStatus, aging, cash_position, cashflow, runway};

#[test]
fn transfers_move_balances_but_are_not_cash_flow() {
    let mut b = Builder::new();
    b.opening("Operating", 100_000);
    b.opening("Savings", 5_000);
    b.txn(d(2024, 1, 1), 20_000, "Sales", "Shop");
    b.txn_on(
        d(2024, 1, 2),
        -30_000,
        "Operating",
        "Transfer",
        "Internal",
        true,
    );
    b.txn_on(
        d(2024, 1, 2),
        30_000,
        "Savings",
        "Transfer",
        "Internal",
        true,
    );
    b.txn(d(2024, 1, 4), -1_000, "Fees", "Bank");
    let flow = cashflow(&b.books, None, None, Period::Day);
    assert_eq!(
        (flow.total.inflow, flow.total.outflow, flow.total.net),
        (20_000, -1_000, 19_000)
    );
    assert_eq!(flow.periods.len(), 4);
    assert!(flow.by_category.iter().all(|c| c.name != "Transfer"));

    let position = cash_position(&b.books, None, None);
    assert_eq!(position.accounts, vec!["Operating", "Savings"]);
    let balances: Vec<(Vec<i64>, i64)> = position
        .days
        .iter()
        .map(|p| (p.balances.clone(), p.total))
        .collect();
    assert_eq!(
        balances,
        vec![
            (vec![120_000, 5_000], 125_000),
            (vec![90_000, 35_000], 125_000),
            (vec![90_000, 35_000], 125_000),
            (vec![89_000, 35_000], 124_000),
        ]
    );
}

#[test]
fn weeks_start_on_monday_and_months_on_the_first() {
    let mut b = Builder::new();
    b.txn(d(2024, 1, 3), 100, "Sales", "A"); // Wednesday
    b.txn(d(2024, 1, 8), 200, "Sales", "A"); // next Monday
    b.txn(d(2024, 2, 29), -50, "Fees", "B");
    let weeks = cashflow(
        &b.books,
        Some(d(2024, 1, 1)),
        Some(d(2024, 1, 14)),
        Period::Week,
    );
    let starts: Vec<_> = weeks
        .periods
        .iter()
        .map(|p| (p.start, p.end, p.flow.net))
        .collect();
    assert_eq!(
        starts,
        vec![
            (d(2024, 1, 1), d(2024, 1, 7), 100),
            (d(2024, 1, 8), d(2024, 1, 14), 200)
        ]
    );
    let months = cashflow(&b.books, None, None, Period::Month);
    assert_eq!(months.periods.len(), 2);
    assert_eq!(months.periods[1].start, d(2024, 2, 1));
    assert_eq!(months.periods[1].by_category[0].name, "Fees");
}

#[test]
fn ages_receivables_and_payables_into_buckets() {
    let mut b = Builder::new();
    let as_of = d(2024, 6, 30);
    for (days_past_due, amount) in [
        (0, 1_000),
        (-10, 2_000),
        (15, 3_000),
        (45, 4_000),
        (75, 5_000),
        (120, 6_000),
    ] {
        let due = as_of - chrono::Days::new(0) - chrono::TimeDelta::days(days_past_due);
        b.doc(
            DocKind::Invoice,
            "Late Larry",
            due - chrono::Days::new(30),
            due,
            None,
            amount,
        );
    }
    b.doc(
        DocKind::Invoice,
        "Prompt Pat",
        d(2024, 6, 1),
        d(2024, 7, 1),
        Some(d(2024, 7, 3)),
        9_000,
    );
    b.doc(
        DocKind::Bill,
        "Supplier",
        d(2024, 6, 1),
        d(2024, 6, 20),
        None,
        700,
    );
    b.doc(
        DocKind::Bill,
        "Supplier",
        d(2024, 5, 1),
        d(2024, 5, 20),
        Some(d(2024, 5, 20)),
        800,
    );
    for (n, late) in [20, 30, 25].into_iter().enumerate() {
        let due = d(2024, 1, 10) + chrono::Months::new(u32::try_from(n).expect("a month"));
        b.doc(
            DocKind::Invoice,
            "Late Larry",
            due - chrono::Days::new(30),
            due,
            Some(due + chrono::Days::new(late)),
            10_000,
        );
        b.doc(
            DocKind::Invoice,
            "Prompt Pat",
            due - chrono::Days::new(30),
            due,
            Some(due),
            1_000,
        );
    }
    let report = aging(&b.books, as_of);
    // Prompt Pat's June invoice is paid only after as_of, so it is still open and current.
    assert_eq!(
        report.receivables.buckets,
        vec![1_000 + 2_000 + 9_000, 3_000, 4_000, 5_000, 6_000]
    );
    assert_eq!(report.receivables.total, 30_000);
    assert_eq!(report.payables.buckets, vec![0, 700, 0, 0, 0]);
    assert_eq!(report.late_payers.len(), 1);
    assert_eq!(report.late_payers[0].customer, "Late Larry");
    assert_eq!(report.late_payers[0].median_days_late, 25);
    assert_eq!(report.late_payers[0].overdue_amount, 18_000);
    // Revenue over the last year: Larry 21,000 + 30,000, Pat 9,000 + 3,000.
    let c = &report.concentration;
    assert_eq!(c.revenue, 63_000);
    assert_eq!(c.top1_bp, 8_095);
    assert_eq!(c.top3_bp, 10_000);
    assert!(report.dso_days.is_some());
}

fn months_of_net(net_per_month: i64, opening: i64) -> Builder {
    let mut b = Builder::new();
    b.opening("Operating", opening);
    for m in 1..=6u32 {
        b.txn(d(2024, m, 1), 50_000, "Sales", "Shop");
        b.txn(d(2024, m, 15), -50_000 + net_per_month, "Costs", "Vendor");
    }
    b
}

#[test]
fn runway_when_burning() {
    let b = months_of_net(-10_000, 160_000);
    let report = runway(&b.books, d(2024, 6, 20));
    assert_eq!(report.cash_now, 100_000);
    let RunwayStatus::Burning {
        average_monthly_burn,
        months_of_runway,
        cash_runs_out_on,
    } = report.status
    else {
        panic!("expected burning, got {:?}", report.status);
    };
    assert_eq!(average_monthly_burn, 10_000);
    assert!((months_of_runway - 10.0).abs() < 1e-9);
    assert_eq!(cash_runs_out_on, d(2025, 4, 20));
    assert_eq!(
        report.months.iter().map(|m| m.month).collect::<Vec<_>>(),
        vec![d(2024, 3, 1), d(2024, 4, 1), d(2024, 5, 1)]
    );
}

#[test]
fn runway_when_not_burning_or_out_of_cash_or_too_new() {
    let b = months_of_net(3_000, 0);
    assert_eq!(
        runway(&b.books, d(2024, 6, 20)).status,
        RunwayStatus::NotBurning {
            average_monthly_net_inflow: 3_000
        }
    );
    let b = months_of_net(-10_000, 0);
    assert_eq!(
        runway(&b.books, d(2024, 6, 20)).status,
        RunwayStatus::OutOfCash {
            average_monthly_burn: 10_000
        }
    );
    assert_eq!(
        runway(&b.books, d(2024, 3, 20)).status,
        RunwayStatus::InsufficientHistory
    );
}

#[test]
fn runway_uses_rollups_where_raw_transactions_were_purged() {
    let mut b = Builder::new();
    b.opening("Operating", 90_000);
    for m in 1..=3u32 {
        b.rollup(d(2024, m, 1), "Sales", 10_000, -40_000);
        b.rollup(d(2024, m, 1), "Transfer", 99_000, -99_000);
    }
    b.txn(d(2024, 4, 2), 1, "Sales", "Shop");
    let report = runway(&b.books, d(2024, 4, 2));
    assert!(report.months.iter().all(|m| m.source == "rollups"));
    assert!(matches!(
        report.status,
        RunwayStatus::Burning {
            average_monthly_burn: 30_000,
            ..
        }
    ));
}
