//! Business profiles: names, defaults, and what makes the dental practice's books look like a
//! dental practice (the shared guarantees are checked for every profile in the other files).

use crate::books_for;
use chrono::{Datelike, Weekday};
use flowsense_core::books::TRANSFER_CATEGORY;
use flowsense_synth::{Cadence, DocKind, GenConfig, GeneratedBooks, Profile};
use std::collections::HashSet;

#[test]
fn profile_names_round_trip() {
    assert_eq!(GenConfig::default().profile, Profile::CoffeeRoaster);
    assert_eq!(GenConfig::new(1, 10).profile, Profile::default());
    for profile in Profile::ALL {
        assert_eq!(profile.as_str().parse::<Profile>(), Ok(profile));
        assert_eq!(profile.to_string(), profile.as_str());
    }
    assert_eq!("dental".parse::<Profile>(), Ok(Profile::DentalPractice));
    assert_eq!(
        "Coffee-Roaster".parse::<Profile>(),
        Ok(Profile::CoffeeRoaster)
    );
    assert!("bakery".parse::<Profile>().is_err());
}

#[test]
fn dental_practice_looks_like_a_dental_practice() {
    for seed in [7, 8] {
        let b = books_for(Profile::DentalPractice, seed, 5_000);
        dental_shape(&b);
    }
}

fn dental_shape(b: &GeneratedBooks) {
    let categories: HashSet<&str> = b.transactions.iter().map(|t| &*t.category).collect();
    for c in [
        "Patient Payments",
        "Insurance Reimbursements",
        "Dental Supplies",
        "Lab Fees",
        "Equipment Lease",
        "Malpractice Insurance",
        "Payroll",
        "Rent",
        "Utilities",
        "Taxes",
    ] {
        assert!(categories.contains(c), "no {c}");
    }
    for c in [
        "Sales",
        "Wholesale Revenue",
        "Cost of Goods Sold",
        "Packaging",
    ] {
        assert!(!categories.contains(c), "a dental practice has {c}");
    }

    // Patient card payments: weekdays, and Saturday mornings on some weeks only.
    let patients: Vec<_> = b
        .transactions
        .iter()
        .filter(|t| &*t.category == "Patient Payments")
        .collect();
    assert!(patients.iter().all(|t| t.date.weekday() != Weekday::Sun));
    let saturdays: HashSet<_> = patients
        .iter()
        .filter(|t| t.date.weekday() == Weekday::Sat)
        .map(|t| t.date)
        .collect();
    let weeks = (b.end - b.start).num_days() / 7;
    assert!(
        saturdays.len() > 10 && i64::try_from(saturdays.len()).expect("a count") < weeks * 2 / 3
    );
    let settlements: Vec<_> = b
        .transactions
        .iter()
        .filter(|t| &*t.description == "Card terminal settlement")
        .collect();
    assert!(settlements.len() > 300);
    assert!(
        settlements
            .iter()
            .all(|t| !matches!(t.date.weekday(), Weekday::Sat | Weekday::Sun))
    );

    // Insurers are invoiced and pay late by habit, some very late.
    let insurers: HashSet<&str> = b
        .documents
        .iter()
        .filter(|d| d.kind == DocKind::Invoice)
        .map(|d| &*d.counterparty)
        .collect();
    for name in [
        "Delta Dental",
        "Cigna Dental",
        "MetLife Dental",
        "Aetna Dental",
    ] {
        assert!(insurers.contains(name), "no claims to {name}");
    }
    assert!(b.truth.late_payers.len() >= 2);
    assert!(
        b.truth
            .late_payers
            .iter()
            .any(|l| l.typical_days_late >= 30)
    );
    assert!(
        b.truth
            .late_payers
            .iter()
            .all(|l| insurers.contains(l.name.as_str()))
    );

    // Supplies from the big dealers, crowns and dentures from labs.
    let billed = |category: &str| -> HashSet<&str> {
        b.transactions
            .iter()
            .filter(|t| &*t.category == category && t.account.contains("Checking"))
            .map(|t| &*t.counterparty)
            .collect()
    };
    let dealers = billed("Dental Supplies");
    assert!(dealers.contains("Henry Schein") && dealers.contains("Patterson Dental"));
    assert!(billed("Lab Fees").len() >= 2);

    // The calendar and the plants speak dentistry.
    let series = |category: &str| {
        b.truth
            .recurring
            .iter()
            .find(|s| s.category == category)
            .unwrap_or_else(|| panic!("no {category} series"))
    };
    assert_eq!(series("Equipment Lease").cadence, Cadence::Monthly);
    assert_eq!(series("Malpractice Insurance").cadence, Cadence::Yearly);
    assert_eq!(series("Payroll").cadence, Cadence::Biweekly);
    let software: HashSet<&str> = b
        .truth
        .recurring
        .iter()
        .filter(|s| s.category == "Software")
        .map(|s| s.counterparty.as_str())
        .collect();
    assert!(software.contains("Dentrix Ascend") && software.contains("Weave"));
    assert!(software.contains(b.truth.price_increase.counterparty.as_str()));
    let big = &b.truth.large_purchase;
    assert_eq!(big.counterparty, "Align Technology");
    let line = b
        .transactions
        .iter()
        .find(|t| t.reference == big.reference)
        .expect("the purchase");
    assert!(line.description.contains("iTero"));
    assert!(b.truth.abnormal_month.is_some());

    // More patients in December (benefits expire) than in July; roughly sustainable overall.
    let visits = |y: i32, m: u32| {
        patients
            .iter()
            .filter(|t| (t.date.year(), t.date.month()) == (y, m))
            .count()
    };
    assert!(
        visits(2024, 12) * 10 > visits(2024, 7) * 12,
        "{} in December, {} in July",
        visits(2024, 12),
        visits(2024, 7)
    );
    let (mut income, mut net) = (0i64, 0i64);
    for t in b
        .transactions
        .iter()
        .filter(|t| &*t.category != TRANSFER_CATEGORY)
    {
        income += t.amount_minor.max(0);
        net += t.amount_minor;
    }
    assert!(net.abs() < income / 5, "net {net} on income {income}");
}
