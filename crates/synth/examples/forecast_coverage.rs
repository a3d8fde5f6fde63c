//! How often the product forecast's likely ranges hold on the generator's books: for each
//! seed, the forecast (open invoices, bills, recurring payments and the baseline) is made at
//! rolling cuts every four weeks over the last year, 13 weeks ahead each, from the books as
//! they stood at the cut, and compared with what happened next. A naive forecast (the mean
//! week of the 13 before the cut, with the spread of the 26 weeks before as its range) is
//! scored on the same weeks.
//!
//! `cargo run --release -p flowsense-synth --example forecast_coverage -- [--seeds 1,2,3]
//! [--transactions 20000] [--profile coffee|dental] [--cuts 13]`

use chrono::NaiveDate;
use flowsense_core::Books;
use flowsense_core::analytics::backtest::books_as_of;
use flowsense_core::analytics::dates::add_days;
use flowsense_core::analytics::stats::quantile;
use flowsense_core::analytics::{cash_at, forecast};
use flowsense_synth::{GenConfig, Profile, generate, to_books};
use std::collections::BTreeMap;
use std::time::Instant;

const HORIZON: i64 = 13;
const CUT_STEP_DAYS: i64 = 28;

struct Options {
    seeds: Vec<u64>,
    transactions: usize,
    profile: Profile,
    cuts: i64,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        seeds: vec![1, 2, 3, 4, 5],
        transactions: 20_000,
        profile: Profile::CoffeeRoaster,
        cuts: 13,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or(format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--seeds" => {
                options.seeds = value
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|_| format!("bad seed {s}")))
                    .collect::<Result<_, _>>()?;
            }
            "--transactions" => {
                options.transactions = value.parse().map_err(|_| "bad --transactions")?;
            }
            "--cuts" => options.cuts = value.parse().map_err(|_| "bad --cuts")?,
            "--profile" => options.profile = value.parse().map_err(|e| format!("{e}"))?,
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    Ok(options)
}

/// Tallies over forecast weeks.
#[derive(Default, Clone, Copy)]
struct Tally {
    weeks: u32,
    net_inside: u32,
    cash_inside: u32,
    last_cash_inside: u32,
    cuts: u32,
    abs_error: f64,
    abs_actual: f64,
    /// Mean over cuts of each cut's WAPE.
    wape_sum: f64,
    /// Mean width of the ending-cash range in the first and last week.
    first_width: f64,
    last_width: f64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.weeks += other.weeks;
        self.net_inside += other.net_inside;
        self.cash_inside += other.cash_inside;
        self.last_cash_inside += other.last_cash_inside;
        self.cuts += other.cuts;
        self.abs_error += other.abs_error;
        self.abs_actual += other.abs_actual;
        self.wape_sum += other.wape_sum;
        self.first_width += other.first_width;
        self.last_width += other.last_width;
    }

    fn row(&self, label: &str) -> String {
        let pct = |n: u32, d: u32| 100.0 * f64::from(n) / f64::from(d.max(1));
        let cuts = f64::from(self.cuts.max(1));
        format!(
            "{label:<14} {:>5} {:>10.3} {:>10.3} {:>9.1}% {:>9.1}% {:>10.1}% {:>12.0} {:>12.0}",
            self.cuts,
            self.wape_sum / cuts,
            self.abs_error / self.abs_actual.max(1.0),
            pct(self.net_inside, self.weeks),
            pct(self.cash_inside, self.weeks),
            pct(self.last_cash_inside, self.cuts),
            self.first_width / cuts / 100.0,
            self.last_width / cuts / 100.0,
        )
    }
}

#[expect(clippy::cast_precision_loss, reason = "minor units far below 2^53")]
fn f(v: i64) -> f64 {
    v as f64
}

/// Net flow of every non-transfer transaction per day.
fn daily_net(books: &Books) -> BTreeMap<NaiveDate, i64> {
    let mut net = BTreeMap::new();
    for t in books.txns.iter().filter(|t| !t.transfer) {
        *net.entry(t.date).or_insert(0) += t.amount;
    }
    net
}

fn net_between(daily: &BTreeMap<NaiveDate, i64>, after: NaiveDate, until: NaiveDate) -> i64 {
    daily
        .range(add_days(after, 1)..=until)
        .map(|(_, v)| *v)
        .sum()
}

