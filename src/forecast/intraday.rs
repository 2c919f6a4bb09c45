//! Intraday re-forecast: the rest of today from this morning's actuals.
//!
//! [`run_intraday`] makes the day-ahead forecast of the `as_of` day (history before that day
//! only, as [`run_forecast`] does for a start inside the history), then compares the day's
//! actuals `A` in the last [`RECENT_MINUTES`] before `as_of` with that forecast `F` over the same
//! intervals, per queue, and rescales the rest of the day by how the day is running:
//!
//! ```text
//! m = ((A/φ + κ) / (F/φ + κ))^PERSISTENCE,   κ = 1 / DAY_LEVEL_CV²,   φ = 1 + F·σ²
//! ```
//! `(A + κ)/(F + κ)` is the posterior mean of the day multiplier under Poisson counts and a
//! gamma prior with mean 1 and coefficient of variation [`DAY_LEVEL_CV`] (Gelman et al.,
//! *Bayesian Data Analysis* 3rd ed., §2.6): with few contacts so far (early, or a small queue)
//! it stays near 1. A window's counts vary more than Poisson counts, because the window's share
//! of a day moves from day to day: with a relative variance `σ²` of that share,
//! `Var(A) = F + σ²F²` (the NB2 variance of Cameron & Trivedi, *Regression Analysis of Count
//! Data*, ch. 3), and under quasi-likelihood counts of variance `φ·F` weigh as `F/φ` Poisson
//! counts (McCullagh & Nelder, *Generalized Linear Models* 2nd ed., ch. 9), `φ = 1 + F·σ²`.
//! `σ²` is measured per queue on the history (see
//! [`window_share_variance`]), so a large queue whose mornings wander is not followed as if its
//! thousands of contacts were all signal. Only part of a deviation persists into the rest of
//! the day, and the recent hours say more about it than the early morning: on the US bank
//! series (26 weekly folds) the last two hours beat the whole morning (rest of day 5-minute
//! WAPE at 11:00: 6.79% against 6.92% with the same method on 07:00–11:00), and keeping half the
//! log-deviation ([`PERSISTENCE`]) is the cautious choice: the re-forecast then beats the
//! day-ahead forecast on 89 of 126 days, where the squared-error fit of the bank's folds (about
//! 0.6 of the recent deviation persisting) gives a lower WAPE (6.71%) but beats it on fewer days
//! (82). Later days carry the correction damped, `1 + (m − 1)·DAMPING^k` on the `k`-th day
//! after. P10 and P90 are scaled by the same factor.
//!
//! [`backtest_intraday`] scores the re-forecast against the day-ahead forecast over the rest of
//! each test day, at the given times of day.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::{run_forecast, BacktestOptions, ForecastConfig, ForecastError, ForecastOutput};
use crate::io::events::Event;
use crate::io::forecast::ForecastRow;
use crate::io::history::HistoryFrame;
use crate::site::Site;

/// Coefficient of variation of a day's level around its day-ahead forecast (the prior of the
/// rescaling): about the daily WAPE of a good day-ahead forecast.
pub const DAY_LEVEL_CV: f64 = 0.06;

/// Share of today's correction kept on the next day (then squared on the day after, ...).
pub const DAMPING: f64 = 0.5;

/// The recent actuals the rescaling reads: the last two hours before `as_of`.
pub const RECENT_MINUTES: i64 = 120;

/// Share of the recent log-deviation kept over the rest of the day: a cautious half (see the
/// module docs for what a larger share gains and costs on the US bank series).
pub const PERSISTENCE: f64 = 0.5;

/// Fewest degrees of freedom (past days less one per weekday) for a measured window share
/// variance; with fewer the counts are taken as Poisson.
const MIN_SHARE_DAYS: usize = 5;

/// Posterior mean of the day multiplier given `actual` contacts against `forecast` so far, the
/// counts worth `dispersion` times fewer Poisson counts (`φ` of the module docs, at least 1).
pub fn day_ratio(actual: f64, forecast: f64, dispersion: f64) -> f64 {
    let kappa = 1.0 / (DAY_LEVEL_CV * DAY_LEVEL_CV);
    (actual / dispersion + kappa) / (forecast / dispersion + kappa)
}

/// The multiplier of the rest of the day: the posterior day ratio, of which [`PERSISTENCE`]
/// of the log-deviation is kept.
pub fn rest_of_day_multiplier(actual: f64, forecast: f64, dispersion: f64) -> f64 {
    day_ratio(actual, forecast, dispersion).powf(PERSISTENCE)
}

