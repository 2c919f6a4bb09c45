//! Forecasting: contacts and handle time per interval and queue, with events, prediction
//! intervals and rolling-origin backtests.
//!
//! **Place in the pipeline.** `history.csv` (+ `events.csv`, `plan.toml`) → [`run_forecast`] →
//! `forecast.csv` (`interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds`) →
//! staffing. [`backtest`] measures every model on the planner's own history.
//!
//! **Calendar, not rows.** Each queue's history is laid on a `day × time-of-day slot` matrix
//! ([`series`]), so missing days, closed hours and daylight-saving days never shift a pattern.
//! A normally open weekday without any data is read as a closure (public holidays are usually
//! absent from ACD exports), and the first two open days after a closure or holiday are flagged
//! for the rebound.
//!
//! **Models** ([`models`], one `fit`/`predict_day` interface): seasonal naive, same-weekday
//! average, the top-down daily-regression × intraday-profile model, and double-seasonal
//! exponential smoothing. For every queue the engine backtests each model on the
//! `validation_folds` weeks before the forecast origin and forms the inverse-squared-WAPE
//! combination (Bates & Granger 1969). The top-down model is the default; the candidate with
//! the lowest validation WAPE replaces it only when it also wins a strict majority of the folds
//! (a guard against selection noise). The scores and weights are returned as evidence
//! ([`QueueReport`]).
//!
//! **Events** multiply the base forecast interval by interval: closures give 0; holidays,
//! promotions and campaigns use their declared `uplift`, else the ratio actual ÷ baseline learned
//! from past events of the same name, else of the same kind (the baseline of a past interval is
//! the mean of the same slot on up to four earlier same weekdays). Event days are kept out of
//! every model's averages.
//!
//! **Prediction intervals.** The validation residuals calibrate a variance model
//! `Var(y) = f + k_h f²` (Poisson noise plus a multiplicative error whose size `k_h` is the
//! method-of-moments estimate `Σ((y−f)² − f) / Σ f²` for forecasts `h` days ahead), and the
//! empirical 10% and 90% quantiles of the standardised residuals `(y − f)/√(f + k_h f²)` give
//! `P10 = f + z₁₀√(f + k_h f²)` and `P90 = f + z₉₀√(f + k_h f²)`; days beyond the validation
//! horizon use the last day's `k`. Without validation residuals the interval is Poisson only
//! (`z = ∓1.2816`, the standard normal's 10%/90% quantiles) and a warning says so.
//!
//! **Handle time** per interval: the contact-weighted mean handle time of the same weekday and
//! slot over the last `profile_weeks` weeks of the history, smoothed over neighbouring slots and
//! shrunk, when few contacts back it, towards the all-weekday value of the slot scaled by the
//! weekday's own level (weekend handle time runs longer). The same profile serves any horizon.
//!
//! **Origin.** A forecast is made at `min(start, day after the history)`: a start months after
//! the history is forecast from the history's end (the days between are forecast, not written),
//! and a start inside the history uses only the history before it. [`backtest`] builds each fold
//! exactly so: the history before its origin and the events file, nothing of the test week (a
//! day without data there is a closure only when the events file declares it).

pub mod intraday;
pub mod metrics;
pub mod models;
pub mod series;

pub use intraday::{backtest_intraday, run_intraday, IntradayBacktest, IntradayScore};

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::InputError;
use crate::io::events::{Event, EventKind};
use crate::io::forecast::ForecastRow;
use crate::io::history::HistoryFrame;
use crate::site::Site;
use crate::time::TimeError;
use crate::time::{IntervalGrid, OpeningHours};
use metrics::{accuracy, poisson_noise_floor, Accuracy, Scored};
use models::{DoubleSeasonal, Fitted, Model, SeasonalNaive, TopDown, WeekdayAverage};
use series::{build_series, smooth_open, QueueSeries, SeriesInput};

/// `[forecast]` section of plan.toml (all keys optional; unknown keys are errors).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForecastConfig {
    /// `auto` (choose per queue by validation backtest) or one model name.
    pub method: String,
    /// Weekly validation folds before the origin used to choose models and calibrate intervals.
    pub validation_folds: usize,
    /// Weeks in the same-weekday average baseline.
    pub weekday_average_weeks: usize,
    /// Half-life of past days' weights in the top-down daily regression.
    pub half_life_days: f64,
    /// Weeks of intraday profiles: the handle-time profile averages this many weeks; the volume
    /// profile weighs normal days by a half-life of this many weeks, over twice as many. The
    /// intraday re-forecast measures a window's share variance over this many weeks.
    pub profile_weeks: usize,
    /// Handle time for a queue whose history has none and whose `[[queues]]` entry gives no
    /// `default_aht_seconds`.
    pub default_aht_seconds: Option<f64>,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        ForecastConfig {
            method: "auto".into(),
            validation_folds: 4,
            weekday_average_weeks: 6,
            half_life_days: 56.0,
            profile_weeks: 8,
            default_aht_seconds: None,
        }
    }
}

/// Model names accepted by `method` (besides `auto`).
pub const MODEL_NAMES: [&str; 4] =
    ["seasonal_naive", "weekday_average", "top_down", "double_seasonal"];

impl ForecastConfig {
    /// Check values; the message names the key.
    pub fn validate(&self) -> Result<(), ForecastError> {
        let bad =
            |key: &str, msg: String| Err(ForecastError::Config(format!("[forecast] {key}: {msg}")));
        if self.method != "auto" && !MODEL_NAMES.contains(&self.method.as_str()) {
            return bad(
                "method",
                format!(
                    "expected auto or one of {}, got {:?}",
                    MODEL_NAMES.join(", "),
                    self.method
                ),
            );
        }
        if self.weekday_average_weeks == 0 {
            return bad("weekday_average_weeks", "expected an integer >= 1, got 0".into());
        }
        if !(self.half_life_days.is_finite() && self.half_life_days > 0.0) {
            return bad(
                "half_life_days",
                format!("expected a number > 0, got {}", self.half_life_days),
            );
        }
        if self.profile_weeks == 0 {
            return bad("profile_weeks", "expected an integer >= 1, got 0".into());
        }
        if let Some(v) = self.default_aht_seconds {
            if !(v.is_finite() && v > 0.0) {
                return bad("default_aht_seconds", format!("expected a number > 0, got {v}"));
            }
        }
        Ok(())
    }

    fn models(&self) -> Vec<Box<dyn Model>> {
        vec![
            Box::new(SeasonalNaive),
            Box::new(WeekdayAverage { weeks: self.weekday_average_weeks }),
            Box::new(TopDown {
                half_life_days: self.half_life_days,
                profile_weeks: self.profile_weeks,
                ..TopDown::default()
            }),
            Box::new(DoubleSeasonal::default()),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Config(String),
    #[error("model {model} needs at least {need_days} days of history before the forecast start, the history has {have_days}")]
    TooShort { model: String, need_days: usize, have_days: usize },
    #[error("model {model}: no complete, ordinary day in the history to learn from")]
    NoUsableDays { model: String },
    #[error("{0}")]
    Numerical(String),
    #[error("the history is empty: no queue has any interval")]
    EmptyHistory,
    #[error("queue {queue:?}: no model could be fitted ({reasons})")]
    NoModel { queue: String, reasons: String },
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Time(#[from] TimeError),
    #[error("queue {queue:?}: the history has no aht_seconds; give default_aht_seconds in its [[queues]] entry or in [forecast] (or --default-aht-seconds)")]
    NoHandleTime { queue: String },
}

/// Validation score of one candidate (a model or the combination) for one queue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CandidateScore {
    pub candidate: String,
    /// WAPE over the validation folds (None: the model could not be validated).
    pub wape: Option<f64>,
    pub folds: usize,
}

/// A learned or declared event multiplier.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventEffect {
    pub name: String,
    pub kind: String,
    pub start: String,
    pub factor: f64,
    /// `declared`, `closure`, `learned from N past events named ...`, `learned from kind`, `none`.
    pub source: String,
}

/// Per-queue evidence of a forecast.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueueReport {
    pub queue: String,
    /// The model or `combination` used.
    pub chosen: String,
    /// Combination weights (model → weight), empty when one model is used.
    pub weights: BTreeMap<String, f64>,
    pub validation: Vec<CandidateScore>,
    /// Fitted rebound multipliers of the first and second day after a closure (top-down model).
    pub rebound: Option<(f64, f64)>,
    /// Prediction-interval calibration: `k`, `z10`, `z90`, number of residuals.
    /// Multiplicative variance `k` by days ahead (1st..6th day, 7th and later).
    pub interval_k_by_day: Vec<f64>,
    pub interval_z10: f64,
    pub interval_z90: f64,
    pub interval_residuals: usize,
    pub events: Vec<EventEffect>,
}

