//! The forecast models, behind one [`Model`] (`fit`) / [`Fitted`] (`predict_day`) interface.
//!
//! Every model reads the calendar-keyed [`QueueSeries`] and uses only days before the origin;
//! every model predicts the *base* volume of a day (event multipliers are applied afterwards by
//! the engine, identically for all models).
//!
//! - [`SeasonalNaive`]: the same interval of the most recent same weekday with data (normally
//!   one week earlier). The baseline every model must beat.
//! - [`WeekdayAverage`]: the mean of the same interval over the last N same weekdays with data
//!   (N = 6 by default) — the planner's classic method.
//! - [`TopDown`]: the standard WFM top-down method. Daily totals are regressed (weighted ridge
//!   least squares on log volume, ndarray) on weekday, business day of the month (first, 2nd–3rd,
//!   4th–5th, last, 2nd–3rd last), the first and second open day after a closure or holiday
//!   (the rebound) and a log-linear growth trend, with exponentially decaying weights so the level
//!   follows the recent past. Beyond the origin the trend is damped (half-life 365 days), so
//!   forecasts up to 18 months ahead flatten instead of compounding. With a year of history or
//!   more, each day is multiplied by the *yearly correction*: over last year's normal days within
//!   two weeks of the same weekday 52 weeks earlier, actual ÷ what the same model fitted 52 weeks
//!   before the origin predicted for them at the same horizon — the yearly season and the lag a
//!   regression on the recent past shows in a rising season, measured where it happened. The
//!   regression's level is then corrected by the *local level*: the recency-weighted mean log
//!   residual of the last weeks' normal days (weights halving every 7 days, shrunk towards 0 by a
//!   prior of 4 days), the level shift an error-correcting (exponential smoothing) model would
//!   carry, which a regression weighted over two months follows only slowly. The rebound of the
//!   first open day after a closure is shrunk towards +20% (the low end of the +20–35% contact
//!   centres report) rather than towards none, so a first closure is not forecast as an ordinary
//!   day. The daily total is spread over the day by a weekday intraday profile: the smoothed share
//!   profile of recent normal days with the same opening pattern (weights halving every
//!   `profile_weeks` weeks, over twice that span), reshaped by the (more heavily smoothed) ratio of
//!   this weekday's own profile to the pooled one. Anomalous days (events, outliers, days after
//!   closures) are kept out of the profile.
//! - [`DoubleSeasonal`]: double-seasonal exponential smoothing (Taylor 2003/2008): level plus an
//!   intraday and an intraweek seasonal component, updated observation by observation, the
//!   seasonal indices keyed on (time-of-day slot) and (weekday, slot) instead of a lag in rows, so
//!   closed nights and missing days do not shift them. Smoothing parameters by grid search on the
//!   one-step-ahead squared error.
//!
//! References: J. W. Taylor, "Short-term electricity demand forecasting using double seasonal
//! exponential smoothing", JORS 54 (2003) 799–805, and "A comparison of univariate time series
//! methods for forecasting intraday arrivals at a call center", Management Science 54(2) (2008)
//! 253–265; R. J. Hyndman & G. Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.),
//! ch. 5 (benchmarks), 7 (regression), 12.1 (complex seasonality).

use ndarray::{s, Array1, Array2, Axis};

use super::series::{smooth_open, QueueSeries};
use super::ForecastError;

/// A forecasting method: learns from the days before `origin` (a day index of the series).
pub trait Model: Send + Sync {
    /// Short name used in reports (`top_down`).
    fn name(&self) -> &'static str;
    /// Days of history (open or not, counted on the calendar) the model needs before the origin.
    fn min_history_days(&self) -> usize;
    fn fit(&self, series: &QueueSeries, origin: usize) -> Result<Box<dyn Fitted>, ForecastError>;
}

/// A fitted model: the base forecast of one day, one value per slot (0 on closed slots).
pub trait Fitted: Send + Sync {
    fn predict_day(&self, series: &QueueSeries, day: usize) -> Vec<f64>;
}

fn not_enough(model: &str, need: usize, have: usize) -> ForecastError {
    ForecastError::TooShort { model: model.to_string(), need_days: need, have_days: have }
}

/// Per-weekday slot arrays: the shape most fitted models reduce to.
struct WeekdayTable {
    values: [Vec<f64>; 7],
}

impl Fitted for WeekdayTable {
    fn predict_day(&self, series: &QueueSeries, day: usize) -> Vec<f64> {
        let info = &series.days[day];
        let w = info.weekday;
        (0..series.slots)
            .map(|s| {
                if info.open && series.open_slots[w][s] {
                    self.values[w][s].max(0.0)
                } else {
                    0.0
                }
            })
            .collect()
    }
}