/// Actual contacts per `(queue, local interval start)`.
type Actuals = BTreeMap<(String, NaiveDateTime), f64>;

fn actuals_of(history: &HistoryFrame) -> Actuals {
    let mut clock = crate::time::ZoneClock::new(history.tz);
    let mut actuals = Actuals::new();
    for q in &history.queues {
        for (&t, &contacts) in q.starts.iter().zip(&q.contacts) {
            let local = clock.stamp(t).expect("a validated instant").naive_local();
            actuals.insert((q.queue.clone(), local), contacts);
        }
    }
    actuals
}

/// One local day of a queue's history.
#[derive(Debug, Clone, PartialEq)]
pub struct PastDay {
    /// `(local time of day, contacts)`, in the history's order.
    pub slots: Vec<(NaiveTime, f64)>,
    /// Distinct local times of day among `slots`: a fall-back day's repeated hour counts once,
    /// so a complete daylight-saving day is as complete as any other.
    pub distinct_times: usize,
}

impl PastDay {
    pub fn new(slots: Vec<(NaiveTime, f64)>) -> PastDay {
        let mut times: Vec<NaiveTime> = slots.iter().map(|s| s.0).collect();
        times.sort_unstable();
        times.dedup();
        PastDay { slots, distinct_times: times.len() }
    }
}

/// One queue's past days by local date.
pub type QueueDays = BTreeMap<NaiveDate, PastDay>;

fn days_of(history: &HistoryFrame) -> BTreeMap<String, QueueDays> {
    let mut clock = crate::time::ZoneClock::new(history.tz);
    history
        .queues
        .iter()
        .map(|q| {
            let mut slots: BTreeMap<NaiveDate, Vec<(NaiveTime, f64)>> = BTreeMap::new();
            for (&start, &contacts) in q.starts.iter().zip(&q.contacts) {
                let t = clock.stamp(start).expect("a validated instant").naive_local();
                slots.entry(t.date()).or_default().push((t.time(), contacts));
            }
            (q.queue.clone(), slots.into_iter().map(|(d, s)| (d, PastDay::new(s))).collect())
        })
        .collect()
}

/// Relative variance `σ²` beyond Poisson noise of the share of a day that falls in
/// `[from, to)` (times of day), over the complete days of the `lookback_days` before `day`.
///
/// A complete day has as many distinct interval times as the fullest day of the queue in that
/// span (partial days, closures and gaps would distort the share). With `W` the window's contacts and `D`
/// the day's, `z = ln(W/D)` is centred per weekday (the intraday profile is per weekday) and
/// its variance less the Poisson part `mean(1/W − 1/D)` (delta method) estimates `σ²`; it is
/// clamped at 0, and is 0 when fewer than [`MIN_SHARE_DAYS`] degrees of freedom remain.
pub fn window_share_variance(
    days: &QueueDays,
    day: NaiveDate,
    from: NaiveTime,
    to: NaiveTime,
    lookback_days: i64,
) -> f64 {
    let first = day - Duration::days(lookback_days);
    let span: Vec<(&NaiveDate, &PastDay)> = days.range(first..day).collect();
    let Some(full) = span.iter().map(|(_, p)| p.distinct_times).max() else {
        return 0.0;
    };
    // Per weekday: Σz, Σz², n; and Σ(1/W − 1/D) over all days used.
    let mut by_weekday = [(0.0, 0.0, 0usize); 7];
    let (mut poisson, mut used) = (0.0, 0usize);
    for (date, past) in span {
        if past.distinct_times < full {
            continue;
        }
        let total: f64 = past.slots.iter().map(|s| s.1).sum();
        let window: f64 = past.slots.iter().filter(|s| s.0 >= from && s.0 < to).map(|s| s.1).sum();
        if window <= 0.0 || total <= window {
            continue;
        }
        let z = (window / total).ln();
        let w = &mut by_weekday[date.weekday().num_days_from_monday() as usize];
        w.0 += z;
        w.1 += z * z;
        w.2 += 1;
        poisson += 1.0 / window - 1.0 / total;
        used += 1;
    }
    let (mut squares, mut dof) = (0.0, 0usize);
    for &(sum, sum_sq, n) in by_weekday.iter().filter(|w| w.2 >= 2) {
        squares += sum_sq - sum * sum / n as f64;
        dof += n - 1;
    }
    if dof < MIN_SHARE_DAYS {
        return 0.0;
    }
    (squares / dof as f64 - poisson / used as f64).max(0.0)
}

