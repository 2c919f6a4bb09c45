//! The fuzz harness shared by the cargo-fuzz targets (libFuzzer, nightly) and the stable
//! mutation loop (`stable_fuzz`): one function per reader, each feeding arbitrary bytes to the
//! parse-from-bytes entry point the CLI uses. Errors are expected; a panic is a bug.

use std::path::Path;

use shiftcast::io::{agents, contact_log, events, history, PlanConfig};
use shiftcast::time::{self, IntervalGrid, OpeningHours};

/// Target names, as the fuzz_targets binaries and seed folders are named.
pub const TARGETS: [&str; 5] = ["history", "contact_log", "events", "agents", "plan_toml"];

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

/// Run one target by name.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "history" => history(data),
        "contact_log" => contact_log(data),
        "events" => events(data),
        "agents" => agents(data),
        "plan_toml" => plan_toml(data),
        other => panic!("unknown fuzz target {other:?}"),
    }
}
