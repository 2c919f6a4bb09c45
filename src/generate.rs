//! The deterministic sample data set: two years of 15-minute history of a Shanghai contact centre
//! with four queues, its calendar of events, 120 agents and the plan.toml that describes it.
//!
//! `generate(seed, out_dir)` writes `history.csv`, `events.csv`, `agents.csv`,
//! `contact_log_sample.csv` and `plan.toml`. The same seed gives byte-identical files (one
//! ChaCha8 stream per file, ordered collections only). The centre reproduces the domain facts of
//! DESIGN.md:
//!
//! * **Level and growth.** A normal weekday of the last history week (ending Sunday 2026-11-22)
//!   has about 5,000 contacts; volume grows 20% a year (`level(t) = 5000 · 1.2^((t − t_end)/365.25)`),
//!   with a mild winter-high yearly cycle (±4%).
//! * **Channel mix** 42% voice, 38% chat, 12% email, 8% social.
//! * **Week.** Monday–Friday factors 1.10, 1.02, 1.00, 0.97, 0.91 (mean 1); Saturday 0.68 and
//!   Sunday 0.62, i.e. the weekend about 35% below weekdays, with handle time 15% longer.
//! * **Day of month.** Billing days 1–3 +8%, the mid-month payday (15th) +5%, the last day +6%.
//! * **Intraday.** Open 08:00–21:00; hourly shares put 28% of a day's contacts in 09:00–11:00 and
//!   24% in 14:00–16:00, spread smoothly over the quarter hours.
//! * **Handle time.** Voice 270 s (4.5 min), chat 258 s (4.3 min), email 360 s, social 180 s;
//!   an interval's AHT is the mean of its contacts' handle times (coefficient of variation 0.8,
//!   so the interval mean has standard deviation `0.8·aht/√n`).
//! * **Events.** Chinese public holidays (New Year, Spring Festival, Qingming, Labour Day, Dragon
//!   Boat, Mid-Autumn, National Day) dip to 35–60% of normal, and the first two open days after
//!   rebound (+25%, +10%); the 618 and 11.11 sales weeks run at 1.6×, Double 12 at 1.3×; a
//!   voice campaign at 1.15×; one afternoon ACD outage (2025-08-14 14:00–18:00) has no rows at
//!   all — a closure the reader reports as a gap — and the hour after it rebounds by 30%.
//! * **Noise.** A day-level log-normal factor (σ = 4%, shared by the queues, plus 2% per queue)
//!   and Poisson counts per interval.
//!
//! The events file also lists the next year's events (the 2027 holiday dates are estimated from
//! the lunar calendar: the official schedule is published late each year) and a voice campaign
//! in the planning week Mon 2026-11-23 – Sun 2026-11-29.
//!
//! The agents are sized for that week: the peak voice quarter hour of a Monday is about 100
//! calls (≈ 30 erlangs at 270 s, ≈ 34 agents at 80/20), and the last history week's load
//! (Σ contacts × AHT, chat divided by its concurrency of 3, at 85% occupancy) needs about 3,200
//! paid hours after 30% shrinkage. 90 full-time (32–40 h: four or five 8-hour days) and 30
//! part-time (16–30 h) agents offer 4,327 hours at most (1.36×) and owe 3,412 at least: room for
//! the service-level margin of Erlang C and for shift shapes, but not lavish, and the contract
//! minima stay below what the week's schedule needs so nobody is rostered to idle.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};
use serde::Serialize;

use crate::error::FileError;
use crate::io::agents::{write_agents, Agent, Unavailable};
use crate::io::events::{write_events, Event, EventKind};
use crate::io::history::{write_history, History, HistoryRecord};
use crate::io::table::{fmt_num, write_atomic, write_csv_atomic};
use crate::time::{self, IntervalGrid, Stamp};

