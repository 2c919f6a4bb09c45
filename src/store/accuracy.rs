//! Accuracy of published forecasts: every published run's forecast against the actuals imported
//! since, per run, queue and lead time, and overall.
//!
//! Over a group of intervals with actual `y`, forecast `f` and band `[p10, p90]` (the measures
//! of [`crate::forecast::metrics`], FPP3 §5.8): WAPE = Σ|y − f| / Σy, bias = Σ(f − y) / Σy
//! (positive: over-forecast), coverage = share of intervals with p10 ≤ y ≤ p90. Where actuals
//! carry answered-within-target counts, the delivered service level is
//! Σ answered_within_target / Σ offered over those intervals, next to the queue's planned target.
//!
//! The lead time of an interval is the number of days from the last day of actuals the run saw
//! (`history_through`) to the interval's local date: a run planned on history ending Sunday
//! forecasts Monday 1 day ahead and Sunday 7 days ahead. A run without `history_through`
//! counts from the day before its start.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

use super::{stamp, Result, RunRecord, ScoredInterval, Store};

/// Which runs to judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccuracyOptions {
    /// Only runs starting within this many weeks before the last actual (None: every run).
    pub weeks: Option<u32>,
}

/// One group's figures. `queue` is `all` over every queue; `lead_days` is `None` over every
/// lead time.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccuracyRow {
    pub run_id: i64,
    /// The run's first planned day, YYYY-MM-DD.
    pub start: String,
    pub queue: String,
    pub lead_days: Option<i64>,
    pub intervals: u64,
    pub actual: f64,
    pub forecast: f64,
    /// `None` when the actuals sum to 0.
    pub wape: Option<f64>,
    pub bias: Option<f64>,
    pub coverage_p10_p90: f64,
    /// Σ answered within target / Σ offered, over intervals whose actuals count it.
    pub service_level_delivered: Option<f64>,
    /// The queue's service-level target.
    pub service_level_planned: Option<f64>,
}

/// The queue name of rows over every queue.
pub const ALL_QUEUES: &str = "all";

#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    intervals: u64,
    actual: f64,
    forecast: f64,
    abs_error: f64,
    covered: u64,
    offered_counted: f64,
    within_target: f64,
}

impl Sums {
    fn add(&mut self, s: &ScoredInterval) {
        self.intervals += 1;
        self.actual += s.actual;
        self.forecast += s.forecast;
        self.abs_error += (s.actual - s.forecast).abs();
        if s.p10 <= s.actual && s.actual <= s.p90 {
            self.covered += 1;
        }
        if let Some(w) = s.answered_within_target {
            self.offered_counted += s.actual;
            self.within_target += w;
        }
    }
}

/// Group key: run, queue index (`usize::MAX` = all), lead days (`i64::MAX` = all).
type Key = (i64, usize, i64);

/// Accuracy rows of the published runs that have actuals, oldest run first; within a run the
/// queues in site order then `all`, and within a queue the lead times then the total.
pub fn accuracy(store: &dyn Store, options: &AccuracyOptions) -> Result<Vec<AccuracyRow>> {
    let site = store.site()?;
    let runs = selected_runs(store, options)?;
    let ids: Vec<i64> = runs.iter().map(|r| r.run_id).collect();
    let origin: BTreeMap<i64, NaiveDate> = runs
        .iter()
        .map(|r| (r.run_id, r.history_through.unwrap_or(r.start - Duration::days(1))))
        .collect();
    let mut groups: BTreeMap<Key, Sums> = BTreeMap::new();
    for s in store.scored_intervals(&ids)? {
        let date = stamp(site.time_zone, s.interval_start).date_naive();
        let lead = (date - origin[&s.run_id]).num_days();
        for key in [
            (s.run_id, s.queue, lead),
            (s.run_id, s.queue, i64::MAX),
            (s.run_id, usize::MAX, lead),
            (s.run_id, usize::MAX, i64::MAX),
        ] {
            groups.entry(key).or_default().add(&s);
        }
    }
    let starts: BTreeMap<i64, String> =
        runs.iter().map(|r| (r.run_id, r.start.format("%Y-%m-%d").to_string())).collect();
    let rows = groups
        .into_iter()
        .map(|((run_id, queue, lead), sums)| {
            let (name, planned) = match site.queues.get(queue) {
                Some(q) => (q.name.clone(), q.service_level),
                None => (ALL_QUEUES.to_string(), None),
            };
            row(run_id, starts[&run_id].clone(), name, (lead != i64::MAX).then_some(lead), &sums)
                .with_planned(planned)
        })
        .collect();
    Ok(rows)
}