/// Most recent days of weekday `w` before `origin` that have data and no event (newest first).
fn recent_same_weekday(
    series: &QueueSeries,
    origin: usize,
    w: usize,
    n: usize,
    normal_only: bool,
) -> Vec<usize> {
    let mut out = Vec::with_capacity(n);
    let mut d = origin.min(series.history_days);
    while d > 0 && out.len() < n {
        d -= 1;
        let info = &series.days[d];
        if info.weekday == w
            && info.open
            && !info.event
            && series.has_data(d)
            && (!normal_only || info.is_normal())
        {
            out.push(d);
        }
    }
    out
}

/// Seasonal naive: the same interval one week earlier (or the latest same weekday with data).
#[derive(Debug, Clone, Default)]
pub struct SeasonalNaive;

impl Model for SeasonalNaive {
    fn name(&self) -> &'static str {
        "seasonal_naive"
    }
    fn min_history_days(&self) -> usize {
        7
    }
    fn fit(&self, series: &QueueSeries, origin: usize) -> Result<Box<dyn Fitted>, ForecastError> {
        if origin < self.min_history_days() {
            return Err(not_enough(self.name(), self.min_history_days(), origin));
        }
        let values = std::array::from_fn(|w| {
            let days = recent_same_weekday(series, origin, w, 4, false);
            (0..series.slots)
                .map(|s| {
                    days.iter().map(|&d| series.value(d, s)).find(|x| !x.is_nan()).unwrap_or(0.0)
                })
                .collect()
        });
        Ok(Box::new(WeekdayTable { values }))
    }
}

/// Same-weekday average of the last `weeks` same weekdays with data.
#[derive(Debug, Clone)]
pub struct WeekdayAverage {
    pub weeks: usize,
}

impl Default for WeekdayAverage {
    fn default() -> Self {
        WeekdayAverage { weeks: 6 }
    }
}

impl Model for WeekdayAverage {
    fn name(&self) -> &'static str {
        "weekday_average"
    }
    fn min_history_days(&self) -> usize {
        7
    }
    fn fit(&self, series: &QueueSeries, origin: usize) -> Result<Box<dyn Fitted>, ForecastError> {
        if origin < self.min_history_days() {
            return Err(not_enough(self.name(), self.min_history_days(), origin));
        }
        let values = std::array::from_fn(|w| {
            let days = recent_same_weekday(series, origin, w, self.weeks, false);
            (0..series.slots)
                .map(|s| {
                    let (sum, n) = days
                        .iter()
                        .map(|&d| series.value(d, s))
                        .filter(|x| !x.is_nan())
                        .fold((0.0, 0), |(a, n), x| (a + x, n + 1));
                    if n > 0 {
                        sum / n as f64
                    } else {
                        0.0
                    }
                })
                .collect()
        });
        Ok(Box::new(WeekdayTable { values }))
    }
}

/// Settings of the top-down model (defaults are generic WFM choices, see the README).
#[derive(Debug, Clone)]
pub struct TopDown {
    /// Half-life of the weights of past days in the daily regression, days.
    pub half_life_days: f64,
    /// Longest history used by the daily regression, days.
    pub window_days: usize,
    /// Ridge penalty (in units of one fully weighted day) on the rebound effects.
    pub rebound_penalty: f64,
    /// Ridge penalty on the business-day-of-month effects.
    pub calendar_penalty: f64,
    /// Half-life of the weights of past days in the intraday profiles, weeks; the profiles use
    /// the normal days of twice this many weeks.
    pub profile_weeks: usize,
    /// Smoothing half-width (minutes, rounded to whole intervals) of the pooled profile and of
    /// the weekday reshaping ratio: the same clock span at every interval length.
    pub profile_smoothing_minutes: u32,
    pub weekday_shape_smoothing_minutes: u32,
    /// Ridge penalty on the log-linear trend (per year).
    pub trend_penalty: f64,
    /// Half-life of the growth trend beyond the origin, days: the trend's daily step is damped
    /// by `φ = 2^(−1/half_life)` per day ahead (Gardner & McKenzie's damped trend), so growth
    /// flattens instead of compounding over long horizons.
    pub trend_damping_half_life_days: f64,
    /// Half-width of the window of last year's days the yearly correction is measured on, days.
    pub yearly_window_days: usize,
    /// Half-life of the weights of the local level correction, days (see [`TopDown::local_level`]).
    pub local_level_half_life_days: f64,
    /// Pseudo-count of days at residual 0 the local level is shrunk with.
    pub local_level_prior_days: f64,
    /// Prior mean of the first rebound day's log multiplier: its ridge penalty pulls towards
    /// this value instead of 0 (see `solve_weighted`).
    pub rebound_prior: f64,
}

impl Default for TopDown {
    fn default() -> Self {
        TopDown {
            half_life_days: 56.0,
            window_days: 364,
            rebound_penalty: 0.1,
            calendar_penalty: 0.3,
            profile_weeks: 8,
            profile_smoothing_minutes: 10,
            weekday_shape_smoothing_minutes: 30,
            trend_penalty: 1.0,
            trend_damping_half_life_days: 365.0,
            yearly_window_days: 14,
            local_level_half_life_days: 7.0,
            local_level_prior_days: 4.0,
            // ln 1.2: the first open day after a closure or holiday runs +20–35% (DESIGN.md).
            rebound_prior: 0.182_321_556_793_954_6,
        }
    }
}

