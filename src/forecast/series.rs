//! One queue's history laid out on the calendar: a `days × slots_per_day` matrix keyed on local
//! date and time-of-day slot ([`IntervalGrid::slot_of_day`]), never on row position.
//!
//! A missing day, a closed night or a daylight-saving day therefore never shifts a pattern: the
//! value for Tuesday 10:20 is always found at (that Tuesday, slot of 10:20). The repeated hour of
//! a fall-back day maps onto the same slots (the two observations are averaged, so the slot keeps
//! the level of an ordinary interval); the skipped hour of a spring-forward day simply has no value.
//!
//! Alongside the values the series carries the *day calendar* every model needs: which slots of
//! each weekday are open, which days are closed (closure events, `closed_dates`, or open weekdays
//! with no data at all — a public holiday in most exports), which days are anomalous (event days,
//! outages) and must be kept out of averages, the first and second open day after a closure or
//! holiday (the rebound), each open day's business-day index from the start and end of its
//! month (paydays, billing cycles), and the per-interval event multipliers of the forecast.

use chrono::{Datelike, Duration, NaiveDate};

use crate::time::{IntervalGrid, OpeningHours, Stamp};

/// Calendar facts of one day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayInfo {
    pub date: NaiveDate,
    /// Weekday index, 0 = Monday.
    pub weekday: usize,
    /// Open by the weekly pattern and not closed.
    pub open: bool,
    /// Closed although its weekday is normally open (closure event, closed date, or no data).
    pub closed: bool,
    /// Closed because the history has no data for a normally open day (inferred, not declared).
    pub inferred_closed: bool,
    /// A declared event (holiday, promotion, campaign, partial closure) touches this day.
    pub event: bool,
    /// A holiday event covers this day (treated as a closure for the rebound that follows).
    pub holiday: bool,
    /// Observed volume is anomalous (far below its weekday's usual): kept out of averages.
    pub outlier: bool,
    /// First open day after a closed day or holiday.
    pub after_closure_1: bool,
    /// Second open day after a closed day or holiday.
    pub after_closure_2: bool,
    /// Index of this open day among its month's open days (0 = first) and from the end.
    pub business_day_from_start: usize,
    pub business_day_from_end: usize,
}

impl DayInfo {
    /// A day whose volume is ordinary: usable for levels, profiles and smoothing.
    pub fn is_normal(&self) -> bool {
        self.open && !self.event && !self.outlier && !self.after_closure_1 && !self.after_closure_2
    }
}

/// The history of one queue on the calendar, plus the days to forecast.
#[derive(Debug, Clone)]
pub struct QueueSeries {
    pub queue: String,
    pub grid: IntervalGrid,
    pub slots: usize,
    /// Date of day index 0.
    pub first: NaiveDate,
    /// Number of days with data coverage (history span); days `history_days..` are future.
    pub history_days: usize,
    /// `days.len() * slots` contacts, NaN where there is no observation.
    pub contacts: Vec<f64>,
    /// Handle time per slot, NaN where unknown.
    pub aht_seconds: Vec<f64>,
    /// Open slots per weekday (0 = Monday).
    pub open_slots: [Vec<bool>; 7],
    pub days: Vec<DayInfo>,
    /// Per-slot event multiplier for every day (1 = no event, 0 = closed interval).
    pub event_factor: Vec<f64>,
}

impl QueueSeries {
    pub fn day_index(&self, date: NaiveDate) -> Option<usize> {
        let i = (date - self.first).num_days();
        (i >= 0 && (i as usize) < self.days.len()).then_some(i as usize)
    }

    pub fn value(&self, day: usize, slot: usize) -> f64 {
        self.contacts[day * self.slots + slot]
    }

    pub fn day_values(&self, day: usize) -> &[f64] {
        &self.contacts[day * self.slots..(day + 1) * self.slots]
    }

