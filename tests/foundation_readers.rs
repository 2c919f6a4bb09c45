//! The input formats: each reader's happy path, every class of bad input (the message names file,
//! line and column), daylight-saving days through the history reader, and write → read
//! round-trips.

mod common;

use std::path::Path;

use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;

use common::{PlanConfig, PlanToml};
use shiftcast::io::agents::{self, Agent, Unavailable};
use shiftcast::io::contact_log;
use shiftcast::io::events::{self, EventKind};
use shiftcast::io::history::{self, ReadHistoryOptions};
use shiftcast::time::{self, IntervalGrid, OpeningHours};

fn tz(name: &str) -> Tz {
    time::parse_time_zone(name).unwrap()
}

fn opts(zone: &str, minutes: Option<u32>) -> ReadHistoryOptions {
    ReadHistoryOptions { tz: tz(zone), interval_minutes: minutes, opening_hours: None }
}

fn history_err(text: &str, options: &ReadHistoryOptions) -> String {
    history::parse_history("history.csv", text.as_bytes(), options).unwrap_err().to_string()
}

/// Assert an error message starts with `file line N, column C:` and contains `needle`.
fn assert_located(message: &str, prefix: &str, needle: &str) {
    assert!(message.starts_with(prefix), "expected {prefix:?} at the start of: {message}");
    assert!(message.contains(needle), "expected {needle:?} in: {message}");
}

// ---------------------------------------------------------------------------------- history

#[test]
fn history_happy_path_with_bom_crlf_and_quotes() {
    let text = "\u{feff}interval_start,queue,contacts,aht_seconds\r\n\
                2025-03-03T09:00,\"voice\",10,240\r\n\
                2025-03-03 09:15,voice,12.5,\r\n\
                2025-03-03T09:00,chat,4,300\r\n";
    let h = history::parse_history("h.csv", text.as_bytes(), &opts("Asia/Shanghai", None)).unwrap();
    assert_eq!(h.interval_minutes, 15);
    assert_eq!(h.queues["voice"][1].contacts, 12.5);
    assert_eq!(h.queues["voice"][1].aht_seconds, None);
    assert_eq!(h.queues["chat"].len(), 1);
    assert!(h.gaps.is_empty());
}

#[test]
fn history_gaps_are_reported_not_zero_filled() {
    // 24h given: 09:30 and 09:45 are open and missing.
    let text =
        "interval_start,contacts\n2025-03-03T09:00,5\n2025-03-03T09:15,6\n2025-03-03T10:00,7\n";
    let o = ReadHistoryOptions {
        tz: tz("Asia/Shanghai"),
        interval_minutes: Some(15),
        opening_hours: Some(OpeningHours::always()),
    };
    let h = history::parse_history("h.csv", text.as_bytes(), &o).unwrap();
    assert_eq!(h.queues["default"].len(), 3, "no zero rows are invented");
    assert_eq!(h.gaps.len(), 1);
    assert_eq!(time::format_local(&h.gaps[0].from), "2025-03-03T09:30");
    assert_eq!(h.gaps[0].intervals, 2);
}

#[test]
fn history_gap_of_a_missing_day_with_inferred_opening_hours() {
    // Open 09:00-10:00 (inferred from data). Tuesday is missing entirely; nights are closed.
    let mut text = String::from("interval_start,contacts\n");
    for day in [3, 4, 5, 6, 7, 10, 12] {
        for hhmm in ["09:00", "09:30"] {
            text.push_str(&format!("2025-03-{day:02}T{hhmm},3\n"));
        }
    }
    let h = history::parse_history("h.csv", text.as_bytes(), &opts("Asia/Shanghai", None)).unwrap();
    assert_eq!(h.interval_minutes, 30);
    // 2025-03-11 (Tuesday) is open on Tuesdays (03-04 has data) and missing: one gap of 2.
    assert_eq!(h.gaps.len(), 1, "{:?}", h.gaps);
    assert_eq!(time::format_local(&h.gaps[0].from), "2025-03-11T09:00");
    assert_eq!(h.gaps[0].intervals, 2);
}

