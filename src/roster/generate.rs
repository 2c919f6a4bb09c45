//! Seeded random rostering instances for tests and benchmarks.
//!
//! [`instance`] makes `agents` agents and `weeks` planning weeks of shift seats (from Monday
//! 2025-01-06, Europe/London) shaped like a contact centre: three queues (voice, chat, email),
//! 70% full-time contracts (32–40 h, 5 days) and 30% part-time (16–24 h, 4 days), five pay
//! rates, mixed skills, some unavailable weekdays and dates, preferred days off, and earliest
//! start / latest end limits. Demand per queue is about 90% of the contract hours of the agents
//! who hold the skill (each agent's target hours split evenly over its skills), with weekday
//! volume above the weekend, 8-hour shifts (30-minute unpaid lunch) from 07:00 to 14:00 starts,
//! 5-hour part-day shifts and a few voice night shifts. The same arguments give the same
//! instance.

use chrono::{Duration, NaiveDate, NaiveTime, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::RosterConfig;
use super::{Agent, ShiftRow};
use crate::io::agents::Unavailable;
use crate::site::{QueueConfig, Site, SiteSection};
use crate::time::{self, Stamp};

/// A generated instance.
#[derive(Debug, Clone)]
pub struct Instance {
    pub shifts: Vec<ShiftRow>,
    pub agents: Vec<Agent>,
    pub site: Site,
    /// `[roster]` rules: the defaults.
    pub config: RosterConfig,
}

/// The `[site]` and `[[queues]]` of generated instances, as plan.toml writes them.
pub const SITE_TOML: &str = r#"
[site]
time_zone = "Europe/London"
interval_minutes = 30
[[queues]]
name = "voice"
channel = "voice"
service_level = 0.8
target_answer_seconds = 20
[[queues]]
name = "chat"
channel = "chat"
service_level = 0.8
target_answer_seconds = 30
concurrency = 3
[[queues]]
name = "email"
channel = "email"
deadline_minutes = 120
"#;

const QUEUES: [&str; 3] = ["voice", "chat", "email"];
const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The site of [`SITE_TOML`].
fn generated_site() -> Site {
    #[derive(serde::Deserialize)]
    struct Sections {
        site: SiteSection,
        queues: Vec<QueueConfig>,
    }
    let sections: Sections = toml::from_str(SITE_TOML).expect("the built-in site parses");
    Site::from_sections("generated plan.toml", &sections.site, sections.queues)
        .expect("the built-in site is valid")
}

/// Generate `agents` agents and `weeks` weeks of shifts from `seed`.
pub fn instance(agents: usize, weeks: u32, seed: u64) -> Instance {
    let site = generated_site();
    let tz = site.time_zone();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let first = NaiveDate::from_ymd_opt(2025, 1, 6).expect("valid date");
    let days = weeks as i64 * 7;
    let hm = |h: u32, m: u32| NaiveTime::from_hms_opt(h, m, 0).expect("valid time");

    let mut out_agents = Vec::with_capacity(agents);
    let mut queue_hours = [0.0f64; 3];
    for i in 0..agents {
        let full_time = rng.random_bool(0.7);
        let (min_h, max_h, max_days, target) =
            if full_time { (32.0, 40.0, 5, 36.0) } else { (16.0, 24.0, 4, 20.0) };
        let r: f64 = rng.random();
        let skills: Vec<usize> = if r < 0.4 {
            vec![0]
        } else if r < 0.7 {
            vec![0, 1]
        } else if r < 0.8 {
            vec![1]
        } else if r < 0.9 {
            vec![1, 2]
        } else {
            vec![0, 1, 2]
        };
        for &q in &skills {
            queue_hours[q] += target / skills.len() as f64;
        }
        let rate = [18.0, 20.0, 22.0, 25.0, 28.0][rng.random_range(0..5)];
        let mut unavailable = Vec::new();
        if rng.random_bool(0.2) {
            unavailable.push(Unavailable::Weekday(WEEKDAYS[rng.random_range(0..7)]));
        }
        if rng.random_bool(0.1) {
            unavailable.push(Unavailable::Date(first + Duration::days(rng.random_range(0..days))));
        }
        let preferred_days_off = if rng.random_bool(0.5) {
            let d = rng.random_range(0..7);
            vec![WEEKDAYS[d], WEEKDAYS[(d + 1) % 7]]
        } else {
            Vec::new()
        };
        let window: f64 = rng.random();
        let (earliest_start, latest_end) = if window < 0.15 {
            (Some(hm(9, 0)), None)
        } else if window < 0.3 {
            (None, Some(hm(19, 0)))
        } else {
            (None, None)
        };
        out_agents.push(Agent {
            agent_id: format!("A{:05}", i + 1),
            name: format!("Agent {}", i + 1),
            skills: skills.iter().map(|&q| QUEUES[q].to_string()).collect(),
            min_hours_week: min_h,
            max_hours_week: max_h,
            contract: Some(if full_time { "full_time" } else { "part_time" }.to_string()),
            max_days_week: Some(max_days),
            earliest_start,
            latest_end,
            unavailable,
            preferred_days_off,
            hourly_cost: Some(rate),
            site: None,
        });
    }

    // Demand: the target hours above, 90% of the contract maxima, well above the minima.
    let day_weight = [1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.55];
    let weight_sum: f64 = day_weight.iter().sum();
    let long_starts =
        [(7, 0), (7, 30), (8, 0), (8, 30), (9, 0), (10, 0), (11, 0), (12, 0), (13, 0), (14, 0)];
    let short_starts = [(9, 0), (10, 0), (12, 0), (16, 0), (17, 0)];
    let mut shifts = Vec::new();
    let stamp = |date: NaiveDate, h: u32, m: u32| {
        time::from_local(date.and_time(hm(h, m)), tz).expect("no DST gap in January")
    };
    for d in 0..days {
        let date = first + Duration::days(d);
        let wd = (d % 7) as usize;
        for (q, queue) in QUEUES.iter().enumerate() {
            let hours = queue_hours[q] * day_weight[wd] / weight_sum;
            let night = if q == 0 { (hours * 0.02 / 8.0).round() as u32 } else { 0 };
            let long = ((hours * 0.8 / 8.0).round() as u32).saturating_sub(night);
            let short = (hours * 0.2 / 5.0).round() as u32;
            let mut push = |start: Stamp, end: Stamp, paid: u32, breaks: Vec<(Stamp, Stamp)>| {
                let k = shifts.len();
                shifts.push(ShiftRow {
                    shift_id: format!("{queue}-{}-{}-{paid}-{k}", date, start.format("%H%M")),
                    queue: queue.to_string(),
                    date,
                    shift_start: start,
                    shift_end: end,
                    paid_minutes: paid,
                    breaks,
                    fill_priority: 0,
                });
            };
            for _ in 0..long {
                let (h, m) = long_starts[rng.random_range(0..long_starts.len())];
                let start = stamp(date, h, m);
                let lunch = start + Duration::minutes(240);
                push(
                    start,
                    start + Duration::minutes(510),
                    480,
                    vec![(lunch, lunch + Duration::minutes(30))],
                );
            }
            for _ in 0..short {
                let (h, m) = short_starts[rng.random_range(0..short_starts.len())];
                let start = stamp(date, h, m);
                push(start, start + Duration::minutes(300), 300, Vec::new());
            }
            for _ in 0..night {
                let start = stamp(date, 22, 0);
                let lunch = start + Duration::minutes(240);
                push(
                    start,
                    start + Duration::minutes(510),
                    480,
                    vec![(lunch, lunch + Duration::minutes(30))],
                );
            }
        }
    }
    Instance { shifts, agents: out_agents, site, config: RosterConfig::default() }
}
