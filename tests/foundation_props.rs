//! Property tests of the readers: no input — random bytes or a valid file with random edits —
//! makes any reader panic; written files read back to the same records; aggregation conserves
//! contacts.

use std::path::Path;

use chrono::{Duration, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;

use shiftcast::io::agents::{self, Agent, Unavailable};
use shiftcast::io::contact_log::{self, ContactRecord};
use shiftcast::io::events::{self, Event, EventKind};
use shiftcast::io::history::{self, History, HistoryRecord, ReadHistoryOptions};
use shiftcast::plan::PlanConfig;
use shiftcast::time::{self, IntervalGrid, OpeningHours};

fn new_york() -> Tz {
    time::parse_time_zone("America/New_York").unwrap()
}

const HISTORY: &str = "interval_start,queue,contacts,aht_seconds\n\
2025-11-02T00:30,voice,12,240\n2025-11-02T01:00,voice,10,\n2025-11-02T01:30-04:00,voice,9,250\n\
2025-11-02T01:00-05:00,voice,8,260\n2025-11-02T01:30,voice,7,230\n2025-11-02T02:00,chat,3,300\n";
const LOG: &str = "arrived_at,queue,handle_seconds,abandoned\n\
2025-03-09T01:59:59,voice,200,false\n2025-03-09T03:00:00,chat,,true\n2025-03-09 03:10,voice,150,0\n";
const EVENTS: &str = "start,end,kind,name,queue,uplift\n\
2025-01-28,2025-02-04,holiday,Spring Festival,,\n2025-08-14T14:00,2025-08-14T18:00,closure,\"ACD, outage\",voice,\n\
2025-06-12,2025-06-18,promotion,618,,1.6\n";
const AGENTS: &str = "agent_id,name,skills,min_hours_week,max_hours_week,contract,max_days_week,earliest_start,latest_end,unavailable,preferred_days_off,hourly_cost,site\n\
A1,\"Wang, Wei\",voice;chat,36,40,full_time,5,08:00,18:00,2026-11-24..2026-11-26;Sun,Sat;Sun,42.5,shanghai\n\
A2,Li Na,email,16,24,,,22:00,06:00,,,,\n";

/// Every reader on the same bytes; only panics matter here, errors are fine.
fn read_everything(bytes: &[u8]) {
    let ny = new_york();
    for interval_minutes in [None, Some(15)] {
        for opening_hours in [None, Some(OpeningHours::always())] {
            let o = ReadHistoryOptions { tz: ny, interval_minutes, opening_hours };
            let _ = history::parse_history("h.csv", bytes, &o);
        }
    }
    if let Ok(log) = contact_log::parse_contact_log("c.csv", bytes, ny) {
        let grid = IntervalGrid::new(ny, 15).unwrap();
        let _ = contact_log::aggregate(&log, &grid);
    }
    let _ = events::parse_events("e.csv", bytes);
    let _ = agents::parse_agents("a.csv", bytes);
    let _ = agents::parse_agents_checked("a.csv", bytes, Some(&["voice".to_string()]));
    let _ = PlanConfig::parse("p.toml", &String::from_utf8_lossy(bytes), Path::new(""));
}

/// Apply random edits (delete, insert, replace) to a valid text.
fn mutate(text: &str, edits: &[(usize, u8, char)]) -> Vec<u8> {
    let mut chars: Vec<char> = text.chars().collect();
    for &(at, op, c) in edits {
        if chars.is_empty() {
            chars.push(c);
            continue;
        }
        let i = at % chars.len();
        match op % 3 {
            0 => {
                chars.remove(i);
            }
            1 => chars.insert(i, c),
            _ => chars[i] = c,
        }
    }
    chars.into_iter().collect::<String>().into_bytes()
}

fn edit_char() -> impl Strategy<Value = char> {
    prop_oneof![
        proptest::sample::select(vec![
            ',', '"', '\n', '\r', ';', ':', '-', '+', 'T', ' ', '.', '\u{feff}', 'x', '=', '[',
            ']', '9', '0', '1', '2', '5', 'e', 'Z', '\0', '\u{e9}',
        ]),
        any::<char>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_a_reader(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        read_everything(&bytes);
    }

    #[test]
    fn near_valid_files_never_panic_a_reader(
        which in 0usize..5,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), edit_char()), 1..8),
    ) {
        let plan = std::fs::read_to_string("data/plan.toml").unwrap();
        let base = [HISTORY, LOG, EVENTS, AGENTS, plan.as_str()][which];
        read_everything(&mutate(base, &edits));
    }

    #[test]
    fn history_round_trips_across_a_fall_back_day(
        cells in proptest::collection::btree_map(
            (0usize..3, 0usize..146),
            (0u32..100_000, proptest::option::of(0u32..50_000)),
            1..60,
        ),
    ) {
        // 30-minute grid over 2025-11-01..03 in New York: 48 + 50 + 48 intervals.
        let ny = new_york();
        let grid = IntervalGrid::new(ny, 30).unwrap();
        let starts = grid.range(NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(), 3);
        prop_assert_eq!(starts.len(), 146);
        let names = ["voice", "chat", "after, sales"];
        let mut h = History { interval_minutes: 30, queues: Default::default(), gaps: vec![] };
        for (&(q, i), &(c, a)) in &cells {
            h.queues.entry(names[q].to_string()).or_default().push(HistoryRecord {
                interval_start: starts[i],
                queue: names[q].to_string(),
                contacts: f64::from(c) / 100.0,
                aht_seconds: a.map(|a| f64::from(a) / 10.0),
            });
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        history::write_history(&path, &h).unwrap();
        let o = ReadHistoryOptions { tz: ny, interval_minutes: Some(30), opening_hours: None };
        let back = history::read_history(&path, &o).unwrap();
        prop_assert_eq!(back.queues, h.queues);
    }

    #[test]
    fn events_round_trip(
        rows in proptest::collection::vec(
            (0i64..2000, 0i64..3000, any::<bool>(), 0usize..4, "[A-Za-z0-9][A-Za-z0-9 ,\"']{0,12}[A-Za-z0-9]",
             proptest::option::of("[a-z]{1,6}"), proptest::option::of(1u32..500)),
            0..12,
        ),
    ) {
        let base = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_time(NaiveTime::MIN);
        let kinds = [EventKind::Holiday, EventKind::Promotion, EventKind::Closure, EventKind::Campaign];
        let list: Vec<Event> = rows
            .into_iter()
            .map(|(start, len, whole_days, k, name, queue, uplift)| {
                let (start, end) = if whole_days {
                    let s = base + Duration::days(start);
                    (s, s + Duration::days(1 + len % 30))
                } else {
                    let s = base + Duration::minutes(start * 15);
                    (s, s + Duration::minutes(15 * (1 + len)))
                };
                Event { start, end, kind: kinds[k], name, queue, uplift: uplift.map(|u| f64::from(u) / 100.0) }
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.csv");
        events::write_events(&path, &list).unwrap();
        prop_assert_eq!(events::read_events(&path).unwrap(), list);
    }

    #[test]
    fn agents_round_trip(
        rows in proptest::collection::vec(
            ("[A-Za-z][A-Za-z ,\"']{0,12}[a-z]", proptest::sample::subsequence(vec!["voice", "chat", "email", "social"], 1..4),
             0u32..160, 0u32..160, proptest::option::of(1u32..8), proptest::option::of((0u32..24, 0u32..60)),
             proptest::collection::vec(0i64..400, 0..4), proptest::sample::subsequence(vec![0u8, 1, 2, 3, 4, 5, 6], 0..3),
             proptest::option::of(0u32..10_000), any::<bool>()),
            0..10,
        ),
    ) {
        let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
        let list: Vec<Agent> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (name, skills, a, b, max_days, start, dates, off, cost, weekday))| {
                let mut unavailable: Vec<Unavailable> = dates
                    .iter()
                    .map(|&d| Unavailable::Date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(d)))
                    .collect();
                if weekday {
                    unavailable.push(Unavailable::Weekday(Weekday::Sat));
                }
                Agent {
                    agent_id: format!("A{i}"),
                    name,
                    skills: skills.iter().map(|s| s.to_string()).collect(),
                    min_hours_week: f64::from(a.min(b)) / 4.0,
                    max_hours_week: f64::from(a.max(b)) / 4.0 + 1.0,
                    contract: (i % 2 == 0).then(|| "full_time".to_string()),
                    max_days_week: max_days,
                    earliest_start: start.map(|(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap()),
                    latest_end: None,
                    unavailable,
                    preferred_days_off: off.iter().map(|&d| days[d as usize]).collect(),
                    hourly_cost: cost.map(|c| f64::from(c) / 100.0),
                    site: (i % 3 == 0).then(|| "shanghai".to_string()),
                }
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        agents::write_agents(&path, &list).unwrap();
        prop_assert_eq!(agents::read_agents(&path).unwrap(), list);
    }

    #[test]
    fn aggregation_conserves_contacts(
        arrivals in proptest::collection::vec((0i64..(3 * 86_400), any::<bool>(), 0usize..2), 1..200),
    ) {
        // Three days around the spring-forward change, 24h open: every contact lands in exactly
        // one interval, so the interval counts sum to the number of contacts.
        let ny = new_york();
        let t0 = time::start_of_day(NaiveDate::from_ymd_opt(2025, 3, 8).unwrap(), ny);
        let log: Vec<ContactRecord> = arrivals
            .iter()
            .map(|&(s, abandoned, q)| ContactRecord {
                arrived_at: t0 + Duration::seconds(s),
                queue: ["voice", "chat"][q].to_string(),
                handle_seconds: (!abandoned).then_some(120.0),
                abandoned,
            })
            .collect();
        let grid = IntervalGrid::new(ny, 15).unwrap();
        let h = contact_log::aggregate_with_hours(&log, &grid, Some(&OpeningHours::always()));
        let total: f64 = h.queues.values().flatten().map(|r| r.contacts).sum();
        prop_assert_eq!(total, log.len() as f64);
        for recs in h.queues.values() {
            for w in recs.windows(2) {
                prop_assert_eq!(w[1].interval_start - w[0].interval_start, Duration::minutes(15));
            }
        }
    }
}