#[test]
fn history_closed_intervals_are_not_gaps() {
    let text = "interval_start,contacts\n2025-03-03T20:45,5\n2025-03-04T08:00,6\n";
    let mut hours = OpeningHours::always();
    hours.spans = std::array::from_fn(|_| OpeningHours::parse_day("all", "08:00-21:00").unwrap());
    let o = ReadHistoryOptions {
        tz: tz("Asia/Shanghai"),
        interval_minutes: Some(15),
        opening_hours: Some(hours),
    };
    let h = history::parse_history("h.csv", text.as_bytes(), &o).unwrap();
    assert!(h.gaps.is_empty(), "{:?}", h.gaps);
}

#[test]
fn history_duplicate_names_both_lines() {
    let e = history_err(
        "interval_start,queue,contacts\n2025-03-03T09:00,voice,1\n2025-03-03T09:15,voice,1\n2025-03-03T09:00,voice,2\n",
        &opts("Asia/Shanghai", None),
    );
    assert_located(&e, "history.csv line 4, column interval_start:", "already given on line 2");
}

#[test]
fn history_misaligned_timestamp() {
    let e = history_err(
        "interval_start,contacts\n2025-03-03T09:00,1\n2025-03-03T09:15,1\n2025-03-03T09:37,1\n2025-03-03T09:45,1\n",
        &opts("Asia/Shanghai", None),
    );
    assert_located(&e, "history.csv line 4, column interval_start:", "15-minute grid");
    let e = history_err(
        "interval_start,contacts\n2025-03-03T09:00:30,1\n",
        &opts("Asia/Shanghai", Some(15)),
    );
    assert_located(&e, "history.csv line 2, column interval_start:", "not an interval start");
}

#[test]
fn history_negative_and_non_numeric_values() {
    let o = opts("Asia/Shanghai", Some(15));
    let e = history_err("interval_start,contacts\n2025-03-03T09:00,-3\n", &o);
    assert_eq!(e, "history.csv line 2, column contacts: expected a number >= 0, found \"-3\"");
    let e = history_err("interval_start,contacts\n2025-03-03T09:00,many\n", &o);
    assert_located(&e, "history.csv line 2, column contacts:", "\"many\"");
    let e = history_err("interval_start,contacts,aht_seconds\n2025-03-03T09:00,3,-1\n", &o);
    assert_located(&e, "history.csv line 2, column aht_seconds:", "expected a number >= 0");
    let e = history_err("interval_start,contacts\n2025-03-03T09:00,NaN\n", &o);
    assert_located(&e, "history.csv line 2, column contacts:", "NaN");
}

#[test]
fn history_bad_timestamps_columns_and_files() {
    let o = opts("Asia/Shanghai", Some(15));
    let e = history_err("interval_start,contacts\n03/03/2025 09:00,1\n", &o);
    assert_located(&e, "history.csv line 2, column interval_start:", "expected a local date-time");
    let e = history_err("interval_start,contacts,aht_second\n2025-03-03T09:00,1,2\n", &o);
    assert_located(&e, "history.csv line 1, column aht_second:", "unknown column");
    let e = history_err("queue,contacts\nvoice,1\n", &o);
    assert_located(&e, "history.csv line 1:", "missing required column \"interval_start\"");
    let e = history_err("", &o);
    assert_located(&e, "history.csv:", "empty");
    let e = history_err("interval_start,contacts\n2025-03-03T09:00\n", &o);
    assert_located(&e, "history.csv line 2:", "expected 2 fields");
    let bad = b"interval_start,queue,contacts\n2025-03-03T09:00,vo\xffice,1\n";
    let e = history::parse_history("history.csv", bad, &o).unwrap_err().to_string();
    assert_located(&e, "history.csv line 2, column queue:", "UTF-8");
    let e = history_err("interval_start,queue,contacts\n2025-03-03T09:00,,1\n", &o);
    assert_located(&e, "history.csv line 2, column queue:", "expected a queue name");
    // An offset that is not the zone's.
    let e = history_err("interval_start,contacts\n2025-03-03T09:00+01:00,1\n", &o);
    assert_located(&e, "history.csv line 2, column interval_start:", "UTC offset");
}