/// Days of one seasonal year on the weekly grid (52 weeks), so weekdays line up.
pub const YEAR_DAYS: usize = 364;

/// Damped years ahead of a day `h` days after the origin: `Σ_{i=1..h} φ^i / 365.25` with
/// `φ = 2^(−1/half_life)`, i.e. `φ(1 − φ^h)/(1 − φ) / 365.25` (Gardner & McKenzie 1985; FPP3
/// §8.2). Days before the origin keep their plain age in years, as in the fit.
fn damped_years(days_ahead: f64, half_life_days: f64) -> f64 {
    if days_ahead <= 0.0 || !half_life_days.is_finite() {
        return days_ahead / 365.25;
    }
    let phi = (-std::f64::consts::LN_2 / half_life_days).exp();
    phi * (1.0 - phi.powf(days_ahead)) / (1.0 - phi) / 365.25
}

/// Number of regression features: 7 weekdays, 2 rebound days, 5 business-day-of-month effects,
/// the trend.
const N_FEATURES: usize = 15;

/// Feature vector of a day for the daily regression.
fn day_features(series: &QueueSeries, day: usize, origin: usize) -> [f64; N_FEATURES] {
    day_features_damped(series, day, origin, f64::INFINITY)
}

/// [`day_features`] with the trend damped beyond the origin (see [`damped_years`]).
fn day_features_damped(
    series: &QueueSeries,
    day: usize,
    origin: usize,
    damping_half_life_days: f64,
) -> [f64; N_FEATURES] {
    let info = &series.days[day];
    let mut x = [0.0; N_FEATURES];
    x[info.weekday] = 1.0;
    x[7] = f64::from(u8::from(info.after_closure_1));
    x[8] = f64::from(u8::from(info.after_closure_2));
    let (i, j) = (info.business_day_from_start, info.business_day_from_end);
    x[9] = f64::from(u8::from(i == 0));
    x[10] = f64::from(u8::from((1..=2).contains(&i)));
    x[11] = f64::from(u8::from((3..=4).contains(&i)));
    x[12] = f64::from(u8::from(j == 0));
    x[13] = f64::from(u8::from((1..=2).contains(&j)));
    // Growth: log-linear trend in years from the origin (the weekday terms are the level there).
    x[14] = damped_years(day as f64 - origin as f64, damping_half_life_days);
    x
}

/// Solve the symmetric positive definite system `a x = b` by Cholesky decomposition
/// `a = L Lᵀ`, then `L y = b` forwards and `Lᵀ x = y` backwards (Golub & Van Loan, *Matrix
/// Computations* 4th ed., §4.2); `None` if `a` is not positive definite.
fn solve_spd(a: &Array2<f64>, b: &Array1<f64>) -> Option<Array1<f64>> {
    let n = b.len();
    let mut l = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            let s = a[[i, j]] - l.slice(s![i, ..j]).dot(&l.slice(s![j, ..j]));
            if i == j {
                if s <= 0.0 {
                    return None;
                }
                l[[i, i]] = s.sqrt();
            } else {
                l[[i, j]] = s / l[[j, j]];
            }
        }
    }
    let mut y = Array1::<f64>::zeros(n);
    for i in 0..n {
        y[i] = (b[i] - l.slice(s![i, ..i]).dot(&y.slice(s![..i]))) / l[[i, i]];
    }
    let mut x = Array1::<f64>::zeros(n);
    for i in (0..n).rev() {
        x[i] = (y[i] - l.slice(s![i + 1.., i]).dot(&x.slice(s![i + 1..]))) / l[[i, i]];
    }
    Some(x)
}

/// The weighted least-squares problem of the daily regression: one row per usable history day.
struct DailyDesign {
    /// Feature rows (see [`day_features`]), days × [`N_FEATURES`].
    features: Array2<f64>,
    /// ln of each day's total volume.
    log_totals: Array1<f64>,
    /// Each day's weight `2^(−age / half_life)`.
    weights: Array1<f64>,
}

/// Fitted daily-regression coefficients and weekday profiles.
pub struct TopDownFit {
    /// Log-volume coefficients (see [`day_features`]).
    pub coefficients: [f64; N_FEATURES],
    /// Intraday share profile per weekday (sums to 1 over open slots).
    pub profiles: [Vec<f64>; 7],
    /// Day index of the origin (trend is measured from it).
    pub origin: usize,
    /// Half-life of the trend beyond the origin, days.
    pub damping_half_life_days: f64,
    /// The same model fitted a year (or two) before the origin, whose errors on last year's
    /// days give the yearly correction; `None` when the history is shorter than a year.
    pub year_ago: Vec<YearAgo>,
    /// Half-width of the yearly correction's window, days.
    pub yearly_window_days: usize,
    /// The local level multiplier at the origin (see [`TopDown::local_level`]).
    pub local_level: f64,
}