/// Result of [`run_forecast`].
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastOutput {
    /// Every open interval of every queue, sorted by `(interval_start, queue)`.
    pub rows: Vec<ForecastRow>,
    pub queues: Vec<QueueReport>,
    /// Fallbacks and data problems, in plain words.
    pub warnings: Vec<String>,
}

/// Horizon buckets of the interval calibration: days 1..6 ahead each, then day 7 and later.
const HORIZON_BUCKETS: usize = 7;

/// Prediction-interval calibration (see the module docs): the multiplicative variance `k` by
/// horizon day and the quantiles of the standardised residuals.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Calibration {
    k: [f64; HORIZON_BUCKETS],
    z10: f64,
    z90: f64,
    residuals: usize,
}

/// One validation residual: actual, forecast, days ahead (0 = the origin day).
type Residual = (f64, f64, usize);

impl Calibration {
    /// Poisson noise only: `k = 0` and the standard normal's 10%/90% quantiles.
    fn poisson() -> Calibration {
        let normal = Normal::standard();
        Calibration {
            k: [0.0; HORIZON_BUCKETS],
            z10: normal.inverse_cdf(0.1),
            z90: normal.inverse_cdf(0.9),
            residuals: 0,
        }
    }

    /// Method-of-moments `k = Σ((y−f)² − f) / Σf²` (clamped at 0) per horizon bucket with at
    /// least 50 residuals, else over all; then the empirical 10%/90% quantiles of
    /// `(y − f)/√(f + k_h f²)`.
    fn from_pairs(pairs: &[Residual]) -> Calibration {
        let usable: Vec<Residual> = pairs.iter().copied().filter(|&(_, f, _)| f > 0.0).collect();
        if usable.len() < 50 {
            return Calibration::poisson();
        }
        let moments = |sel: &dyn Fn(usize) -> bool| -> (f64, usize) {
            let (mut num, mut den, mut n) = (0.0, 0.0, 0);
            for &(y, f, h) in &usable {
                if sel(h) {
                    num += (y - f).powi(2) - f;
                    den += f * f;
                    n += 1;
                }
            }
            ((num / den).max(0.0), n)
        };
        let (k_all, _) = moments(&|_| true);
        let k: [f64; HORIZON_BUCKETS] = std::array::from_fn(|b| {
            let (k, n) = moments(&|h| h.min(HORIZON_BUCKETS - 1) == b);
            if n >= 50 {
                k
            } else {
                k_all
            }
        });
        let mut z: Vec<f64> = usable
            .iter()
            .map(|&(y, f, h)| {
                let kh = k[h.min(HORIZON_BUCKETS - 1)];
                (y - f) / (f + kh * f * f).sqrt()
            })
            .collect();
        z.sort_by(|a, b| a.total_cmp(b));
        let q = |p: f64| {
            let pos = p * (z.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            z[lo] + (z[hi] - z[lo]) * (pos - lo as f64)
        };
        Calibration { k, z10: q(0.1), z90: q(0.9), residuals: usable.len() }
    }

    /// P10 and P90 of a forecast `f` made `days_ahead` days after the origin.
    fn bounds(&self, f: f64, days_ahead: usize) -> (f64, f64) {
        if f <= 0.0 {
            return (0.0, 0.0);
        }
        let k = self.k[days_ahead.min(HORIZON_BUCKETS - 1)];
        let sd = (f + k * f * f).sqrt();
        ((f + self.z10 * sd).max(0.0), (f + self.z90 * sd).max(f))
    }
}

/// Events that apply to a queue.
fn queue_events<'a>(events: &'a [Event], queue: &str) -> Vec<&'a Event> {
    events.iter().filter(|e| e.queue.as_deref().is_none_or(|q| q == queue)).collect()
}

/// Local start of a slot on a date.
fn slot_time(date: NaiveDate, slot: usize, grid: &IntervalGrid) -> NaiveDateTime {
    date.and_hms_opt(0, 0, 0).expect("midnight")
        + Duration::minutes((slot as u32 * grid.interval_minutes) as i64)
}

/// Open (day, slot) pairs of the series an event covers.
fn covered(series: &QueueSeries, event: &Event) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let first = event.start.date().max(series.first);
    let mut date = first;
    while date <= event.end.date() {
        let Some(d) = series.day_index(date) else {
            break;
        };
        let w = series.days[d].weekday;
        for s in 0..series.slots {
            let t = slot_time(date, s, &series.grid);
            if series.open_slots[w][s] && t >= event.start && t < event.end {
                out.push((d, s));
            }
        }
        date += Duration::days(1);
    }
    out
}

/// Event multipliers per (day, slot) for forecasts made at `origin`, learning undeclared uplifts
/// only from events that ended before `origin`.
fn event_factors(
    series: &QueueSeries,
    events: &[&Event],
    origin: usize,
) -> (Vec<f64>, Vec<EventEffect>) {
    let mut factor = vec![1.0; series.days.len() * series.slots];
    let mut effects = Vec::new();
    // Ratio actual / baseline of one past event (sums over its observed intervals before origin).
    let past_ratio = |e: &Event| -> Option<(f64, f64)> {
        let (mut a, mut b) = (0.0, 0.0);
        for (d, s) in covered(series, e) {
            if d >= origin {
                continue;
            }
            let y = series.value(d, s);
            if y.is_nan() {
                continue;
            }
            let base: Vec<f64> = (1..=4)
                .filter_map(|k| d.checked_sub(7 * k))
                .filter(|&j| series.days[j].is_normal())
                .map(|j| series.value(j, s))
                .filter(|x| !x.is_nan())
                .collect();
            if base.is_empty() {
                continue;
            }
            a += y;
            b += base.iter().sum::<f64>() / base.len() as f64;
        }
        (b > 0.0).then_some((a, b))
    };
    // Ratios of the events that ended before the origin, computed once and only if needed.
    let origin_time = slot_time(series.first + Duration::days(origin as i64), 0, &series.grid);
    let ratios: std::cell::OnceCell<Vec<Option<(f64, f64)>>> = std::cell::OnceCell::new();
    let past = || {
        ratios.get_or_init(|| {
            events.iter().map(|p| if p.end <= origin_time { past_ratio(p) } else { None }).collect()
        })
    };
    for (index, e) in events.iter().enumerate() {
        let cells = covered(series, e);
        if !cells.iter().any(|&(d, _)| d >= origin) {
            continue;
        }
        let (value, source) = if e.kind == EventKind::Closure {
            (0.0, "closure".to_string())
        } else if let Some(u) = e.uplift {
            (u, "declared".to_string())
        } else {
            let pool = |same: &dyn Fn(&Event) -> bool| -> (f64, f64, usize) {
                events
                    .iter()
                    .zip(past())
                    .enumerate()
                    .filter(|&(i, (p, _))| i != index && same(p))
                    .filter_map(|(_, (_, r))| *r)
                    .fold((0.0, 0.0, 0), |(a, b, n), (x, y)| (a + x, b + y, n + 1))
            };
            let (a, b, n) = pool(&|p: &Event| p.name == e.name && p.kind == e.kind);
            if n > 0 {
                (a / b, format!("learned from {n} past event(s) named {:?}", e.name))
            } else {
                let (a, b, n) = pool(&|p: &Event| p.kind == e.kind);
                if n > 0 {
                    (a / b, format!("learned from {n} past {} event(s)", kind_name(e.kind)))
                } else {
                    (
                        1.0,
                        "none: no declared uplift and no past event of this name or kind"
                            .to_string(),
                    )
                }
            }
        };
        for (d, s) in cells {
            if d >= origin {
                factor[d * series.slots + s] *= value;
            }
        }
        effects.push(EventEffect {
            name: e.name.clone(),
            kind: kind_name(e.kind).into(),
            start: e.start.format("%Y-%m-%dT%H:%M").to_string(),
            factor: value,
            source,
        });
    }
    (factor, effects)
}

