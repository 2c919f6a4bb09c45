//! Files into the store: interval history, contact logs and the HR agents file, each read by
//! its [`crate::io`] reader on the store's site, then imported in one transaction with the
//! file's name, SHA-256 and the time of the import.
//!
//! A history file may carry two columns beyond history.csv's own, `answered` and
//! `answered_within_target` (counts per interval, as contact platforms export them); they are
//! kept with the actuals and give the delivered service level in [`super::accuracy`].

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use super::{
    actuals_of_history, AgentFields, AgentsSummary, ImportSource, ImportSummary, Result, Store,
};
use crate::error::{FileError, InputError};
use crate::io::history::{parse_history_frame, ReadHistoryOptions};
use crate::io::table::Table;
use crate::time::IntervalGrid;

/// Columns a history import takes beyond history.csv's.
pub const SERVICE_COLUMNS: [&str; 2] = ["answered", "answered_within_target"];

fn read(path: &Path) -> Result<Vec<u8>> {
    Ok(std::fs::read(path).map_err(|e| FileError::io(path, e))?)
}

/// Import a history file (history.csv's columns, plus optional [`SERVICE_COLUMNS`]).
pub fn import_history(store: &mut dyn Store, path: &Path) -> Result<ImportSummary> {
    let bytes = read(path)?;
    let source = ImportSource::of("history", path, &bytes);
    let site = store.site()?;
    let label = path.display().to_string();
    let options = ReadHistoryOptions {
        tz: site.time_zone,
        interval_minutes: Some(site.interval_minutes),
        opening_hours: None,
    };
    let split = split_service_columns(&label, &bytes, site.time_zone)?;
    let input = split.history.as_deref().unwrap_or(&bytes);
    let history = parse_history_frame(&label, input, &options)?;
    let mut rows = actuals_of_history(&history, &site, store.location())?;
    for r in &mut rows {
        if let Some(counts) = split.counts.get(&(r.queue.clone(), r.interval_start)) {
            r.answered = counts.answered;
            r.answered_within_target = counts.answered_within_target;
        }
    }
    store.import_actuals(&source, &mut rows.into_iter().map(Ok))
}

/// Import a contact log (one row per contact), aggregated onto the store's interval grid.
pub fn import_contact_log(store: &mut dyn Store, path: &Path) -> Result<ImportSummary> {
    let bytes = read(path)?;
    let source = ImportSource::of("contact_log", path, &bytes);
    let site = store.site()?;
    let records = crate::io::contact_log::parse_contact_log(
        &path.display().to_string(),
        &bytes,
        site.time_zone,
    )
    .map_err(FileError::from)?;
    let grid = IntervalGrid::new(site.time_zone, site.interval_minutes)?;
    let history = crate::io::contact_log::aggregate(&records, &grid).into_frame(grid.tz);
    let rows = actuals_of_history(&history, &site, store.location())?;
    store.import_actuals(&source, &mut rows.into_iter().map(Ok))
}

/// Import the HR agents file: each agent's row becomes a version valid from `valid_from`
/// (unchanged agents keep their version; agents no longer listed have theirs closed).
pub fn import_agents(
    store: &mut dyn Store,
    path: &Path,
    valid_from: NaiveDate,
) -> Result<AgentsSummary> {
    let bytes = read(path)?;
    let label = path.display().to_string();
    let site = store.site()?;
    crate::io::agents::parse_agents_checked(&label, &bytes, Some(&site.queue_names()))
        .map_err(FileError::from)?;
    let table = Table::parse(&label, &bytes).map_err(FileError::from)?;
    let c_id = table.require("agent_id").map_err(FileError::from)?;
    let agents: Vec<AgentFields> = table
        .rows
        .iter()
        .map(|row| {
            let record: serde_json::Map<String, serde_json::Value> = table
                .headers
                .iter()
                .zip(&row.fields)
                .map(|(h, v)| (h.clone(), serde_json::Value::String(v.clone())))
                .collect();
            AgentFields {
                agent_id: table.text(row, c_id).to_string(),
                record: serde_json::Value::Object(record).to_string(),
            }
        })
        .collect();
    let source = ImportSource::of("agents", path, &bytes);
    store.import_agents(&source, valid_from, &agents)
}

#[derive(Debug, Clone, Copy, Default)]
struct ServiceCounts {
    answered: Option<f64>,
    answered_within_target: Option<f64>,
}

/// A history file split for the reader: the file without the service columns, and their counts.
struct SplitFile {
    /// The CSV without the service columns; `None` when the file has neither.
    history: Option<Vec<u8>>,
    /// Counts per (queue, interval start in UNIX seconds).
    counts: HashMap<(String, i64), ServiceCounts>,
}

fn split_service_columns(label: &str, bytes: &[u8], tz: chrono_tz::Tz) -> Result<SplitFile> {
    let header_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let header = String::from_utf8_lossy(header_line);
    if !SERVICE_COLUMNS.iter().any(|c| header.split([',', ';']).any(|h| h.trim() == *c)) {
        return Ok(SplitFile { history: None, counts: HashMap::new() });
    }
    let table = Table::parse(label, bytes).map_err(FileError::from)?;
    let keep: Vec<usize> = (0..table.headers.len())
        .filter(|&i| !SERVICE_COLUMNS.contains(&table.headers[i].as_str()))
        .collect();
    let c_start = table.require("interval_start").map_err(FileError::from)?;
    let c_queue = table.column("queue");
    let cols: Vec<Option<usize>> = SERVICE_COLUMNS.iter().map(|c| table.column(c)).collect();
    let mut counts = HashMap::with_capacity(table.rows.len());
    let mut out = csv::Writer::from_writer(Vec::with_capacity(bytes.len()));
    let csv_error = |e: csv::Error| FileError::from(InputError::new(label, e.to_string()));
    out.write_record(keep.iter().map(|&i| table.headers[i].as_str())).map_err(csv_error)?;
    for row in &table.rows {
        out.write_record(keep.iter().map(|&i| row.fields[i].as_str())).map_err(csv_error)?;
        let Ok(at) = crate::time::parse_local(table.text(row, c_start), tz) else { continue };
        let queue = c_queue
            .map(|c| table.text(row, c).to_string())
            .unwrap_or_else(|| crate::io::history::DEFAULT_QUEUE.to_string());
        let value = |col: Option<usize>| -> Result<Option<f64>> {
            match col {
                Some(c) if !table.text(row, c).trim().is_empty() => {
                    Ok(Some(table.non_negative(row, c).map_err(FileError::from)?))
                }
                _ => Ok(None),
            }
        };
        let c =
            ServiceCounts { answered: value(cols[0])?, answered_within_target: value(cols[1])? };
        counts.insert((queue, at.timestamp()), c);
    }
    let written =
        out.into_inner().map_err(|e| FileError::from(InputError::new(label, e.to_string())))?;
    Ok(SplitFile { history: Some(written), counts })
}
