//! The generator: independent streams of bank lines, then planting, then finishing.

mod cash;
mod documents;
mod finish;
pub(crate) mod fixed;
mod plant;
mod sales;
mod spend;

use crate::categories::{Cat, cat};
use crate::config::{GenConfig, GenError, Plan};
use crate::model::{Cadence, DocKind, GeneratedBooks};
use crate::names::NameRegistry;
use crate::profiles::Spec;
use chrono::{Datelike, Months, NaiveDate, Weekday};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::sync::Arc;

/// Which of a profile's bank accounts a line is on: an index into its accounts, in this order.
pub(crate) type AccountIndex = u8;
pub(crate) const CHECKING: AccountIndex = 0;
pub(crate) const SAVINGS: AccountIndex = 1;
pub(crate) const CARD: AccountIndex = 2;
pub(crate) const CLEARING: AccountIndex = 3;
const NO_DOC: u32 = u32::MAX;

/// Generates the books described by `config`.
///
/// # Errors
/// When the config asks for an impossible period or size.
pub fn generate(config: &GenConfig) -> Result<GeneratedBooks, GenError> {
    let plan = Plan::new(config)?;
    let spec = config.profile.spec();
    let mut g = Gen::new(plan, config.seed, spec);
    (spec.calendar)(&mut g);
    sales::generate(&mut g);
    documents::generate(&mut g);
    spend::generate(&mut g);
    g.sort();
    g.separate_near_duplicates();
    plant::large_purchase(&mut g);
    plant::duplicate_payment(&mut g);
    cash::card_payments(&mut g);
    g.sort();
    cash::balance_cash(&mut g);
    g.sort();
    Ok(finish::finish(g, config))
}

/// One bank line before it is finished (amounts in planning cents).
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub date: NaiveDate,
    pub seq: u32,
    pub account: AccountIndex,
    pub amount: i64,
    pub cp: u32,
    pub cat: Cat,
    pub desc: Arc<str>,
    pub doc: u32,
    pub planted: bool,
}

pub(crate) struct DocDraft {
    pub kind: DocKind,
    pub number: String,
    pub cp: u32,
    pub issue: NaiveDate,
    pub due: NaiveDate,
    pub paid: Option<NaiveDate>,
    pub amount: i64,
}

pub(crate) struct Series {
    pub cp: u32,
    pub cat: Cat,
    pub account: AccountIndex,
    pub cadence: Cadence,
    pub amount: i64,
    pub fixed: bool,
    pub first: NaiveDate,
    pub count: u32,
}

#[derive(Default)]
pub(crate) struct Plants {
    pub duplicate: Option<(u32, u32)>,
    pub large_purchase: Option<u32>,
    /// Counterparty, old and new amount, first date at the new price.
    pub price_increase: Option<(u32, i64, i64, NaiveDate)>,
    pub recurring: Vec<Series>,
    /// Customer and typical days late.
    pub late_payers: Vec<(u32, u32)>,
    pub abnormal: Option<(Cat, NaiveDate)>,
}

pub(crate) struct Gen {
    pub plan: Plan,
    pub seed: u64,
    pub spec: &'static Spec,
    pub names: NameRegistry,
    pub drafts: Vec<Draft>,
    pub docs: Vec<DocDraft>,
    pub plants: Plants,
    pub opening: [i64; 4],
    next_seq: u32,
}

impl Gen {
    fn new(plan: Plan, seed: u64, spec: &'static Spec) -> Self {
        let mut names = NameRegistry::new();
        for account in spec.accounts {
            names.fixed(account);
        }
        let r = plan.revenue;
        let opening = [cents(1.6 * r), cents(2.5 * r), -cents(0.09 * r), 0];
        Self {
            plan,
            seed,
            spec,
            names,
            drafts: Vec::new(),
            docs: Vec::new(),
            plants: Plants::default(),
            opening,
            next_seq: 0,
        }
    }