/// The daily model fitted `years × 364` days before the origin.
pub struct YearAgo {
    pub years: usize,
    pub coefficients: [f64; N_FEATURES],
    /// Its local level, so the yearly correction measures only what the local level misses.
    pub local_level: f64,
    pub origin: usize,
}

impl TopDownFit {
    /// Daily total the regression gives a day (before the yearly correction).
    fn regression_level(
        series: &QueueSeries,
        coefficients: &[f64; N_FEATURES],
        day: usize,
        origin: usize,
        damping: f64,
    ) -> f64 {
        let x = day_features_damped(series, day, origin, damping);
        x.iter().zip(coefficients).map(|(a, b)| a * b).sum::<f64>().exp()
    }

    /// Yearly correction of a day: over last year's normal, complete days within
    /// `yearly_window_days` of the same weekday 52 weeks earlier (104 when the window a year back
    /// is not yet history), actual ÷ what the model fitted a year earlier predicted for them at the
    /// same horizon. It carries the yearly season and the model's seasonal lag (a regression on
    /// the recent past trails a rising season); 1 without a year of history.
    pub fn yearly_factor(&self, series: &QueueSeries, day: usize) -> f64 {
        for ago in &self.year_ago {
            let back = ago.years * YEAR_DAYS;
            let Some(centre) = day.checked_sub(back) else { continue };
            let lo = centre.saturating_sub(self.yearly_window_days);
            let hi = (centre + self.yearly_window_days).min(self.origin.saturating_sub(1));
            let (mut actual, mut predicted, mut n) = (0.0, 0.0, 0usize);
            for d in lo..=hi {
                if d < ago.origin || !series.usable(d, self.origin) {
                    continue;
                }
                actual += series.day_total(d);
                predicted += Self::regression_level(
                    series,
                    &ago.coefficients,
                    d,
                    ago.origin,
                    self.damping_half_life_days,
                ) * ago.local_level;
                n += 1;
            }
            // A week of last year's days at least, else try two years back.
            if n >= 7 && predicted > 0.0 {
                return actual / predicted;
            }
        }
        1.0
    }
}

impl Fitted for TopDownFit {
    fn predict_day(&self, series: &QueueSeries, day: usize) -> Vec<f64> {
        let info = &series.days[day];
        if !info.open {
            return vec![0.0; series.slots];
        }
        let level = Self::regression_level(
            series,
            &self.coefficients,
            day,
            self.origin,
            self.damping_half_life_days,
        ) * self.yearly_factor(series, day)
            * self.local_level;
        self.profiles[info.weekday].iter().map(|p| level * p).collect()
    }
}

impl TopDown {
    /// Weighted ridge regression of log daily totals: minimise
    /// `Σ_d w_d (ln y_d − x_dᵀβ)² + Σ_k λ_k β_k²`, `w_d = 2^(−age_d / half_life)`, by the normal
    /// equations `(XᵀWX + Λ) β = XᵀW ln y` (FPP3 §7; ridge: Hastie et al., ESL §3.4.1).
    fn fit_daily(
        &self,
        series: &QueueSeries,
        origin: usize,
    ) -> Result<[f64; N_FEATURES], ForecastError> {
        let (mut features, mut log_totals, mut weights) = (Vec::new(), Vec::new(), Vec::new());
        let mut weekday_weight = [0.0; 7];
        let start = origin.saturating_sub(self.window_days);
        for d in start..origin.min(series.history_days) {
            let info = &series.days[d];
            // Rebound days are kept (they carry their own indicator); other anomalies are not.
            let ok = info.open && !info.event && !info.outlier && series.is_complete(d);
            let total = series.day_total(d);
            if !ok || total <= 0.0 {
                continue;
            }
            let w = (-((origin - d) as f64) / self.half_life_days * std::f64::consts::LN_2).exp();
            features.extend(day_features(series, d, origin));
            log_totals.push(total.ln());
            weights.push(w);
            weekday_weight[info.weekday] += w;
        }
        if weekday_weight.iter().all(|&w| w == 0.0) {
            return Err(ForecastError::NoUsableDays { model: "top_down".into() });
        }
        let design = DailyDesign {
            features: Array2::from_shape_vec((weights.len(), N_FEATURES), features)
                .expect("N_FEATURES values per day"),
            log_totals: Array1::from(log_totals),
            weights: Array1::from(weights),
        };
        let beta = self.solve_weighted(&design)?;
        let mut out = [0.0; N_FEATURES];
        out.iter_mut().zip(beta.iter()).for_each(|(o, b)| *o = *b);
        // A weekday open in the forecast but never seen: the mean of the seen weekdays.
        let seen: Vec<f64> = (0..7).filter(|&w| weekday_weight[w] > 0.0).map(|w| out[w]).collect();
        let mean_seen = seen.iter().sum::<f64>() / seen.len() as f64;
        for w in 0..7 {
            if weekday_weight[w] == 0.0 {
                out[w] = mean_seen;
            }
        }
        Ok(out)
    }