/// The plan.toml of the sample site: `data/plan.toml` itself, compiled in, so the generator and
/// the shipped file cannot drift apart.
pub const PLAN_TOML: &str = include_str!("../data/plan.toml");

/// Last day of the generated history (a Sunday); the next planning week starts the day after.
pub fn history_last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).expect("valid date")
}

/// First day of the generated history: 104 weeks before the planning week.
pub fn history_first_day() -> NaiveDate {
    history_last_day() - Duration::days(104 * 7 - 1)
}

/// Contacts on a normal weekday at the end of the history (all queues).
pub const WEEKDAY_CONTACTS: f64 = 5000.0;
/// Yearly growth factor of volume.
pub const YEARLY_GROWTH: f64 = 1.20;
/// Queues with their channel share and mean handle time in seconds on weekdays.
pub const QUEUES: [(&str, f64, f64); 4] = [
    ("voice", 0.42, 270.0),
    ("chat", 0.38, 258.0),
    ("email", 0.12, 360.0),
    ("social", 0.08, 180.0),
];
/// Day-of-week volume factors, Monday first (weekday mean 1, weekend mean 0.65).
pub const WEEKDAY_FACTORS: [f64; 7] = [1.10, 1.02, 1.00, 0.97, 0.91, 0.68, 0.62];
/// Handle time factor on Saturdays and Sundays.
pub const WEEKEND_AHT_FACTOR: f64 = 1.15;
/// Opening hours of the sample site (local), `[OPEN_HOUR, CLOSE_HOUR)`.
pub const OPEN_HOUR: u32 = 8;
pub const CLOSE_HOUR: u32 = 21;
/// Share of a day's contacts in each opening hour 08..21; 09–11 hold 28%, 14–16 hold 24%.
pub const HOURLY_SHARES: [f64; 13] =
    [0.045, 0.14, 0.14, 0.09, 0.065, 0.08, 0.12, 0.12, 0.075, 0.045, 0.03, 0.025, 0.025];

/// What `generate` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct GenerateSummary {
    pub seed: u64,
    pub files: Vec<PathBuf>,
    pub history_first_day: String,
    pub history_last_day: String,
    pub history_rows: usize,
    pub contacts_by_queue: BTreeMap<String, u64>,
    pub events: usize,
    pub agents: usize,
    pub agents_max_hours_week: f64,
    pub contact_log_rows: usize,
}