fn kind_name(k: EventKind) -> &'static str {
    match k {
        EventKind::Holiday => "holiday",
        EventKind::Promotion => "promotion",
        EventKind::Closure => "closure",
        EventKind::Campaign => "campaign",
    }
}

/// Forecasts of one model at one origin for `horizon` days (event factors applied).
fn model_forecast(
    model: &dyn Model,
    series: &QueueSeries,
    factors: &[f64],
    origin: usize,
    horizon: usize,
) -> Result<(DayForecasts, Box<dyn Fitted>), ForecastError> {
    let fitted = model.fit(series, origin)?;
    let days = (origin..(origin + horizon).min(series.days.len()))
        .map(|d| {
            let mut v = fitted.predict_day(series, d);
            v.iter_mut().enumerate().for_each(|(s, x)| *x *= factors[d * series.slots + s]);
            v
        })
        .collect();
    Ok((days, fitted))
}

/// (actual, forecast, days ahead) of the observed open intervals of days `origin..origin+len`.
fn pairs(series: &QueueSeries, origin: usize, days: &[Vec<f64>]) -> Vec<Residual> {
    let mut out = Vec::new();
    for (k, f) in days.iter().enumerate() {
        let d = origin + k;
        if d >= series.history_days || !series.days[d].open {
            continue;
        }
        for (s, &fv) in f.iter().enumerate() {
            let y = series.value(d, s);
            if !y.is_nan() && series.open_slots[series.days[d].weekday][s] {
                out.push((y, fv, k));
            }
        }
    }
    out
}

fn wape_of(p: &[Residual]) -> Option<f64> {
    let sy: f64 = p.iter().map(|x| x.0).sum();
    (sy > 0.0).then(|| p.iter().map(|x| (x.0 - x.1).abs()).sum::<f64>() / sy)
}

/// Forecasts of consecutive days, one value per slot.
type DayForecasts = Vec<Vec<f64>>;

/// Rows, evidence and warnings of one queue.
type QueueForecast = (Vec<ForecastRow>, QueueReport, Vec<String>);

/// Everything the engine produces for one queue at one origin.
struct QueueRun {
    /// Per model: the forecast days (None if it could not be fitted) and its calibration.
    per_model: Vec<Option<(Vec<Vec<f64>>, Calibration)>>,
    /// The chosen candidate's forecast and calibration.
    chosen: (Vec<Vec<f64>>, Calibration),
    report: QueueReport,
    /// Fit time per model, seconds (inner validation + final fit).
    seconds: Vec<f64>,
    warnings: Vec<String>,
}

/// Every model's forecasts at the inner validation folds (weekly origins before the origin).
struct Validation {
    /// Origins of the inner folds, the most recent first.
    folds: Vec<usize>,
    /// `forecasts[m][i]`: the days model `m` forecast from fold `i` (None: it could not).
    forecasts: Vec<Vec<Option<DayForecasts>>>,
}

/// A model's forecast from the origin itself and its fit.
type FinalFit = (DayForecasts, Box<dyn Fitted>);

/// The validation evidence of every candidate: the models, then (with two or more validated
/// models) their combination.
struct Scoring {
    /// Validation residuals of each model over all its folds.
    model_pairs: Vec<Vec<Residual>>,
    /// One score per model, then the combination's if there is one.
    scores: Vec<CandidateScore>,
    /// `(model, 1/WAPE²)` of the models in the combination.
    weighted: Vec<(usize, f64)>,
    weight_sum: f64,
    /// Per candidate and fold: the WAPE (None where it has no forecast for that fold).
    fold_wape: Vec<Vec<Option<f64>>>,
    /// Validation residuals of the combination over the folds all its models share.
    combo_pairs: Vec<Residual>,
}

/// The week between two inner validation origins.
const FOLD_STEP_DAYS: usize = 7;

/// Validate every model on the weeks before `origin`, choose, and forecast `horizon` days.
fn run_queue(
    series: &QueueSeries,
    events: &[&Event],
    config: &ForecastConfig,
    origin: usize,
    horizon: usize,
) -> Result<QueueRun, ForecastError> {
    let models = config.models();
    let n_models = models.len();
    let mut warnings = Vec::new();
    let mut seconds = vec![0.0; n_models];
    let validation = validate_models(series, events, &models, config, origin, &mut seconds);
    let (factors, effects) = event_factors(series, events, origin);
    let finals =
        fit_finals(series, &models, &factors, origin, horizon, &mut seconds, &mut warnings)?;
    let scoring = score_candidates(series, &models, &validation, &finals);
    let per_model: Vec<Option<(DayForecasts, Calibration)>> = (0..n_models)
        .map(|m| {
            finals[m].as_ref().map(|(d, _)| {
                let cal = Calibration::from_pairs(&scoring.model_pairs[m]);
                (d.clone(), cal)
            })
        })
        .collect();
    let choice = choose_candidate(series, &models, config, &scoring, &finals, &mut warnings);
    let (weighted, weight_sum) = (&scoring.weighted, scoring.weight_sum);
    let (chosen, weights) = if choice == n_models {
        let days =
            combine(weighted, weight_sum, |m| &finals[m].as_ref().expect("validated models fit").0);
        let w =
            weighted.iter().map(|&(m, x)| (models[m].name().to_string(), x / weight_sum)).collect();
        ((days, Calibration::from_pairs(&scoring.combo_pairs)), w)
    } else {
        (per_model[choice].clone().expect("chosen model fits"), BTreeMap::new())
    };
    if chosen.1.residuals == 0 {
        warnings.push(format!(
            "queue {:?}: no validation residuals; prediction intervals assume Poisson noise only",
            series.queue
        ));
    }
    let chosen_name = if choice == n_models {
        "combination".to_string()
    } else {
        models[choice].name().to_string()
    };
    let report = QueueReport {
        queue: series.queue.clone(),
        chosen: chosen_name,
        weights,
        validation: scoring.scores,
        rebound: TopDown { half_life_days: config.half_life_days, ..TopDown::default() }
            .rebound(series, origin),
        interval_k_by_day: chosen.1.k.to_vec(),
        interval_z10: chosen.1.z10,
        interval_z90: chosen.1.z90,
        interval_residuals: chosen.1.residuals,
        events: effects,
    };
    Ok(QueueRun { per_model, chosen, report, seconds, warnings })
}