    /// Whether every open slot of this day has an observation.
    pub fn is_complete(&self, day: usize) -> bool {
        let w = self.days[day].weekday;
        let v = self.day_values(day);
        self.open_slots[w].iter().zip(v).all(|(&o, x)| !o || !x.is_nan())
    }

    /// Sum of the observed values of a day (NaN skipped).
    pub fn day_total(&self, day: usize) -> f64 {
        self.day_values(day).iter().filter(|x| !x.is_nan()).sum()
    }

    /// Whether a day has any observation.
    pub fn has_data(&self, day: usize) -> bool {
        day < self.history_days && self.day_values(day).iter().any(|x| !x.is_nan())
    }

    /// A day usable for fitting levels and profiles: normal, complete, before `origin`.
    pub fn usable(&self, day: usize, origin: usize) -> bool {
        day < origin
            && day < self.history_days
            && self.days[day].is_normal()
            && self.is_complete(day)
    }
}

/// Builder input: raw observations of one queue.
pub struct SeriesInput<'a> {
    pub queue: &'a str,
    pub grid: IntervalGrid,
    /// `(interval_start, contacts, aht_seconds)`.
    pub observations: Vec<(Stamp, f64, Option<f64>)>,
    /// Declared opening hours, or `None` to infer the weekly open pattern from the data.
    pub opening_hours: Option<&'a OpeningHours>,
    /// First and last date the series must cover (history start .. end of forecast).
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Day index from which there is no history (the forecast start).
    pub history_end: NaiveDate,
    /// Dates closed by declaration (closure events covering the whole day, closed dates).
    pub closed_dates: Vec<NaiveDate>,
    /// Dates of holiday events (open or not).
    pub holiday_dates: Vec<NaiveDate>,
    /// Dates touched by any event.
    pub event_dates: Vec<NaiveDate>,
    /// Whether a normally open day with no data counts as a closure (the default), or — for
    /// future days — as open.
    pub infer_closures: bool,
}

/// Lay observations on the calendar and derive the day facts.
pub fn build_series(input: SeriesInput<'_>) -> QueueSeries {
    let grid = input.grid;
    let slots = grid.slots_per_day();
    let n_days = ((input.last - input.first).num_days() + 1).max(0) as usize;
    let history_days =
        ((input.history_end - input.first).num_days()).clamp(0, n_days as i64) as usize;
    let calendar = Calendar { first: input.first, slots, n_days, history_days };
    let Observed { contacts, aht_seconds } = calendar.lay_observations(&input);
    let open_slots = match input.opening_hours {
        Some(hours) => declared_open_slots(hours, grid),
        None => calendar.observed_open_slots(&contacts),
    };
    let mut days = calendar.day_facts(&input, &contacts, &open_slots);
    mark_rebounds(&mut days);
    index_business_days(&mut days, &open_slots);
    calendar.mark_outliers(&mut days, &contacts);
    QueueSeries {
        queue: input.queue.to_string(),
        grid,
        slots,
        first: input.first,
        history_days,
        contacts,
        aht_seconds,
        open_slots,
        days,
        event_factor: vec![1.0; n_days * slots],
    }
}

/// The days a series covers: `n_days` from `first`, the first `history_days` with history.
#[derive(Clone, Copy)]
struct Calendar {
    first: NaiveDate,
    slots: usize,
    n_days: usize,
    history_days: usize,
}

/// Observations laid on the calendar, `n_days × slots`, NaN where there is none.
struct Observed {
    contacts: Vec<f64>,
    aht_seconds: Vec<f64>,
}

