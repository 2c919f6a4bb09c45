//! The sample data generator: its files read back through the public readers and show the domain
//! facts of DESIGN.md (channel mix, weekend dip and longer handle time, intraday peaks, growth,
//! holidays, sales weeks); the same seed gives the same bytes; data/ is exactly seed 42's output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate, Timelike};

use shiftcast::generate;
use shiftcast::io::agents;
use shiftcast::io::events::{self, Event, EventKind};
use shiftcast::io::history::{self, History, ReadHistoryOptions};
use shiftcast::plan::PlanConfig;

const FILES: [&str; 5] =
    ["history.csv", "events.csv", "agents.csv", "contact_log_sample.csv", "plan.toml"];

/// Seed 42 generated once into a temp folder shared by the tests of this file.
fn generated() -> &'static (tempfile::TempDir, History, Vec<Event>) {
    static CELL: OnceLock<(tempfile::TempDir, History, Vec<Event>)> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        generate::generate(42, dir.path()).unwrap();
        let plan = PlanConfig::read(&dir.path().join("plan.toml")).unwrap();
        let o = ReadHistoryOptions {
            tz: plan.site.time_zone(),
            interval_minutes: Some(plan.site.grid.interval_minutes),
            opening_hours: Some(plan.site.opening_hours.clone()),
        };
        let h = history::read_history(&dir.path().join("history.csv"), &o).unwrap();
        let ev = events::read_events(&dir.path().join("events.csv")).unwrap();
        (dir, h, ev)
    })
}

/// Days touched by no event, not within two days after one, not on a day-of-month effect day.
fn ordinary(date: NaiveDate, events: &[Event]) -> bool {
    let touched = events.iter().any(|e| {
        let first = e.start.date();
        let last = e.end.date() + Duration::days(2);
        date >= first && date <= last
    });
    let last_of_month = (date + Duration::days(1)).month() != date.month();
    !touched && !matches!(date.day(), 1..=3 | 15) && !last_of_month
}

/// Per date: (total contacts, contacts per queue, contact-weighted AHT sums per queue).
type Daily = BTreeMap<NaiveDate, (f64, BTreeMap<String, f64>, BTreeMap<String, (f64, f64)>)>;

