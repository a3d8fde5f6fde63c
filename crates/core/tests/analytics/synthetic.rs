//! A realistic, seasonal small business over 30 months, with exactly one of each planted
//! oddity: a duplicated payment, a large one-off purchase from a new supplier, a utility bill
//! far above its usual, a marketing month far above its median, and a 12% price increase.

use super::books_builder::{Builder, d};
use chrono::{Datelike, NaiveDate, Weekday};
use flowsense_core::{Books, DocKind};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[expect(clippy::cast_precision_loss, reason = "53 random bits, exact in f64")]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly standard normal.
    pub fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.unit()).sum::<f64>() - 6.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

pub struct Planted {
    pub duplicate: (i64, i64),
    pub one_off: i64,
    pub utility_outlier: i64,
    pub marketing_spike_month: NaiveDate,
}

pub const START: (i32, u32, u32) = (2023, 1, 1);
pub const END: (i32, u32, u32) = (2025, 6, 30);

/// Yearly pattern peaking in mid-December.
fn season(date: NaiveDate, amplitude: f64) -> f64 {
    let angle = 2.0 * std::f64::consts::PI * (f64::from(date.ordinal()) - 350.0) / 365.25;
    1.0 + amplitude * angle.cos()
}

#[expect(
    clippy::cast_possible_truncation,
    reason = "test amounts far inside i64's range"
)]
fn cents(x: f64) -> i64 {
    x.round() as i64
}

pub fn seasonal_books(seed: u64) -> (Books, Planted) {
    let mut rng = Rng::new(seed);
    let mut b = Builder::new();
    b.opening("Operating", 8_000_000);
    b.opening("Savings", 2_000_000);
    let start = d(START.0, START.1, START.2);
    let end = d(END.0, END.1, END.2);
    let customers = [
        "Blue Bottle Cafe",
        "Harbor Deli",
        "Corner Bakery",
        "City Hotel",
        "Campus Cafe",
        "Green Grocer",
    ];
    let lateness = [25, 1, 0, 3, 2, 0];
    let vendors = ["Office Depot", "Costco", "Amazon", "Home Depot", "Staples"];
    let mut planted = Planted {
        duplicate: (0, 0),
        one_off: 0,
        utility_outlier: 0,
        marketing_spike_month: d(2025, 4, 1),
    };
    let mut marketing_days: Vec<u32> = Vec::new();
    let mut date = start;
    while date <= end {
        let years = f64::from(u32::try_from((date - start).num_days()).unwrap_or(0)) / 365.25;
        let growth = 1.0 + 0.08 * years;
        // Retail card sales every day, heavier at weekends and in winter.
        let weekday = match date.weekday() {
            Weekday::Sat | Weekday::Sun => 1.4,
            Weekday::Mon => 0.8,
            _ => 1.0,
        };
        let sales = 120_000.0 * season(date, 0.4) * weekday * growth * (1.0 + 0.12 * rng.normal());
        b.txn(date, cents(sales.max(1_000.0)), "Sales", "Card sales");
        // Wholesale invoices every two weeks per customer, net 30, paid with each one's habit.
        for (i, customer) in customers.iter().enumerate() {
            if (date - start).num_days() % 14 == i64::try_from(i).expect("an index") * 2 {
                let amount =
                    cents(300_000.0 * season(date, 0.3) * growth * (1.0 + 0.1 * rng.normal()));
                let due = date + chrono::Days::new(30);
                let paid = due + chrono::Days::new(lateness[i] + rng.below(3));
                let paid = (paid <= end).then_some(paid);
                b.doc(DocKind::Invoice, customer, date, due, paid, amount);
                if let Some(paid) = paid {
                    b.txn(paid, amount, "Wholesale", customer);
                }
            }
        }
        // Supplier bills, paid on the due date.
        if date.day() == 5 {
            for (supplier, base, category) in [
                ("Green Bean Imports", 900_000.0, "Coffee beans"),
                ("Packaging Co", 150_000.0, "Packaging"),
            ] {
                let amount = cents(base * season(date, 0.15) * (1.0 + 0.05 * rng.normal()));
                let due = date + chrono::Days::new(15);
                let paid = (due <= end).then_some(due);
                b.doc(DocKind::Bill, supplier, date, due, paid, amount);
                if let Some(paid) = paid {
                    let id = b.txn(paid, -amount, category, supplier);
                    if supplier == "Packaging Co" && paid == d(2024, 11, 20) {
                        let again = b.txn(d(2024, 11, 22), -amount, category, supplier);
                        planted.duplicate = (id, again);
                    }
                }
            }
        }
        // Recurring outflows.
        if (date - d(2023, 1, 6)).num_days() % 14 == 0 {
            let payroll = 2_100_000.0 * growth.sqrt() * (1.0 + 0.003 * rng.normal());
            b.txn(date, -cents(payroll), "Payroll", "Gusto Payroll");
        }
        if date.day() == 1 {
            b.txn(date, -650_000, "Rent", "Harbor Properties");
        }
        if date.day() == 12 {
            let shopify = if date >= d(2025, 3, 1) {
                -8_848
            } else {
                -7_900
            };
            b.txn(date, shopify, "Software", "Shopify");
        }
        if date.day() == 3 {
            b.txn(date, -3_600, "Software", "Google Workspace");
        }
        if date.month() == 3 && date.day() == 15 {
            b.txn(date, -480_000, "Insurance", "Acme Insurance");
        }
        if date.day() == 20 {
            let late = i64::try_from(rng.below(3)).unwrap_or(0);
            let when = date + chrono::Days::new(late.unsigned_abs());
            if date.year() == 2025 && date.month() == 2 {
                planted.utility_outlier = b.txn(when, -290_000, "Utilities", "City Power");
            } else {
                let power = 42_000.0 * season(date, 0.2) * (1.0 + 0.06 * rng.normal());
                b.txn(when, -cents(power), "Utilities", "City Power");
            }
        }
        if date.day() == 25 {
            b.txn_on(
                date,
                -200_000,
                "Operating",
                "Transfer",
                "Internal transfer",
                true,
            );
            b.txn_on(
                date,
                200_000,
                "Savings",
                "Transfer",
                "Internal transfer",
                true,
            );
        }
        // Irregular small purchases and marketing.
        if rng.unit() < 0.6 {
            let vendor =
                vendors[usize::try_from(rng.below(vendors.len() as u64)).expect("an index")];
            let amount = 2_000 + i64::try_from(rng.below(28_000)).unwrap_or(0);
            b.txn(date, -amount, "Supplies", vendor);
        }
        // Two print runs a month on random days; eight in the campaign month.
        if date.day() == 1 {
            marketing_days = vec![
                1 + day_within(rng.below(14)),
                15 + day_within(rng.below(13)),
            ];
            if date == planted.marketing_spike_month {
                marketing_days.extend([3, 6, 11, 14, 17, 26]);
            }
        }
        for _ in marketing_days.iter().filter(|&&day| day == date.day()) {
            let amount = cents(40_000.0 * (1.0 + 0.3 * (rng.unit() - 0.5)));
            b.txn(date, -amount, "Marketing", "Local Print Shop");
        }
        if date == d(2025, 5, 20) {
            planted.one_off = b.txn(date, -2_400_000, "Equipment", "Espresso Machines Ltd");
        }
        date = date.succ_opt().expect("within range");
    }
    (b.books, planted)
}

/// A day offset drawn below 31.
fn day_within(offset: u64) -> u32 {
    u32::try_from(offset).expect("a day offset")
}
