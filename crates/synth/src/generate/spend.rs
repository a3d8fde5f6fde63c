//! Everyday spending (card purchases, one-off payments from checking) from the profile's
//! kinds, and the planted abnormal month in one card category.

use super::{CARD, CHECKING, Gen, cents, is_weekday, trend};
use crate::profiles::Kind;
use chrono::{Datelike, Months};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

const STREAM: u64 = 4;

/// Amounts are `lo + (hi - lo) * u^1.5`, whose mean is `lo + 0.4 (hi - lo)`.
fn mean_of(kind: &Kind) -> f64 {
    kind.3 + 0.4 * (kind.4 - kind.3)
}

struct Stream {
    kinds: &'static [Kind],
    vendors: Vec<Vec<u32>>,
    descs: Vec<Arc<str>>,
    total_weight: f64,
    /// Multiplier that makes the stream cost its planned share of revenue.
    scale: f64,
    per_day: f64,
}

impl Stream {
    fn new(
        g: &mut Gen,
        rng: &mut ChaCha8Rng,
        kinds: &'static [Kind],
        per_month: f64,
        revenue_share: f64,
    ) -> Self {
        let total_weight: f64 = kinds.iter().map(|k| k.2).sum();
        let mean: f64 = kinds.iter().map(|k| k.2 * mean_of(k)).sum::<f64>() / total_weight;
        let root = g.plan.scale.sqrt();
        let vendors = kinds
            .iter()
            .map(|k| {
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "synthetic counts and amounts drawn from small, bounded f64 values"
                )]
                let n = ((2.0 + k.2 / 3.0) * root).ceil() as usize;
                (0..n).map(|_| g.names.business(rng, k.1)).collect()
            })
            .collect();
        Self {
            kinds,
            vendors,
            descs: kinds.iter().map(|k| Arc::from(k.5)).collect(),
            total_weight,
            scale: g.plan.share(revenue_share) / (per_month * mean),
            per_day: per_month * 12.0 / 365.25,
        }
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> usize {
        let mut roll = rng.random::<f64>() * self.total_weight;
        for (i, k) in self.kinds.iter().enumerate() {
            if roll < k.2 {
                return i;
            }
            roll -= k.2;
        }
        self.kinds.len() - 1
    }

    fn amount(&self, rng: &mut ChaCha8Rng, i: usize) -> i64 {
        let k = &self.kinds[i];
        let u: f64 = rng.random();
        cents((k.3 + (k.4 - k.3) * u * u.sqrt()) * self.scale)
    }

    fn vendor(&self, rng: &mut ChaCha8Rng, i: usize) -> u32 {
        let pool = &self.vendors[i];
        let u: f64 = rng.random();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let j = (pool.len() as f64 * u * u) as usize;
        pool[j.min(pool.len() - 1)]
    }

    /// The planned average monthly outflow of kind `i`.
    fn monthly(&self, i: usize) -> f64 {
        self.per_day * 365.25 / 12.0 * self.kinds[i].2 / self.total_weight
            * mean_of(&self.kinds[i])
            * self.scale
    }
}

pub(super) fn generate(g: &mut Gen) {
    let mut rng = g.rng(STREAM);
    let plan = g.plan.clone();
    let spec = g.spec;
    let card = Stream::new(
        g,
        &mut rng,
        spec.card_kinds,
        plan.card_per_month,
        spec.card_share,
    );
    let checking = Stream::new(
        g,
        &mut rng,
        spec.checking_kinds,
        plan.misc_per_month,
        spec.checking_share,
    );
    let mean_trend = 1.0 + 0.04 * f64::from(plan.days) / 365.25;
    for i in 0..plan.days {
        let date = plan.day(i);
        let t = trend(&plan, date) / mean_trend;
        for (stream, account) in [(&card, CARD), (&checking, CHECKING)] {
            if account == CHECKING && !is_weekday(date) {
                continue;
            }
            let lambda = stream.per_day * t * if account == CHECKING { 7.0 / 5.0 } else { 1.0 };
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "synthetic counts and amounts drawn from small, bounded f64 values"
            )]
            let n = (lambda * rng.random_range(0.7..1.3) + rng.random::<f64>()) as u32;
            for _ in 0..n {
                let k = stream.pick(&mut rng);
                let amount = stream.amount(&mut rng, k);
                let vendor = stream.vendor(&mut rng, k);
                g.push(
                    date,
                    account,
                    -amount.max(1),
                    vendor,
                    stream.kinds[k].0,
                    &stream.descs[k],
                );
            }
        }
    }
    abnormal_month(g, &mut rng, &card);
}

/// One month (two thirds in) where a campaign quadruples the spend of one card category.
fn abnormal_month(g: &mut Gen, rng: &mut ChaCha8Rng, card: &Stream) {
    let plan = g.plan.clone();
    let (category, desc) = g.spec.abnormal;
    let Some(month) = plan
        .start
        .with_day(1)
        .and_then(|d| d.checked_add_months(Months::new((plan.months * 2 / 3).max(1))))
        .filter(|m| *m < plan.end && plan.months >= 3)
    else {
        return;
    };
    let k = card
        .kinds
        .iter()
        .position(|k| k.0 == category)
        .expect("the abnormal category is a card kind");
    let extra = 3.0 * card.monthly(k) * trend(&plan, month);
    let desc: Arc<str> = Arc::from(desc);
    let parts = 5;
    for p in 0..parts {
        let date = month + chrono::Days::new(3 + 5 * p);
        let vendor = card.vendor(rng, k);
        let amount = cents(extra / 5.0 * rng.random_range(0.8..1.2));
        g.push(date, CARD, -amount, vendor, category, &desc);
    }
    g.plants.abnormal = Some((category, month));
}
