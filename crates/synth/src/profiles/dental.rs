//! The dental practice: patient card payments at the front desk (weekdays, and Saturday
//! mornings twice a month), insurance reimbursements that arrive late by habit, dental
//! supplies and lab bills, and its calendar (payroll for hygienists and assistants, rent, an
//! equipment lease, practice software, malpractice insurance, taxes).

use super::{BillKind, Invoices, Kind, Mix, Sales, Spec};
use crate::categories::{Cat, cat};
use crate::generate::fixed::{
    first_on, odd_cents, savings, series, series_varying, subscriptions, yearly_dates,
};
use crate::generate::{CHECKING, Gen, cents, every_days, monthly_dates, on_weekday};
use crate::model::Cadence;
use crate::names::{Trade, Who};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use rand::Rng;

/// Insurers, in order: the first always pays very late, the second late, the rest by chance.
const INSURERS: &[&str] = &[
    "MetLife Dental",
    "Delta Dental",
    "Cigna Dental",
    "Aetna Dental",
    "Guardian Dental",
    "United Concordia",
    "Humana Dental",
    "Ameritas Dental",
];

const SUPPLY_DEALERS: &[&str] = &[
    "Henry Schein",
    "Patterson Dental",
    "Benco Dental",
    "Darby Dental Supply",
];

pub(super) static SPEC: Spec = Spec {
    accounts: [
        "Operating Checking",
        "Practice Savings",
        "Practice Credit Card",
        "Card Terminal Clearing",
    ],
    mix: Mix {
        fixed_per_month: 95.0,
        small_variable_per_month: 300.0,
        sales: 0.55,
        card: 0.10,
        misc: 0.08,
        invoices: 0.14,
        bills: 0.13,
        sale_lo: 2_000.0,
        sale_hi: 90_000.0,
        retail_share: 0.45,
    },
    // Quiet in January (deductibles reset) and July (vacations); busy in the autumn and
    // December, when patients use the year's benefits before they expire.
    month_factor: [
        0.90, 0.95, 1.02, 1.00, 1.00, 0.96, 0.86, 0.95, 1.00, 1.05, 1.12, 1.18,
    ],
    weekday_factor,
    sales: Sales {
        customers: 900.0,
        category: cat::PatientPayments,
        processor: "Clover",
        channels: [
            "Treatment plan payment",
            "Patient balance payment",
            "Copay at checkout",
        ],
        fee_desc: "Card terminal fees",
        payout_desc: "Card terminal settlement",
        fee_permille: 26,
        fee_fixed: 10,
    },
    invoices: Invoices {
        customers: Who::Named(INSURERS),
        category: cat::InsuranceReimbursements,
        late_odds: (0.25, 0.70),
        prefix: "CLM",
        desc: "Insurance payment for claim",
    },
    bills: [
        BillKind {
            category: cat::DentalSupplies,
            who: Who::Named(SUPPLY_DEALERS),
            suppliers: 4.0,
            count_share: 0.50,
            revenue_share: 0.065,
            terms: 30,
        },
        BillKind {
            category: cat::LabFees,
            who: Who::Trade(Trade::DentalLab),
            suppliers: 3.0,
            count_share: 0.42,
            revenue_share: 0.085,
            terms: 30,
        },
        BillKind {
            category: cat::OfficeSupplies,
            who: Who::Trade(Trade::Office),
            suppliers: 2.0,
            count_share: 0.08,
            revenue_share: 0.004,
            terms: 15,
        },
    ],
    card_kinds: CARD_KINDS,
    checking_kinds: CHECKING_KINDS,
    card_share: 0.06,
    checking_share: 0.05,
    abnormal: (cat::Marketing, "New-patient mailer campaign"),
    large_purchase: (
        Who::Named(&["Align Technology"]),
        "iTero Element intraoral scanner",
    ),
    calendar,
};

/// Open Monday to Friday, and Saturday mornings on the first and third Saturdays (the factors
/// average about 1 over a week, like the roaster's).
fn weekday_factor(date: NaiveDate) -> f64 {
    match date.weekday() {
        Weekday::Mon | Weekday::Wed => 1.35,
        Weekday::Tue | Weekday::Thu => 1.45,
        Weekday::Fri => 1.05,
        Weekday::Sat if matches!(date.day(), 1..=7 | 15..=21) => 0.65,
        Weekday::Sat | Weekday::Sun => 0.0,
    }
}