/// One event of the sample calendar with the effect the generator applies.
struct SampleEvent {
    event: Event,
    /// The multiplier applied to volume (the file declares it only for promotions/campaigns).
    effect: f64,
    /// Whether the first open days after the event rebound.
    rebound: bool,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

/// The sample calendar: holidays (dips), promotions, campaigns and one closure.
fn sample_events() -> Vec<SampleEvent> {
    use EventKind::*;
    let day_span = |a: NaiveDate, b: NaiveDate| {
        (a.and_time(NaiveTime::MIN), (b + Duration::days(1)).and_time(NaiveTime::MIN))
    };
    let mut out = Vec::new();
    let mut add =
        |a: NaiveDate, b: NaiveDate, kind, name: &str, queue: Option<&str>, effect: f64| {
            let (start, end) = day_span(a, b);
            let declared = matches!(kind, Promotion | Campaign).then_some(effect);
            out.push(SampleEvent {
                event: Event {
                    start,
                    end,
                    kind,
                    name: name.to_string(),
                    queue: queue.map(str::to_string),
                    uplift: declared,
                },
                effect,
                rebound: kind == Holiday,
            });
        };
    let (ny, sf, qm, ld, db, ma, nd, nm) = (
        "New Year's Day",
        "Spring Festival",
        "Qingming Festival",
        "Labour Day",
        "Dragon Boat Festival",
        "Mid-Autumn Festival",
        "National Day",
        "National Day and Mid-Autumn Festival",
    );
    let (p618, p1111, p1212) =
        ("618 mid-year sales week", "Singles' Day 11.11 sales week", "Double 12 sale");
    let campaign = "Winter membership campaign";
    add(d(2024, 12, 12), d(2024, 12, 12), Promotion, p1212, None, 1.3);
    add(d(2025, 1, 1), d(2025, 1, 1), Holiday, ny, None, 0.6);
    add(d(2025, 1, 28), d(2025, 2, 4), Holiday, sf, None, 0.35);
    add(d(2025, 4, 4), d(2025, 4, 6), Holiday, qm, None, 0.55);
    add(d(2025, 5, 1), d(2025, 5, 5), Holiday, ld, None, 0.5);
    add(d(2025, 5, 31), d(2025, 6, 2), Holiday, db, None, 0.55);
    add(d(2025, 6, 12), d(2025, 6, 18), Promotion, p618, None, 1.6);
    add(
        d(2025, 9, 10),
        d(2025, 9, 12),
        Campaign,
        "Autumn membership campaign",
        Some("voice"),
        1.15,
    );
    add(d(2025, 10, 1), d(2025, 10, 8), Holiday, nm, None, 0.45);
    add(d(2025, 11, 5), d(2025, 11, 11), Promotion, p1111, None, 1.6);
    add(d(2025, 12, 12), d(2025, 12, 12), Promotion, p1212, None, 1.3);
    add(d(2026, 1, 1), d(2026, 1, 3), Holiday, ny, None, 0.6);
    add(d(2026, 2, 15), d(2026, 2, 23), Holiday, sf, None, 0.35);
    add(d(2026, 4, 4), d(2026, 4, 6), Holiday, qm, None, 0.55);
    add(d(2026, 5, 1), d(2026, 5, 5), Holiday, ld, None, 0.5);
    add(d(2026, 6, 12), d(2026, 6, 18), Promotion, p618, None, 1.6);
    add(d(2026, 6, 19), d(2026, 6, 21), Holiday, db, None, 0.55);
    add(d(2026, 9, 25), d(2026, 9, 27), Holiday, ma, None, 0.55);
    add(d(2026, 10, 1), d(2026, 10, 7), Holiday, nd, None, 0.45);
    add(d(2026, 11, 5), d(2026, 11, 11), Promotion, p1111, None, 1.6);
    // The planning week and the year after (2027 holiday dates estimated).
    add(d(2026, 11, 25), d(2026, 11, 27), Campaign, campaign, Some("voice"), 1.15);
    add(d(2026, 12, 12), d(2026, 12, 12), Promotion, p1212, None, 1.3);
    add(d(2027, 1, 1), d(2027, 1, 3), Holiday, ny, None, 0.6);
    add(d(2027, 2, 5), d(2027, 2, 13), Holiday, sf, None, 0.35);
    add(d(2027, 4, 3), d(2027, 4, 5), Holiday, qm, None, 0.55);
    add(d(2027, 5, 1), d(2027, 5, 5), Holiday, ld, None, 0.5);
    add(d(2027, 6, 9), d(2027, 6, 11), Holiday, db, None, 0.55);
    add(d(2027, 6, 12), d(2027, 6, 18), Promotion, p618, None, 1.6);
    add(d(2027, 9, 15), d(2027, 9, 17), Holiday, ma, None, 0.55);
    add(d(2027, 10, 1), d(2027, 10, 7), Holiday, nd, None, 0.45);
    add(d(2027, 11, 5), d(2027, 11, 11), Promotion, p1111, None, 1.6);
    // The outage: the centre could not take contacts; no rows exist for these intervals.
    out.push(SampleEvent {
        event: Event {
            start: d(2025, 8, 14).and_hms_opt(14, 0, 0).expect("valid"),
            end: d(2025, 8, 14).and_hms_opt(18, 0, 0).expect("valid"),
            kind: Closure,
            name: "ACD outage".to_string(),
            queue: None,
            uplift: None,
        },
        effect: 0.0,
        rebound: false,
    });
    out.sort_by(|a, b| a.event.start.cmp(&b.event.start).then(a.event.name.cmp(&b.event.name)));
    out
}

/// Share of a day's contacts in each 15-minute interval from 08:00 (52 values, sum 1): each
/// hour keeps its [`HOURLY_SHARES`] total, split over its quarters by linear interpolation of the
/// hourly density so the curve has no steps.
pub fn intraday_shares() -> Vec<f64> {
    let h = HOURLY_SHARES;
    let n = h.len();
    let mut out = Vec::with_capacity(n * 4);
    for i in 0..n {
        let prev = if i == 0 { h[0] } else { h[i - 1] };
        let next = if i + 1 == n { h[n - 1] } else { h[i + 1] };
        // Density at quarter centres 0.125, 0.375, 0.625, 0.875 of the hour.
        let w: Vec<f64> = [0.125, 0.375, 0.625, 0.875]
            .iter()
            .map(|&x: &f64| {
                if x < 0.5 {
                    h[i] + (prev - h[i]) * (0.5 - x)
                } else {
                    h[i] + (next - h[i]) * (x - 0.5)
                }
            })
            .collect();
        let total: f64 = w.iter().sum();
        out.extend(w.iter().map(|v| v / total * h[i]));
    }
    out
}

/// Day-of-month factor: billing days 1–3, the 15th (payday), the last day of the month.
fn day_of_month_factor(date: NaiveDate) -> f64 {
    let last = (date + Duration::days(1)).month() != date.month();
    match date.day() {
        1..=3 => 1.08,
        15 => 1.05,
        _ if last => 1.06,
        _ => 1.0,
    }
}

/// Volume multiplier of the events covering a date for a queue, and the rebound after holidays.
fn event_factor(events: &[SampleEvent], date: NaiveDate, queue: &str) -> f64 {
    let noon = date.and_hms_opt(12, 0, 0).expect("valid");
    let mut f = 1.0;
    let mut in_holiday = false;
    for e in events {
        if e.event.kind != EventKind::Closure && e.event.applies_to(queue) && e.event.contains(noon)
        {
            f *= e.effect;
            in_holiday |= e.rebound;
        }
    }
    if !in_holiday {
        // First and second open day after a holiday.
        for e in events.iter().filter(|e| e.rebound) {
            let end = e.event.end.date();
            if date == end {
                f *= 1.25;
            } else if date == end + Duration::days(1) {
                f *= 1.10;
            }
        }
    }
    f
}

fn closure_at(events: &[SampleEvent], local: chrono::NaiveDateTime) -> bool {
    events.iter().any(|e| e.event.kind == EventKind::Closure && e.event.contains(local))
}

fn after_closure(events: &[SampleEvent], local: chrono::NaiveDateTime) -> bool {
    events.iter().any(|e| {
        e.event.kind == EventKind::Closure
            && local >= e.event.end
            && local < e.event.end + Duration::hours(1)
    })
}

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    Poisson::new(lambda).map(|p| p.sample(rng) as u64).unwrap_or(0)
}