    /// Normal equations `(XᵀWX + Λ) β = XᵀW y` of the design.
    fn solve_weighted(&self, design: &DailyDesign) -> Result<Array1<f64>, ForecastError> {
        let weighted = &design.features * &design.weights.view().insert_axis(Axis(1));
        let mut xtx = weighted.t().dot(&design.features);
        let xty = weighted.t().dot(&design.log_totals);
        let rebound_weight = xtx[[7, 7]];
        for i in 0..N_FEATURES {
            xtx[[i, i]] += match i {
                0..=6 => 1e-9,
                7 | 8 => self.rebound_penalty,
                14 => self.trend_penalty,
                _ => self.calendar_penalty,
            };
        }
        let mut beta = solve_spd(&xtx, &xty).ok_or_else(|| {
            ForecastError::Numerical("top_down: singular normal equations".into())
        })?;
        // The first rebound day shrunk towards the prior μ instead of 0: the ridge penalty
        // λ(β₇ − μ)² for an indicator orthogonal to the others moves β₇ by λμ / (Σw + λ), Σw the
        // weight of the rebound days. Applied after the solve, so the other coefficients (and
        // every other day's forecast) are those of the ridge towards 0.
        let lambda = self.rebound_penalty;
        beta[7] += lambda * self.rebound_prior / (rebound_weight + lambda);
        Ok(beta)
    }

    fn fit_profiles(&self, series: &QueueSeries, origin: usize) -> [Vec<f64>; 7] {
        let slots = series.slots;
        // Recency weights: a profile drifts (seasons, opening changes), yet 5-minute shares need
        // many days to be steady, so more weeks are used, the older ones counting less.
        let half_life = 7.0 * self.profile_weeks as f64;
        let shares_of = |days: &[usize]| -> Vec<f64> {
            let mut p = vec![0.0; slots];
            let mut n = 0.0;
            for &d in days {
                let t = series.day_total(d);
                if t <= 0.0 {
                    continue;
                }
                let weight = (-((origin - d) as f64) / half_life * std::f64::consts::LN_2).exp();
                for (s, v) in series.day_values(d).iter().enumerate() {
                    if !v.is_nan() {
                        p[s] += weight * v / t;
                    }
                }
                n += weight;
            }
            if n > 0.0 {
                p.iter_mut().for_each(|x| *x /= n);
            }
            p
        };
        std::array::from_fn(|w| {
            let open = &series.open_slots[w];
            if !open.iter().any(|&o| o) {
                return vec![0.0; slots];
            }
            let group: Vec<usize> = (0..7).filter(|&v| series.open_slots[v] == *open).collect();
            let weeks = 2 * self.profile_weeks;
            let mut pooled_days = Vec::new();
            let mut own_days = Vec::new();
            let mut d = origin.min(series.history_days);
            while d > 0 && (pooled_days.len() < weeks * group.len() || own_days.len() < weeks) {
                d -= 1;
                if !series.usable(d, origin) || !group.contains(&series.days[d].weekday) {
                    continue;
                }
                if pooled_days.len() < weeks * group.len() {
                    pooled_days.push(d);
                }
                if series.days[d].weekday == w && own_days.len() < weeks {
                    own_days.push(d);
                }
            }
            // Too few normal days: fall back to any days with data of the weekday.
            if own_days.is_empty() {
                own_days = recent_same_weekday(series, origin, w, weeks, false);
            }
            if pooled_days.is_empty() {
                pooled_days = own_days.clone();
            }
            let pooled = shares_of(&pooled_days);
            let own = shares_of(&own_days);
            let slots_of = |minutes: u32| {
                (f64::from(minutes) / f64::from(series.grid.interval_minutes)).round() as usize
            };
            let (h, h_wide) = (
                slots_of(self.profile_smoothing_minutes),
                slots_of(self.weekday_shape_smoothing_minutes),
            );
            let base = smooth_open(&pooled, open, h);
            let own_wide = smooth_open(&own, open, h_wide);
            let pooled_wide = smooth_open(&pooled, open, h_wide);
            let mut p: Vec<f64> = (0..slots)
                .map(|s| {
                    if !open[s] {
                        0.0
                    } else if pooled_wide[s] > 0.0 {
                        base[s] * own_wide[s] / pooled_wide[s]
                    } else {
                        own_wide[s]
                    }
                })
                .collect();
            let total: f64 = p.iter().sum();
            if total > 0.0 {
                p.iter_mut().for_each(|x| *x /= total);
            } else {
                let n = open.iter().filter(|&&o| o).count() as f64;
                p = open.iter().map(|&o| if o { 1.0 / n } else { 0.0 }).collect();
            }
            p
        })
    }
}