impl Calendar {
    /// Each history observation in its day and slot; the repeated hour of a fall-back day
    /// averages its two observations (handle time weighted by contacts).
    fn lay_observations(&self, input: &SeriesInput<'_>) -> Observed {
        let (slots, cells) = (self.slots, self.n_days * self.slots);
        let mut contacts = vec![f64::NAN; cells];
        let mut aht = vec![f64::NAN; cells];
        let mut counts = vec![0u8; cells];
        let mut aht_weight = vec![0.0f64; cells];
        for (stamp, c, a) in &input.observations {
            let date = stamp.naive_local().date();
            let d = (date - self.first).num_days();
            if d < 0 || d as usize >= self.history_days {
                continue;
            }
            let k = d as usize * slots + input.grid.slot_of_day(stamp);
            // The repeated hour of a fall-back day: average the two observations.
            counts[k] += 1;
            contacts[k] = if counts[k] == 1 {
                *c
            } else {
                contacts[k] + (c - contacts[k]) / f64::from(counts[k])
            };
            if let Some(a) = a {
                let w = c.max(1e-9);
                let prev = if aht[k].is_nan() { 0.0 } else { aht[k] * aht_weight[k] };
                aht_weight[k] += w;
                aht[k] = (prev + a * w) / aht_weight[k];
            }
        }
        Observed { contacts, aht_seconds: aht }
    }

    /// Without declared hours: a weekday's slot is open if any history day has data there.
    fn observed_open_slots(&self, contacts: &[f64]) -> [Vec<bool>; 7] {
        let slots = self.slots;
        let mut open: [Vec<bool>; 7] = std::array::from_fn(|_| vec![false; slots]);
        for d in 0..self.history_days {
            let w =
                (self.first + Duration::days(d as i64)).weekday().num_days_from_monday() as usize;
            for s in 0..slots {
                if !contacts[d * slots + s].is_nan() {
                    open[w][s] = true;
                }
            }
        }
        open
    }

    /// Date, weekday, open/closed (declared or inferred), event and holiday of every day.
    fn day_facts(
        &self,
        input: &SeriesInput<'_>,
        contacts: &[f64],
        open_slots: &[Vec<bool>; 7],
    ) -> Vec<DayInfo> {
        let (slots, history_days) = (self.slots, self.history_days);
        (0..self.n_days)
            .map(|d| {
                let date = self.first + Duration::days(d as i64);
                let weekday = date.weekday().num_days_from_monday() as usize;
                let pattern_open = open_slots[weekday].iter().any(|&o| o);
                let declared_closed = input.closed_dates.contains(&date);
                let has_data =
                    d < history_days && (0..slots).any(|s| !contacts[d * slots + s].is_nan());
                let inferred = input.infer_closures
                    && pattern_open
                    && !declared_closed
                    && !has_data
                    && d < history_days;
                let closed = pattern_open && (declared_closed || inferred);
                DayInfo {
                    date,
                    weekday,
                    open: pattern_open && !closed,
                    closed,
                    inferred_closed: inferred,
                    event: input.event_dates.contains(&date),
                    holiday: input.holiday_dates.contains(&date),
                    ..DayInfo::default()
                }
            })
            .collect()
    }

    /// Outliers: an open, complete day far below the median of nearby same-weekday days (an
    /// outage or half day nobody declared). Kept out of levels and profiles.
    fn mark_outliers(&self, days: &mut [DayInfo], contacts: &[f64]) {
        let (slots, history_days) = (self.slots, self.history_days);
        let totals: Vec<f64> = (0..self.n_days)
            .map(|d| (0..slots).map(|s| contacts[d * slots + s]).filter(|x| !x.is_nan()).sum())
            .collect();
        for d in 0..history_days {
            if !days[d].open || days[d].event {
                continue;
            }
            // Past neighbours only, so a backtest never judges a day with data from after it.
            let mut near: Vec<f64> = (1..=4)
                .map(|k| d as i64 - 7 * k)
                .filter(|&j| {
                    j >= 0
                        && (j as usize) < history_days
                        && days[j as usize].open
                        && !days[j as usize].event
                })
                .map(|j| totals[j as usize])
                .collect();
            if near.len() < 2 {
                continue;
            }
            let m = median(&mut near);
            if m > 0.0 && totals[d] < OUTLIER_FRACTION * m {
                days[d].outlier = true;
            }
        }
    }
}

