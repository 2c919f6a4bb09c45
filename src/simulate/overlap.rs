//! Does a roster meet the forecast it is simulated against? A roster two years away from the
//! forecast simulates every contact unanswered (an ASA of millions of seconds) without a word;
//! this check makes that an error naming both spans, and counts the roster rows that fall
//! outside a horizon they partly overlap so the caller can warn about them.

use super::SimulateError;
use crate::io::forecast::ForecastRow;
use crate::io::roster::RosterRow;
use crate::time::{self, Stamp};

/// How a roster's shifts lie against the forecast's horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterOverlap {
    /// Roster rows.
    pub rows: usize,
    /// Rows whose shift lies wholly outside the horizon (not simulated).
    pub outside: usize,
    /// The forecast's horizon: first interval start to the end of its last interval.
    pub horizon_start: Stamp,
    pub horizon_end: Stamp,
}

impl RosterOverlap {
    /// A warning when some (not all) rows fall outside the horizon.
    pub fn warning(&self) -> Option<String> {
        (self.outside > 0).then(|| {
            format!(
                "{} of {} roster rows fall outside the forecast's horizon ({} to {}) and are \
                 not simulated",
                self.outside,
                self.rows,
                time::format_local(&self.horizon_start),
                time::format_local(&self.horizon_end)
            )
        })
    }
}

/// Check the roster's shifts against the forecast's horizon `[first interval start, last
/// interval start + interval_minutes)`: an error when no shift overlaps it (naming both spans),
/// else how many rows lie wholly outside. An empty roster or forecast passes (nothing to
/// compare; the simulation reports its own figures).
pub fn roster_overlap(
    roster: &[RosterRow],
    forecast: &[ForecastRow],
    interval_minutes: u32,
) -> Result<Option<RosterOverlap>, SimulateError> {
    let (Some(first), Some(last)) = (
        forecast.iter().map(|r| r.interval_start).min(),
        forecast.iter().map(|r| r.interval_start).max(),
    ) else {
        return Ok(None);
    };
    if roster.is_empty() {
        return Ok(None);
    }
    let horizon_end = last + chrono::Duration::minutes(i64::from(interval_minutes));
    let outside =
        roster.iter().filter(|r| r.shift_end <= first || r.shift_start >= horizon_end).count();
    if outside == roster.len() {
        let start = roster.iter().map(|r| r.shift_start).min().expect("non-empty");
        let end = roster.iter().map(|r| r.shift_end).max().expect("non-empty");
        return Err(SimulateError::Invalid(format!(
            "the roster's shifts ({} to {}) do not overlap the forecast's horizon ({} to {}): \
             simulate a roster against the forecast of the same days",
            time::format_local(&start),
            time::format_local(&end),
            time::format_local(&first),
            time::format_local(&horizon_end)
        )));
    }
    Ok(Some(RosterOverlap { rows: roster.len(), outside, horizon_start: first, horizon_end }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    fn stamp(s: &str) -> Stamp {
        time::parse_local(s, Tz::UTC).unwrap()
    }

    fn forecast_row(t: &str) -> ForecastRow {
        ForecastRow {
            interval_start: stamp(t),
            queue: "voice".into(),
            contacts: 10.0,
            contacts_p10: 10.0,
            contacts_p90: 10.0,
            aht_seconds: 180.0,
        }
    }

    fn shift(start: &str, end: &str) -> RosterRow {
        RosterRow {
            agent_id: "A1".into(),
            name: "A".into(),
            date: stamp(start).date_naive(),
            queue: "voice".into(),
            shift_start: stamp(start),
            shift_end: stamp(end),
            paid_minutes: 0,
            breaks: Vec::new(),
        }
    }

    /// Forecast 2025-03-03 09:00 and 09:45 (15-minute intervals): horizon 09:00-10:00.
    fn forecast() -> Vec<ForecastRow> {
        vec![forecast_row("2025-03-03T09:00"), forecast_row("2025-03-03T09:45")]
    }

    #[test]
    fn roster_wholly_outside_is_an_error_naming_both_spans() {
        let roster = [shift("2027-03-03T09:00", "2027-03-03T17:00")];
        let e = roster_overlap(&roster, &forecast(), 15).unwrap_err().to_string();
        assert!(e.contains("(2027-03-03T09:00 to 2027-03-03T17:00)"), "{e}");
        assert!(e.contains("(2025-03-03T09:00 to 2025-03-03T10:00)"), "{e}");
    }

    #[test]
    fn touching_the_horizon_edge_is_outside() {
        // Ends exactly at the horizon's start, starts exactly at its end: no overlap.
        let roster = [
            shift("2025-03-03T08:00", "2025-03-03T09:00"),
            shift("2025-03-03T10:00", "2025-03-03T11:00"),
        ];
        assert!(roster_overlap(&roster, &forecast(), 15).is_err());
    }

    #[test]
    fn partial_overlap_counts_rows_outside() {
        let roster = [
            shift("2025-03-03T08:00", "2025-03-03T09:15"),
            shift("2025-03-04T09:00", "2025-03-04T17:00"),
            shift("2025-03-02T09:00", "2025-03-02T17:00"),
        ];
        let o = roster_overlap(&roster, &forecast(), 15).unwrap().unwrap();
        assert_eq!((o.rows, o.outside), (3, 2));
        let w = o.warning().unwrap();
        assert!(w.starts_with("2 of 3 roster rows fall outside"), "{w}");
        let inside = roster_overlap(&roster[..1], &forecast(), 15).unwrap().unwrap();
        assert_eq!(inside.warning(), None);
    }
}