/// Forecast a week (or up to the origin) from each inner fold with every model, adding the
/// time spent to `seconds`.
fn validate_models(
    series: &QueueSeries,
    events: &[&Event],
    models: &[Box<dyn Model>],
    config: &ForecastConfig,
    origin: usize,
    seconds: &mut [f64],
) -> Validation {
    let step = FOLD_STEP_DAYS;
    let folds: Vec<usize> =
        (1..=config.validation_folds).filter_map(|k| origin.checked_sub(k * step)).collect();
    let mut forecasts: Vec<Vec<Option<DayForecasts>>> = vec![vec![None; folds.len()]; models.len()];
    let fold_factors: Vec<Vec<f64>> =
        folds.iter().map(|&o| event_factors(series, events, o).0).collect();
    for (m, model) in models.iter().enumerate() {
        let t0 = Instant::now();
        for (i, &o) in folds.iter().enumerate() {
            if o < model.min_history_days() {
                continue;
            }
            if let Ok((days, _)) =
                model_forecast(model.as_ref(), series, &fold_factors[i], o, step.min(origin - o))
            {
                forecasts[m][i] = Some(days);
            }
        }
        seconds[m] += t0.elapsed().as_secs_f64();
    }
    Validation { folds, forecasts }
}

/// Fit every model at the origin and forecast `horizon` days; a model that cannot be fitted is
/// left out with a warning, and it is an error if none can.
fn fit_finals(
    series: &QueueSeries,
    models: &[Box<dyn Model>],
    factors: &[f64],
    origin: usize,
    horizon: usize,
    seconds: &mut [f64],
    warnings: &mut Vec<String>,
) -> Result<Vec<Option<FinalFit>>, ForecastError> {
    let mut finals: Vec<Option<FinalFit>> = Vec::with_capacity(models.len());
    let mut reasons = Vec::new();
    for (m, model) in models.iter().enumerate() {
        let t0 = Instant::now();
        match model_forecast(model.as_ref(), series, factors, origin, horizon) {
            Ok(f) => finals.push(Some(f)),
            Err(e) => {
                reasons.push(e.to_string());
                finals.push(None);
            }
        }
        seconds[m] += t0.elapsed().as_secs_f64();
    }
    if finals.iter().all(Option::is_none) {
        return Err(ForecastError::NoModel {
            queue: series.queue.clone(),
            reasons: reasons.join("; "),
        });
    }
    for r in &reasons {
        warnings.push(format!("queue {:?}: {r}; that model is left out", series.queue));
    }
    Ok(finals)
}

/// Validation residuals and WAPE of every model, and of the inverse-squared-WAPE combination
/// over the models validated on the same folds.
fn score_candidates(
    series: &QueueSeries,
    models: &[Box<dyn Model>],
    validation: &Validation,
    finals: &[Option<FinalFit>],
) -> Scoring {
    let n_models = models.len();
    let (folds, forecasts) = (&validation.folds, &validation.forecasts);
    let model_pairs: Vec<Vec<Residual>> = (0..n_models)
        .map(|m| {
            folds
                .iter()
                .enumerate()
                .filter_map(|(i, &o)| forecasts[m][i].as_ref().map(|d| pairs(series, o, d)))
                .flatten()
                .collect()
        })
        .collect();
    let mut scores: Vec<CandidateScore> = models
        .iter()
        .enumerate()
        .map(|(m, model)| CandidateScore {
            candidate: model.name().into(),
            wape: if finals[m].is_some() { wape_of(&model_pairs[m]) } else { None },
            folds: forecasts[m].iter().filter(|v| v.is_some()).count(),
        })
        .collect();
    let weighted: Vec<(usize, f64)> = (0..n_models)
        .filter_map(|m| scores[m].wape.filter(|&w| w > 0.0).map(|w| (m, 1.0 / (w * w))))
        .collect();
    let weight_sum: f64 = weighted.iter().map(|x| x.1).sum();
    let common_folds: Vec<usize> = (0..folds.len())
        .filter(|&i| weighted.iter().all(|&(m, _)| forecasts[m][i].is_some()))
        .collect();
    let mut fold_wape: Vec<Vec<Option<f64>>> = (0..n_models)
        .map(|m| {
            (0..folds.len())
                .map(|i| {
                    forecasts[m][i].as_ref().and_then(|d| wape_of(&pairs(series, folds[i], d)))
                })
                .collect()
        })
        .collect();
    let mut combo_pairs = Vec::new();
    if weighted.len() >= 2 {
        let mut per_fold = vec![None; folds.len()];
        for &i in &common_folds {
            let days =
                combine(&weighted, weight_sum, |m| forecasts[m][i].as_ref().expect("common fold"));
            let p = pairs(series, folds[i], &days);
            per_fold[i] = wape_of(&p);
            combo_pairs.extend(p);
        }
        fold_wape.push(per_fold);
        scores.push(CandidateScore {
            candidate: "combination".into(),
            wape: wape_of(&combo_pairs),
            folds: common_folds.len(),
        });
    }
    Scoring { model_pairs, scores, weighted, weight_sum, fold_wape, combo_pairs }
}

/// The candidate to use (index into the scores; `models.len()` is the combination): the forced
/// method, else the lowest validation WAPE under the stability rule, else the most elaborate
/// model that fits.
fn choose_candidate(
    series: &QueueSeries,
    models: &[Box<dyn Model>],
    config: &ForecastConfig,
    scoring: &Scoring,
    finals: &[Option<FinalFit>],
    warnings: &mut Vec<String>,
) -> usize {
    let (scores, fold_wape) = (&scoring.scores, &scoring.fold_wape);
    let forced = (config.method != "auto")
        .then(|| models.iter().position(|m| m.name() == config.method))
        .flatten();
    let lowest = scores
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.wape.map(|w| (i, w)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|x| x.0);
    // Stability rule: the top-down model is the default; a challenger with a lower validation
    // WAPE replaces it only if it is also better in a strict majority of the folds, so that one
    // lucky week does not switch the method (selection noise costs accuracy, see BENCHMARKS).
    const DEFAULT_MODEL: usize = 2;
    let best = match (lowest, scores[DEFAULT_MODEL].wape) {
        (Some(c), Some(_)) if c != DEFAULT_MODEL => {
            let (mut wins, mut folds) = (0, 0);
            for (a, b) in fold_wape[c].iter().zip(&fold_wape[DEFAULT_MODEL]) {
                if let (Some(a), Some(b)) = (a, b) {
                    folds += 1;
                    wins += usize::from(a < b);
                }
            }
            if 2 * wins > folds {
                Some(c)
            } else {
                Some(DEFAULT_MODEL)
            }
        }
        _ => lowest,
    };
    let preference = [2usize, 1, 0, 3];
    match (forced, best) {
        (Some(m), _) if finals[m].is_some() => m,
        (Some(m), _) => {
            warnings.push(format!(
                "queue {:?}: method {} cannot be fitted, using the best available model",
                series.queue,
                models[m].name()
            ));
            best.unwrap_or_else(|| {
                *preference.iter().find(|&&m| finals[m].is_some()).expect("one model fits")
            })
        }
        (None, Some(b)) => b,
        (None, None) => {
            let m = *preference.iter().find(|&&m| finals[m].is_some()).expect("one model fits");
            warnings.push(format!(
                "queue {:?}: too little history for a validation backtest; using {} without evidence",
                series.queue,
                models[m].name()
            ));
            m
        }
    }
}