/// What [`ratios`] reads besides the forecast: the actuals and each queue's past days.
struct Observed<'a> {
    actuals: &'a Actuals,
    days: &'a BTreeMap<String, QueueDays>,
    lookback_days: i64,
}

/// Per queue: the rest-of-day multiplier from the actuals of the last [`RECENT_MINUTES`] before
/// `as_of` against `rows`, the counts' dispersion measured on the queue's past days.
fn ratios(
    rows: &[ForecastRow],
    observed: &Observed,
    as_of: NaiveDateTime,
) -> BTreeMap<String, f64> {
    let day = as_of.date();
    let from = as_of - Duration::minutes(RECENT_MINUTES);
    let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for r in rows {
        let t = r.interval_start.naive_local();
        if t.date() != day || t >= as_of || t < from {
            continue;
        }
        if let Some(&y) = observed.actuals.get(&(r.queue.clone(), t)) {
            let e = sums.entry(r.queue.clone()).or_default();
            e.0 += y;
            e.1 += r.contacts;
        }
    }
    sums.into_iter()
        .map(|(q, (a, f))| {
            // A window reaching back over midnight is measured from the day's start.
            let window_from = if from.date() == day { from.time() } else { NaiveTime::MIN };
            let variance = observed.days.get(&q).map_or(0.0, |days| {
                window_share_variance(days, day, window_from, as_of.time(), observed.lookback_days)
            });
            let dispersion = 1.0 + f * variance;
            (q, rest_of_day_multiplier(a, f, dispersion))
        })
        .collect()
}

/// The rows from `as_of` on, rescaled: the rest of `as_of`'s day by `r`, day `k` after by
/// `1 + (r − 1)·DAMPING^k`.
fn rescale(
    rows: Vec<ForecastRow>,
    ratio: &BTreeMap<String, f64>,
    as_of: NaiveDateTime,
) -> Vec<ForecastRow> {
    rows.into_iter()
        .filter(|r| r.interval_start.naive_local() >= as_of)
        .map(|mut r| {
            let k = (r.interval_start.naive_local().date() - as_of.date()).num_days();
            let base = ratio.get(&r.queue).copied().unwrap_or(1.0);
            let m = 1.0 + (base - 1.0) * DAMPING.powi(k as i32);
            r.contacts *= m;
            r.contacts_p10 *= m;
            r.contacts_p90 *= m;
            r
        })
        .collect()
}

/// Days of history that measure a window's share variance: the intraday profile's weeks.
fn lookback_days(config: &ForecastConfig) -> i64 {
    7 * config.profile_weeks as i64
}

/// Re-forecast from `as_of` (local time) to the end of that day and the next `days − 1` days;
/// the history may hold that day's actuals up to `as_of`.
pub fn run_intraday(
    history: &HistoryFrame,
    events: &[Event],
    site: &Site,
    config: &ForecastConfig,
    as_of: NaiveDateTime,
    days: u32,
) -> Result<ForecastOutput, ForecastError> {
    let day_ahead = run_forecast(history, events, site, config, as_of.date(), days)?;
    let (actuals, days) = (actuals_of(history), days_of(history));
    let observed =
        Observed { actuals: &actuals, days: &days, lookback_days: lookback_days(config) };
    let ratio = ratios(&day_ahead.rows, &observed, as_of);
    let warnings =
        day_ahead.warnings.into_iter().filter(|w| !w.starts_with("the forecast starts")).collect();
    Ok(ForecastOutput {
        rows: rescale(day_ahead.rows, &ratio, as_of),
        queues: day_ahead.queues,
        warnings,
    })
}

/// Score of one time of day in [`backtest_intraday`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IntradayScore {
    /// Time of day of the re-forecast, `HH:MM`.
    pub as_of: String,
    /// WAPE over the rest of the test days (all queues) of the day-ahead forecast.
    pub wape_day_ahead: f64,
    /// WAPE of the re-forecast over the same intervals.
    pub wape_as_of: f64,
    /// Queue-days where the re-forecast's absolute error over the rest of the day is lower.
    pub days_better: usize,
    pub days: usize,
}

/// Result of [`backtest_intraday`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IntradayBacktest {
    pub first_origin: String,
    pub folds: u32,
    pub scores: Vec<IntradayScore>,
}

