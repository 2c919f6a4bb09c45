//! Replication statistics: the mean of independent replications and its Student-t confidence
//! interval.
//!
//! With `n` replications giving values `x_1..x_n` (mean `m`, sample standard deviation `s`), the
//! two-sided 95% interval is `m ± t_{0.975, n-1} · s / sqrt(n)` (e.g. Law, *Simulation Modeling
//! and Analysis*, 5th ed., §9.4.1). Replications are independent by construction (one random
//! stream each), so the classical interval applies without batching.

use serde::Serialize;

/// Confidence level of every interval the simulation reports.
pub const CONFIDENCE: f64 = 0.95;

/// `t_{0.975, df}` for df = 1..30 (standard Student-t tables, e.g. Abramowitz & Stegun table
/// 26.10).
const T_975: [f64; 30] = [
    12.706_204_7,
    4.302_652_7,
    3.182_446_3,
    2.776_445_1,
    2.570_581_8,
    2.446_911_9,
    2.364_624_3,
    2.306_004_1,
    2.262_157_2,
    2.228_138_9,
    2.200_985_2,
    2.178_812_8,
    2.160_368_7,
    2.144_786_7,
    2.131_449_5,
    2.119_905_3,
    2.109_815_6,
    2.100_922_0,
    2.093_024_1,
    2.085_963_4,
    2.079_613_8,
    2.073_873_1,
    2.068_657_6,
    2.063_898_6,
    2.059_538_6,
    2.055_529_4,
    2.051_830_5,
    2.048_407_1,
    2.045_229_6,
    2.042_272_5,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom: the table for df <= 30,
/// beyond it the Cornish–Fisher expansion around the normal quantile z = 1.959964
/// (Abramowitz & Stegun 26.7.5), accurate to better than 1e-5 there.
pub fn t_quantile_975(df: usize) -> f64 {
    assert!(df >= 1, "t quantile needs at least one degree of freedom");
    if df <= T_975.len() {
        return T_975[df - 1];
    }
    let z = 1.959_963_984_540_054_f64;
    let n = df as f64;
    let z3 = z.powi(3);
    let z5 = z.powi(5);
    let z7 = z.powi(7);
    z + (z3 + z) / (4.0 * n)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n * n * n)
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
        // Abramowitz & Stegun table 26.10: t_{0.975} for 40, 60, 120 degrees of freedom.
        for (df, table) in [(40, 2.021_075), (60, 2.000_298), (120, 1.979_930)] {
            assert!((t_quantile_975(df) - table).abs() < 2e-5, "df {df}: {}", t_quantile_975(df));
        }
        assert_eq!(t_quantile_975(1), 12.706_204_7);
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
