//! The coffee roaster: retail card sales (cafe counter, farmers markets, online shop),
//! wholesale invoices to cafes, green coffee, packaging and freight bills, and its calendar.

use super::{BillKind, Invoices, Kind, Mix, Sales, Spec};
use crate::categories::cat;
use crate::generate::fixed::{
    first_on, odd_cents, savings, series, series_varying, subscriptions, yearly_dates,
};
use crate::generate::{CHECKING, Gen, cents, every_days, monthly_dates, on_weekday};
use crate::model::Cadence;
use crate::names::{Trade, Who};
use chrono::{Datelike, NaiveDate, Weekday};
use rand::Rng;

pub(super) static SPEC: Spec = Spec {
    accounts: [
        "Operating Checking",
        "Business Savings",
        "Business Credit Card",
        "Stripe Clearing",
    ],
    mix: Mix {
        fixed_per_month: 100.0,
        small_variable_per_month: 500.0,
        sales: 0.70,
        card: 0.10,
        misc: 0.07,
        invoices: 0.06,
        bills: 0.07,
        sale_lo: 1_200.0,
        sale_hi: 40_000.0,
        retail_share: 0.65,
    },
    // A quiet late winter and summer, a Q4 peak.
    month_factor: [
        0.85, 0.82, 0.92, 0.95, 0.97, 0.88, 0.84, 0.86, 0.98, 1.08, 1.30, 1.55,
    ],
    weekday_factor,
    sales: Sales {
        customers: 250.0,
        category: cat::Sales,
        processor: "Stripe",
        channels: ["Cafe counter sale", "Farmers market sale", "Online order"],
        fee_desc: "Processing fees",
        payout_desc: "Stripe payout",
        fee_permille: 29,
        fee_fixed: 30,
    },
    invoices: Invoices {
        customers: Who::Trade(Trade::Cafe),
        category: cat::WholesaleRevenue,
        late_odds: (0.15, 0.40),
        prefix: "INV",
        desc: "Payment for invoice",
    },
    bills: [
        bill(cat::Cogs, Trade::CoffeeImporter, 4.0, 0.70, 0.22, 30),
        bill(cat::Packaging, Trade::Packaging, 3.0, 0.18, 0.04, 15),
        bill(cat::Shipping, Trade::Freight, 2.0, 0.12, 0.02, 15),
    ],
    card_kinds: CARD_KINDS,
    checking_kinds: CHECKING_KINDS,
    card_share: 0.10,
    checking_share: 0.06,
    abnormal: (cat::Marketing, "Trade show campaign"),
    large_purchase: (Who::Trade(Trade::Equipment), "New roasting line"),
    calendar,
};

const fn bill(
    category: crate::categories::Cat,
    trade: Trade,
    suppliers: f64,
    count_share: f64,
    revenue_share: f64,
    terms: u64,
) -> BillKind {
    BillKind {
        category,
        who: Who::Trade(trade),
        suppliers,
        count_share,
        revenue_share,
        terms,
    }
}

/// Saturday is the big day.
fn weekday_factor(date: NaiveDate) -> f64 {
    const FACTOR: [f64; 7] = [0.85, 0.90, 0.95, 1.00, 1.15, 1.35, 0.80];
    FACTOR[date.weekday().num_days_from_monday() as usize]
}