#[rustfmt::skip]
const CARD_KINDS: &[Kind] = &[
    (cat::Meals, Trade::Restaurant, 20.0, 1_500.0, 15_000.0, "Staff lunch"),
    (cat::OfficeSupplies, Trade::Office, 12.0, 1_000.0, 25_000.0, "Office supplies"),
    (cat::DentalSupplies, Trade::MedicalSupply, 10.0, 1_500.0, 20_000.0, "Clinical sundries"),
    (cat::Marketing, Trade::Media, 8.0, 5_000.0, 120_000.0, "Local marketing"),
    (cat::Advertising, Trade::Media, 8.0, 2_000.0, 60_000.0, "Online ads"),
    (cat::Postage, Trade::Office, 5.0, 500.0, 5_000.0, "Postage"),
    (cat::Software, Trade::Software, 3.0, 500.0, 15_000.0, "App purchase"),
    (cat::Training, Trade::Training, 3.0, 10_000.0, 150_000.0, "Continuing education course"),
    (cat::Travel, Trade::Travel, 3.0, 9_000.0, 90_000.0, "Dental conference travel"),
    (cat::Uniforms, Trade::Retailer, 2.0, 4_000.0, 30_000.0, "Scrubs"),
    (cat::Memberships, Trade::Association, 1.0, 20_000.0, 80_000.0, "Dental society dues"),
    (cat::Entertainment, Trade::Restaurant, 1.0, 5_000.0, 40_000.0, "Patient appreciation event"),
    (cat::Donations, Trade::Charity, 1.0, 2_500.0, 50_000.0, "School sponsorship"),
];

#[rustfmt::skip]
const CHECKING_KINDS: &[Kind] = &[
    (cat::Repairs, Trade::Repair, 15.0, 15_000.0, 200_000.0, "Repair work"),
    (cat::Maintenance, Trade::DentalEquipment, 15.0, 8_000.0, 80_000.0, "Equipment maintenance visit"),
    (cat::Contractors, Trade::ItServices, 12.0, 20_000.0, 250_000.0, "IT support"),
    (cat::Legal, Trade::Law, 4.0, 30_000.0, 300_000.0, "Legal services"),
    (cat::Equipment, Trade::DentalEquipment, 8.0, 20_000.0, 300_000.0, "Small equipment"),
    (cat::Licenses, Trade::Permits, 3.0, 5_000.0, 60_000.0, "License renewal"),
    (cat::Security, Trade::Alarm, 5.0, 8_000.0, 40_000.0, "Alarm monitoring"),
    (cat::EmployeeBenefits, Trade::Insurer, 10.0, 20_000.0, 150_000.0, "Staff health benefits"),
];

/// Practice software on the card; Weave raises its price.
const SUBSCRIPTIONS: &[(Who, &str, i64)] = &[
    (
        Who::Named(&["Dentrix Ascend"]),
        "Practice management",
        45_900,
    ),
    (Who::Named(&["Weave"]), "Patient communications", 39_900),
    (
        Who::Named(&["Dental Intelligence"]),
        "Practice analytics",
        29_900,
    ),
    (Who::Named(&["RevenueWell"]), "Patient marketing", 17_900),
    (
        Who::Named(&["DentalXChange"]),
        "Claims clearinghouse",
        9_900,
    ),
    (Who::Named(&["Microsoft 365"]), "Office suite", 2_200),
];
const PRICE_RAISER: usize = 1;

const STREAM: u64 = 1;

/// A fixed-amount series paid from checking.
fn fixed(
    g: &mut Gen,
    cp: u32,
    cat: Cat,
    cadence: Cadence,
    dates: &[NaiveDate],
    amount: i64,
    desc: &str,
) {
    series(g, (cp, cat, CHECKING), cadence, dates, |_| amount, desc);
}

