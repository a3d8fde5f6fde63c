//! Card sales through the payment processor: sales, daily fees, weekday payouts.

use super::{CHECKING, CLEARING, Gen, cents, is_weekday, trend};
use crate::categories::cat;
use rand::Rng;
use std::sync::Arc;

const STREAM: u64 = 2;

pub(super) fn generate(g: &mut Gen) {
    let mut rng = g.rng(STREAM);
    let plan = g.plan.clone();
    let spec = g.spec;
    let s = &spec.sales;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "synthetic counts and amounts drawn from small, bounded f64 values"
    )]
    let n_customers = (s.customers * plan.scale.sqrt()).max(40.0) as usize;
    let customers: Vec<u32> = (0..n_customers).map(|_| g.names.person(&mut rng)).collect();
    let processor = g.names.fixed(s.processor);
    let channels: [Arc<str>; 3] = s.channels.map(Arc::from);
    let fee_desc: Arc<str> = Arc::from(s.fee_desc);
    let payout_desc: Arc<str> = Arc::from(s.payout_desc);
    let (sale_lo, sale_hi) = (plan.sale_lo, plan.sale_hi);
    let mean_trend = 1.0 + 0.04 * f64::from(plan.days) / 365.25;

    let mut unpaid: i64 = 0;
    for i in 0..plan.days {
        let date = plan.day(i);
        if is_weekday(date) && unpaid > 0 {
            g.transfer(date, CLEARING, CHECKING, unpaid, &payout_desc);
            unpaid = 0;
        }
        let lambda = plan.sales_per_day
            * spec.month_factor(date)
            * spec.weekday_factor(date)
            * trend(&plan, date)
            * plan.sales_kept(date)
            / mean_trend;
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "synthetic counts and amounts drawn from small, bounded f64 values"
        )]
        let n = (lambda * rng.random_range(0.85..1.15) + rng.random::<f64>()) as u32;
        let (mut total, mut count) = (0i64, 0i64);
        for _ in 0..n {
            let u: f64 = rng.random();
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let who = customers[((n_customers as f64) * u * u) as usize % n_customers];
            // u^3 (SALE_SKEW) without powf, so every platform draws the same cents.
            let v: f64 = rng.random();
            let amount = cents(sale_lo + (sale_hi - sale_lo) * v * v * v);
            let channel = &channels[usize::from(rng.random_range(0..10u8).min(2))];
            g.push(date, CLEARING, amount, who, s.category, channel);
            total += amount;
            count += 1;
        }
        if count > 0 {
            let fee = (total * s.fee_permille + 500) / 1000 + s.fee_fixed * count;
            g.push(
                date,
                CLEARING,
                -fee,
                processor,
                cat::MerchantFees,
                &fee_desc,
            );
            unpaid += total - fee;
        }
    }
}