/// For every day of the backtest folds with data: the day-ahead forecast (history before the
/// day) and the re-forecast at each time of `times`, scored on the rest of the day.
pub fn backtest_intraday(
    history: &HistoryFrame,
    events: &[Event],
    site: &Site,
    config: &ForecastConfig,
    options: &BacktestOptions,
    times: &[NaiveTime],
) -> Result<IntradayBacktest, ForecastError> {
    let (actuals, days) = (actuals_of(history), days_of(history));
    let observed =
        Observed { actuals: &actuals, days: &days, lookback_days: lookback_days(config) };
    // Only contacts are scored: a history without handle time needs no default here.
    let mut config = config.clone();
    config.default_aht_seconds = config.default_aht_seconds.or(Some(1.0));
    let config = &config;
    let last = actuals.keys().map(|k| k.1.date()).max().ok_or(ForecastError::EmptyHistory)?;
    let span = i64::from(options.horizon_days) * i64::from(options.folds);
    let first = options.first_origin.unwrap_or(last + Duration::days(1) - Duration::days(span));
    let test_days: Vec<NaiveDate> = (0..span)
        .map(|k| first + Duration::days(k))
        .filter(|d| *d <= last && actuals.keys().any(|k| k.1.date() == *d))
        .collect();
    // (day-ahead |error|, as-of |error|, actual, better days, days) per time.
    let mut acc = vec![(0.0, 0.0, 0.0, 0usize, 0usize); times.len()];
    for day in test_days {
        let out = run_forecast(history, events, site, config, day, 1)?;
        for (i, &t) in times.iter().enumerate() {
            let as_of = day.and_time(t);
            let ratio = ratios(&out.rows, &observed, as_of);
            let rest = rescale(out.rows.clone(), &ratio, as_of);
            let mut per_queue: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
            for (r, f_ahead) in
                rest.iter().zip(out.rows.iter().filter(|r| r.interval_start.naive_local() >= as_of))
            {
                let Some(&y) = actuals.get(&(r.queue.clone(), r.interval_start.naive_local()))
                else {
                    continue;
                };
                let e = per_queue.entry(r.queue.as_str()).or_default();
                e.0 += (y - f_ahead.contacts).abs();
                e.1 += (y - r.contacts).abs();
                acc[i].2 += y;
            }
            for (ahead, now) in per_queue.values() {
                acc[i].0 += ahead;
                acc[i].1 += now;
                acc[i].3 += usize::from(now < ahead);
                acc[i].4 += 1;
            }
        }
    }
    let scores = times
        .iter()
        .zip(acc)
        .map(|(t, (ahead, now, y, better, days))| IntradayScore {
            as_of: t.format("%H:%M").to_string(),
            wape_day_ahead: ahead / y,
            wape_as_of: now / y,
            days_better: better,
            days,
        })
        .collect();
    Ok(IntradayBacktest { first_origin: first.to_string(), folds: options.folds, scores })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_ratio_is_the_poisson_gamma_posterior_mean() {
        // κ = 1/0.06² = 277.78: 1,200 actual against 1,000 forecast gives
        // (1200 + 277.78)/(1000 + 277.78) = 1.15652; no contacts yet gives 1.
        let kappa = 1.0 / (0.06f64 * 0.06);
        assert!(
            (day_ratio(1200.0, 1000.0, 1.0) - (1200.0 + kappa) / (1000.0 + kappa)).abs() < 1e-12
        );
        assert!((day_ratio(1200.0, 1000.0, 1.0) - 1.156_52).abs() < 1e-5);
        assert_eq!(day_ratio(0.0, 0.0, 1.0), 1.0);
        // A large sample follows the day; a small one stays near 1.
        assert!((day_ratio(120_000.0, 100_000.0, 1.0) - 1.2).abs() < 0.001);
        assert!((day_ratio(12.0, 10.0, 1.0) - 1.0).abs() < 0.01);
        // Half the log-deviation persists: √1.2 for a large sample running 20% high.
        assert!((rest_of_day_multiplier(120_000.0, 100_000.0, 1.0) - 1.2f64.sqrt()).abs() < 0.001);
    }

    #[test]
    fn overdispersed_counts_weigh_as_fewer_poisson_counts() {
        // φ = 5: 1,200 against 1,000 are worth 240 against 200 Poisson counts,
        // (240 + 277.78)/(200 + 277.78) = 1.08372 instead of 1.15652.
        assert!((day_ratio(1200.0, 1000.0, 5.0) - 1.083_72).abs() < 1e-5);
        assert!(day_ratio(1200.0, 1000.0, 5.0) < day_ratio(1200.0, 1000.0, 1.0));
        assert_eq!(day_ratio(1000.0, 1000.0, 5.0), 1.0);
    }

    /// Days of two slots: 09:00 (the window) and 12:00, `total` contacts a day and the
    /// window's share `0.25·e^(±0.1)`, + in even weeks and − in odd ones.
    fn share_days(first: NaiveDate, weeks: i64, total: f64) -> QueueDays {
        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
        (0..7 * weeks)
            .map(|k| {
                let sign = if (k / 7) % 2 == 0 { 1.0 } else { -1.0 };
                let window = total * 0.25 * (0.1f64 * sign).exp();
                let slots = vec![(at(9), window), (at(12), total - window)];
                (first + Duration::days(k), PastDay::new(slots))
            })
            .collect()
    }

    #[test]
    fn the_window_share_variance_is_the_weekday_centred_variance_less_poisson() {
        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
        let first = NaiveDate::from_ymd_opt(2025, 3, 3).expect("date");
        let day = first + Duration::days(28);
        let days = share_days(first, 4, 10_000.0);
        // Each weekday: two days at ln 0.25 + 0.1, two at − 0.1: Σ(z − z̄)² = 4·0.01 over 3
        // degrees of freedom, 7 weekdays: 0.28/21. Poisson part: the mean of 1/W − 1/D.
        let poisson: f64 =
            [0.1f64, -0.1].iter().map(|s| 1.0 / (2_500.0 * s.exp()) - 1.0 / 10_000.0).sum::<f64>()
                / 2.0;
        let expected = 0.28 / 21.0 - poisson;
        let got = window_share_variance(&days, day, at(8), at(11), 28);
        assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
        // The lookback ends before `day`: days from `day` on do not count.
        let mut later = days.clone();
        later.insert(day, PastDay::new(vec![(at(9), 9_000.0), (at(12), 1_000.0)]));
        assert!((window_share_variance(&later, day, at(8), at(11), 28) - expected).abs() < 1e-12);
        // A partial day (a slot missing) is left out rather than read as a share of 1.
        let mut partial = days.clone();
        partial.insert(day - Duration::days(30), PastDay::new(vec![(at(9), 2_500.0)]));
        let with_partial = window_share_variance(&partial, day, at(8), at(11), 35);
        assert!((with_partial - expected).abs() < 1e-12, "{with_partial}");
        // A day with a repeated local time (a fall-back day's extra hour) is no fuller than the
        // others: they all still count. Its own share: 2,500 of 12,500.
        let mut fall_back = days.clone();
        let extra = [(at(9), 2_500.0), (at(12), 7_500.0), (at(12), 2_500.0)];
        fall_back.insert(day - Duration::days(30), PastDay::new(extra.to_vec()));
        let (z, z_bar) = ((0.2f64).ln(), (0.25f64).ln());
        // That weekday (a Saturday) has 5 days now: the four of ln 0.25 ± 0.1 and one at ln 0.2;
        // 6·3 + 4 = 22 degrees of freedom.
        let mean = (4.0 * z_bar + z) / 5.0;
        let squares_of_that_weekday = 2.0
            * ((z_bar + 0.1 - mean).powi(2) + (z_bar - 0.1 - mean).powi(2))
            + (z - mean).powi(2);
        // 28 days with the mean Poisson part above, and that day's 1/2,500 − 1/12,500.
        let poisson_with = (28.0 * poisson + 1.0 / 2_500.0 - 1.0 / 12_500.0) / 29.0;
        let expected_with = (0.24 + squares_of_that_weekday) / 22.0 - poisson_with;
        let got_with = window_share_variance(&fall_back, day, at(8), at(11), 35);
        assert!((got_with - expected_with).abs() < 1e-12, "{got_with} vs {expected_with}");
        // Small counts: the Poisson part exceeds the share's spread, so σ² is 0; so it is with
        // too few days to measure it.
        assert_eq!(window_share_variance(&share_days(first, 4, 20.0), day, at(8), at(11), 28), 0.0);
        assert_eq!(window_share_variance(&days, first + Duration::days(7), at(8), at(11), 7), 0.0);
    }
}