#[test]
fn history_interval_option_must_be_supported() {
    let e = history_err(
        "interval_start,contacts\n2025-03-03T09:00,1\n",
        &opts("Asia/Shanghai", Some(7)),
    );
    assert!(e.contains("interval_minutes must be one of"), "{e}");
}

/// All 15-minute intervals of a local day in New York, written plainly (no offsets) in time
/// order, as an ACD export would: a 23-hour day has 92 rows, a 25-hour day 100.
fn new_york_day_rows(date: NaiveDate, with_offsets: bool) -> (String, usize) {
    let grid = IntervalGrid::new(tz("America/New_York"), 15).unwrap();
    let starts = grid.day_starts(date);
    let mut text = String::from("interval_start,contacts\n");
    for (i, s) in starts.iter().enumerate() {
        let stamp = if with_offsets {
            time::format_local(s)
        } else {
            s.format("%Y-%m-%dT%H:%M").to_string()
        };
        text.push_str(&format!("{stamp},{i}\n"));
    }
    (text, starts.len())
}

#[test]
fn history_spring_forward_day_has_23_hours() {
    let day = NaiveDate::from_ymd_opt(2025, 3, 9).unwrap();
    let (text, n) = new_york_day_rows(day, false);
    assert_eq!(n, 92);
    let o = ReadHistoryOptions {
        tz: tz("America/New_York"),
        interval_minutes: None,
        opening_hours: Some(OpeningHours::always()),
    };
    let h = history::parse_history("ny.csv", text.as_bytes(), &o).unwrap();
    assert_eq!(h.interval_minutes, 15);
    assert_eq!(h.queues["default"].len(), 92);
    assert!(h.gaps.is_empty(), "the skipped hour is not a gap: {:?}", h.gaps);
    // 02:30 does not exist that day.
    let e = history_err(
        "interval_start,contacts\n2025-03-09T02:30,1\n",
        &opts("America/New_York", Some(15)),
    );
    assert_located(&e, "history.csv line 2, column interval_start:", "does not exist");
}

#[test]
fn history_fall_back_day_has_25_hours_plain_or_with_offsets() {
    let day = NaiveDate::from_ymd_opt(2025, 11, 2).unwrap();
    let o = ReadHistoryOptions {
        tz: tz("America/New_York"),
        interval_minutes: Some(15),
        opening_hours: Some(OpeningHours::always()),
    };
    for with_offsets in [false, true] {
        let (text, n) = new_york_day_rows(day, with_offsets);
        assert_eq!(n, 100);
        let h = history::parse_history("ny.csv", text.as_bytes(), &o).unwrap();
        let recs = &h.queues["default"];
        assert_eq!(recs.len(), 100, "with_offsets={with_offsets}");
        assert!(h.gaps.is_empty());
        // Row i carries contacts = i: time order equals file order, both 01:15s are distinct.
        for (i, r) in recs.iter().enumerate() {
            assert_eq!(r.contacts, i as f64);
        }
        let ones: Vec<String> = recs
            .iter()
            .map(|r| time::format_local(&r.interval_start))
            .filter(|t| t.starts_with("2025-11-02T01:15"))
            .collect();
        assert_eq!(ones, vec!["2025-11-02T01:15-04:00", "2025-11-02T01:15-05:00"]);
    }
    // A third plain 01:15 is a real duplicate.
    let (mut text, _) = new_york_day_rows(day, false);
    text.push_str("2025-11-02T01:15,9\n");
    let e = history::parse_history("ny.csv", text.as_bytes(), &o).unwrap_err().to_string();
    assert_located(&e, "ny.csv line 102, column interval_start:", "duplicate");
}

#[test]
fn history_missing_interval_on_a_dst_day_is_one_gap() {
    let day = NaiveDate::from_ymd_opt(2025, 11, 2).unwrap();
    let (text, _) = new_york_day_rows(day, true);
    // Drop the second 01:30 (EST).
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("2025-11-02T01:30-05:00"))
        .map(|l| format!("{l}\n"))
        .collect();
    let o = ReadHistoryOptions {
        tz: tz("America/New_York"),
        interval_minutes: Some(15),
        opening_hours: Some(OpeningHours::always()),
    };
    let h = history::parse_history("ny.csv", text.as_bytes(), &o).unwrap();
    assert_eq!(h.gaps.len(), 1);
    assert_eq!(time::format_local(&h.gaps[0].from), "2025-11-02T01:30-05:00");
}

