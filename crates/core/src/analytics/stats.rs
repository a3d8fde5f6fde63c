//! Small exact and robust statistics used across the engine.

/// Narrows an exact `i128` sum to `i64` minor units, saturating at the bounds.
#[must_use]
pub fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

/// Rounds an `f64` estimate once to `i64` minor units (saturating; NaN becomes zero).
#[must_use]
#[expect(
    clippy::cast_possible_truncation,
    reason = "the one place an estimate becomes minor units: rounded once, saturating"
)]
pub fn round_minor(value: f64) -> i64 {
    if value.is_nan() {
        return 0;
    }
    // `as` saturates for floats out of range, which is what we want here.
    value.round() as i64
}

/// Exact `f64` view of minor units for internal estimates.
#[must_use]
#[expect(
    clippy::cast_precision_loss,
    reason = "the one place minor units enter an estimate; exact below 2^53 minor units"
)]
pub fn as_f64(value: i64) -> f64 {
    value as f64
}

/// Median of integers (the mean of the two middle values, rounded toward zero) without overflow.
#[must_use]
pub fn median_i64(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        Some(sorted[mid])
    } else {
        Some(saturate(
            (i128::from(sorted[mid - 1]) + i128::from(sorted[mid])) / 2,
        ))
    }
}

/// Median of `sorted` (ascending, none negative) together with `zeros` more zeros, without
/// laying the zeros out: a month series over centuries is mostly empty months.
#[must_use]
pub fn median_with_zeros(sorted: &[i64], zeros: usize) -> Option<i64> {
    let n = sorted.len().saturating_add(zeros);
    if n == 0 {
        return None;
    }
    let at = |k: usize| {
        k.checked_sub(zeros)
            .and_then(|i| sorted.get(i))
            .copied()
            .unwrap_or(0)
    };
    let mid = n / 2;
    if n % 2 == 1 {
        Some(at(mid))
    } else {
        Some(saturate(
            (i128::from(at(mid - 1)) + i128::from(at(mid))) / 2,
        ))
    }
}

/// Median absolute deviation around `center` (unscaled).
#[must_use]
pub fn mad_i64(values: &[i64], center: i64) -> Option<i64> {
    let deviations: Vec<i64> = values
        .iter()
        .map(|&v| saturate((i128::from(v) - i128::from(center)).abs()))
        .collect();
    median_i64(&deviations)
}

/// Linear-interpolated quantile `q` in `[0, 1]` of finite values; `None` when there are none.
#[must_use]
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lower = pos.floor() as usize;
    let upper = pos.ceil() as usize;
    let weight = pos - pos.floor();
    Some(sorted[lower] * (1.0 - weight) + sorted[upper.min(sorted.len() - 1)] * weight)
}

/// `P(N ≥ n)` for `N` Poisson-distributed with mean `lambda` (1 for `n = 0` or a mean that is
/// not a positive finite number).
#[must_use]
pub fn poisson_tail(lambda: f64, n: u64) -> f64 {
    if n == 0 || !(lambda.is_finite() && lambda > 0.0) {
        return 1.0;
    }
    // P(N < n) term by term in log space, so a large mean does not underflow the first terms.
    let mut log_term = -lambda;
    let mut below = 0.0;
    for k in 0..n {
        below += log_term.exp();
        #[expect(
            clippy::cast_precision_loss,
            reason = "a statistical estimate over small counts, not an amount"
        )]
        let next = (k + 1) as f64;
        log_term += lambda.ln() - next.ln();
    }
    (1.0 - below).clamp(0.0, 1.0)
}

/// Exact sum of minor units.
#[must_use]
pub fn sum_i128(values: impl IntoIterator<Item = i64>) -> i128 {
    values.into_iter().map(i128::from).sum()
}

/// `part / whole` in basis points (0 when the whole is not positive).
#[must_use]
pub fn basis_points(part: i128, whole: i128) -> i64 {
    if whole <= 0 {
        return 0;
    }
    saturate(part.saturating_mul(10_000) / whole)
}