/// The weekly open pattern of declared opening hours (closed dates are handled per day).
fn declared_open_slots(hours: &OpeningHours, grid: IntervalGrid) -> [Vec<bool>; 7] {
    let slots = grid.slots_per_day();
    std::array::from_fn(|w| {
        // Any reference date with this weekday; closed dates are handled per day.
        let date = NaiveDate::from_isoywd_opt(2001, 10, chrono::Weekday::Mon).expect("valid")
            + Duration::days(w as i64);
        (0..slots)
            .map(|s| {
                let minute = s as u32 * grid.interval_minutes;
                let local = date.and_hms_opt(minute / 60, minute % 60, 0).expect("valid");
                let mut probe = hours.clone();
                probe.closed_dates.clear();
                probe.is_open_local(local)
            })
            .collect()
    })
}

/// Rebound flags: first and second open day after a closed day or a holiday.
fn mark_rebounds(days: &mut [DayInfo]) {
    let mut since_closure: Option<usize> = None;
    for day in days.iter_mut() {
        if day.closed || day.holiday {
            since_closure = Some(0);
            continue;
        }
        if !day.open {
            continue;
        }
        if let Some(k) = since_closure {
            day.after_closure_1 = k == 0;
            day.after_closure_2 = k == 1;
            since_closure = if k >= 1 { None } else { Some(k + 1) };
        }
    }
}

/// Business-day index of every open day within its month, from the start and from the end.
fn index_business_days(days: &mut [DayInfo], open_slots: &[Vec<bool>; 7]) {
    let n_days = days.len();
    let mut d = 0;
    while d < n_days {
        let month = (days[d].date.year(), days[d].date.month());
        let mut e = d;
        while e < n_days && (days[e].date.year(), days[e].date.month()) == month {
            e += 1;
        }
        // Extend the month to its real ends so indices are right at the edges of the span.
        let month_first = NaiveDate::from_ymd_opt(month.0, month.1, 1).expect("valid");
        let mut before = 0;
        let mut t = month_first;
        while t < days[d].date {
            let w = t.weekday().num_days_from_monday() as usize;
            if open_slots[w].iter().any(|&o| o) {
                before += 1;
            }
            t += Duration::days(1);
        }
        let mut after = 0;
        let mut t = days[e - 1].date + Duration::days(1);
        while t.month() == month.1 {
            let w = t.weekday().num_days_from_monday() as usize;
            if open_slots[w].iter().any(|&o| o) {
                after += 1;
            }
            t += Duration::days(1);
        }
        let open_idx: Vec<usize> = (d..e).filter(|&i| days[i].open).collect();
        let n = open_idx.len();
        for (k, &i) in open_idx.iter().enumerate() {
            days[i].business_day_from_start = before + k;
            days[i].business_day_from_end = after + n - 1 - k;
        }
        d = e;
    }
}

/// A day below this fraction of its weekday's nearby median is an outlier (outage, half day).
pub const OUTLIER_FRACTION: f64 = 0.5;