/// Payroll, rent, the equipment lease, software, utilities, cleaning, taxes, malpractice
/// insurance, savings.
fn calendar(g: &mut Gen) {
    let mut rng = g.rng(STREAM);
    let plan = g.plan.clone();
    let r = plan.revenue;

    // Biweekly payroll on Fridays: dentists' associates, hygienists, assistants, front desk.
    let payroll = g.names.business(&mut rng, Trade::Payroll);
    let run = -odd_cents(&mut rng, r * 0.38 * 12.0 / 26.0);
    let dates = every_days(&plan, first_on(plan.start, Weekday::Fri), 14);
    let desc = "Payroll run: hygienists, assistants, front desk";
    fixed(
        g,
        payroll,
        cat::Payroll,
        Cadence::Biweekly,
        &dates,
        run,
        desc,
    );

    // Payroll taxes follow each month, varying a little.
    let tax_office = g.names.fixed("State Employment Tax Office");
    let dates = monthly_dates(&plan, 20, 1);
    let amounts: Vec<i64> = dates
        .iter()
        .map(|_| -cents(r * 0.035 * rng.random_range(0.95..1.05)))
        .collect();
    let key = (tax_office, cat::PayrollTaxes, CHECKING);
    let desc = "Payroll tax deposit";
    series_varying(g, key, Cadence::Monthly, &dates, &amounts, desc);

    // Rent on the 1st; the chairs and imaging are leased, paid on the 5th.
    let landlord = g.names.business(&mut rng, Trade::Landlord);
    let rent = -cents((r * 0.06 / 5_000.0).round() * 5_000.0);
    let dates = monthly_dates(&plan, 1, 1);
    fixed(
        g,
        landlord,
        cat::Rent,
        Cadence::Monthly,
        &dates,
        rent,
        "Office rent",
    );
    let lessor = g.names.business(&mut rng, Trade::Lessor);
    let lease = -odd_cents(&mut rng, r * 0.025);
    let dates = monthly_dates(&plan, 5, 1);
    let desc = "Equipment lease: chairs and imaging";
    fixed(
        g,
        lessor,
        cat::EquipmentLease,
        Cadence::Monthly,
        &dates,
        lease,
        desc,
    );

    let seats = subscriptions(g, &mut rng, SUBSCRIPTIONS, PRICE_RAISER);

    // Utilities: internet fixed, electricity higher with summer air conditioning, medical
    // waste pickup fixed.
    let isp = g.names.business(&mut rng, Trade::Telecom);
    let internet = -odd_cents(&mut rng, 15_000.0 * seats);
    let dates = monthly_dates(&plan, 8, 1);
    fixed(
        g,
        isp,
        cat::Internet,
        Cadence::Monthly,
        &dates,
        internet,
        "Business fiber",
    );
    let power = g.names.business(&mut rng, Trade::Power);
    let dates = monthly_dates(&plan, 12, 1);
    let amounts: Vec<i64> = dates
        .iter()
        .map(|d| {
            let summer = if matches!(d.month(), 6..=8) {
                1.3
            } else {
                0.95
            };
            -cents(r * 0.01 * summer * rng.random_range(0.92..1.08))
        })
        .collect();
    let key = (power, cat::Utilities, CHECKING);
    series_varying(
        g,
        key,
        Cadence::Monthly,
        &dates,
        &amounts,
        "Electricity and gas",
    );
    let waste = g.names.fixed("Stericycle");
    let pickup = -odd_cents(&mut rng, 18_500.0 * seats);
    let dates = monthly_dates(&plan, 25, 1);
    let desc = "Biohazard and sharps pickup";
    fixed(
        g,
        waste,
        cat::WasteDisposal,
        Cadence::Monthly,
        &dates,
        pickup,
        desc,
    );

    // Weekly cleaning on Mondays, bookkeeping, the bank's service fee.
    let cleaner = g.names.business(&mut rng, Trade::Cleaning);
    let clean = -odd_cents(&mut rng, r * 0.006 * 12.0 / 52.0);
    let dates = every_days(&plan, first_on(plan.start, Weekday::Mon), 7);
    let desc = "Weekly office cleaning";
    fixed(
        g,
        cleaner,
        cat::Cleaning,
        Cadence::Weekly,
        &dates,
        clean,
        desc,
    );
    let accountant = g.names.business(&mut rng, Trade::Accountant);
    let retainer = -cents((r * 0.01 / 2_500.0).round().max(1.0) * 2_500.0);
    let dates = monthly_dates(&plan, 3, 1);
    let desc = "Bookkeeping retainer";
    fixed(
        g,
        accountant,
        cat::ProfessionalFees,
        Cadence::Monthly,
        &dates,
        retainer,
        desc,
    );
    let bank = g.names.business(&mut rng, Trade::Bank);
    let dates = monthly_dates(&plan, 28, 1);
    fixed(
        g,
        bank,
        cat::BankFees,
        Cadence::Monthly,
        &dates,
        -2_500,
        "Monthly service fee",
    );

    // Quarterly estimated tax on the 15th of Jan/Apr/Jul/Oct; malpractice cover yearly.
    let treasury = g.names.fixed("US Treasury");
    let quarterly = -cents((r * 0.10 / 100.0).round() * 100.0);
    let dates = monthly_dates(&plan, 15, 3);
    let desc = "Quarterly estimated tax";
    fixed(
        g,
        treasury,
        cat::Taxes,
        Cadence::Quarterly,
        &dates,
        quarterly,
        desc,
    );
    let insurer = g.names.fixed("The Dentists Insurance Company");
    let premium = -odd_cents(&mut rng, r * 0.08);
    let first = on_weekday(plan.start.with_day(20).unwrap_or(plan.start) + Days::new(14));
    let dates = yearly_dates(&plan, first.max(plan.start));
    let desc = "Professional liability (malpractice) premium";
    let key = cat::MalpracticeInsurance;
    fixed(g, insurer, key, Cadence::Yearly, &dates, premium, desc);

    savings(g, &mut rng);
}
