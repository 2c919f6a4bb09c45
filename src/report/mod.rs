//! The plan report: one self-contained `report.html` a planner reads at a glance, and the key
//! figures of `summary.json`.
//!
//! The report sits at the end of the pipeline. It takes the records every stage wrote — history,
//! forecast, requirements, shifts and coverage, roster, simulation and, when present, what-if
//! results — and draws them as inline SVG: history and forecast with the P10–P90 band; required
//! against scheduled agents per interval with a day × time-of-day heat map of the gap; projected
//! (Erlang, from coverage.csv) and simulated service level against the target; a Gantt chart of
//! the roster with breaks; and, at the top, whether each queue met its target on each day
//! (`days.rs`), then the key figures (FTE, paid hours, cost, service level, abandonment, forecast
//! accuracy). The page loads no scripts, fonts or images from anywhere (its one small script is
//! inline): it opens the same from an e-mail attachment as from a web server, at any width.
//!
//! `shiftcast plan` itself lives in [`crate::plan::pipeline`]; this module only renders.
//! [`summary`] computes the figures from the records themselves, so summary.json always agrees
//! with the CSV files; [`files`] reads and writes the report's own formats and loads a plan
//! folder; [`svg`] and [`charts`] hold the drawing code, [`page`] the HTML.
//!
//! Rendering never fails: a stage whose file is missing gets a note instead of a chart, and a
//! chart is only drawn when it has something to show.

pub mod accuracy;
pub mod charts;
mod days;
pub mod files;
pub mod page;
pub mod summary;
pub mod svg;

use chrono_tz::Tz;

use crate::io::coverage::CoverageRow;
use crate::io::forecast::ForecastRow;
use crate::io::history::HistoryRecord;
use crate::io::requirements::RequirementRow;
use crate::io::roster::RosterRow;
use crate::io::shifts::ShiftRow;

pub use page::{render, render_with_accuracy};
pub use summary::{PlanSummary, SimulatedDay, SimulatedInterval, WhatifScenario};

/// Everything the report shows. Empty vectors mean "this stage's file is not there".
#[derive(Debug, Clone)]
pub struct ReportData {
    pub summary: PlanSummary,
    pub tz: Tz,
    /// History records: the report draws those of the plan's queues from
    /// [`page::HISTORY_DAYS_SHOWN`] days before the plan to its last day (any others are ignored).
    pub history: Vec<HistoryRecord>,
    pub forecast: Vec<ForecastRow>,
    pub requirements: Vec<RequirementRow>,
    pub shifts: Vec<ShiftRow>,
    pub coverage: Vec<CoverageRow>,
    pub roster: Vec<RosterRow>,
    pub simulation: Vec<SimulatedInterval>,
    /// simulation_days.csv: per queue-day figures with confidence limits (empty when absent).
    pub simulation_days: Vec<SimulatedDay>,
    pub whatif: Vec<WhatifScenario>,
    /// Remarks shown at the end (e.g. a stage that did not run, a file not found).
    pub notes: Vec<String>,
}