/// Median of a slice (sorted in place); NaN for an empty slice.
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Triangular-kernel smoothing over the open slots only (closed slots stay 0): each value
/// becomes `Σ_j (h+1−|i−j|) x_j / Σ_j (h+1−|i−j|)` over open neighbours `|i−j| ≤ h`.
/// 5-minute counts carry large Poisson noise; a profile estimated from a few weeks is much
/// steadier after averaging with its neighbours (a kernel estimate of the intensity curve).
pub fn smooth_open(values: &[f64], open: &[bool], h: usize) -> Vec<f64> {
    let n = values.len();
    let mut out = vec![0.0; n];
    for i in 0..n {
        if !open[i] {
            continue;
        }
        let (mut s, mut ws) = (0.0, 0.0);
        for j in i.saturating_sub(h)..(i + h + 1).min(n) {
            if open[j] && !values[j].is_nan() {
                let w = (h + 1 - i.abs_diff(j)) as f64;
                s += w * values[j];
                ws += w;
            }
        }
        out[i] = if ws > 0.0 { s / ws } else { 0.0 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weekday_series(first: NaiveDate, days: i64, missing: &[NaiveDate]) -> QueueSeries {
        let tz: chrono_tz::Tz = "Europe/Paris".parse().expect("tz");
        let grid = IntervalGrid::new(tz, 60).expect("grid");
        let mut observations = Vec::new();
        for d in 0..days {
            let date = first + Duration::days(d);
            if date.weekday().num_days_from_monday() >= 5 || missing.contains(&date) {
                continue;
            }
            for stamp in grid.day_starts(date) {
                if (9..17).contains(&chrono::Timelike::hour(&stamp)) {
                    observations.push((stamp, 10.0, None));
                }
            }
        }
        build_series(SeriesInput {
            queue: "q",
            grid,
            observations,
            opening_hours: None,
            first,
            last: first + Duration::days(days - 1),
            history_end: first + Duration::days(days),
            closed_dates: Vec::new(),
            holiday_dates: Vec::new(),
            event_dates: Vec::new(),
            infer_closures: true,
        })
    }

    #[test]
    fn a_missing_open_day_is_a_closure_followed_by_two_rebound_days() {
        let first = NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"); // a Monday
        let wednesday = first + Duration::days(2);
        let s = weekday_series(first, 14, &[wednesday]);
        let day = |d: i64| &s.days[d as usize];
        assert!(day(2).closed && day(2).inferred_closed && !day(2).open);
        assert!(day(3).after_closure_1 && !day(3).after_closure_2);
        assert!(day(4).after_closure_2 && !day(4).after_closure_1);
        // The weekend is closed by the weekly pattern, not a closure; Monday is ordinary.
        assert!(!day(5).open && !day(5).closed);
        assert!(day(7).is_normal());
        // Opening pattern inferred from the data: weekdays 09:00–17:00.
        assert_eq!(s.open_slots[0].iter().filter(|&&o| o).count(), 8);
        assert!(s.open_slots[6].iter().all(|&o| !o));
    }

    #[test]
    fn business_days_count_from_both_ends_of_the_month_skipping_closures() {
        // September 2025: Mon 1st .. Tue 30th, 22 weekdays; the 2nd is missing (closed).
        let first = NaiveDate::from_ymd_opt(2025, 9, 1).expect("date");
        let s = weekday_series(first, 30, &[first + Duration::days(1)]);
        let at = |d: u32| &s.days[(d - 1) as usize];
        assert_eq!(at(1).business_day_from_start, 0);
        assert_eq!(at(3).business_day_from_start, 1);
        assert_eq!(at(30).business_day_from_end, 0);
        assert_eq!(at(29).business_day_from_end, 1);
        // 21 open weekdays: the 1st is 20 from the end.
        assert_eq!(at(1).business_day_from_end, 20);
    }

    #[test]
    fn smoothing_uses_triangular_weights_over_open_slots_only() {
        let open = [true, true, true, true, true, false];
        let v = smooth_open(&[0.0, 0.0, 3.0, 0.0, 0.0, 100.0], &open, 1);
        // Slot 2: (1·0 + 2·3 + 1·0) / 4; slot 1: (1·0 + 2·0 + 1·3) / 4; slot 4 ignores the closed 5.
        assert!((v[2] - 1.5).abs() < 1e-12);
        assert!((v[1] - 0.75).abs() < 1e-12);
        assert!((v[4] - 0.0).abs() < 1e-12);
        assert_eq!(v[5], 0.0);
        // A constant stays constant, edges included.
        let c = smooth_open(&[7.0; 6], &[true; 6], 3);
        assert!(c.iter().all(|x| (x - 7.0).abs() < 1e-12));
    }
}