impl TopDown {
    /// Local level multiplier at `origin`: `exp(r̄ · n/(n + k))`, where
    /// `r̄ = Σ w_d (ln y_d − x_dᵀβ) / Σ w_d` is the weighted mean log residual of the normal,
    /// complete days of the last six half-lives, `w_d = 2^(−age_d / half_life)`,
    /// `n = (Σ w_d)² / Σ w_d²` their effective number (Kish) and `k` the prior days. It is the
    /// level an exponentially weighted moving average of the residuals carries (simple
    /// exponential smoothing, FPP3 §8.1), shrunk where few days back it.
    pub fn local_level(
        &self,
        series: &QueueSeries,
        origin: usize,
        coefficients: &[f64; N_FEATURES],
    ) -> f64 {
        let half_life = self.local_level_half_life_days;
        let start = origin.saturating_sub((6.0 * half_life).ceil() as usize);
        let (mut sum, mut weights, mut squares) = (0.0, 0.0, 0.0);
        for d in start..origin.min(series.history_days) {
            let total = series.day_total(d);
            if !series.usable(d, origin) || total <= 0.0 {
                continue;
            }
            let x = day_features(series, d, origin);
            let fitted: f64 = x.iter().zip(coefficients).map(|(a, b)| a * b).sum();
            let w = (-((origin - d) as f64) / half_life * std::f64::consts::LN_2).exp();
            sum += w * (total.ln() - fitted);
            weights += w;
            squares += w * w;
        }
        if weights <= 0.0 {
            return 1.0;
        }
        let n = weights * weights / squares;
        (sum / weights * n / (n + self.local_level_prior_days)).exp()
    }

    /// Fitted rebound multipliers `(e^β₁, e^β₂)` of the first and second open day after a
    /// closure or holiday, from history before `origin`.
    pub fn rebound(&self, series: &QueueSeries, origin: usize) -> Option<(f64, f64)> {
        if origin < self.min_history_days() {
            return None;
        }
        self.fit_daily(series, origin).ok().map(|b| (b[7].exp(), b[8].exp()))
    }
}

impl Model for TopDown {
    fn name(&self) -> &'static str {
        "top_down"
    }
    fn min_history_days(&self) -> usize {
        14
    }
    fn fit(&self, series: &QueueSeries, origin: usize) -> Result<Box<dyn Fitted>, ForecastError> {
        if origin < self.min_history_days() {
            return Err(not_enough(self.name(), self.min_history_days(), origin));
        }
        let coefficients = self.fit_daily(series, origin)?;
        let profiles = self.fit_profiles(series, origin);
        let local_level = self.local_level(series, origin, &coefficients);
        // Last year's fits: only where a year (two) of history lies before the origin.
        let year_ago = (1..=2)
            .filter_map(|years| {
                let o = origin.checked_sub(years * YEAR_DAYS)?;
                if o < self.min_history_days() {
                    return None;
                }
                let coefficients = self.fit_daily(series, o).ok()?;
                let local_level = self.local_level(series, o, &coefficients);
                Some(YearAgo { years, coefficients, local_level, origin: o })
            })
            .collect();
        Ok(Box::new(TopDownFit {
            coefficients,
            profiles,
            origin,
            damping_half_life_days: self.trend_damping_half_life_days,
            year_ago,
            yearly_window_days: self.yearly_window_days,
            local_level,
        }))
    }
}

/// Double-seasonal exponential smoothing (Taylor 2003), additive form:
///
/// ```text
/// ŷ_t   = l + d[slot] + w[weekday][slot]
/// e_t   = y_t − ŷ_t
/// l    += α e_t,   d[slot] += δ e_t,   w[weekday][slot] += ω e_t
/// ```
/// The h-step forecast is `l + d[slot] + w[weekday][slot]` (Taylor's AR(1) residual term decays
/// within hours and is left out for day-ahead horizons).
#[derive(Debug, Clone)]
pub struct DoubleSeasonal {
    /// Weeks of history the states are run over (the first two initialise the seasonals).
    pub weeks: usize,
}

impl Default for DoubleSeasonal {
    fn default() -> Self {
        DoubleSeasonal { weeks: 10 }
    }
}

struct DsesState {
    level: f64,
    daily: Vec<f64>,
    weekly: [Vec<f64>; 7],
}

impl Fitted for DsesState {
    fn predict_day(&self, series: &QueueSeries, day: usize) -> Vec<f64> {
        let info = &series.days[day];
        (0..series.slots)
            .map(|s| {
                if info.open && series.open_slots[info.weekday][s] {
                    (self.level + self.daily[s] + self.weekly[info.weekday][s]).max(0.0)
                } else {
                    0.0
                }
            })
            .collect()
    }
}