#[test]
fn history_round_trip_on_a_dst_day() {
    let day = NaiveDate::from_ymd_opt(2025, 11, 2).unwrap();
    let (text, _) = new_york_day_rows(day, false);
    let o = opts("America/New_York", Some(15));
    let h = history::parse_history("ny.csv", text.as_bytes(), &o).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.csv");
    history::write_history(&path, &h).unwrap();
    let back = history::read_history(&path, &o).unwrap();
    assert_eq!(back, h);
}

#[test]
fn history_read_names_the_file_that_is_missing() {
    let e = history::read_history(Path::new("/nonexistent/h.csv"), &opts("UTC", None)).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/h.csv"), "{e}");
}

// ------------------------------------------------------------------------------ contact log

#[test]
fn contact_log_bad_inputs_name_line_and_column() {
    let z = tz("Asia/Shanghai");
    let e = contact_log::parse_contact_log(
        "calls.csv",
        b"arrived_at,handle_seconds\n2025-03-03T09:00:01,-5\n",
        z,
    )
    .unwrap_err()
    .to_string();
    assert_located(&e, "calls.csv line 2, column handle_seconds:", "expected a number >= 0");
    let e = contact_log::parse_contact_log(
        "calls.csv",
        b"arrived_at\n2025-03-03T09:00:01\nyesterday\n",
        z,
    )
    .unwrap_err()
    .to_string();
    assert_located(&e, "calls.csv line 3, column arrived_at:", "expected a local date-time");
    let e =
        contact_log::parse_contact_log("calls.csv", b"arrived,queue\n", z).unwrap_err().to_string();
    assert_located(&e, "calls.csv line 1, column arrived:", "unknown column");
}

#[test]
fn contact_log_aggregation_keeps_the_repeated_hour_apart() {
    let z = tz("America/New_York");
    let log = contact_log::parse_contact_log(
        "calls.csv",
        b"arrived_at,queue,handle_seconds,abandoned\n\
          2025-11-02T01:05:00-04:00,voice,100,false\n\
          2025-11-02T01:10:00-05:00,voice,300,false\n\
          2025-11-02T01:12:00-05:00,voice,,true\n",
        z,
    )
    .unwrap();
    let grid = IntervalGrid::new(z, 15).unwrap();
    let h = contact_log::aggregate(&log, &grid);
    let v = &h.queues["voice"];
    let labels: Vec<String> = v.iter().map(|r| time::format_local(&r.interval_start)).collect();
    assert_eq!(labels, vec!["2025-11-02T01:00-04:00", "2025-11-02T01:00-05:00"]);
    assert_eq!(v[0].contacts, 1.0);
    assert_eq!(v[1].contacts, 2.0, "abandoned contacts are offered contacts");
    assert_eq!(v[1].aht_seconds, Some(300.0), "AHT over answered contacts only");
}

// ----------------------------------------------------------------------------------- events

#[test]
fn events_happy_path_with_optional_columns_absent_or_present() {
    let ev = events::parse_events(
        "events.csv",
        b"start,end,kind,name\n2025-06-12,2025-06-18,Promotion,618 sale\n2025-08-14T14:00,2025-08-14T18:00,closure,ACD outage\n",
    )
    .unwrap();
    assert_eq!(ev[0].kind, EventKind::Promotion);
    assert_eq!(ev[0].uplift, None);
    assert_eq!(ev[0].queue, None);
    assert_eq!((ev[0].end - ev[0].start).num_days(), 7);
    assert!(ev[1]
        .contains(NaiveDate::from_ymd_opt(2025, 8, 14).unwrap().and_hms_opt(17, 45, 0).unwrap()));
    assert!(!ev[1]
        .contains(NaiveDate::from_ymd_opt(2025, 8, 14).unwrap().and_hms_opt(18, 0, 0).unwrap()));
    let ev = events::parse_events(
        "events.csv",
        b"start,end,kind,name,queue,uplift\n2025-09-10,2025-09-12,campaign,Autumn,voice,1.15\n",
    )
    .unwrap();
    assert_eq!(ev[0].queue.as_deref(), Some("voice"));
    assert!(!ev[0].applies_to("chat"));
    assert_eq!(ev[0].uplift, Some(1.15));
}