#[rustfmt::skip]
const CARD_KINDS: &[Kind] = &[
    (cat::Meals, Trade::Restaurant, 25.0, 1_500.0, 12_000.0, "Team lunch"),
    (cat::Travel, Trade::Travel, 8.0, 9_000.0, 90_000.0, "Travel"),
    (cat::OfficeSupplies, Trade::Office, 12.0, 1_000.0, 30_000.0, "Office supplies"),
    (cat::ShopSupplies, Trade::Retailer, 10.0, 2_000.0, 40_000.0, "Roastery supplies"),
    (cat::Marketing, Trade::Media, 8.0, 5_000.0, 150_000.0, "Marketing"),
    (cat::Advertising, Trade::Media, 6.0, 2_000.0, 50_000.0, "Online ads"),
    (cat::Shipping, Trade::Freight, 10.0, 800.0, 15_000.0, "Outbound shipping"),
    (cat::Postage, Trade::Office, 6.0, 500.0, 6_000.0, "Postage"),
    (cat::Fuel, Trade::FuelStation, 8.0, 3_000.0, 9_000.0, "Fuel"),
    (cat::Software, Trade::Software, 3.0, 500.0, 20_000.0, "App purchase"),
    (cat::Entertainment, Trade::Restaurant, 2.0, 5_000.0, 40_000.0, "Client entertainment"),
    (cat::Uniforms, Trade::Retailer, 1.0, 4_000.0, 30_000.0, "Staff aprons"),
    (cat::Training, Trade::Training, 1.0, 5_000.0, 60_000.0, "Barista course"),
    (cat::Memberships, Trade::Association, 1.0, 10_000.0, 50_000.0, "Association dues"),
    (cat::Donations, Trade::Charity, 1.0, 2_500.0, 50_000.0, "Community sponsorship"),
];

#[rustfmt::skip]
const CHECKING_KINDS: &[Kind] = &[
    (cat::Repairs, Trade::Repair, 20.0, 15_000.0, 250_000.0, "Repair work"),
    (cat::Maintenance, Trade::Repair, 15.0, 8_000.0, 80_000.0, "Maintenance visit"),
    (cat::Contractors, Trade::Staffing, 15.0, 20_000.0, 300_000.0, "Contract work"),
    (cat::Legal, Trade::Law, 5.0, 30_000.0, 400_000.0, "Legal services"),
    (cat::Equipment, Trade::Equipment, 10.0, 20_000.0, 400_000.0, "Equipment"),
    (cat::Vehicle, Trade::Garage, 8.0, 5_000.0, 120_000.0, "Van service"),
    (cat::Licenses, Trade::Permits, 3.0, 5_000.0, 60_000.0, "Permit renewal"),
    (cat::Security, Trade::Alarm, 6.0, 8_000.0, 40_000.0, "Alarm monitoring"),
    (cat::EmployeeBenefits, Trade::Insurer, 8.0, 20_000.0, 150_000.0, "Staff benefits"),
];

const STREAM: u64 = 1;

/// The SaaS tools the business pays for monthly: vendor, what for, list price in cents.
const SUBSCRIPTIONS: &[(Who, &str, i64)] = &[
    (SAAS, "Email Marketing", 4_900),
    (SAAS, "Point of Sale", 8_900),
    (SAAS, "Accounting", 6_500),
    (SAAS, "Design Suite", 5_499),
    (SAAS, "Team Chat", 1_250),
    (SAAS, "Online Store", 29_900),
    (SAAS, "Cloud Storage", 1_999),
];
const SAAS: Who = Who::Trade(Trade::Software);

/// Index of the subscription that raises its price partway through.
const PRICE_RAISER: usize = 5;

