//! The fuzz harness shared by the cargo-fuzz targets (libFuzzer, nightly) and the stable
//! mutation loop (`stable_fuzz`): one function per reader, each feeding arbitrary bytes to the
//! parse-from-bytes entry point the CLI uses. Errors are expected; a panic is a bug.

use std::path::Path;

use shiftcast::io::table::Table;
use shiftcast::io::{agents, contact_log, events, history};
use shiftcast::plan::PlanConfig;
use shiftcast::time::{self, IntervalGrid, OpeningHours};

/// Target names, as the fuzz_targets binaries and seed folders are named.
pub const TARGETS: [&str; 12] = [
    "history",
    "contact_log",
    "events",
    "agents",
    "plan_toml",
    "forecast",
    "requirements",
    "shifts",
    "roster",
    "scenarios_csv",
    "scenarios_toml",
    "import",
];

fn zone() -> chrono_tz::Tz {
    // A zone with daylight saving, so inputs can hit 23- and 25-hour days.
    time::parse_time_zone("America/New_York").expect("known zone")
}

/// history.csv with an inferred and a given interval, inferred and 24x7 opening hours.
pub fn history(data: &[u8]) {
    for interval_minutes in [None, Some(15)] {
        for opening_hours in [None, Some(OpeningHours::always())] {
            let o = history::ReadHistoryOptions { tz: zone(), interval_minutes, opening_hours };
            let _ = history::parse_history("fuzz.csv", data, &o);
        }
    }
}

/// Contact log, and its aggregation when it parses.
pub fn contact_log(data: &[u8]) {
    if let Ok(log) = contact_log::parse_contact_log("fuzz.csv", data, zone()) {
        let grid = IntervalGrid::new(zone(), 15).expect("valid grid");
        let _ = contact_log::aggregate(&log, &grid);
    }
}

pub fn events(data: &[u8]) {
    let _ = events::parse_events("fuzz.csv", data);
}

pub fn agents(data: &[u8]) {
    let _ = agents::parse_agents("fuzz.csv", data);
    let _ = agents::parse_agents_checked("fuzz.csv", data, Some(&["voice".to_string()]));
}

/// plan.toml: the reader takes UTF-8 text (the file reader rejects invalid UTF-8 first).
pub fn plan_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PlanConfig::parse("fuzz.toml", text, Path::new(""));
    }
}

/// forecast.csv (through the shared CSV table, as the file reader does).
pub fn forecast(data: &[u8]) {
    if let Ok(t) = Table::parse("fuzz.csv", data) {
        let _ = shiftcast::io::forecast::parse_forecast_table(&t, zone());
    }
}

pub fn requirements(data: &[u8]) {
    if let Ok(t) = Table::parse("fuzz.csv", data) {
        let _ = shiftcast::io::requirements::parse_requirements(&t, zone());
    }
}

pub fn shifts(data: &[u8]) {
    let _ = shiftcast::io::shifts::parse_shifts("fuzz.csv", data, zone());
}

/// roster.csv, and the workbook written from it when it parses.
pub fn roster(data: &[u8]) {
    if let Ok(rows) = shiftcast::io::roster::parse_roster("fuzz.csv", data, zone()) {
        let _ = shiftcast::io::xlsx::roster_workbook(&rows);
    }
}

pub fn scenarios_csv(data: &[u8]) {
    let _ = shiftcast::simulate::whatif::parse_scenarios_csv("fuzz.csv", data, zone());
}

pub fn scenarios_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = shiftcast::simulate::whatif::parse_scenarios_toml("fuzz.toml", text, zone());
    }
}

/// The import mapper: `map.toml` text, a line `---`, then the export; without the separator
/// the whole input is an export read with the genesys-cloud preset and `;` / decimal commas.
pub fn import(data: &[u8]) {
    use shiftcast::io::import::{import_history, CsvRows, ImportMap, MapFile};
    thread_local! {
        static SITE: shiftcast::site::Site = PlanConfig::parse(
            "plan.toml",
            include_str!("../../data/plan.toml"),
            Path::new(""),
        )
        .expect("the sample plan")
        .site;
    }
    let split = data.windows(5).position(|w| w == b"\n---\n");
    let (map, export) = match split {
        Some(i) => match std::str::from_utf8(&data[..i]).map(|t| MapFile::parse("map.toml", t)) {
            Ok(Ok(m)) => (m, &data[i + 5..]),
            _ => return,
        },
        None => {
            let over = MapFile {
                delimiter: Some(";".into()),
                decimal: Some(",".into()),
                ..MapFile::default()
            };
            (MapFile::preset("genesys-cloud").expect("preset").overlay(over), data)
        }
    };
    let Ok(map) = ImportMap::new("map.toml", map) else { return };
    let Ok(mut rows) = CsvRows::new("fuzz.csv", export, map.delimiter) else { return };
    SITE.with(|site| {
        let _ = import_history("fuzz.csv", &mut rows, &map, site);
    });
}

/// Run one target by name.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "history" => history(data),
        "contact_log" => contact_log(data),
        "events" => events(data),
        "agents" => agents(data),
        "plan_toml" => plan_toml(data),
        "forecast" => forecast(data),
        "requirements" => requirements(data),
        "shifts" => shifts(data),
        "roster" => roster(data),
        "scenarios_csv" => scenarios_csv(data),
        "scenarios_toml" => scenarios_toml(data),
        "import" => import(data),
        other => panic!("unknown fuzz target {other:?}"),
    }
}