/// Each part's share of their sum, in basis points rounded to a tenth of a percent (multiples
/// of 10), apportioned by largest remainder so the shares add up to exactly 100.0% — as shown,
/// not only before rounding. Ties in the remainder go to the earlier part. Parts that are not
/// positive get 0; all zero when no part is positive.
#[must_use]
pub fn shares_summing_to_whole(parts: &[i128]) -> Vec<i64> {
    const TENTHS: i128 = 1_000;
    let parts: Vec<i128> = parts.iter().map(|p| (*p).max(0)).collect();
    let whole: i128 = parts.iter().sum();
    if whole == 0 {
        return vec![0; parts.len()];
    }
    // Each part's floor and remainder in tenths of a percent; i128 keeps `p × 1000` exact.
    let mut tenths: Vec<i128> = parts.iter().map(|p| p * TENTHS / whole).collect();
    let mut by_remainder: Vec<usize> = (0..parts.len()).collect();
    by_remainder.sort_by(|&a, &b| {
        let rem = |i: usize| parts[i] * TENTHS % whole;
        rem(b).cmp(&rem(a)).then(a.cmp(&b))
    });
    let short = TENTHS - tenths.iter().sum::<i128>();
    for &i in by_remainder
        .iter()
        .take(usize::try_from(short).unwrap_or(0))
    {
        tenths[i] += 1;
    }
    tenths.into_iter().map(|t| saturate(t * 10)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_the_whole_as_shown() {
        // Three thirds: 33.3 + 33.3 + 33.4 (the first tie wins the spare tenth).
        assert_eq!(shares_summing_to_whole(&[1, 1, 1]), vec![3340, 3330, 3330]);
        // Rounding each alone would show 16.7 × 6 = 100.2%.
        let sixths = shares_summing_to_whole(&[1; 6]);
        assert_eq!(sixths.iter().sum::<i64>(), 10_000);
        assert!(sixths.iter().all(|s| *s == 1660 || *s == 1670));
        // Largest remainder, not first come: the second part has the larger fraction left.
        assert_eq!(
            shares_summing_to_whole(&[2_602, 7_394, 4]),
            vec![2600, 7400, 0]
        );
        // Negative or zero parts take no share; nothing positive, nothing shared.
        assert_eq!(shares_summing_to_whole(&[-5, 5]), vec![0, 10_000]);
        assert_eq!(shares_summing_to_whole(&[0, 0]), vec![0, 0]);
        assert!(shares_summing_to_whole(&[]).is_empty());
        // Amounts at the edge of i64 do not overflow.
        let big = shares_summing_to_whole(&[i128::from(i64::MAX), i128::from(i64::MAX), 1]);
        assert_eq!(big, vec![5000, 5000, 0]);
        // Many small parts still sum to the whole.
        let parts: Vec<i128> = (1..=97).collect();
        assert_eq!(shares_summing_to_whole(&parts).iter().sum::<i64>(), 10_000);
    }

    #[test]
    fn medians_and_mads() {
        assert_eq!(median_i64(&[]), None);
        assert_eq!(median_i64(&[3, 1, 2]), Some(2));
        assert_eq!(median_i64(&[i64::MAX, i64::MAX]), Some(i64::MAX));
        assert_eq!(mad_i64(&[1, 2, 3, 4, 100], 3), Some(1));
        for (values, zeros) in [
            (vec![], 3),
            (vec![5], 0),
            (vec![4, 9], 1),
            (vec![1, 7, 8], 4),
        ] {
            let mut padded = vec![0; zeros];
            padded.extend(&values);
            assert_eq!(median_with_zeros(&values, zeros), median_i64(&padded));
        }
        assert_eq!(median_with_zeros(&[], 0), None);
        assert_eq!(median_with_zeros(&[i64::MAX, i64::MAX], 0), Some(i64::MAX));
        assert_eq!(median_with_zeros(&[i64::MAX], usize::MAX), Some(0));
    }

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.5), Some(3.0));
        assert_eq!(quantile(&v, 0.25), Some(2.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn poisson_tails() {
        assert!((poisson_tail(2.0, 0) - 1.0).abs() < 1e-12);
        // P(N >= 1) = 1 - e^-2
        assert!((poisson_tail(2.0, 1) - (1.0 - (-2.0f64).exp())).abs() < 1e-12);
        assert!((poisson_tail(1.5, 7) - 0.000_926).abs() < 1e-6);
        assert!(poisson_tail(2_000.0, 1_000) > 0.999);
        assert!(poisson_tail(2_000.0, 3_000) < 1e-9);
        assert!((poisson_tail(0.0, 3) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn rounding_saturates() {
        assert_eq!(round_minor(f64::NAN), 0);
        assert_eq!(round_minor(1e300), i64::MAX);
        assert_eq!(round_minor(-2.5), -3);
        assert_eq!(saturate(i128::MAX), i64::MAX);
    }
}
