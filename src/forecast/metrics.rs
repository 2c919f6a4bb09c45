//! Forecast accuracy measures and the Poisson noise floor.
//!
//! Over test intervals with actual `y` and forecast `f` (Hyndman & Athanasopoulos, FPP3 §5.8):
//! - WAPE = Σ|y − f| / Σy (the contact-centre headline: errors weighted by volume);
//! - MAPE = mean over `y > 0` of |y − f| / y;
//! - MASE = mean|y − f| / mean|y_t − y_{t−1 week}| (the scale is the in-sample error of the
//!   weekly seasonal naive forecast, Hyndman & Koehler 2006);
//! - bias = Σ(f − y) / Σy (positive: over-forecast);
//! - coverage = share of intervals with P10 ≤ y ≤ P90 (target 0.8).
//!
//! The noise floor is the WAPE of a perfect forecast of the Poisson mean: for `Y ~ Poisson(λ)`
//! the mean absolute deviation is `E|Y − λ| = 2 e^{−λ} λ^{⌊λ⌋+1} / ⌊λ⌋!` (Johnson, Kemp & Kotz,
//! *Univariate Discrete Distributions*, 3rd ed., §4.3), so the floor is `Σ E|Y−λ| / Σ λ`, taken
//! with the plug-in `λ = y`. No forecast beats it on average.

use statrs::function::gamma::ln_gamma;

/// One scored interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub actual: f64,
    pub forecast: f64,
    pub p10: f64,
    pub p90: f64,
}

/// Accuracy of a set of scored intervals.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Accuracy {
    pub wape: f64,
    pub mape: f64,
    pub mase: f64,
    pub bias: f64,
    pub coverage_p10_p90: f64,
    pub intervals: usize,
}

/// Compute the measures; `mase_scale` is the mean absolute weekly-naive error in sample.
pub fn accuracy(scored: &[Scored], mase_scale: f64) -> Accuracy {
    let n = scored.len();
    let sum_y: f64 = scored.iter().map(|s| s.actual).sum();
    let sum_abs: f64 = scored.iter().map(|s| (s.actual - s.forecast).abs()).sum();
    let sum_err: f64 = scored.iter().map(|s| s.forecast - s.actual).sum();
    let positive: Vec<&Scored> = scored.iter().filter(|s| s.actual > 0.0).collect();
    let mape = if positive.is_empty() {
        f64::NAN
    } else {
        positive.iter().map(|s| (s.actual - s.forecast).abs() / s.actual).sum::<f64>()
            / positive.len() as f64
    };
    let covered = scored.iter().filter(|s| s.p10 <= s.actual && s.actual <= s.p90).count();
    Accuracy {
        wape: if sum_y > 0.0 { sum_abs / sum_y } else { f64::NAN },
        mape,
        mase: if mase_scale > 0.0 && n > 0 { sum_abs / n as f64 / mase_scale } else { f64::NAN },
        bias: if sum_y > 0.0 { sum_err / sum_y } else { f64::NAN },
        coverage_p10_p90: if n > 0 { covered as f64 / n as f64 } else { f64::NAN },
        intervals: n,
    }
}

/// Mean absolute deviation of a Poisson(λ) variable: `2 e^{−λ} λ^{⌊λ⌋+1} / ⌊λ⌋!`.
pub fn poisson_mean_absolute_deviation(lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    let n = lambda.floor();
    (std::f64::consts::LN_2 - lambda + (n + 1.0) * lambda.ln() - ln_gamma(n + 1.0)).exp()
}

/// WAPE of a perfect forecast of the Poisson mean, with the plug-in `λ = actual`.
pub fn poisson_noise_floor(actuals: &[f64]) -> f64 {
    let sum: f64 = actuals.iter().sum();
    if sum <= 0.0 {
        return f64::NAN;
    }
    actuals.iter().map(|&y| poisson_mean_absolute_deviation(y)).sum::<f64>() / sum
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: f64 = 1e-12;

    #[test]
    fn measures_match_hand_computation() {
        // y = 10, 20, 0, 30; f = 12, 15, 1, 30; p10/p90 chosen so 2 of 4 are covered.
        let s = [
            Scored { actual: 10.0, forecast: 12.0, p10: 9.0, p90: 13.0 },
            Scored { actual: 20.0, forecast: 15.0, p10: 12.0, p90: 18.0 },
            Scored { actual: 0.0, forecast: 1.0, p10: 0.5, p90: 2.0 },
            Scored { actual: 30.0, forecast: 30.0, p10: 25.0, p90: 35.0 },
        ];
        let a = accuracy(&s, 2.0);
        // Σ|e| = 2+5+1+0 = 8, Σy = 60.
        assert!((a.wape - 8.0 / 60.0).abs() < TOL);
        // MAPE over y>0: (0.2 + 0.25 + 0) / 3.
        assert!((a.mape - 0.45 / 3.0).abs() < TOL);
        // MASE: mean|e| = 2, scale 2.
        assert!((a.mase - 1.0).abs() < TOL);
        // bias: Σ(f−y) = 2−5+1+0 = −2.
        assert!((a.bias + 2.0 / 60.0).abs() < TOL);
        assert!((a.coverage_p10_p90 - 0.5).abs() < TOL);
    }

    #[test]
    fn poisson_mad_matches_direct_sum() {
        for lambda in [0.3f64, 1.0, 2.5, 7.0, 40.0, 192.0] {
            // Direct Σ_k |k − λ| P(k), summed far into the tail.
            let mut p = (-lambda).exp();
            let mut direct = p * lambda;
            for k in 1..2000 {
                p *= lambda / k as f64;
                direct += p * (k as f64 - lambda).abs();
            }
            let closed = poisson_mean_absolute_deviation(lambda);
            assert!(
                (closed - direct).abs() < 1e-9 * direct.max(1.0),
                "λ = {lambda}: {closed} vs {direct}"
            );
        }
    }
}