fn score_cut(books: &Books, daily: &BTreeMap<NaiveDate, i64>, cut: NaiveDate) -> (Tally, Tally) {
    let report = forecast(&books_as_of(books, cut), cut);
    let mut ours = Tally {
        cuts: 1,
        ..Tally::default()
    };
    let mut naive = ours;
    // The naive forecast: the mean of the 13 weeks before the cut, the 10th to 90th
    // percentile of the 26 weeks before as its weekly range, growing with √weeks in cash.
    let past: Vec<f64> = (0..26)
        .map(|w| {
            f(net_between(
                daily,
                add_days(cut, -7 * (w + 1)),
                add_days(cut, -7 * w),
            ))
        })
        .collect();
    let naive_mean = past[..13].iter().sum::<f64>() / 13.0;
    let naive_low = quantile(&past, 0.1).unwrap_or(0.0) - naive_mean;
    let naive_high = quantile(&past, 0.9).unwrap_or(0.0) - naive_mean;
    let start_cash = f(cash_at(books, cut));
    let (mut ours_abs, mut naive_abs, mut actual_abs) = (0.0, 0.0, 0.0);
    for (k, week) in report.weeks.iter().enumerate() {
        let actual = net_between(daily, add_days(week.start, -1), week.end);
        let cash = cash_at(books, week.end);
        ours.weeks += 1;
        naive.weeks += 1;
        ours.net_inside += u32::from(week.net.p10 <= actual && actual <= week.net.p90);
        ours.cash_inside += u32::from(week.ending_cash.p10 <= cash && cash <= week.ending_cash.p90);
        ours_abs += (f(week.net.p50) - f(actual)).abs();
        naive_abs += (naive_mean - f(actual)).abs();
        actual_abs += f(actual).abs();
        let a = f(actual);
        naive.net_inside += u32::from(naive_mean + naive_low <= a && a <= naive_mean + naive_high);
        let steps = f(i64::try_from(k).unwrap_or(0) + 1);
        let naive_cash = start_cash + naive_mean * steps;
        let (lo, hi) = (
            naive_cash + naive_low * steps.sqrt(),
            naive_cash + naive_high * steps.sqrt(),
        );
        let cash_f = f(cash);
        naive.cash_inside += u32::from(lo <= cash_f && cash_f <= hi);
        let width = f(week.ending_cash.p90 - week.ending_cash.p10);
        if k == 0 {
            ours.first_width = width;
            naive.first_width = hi - lo;
        }
        if k + 1 == report.weeks.len() {
            ours.last_width = width;
            naive.last_width = hi - lo;
            ours.last_cash_inside +=
                u32::from(week.ending_cash.p10 <= cash && cash <= week.ending_cash.p90);
            naive.last_cash_inside += u32::from(lo <= cash_f && cash_f <= hi);
        }
    }
    ours.abs_error = ours_abs;
    naive.abs_error = naive_abs;
    ours.abs_actual = actual_abs;
    naive.abs_actual = actual_abs;
    ours.wape_sum = ours_abs / actual_abs.max(1.0);
    naive.wape_sum = naive_abs / actual_abs.max(1.0);
    (ours, naive)
}

fn main() -> Result<(), String> {
    let options = parse_options()?;
    println!(
        "{:<14} {:>5} {:>10} {:>10} {:>10} {:>10} {:>11} {:>12} {:>12}",
        "books",
        "cuts",
        "mean WAPE",
        "pooled",
        "net in",
        "cash in",
        "cash@13 in",
        "width@1",
        "width@13"
    );
    let (mut all_ours, mut all_naive) = (Tally::default(), Tally::default());
    let started = Instant::now();
    for &seed in &options.seeds {
        let config = GenConfig {
            profile: options.profile,
            business_name: options.profile.default_business_name().to_owned(),
            ..GenConfig::new(seed, options.transactions)
        };
        let books = to_books(&generate(&config).map_err(|e| e.to_string())?);
        let daily = daily_net(&books);
        let Some(last) = books.txns.iter().map(|t| t.date).max() else {
            continue;
        };
        let (mut ours, mut naive) = (Tally::default(), Tally::default());
        for j in 0..options.cuts {
            let cut = add_days(last, -7 * HORIZON - CUT_STEP_DAYS * j);
            let (o, n) = score_cut(&books, &daily, cut);
            ours.add(&o);
            naive.add(&n);
        }
        println!("{}", ours.row(&format!("seed {seed}")));
        println!("{}", naive.row("  naive"));
        all_ours.add(&ours);
        all_naive.add(&naive);
    }
    println!("{}", all_ours.row("all"));
    println!("{}", all_naive.row("  naive"));
    println!(
        "(WAPE of weekly net; 'in': share inside P10-P90; widths of the ending-cash range in major units; {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