/// Generate the history.
fn generate_history(seed: u64, grid: &IntervalGrid, events: &[SampleEvent]) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1);
    let std_normal: Normal<f64> = Normal::new(0.0, 1.0).expect("valid");
    let shares = intraday_shares();
    let (first, last) = (history_first_day(), history_last_day());
    let mut queues: BTreeMap<String, Vec<HistoryRecord>> = BTreeMap::new();
    let mut date = first;
    while date <= last {
        let years_to_end = (date - last).num_days() as f64 / 365.25;
        let level = WEEKDAY_CONTACTS * YEARLY_GROWTH.powf(years_to_end);
        let season = 1.0
            + 0.04 * (2.0 * std::f64::consts::PI * (date.ordinal() as f64 - 15.0) / 365.25).cos();
        let weekday = date.weekday().num_days_from_monday() as usize;
        let weekend = weekday >= 5;
        let day_noise = (0.04 * std_normal.sample(&mut rng)).exp();
        let base =
            level * season * WEEKDAY_FACTORS[weekday] * day_of_month_factor(date) * day_noise;
        for (name, mix, aht) in QUEUES {
            let queue_noise = (0.02 * std_normal.sample(&mut rng)).exp();
            let daily = base * mix * queue_noise * event_factor(events, date, name);
            let aht_day = if weekend { aht * WEEKEND_AHT_FACTOR } else { aht };
            let records = queues.entry(name.to_string()).or_default();
            for (slot, share) in shares.iter().enumerate() {
                let minute = OPEN_HOUR * 60 + 15 * slot as u32;
                let local = date.and_hms_opt(minute / 60, minute % 60, 0).expect("valid");
                if closure_at(events, local) {
                    continue;
                }
                let rebound = if after_closure(events, local) { 1.3 } else { 1.0 };
                let contacts = poisson(&mut rng, daily * share * rebound);
                let z: f64 = std_normal.sample(&mut rng);
                let aht_seconds = (contacts > 0).then(|| {
                    let sd = 0.8 / (contacts as f64).sqrt();
                    (aht_day * (1.0 + sd * z).max(0.3)).round()
                });
                let stamp =
                    time::from_local(local, grid.tz).expect("Asia/Shanghai has no DST gaps");
                records.push(HistoryRecord {
                    interval_start: stamp,
                    queue: name.to_string(),
                    contacts: contacts as f64,
                    aht_seconds,
                });
            }
        }
        date += Duration::days(1);
    }
    History { interval_minutes: grid.interval_minutes, queues, gaps: Vec::new() }
}