    /// A random stream of its own per purpose, so streams do not disturb each other.
    pub(crate) fn rng(&self, stream: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(stream);
        rng
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        date: NaiveDate,
        account: AccountIndex,
        amount: i64,
        cp: u32,
        cat: Cat,
        desc: &Arc<str>,
    ) -> u32 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.drafts.push(Draft {
            date,
            seq,
            account,
            amount,
            cp,
            cat,
            desc: desc.clone(),
            doc: NO_DOC,
            planted: false,
        });
        seq
    }

    /// A move between two own accounts: the two lines of the pair stay adjacent.
    pub(crate) fn transfer(
        &mut self,
        date: NaiveDate,
        from: u8,
        to: u8,
        amount: i64,
        desc: &Arc<str>,
    ) {
        debug_assert!(amount > 0 && from != to);
        self.push(date, from, -amount, u32::from(to), cat::Transfer, desc);
        self.push(date, to, amount, u32::from(from), cat::Transfer, desc);
    }

    pub(crate) fn last_draft(&mut self) -> &mut Draft {
        self.drafts.last_mut().expect("a draft was just pushed")
    }

    fn sort(&mut self) {
        self.drafts.sort_unstable_by_key(|d| (d.date, d.seq));
    }

    /// Nudges amounts by one cent so that no two ordinary lines with the same counterparty
    /// and amount fall within three days: the only such pair is the planted duplicate.
    fn separate_near_duplicates(&mut self) {
        let mut last_seen: HashMap<(u32, i64), NaiveDate> =
            HashMap::with_capacity(self.drafts.len());
        for d in &mut self.drafts {
            if d.cat == cat::Transfer {
                continue;
            }
            if !d.planted {
                while last_seen
                    .get(&(d.cp, d.amount))
                    .is_some_and(|&prev| (d.date - prev).num_days() <= 3)
                {
                    let step = if d.amount < 0 { -1 } else { 1 };
                    d.amount += step;
                    if let Some(doc) = self.docs.get_mut(d.doc as usize) {
                        doc.amount += step;
                    }
                }
            }
            last_seen.insert((d.cp, d.amount), d.date);
        }
    }
}

/// Rounds planning cents to an integer amount.
#[expect(
    clippy::cast_possible_truncation,
    reason = "synthetic amounts are planned in f64 far inside i64's range"
)]
pub(crate) fn cents(x: f64) -> i64 {
    x.round() as i64
}

/// A synthetic amount in cents, for planning arithmetic in f64 (the inverse of [`cents`]).
#[expect(
    clippy::cast_precision_loss,
    reason = "synthetic balances and prices stay far below 2^52 cents, so the conversion is exact"
)]
pub(crate) fn planning(amount: i64) -> f64 {
    amount as f64
}

/// Slow growth: +8% a year from the start.
pub(crate) fn trend(plan: &Plan, date: NaiveDate) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "a day count, far below 2^52")]
    let days = (date - plan.start).num_days() as f64;
    1.0 + 0.08 * days / 365.25
}

pub(crate) fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The next weekday on or after `date`.
pub(crate) fn on_weekday(mut date: NaiveDate) -> NaiveDate {
    while !is_weekday(date) {
        date = date
            .succ_opt()
            .expect("dates stay far from the calendar's end");
    }
    date
}

/// Day `day` (clamped to the month's length) of each month of the plan, within the plan.
pub(crate) fn monthly_dates(plan: &Plan, day: u32, every: u32) -> Vec<NaiveDate> {
    let first = plan.start.with_day(1).expect("day 1 exists");
    (0..=plan.months)
        .filter_map(|k| first.checked_add_months(Months::new(k)))
        .filter(|m| m.month0() % every == 0 || every == 1)
        .filter_map(|m| {
            let last = m.checked_add_months(Months::new(1))?.pred_opt()?.day();
            m.with_day(day.min(last))
        })
        .filter(|d| *d >= plan.start && *d < plan.end)
        .collect()
}

/// Every `step` days from `first` within the plan.
pub(crate) fn every_days(plan: &Plan, first: NaiveDate, step: u64) -> Vec<NaiveDate> {
    std::iter::successors(Some(first), |d| d.checked_add_days(chrono::Days::new(step)))
        .take_while(|d| *d < plan.end)
        .collect()
}
