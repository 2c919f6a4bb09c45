//! Replication statistics: the mean of independent replications and its Student-t confidence
//! interval.
//!
//! With `n` replications giving values `x_1..x_n` (mean `m`, sample standard deviation `s`), the
//! two-sided 95% interval is `m ± t_{0.975, n-1} · s / sqrt(n)` (e.g. Law, *Simulation Modeling
//! and Analysis*, 5th ed., §9.4.1). Replications are independent by construction (one random
//! stream each), so the classical interval applies without batching.

use std::sync::OnceLock;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Confidence level of every interval the simulation reports.
pub const CONFIDENCE: f64 = 0.95;

/// The 0.975 quantile of Student's t with `df` degrees of freedom, `t_{0.975, df}`: the inverse
/// of the regularised incomplete beta function, `t = sqrt(df (1 − y) / y)` with
/// `y = I⁻¹_{0.05}(df/2, 1/2)` (Abramowitz & Stegun 26.7.1; computed by statrs).
///
/// Each quantile up to [`T_TABLE_DF`] degrees of freedom is computed once and kept: a run
/// summarises every interval's figures with the same `df`, and the inversion (an iterative
/// incomplete-beta solve) would otherwise be nearly half the wall time of a 40-replication
/// simulation of the sample week.
pub fn t_quantile_975(df: usize) -> f64 {
    assert!(df >= 1, "t quantile needs at least one degree of freedom");
    static TABLE: [OnceLock<f64>; T_TABLE_DF] = [const { OnceLock::new() }; T_TABLE_DF];
    match TABLE.get(df - 1) {
        Some(cell) => *cell.get_or_init(|| t_quantile_975_computed(df)),
        None => t_quantile_975_computed(df),
    }
}

/// Degrees of freedom whose t quantiles [`t_quantile_975`] keeps: every count a run can have
/// (at most [`super::MAX_REPLICATIONS`] replications, so one fewer degrees of freedom).
const T_TABLE_DF: usize = super::MAX_REPLICATIONS as usize;

fn t_quantile_975_computed(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).expect("df >= 1 is a valid Student t").inverse_cdf(0.975)
}

/// A replicated estimate: the mean over replications and, with two or more, its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_high: Option<f64>,
}

impl Estimate {
    /// Mean and t-interval of the defined (non-NaN) values; `None` when no value is defined
    /// (e.g. a service level in an interval where no replication had a contact).
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Estimate> {
        let mut n = 0usize;
        // Two passes would need a buffer; Welford's update keeps one pass numerically stable.
        let mut mean = 0.0;
        let mut m2 = 0.0;
        for v in values.into_iter().filter(|v| !v.is_nan()) {
            n += 1;
            let delta = v - mean;
            mean += delta / n as f64;
            m2 += delta * (v - mean);
        }
        if n == 0 {
            return None;
        }
        if n == 1 {
            return Some(Estimate { mean, ci_low: None, ci_high: None });
        }
        let sd = (m2 / (n - 1) as f64).max(0.0).sqrt();
        let half = t_quantile_975(n - 1) * sd / (n as f64).sqrt();
        Some(Estimate { mean, ci_low: Some(mean - half), ci_high: Some(mean + half) })
    }

    /// Like [`Estimate::of`], with the interval clipped to the quantity's range `[low, high]`
    /// (a service level never above 1, an ASA never negative): the t-interval is symmetric
    /// and can cross a bound the quantity cannot, e.g. when most replications sit at it.
    pub fn within(values: impl IntoIterator<Item = f64>, low: f64, high: f64) -> Option<Estimate> {
        Estimate::of(values).map(|e| Estimate {
            mean: e.mean,
            ci_low: e.ci_low.map(|v| v.clamp(low, high)),
            ci_high: e.ci_high.map(|v| v.clamp(low, high)),
        })
    }

    /// Half the width of the interval (0 without one).
    pub fn half_width(&self) -> f64 {
        match (self.ci_low, self.ci_high) {
            (Some(l), Some(h)) => 0.5 * (h - l),
            _ => 0.0,
        }
    }

    /// Whether `value` lies inside the interval.
    pub fn covers(&self, value: f64) -> bool {
        match (self.ci_low, self.ci_high) {
            (Some(l), Some(h)) => l <= value && value <= h,
            _ => self.mean == value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_published_tables() {
        // Abramowitz & Stegun table 26.10, t_{0.975}, printed to 6 decimals.
        for (df, table) in [
            (1, 12.706_205),
            (2, 4.302_653),
            (3, 3.182_446),
            (4, 2.776_445),
            (10, 2.228_139),
            (19, 2.093_024),
            (30, 2.042_272),
            (40, 2.021_075),
            (60, 2.000_298),
            (120, 1.979_930),
        ] {
            let t = t_quantile_975(df);
            assert!((t - table).abs() < 1e-6, "df {df}: {t}");
        }
        // Many replications: the Cornish–Fisher expansion around z_{0.975} (A&S 26.7.5), exact to
        // ~1e-12 there. (statrs' incomplete-beta inversion drifts beyond ~10⁵ degrees of
        // freedom: 7e-6 at 10⁵, 1e-4 at 10⁶ replications.)
        assert!((t_quantile_975(1_000) - 1.962_339_081).abs() < 1e-8);
        assert!((t_quantile_975(10_000) - 1.960_201_240).abs() < 1e-8);
    }

    #[test]
    fn interval_of_a_hand_worked_sample() {
        // 1, 2, 3, 4: mean 2.5, s = sqrt(5/3), half = 3.1824463 * 1.2909944 / 2 = 2.054260.
        let e = Estimate::of([1.0, 2.0, 3.0, 4.0]).unwrap();
        assert!((e.mean - 2.5).abs() < 1e-12);
        assert!((e.half_width() - 2.054_260).abs() < 1e-6, "{}", e.half_width());
    }

    #[test]
    fn intervals_stay_within_the_range() {
        // 1, 1, 1, 0.5: mean 0.875, half-width 0.398 would reach 1.27.
        let e = Estimate::within([1.0, 1.0, 1.0, 0.5], 0.0, 1.0).unwrap();
        assert_eq!(e.ci_high, Some(1.0));
        assert!(e.ci_low.unwrap() > 0.0 && e.ci_low.unwrap() < e.mean);
        let e = Estimate::within([0.0, 0.0, 3.0], 0.0, f64::INFINITY).unwrap();
        assert_eq!(e.ci_low, Some(0.0));
    }

    #[test]
    fn undefined_values_are_skipped() {
        assert_eq!(Estimate::of([f64::NAN, f64::NAN]), None);
        let e = Estimate::of([f64::NAN, 0.5]).unwrap();
        assert_eq!((e.mean, e.ci_low), (0.5, None));
    }
}