/// One day of individual contacts behind the history's intervals (what an ACD export looks like),
/// for `shiftcast history aggregate`: counts per interval equal the history's; handle times are
/// exponential-like around the interval's AHT; 4% of voice and 3% of chat contacts abandon and
/// count as offered but have no handle time (so the log's AHT differs slightly from history's).
fn contact_log_rows(seed: u64, history: &History, date: NaiveDate) -> Vec<[String; 4]> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(3);
    let mut rows: Vec<(Stamp, String, [String; 4])> = Vec::new();
    for (queue, records) in &history.queues {
        let abandon = match queue.as_str() {
            "voice" => 0.04,
            "chat" => 0.03,
            _ => 0.0,
        };
        for r in records.iter().filter(|r| r.interval_start.date_naive() == date) {
            let aht = r.aht_seconds.unwrap_or(0.0);
            for _ in 0..r.contacts as u64 {
                let at = r.interval_start + Duration::seconds(rng.random_range(0..900));
                let abandoned = rng.random::<f64>() < abandon;
                // Gamma(2)-shaped handle time with mean `aht`: sum of two exponentials.
                let u1: f64 = rng.random::<f64>().max(1e-12);
                let u2: f64 = rng.random::<f64>().max(1e-12);
                let handle = (-(u1.ln() + u2.ln()) * aht / 2.0).round().max(10.0);
                let text = at.format("%Y-%m-%dT%H:%M:%S").to_string();
                rows.push((
                    at,
                    queue.clone(),
                    [
                        text,
                        queue.clone(),
                        if abandoned { String::new() } else { fmt_num(handle, 0) },
                        abandoned.to_string(),
                    ],
                ));
            }
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    rows.into_iter().map(|r| r.2).collect()
}

const SURNAMES: [&str; 24] = [
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma",
    "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang", "Xie", "Song",
];
const GIVEN: [&str; 30] = [
    "Wei", "Fang", "Na", "Min", "Jing", "Lei", "Yang", "Jun", "Yan", "Tao", "Ming", "Chao", "Xiu",
    "Hua", "Ping", "Gang", "Hui", "Lin", "Jie", "Qiang", "Ying", "Xin", "Yu", "Hao", "Lan", "Bo",
    "Ting", "Kai", "Mei", "Rui",
];

/// Skill mix of the 120 agents (count, skills): voice 77, chat 43, email 28, social 24.
///
/// Social is 8% of the contacts but answered within 15 minutes, 13 hours a day, 7 days a week:
/// about 85 seats a week. A social team of 14 (at most 65 agent-days) could never fill them,
/// whatever the roster, so the sample blends the text channels as centres do: 9 chat agents
/// and 8 email agents also take social messages.
const SKILL_GROUPS: [(usize, &str); 10] = [
    (50, "voice"),
    (6, "voice;email"),
    (8, "chat"),
    (18, "voice;chat"),
    (6, "email"),
    (8, "chat;email"),
    (8, "email;social"),
    (4, "social"),
    (3, "voice;social"),
    (9, "social;chat"),
];

/// Agents: 90 full-time and 30 part-time (six voice agents blended with email so that the
/// scarce email skill covers the sample week), skills per [`SKILL_GROUPS`], some time windows,
/// unavailability in the planning week and preferred days off.
fn generate_agents(seed: u64) -> Vec<Agent> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(2);
    let mut skills: Vec<&str> =
        SKILL_GROUPS.iter().flat_map(|(n, s)| std::iter::repeat_n(*s, *n)).collect();
    // Shuffle (Fisher–Yates) so contracts and skills are not correlated by position.
    for i in (1..skills.len()).rev() {
        let j = rng.random_range(0..=i);
        skills.swap(i, j);
    }
    let week = d(2026, 11, 23);
    let weekdays = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    let mut used_names = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(skills.len());
    for (i, skill) in skills.iter().enumerate() {
        let full_time = i % 4 != 3; // 90 of 120
        let name = loop {
            let n = format!(
                "{} {}",
                SURNAMES[rng.random_range(0..SURNAMES.len())],
                GIVEN[rng.random_range(0..GIVEN.len())]
            );
            if used_names.insert(n.clone()) {
                break n;
            }
        };
        let (min_h, max_h, days, cost) = if full_time {
            (32.0, 40.0, 5, 40.0 + f64::from(rng.random_range(0..6u32)))
        } else {
            let max = [20.0, 24.0, 25.0, 30.0][rng.random_range(0..4)];
            (
                max - 8.0_f64.min(max - 16.0),
                max,
                if max >= 25.0 { 5 } else { 4 },
                34.0 + f64::from(rng.random_range(0..3u32)),
            )
        };
        let roll: f64 = rng.random();
        let (earliest_start, latest_end) = if !full_time && roll < 0.3 {
            (Some(NaiveTime::from_hms_opt(13, 0, 0).expect("valid")), None)
        } else if roll < 0.12 {
            (None, Some(NaiveTime::from_hms_opt(18, 0, 0).expect("valid")))
        } else if roll < 0.18 {
            (Some(NaiveTime::from_hms_opt(10, 0, 0).expect("valid")), None)
        } else {
            (None, None)
        };
        let mut unavailable = Vec::new();
        let roll: f64 = rng.random();
        if roll < 0.06 {
            // A few days of leave in the planning week.
            let startd = rng.random_range(0..5);
            for k in startd..(startd + 3).min(7) {
                unavailable.push(Unavailable::Date(week + Duration::days(k)));
            }
        } else if roll < 0.14 {
            unavailable.push(Unavailable::Date(week + Duration::days(rng.random_range(0..7))));
        } else if roll < 0.18 {
            unavailable.push(Unavailable::Weekday(if full_time {
                Weekday::Sun
            } else {
                Weekday::Sat
            }));
        }
        let mut preferred_days_off = Vec::new();
        let roll: f64 = rng.random();
        if roll < 0.25 {
            preferred_days_off = vec![Weekday::Sat, Weekday::Sun];
        } else if roll < 0.40 {
            let k = rng.random_range(0..6);
            preferred_days_off = vec![weekdays[k], weekdays[k + 1]];
        }
        out.push(Agent {
            agent_id: format!("A{:03}", i + 1),
            name,
            skills: skill.split(';').map(str::to_string).collect(),
            min_hours_week: min_h,
            max_hours_week: max_h,
            contract: Some(if full_time { "full_time" } else { "part_time" }.to_string()),
            max_days_week: Some(days),
            earliest_start,
            latest_end,
            unavailable,
            preferred_days_off,
            hourly_cost: Some(cost),
            site: Some("shanghai".to_string()),
        });
    }
    out
}