#[test]
fn events_bad_inputs_name_line_and_column() {
    let p = |t: &str| events::parse_events("events.csv", t.as_bytes()).unwrap_err().to_string();
    let h = "start,end,kind,name,queue,uplift\n";
    assert_located(
        &p(&format!("{h}2025-01-01,2025-01-01,party,x,,\n")),
        "events.csv line 2, column kind:",
        "holiday, promotion",
    );
    assert_located(
        &p(&format!("{h}2025-01-02,2025-01-01,holiday,x,,\n")),
        "events.csv line 2, column end:",
        "before it starts",
    );
    assert_located(
        &p(&format!("{h}2025-01-01T10:00,2025-01-01T10:00,closure,x,,\n")),
        "events.csv line 2, column end:",
        "expected an end after the start",
    );
    assert_located(
        &p(&format!("{h}2025-01-01,2025-01-01,holiday,x,,0\n")),
        "events.csv line 2, column uplift:",
        "expected a number > 0",
    );
    assert_located(
        &p(&format!("{h}2025-01-01,2025-01-01,holiday,x,,-1.5\n")),
        "events.csv line 2, column uplift:",
        "> 0",
    );
    assert_located(
        &p(&format!("{h}2025-02-30,2025-03-01,holiday,x,,\n")),
        "events.csv line 2, column start:",
        "expected a date",
    );
    assert_located(
        &p(&format!("{h}2025-01-01,2025-01-01,holiday,,,\n")),
        "events.csv line 2, column name:",
        "empty",
    );
    assert_located(
        &p("start,kind,name\n2025-01-01,holiday,x\n"),
        "events.csv line 1:",
        "missing required column \"end\"",
    );
}

// ----------------------------------------------------------------------------------- agents

const AGENTS_HEADER: &str = "agent_id,name,skills,min_hours_week,max_hours_week,contract,max_days_week,earliest_start,latest_end,unavailable,preferred_days_off,hourly_cost,site\n";

#[test]
fn agents_happy_path() {
    let text = format!(
        "{AGENTS_HEADER}A1,\"Wang, Wei\",voice;chat,36,40,full_time,5,08:00,18:00,2026-11-24;Sun,Sat,42.5,shanghai\nA2,Li Na,email,16,24,,,22:00,06:00,,,,\n"
    );
    let a = agents::parse_agents("agents.csv", text.as_bytes()).unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].name, "Wang, Wei");
    assert_eq!(a[0].earliest_start, NaiveTime::from_hms_opt(8, 0, 0));
    assert_eq!(
        a[0].unavailable,
        vec![
            Unavailable::Date(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()),
            Unavailable::Weekday(Weekday::Sun)
        ]
    );
    assert_eq!(a[0].preferred_days_off, vec![Weekday::Sat]);
    assert_eq!(a[0].hourly_cost, Some(42.5));
    assert_eq!(a[1].contract, None);
    assert_eq!(a[1].max_days_week, None);
    // A window that crosses midnight is allowed.
    assert_eq!(a[1].latest_end, NaiveTime::from_hms_opt(6, 0, 0));
    // Only the required columns.
    let a = agents::parse_agents(
        "agents.csv",
        b"agent_id,name,skills,min_hours_week,max_hours_week\nx,X,voice,0,10\n",
    )
    .unwrap();
    assert_eq!(a[0].skills, vec!["voice"]);
}