impl DoubleSeasonal {
    /// Run the recursions over `days`, returning the state and the SSE of day-start forecasts
    /// after `burn_in` days.
    fn run(
        series: &QueueSeries,
        days: &[usize],
        init: &DsesState,
        params: (f64, f64, f64),
        burn_in: usize,
    ) -> (DsesState, f64) {
        let (alpha, delta, omega) = params;
        let mut st =
            DsesState { level: init.level, daily: init.daily.clone(), weekly: init.weekly.clone() };
        let mut sse = 0.0;
        for (k, &d) in days.iter().enumerate() {
            let w = series.days[d].weekday;
            let level_at_day_start = st.level;
            for (s, &y) in series.day_values(d).iter().enumerate() {
                if y.is_nan() {
                    continue;
                }
                let e = y - (st.level + st.daily[s] + st.weekly[w][s]);
                if k >= burn_in {
                    // Scored as forecast from the start of the day (each slot's seasonal indices
                    // are not touched before the slot itself), so the parameters suit day-ahead
                    // use rather than chasing the last 5 minutes.
                    let e_day = y - (level_at_day_start + st.daily[s] + st.weekly[w][s]);
                    sse += e_day * e_day;
                }
                st.level += alpha * e;
                st.daily[s] += delta * e;
                st.weekly[w][s] += omega * e;
            }
        }
        (st, sse)
    }
}

impl Model for DoubleSeasonal {
    fn name(&self) -> &'static str {
        "double_seasonal"
    }
    fn min_history_days(&self) -> usize {
        14
    }
    fn fit(&self, series: &QueueSeries, origin: usize) -> Result<Box<dyn Fitted>, ForecastError> {
        if origin < self.min_history_days() {
            return Err(not_enough(self.name(), self.min_history_days(), origin));
        }
        let start = origin.saturating_sub(self.weeks * 7);
        let days: Vec<usize> = (start..origin).filter(|&d| series.usable(d, origin)).collect();
        if days.is_empty() {
            return Err(ForecastError::NoUsableDays { model: self.name().into() });
        }
        // Initialise from the first two weeks: level = mean, weekly index = mean deviation.
        let init_end = days.iter().position(|&d| d >= days[0] + 14).unwrap_or(days.len());
        let all: Vec<f64> = days[..init_end]
            .iter()
            .flat_map(|&d| series.day_values(d).iter().copied())
            .filter(|x| !x.is_nan())
            .collect();
        let level = all.iter().sum::<f64>() / all.len().max(1) as f64;
        let weekly = std::array::from_fn(|w| {
            (0..series.slots)
                .map(|s| {
                    let v: Vec<f64> = days[..init_end]
                        .iter()
                        .filter(|&&d| series.days[d].weekday == w)
                        .map(|&d| series.value(d, s))
                        .filter(|x| !x.is_nan())
                        .collect();
                    if v.is_empty() {
                        0.0
                    } else {
                        v.iter().sum::<f64>() / v.len() as f64 - level
                    }
                })
                .collect()
        });
        let init = DsesState { level, daily: vec![0.0; series.slots], weekly };
        // Grid search on the one-step-ahead SSE after the initialisation weeks.
        let mut best: Option<((f64, f64, f64), f64)> = None;
        for &alpha in &[0.002, 0.01, 0.05] {
            for &delta in &[0.0, 0.02, 0.1] {
                for &omega in &[0.02, 0.1, 0.3] {
                    let (_, sse) = Self::run(series, &days, &init, (alpha, delta, omega), init_end);
                    if best.is_none_or(|(_, b)| sse < b) {
                        best = Some(((alpha, delta, omega), sse));
                    }
                }
            }
        }
        let params = best.map(|b| b.0).unwrap_or((0.01, 0.02, 0.1));
        let (state, _) = Self::run(series, &days, &init, params, days.len());
        Ok(Box::new(state))
    }
}