/// Weighted combination of model forecasts.
fn combine<'a>(
    weighted: &[(usize, f64)],
    weight_sum: f64,
    days_of: impl Fn(usize) -> &'a Vec<Vec<f64>>,
) -> Vec<Vec<f64>> {
    let first = days_of(weighted[0].0);
    let mut out: Vec<Vec<f64>> = first.iter().map(|d| vec![0.0; d.len()]).collect();
    for &(m, w) in weighted {
        for (o, d) in out.iter_mut().zip(days_of(m)) {
            o.iter_mut().zip(d).for_each(|(a, b)| *a += w / weight_sum * b);
        }
    }
    out
}

/// Inputs of one queue for the series builder.
fn queue_series(
    queue: &str,
    history: &HistoryFrame,
    events: &[&Event],
    site: &Site,
    grid: IntervalGrid,
    last: NaiveDate,
    history_end: NaiveDate,
) -> Result<QueueSeries, ForecastError> {
    let columns = history.queue(queue).expect("a queue of the history");
    let mut clock = crate::time::ZoneClock::new(history.tz);
    let observations: Vec<(crate::time::Stamp, f64, Option<f64>)> = (0..columns.starts.len())
        .map(|i| {
            let aht = columns.aht_seconds[i];
            let stamp = clock.stamp(columns.starts[i]).expect("a validated instant");
            (stamp, columns.contacts[i], (!aht.is_nan()).then_some(aht))
        })
        .collect();
    let first = observations.first().map(|o| o.0.naive_local().date()).unwrap_or(history_end);
    let hours: Option<OpeningHours> = match site.queue(queue) {
        Some(q) => Some(q.opening_hours(site)?),
        None if !site.opening_hours.is_always_open() => Some(site.opening_hours.clone()),
        None => None,
    };
    let mut closed_dates: Vec<NaiveDate> =
        site.opening_hours.closed_dates.iter().copied().collect();
    let mut holiday_dates = Vec::new();
    let mut event_dates = Vec::new();
    for e in events {
        let mut d = e.start.date();
        let last_day = if e.end.time() == chrono::NaiveTime::MIN {
            e.end.date() - Duration::days(1)
        } else {
            e.end.date()
        };
        while d <= last_day {
            let whole_day = e.start <= d.and_hms_opt(0, 0, 0).expect("midnight")
                && e.end >= (d + Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight");
            match e.kind {
                EventKind::Closure if whole_day => closed_dates.push(d),
                EventKind::Holiday => holiday_dates.push(d),
                _ => {}
            }
            event_dates.push(d);
            d += Duration::days(1);
        }
    }
    Ok(build_series(SeriesInput {
        queue,
        grid,
        observations,
        opening_hours: hours.as_ref(),
        first,
        last,
        history_end,
        closed_dates,
        holiday_dates,
        event_dates,
        infer_closures: true,
    }))
}

/// The site grid: the history's interval and the time zone it was read in.
fn history_grid(history: &HistoryFrame) -> Result<IntervalGrid, ForecastError> {
    Ok(IntervalGrid::new(history.tz, history.interval_minutes)?)
}

/// Most days between the end of the history and the forecast's start: models are run forward
/// over the gap, so a start years away (a typo, `9999-12-31`) would exhaust memory before it
/// failed.
pub const MAX_LEAD_DAYS: i64 = 731;

/// The forecast's start is at most [`MAX_LEAD_DAYS`] after the history ends and its last day
/// is a representable date.
fn check_lead(last_history: NaiveDate, start: NaiveDate, days: u32) -> Result<(), ForecastError> {
    let lead = (start - last_history).num_days();
    if lead > MAX_LEAD_DAYS {
        return Err(ForecastError::Invalid(format!(
            "the forecast starts {start}, {lead} days after the history ends ({last_history}); \
             at most {MAX_LEAD_DAYS} days ahead are supported"
        )));
    }
    if start.checked_add_signed(Duration::days(i64::from(days))).is_none() {
        return Err(ForecastError::Invalid(format!(
            "{days} days from {start} run past the last supported date (9999-12-31)"
        )));
    }
    Ok(())
}

/// Forecast every open interval of every queue for `days` days from `start`.
pub fn run_forecast(
    history: &HistoryFrame,
    events: &[Event],
    site: &Site,
    config: &ForecastConfig,
    start: NaiveDate,
    days: u32,
) -> Result<ForecastOutput, ForecastError> {
    config.validate()?;
    if days == 0 {
        return Err(ForecastError::Invalid("days must be at least 1".into()));
    }
    let last_history = history.last_day().ok_or(ForecastError::EmptyHistory)?;
    check_lead(last_history, start, days)?;
    let grid = history_grid(history)?;
    let mut warnings = Vec::new();
    if start <= last_history {
        warnings.push(format!(
            "the forecast starts {start}, inside the history (which ends {last_history}); only history before {start} is used"
        ));
    } else if (start - last_history).num_days() > 1 {
        warnings.push(format!(
            "the forecast starts {start}, {} days after the history ends ({last_history}); it is forecast from the end of the history, {} days ahead",
            (start - last_history).num_days() - 1,
            (start - last_history).num_days() - 1
        ));
    }
    for g in &history.gaps {
        warnings.push(format!(
            "queue {:?}: {} open interval(s) missing from {} (not read as zero)",
            g.queue,
            g.intervals,
            crate::time::format_local(&g.from)
        ));
    }
    let last = start + Duration::days(i64::from(days) - 1);
    let history_first = history.first_day().unwrap_or(start);
    let mut later = 0;
    for e in events {
        if e.end.date() < history_first {
            warnings.push(format!(
                "event {:?} ({} to {}) ends before the history starts ({history_first}); ignored",
                e.name,
                e.start.format("%Y-%m-%d"),
                e.end.format("%Y-%m-%d")
            ));
        } else if e.start.date() > last {
            later += 1;
        }
        if let Some(q) = &e.queue {
            if history.queue(q).is_none() {
                warnings.push(format!(
                    "event {:?} names queue {q:?}, which is not in the history; ignored",
                    e.name
                ));
            }
        }
    }
    if later > 0 {
        warnings
            .push(format!("{later} event(s) start after the forecast period ({last}); not used"));
    }
    let history_end = start.min(last_history + Duration::days(1));
    let period =
        ForecastPeriod { history, events, site, config, grid, start, last, days, history_end };
    let names = queues_to_forecast(history, site, &mut warnings)?;
    let results: Vec<Result<QueueForecast, ForecastError>> =
        names.par_iter().map(|queue| forecast_queue(queue, &period)).collect();
    let mut rows = Vec::new();
    let mut queues = Vec::new();
    for r in results {
        let (r, q, w) = r?;
        rows.extend(r);
        queues.push(q);
        warnings.extend(w);
    }
    add_shares(&mut rows, &mut queues, &mut warnings, site);
    rows.sort_by(|a, b| {
        a.interval_start.cmp(&b.interval_start).then_with(|| a.queue.cmp(&b.queue))
    });
    Ok(ForecastOutput { rows, queues, warnings })
}

/// Queues with `share_of = "other"`, `share = s`: every forecast row of `other` times `s`
/// (contacts and their P10/P90; the same handle time), e.g. a VIP line without its own
/// history as 10% of voice. The contacts move: `other` keeps `1 - Σ s` of its own forecast,
/// so the site's total is the forecast of the history.
fn add_shares(
    rows: &mut Vec<ForecastRow>,
    queues: &mut Vec<QueueReport>,
    warnings: &mut Vec<String>,
    site: &crate::site::Site,
) {
    let original_count = rows.len();
    let mut taken: BTreeMap<String, f64> = BTreeMap::new();
    for q in &site.queues {
        let (Some(other), Some(share)) = (&q.share_of, q.share) else { continue };
        // From the parent's own forecast (the first `original_count` rows), before any carving.
        let shared: Vec<ForecastRow> = rows[..original_count]
            .iter()
            .filter(|r| r.queue == *other)
            .map(|r| ForecastRow {
                interval_start: r.interval_start,
                queue: q.name.clone(),
                contacts: r.contacts * share,
                contacts_p10: r.contacts_p10 * share,
                contacts_p90: r.contacts_p90 * share,
                aht_seconds: r.aht_seconds,
            })
            .collect();
        if shared.is_empty() {
            warnings.push(format!(
                "queue {:?} is a share of {other:?}, which has no forecast (no history); it has none either",
                q.name
            ));
        }
        rows.extend(shared);
        *taken.entry(other.clone()).or_default() += share;
        queues.push(QueueReport {
            queue: q.name.clone(),
            chosen: format!("share_of {other} x {share}"),
            weights: BTreeMap::new(),
            validation: Vec::new(),
            rebound: None,
            interval_k_by_day: Vec::new(),
            interval_z10: 0.0,
            interval_z90: 0.0,
            interval_residuals: 0,
            events: Vec::new(),
        });
    }
    for r in rows[..original_count].iter_mut() {
        if let Some(&share) = taken.get(&r.queue) {
            let kept = (1.0 - share).max(0.0);
            r.contacts *= kept;
            r.contacts_p10 *= kept;
            r.contacts_p90 *= kept;
        }
    }
}

/// What every queue's forecast shares: the inputs and the forecast days `start..=last`.
struct ForecastPeriod<'a> {
    history: &'a HistoryFrame,
    events: &'a [Event],
    site: &'a Site,
    config: &'a ForecastConfig,
    grid: IntervalGrid,
    start: NaiveDate,
    last: NaiveDate,
    days: u32,
    /// The forecast origin: the first day without history, `min(start, day after the history)`.
    /// A start weeks or months after the history is forecast from here, `lead` days ahead.
    history_end: NaiveDate,
}