#[test]
fn agents_bad_inputs_name_line_and_column() {
    let row = |fields: &str| format!("{AGENTS_HEADER}A0,Ok,voice,36,40,,,,,,,,\n{fields}\n");
    let p = |t: String| agents::parse_agents("agents.csv", t.as_bytes()).unwrap_err().to_string();
    assert_located(
        &p(row("A0,Twin,voice,36,40,,,,,,,,")),
        "agents.csv line 3, column agent_id:",
        "already used on line 2",
    );
    assert_located(
        &p(row("A1,X,voice,40,30,,,,,,,,")),
        "agents.csv line 3, column max_hours_week:",
        "below min_hours_week",
    );
    assert_located(
        &p(row("A1,X,voice,0,200,,,,,,,,")),
        "agents.csv line 3, column max_hours_week:",
        "0 to 168",
    );
    assert_located(
        &p(row("A1,X,voice,ten,40,,,,,,,,")),
        "agents.csv line 3, column min_hours_week:",
        "\"ten\"",
    );
    assert_located(
        &p(row("A1,X,,0,40,,,,,,,,")),
        "agents.csv line 3, column skills:",
        "at least one queue",
    );
    assert_located(
        &p(row("A1,X,voice;voice,0,40,,,,,,,,")),
        "agents.csv line 3, column skills:",
        "listed twice",
    );
    assert_located(
        &p(row("A1,X,voice,0,40,,9,,,,,,")),
        "agents.csv line 3, column max_days_week:",
        "1 to 7",
    );
    assert_located(
        &p(row("A1,X,voice,0,40,,,8am,,,,,")),
        "agents.csv line 3, column earliest_start:",
        "09:30",
    );
    assert_located(
        &p(row("A1,X,voice,0,40,,,25:00,,,,,")),
        "agents.csv line 3, column earliest_start:",
        "time of day",
    );
    assert_located(
        &p(row("A1,X,voice,0,40,,,09:00,09:00,,,,")),
        "agents.csv line 3, column latest_end:",
        "window",
    );
    assert_located(
        &p(row("A1,X,voice,0,40,,,,,someday,,,")),
        "agents.csv line 3, column unavailable:",
        "\"someday\"",
    );
    assert_located(
        &p(row("A1,X,voice,0,40,,,,,2026-12-01..2026-11-01,,,")),
        "agents.csv line 3, column unavailable:",
        "forwards",
    );
    assert_located(
        &p(row("A1,X,voice,0,40,,,,,,Caturday,,")),
        "agents.csv line 3, column preferred_days_off:",
        "weekday",
    );
    assert_located(
        &p(row("A1,X,voice,0,40,,,,,,,-3,")),
        "agents.csv line 3, column hourly_cost:",
        ">= 0",
    );
    let checked = agents::parse_agents_checked(
        "agents.csv",
        row("A1,X,voice;fax,0,40,,,,,,,,").as_bytes(),
        Some(&["voice".to_string(), "chat".to_string()]),
    )
    .unwrap_err()
    .to_string();
    assert_located(&checked, "agents.csv line 3, column skills:", "unknown skill \"fax\"");
}

// ------------------------------------------------------------------------------ round trips

#[test]
fn events_and_agents_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let ev = events::parse_events(
        "e.csv",
        b"start,end,kind,name,queue,uplift\n2025-01-28,2025-02-04,holiday,Spring Festival,,\n2025-08-14T14:00,2025-08-14T18:00,closure,\"Outage, ACD\",voice,\n2025-06-12,2025-06-18,promotion,618,,1.6\n",
    )
    .unwrap();
    let path = dir.path().join("events.csv");
    events::write_events(&path, &ev).unwrap();
    assert_eq!(events::read_events(&path).unwrap(), ev);

    let ag: Vec<Agent> = agents::parse_agents(
        "a.csv",
        format!("{AGENTS_HEADER}A1,\"Wang, Wei\",voice;chat,36,40,full_time,5,08:00,18:00,2026-11-24..2026-11-26;Sun,Sat;Sun,42.5,shanghai\nA2,\"Li \"\"Na\"\"\",email,16,24,,,,,,,,\n")
            .as_bytes(),
    )
    .unwrap();
    let path = dir.path().join("agents.csv");
    agents::write_agents(&path, &ag).unwrap();
    assert_eq!(agents::read_agents(&path).unwrap(), ag);
}

// ----------------------------------------------------------------------------------- plan