/// The models the engine compares, in report order.
pub fn all_models() -> Vec<Box<dyn Model>> {
    vec![
        Box::new(SeasonalNaive),
        Box::new(WeekdayAverage::default()),
        Box::new(TopDown::default()),
        Box::new(DoubleSeasonal::default()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damped_years_sum_the_damped_daily_steps() {
        // Direct sum Σ_{i=1..h} φ^i / 365.25 with φ = 2^(−1/365): the closed form must match it,
        // a year ahead counts (1 − ½)·φ/(1 − φ) days, and no horizon exceeds φ/(1 − φ) days.
        let phi = 0.5f64.powf(1.0 / 365.0);
        for h in [1usize, 7, 100, 365, 548] {
            let direct: f64 = (1..=h).map(|i| phi.powi(i as i32)).sum::<f64>() / 365.25;
            let closed = damped_years(h as f64, 365.0);
            assert!((closed - direct).abs() < 1e-12, "h = {h}: {closed} vs {direct}");
        }
        let year = damped_years(365.0, 365.0) * 365.25;
        assert!((year - 0.5 * phi / (1.0 - phi)).abs() < 1e-9);
        assert!(damped_years(1e6, 365.0) * 365.25 <= phi / (1.0 - phi) + 1e-9);
        // Undamped (infinite half-life) and past days: plain years.
        assert!((damped_years(-30.0, 365.0) + 30.0 / 365.25).abs() < 1e-15);
        assert!((damped_years(30.0, f64::INFINITY) - 30.0 / 365.25).abs() < 1e-15);
    }

    /// Weekdays 09:00–17:00 hourly from Monday 2025-01-06 for `days` days of history (and a
    /// week after), `level(d)` contacts a slot; no declared hours, closures or events.
    fn weekday_series(days: i64, level: impl Fn(i64) -> f64) -> QueueSeries {
        use super::super::series::{build_series, SeriesInput};
        use chrono::{Datelike, Duration, NaiveDate, Timelike};
        let tz: chrono_tz::Tz = "Europe/Paris".parse().expect("tz");
        let grid = crate::time::IntervalGrid::new(tz, 60).expect("grid");
        let first = NaiveDate::from_ymd_opt(2025, 1, 6).expect("date");
        let mut observations = Vec::new();
        for d in 0..days {
            let date = first + Duration::days(d);
            if date.weekday().num_days_from_monday() >= 5 {
                continue;
            }
            for stamp in grid.day_starts(date) {
                if (9..17).contains(&stamp.hour()) {
                    observations.push((stamp, level(d), None));
                }
            }
        }
        build_series(SeriesInput {
            queue: "q",
            grid,
            observations,
            opening_hours: None,
            first,
            // A week to forecast after the history.
            last: first + Duration::days(days + 6),
            history_end: first + Duration::days(days),
            closed_dates: Vec::new(),
            holiday_dates: Vec::new(),
            event_dates: Vec::new(),
            infer_closures: true,
        })
    }

    #[test]
    fn local_level_is_the_shrunk_weighted_mean_log_residual() {
        // Every day 8 slots × 11 = 88 contacts against coefficients that predict 80 (weekday
        // terms ln 80, all others 0): each residual is ln 1.1. Weights 2^(−age/7) over the
        // weekdays of the last 42 days, summed directly here.
        let series = weekday_series(70, |_| 11.0);
        let origin = 70;
        let mut beta = [0.0; N_FEATURES];
        beta[..7].iter_mut().for_each(|b| *b = 80f64.ln());
        let model = TopDown::default();
        let (mut sw, mut sw2) = (0.0, 0.0);
        for d in origin - 42..origin {
            if series.days[d].weekday < 5 {
                let w = 0.5f64.powf((origin - d) as f64 / 7.0);
                sw += w;
                sw2 += w * w;
            }
        }
        let n = sw * sw / sw2;
        let want = (1.1f64.ln() * n / (n + 4.0)).exp();
        let got = model.local_level(&series, origin, &beta);
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        // Between no correction and the full 10%.
        assert!(got > 1.05 && got < 1.1, "{got}");
        // Coefficients that fit exactly leave the level alone.
        beta[..7].iter_mut().for_each(|b| *b = 88f64.ln());
        assert!((model.local_level(&series, origin, &beta) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_level_shift_in_the_last_weeks_moves_the_forecast_towards_it() {
        // 12 weeks at 10 a slot, then the last two weeks at 12: a regression weighted with a
        // 56-day half-life trails the shift (83 a day); the local level brings the forecast
        // nearer the 96 a day of the last weeks.
        let series = weekday_series(98, |d| if d >= 84 { 12.0 } else { 10.0 });
        let with = TopDown::default().fit(&series, 98).expect("fit");
        let without = TopDown { local_level_prior_days: f64::INFINITY, ..TopDown::default() }
            .fit(&series, 98);
        let day = |f: &dyn Fitted| f.predict_day(&series, 98).iter().sum::<f64>();
        let (a, b) = (day(with.as_ref()), day(without.expect("fit").as_ref()));
        // Towards the new level, without overshooting it (the correction is shrunk).
        assert!(b < a && a < 96.0, "with {a}, without {b}");
    }

    #[test]
    fn without_rebound_days_the_rebound_is_its_prior() {
        // No closure in the history: the ridge term alone fixes the rebound coefficients, at
        // ln 1.2 for the first day and 0 for the second.
        let series = weekday_series(42, |_| 10.0);
        let (first, second) = TopDown::default().rebound(&series, 42).expect("fit");
        assert!((first - 1.2).abs() < 1e-9, "{first}");
        assert!((second - 1.0).abs() < 1e-9, "{second}");
    }

    #[test]
    fn cholesky_solves_a_hand_worked_system() {
        // A = [[4,2,0],[2,5,1],[0,1,3]], x = [1,-1,2] → b = A x = [2,-1,5].
        let a = ndarray::arr2(&[[4.0, 2.0, 0.0], [2.0, 5.0, 1.0], [0.0, 1.0, 3.0]]);
        let b = ndarray::arr1(&[2.0, -1.0, 5.0]);
        let x = solve_spd(&a, &b).expect("positive definite");
        for (got, want) in x.iter().zip([1.0, -1.0, 2.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        let singular = ndarray::arr2(&[[1.0, 1.0], [1.0, 1.0]]);
        assert!(solve_spd(&singular, &ndarray::arr1(&[1.0, 1.0])).is_none());
    }
}
