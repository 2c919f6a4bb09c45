//! Forecast engine tests on hand-built histories: every expected value is worked out by hand
//! from the construction of the series, never taken from the code's own earlier output.

mod common;

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
use shiftcast::forecast::{
    backtest, backtest_intraday, run_forecast, run_intraday, site_for_history, BacktestOptions,
    ForecastConfig, ForecastOutput,
};
use shiftcast::io::events::{Event, EventKind};
use shiftcast::io::history::{History, HistoryFrame, HistoryRecord};
use shiftcast::time::IntervalGrid;

const EXACT: f64 = 1e-6;

fn tz(name: &str) -> chrono_tz::Tz {
    name.parse().expect("tz")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// A one-queue history: `value(date, local hour, local minute)` gives the contacts of an
/// interval, `None` for no row (closed or missing).
fn history(
    grid: IntervalGrid,
    first: NaiveDate,
    days: i64,
    value: impl Fn(NaiveDate, u32, u32) -> Option<f64>,
) -> HistoryFrame {
    records(grid, first, days, value).into_frame(grid.tz)
}

/// [`history`] as records, to edit before the forecast reads them.
fn records(
    grid: IntervalGrid,
    first: NaiveDate,
    days: i64,
    value: impl Fn(NaiveDate, u32, u32) -> Option<f64>,
) -> History {
    let mut records = Vec::new();
    for d in 0..days {
        let day = first + Duration::days(d);
        for stamp in grid.day_starts(day) {
            if let Some(c) = value(day, stamp.hour(), stamp.minute()) {
                records.push(HistoryRecord {
                    interval_start: stamp,
                    queue: "q".into(),
                    contacts: c,
                    aht_seconds: Some(300.0),
                });
            }
        }
    }
    History {
        interval_minutes: grid.interval_minutes,
        queues: BTreeMap::from([("q".to_string(), records)]),
        gaps: Vec::new(),
    }
}

fn config(method: &str) -> ForecastConfig {
    ForecastConfig { method: method.to_string(), ..ForecastConfig::default() }
}

fn value_at(out: &ForecastOutput, local: &str) -> Vec<f64> {
    out.rows
        .iter()
        .filter(|r| r.interval_start.format("%Y-%m-%dT%H:%M").to_string() == local)
        .map(|r| r.contacts)
        .collect()
}

/// Weekdays 08:00–18:00 at 30 minutes, Saturday 09:00–13:00, Sunday closed.
fn open(day: NaiveDate, h: u32) -> bool {
    match day.weekday().num_days_from_monday() {
        0..=4 => (8..18).contains(&h),
        5 => (9..13).contains(&h),
        _ => false,
    }
}

#[test]
fn seasonal_naive_repeats_the_value_of_a_week_earlier() {
    let grid = IntervalGrid::new(tz("Europe/Paris"), 30).expect("grid");
    let first = date(2025, 1, 6);
    // A series with no weekly pattern at all: the value encodes the day index and the slot.
    let h = history(grid, first, 28, |d, hh, mm| {
        open(d, hh).then(|| ((d - first).num_days() * 100 + i64::from(hh * 60 + mm) / 30) as f64)
    });
    let out = run_forecast(
        &h,
        &[],
        &site_for_history(grid),
        &config("seasonal_naive"),
        first + Duration::days(28),
        7,
    )
    .expect("forecast");
    assert_eq!(out.queues[0].chosen, "seasonal_naive");
    // Tuesday 2025-02-04 10:30 = day 29, slot 21: a week earlier is day 22.
    assert_eq!(value_at(&out, "2025-02-04T10:30"), vec![2221.0]);
    // Saturday 2025-02-08 12:00: day 33 → day 26, slot 24.
    assert_eq!(value_at(&out, "2025-02-08T12:00"), vec![2624.0]);
    // Sunday is closed: no rows; Saturday 14:00 is closed: no row.
    assert!(value_at(&out, "2025-02-09T10:00").is_empty());
    assert!(value_at(&out, "2025-02-08T14:00").is_empty());
}

#[test]
fn a_weekly_periodic_series_is_forecast_exactly_by_every_model() {
    let grid = IntervalGrid::new(tz("America/New_York"), 30).expect("grid");
    let first = date(2025, 1, 6);
    let level = [120.0, 100.0, 95.0, 90.0, 105.0, 40.0, 0.0];
    // Flat within the day so that the profile smoothing of the top-down model is exact too; one
    // Wednesday is missing entirely (a holiday) and must not shift anything.
    let missing = date(2025, 2, 12);
    let value = |d: NaiveDate, hh: u32, _mm: u32| {
        (open(d, hh) && d != missing).then(|| level[d.weekday().num_days_from_monday() as usize])
    };
    let h = history(grid, first, 70, value);
    let start = first + Duration::days(70);
    for method in ["seasonal_naive", "weekday_average", "top_down", "double_seasonal", "auto"] {
        let out = run_forecast(&h, &[], &site_for_history(grid), &config(method), start, 14)
            .expect("forecast");
        for r in &out.rows {
            let t = r.interval_start.naive_local();
            let expected = level[t.weekday().num_days_from_monday() as usize];
            assert!(
                (r.contacts - expected).abs() < EXACT * expected.max(1.0),
                "{method}: {} forecast {} expected {expected}",
                t,
                r.contacts
            );
        }
        // 5 weekdays × 20 + Saturday 8 half hours, two weeks.
        assert_eq!(out.rows.len(), 2 * (5 * 20 + 8), "{method}");
    }
}

#[test]
fn declared_promotion_uplift_and_closure_show_in_the_forecast() {
    let grid = IntervalGrid::new(tz("Europe/London"), 30).expect("grid");
    let first = date(2025, 1, 6);
    let h = history(grid, first, 42, |d, hh, _| {
        open(d, hh).then_some(50.0 + d.weekday().num_days_from_monday() as f64)
    });
    let start = first + Duration::days(42); // Monday 2025-02-17
    let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").expect("time");
    let events = vec![
        Event {
            start: at("2025-02-19T12:00"),
            end: at("2025-02-19T14:00"),
            kind: EventKind::Promotion,
            name: "spring sale".into(),
            queue: None,
            uplift: Some(1.6),
        },
        Event {
            start: at("2025-02-20T00:00"),
            end: at("2025-02-21T00:00"),
            kind: EventKind::Closure,
            name: "system migration".into(),
            queue: Some("q".into()),
            uplift: None,
        },
    ];
    let out =
        run_forecast(&h, &events, &site_for_history(grid), &config("weekday_average"), start, 7)
            .expect("forecast");
    // Wednesday base 52: ×1.6 inside 12:00–14:00, unchanged outside.
    assert!((value_at(&out, "2025-02-19T12:00")[0] - 83.2).abs() < EXACT);
    assert!((value_at(&out, "2025-02-19T13:30")[0] - 83.2).abs() < EXACT);
    assert!((value_at(&out, "2025-02-19T14:00")[0] - 52.0).abs() < EXACT);
    assert!((value_at(&out, "2025-02-19T11:30")[0] - 52.0).abs() < EXACT);
    // The closed Thursday keeps its rows, all zero, with zero-width intervals.
    let thursday: Vec<_> =
        out.rows.iter().filter(|r| r.interval_start.date_naive() == date(2025, 2, 20)).collect();
    assert_eq!(thursday.len(), 20);
    assert!(thursday.iter().all(|r| r.contacts == 0.0 && r.contacts_p90 == 0.0));
    let effects = &out.queues[0].events;
    assert!(effects
        .iter()
        .any(|e| e.name == "spring sale" && e.factor == 1.6 && e.source == "declared"));
}

#[test]
fn undeclared_uplift_is_learned_from_past_events_of_the_same_name() {
    let grid = IntervalGrid::new(tz("Europe/London"), 60).expect("grid");
    let first = date(2025, 1, 6);
    let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").expect("time");
    // A past "mailing" on Wednesday 2025-02-05 10:00–12:00 doubled the volume.
    let past = Event {
        start: at("2025-02-05T10:00"),
        end: at("2025-02-05T12:00"),
        kind: EventKind::Campaign,
        name: "mailing".into(),
        queue: None,
        uplift: None,
    };
    let h = history(grid, first, 56, |d, hh, _| {
        open(d, hh)
            .then(|| if d == date(2025, 2, 5) && (10..12).contains(&hh) { 80.0 } else { 40.0 })
    });
    let future = Event {
        start: at("2025-03-05T10:00"),
        end: at("2025-03-05T11:00"),
        kind: EventKind::Campaign,
        name: "mailing".into(),
        queue: None,
        uplift: None,
    };
    let out = run_forecast(
        &h,
        &[past, future],
        &site_for_history(grid),
        &config("weekday_average"),
        first + Duration::days(56),
        7,
    )
    .expect("forecast");
    assert!(
        (value_at(&out, "2025-03-05T10:00")[0] - 80.0).abs() < EXACT,
        "{:?}",
        value_at(&out, "2025-03-05T10:00")
    );
    assert!((value_at(&out, "2025-03-05T11:00")[0] - 40.0).abs() < EXACT);
    let learned =
        out.queues[0].events.iter().find(|e| e.start == "2025-03-05T10:00").expect("effect");
    assert!(learned.source.contains("named \"mailing\""), "{}", learned.source);
}

#[test]
fn daylight_saving_days_are_keyed_by_local_time_of_day() {
    // 24×7 hourly, value = 10 + local hour. Europe/London springs forward on 2025-03-30 and
    // falls back on 2025-10-26; row positions shift by an hour there, wall-clock slots do not.
    let grid = IntervalGrid::new(tz("Europe/London"), 60).expect("grid");
    let first = date(2025, 3, 3);
    let h = history(grid, first, 56, |_, hh, _| Some(10.0 + f64::from(hh)));
    for method in ["seasonal_naive", "weekday_average"] {
        let out = run_forecast(
            &h,
            &[],
            &site_for_history(grid),
            &config(method),
            first + Duration::days(56),
            7,
        )
        .expect("forecast");
        for r in &out.rows {
            assert!(
                (r.contacts - (10.0 + f64::from(r.interval_start.hour()))).abs() < EXACT,
                "{method} {}",
                r.interval_start
            );
        }
    }
    // A forecast over the fall-back day has 25 hourly rows; both 01:00 rows keep the 01:00 value.
    let first = date(2025, 9, 1);
    let h = history(grid, first, 55, |_, hh, _| Some(10.0 + f64::from(hh)));
    let out = run_forecast(
        &h,
        &[],
        &site_for_history(grid),
        &config("weekday_average"),
        date(2025, 10, 26),
        1,
    )
    .expect("forecast");
    assert_eq!(out.rows.len(), 25);
    let one_am: Vec<f64> =
        out.rows.iter().filter(|r| r.interval_start.hour() == 1).map(|r| r.contacts).collect();
    assert_eq!(one_am, vec![11.0, 11.0]);
    // And a history containing the fall-back day does not double its 01:00 slot.
    let first = date(2025, 10, 6);
    let h = history(grid, first, 28, |_, hh, _| Some(10.0 + f64::from(hh)));
    let out = run_forecast(
        &h,
        &[],
        &site_for_history(grid),
        &config("seasonal_naive"),
        first + Duration::days(28),
        7,
    )
    .expect("forecast");
    assert!(out
        .rows
        .iter()
        .all(|r| (r.contacts - (10.0 + f64::from(r.interval_start.hour()))).abs() < EXACT));
}

#[test]
fn prediction_intervals_cover_about_80_percent_of_a_poisson_series() {
    let grid = IntervalGrid::new(tz("Europe/Berlin"), 15).expect("grid");
    let first = date(2025, 1, 6);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut values = BTreeMap::new();
    for d in 0..140 {
        let day = first + Duration::days(d);
        for slot in 0..96u32 {
            let h = f64::from(slot) / 4.0;
            if !(8.0..20.0).contains(&h) || day.weekday().num_days_from_monday() >= 5 {
                continue;
            }
            let mean = 30.0
                * (1.0 + 0.1 * day.weekday().num_days_from_monday() as f64)
                * (1.0 + (-(h - 11.0) * (h - 11.0) / 6.0).exp());
            values.insert((day, slot), Poisson::new(mean).expect("mean").sample(&mut rng));
        }
    }
    let h = history(grid, first, 140, |d, hh, mm| values.get(&(d, hh * 4 + mm / 15)).copied());
    let options = BacktestOptions { horizon_days: 7, folds: 8, first_origin: None };
    let report =
        backtest(&h, &[], &site_for_history(grid), &config("auto"), &options).expect("backtest");
    let q = &report.queues[0];
    let auto = q.models.iter().find(|m| m.model == "auto").expect("auto");
    assert!(
        (0.74..=0.86).contains(&auto.accuracy.coverage_p10_p90),
        "coverage {}",
        auto.accuracy.coverage_p10_p90
    );
    // On a pure Poisson series the best forecast sits close to the noise floor.
    assert!(
        auto.accuracy.wape < 1.15 * q.noise_floor_wape,
        "wape {} floor {}",
        auto.accuracy.wape,
        q.noise_floor_wape
    );
}

#[test]
fn short_history_falls_back_and_says_which_model_needs_more() {
    let grid = IntervalGrid::new(tz("Europe/Paris"), 30).expect("grid");
    let first = date(2025, 1, 6);
    let h = history(grid, first, 10, |d, hh, _| open(d, hh).then_some(20.0));
    let out = run_forecast(
        &h,
        &[],
        &site_for_history(grid),
        &config("auto"),
        first + Duration::days(10),
        7,
    )
    .expect("forecast");
    assert!(
        out.warnings.iter().any(|w| w.contains("top_down needs at least 14 days")),
        "{:?}",
        out.warnings
    );
    assert!(out.rows.iter().all(|r| (r.contacts - 20.0).abs() < EXACT));
    // Shorter than any model: a clear error.
    let h = history(grid, first, 3, |d, hh, _| open(d, hh).then_some(20.0));
    let e = run_forecast(
        &h,
        &[],
        &site_for_history(grid),
        &config("auto"),
        first + Duration::days(3),
        7,
    )
    .expect_err("too short");
    assert!(e.to_string().contains("needs at least 7 days"), "{e}");
}

#[test]
fn an_all_zero_queue_is_forecast_as_zero_with_a_warning() {
    let grid = IntervalGrid::new(tz("Europe/Paris"), 30).expect("grid");
    let first = date(2025, 1, 6);
    let h = history(grid, first, 28, |d, hh, _| open(d, hh).then_some(0.0));
    let out = run_forecast(
        &h,
        &[],
        &site_for_history(grid),
        &config("auto"),
        first + Duration::days(28),
        7,
    )
    .expect("forecast");
    assert!(out.rows.iter().all(|r| r.contacts == 0.0));
    assert!(out.warnings.iter().any(|w| w.contains("every interval of the history is zero")));
}

/// The bank file is `datetime,calls`, local US/Eastern 5-minute intervals.
fn load_bank(path: &std::path::Path) -> HistoryFrame {
    let tz = tz("America/New_York");
    let text = std::fs::read_to_string(path).expect("bank file");
    let records = text
        .lines()
        .skip(1)
        .map(|line| {
            let (t, c) = line.split_once(',').expect("datetime,calls");
            HistoryRecord {
                interval_start: shiftcast::time::parse_local(t, tz).expect("time"),
                queue: "bank".into(),
                contacts: c.trim().parse().expect("calls"),
                aht_seconds: None,
            }
        })
        .collect();
    History {
        interval_minutes: 5,
        queues: BTreeMap::from([("bank".to_string(), records)]),
        gaps: Vec::new(),
    }
    .into_frame(tz)
}

fn bank_options() -> BacktestOptions {
    BacktestOptions { horizon_days: 7, folds: 26, first_origin: Some(date(2003, 4, 28)) }
}

/// The bank's three closed public holidays in the 26 folds, declared as closures.
fn bank_closures() -> Vec<Event> {
    [(2003, 5, 26, "Memorial Day"), (2003, 7, 4, "Independence Day"), (2003, 9, 1, "Labor Day")]
        .iter()
        .map(|&(y, m, d, name)| Event {
            start: date(y, m, d).and_hms_opt(0, 0, 0).expect("midnight"),
            end: date(y, m, d + 1).and_hms_opt(0, 0, 0).expect("midnight"),
            kind: EventKind::Closure,
            name: name.into(),
            queue: None,
            uplift: None,
        })
        .collect()
}

/// 26 weekly folds on the real bank series (outside the repository): `cargo test --release
/// --test forecast -- --ignored`. Panics, naming the paths it tried, when the file is missing.
/// Each fold knows only the history before its origin (and the events file), as a forecast
/// made at the origin would.
#[test]
#[ignore = "needs ../shared/data"]
fn us_bank_backtest_meets_the_wape_target() {
    let h = load_bank(&common::shared_data("us_bank_calls_5min_2003.csv"));
    let grid = IntervalGrid::new(tz("America/New_York"), 5).expect("grid");
    let site = site_for_history(grid);
    let report = backtest(&h, &[], &site, &config("auto"), &bank_options()).expect("backtest");
    let q = &report.queues[0];
    let wape = |name: &str| q.models.iter().find(|m| m.model == name).expect("model").accuracy.wape;
    // Reference figures of the data README: 11.3% (last week), 8.7% (6-week weekday average),
    // 5.6% noise floor. Issue 17 asks for 7.7% without and 7.5% with the closures declared
    // (measured: 7.67% and 7.45%).
    assert!((wape("seasonal_naive") - 0.113).abs() < 0.001, "{}", wape("seasonal_naive"));
    assert!((wape("weekday_average") - 0.087).abs() < 0.001, "{}", wape("weekday_average"));
    assert!((q.noise_floor_wape - 0.056).abs() < 0.001, "{}", q.noise_floor_wape);
    assert!(wape("auto") <= 0.0770, "auto WAPE {}", wape("auto"));
    let declared = backtest(&h, &bank_closures(), &site, &config("auto"), &bank_options())
        .expect("backtest with closures");
    let with_events = declared.queues[0].models.iter().find(|m| m.model == "auto").expect("auto");
    // Declared closures let the fold forecast the rebound of the day after.
    assert!(with_events.accuracy.wape < wape("auto") - 0.001, "{}", with_events.accuracy.wape);
    assert!(with_events.accuracy.wape <= 0.0750, "{}", with_events.accuracy.wape);
}

/// WAPE of `run_forecast` made at each origin against the history's actuals: the independent
/// computation a backtest must equal.
fn wape_of_forecasts_at_origins(
    h: &HistoryFrame,
    events: &[Event],
    site: &shiftcast::site::Site,
    origins: &[NaiveDate],
    days: u32,
) -> f64 {
    let actual: BTreeMap<(String, NaiveDateTime), f64> = h
        .clone()
        .into_history()
        .queues
        .into_values()
        .flatten()
        .map(|r| ((r.queue, r.interval_start.naive_local()), r.contacts))
        .collect();
    let (mut abs, mut sum) = (0.0, 0.0);
    // Handle time does not enter the contacts; the bank series has none.
    let mut fc = config("auto");
    fc.default_aht_seconds = Some(300.0);
    for &o in origins {
        let out = run_forecast(h, events, site, &fc, o, days).expect("forecast");
        for r in &out.rows {
            if let Some(&y) = actual.get(&(r.queue.clone(), r.interval_start.naive_local())) {
                abs += (y - r.contacts).abs();
                sum += y;
            }
        }
    }
    abs / sum
}

/// The backtest's figures equal forecasting at each origin on the bank series, with and
/// without the declared closures.
#[test]
#[ignore = "needs ../shared/data"]
fn us_bank_backtest_equals_forecasting_at_each_origin() {
    let h = load_bank(&common::shared_data("us_bank_calls_5min_2003.csv"));
    let grid = IntervalGrid::new(tz("America/New_York"), 5).expect("grid");
    let site = site_for_history(grid);
    let origins: Vec<NaiveDate> =
        (0..26).map(|k| date(2003, 4, 28) + Duration::days(7 * k)).collect();
    for events in [Vec::new(), bank_closures()] {
        let report =
            backtest(&h, &events, &site, &config("auto"), &bank_options()).expect("backtest");
        let auto = report.queues[0].models.iter().find(|m| m.model == "auto").expect("auto");
        let direct = wape_of_forecasts_at_origins(&h, &events, &site, &origins, 7);
        assert!((auto.accuracy.wape - direct).abs() < 1e-9, "{} vs {direct}", auto.accuracy.wape);
    }
}

#[test]
fn a_backtest_fold_does_not_know_an_undeclared_closure_in_its_test_week() {
    // Weekdays 08:00–18:00 half-hourly, Poisson(20); the Wednesday of the last week has no rows.
    // Forecast at that week's origin, Thursday is an ordinary day (nothing says Wednesday will
    // be closed), so the backtest must score exactly what `run_forecast` at the origin gives.
    let grid = IntervalGrid::new(tz("Europe/Paris"), 30).expect("grid");
    let first = date(2025, 1, 6);
    let missing = first + Duration::days(7 * 9 + 2);
    let rng = std::cell::RefCell::new(ChaCha8Rng::seed_from_u64(11));
    let h = history(grid, first, 70, |d, hh, _| {
        (open(d, hh) && d != missing && d.weekday().num_days_from_monday() < 5)
            .then(|| Poisson::new(20.0).expect("mean").sample(&mut *rng.borrow_mut()))
    });
    let site = site_for_history(grid);
    let origins = [first + Duration::days(56), first + Duration::days(63)];
    let options = BacktestOptions { horizon_days: 7, folds: 2, first_origin: Some(origins[0]) };
    let report = backtest(&h, &[], &site, &config("auto"), &options).expect("backtest");
    let auto = report.queues[0].models.iter().find(|m| m.model == "auto").expect("auto");
    let direct = wape_of_forecasts_at_origins(&h, &[], &site, &origins, 7);
    assert!((auto.accuracy.wape - direct).abs() < 1e-12, "{} vs {direct}", auto.accuracy.wape);
}

#[test]
fn a_start_far_after_the_history_is_forecast_from_its_end() {
    // 8 weeks of a flat weekday series; a start 40 weeks later is no error: the forecast is made
    // at the end of the history, the flat level carried (no trend in a flat series), handle time
    // from the last weeks of the history.
    let grid = IntervalGrid::new(tz("Europe/Paris"), 30).expect("grid");
    let first = date(2025, 1, 6);
    let h = history(grid, first, 56, |d, hh, _| open(d, hh).then_some(20.0));
    let start = first + Duration::days(56 + 40 * 7);
    let out = run_forecast(&h, &[], &site_for_history(grid), &config("top_down"), start, 7)
        .expect("a far start is forecast");
    let day = start.format("%Y-%m-%d").to_string();
    let at_ten = value_at(&out, &format!("{day}T10:00"));
    assert_eq!(at_ten.len(), 1);
    assert!((at_ten[0] - 20.0).abs() < 1e-3, "{}", at_ten[0]);
    assert!(out.rows.iter().all(|r| (r.aht_seconds - 300.0).abs() < EXACT));
    assert!(out.rows.iter().all(|r| r.interval_start.naive_local().date() >= start));
}

#[test]
fn weekend_handle_time_keeps_its_level_in_thinly_backed_slots() {
    // Open every day 08:00–20:00 hourly, 3 contacts an interval; handle time 300 s on weekdays
    // and 345 s (+15%) at weekends. A weekend slot has 8 × 3 = 24 contacts of its own against a
    // prior of 50 pseudo-contacts: with a prior at the weekday's own level (345 · 1.088, see
    // aht_profile) the slot comes out at (24·345 + 50·340.2)/74 = 341.8 s, within 1% of 345 s;
    // a prior at the all-day level (312.9 s) would give 323 s, +8% instead of +15%. The first and
    // last slots are smoothed with the prior outside the hours (340.2 s): 341.3 s, within 1.5%.
    let grid = IntervalGrid::new(tz("Europe/Paris"), 60).expect("grid");
    let first = date(2025, 1, 6);
    let mut h = records(grid, first, 56, |_, hh, _| (8..20).contains(&hh).then_some(3.0));
    for r in h.queues.values_mut().flatten() {
        let weekend = r.interval_start.naive_local().weekday().num_days_from_monday() >= 5;
        r.aht_seconds = Some(if weekend { 345.0 } else { 300.0 });
    }
    let h = h.into_frame(grid.tz);
    let start = first + Duration::days(56);
    let out = run_forecast(&h, &[], &site_for_history(grid), &config("auto"), start, 7)
        .expect("forecast");
    for r in &out.rows {
        let weekend = r.interval_start.naive_local().weekday().num_days_from_monday() >= 5;
        let want = if weekend { 345.0 } else { 300.0 };
        assert!((r.aht_seconds / want - 1.0).abs() < 0.015, "{} vs {want}", r.aht_seconds);
    }
}

/// The sample site's history and events, and its plan.toml's site and `[forecast]`.
fn sample() -> (HistoryFrame, Vec<Event>, shiftcast::site::Site, ForecastConfig) {
    use shiftcast::plan::inputs::{Needs, PlanInputs};
    let config =
        common::PlanConfig::read(&common::crate_dir().join("data/plan.toml")).expect("plan");
    let inputs = PlanInputs::load(&config, None, Needs { history: true, agents: false })
        .expect("sample inputs");
    (inputs.history, inputs.events, config.site, config.forecast)
}

#[test]
fn a_year_ahead_the_11_11_week_is_at_least_1_4_times_a_normal_week() {
    // The sample's history ends 2026-11-22; events.csv declares the 2027 Singles' Day sales week
    // (2027-11-05..11, x1.6), National Day (2027-10-01..07). The week of Monday 2027-11-08 holds
    // four sales days; the normal weeks are the three Mondays-to-Sundays before the sales start
    // that no event touches (2027-10-11, -18, -25).
    let (h, events, site, fc) = sample();
    let start = date(2027, 10, 11);
    let out = run_forecast(&h, &events, &site, &fc, start, 35).expect("a year ahead");
    let week = |monday: NaiveDate| -> f64 {
        out.rows
            .iter()
            .filter(|r| {
                let d = r.interval_start.naive_local().date();
                d >= monday && d < monday + Duration::days(7)
            })
            .map(|r| r.contacts)
            .sum()
    };
    let normal =
        (week(start) + week(start + Duration::days(7)) + week(start + Duration::days(14))) / 3.0;
    let sales = week(date(2027, 11, 8));
    assert!(sales >= 1.4 * normal, "11.11 week {sales:.0} vs normal week {normal:.0}");
    // The level a year on carries growth, damped: above the last normal weeks of the history
    // (about 31,500 a week in October 2026) and below 20% growth compounded without end.
    assert!(normal > 31_500.0 && normal < 31_500.0 * 1.35, "normal week {normal:.0}");
}

#[test]
fn the_sample_backtest_is_unbiased_on_every_queue() {
    // 12 weekly folds before the end of the sample's history: bias within ±1% on every queue
    // (the sample grows 20% a year with a winter-high season that a regression on recent weeks
    // trails; the yearly correction measures that lag a year earlier).
    let (h, events, site, fc) = sample();
    let options = BacktestOptions { horizon_days: 7, folds: 12, first_origin: None };
    let report = backtest(&h, &events, &site, &fc, &options).expect("backtest");
    for q in &report.queues {
        let auto = q.models.iter().find(|m| m.model == "auto").expect("auto");
        assert!(auto.accuracy.bias.abs() <= 0.01, "queue {}: bias {}", q.queue, auto.accuracy.bias);
    }
}

#[test]
fn rebound_after_closures_and_holiday_dips_are_learned_from_history() {
    // Weekdays 09:00–17:00 hourly, 100 contacts an hour; six closed Mondays (no rows) and two
    // past holiday Tuesdays (open, 40%), each followed by a day at +30% and a day at +10%.
    let grid = IntervalGrid::new(tz("America/Chicago"), 60).expect("grid");
    let first = date(2025, 1, 6);
    let closed: Vec<NaiveDate> =
        (0..6).map(|k| date(2025, 1, 20) + Duration::days(14 * k)).collect();
    let holidays = [date(2025, 1, 28), date(2025, 3, 25)];
    let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").expect("time");
    let off = |d: NaiveDate| closed.contains(&d) || holidays.contains(&d);
    let h = history(grid, first, 119, |d, hh, _| {
        let weekday = d.weekday().num_days_from_monday();
        if weekday >= 5 || !(9..17).contains(&hh) || closed.contains(&d) {
            return None;
        }
        let factor = if holidays.contains(&d) {
            0.4
        } else if off(d - Duration::days(1)) {
            1.3
        } else if off(d - Duration::days(2)) {
            1.1
        } else {
            1.0
        };
        Some(100.0 * factor)
    });
    let mut events: Vec<Event> = holidays
        .iter()
        .map(|d| Event {
            start: d.and_hms_opt(0, 0, 0).expect("t"),
            end: (*d + Duration::days(1)).and_hms_opt(0, 0, 0).expect("t"),
            kind: EventKind::Holiday,
            name: "past holiday".into(),
            queue: None,
            uplift: None,
        })
        .collect();
    // Next week: Monday closed (declared), and a holiday on Thursday with no uplift given.
    let start = first + Duration::days(119); // Monday 2025-05-05
    events.push(Event {
        start: at("2025-05-05T00:00"),
        end: at("2025-05-06T00:00"),
        kind: EventKind::Closure,
        name: "closed".into(),
        queue: None,
        uplift: None,
    });
    events.push(Event {
        start: at("2025-05-08T00:00"),
        end: at("2025-05-09T00:00"),
        kind: EventKind::Holiday,
        name: "new holiday".into(),
        queue: None,
        uplift: None,
    });
    let out = run_forecast(&h, &events, &site_for_history(grid), &config("top_down"), start, 5)
        .expect("forecast");
    let (r1, r2) = out.queues[0].rebound.expect("rebound");
    // Ridge shrinkage pulls the estimates slightly towards no effect.
    assert!((1.27..=1.30).contains(&r1), "day 1 rebound {r1}");
    assert!((1.08..=1.10).contains(&r2), "day 2 rebound {r2}");
    let day_total = |d: NaiveDate| -> f64 {
        out.rows.iter().filter(|r| r.interval_start.date_naive() == d).map(|r| r.contacts).sum()
    };
    assert_eq!(day_total(date(2025, 5, 5)), 0.0);
    assert!(
        (day_total(date(2025, 5, 6)) / 800.0 - r1).abs() < 0.01,
        "{}",
        day_total(date(2025, 5, 6))
    );
    // The holiday is learned from past holidays (kind): 40% of normal.
    let effect = out.queues[0].events.iter().find(|e| e.name == "new holiday").expect("effect");
    assert!((effect.factor - 0.4).abs() < 1e-9, "{effect:?}");
    assert!(
        (day_total(date(2025, 5, 8)) / 800.0 - 0.4).abs() < 0.01,
        "{}",
        day_total(date(2025, 5, 8))
    );
}

#[test]
fn a_history_without_handle_time_needs_a_default() {
    let grid = IntervalGrid::new(tz("Europe/Paris"), 30).expect("grid");
    let first = date(2025, 1, 6);
    let mut h = records(grid, first, 28, |d, hh, _| open(d, hh).then_some(20.0));
    h.queues.values_mut().flatten().for_each(|r| r.aht_seconds = None);
    let h = h.into_frame(grid.tz);
    let mut p = config("auto");
    let e = run_forecast(&h, &[], &site_for_history(grid), &p, first + Duration::days(28), 7)
        .expect_err("no handle time");
    assert!(e.to_string().contains("default_aht_seconds"), "{e}");
    p.default_aht_seconds = Some(250.0);
    let out = run_forecast(&h, &[], &site_for_history(grid), &p, first + Duration::days(28), 7)
        .expect("forecast");
    assert!(out.rows.iter().all(|r| r.aht_seconds == 250.0));
    assert!(out.warnings.iter().any(|w| w.contains("default_aht_seconds = 250")));
}

#[test]
fn a_sunday_to_thursday_week_is_learned_from_the_calendar() {
    // Open Sunday–Thursday 08:00–16:00 (Friday and Saturday closed), one Tuesday missing.
    let grid = IntervalGrid::new(tz("Asia/Riyadh"), 60).expect("grid");
    let first = date(2025, 1, 5); // a Sunday
    let level = [90.0, 80.0, 85.0, 75.0, 0.0, 0.0, 110.0]; // Mon..Sun
    let missing = date(2025, 2, 11);
    let value = |d: NaiveDate, hh: u32, _: u32| {
        let w = d.weekday().num_days_from_monday() as usize;
        (level[w] > 0.0 && (8..16).contains(&hh) && d != missing).then_some(level[w])
    };
    let h = history(grid, first, 63, value);
    for method in ["seasonal_naive", "weekday_average", "top_down", "double_seasonal", "auto"] {
        let out = run_forecast(
            &h,
            &[],
            &site_for_history(grid),
            &config(method),
            first + Duration::days(63),
            7,
        )
        .expect("forecast");
        assert_eq!(out.rows.len(), 5 * 8, "{method}");
        for r in &out.rows {
            let w = r.interval_start.weekday().num_days_from_monday() as usize;
            assert!(
                (r.contacts - level[w]).abs() < EXACT * level[w],
                "{method} {}",
                r.interval_start
            );
        }
    }
}

#[test]
fn an_as_of_forecast_rescales_the_rest_of_the_day_by_how_it_is_running() {
    // 8 weeks of 20 contacts per half hour on weekdays 08:00–18:00; on the as-of Monday the
    // history holds 30 per half hour from 08:00 to 10:30. Day-ahead forecast: 20. The last two
    // hours (09:00–10:30, four intervals): A = 120, F = 80, κ = 1/0.06² = 277.78, posterior ratio
    // (120 + κ)/(80 + κ) = 1.111801, half its log kept: r = √1.111801 = 1.054420. The rest of the
    // day is 20·r from 11:00; Tuesday keeps half the correction, 20·(1 + 0.5·(r − 1)).
    let grid = IntervalGrid::new(tz("Europe/Paris"), 30).expect("grid");
    let first = date(2025, 1, 6);
    let monday = first + Duration::days(56);
    let h = history(grid, first, 57, |d, hh, _| {
        if d == monday {
            (open(d, hh) && hh < 11).then_some(30.0)
        } else {
            open(d, hh).then_some(20.0)
        }
    });
    let as_of = monday.and_hms_opt(11, 0, 0).expect("time");
    let out = run_intraday(&h, &[], &site_for_history(grid), &config("top_down"), as_of, 2)
        .expect("re-forecast");
    let kappa = 1.0 / (0.06f64 * 0.06);
    let r = ((120.0 + kappa) / (80.0 + kappa)).sqrt();
    let first_row = out.rows.first().expect("rows");
    assert_eq!(first_row.interval_start.naive_local(), as_of);
    let day = monday.format("%Y-%m-%d");
    let next = (monday + Duration::days(1)).format("%Y-%m-%d");
    let at = |t: &str| value_at(&out, t)[0];
    assert!(
        (at(&format!("{day}T11:00")) - 20.0 * r).abs() < 1e-3,
        "{}",
        at(&format!("{day}T11:00"))
    );
    assert!((at(&format!("{day}T17:30")) - 20.0 * r).abs() < 1e-3);
    let damped = 20.0 * (1.0 + 0.5 * (r - 1.0));
    assert!(
        (at(&format!("{next}T09:00")) - damped).abs() < 1e-3,
        "{}",
        at(&format!("{next}T09:00"))
    );
    assert!(value_at(&out, &format!("{day}T10:30")).is_empty());
    // P10 and P90 are scaled with the forecast (a flat history has a zero-width interval).
    assert!(out.rows.iter().all(|r| r.contacts_p10 <= r.contacts_p90));
}

/// At 11:00 (and at 14:00) the re-forecast of the rest of the day beats the day-ahead forecast
/// on at least 70% of the bank folds' days (history before each day only), and its WAPE is lower.
#[test]
#[ignore = "needs ../shared/data"]
fn us_bank_as_of_eleven_beats_the_day_ahead_forecast_on_most_days() {
    let h = load_bank(&common::shared_data("us_bank_calls_5min_2003.csv"));
    let grid = IntervalGrid::new(tz("America/New_York"), 5).expect("grid");
    let times = [11, 14].map(|h| chrono::NaiveTime::from_hms_opt(h, 0, 0).expect("time"));
    let report = backtest_intraday(
        &h,
        &[],
        &site_for_history(grid),
        &config("auto"),
        &bank_options(),
        &times,
    )
    .expect("intraday backtest");
    // Measured: 11:00 better on 89 of 126 days, 6.79% against 7.19%; 14:00 on 100, 7.13%
    // against 7.66%.
    for s in &report.scores {
        assert!(s.days >= 120, "{}: {} days", s.as_of, s.days);
        let (better, days) = (s.days_better, s.days);
        assert!(better as f64 >= 0.7 * days as f64, "{}: {better} of {days}", s.as_of);
        assert!(
            s.wape_as_of < s.wape_day_ahead,
            "{}: {} vs {}",
            s.as_of,
            s.wape_as_of,
            s.wape_day_ahead
        );
    }
}