#[test]
fn shipped_plan_toml_is_valid_and_names_its_inputs() {
    let c = PlanConfig::read(Path::new("data/plan.toml")).unwrap();
    assert_eq!(c.site.time_zone(), tz("Asia/Shanghai"));
    assert_eq!(c.site.grid.interval_minutes, 15);
    assert_eq!(c.staffing.shrinkage, 0.30);
    let names: Vec<&str> = c.site.queues.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, vec!["voice", "voice_vip", "chat", "email", "social"]);
    // The VIP line: 10% of the voice calls, 90/15, answered first by every voice agent.
    let vip = c.site.queue("voice_vip").unwrap();
    assert_eq!(
        (vip.share_of.as_deref(), vip.share, vip.skill()),
        (Some("voice"), Some(0.10), "voice")
    );
    assert!(vip.priority > c.site.queue("voice").unwrap().priority);
    // No explicit unplanned shrinkage: 1 − 0.70 / (1 − 30/480) of the 30%.
    assert!((c.schedule.unplanned_shrinkage - (1.0 - 0.70 / 0.9375)).abs() < 1e-12);
    let voice = c.site.queue("voice").unwrap();
    assert_eq!((voice.service_level, voice.target_answer_seconds), (Some(0.8), Some(20.0)));
    assert_eq!(voice.max_occupancy, Some(0.85));
    let chat = c.site.queue("chat").unwrap();
    assert_eq!((chat.target_answer_seconds, chat.concurrency), (Some(30.0), Some(3)));
    assert_eq!(c.site.queue("email").unwrap().deadline_minutes, Some(120.0));
    assert_eq!(c.site.queue("social").unwrap().deadline_minutes, Some(15.0));
    assert_eq!(c.inputs.history.as_deref(), Some(Path::new("data/history.csv")));
    let open = |h, m| {
        c.site.opening_hours.is_open_local(
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(h, m, 0).unwrap(),
        )
    };
    assert!(!open(7, 45) && open(8, 0) && open(20, 45) && !open(21, 0));
}

#[test]
fn plan_errors_name_the_key() {
    let text = std::fs::read_to_string("data/plan.toml").unwrap();
    let bad = text.replace("deadline_minutes = 120\n", "");
    let e = PlanConfig::parse("plan.toml", &bad, Path::new("")).unwrap_err().to_string();
    assert!(e.contains("queues[3] (email).deadline_minutes"), "{e}");
    let bad = text.replace("time_zone = \"Asia/Shanghai\"", "time_zone = \"Asia/Shangai\"");
    let e = PlanConfig::parse("plan.toml", &bad, Path::new("")).unwrap_err().to_string();
    assert!(e.contains("site.time_zone") && e.contains("Asia/Shangai"), "{e}");
    let bad = text.replace("interval_minutes = 15", "interval_minutes = 7");
    let e = PlanConfig::parse("plan.toml", &bad, Path::new("")).unwrap_err().to_string();
    assert!(e.contains("site.interval_minutes"), "{e}");
}

#[test]
fn plan_history_uses_queue_opening_hours_for_gaps() {
    let dir = tempfile::tempdir().unwrap();
    // voice has 24h hours of its own, chat follows the site's 09:00-10:00.
    std::fs::write(
        dir.path().join("history.csv"),
        "interval_start,queue,contacts\n2025-03-03T09:00,voice,1\n2025-03-03T09:30,voice,1\n2025-03-03T09:00,chat,1\n2025-03-03T09:30,chat,1\n",
    )
    .unwrap();
    let plan = PlanToml::sample()
        .site(
            "time_zone = \"Asia/Shanghai\"\ninterval_minutes = 15\n\
             opening_hours = { all = \"09:00-09:15,09:30-10:00\" }",
        )
        .section("inputs", "history = \"history.csv\"")
        .shrinkage(0.3)
        .queues(&[
            "name = \"voice\"\nchannel = \"voice\"\nopening_hours = { all = \"24h\" }",
            "name = \"chat\"\nchannel = \"chat\"",
        ])
        .write(dir.path());
    let c = PlanConfig::read(&plan).unwrap();
    let h = shiftcast::plan::inputs::read_site_history(c.inputs.history.as_ref().unwrap(), &c.site)
        .unwrap();
    // 09:15 is closed for the site (chat) but open for voice: one voice gap only.
    assert_eq!(h.gaps.len(), 1, "{:?}", h.gaps);
    assert_eq!(h.gaps[0].queue, "voice");
    assert_eq!(time::format_local(&h.gaps[0].from), "2025-03-03T09:15");
}