/// Payroll, rent, subscriptions, utilities, cleaning, taxes, insurance, savings.
fn calendar(g: &mut Gen) {
    let mut rng = g.rng(STREAM);
    let plan = g.plan.clone();
    let r = plan.revenue;

    // Biweekly payroll on Fridays, one provider, a fixed amount.
    let payroll = g.names.business(&mut rng, Trade::Payroll);
    let first_friday = first_on(plan.start, Weekday::Fri);
    let run = -odd_cents(&mut rng, r * 0.27 * 12.0 / 26.0);
    let dates = every_days(&plan, first_friday, 14);
    series(
        g,
        (payroll, cat::Payroll, CHECKING),
        Cadence::Biweekly,
        &dates,
        |_| run,
        "Payroll run",
    );

    // Payroll taxes follow each month, varying a little.
    let tax_office = g.names.fixed("State Employment Tax Office");
    let dates = monthly_dates(&plan, 20, 1);
    let base = r * 0.03;
    let amounts: Vec<i64> = dates
        .iter()
        .map(|_| -cents(base * rng.random_range(0.95..1.05)))
        .collect();
    series_varying(
        g,
        (tax_office, cat::PayrollTaxes, CHECKING),
        Cadence::Monthly,
        &dates,
        &amounts,
        "Payroll tax deposit",
    );

    // Rent on the 1st.
    let landlord = g.names.business(&mut rng, Trade::Landlord);
    let rent = -cents((r * 0.07 / 5_000.0).round() * 5_000.0);
    let dates = monthly_dates(&plan, 1, 1);
    series(
        g,
        (landlord, cat::Rent, CHECKING),
        Cadence::Monthly,
        &dates,
        |_| rent,
        "Monthly rent",
    );

    // Subscriptions on the card, seats growing with the business; one raises its price ~12%.
    let seats = subscriptions(g, &mut rng, SUBSCRIPTIONS, PRICE_RAISER);

    // Utilities: internet fixed, electricity varying with the season, waste fixed.
    let isp = g.names.business(&mut rng, Trade::Telecom);
    let internet = -odd_cents(&mut rng, 12_000.0 * seats);
    series(
        g,
        (isp, cat::Internet, CHECKING),
        Cadence::Monthly,
        &monthly_dates(&plan, 8, 1),
        |_| internet,
        "Business fiber",
    );
    let power = g.names.business(&mut rng, Trade::Power);
    let dates = monthly_dates(&plan, 12, 1);
    let amounts: Vec<i64> = dates
        .iter()
        .map(|d| {
            let winter = if matches!(d.month(), 12 | 1 | 2 | 7 | 8) {
                1.25
            } else {
                0.9
            };
            -cents(r * 0.018 * winter * rng.random_range(0.92..1.08))
        })
        .collect();
    series_varying(
        g,
        (power, cat::Utilities, CHECKING),
        Cadence::Monthly,
        &dates,
        &amounts,
        "Electricity",
    );
    let waste = g.names.business(&mut rng, Trade::Waste);
    let pickup = -odd_cents(&mut rng, 9_500.0 * seats);
    series(
        g,
        (waste, cat::WasteDisposal, CHECKING),
        Cadence::Monthly,
        &monthly_dates(&plan, 25, 1),
        |_| pickup,
        "Waste pickup",
    );

    // Weekly cleaning on Mondays.
    let cleaner = g.names.business(&mut rng, Trade::Cleaning);
    let monday = first_on(plan.start, Weekday::Mon);
    let clean = -odd_cents(&mut rng, r * 0.008 * 12.0 / 52.0);
    series(
        g,
        (cleaner, cat::Cleaning, CHECKING),
        Cadence::Weekly,
        &every_days(&plan, monday, 7),
        |_| clean,
        "Weekly cleaning",
    );

    // Bookkeeping retainer, bank service fee.
    let accountant = g.names.business(&mut rng, Trade::Accountant);
    let retainer = -cents((r * 0.012 / 2_500.0).round().max(1.0) * 2_500.0);
    series(
        g,
        (accountant, cat::ProfessionalFees, CHECKING),
        Cadence::Monthly,
        &monthly_dates(&plan, 3, 1),
        |_| retainer,
        "Bookkeeping retainer",
    );
    let bank = g.names.business(&mut rng, Trade::Bank);
    series(
        g,
        (bank, cat::BankFees, CHECKING),
        Cadence::Monthly,
        &monthly_dates(&plan, 28, 1),
        |_| -2_500,
        "Monthly service fee",
    );

    // Quarterly sales tax on the 15th of Jan/Apr/Jul/Oct; yearly insurance.
    let revenue_office = g.names.fixed("State Department of Revenue");
    let quarterly = -cents((r * 0.12 / 100.0).round() * 100.0);
    series(
        g,
        (revenue_office, cat::Taxes, CHECKING),
        Cadence::Quarterly,
        &monthly_dates(&plan, 15, 3),
        |_| quarterly,
        "Quarterly sales tax",
    );
    let insurer = g.names.business(&mut rng, Trade::Insurer);
    let premium = -odd_cents(&mut rng, r * 0.18);
    let first = on_weekday(
        plan.start
            .with_day(10)
            .unwrap_or(plan.start)
            .max(plan.start)
            + chrono::Days::new(30),
    );
    let yearly = yearly_dates(&plan, first);
    series(
        g,
        (insurer, cat::Insurance, CHECKING),
        Cadence::Yearly,
        &yearly,
        |_| premium,
        "Annual business insurance",
    );

    savings(g, &mut rng);
}