/// Generate the whole sample data set into `out_dir` (created if needed).
pub fn generate(seed: u64, out_dir: &Path) -> Result<GenerateSummary, FileError> {
    std::fs::create_dir_all(out_dir).map_err(|e| FileError::io(out_dir, e))?;
    let tz = time::parse_time_zone("Asia/Shanghai")?;
    let grid = IntervalGrid::new(tz, 15)?;
    let events = sample_events();
    let history = generate_history(seed, &grid, &events);
    let agents = generate_agents(seed);
    let log_day = d(2026, 11, 16);
    let log = contact_log_rows(seed, &history, log_day);

    let path = |name: &str| out_dir.join(name);
    write_history(&path("history.csv"), &history)?;
    let event_list: Vec<Event> = events.iter().map(|e| e.event.clone()).collect();
    write_events(&path("events.csv"), &event_list)?;
    write_agents(&path("agents.csv"), &agents)?;
    write_csv_atomic(
        &path("contact_log_sample.csv"),
        &crate::io::contact_log::CONTACT_LOG_COLUMNS,
        log.iter().map(|r| r.iter()),
    )?;
    write_atomic(&path("plan.toml"), |w| {
        w.write_all(PLAN_TOML.as_bytes()).map_err(|e| FileError::io(path("plan.toml"), e))
    })?;

    let contacts_by_queue = history
        .queues
        .iter()
        .map(|(q, r)| (q.clone(), r.iter().map(|r| r.contacts as u64).sum()))
        .collect();
    Ok(GenerateSummary {
        seed,
        files: ["history.csv", "events.csv", "agents.csv", "contact_log_sample.csv", "plan.toml"]
            .iter()
            .map(|f| path(f))
            .collect(),
        history_first_day: history_first_day().to_string(),
        history_last_day: history_last_day().to_string(),
        history_rows: history.len(),
        contacts_by_queue,
        events: event_list.len(),
        agents: agents.len(),
        agents_max_hours_week: agents.iter().map(|a| a.max_hours_week).sum(),
        contact_log_rows: log.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intraday_shares_keep_the_hourly_totals() {
        let s = intraday_shares();
        assert_eq!(s.len(), 52);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let hour = |h: usize| s[(h - 8) * 4..(h - 7) * 4].iter().sum::<f64>();
        assert!((hour(9) + hour(10) - 0.28).abs() < 1e-12);
        assert!((hour(14) + hour(15) - 0.24).abs() < 1e-12);
    }

    #[test]
    fn history_ends_on_the_sunday_before_the_planning_week() {
        assert_eq!(history_last_day().weekday(), Weekday::Sun);
        assert_eq!(history_first_day().weekday(), Weekday::Mon);
        assert_eq!((history_last_day() - history_first_day()).num_days() + 1, 728);
    }

    #[test]
    fn weekday_factors_give_a_weekend_35_percent_lower() {
        let weekday = WEEKDAY_FACTORS[..5].iter().sum::<f64>() / 5.0;
        let weekend = WEEKDAY_FACTORS[5..].iter().sum::<f64>() / 2.0;
        assert!((weekday - 1.0).abs() < 1e-12);
        assert!((weekend / weekday - 0.65).abs() < 1e-12);
    }
}