impl AccuracyRow {
    fn with_planned(mut self, planned: Option<f64>) -> Self {
        if self.service_level_delivered.is_some() {
            self.service_level_planned = planned;
        }
        self
    }
}

fn row(run_id: i64, start: String, queue: String, lead_days: Option<i64>, s: &Sums) -> AccuracyRow {
    let ratio = |x: f64| (s.actual > 0.0).then(|| x / s.actual);
    AccuracyRow {
        run_id,
        start,
        queue,
        lead_days,
        intervals: s.intervals,
        actual: s.actual,
        forecast: s.forecast,
        wape: ratio(s.abs_error),
        bias: ratio(s.forecast - s.actual),
        coverage_p10_p90: if s.intervals > 0 { s.covered as f64 / s.intervals as f64 } else { 0.0 },
        service_level_delivered: (s.offered_counted > 0.0)
            .then(|| s.within_target / s.offered_counted),
        service_level_planned: None,
    }
}

/// WAPE and bias of every judged run and queue together, per lead time.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LeadAccuracy {
    pub lead_days: i64,
    pub intervals: u64,
    pub actual: f64,
    pub forecast: f64,
    pub wape: Option<f64>,
    pub bias: Option<f64>,
}

/// Pool the rows over runs, per lead time (from the `all`-queue rows: Σ|error| and Σ actual
/// add up across runs, so the pooled WAPE weighs each run by its volume).
pub fn by_lead(rows: &[AccuracyRow]) -> Vec<LeadAccuracy> {
    let mut pooled: BTreeMap<i64, (u64, f64, f64, f64)> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.queue == ALL_QUEUES) {
        let Some(lead) = r.lead_days else { continue };
        let e = pooled.entry(lead).or_default();
        e.0 += r.intervals;
        e.1 += r.actual;
        e.2 += r.forecast;
        e.3 += r.wape.unwrap_or(0.0) * r.actual;
    }
    pooled
        .into_iter()
        .map(|(lead_days, (intervals, actual, forecast, abs_error))| LeadAccuracy {
            lead_days,
            intervals,
            actual,
            forecast,
            wape: (actual > 0.0).then(|| abs_error / actual),
            bias: (actual > 0.0).then(|| (forecast - actual) / actual),
        })
        .collect()
}

/// The runs `options` asks for.
fn selected_runs(store: &dyn Store, options: &AccuracyOptions) -> Result<Vec<RunRecord>> {
    let runs = store.runs()?;
    let Some(weeks) = options.weeks else { return Ok(runs) };
    let tz = store.site()?.time_zone;
    let Some(last) = store.actuals_span()?.map(|(_, last)| stamp(tz, last).date_naive()) else {
        return Ok(Vec::new());
    };
    let from = last - Duration::days(7 * i64::from(weeks));
    Ok(runs.into_iter().filter(|r| r.start > from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_row(run_id: i64, lead: i64, actual: f64, forecast: f64, abs_error: f64) -> AccuracyRow {
        let s = Sums {
            intervals: 2,
            actual,
            forecast,
            abs_error,
            covered: 1,
            offered_counted: 0.0,
            within_target: 0.0,
        };
        row(run_id, "2026-11-23".into(), ALL_QUEUES.into(), Some(lead), &s)
    }

    #[test]
    fn pooled_wape_weighs_runs_by_their_volume() {
        // Run 1: |error| 10 of 100; run 2: 30 of 300; same lead. Pooled: 40 / 400 = 10%,
        // bias (90 + 330 − 400) / 400 = 5%.
        let rows = vec![all_row(1, 1, 100.0, 90.0, 10.0), all_row(2, 1, 300.0, 330.0, 30.0)];
        let pooled = by_lead(&rows);
        assert_eq!(pooled.len(), 1);
        assert_eq!((pooled[0].lead_days, pooled[0].intervals), (1, 4));
        assert!((pooled[0].wape.unwrap() - 0.10).abs() < 1e-12);
        assert!((pooled[0].bias.unwrap() - 0.05).abs() < 1e-12);
    }

    #[test]
    fn no_actual_volume_has_no_wape() {
        let r = all_row(1, 3, 0.0, 5.0, 5.0);
        assert_eq!((r.wape, r.bias), (None, None));
        assert_eq!(r.coverage_p10_p90, 0.5);
    }
}