/// Forecast one queue: its series, handle times, the model run (or zeros for an all-zero
/// history), and the rows of its open intervals.
fn forecast_queue(queue: &str, period: &ForecastPeriod) -> Result<QueueForecast, ForecastError> {
    let ForecastPeriod { history, events, site, config, grid, start, last, days, history_end } =
        *period;
    let qe = queue_events(events, queue);
    let series = queue_series(queue, history, &qe, site, grid, last, history_end)?;
    let origin = series.day_index(history_end).ok_or_else(|| {
        ForecastError::Invalid(format!("queue {queue:?}: no history before {start}"))
    })?;
    // Days between the origin and the start are forecast too (the model's horizon), not output.
    let lead = (start - history_end).num_days().max(0) as usize;
    let mut warnings = Vec::new();
    let total: f64 = (0..series.history_days.min(origin)).map(|d| series.day_total(d)).sum();
    let aht = aht_profile(&series, origin, site, config, &mut warnings)?;
    let (forecast, report) = if total <= 0.0 {
        warnings.push(format!(
            "queue {queue:?}: every interval of the history is zero; forecasting zero"
        ));
        let zero = (origin..series.days.len()).map(|_| vec![0.0; series.slots]).collect();
        let report = QueueReport {
            queue: queue.to_string(),
            chosen: "zero".into(),
            weights: BTreeMap::new(),
            validation: Vec::new(),
            rebound: None,
            interval_k_by_day: Vec::new(),
            interval_z10: 0.0,
            interval_z90: 0.0,
            interval_residuals: 0,
            events: Vec::new(),
        };
        (
            (zero, Calibration { k: [0.0; HORIZON_BUCKETS], z10: 0.0, z90: 0.0, residuals: 0 }),
            report,
        )
    } else {
        let run = run_queue(&series, &qe, config, origin, lead + days as usize)?;
        warnings.extend(run.warnings);
        (run.chosen, run.report)
    };
    let (days_f, cal) = forecast;
    let window = ForecastWindow { first_day: origin + lead, lead };
    let rows =
        forecast_rows(&series, site, grid, window, &days_f[lead.min(days_f.len())..], &cal, &aht);
    Ok((rows, report, warnings))
}

/// Where the output days sit: the first output day's index and its days ahead of the origin.
#[derive(Debug, Clone, Copy)]
struct ForecastWindow {
    first_day: usize,
    lead: usize,
}

/// The rows of every open interval of the forecast days (closed days' open intervals as 0).
fn forecast_rows(
    series: &QueueSeries,
    site: &Site,
    grid: IntervalGrid,
    window: ForecastWindow,
    days_f: &[Vec<f64>],
    cal: &Calibration,
    aht: &[Vec<f64>; 7],
) -> Vec<ForecastRow> {
    let mut rows = Vec::new();
    for (k, f) in days_f.iter().enumerate() {
        let d = window.first_day + k;
        let info = &series.days[d];
        if !info.open && !info.closed {
            continue;
        }
        if site.opening_hours.closed_dates.contains(&info.date) {
            continue;
        }
        for stamp in grid.day_starts(info.date) {
            let s = grid.slot_of_day(&stamp);
            if !series.open_slots[info.weekday][s] {
                continue;
            }
            let c = if info.open { f[s] } else { 0.0 };
            let (p10, p90) = cal.bounds(c, window.lead + k);
            rows.push(ForecastRow {
                interval_start: stamp,
                queue: series.queue.clone(),
                contacts: c,
                contacts_p10: p10,
                contacts_p90: p90,
                aht_seconds: aht[info.weekday][s],
            });
        }
    }
    rows
}

/// Handle-time profile per weekday and slot (see the module docs).
fn aht_profile(
    series: &QueueSeries,
    origin: usize,
    site: &Site,
    config: &ForecastConfig,
    warnings: &mut Vec<String>,
) -> Result<[Vec<f64>; 7], ForecastError> {
    let slots = series.slots;
    let start = origin.saturating_sub(config.profile_weeks * 7);
    let mut num = [(); 7].map(|_| vec![0.0; slots]);
    let mut den = [(); 7].map(|_| vec![0.0; slots]);
    let mut any = false;
    for d in start..origin.min(series.history_days) {
        let w = series.days[d].weekday;
        for s in 0..slots {
            let a = series.aht_seconds[d * slots + s];
            let c = series.value(d, s);
            if a.is_nan() || c.is_nan() {
                continue;
            }
            any = true;
            let weight = c.max(0.5);
            num[w][s] += weight * a;
            den[w][s] += weight;
        }
    }
    if !any {
        let default = site
            .queue(&series.queue)
            .and_then(|q| q.default_aht_seconds)
            .or(config.default_aht_seconds);
        return match default {
            Some(v) => {
                warnings.push(format!(
                    "queue {:?}: no aht_seconds in the history; using default_aht_seconds = {v}",
                    series.queue
                ));
                Ok([(); 7].map(|_| vec![v; slots]))
            }
            None => Err(ForecastError::NoHandleTime { queue: series.queue.clone() }),
        };
    }
    // All-weekday value per slot, then the overall mean for slots never seen.
    let all_num: Vec<f64> = (0..slots).map(|s| (0..7).map(|w| num[w][s]).sum()).collect();
    let all_den: Vec<f64> = (0..slots).map(|s| (0..7).map(|w| den[w][s]).sum()).collect();
    let overall = all_num.iter().sum::<f64>() / all_den.iter().sum::<f64>();
    // Pseudo-count of contacts behind the prior: a slot needs this many of its own to be trusted.
    const PRIOR_CONTACTS: f64 = 50.0;
    let pooled: Vec<f64> = (0..slots)
        .map(|s| (all_num[s] + PRIOR_CONTACTS * overall) / (all_den[s] + PRIOR_CONTACTS))
        .collect();
    let everywhere = vec![true; slots];
    let pooled = smooth_open(&pooled, &everywhere, 2);
    // Each weekday's own level relative to all days (weekend handle time runs longer): the prior
    // of a weekday's slot is the pooled slot value scaled by it, so shrinking a thinly backed
    // slot keeps its weekday's level and borrows only the shape.
    let weekday_level: [f64; 7] = std::array::from_fn(|w| {
        let (n, d) = (num[w].iter().sum::<f64>(), den[w].iter().sum::<f64>());
        (n + PRIOR_CONTACTS * overall) / (d + PRIOR_CONTACTS) / overall
    });
    Ok(std::array::from_fn(|w| {
        let raw: Vec<f64> = (0..slots)
            .map(|s| {
                let prior = pooled[s] * weekday_level[w];
                (num[w][s] + PRIOR_CONTACTS * prior) / (den[w][s] + PRIOR_CONTACTS)
            })
            .collect();
        smooth_open(&raw, &everywhere, 2)
    }))
}