fn daily(h: &History) -> Daily {
    let mut out: Daily = BTreeMap::new();
    for (q, recs) in &h.queues {
        for r in recs {
            let e = out.entry(r.interval_start.date_naive()).or_default();
            e.0 += r.contacts;
            *e.1.entry(q.clone()).or_default() += r.contacts;
            if let Some(a) = r.aht_seconds {
                let s = e.2.entry(q.clone()).or_default();
                s.0 += a * r.contacts;
                s.1 += r.contacts;
            }
        }
    }
    out
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn channel_mix_is_42_38_12_8() {
    let (_, h, _) = generated();
    let totals: BTreeMap<&str, f64> =
        h.queues.iter().map(|(q, r)| (q.as_str(), r.iter().map(|r| r.contacts).sum())).collect();
    let all: f64 = totals.values().sum();
    for (q, share) in [("voice", 0.42), ("chat", 0.38), ("email", 0.12), ("social", 0.08)] {
        let got = totals[q] / all;
        assert!((got - share).abs() < 0.01, "{q}: {got:.4} vs {share}");
    }
}

#[test]
fn weekends_are_35_percent_lower_with_15_percent_longer_handle_time() {
    let (_, h, ev) = generated();
    let d = daily(h);
    let (mut weekday, mut weekend) = (Vec::new(), Vec::new());
    let mut aht: BTreeMap<(String, bool), (f64, f64)> = BTreeMap::new();
    for (date, (total, _, aht_sums)) in &d {
        if !ordinary(*date, ev) {
            continue;
        }
        let is_weekend = date.weekday().num_days_from_monday() >= 5;
        if is_weekend {
            weekend.push(*total)
        } else {
            weekday.push(*total)
        }
        for (q, (s, n)) in aht_sums {
            let e = aht.entry((q.clone(), is_weekend)).or_default();
            e.0 += s;
            e.1 += n;
        }
    }
    let ratio = mean(&weekend) / mean(&weekday);
    assert!((ratio - 0.65).abs() < 0.03, "weekend/weekday volume {ratio:.3}");
    for (q, base) in [("voice", 270.0), ("chat", 258.0), ("email", 360.0), ("social", 180.0)] {
        let wd = aht[&(q.to_string(), false)];
        let we = aht[&(q.to_string(), true)];
        let (wd, we) = (wd.0 / wd.1, we.0 / we.1);
        assert!((wd / base - 1.0).abs() < 0.03, "{q} weekday AHT {wd:.1} vs {base}");
        assert!((we / wd - 1.15).abs() < 0.03, "{q} weekend/weekday AHT {:.3}", we / wd);
    }
}

#[test]
fn intraday_peaks_hold_28_and_24_percent_of_the_day() {
    let (_, h, ev) = generated();
    let (mut all, mut morning, mut afternoon) = (0.0, 0.0, 0.0);
    for recs in h.queues.values() {
        for r in recs {
            if !ordinary(r.interval_start.date_naive(), ev) {
                continue;
            }
            let hour = r.interval_start.hour();
            all += r.contacts;
            if (9..11).contains(&hour) {
                morning += r.contacts;
            }
            if (14..16).contains(&hour) {
                afternoon += r.contacts;
            }
        }
    }
    assert!((morning / all - 0.28).abs() < 0.01, "09-11 share {:.4}", morning / all);
    assert!((afternoon / all - 0.24).abs() < 0.01, "14-16 share {:.4}", afternoon / all);
}

#[test]
fn volume_grows_20_percent_a_year_to_5000_on_a_normal_weekday() {
    let (_, h, ev) = generated();
    let d = daily(h);
    let last = generate::history_last_day();
    let year = |from: i64, to: i64| -> f64 {
        let v: Vec<f64> = d
            .iter()
            .filter(|(date, _)| {
                let back = (last - **date).num_days();
                back >= from
                    && back < to
                    && ordinary(**date, ev)
                    && date.weekday().num_days_from_monday() < 5
            })
            .map(|(_, (t, _, _))| *t)
            .collect();
        mean(&v)
    };
    let growth = year(0, 364) / year(364, 728);
    assert!((growth - 1.20).abs() < 0.03, "yearly growth {growth:.3}");
    let recent = year(0, 56);
    assert!((recent - 5000.0).abs() < 500.0, "normal weekday of the last 8 weeks: {recent:.0}");
}

#[test]
fn holidays_dip_and_rebound_sales_weeks_peak() {
    let (_, h, ev) = generated();
    let d = daily(h);
    let total = |date: NaiveDate| d[&date].0;
    // Reference: mean of the same weekday in the four ordinary weeks before.
    let reference = |date: NaiveDate| {
        let v: Vec<f64> = (1..=8)
            .map(|k| date - Duration::days(7 * k))
            .filter(|x| ordinary(*x, ev))
            .take(4)
            .map(total)
            .collect();
        assert!(v.len() >= 2, "no ordinary reference days before {date}");
        mean(&v)
    };
    let day = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
    // Spring Festival 2026 (Feb 15-23): about 35% of normal; Feb 24 rebounds about +25%.
    let sf = total(day(2026, 2, 18)) / reference(day(2026, 2, 18));
    assert!(sf < 0.5, "Spring Festival ratio {sf:.2}");
    let rebound = total(day(2026, 2, 24)) / reference(day(2026, 2, 24));
    assert!(rebound > 1.12, "rebound after Spring Festival {rebound:.2}");
    // 11.11 week 2025: about 1.6x normal.
    let week: f64 = (5..=11).map(|dd| total(day(2025, 11, dd))).sum();
    let normal: f64 = (5..=11).map(|dd| reference(day(2025, 11, dd))).sum();
    assert!((week / normal - 1.6).abs() < 0.12, "11.11 week ratio {:.2}", week / normal);
    // Holidays are in the file as holidays.
    let holidays = ev.iter().filter(|e| e.kind == EventKind::Holiday).count();
    assert!(holidays >= 20, "{holidays}");
    assert!(ev.iter().any(|e| e.start.date() > generate::history_last_day()), "next year's events");
}

#[test]
fn the_outage_is_the_only_gap() {
    let (_, h, _) = generated();
    assert_eq!(h.gaps.len(), 4, "{:?}", h.gaps);
    for g in &h.gaps {
        assert_eq!(shiftcast::time::format_local(&g.from), "2025-08-14T14:00");
        assert_eq!(g.intervals, 16);
    }
    // Two years of 08:00-21:00 for four queues, minus the outage.
    assert_eq!(h.len(), 728 * 52 * 4 - 4 * 16);
}

#[test]
fn agents_cover_the_planning_week_workload_without_lavishness() {
    let (dir, h, _) = generated();
    let plan = PlanConfig::read(&dir.path().join("plan.toml")).unwrap();
    let names: Vec<String> = plan.site.queues.iter().map(|q| q.name.clone()).collect();
    let list = agents::read_agents_checked(&dir.path().join("agents.csv"), &names).unwrap();
    assert!((110..=130).contains(&list.len()), "{} agents", list.len());
    // Workload of the last history week (what the planning week resembles), in agent-hours:
    // Σ contacts × AHT / 3600, chat divided by its concurrency, each queue at max occupancy.
    let last = generate::history_last_day();
    let mut work_hours = 0.0;
    // A share_of queue (the VIP line) is part of its host's history.
    for q in plan.site.queues.iter().filter(|q| q.share_of.is_none()) {
        let concurrency = f64::from(q.concurrency.unwrap_or(1));
        let occupancy = q.max_occupancy.unwrap_or(1.0);
        for r in &h.queues[&q.name] {
            if (last - r.interval_start.date_naive()).num_days() < 7 {
                work_hours +=
                    r.contacts * r.aht_seconds.unwrap_or(0.0) / 3600.0 / concurrency / occupancy;
            }
        }
    }
    let paid_needed = work_hours / (1.0 - plan.staffing.shrinkage);
    let offered: f64 = list.iter().map(|a| a.max_hours_week).sum();
    let ratio = offered / paid_needed;
    assert!(
        ratio > 1.05 && ratio < 1.6,
        "offered {offered:.0} h vs load-based need {paid_needed:.0} h ({ratio:.2})"
    );
}

#[test]
fn contact_log_sample_aggregates_to_the_history_counts() {
    let (dir, h, _) = generated();
    let plan = PlanConfig::read(&dir.path().join("plan.toml")).unwrap();
    let log = shiftcast::io::contact_log::read_contact_log(
        &dir.path().join("contact_log_sample.csv"),
        plan.site.time_zone(),
    )
    .unwrap();
    let agg = shiftcast::io::contact_log::aggregate(&log, &plan.site.grid);
    for (q, recs) in &agg.queues {
        let day = recs[0].interval_start.date_naive();
        let original: Vec<f64> = h.queues[q]
            .iter()
            .filter(|r| r.interval_start.date_naive() == day)
            .map(|r| r.contacts)
            .collect();
        let got: Vec<f64> = recs.iter().map(|r| r.contacts).collect();
        assert_eq!(got, original, "{q}");
    }
}

fn read_all(dir: &Path) -> Vec<Vec<u8>> {
    FILES.iter().map(|f| std::fs::read(dir.join(f)).unwrap()).collect()
}

#[test]
fn same_seed_same_bytes_and_data_folder_is_seed_42() {
    let (dir, _, _) = generated();
    let again = tempfile::tempdir().unwrap();
    generate::generate(42, again.path()).unwrap();
    assert!(read_all(dir.path()) == read_all(again.path()), "seed 42 twice differs");
    let shipped = PathBuf::from("data");
    for f in FILES {
        let a = std::fs::read(shipped.join(f)).unwrap();
        let b = std::fs::read(dir.path().join(f)).unwrap();
        assert!(a == b, "data/{f} is not `shiftcast generate --seed 42` output: regenerate it");
    }
    let other = tempfile::tempdir().unwrap();
    generate::generate(43, other.path()).unwrap();
    let (a, b) = (read_all(dir.path()), read_all(other.path()));
    assert!(a[0] != b[0], "seed 43 gave the same history");
    assert!(a[1] == b[1], "the events calendar does not depend on the seed");
    let size: u64 = FILES.iter().map(|f| std::fs::metadata(shipped.join(f)).unwrap().len()).sum();
    assert!(size < 5_000_000, "data/ is {size} bytes");
}