/// The history's queues to forecast. With a site that names its queues, every queue of the site
/// needs history (a `share_of` queue excepted: it is forecast from the other's and ignores any
/// history of its own), and a history queue the site does not name is left out with a warning.
fn queues_to_forecast<'h>(
    history: &'h HistoryFrame,
    site: &Site,
    warnings: &mut Vec<String>,
) -> Result<Vec<&'h str>, ForecastError> {
    if site.queues.is_empty() {
        return Ok(history.queue_names().collect());
    }
    let missing: Vec<&str> = site
        .queues
        .iter()
        .filter(|q| q.share_of.is_none() && history.queue(&q.name).is_none())
        .map(|q| q.name.as_str())
        .collect();
    // Names quoted: a queue name may hold a comma ("voice, main").
    let quoted = |names: &[&str]| names.iter().map(|q| format!("{q:?}")).collect::<Vec<_>>();
    let extra: Vec<&str> = history.queue_names().filter(|q| site.queue(q).is_none()).collect();
    if !missing.is_empty() {
        let have: Vec<&str> = history.queue_names().collect();
        let not_in_plan = if extra.is_empty() {
            String::new()
        } else {
            format!("; its queue(s) {} are not in plan.toml", quoted(&extra).join(", "))
        };
        return Err(ForecastError::Config(format!(
            "the history has no rows for queue(s) {} of plan.toml{not_in_plan} (it has: {})",
            quoted(&missing).join(", "),
            if have.is_empty() { "none".to_string() } else { quoted(&have).join(", ") }
        )));
    }
    if !extra.is_empty() {
        warnings.push(format!(
            "history queue(s) {} are not in plan.toml: not forecast",
            quoted(&extra).join(", ")
        ));
    }
    Ok(history
        .queue_names()
        .filter(|q| site.queue(q).is_some_and(|c| c.share_of.is_none()))
        .collect())
}

/// A site for a history without a plan.toml: the grid of the history, always open (the
/// forecast infers each queue's hours from the data), no `[[queues]]`.
pub fn site_for_history(grid: IntervalGrid) -> Site {
    Site::new("site", grid, OpeningHours::always(), chrono::Weekday::Mon, Vec::new())
        .expect("a site without queues has no duplicate names")
}

/// Options of [`backtest`].
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOptions {
    pub horizon_days: u32,
    pub folds: u32,
    /// First forecast origin; default: the latest that fits `folds` folds in the history.
    pub first_origin: Option<NaiveDate>,
}

/// Backtest scores of one model (or `auto`) on one queue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModelScore {
    pub model: String,
    #[serde(flatten)]
    pub accuracy: Accuracy,
    /// WAPE of daily totals.
    pub wape_daily: f64,
    /// Fitting and predicting time summed over folds, seconds (for `auto`: all models).
    pub run_time_seconds: f64,
    /// Folds the model could be fitted in.
    pub folds: usize,
}

/// Backtest of one queue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueueBacktest {
    pub queue: String,
    /// WAPE of a perfect forecast of the Poisson mean over the same test intervals.
    pub noise_floor_wape: f64,
    pub models: Vec<ModelScore>,
    /// `(origin, chosen candidate)` per fold of the `auto` method.
    pub choices: Vec<(String, String)>,
}

/// Result of [`backtest`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BacktestReport {
    pub first_origin: String,
    pub horizon_days: u32,
    pub folds: u32,
    pub queues: Vec<QueueBacktest>,
    pub warnings: Vec<String>,
    pub run_time_seconds: f64,
}

/// Rolling-origin backtest: for each fold, forecast `horizon_days` from origin
/// `first_origin + fold × horizon_days` with history before the origin only, and score every
/// model and the `auto` choice on the observed open intervals. A fold knows only what a forecast
/// made at its origin would: the history before the origin and the events file (closures in the
/// test window count only when the events file declares them).
pub fn backtest(
    history: &HistoryFrame,
    events: &[Event],
    site: &Site,
    config: &ForecastConfig,
    options: &BacktestOptions,
) -> Result<BacktestReport, ForecastError> {
    let t_all = Instant::now();
    config.validate()?;
    if options.horizon_days == 0 || options.folds == 0 {
        return Err(ForecastError::Invalid("horizon_days and folds must be at least 1".into()));
    }
    let last_history = history.last_day().ok_or(ForecastError::EmptyHistory)?;
    let first_history = history.first_day().expect("non-empty");
    let span = i64::from(options.horizon_days) * i64::from(options.folds);
    let first_origin =
        options.first_origin.unwrap_or(last_history + Duration::days(1) - Duration::days(span));
    let min_days = 14;
    if (first_origin - first_history).num_days() < min_days {
        return Err(ForecastError::TooShort {
            model: "backtest".into(),
            need_days: min_days as usize + span as usize,
            have_days: ((last_history - first_history).num_days() + 1).max(0) as usize,
        });
    }
    let mut warnings = Vec::new();
    let end = first_origin + Duration::days(span);
    if end > last_history + Duration::days(1) {
        warnings.push(format!(
            "the last fold ends {} but the history ends {last_history}; later folds are scored on fewer days",
            end - Duration::days(1)
        ));
    }
    let grid = history_grid(history)?;
    let mut queues = Vec::new();
    for queue in history.queue_names() {
        let qe = queue_events(events, queue);
        let history_end = last_history + Duration::days(1);
        let last = end.max(history_end);
        // The whole history: the actuals each fold is scored on.
        let series = queue_series(queue, history, &qe, site, grid, last, history_end)?;
        let origins: Vec<usize> = (0..options.folds as i64)
            .filter_map(|k| {
                series.day_index(first_origin + Duration::days(k * i64::from(options.horizon_days)))
            })
            .collect();
        let horizon = options.horizon_days as usize;
        let fold = Fold { queue, history, events: &qe, site, grid, config, horizon };
        let runs: Vec<(usize, Result<QueueRun, ForecastError>)> =
            origins.par_iter().map(|&o| (o, fold.run(series.days[o].date, o))).collect();
        let names: Vec<String> = config.models().iter().map(|m| m.name().to_string()).collect();
        let n = names.len();
        let mut scored: Vec<Vec<Scored>> = vec![Vec::new(); n + 1];
        let mut daily: Vec<(f64, f64)> = vec![(0.0, 0.0); n + 1];
        let mut seconds = vec![0.0; n + 1];
        let mut folds_ok = vec![0usize; n + 1];
        let mut actuals = Vec::new();
        let mut choices = Vec::new();
        for (o, run) in runs {
            let run = match run {
                Ok(r) => r,
                Err(e) => {
                    warnings.push(format!("queue {queue:?}, fold {}: {e}", series.days[o].date));
                    continue;
                }
            };
            choices.push((series.days[o].date.to_string(), run.report.chosen.clone()));
            for (m, s) in run.seconds.iter().enumerate() {
                seconds[m] += s;
                seconds[n] += s;
            }
            let candidates: Vec<Option<&(DayForecasts, Calibration)>> = run
                .per_model
                .iter()
                .map(Option::as_ref)
                .chain(std::iter::once(Some(&run.chosen)))
                .collect();
            for (m, cand) in candidates.iter().enumerate() {
                let Some((days, cal)) = cand else { continue };
                folds_ok[m] += 1;
                for (k, f) in days.iter().enumerate() {
                    let d = o + k;
                    if d >= series.history_days || !series.days[d].open {
                        continue;
                    }
                    let w = series.days[d].weekday;
                    let (mut ya, mut fa) = (0.0, 0.0);
                    for (s, &fv) in f.iter().enumerate() {
                        let y = series.value(d, s);
                        if y.is_nan() || !series.open_slots[w][s] {
                            continue;
                        }
                        let (p10, p90) = cal.bounds(fv, k);
                        scored[m].push(Scored { actual: y, forecast: fv, p10, p90 });
                        ya += y;
                        fa += fv;
                        if m == n {
                            actuals.push(y);
                        }
                    }
                    daily[m].0 += (ya - fa).abs();
                    daily[m].1 += ya;
                }
            }
        }
        let scale = mase_scale(&series, origins.first().copied().unwrap_or(0));
        let models = names
            .iter()
            .cloned()
            .chain(std::iter::once("auto".to_string()))
            .enumerate()
            .map(|(m, model)| ModelScore {
                model,
                accuracy: accuracy(&scored[m], scale),
                wape_daily: if daily[m].1 > 0.0 { daily[m].0 / daily[m].1 } else { f64::NAN },
                run_time_seconds: seconds[m],
                folds: folds_ok[m],
            })
            .collect();
        queues.push(QueueBacktest {
            queue: queue.to_string(),
            noise_floor_wape: poisson_noise_floor(&actuals),
            models,
            choices,
        });
    }
    Ok(BacktestReport {
        first_origin: first_origin.to_string(),
        horizon_days: options.horizon_days,
        folds: options.folds,
        queues,
        warnings,
        run_time_seconds: t_all.elapsed().as_secs_f64(),
    })
}

/// One queue's backtest fold inputs.
struct Fold<'a> {
    queue: &'a str,
    history: &'a HistoryFrame,
    events: &'a [&'a Event],
    site: &'a Site,
    grid: IntervalGrid,
    config: &'a ForecastConfig,
    horizon: usize,
}

impl Fold<'_> {
    /// The fold at `origin` (day index `o`) sees what a forecast made at its origin would: the
    /// history before the origin and the events file. A day of the test week without data is
    /// not a closure the fold knows of (nor its rebound) unless the events file declares it.
    /// The fold's series is the one `run_forecast` builds for a start at the origin, so the
    /// figures equal forecasting at each origin.
    fn run(&self, origin: NaiveDate, o: usize) -> Result<QueueRun, ForecastError> {
        let last = origin + Duration::days(self.horizon as i64 - 1);
        let series = queue_series(
            self.queue,
            self.history,
            self.events,
            self.site,
            self.grid,
            last,
            origin,
        )?;
        run_queue(&series, self.events, self.config, o, self.horizon)
    }
}

/// Mean absolute error of the weekly seasonal naive forecast before `origin` (MASE scale).
fn mase_scale(series: &QueueSeries, origin: usize) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for d in 7..origin.min(series.history_days) {
        for s in 0..series.slots {
            let (a, b) = (series.value(d, s), series.value(d - 7, s));
            if !a.is_nan() && !b.is_nan() {
                sum += (a - b).abs();
                n += 1;
            }
        }
    }
    if n > 0 {
        sum / n as f64
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod share_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_share_queue_is_that_fraction_of_the_other() {
        let text =
            "[site]\ntime_zone = \"UTC\"\ninterval_minutes = 15\n[staffing]\nshrinkage = 0.3\n\
            [[queues]]\nname = \"voice\"\nchannel = \"voice\"\n\
            [[queues]]\nname = \"voice_vip\"\nchannel = \"voice\"\nservice_level = 0.9\n\
            target_answer_seconds = 15\npriority = 1\nshare_of = \"voice\"\nshare = 0.1\n";
        let config =
            crate::plan::PlanConfig::parse("plan.toml", text, std::path::Path::new("")).unwrap();
        let t = chrono_tz::Tz::UTC.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
        let mut rows = vec![ForecastRow {
            interval_start: t,
            queue: "voice".into(),
            contacts: 120.0,
            contacts_p10: 100.0,
            contacts_p90: 140.0,
            aht_seconds: 300.0,
        }];
        let (mut queues, mut warnings) = (Vec::new(), Vec::new());
        add_shares(&mut rows, &mut queues, &mut warnings, &config.site);
        assert_eq!(rows.len(), 2);
        let vip = &rows[1];
        assert_eq!((vip.queue.as_str(), vip.aht_seconds), ("voice_vip", 300.0));
        assert!((vip.contacts - 12.0).abs() < 1e-12 && (vip.contacts_p90 - 14.0).abs() < 1e-12);
        // The VIP calls are carved out of voice: 108 + 12 = the 120 calls forecast.
        assert!((rows[0].contacts - 108.0).abs() < 1e-12);
        assert!((rows[0].contacts_p10 - 90.0).abs() < 1e-12);
        assert_eq!(queues[0].chosen, "share_of voice x 0.1");
        assert!(warnings.is_empty());
    }

    #[test]
    fn two_shares_each_take_their_fraction_of_the_original() {
        let text =
            "[site]\ntime_zone = \"UTC\"\ninterval_minutes = 15\n[staffing]\nshrinkage = 0.3\n\
            [[queues]]\nname = \"voice\"\nchannel = \"voice\"\n\
            [[queues]]\nname = \"vip\"\nchannel = \"voice\"\nshare_of = \"voice\"\nshare = 0.1\n\
            [[queues]]\nname = \"gold\"\nchannel = \"voice\"\nshare_of = \"voice\"\nshare = 0.3\n";
        let config =
            crate::plan::PlanConfig::parse("plan.toml", text, std::path::Path::new("")).unwrap();
        let t = chrono_tz::Tz::UTC.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
        let mut rows = vec![ForecastRow {
            interval_start: t,
            queue: "voice".into(),
            contacts: 100.0,
            contacts_p10: 80.0,
            contacts_p90: 120.0,
            aht_seconds: 300.0,
        }];
        let (mut queues, mut warnings) = (Vec::new(), Vec::new());
        add_shares(&mut rows, &mut queues, &mut warnings, &config.site);
        let of = |q: &str| rows.iter().find(|r| r.queue == q).unwrap().contacts;
        assert!((of("vip") - 10.0).abs() < 1e-12);
        assert!((of("gold") - 30.0).abs() < 1e-12);
        assert!((of("voice") - 60.0).abs() < 1e-12);
    }
}
