//! report.html from hand-made records of a small two-queue week: every chart is drawn and holds
//! data, names are escaped, nothing is loaded from a network, and the figures shown are the
//! ones worked out here by hand.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use chrono_tz::Tz;

use shiftcast::io::coverage::CoverageRow;
use shiftcast::io::forecast::ForecastRow;
use shiftcast::io::history::HistoryRecord;
use shiftcast::io::requirements::RequirementRow;
use shiftcast::io::roster::RosterRow;
use shiftcast::io::shifts::ShiftRow;
use shiftcast::report::summary::{
    ForecastAccuracy, ForecastFigures, PlanSummary, QueueTarget, RosterFigures, ScheduleFigures,
    SimulationFigures, StaffingFigures, SummaryInputs,
};
use shiftcast::report::{render, ReportData, SimulatedInterval, WhatifScenario};
use shiftcast::time::Stamp;

const TZ: Tz = chrono_tz::Europe::London;
const VOICE: &str = "voice & <phone>";
const CHAT: &str = "chat";

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn at(date: NaiveDate, minute: u32) -> Stamp {
    TZ.from_local_datetime(&date.and_hms_opt(minute / 60, minute % 60, 0).unwrap()).unwrap()
}

/// Contacts in the 15-minute interval starting at `minute` (open 08:00–20:00): a midday hump.
fn volume(queue: &str, minute: u32) -> f64 {
    let x = (f64::from(minute) - 840.0) / 240.0;
    let base = if queue == VOICE { 40.0 } else { 20.0 };
    (base * (-x * x).exp()).round() + 2.0
}

fn open_minutes() -> impl Iterator<Item = u32> {
    (8 * 60..20 * 60).step_by(15)
}

/// A week of every record type, built so that the figures are easy to work out.
fn fixture() -> ReportData {
    let queues = [VOICE, CHAT];
    let days: Vec<NaiveDate> = (0..7).map(|i| monday() + Duration::days(i)).collect();
    let mut history = Vec::new();
    for back in 1..=28 {
        let date = monday() - Duration::days(back);
        for q in queues {
            for m in open_minutes() {
                history.push(HistoryRecord {
                    interval_start: at(date, m),
                    queue: q.into(),
                    contacts: volume(q, m) + (back % 3) as f64,
                    aht_seconds: Some(240.0),
                });
            }
        }
    }
    history.sort_by(|a, b| (a.interval_start, &a.queue).cmp(&(b.interval_start, &b.queue)));
    let mut forecast = Vec::new();
    let mut requirements = Vec::new();
    let mut coverage = Vec::new();
    let mut simulation = Vec::new();
    for &date in &days {
        for q in queues {
            for m in open_minutes() {
                let contacts = volume(q, m);
                forecast.push(ForecastRow {
                    interval_start: at(date, m),
                    queue: q.into(),
                    contacts,
                    contacts_p10: contacts * 0.8,
                    contacts_p90: contacts * 1.2,
                    aht_seconds: 240.0,
                });
                let required = (contacts / 4.0).ceil() as u32 + 1;
                requirements.push(RequirementRow {
                    interval_start: at(date, m),
                    queue: q.into(),
                    contacts,
                    aht_seconds: 240.0,
                    traffic_erlangs: contacts * 240.0 / 900.0,
                    agents_net: required,
                    agents_gross: required + 1,
                    service_level: 0.85,
                    asa_seconds: 10.0,
                    occupancy: 0.8,
                    abandon_rate: Some(0.02),
                });
                // Short by one agent at 12:00–13:00 on Monday, one over on Saturday.
                let scheduled = match (date.weekday(), m) {
                    (Weekday::Mon, 720..780) => required - 1,
                    (Weekday::Sat, _) => required + 1,
                    _ => required,
                };
                coverage.push(CoverageRow {
                    interval_start: at(date, m),
                    queue: q.into(),
                    required,
                    scheduled,
                    difference: i64::from(scheduled) - i64::from(required),
                    service_level: if scheduled < required { 0.6 } else { 0.85 },
                });
                simulation.push(SimulatedInterval {
                    interval_start: at(date, m),
                    queue: q.into(),
                    offered: contacts,
                    answered: contacts - 1.0,
                    abandoned: 1.0,
                    service_level: Some((contacts * 0.8).floor() / contacts),
                    asa_seconds: Some(12.0),
                });
            }
        }
    }
    // Ten agents, each 09:00–17:00 Monday to Friday with a lunch at 12:00–12:30; agent 0 has a
    // name that needs escaping.
    let mut shifts = Vec::new();
    let mut roster = Vec::new();
    for a in 0..10 {
        let q = if a < 6 { VOICE } else { CHAT };
        for &date in &days[..5] {
            let breaks = vec![(at(date, 720), at(date, 750))];
            shifts.push(ShiftRow {
                shift_id: format!("s{a}-{date}"),
                queue: q.into(),
                date,
                shift_start: at(date, 540),
                shift_end: at(date, 1020),
                paid_minutes: 480,
                breaks: breaks.clone(),
                fill_priority: 0,
            });
            roster.push(RosterRow {
                agent_id: format!("A{a:02}"),
                name: if a == 0 { "O'Neil <Ann> & Co".into() } else { format!("Agent {a}") },
                date,
                queue: q.into(),
                shift_start: at(date, 540),
                shift_end: at(date, 1020),
                paid_minutes: 480,
                breaks,
            });
        }
    }
    let targets = vec![
        QueueTarget {
            name: VOICE.into(),
            channel: "voice".into(),
            service_level_target: Some(0.8),
            target_answer_seconds: Some(20.0),
            max_abandon_rate: Some(0.05),
            deadline_minutes: None,
        },
        QueueTarget {
            name: CHAT.into(),
            channel: "chat".into(),
            service_level_target: Some(0.8),
            target_answer_seconds: Some(30.0),
            max_abandon_rate: None,
            deadline_minutes: None,
        },
    ];
    let targeted: Vec<String> = queues.iter().map(|q| q.to_string()).collect();
    let contacts: BTreeMap<(Stamp, String), f64> =
        forecast.iter().map(|r| ((r.interval_start, r.queue.clone()), r.contacts)).collect();
    let mut forecast_figures = ForecastFigures::from_rows(&forecast);
    forecast_figures.accuracy = Some(ForecastAccuracy {
        method: "auto".into(),
        folds: 4,
        horizon_days: 7,
        first_origin: "2026-10-26".into(),
        wape: 0.071,
        p10_p90_coverage: Some(0.79),
        noise_floor_wape: Some(0.05),
        queues: vec![],
    });
    let cost: BTreeMap<String, f64> = (0..10).map(|a| (format!("A{a:02}"), 20.0)).collect();
    let summary = PlanSummary {
        site: "Test & <Site>".into(),
        time_zone: "Europe/London".into(),
        interval_minutes: 15,
        start: "2026-11-23".into(),
        days: 7,
        seed: 7,
        fte_hours_week: 40.0,
        inputs: SummaryInputs::default(),
        queues: targets,
        forecast: forecast_figures,
        staffing: StaffingFigures::from_rows(&requirements, 15, 7),
        schedule: Some(ScheduleFigures::from_rows(&shifts, &coverage, &contacts, &targeted, 15, 7)),
        roster: Some(RosterFigures {
            currency: Some("EUR".into()),
            ..RosterFigures::from_rows(&roster, &shifts, &coverage, &cost, 15, 7)
        }),
        simulation: Some(SimulationFigures::from_rows(&simulation, &targeted)),
        repair: None,
        notes: vec![],
    };
    ReportData {
        summary,
        tz: TZ,
        history,
        forecast,
        requirements,
        shifts,
        coverage,
        roster,
        simulation,
        simulation_days: Vec::new(),
        whatif: vec![
            WhatifScenario {
                name: "base".into(),
                contacts: 12866.0,
                required_agents_peak: 20,
                paid_hours: 500.0,
                fte: 12.5,
                cost: Some(10000.0),
                service_level: Some(0.82),
                abandon_rate: Some(0.03),
            },
            WhatifScenario {
                name: "volume × 1.6 <peak>".into(),
                contacts: 20585.6,
                required_agents_peak: 30,
                paid_hours: 760.0,
                fte: 19.0,
                cost: Some(15200.0),
                service_level: Some(0.71),
                abandon_rate: Some(0.06),
            },
        ],
        notes: vec![],
    }
}

/// `(id, number of data marks)` of every `<svg class="chart">` in the page.
fn charts(html: &str) -> Vec<(String, usize)> {
    html.split("<svg ")
        .skip(1)
        .map(|chunk| {
            let body = &chunk[..chunk.find("</svg>").expect("every svg is closed")];
            let id_at = body.find("id=\"").expect("every chart has an id") + 4;
            let id = body[id_at..id_at + body[id_at..].find('"').unwrap()].to_string();
            (id, body.matches("class=\"mark\"").count())
        })
        .collect()
}

#[test]
fn every_chart_is_drawn_with_data() {
    let html = render(&fixture());
    let charts = charts(&html);
    let ids: Vec<&str> = charts.iter().map(|c| c.0.as_str()).collect();
    for want in [
        "chart-forecast-0",
        "chart-forecast-1",
        "chart-coverage-0",
        "chart-gap-0",
        "chart-coverage-1",
        "chart-gap-1",
        "chart-sl-0",
        "chart-sl-1",
        "chart-roster",
        "chart-whatif-cost",
        "chart-whatif-sl",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    for (id, marks) in &charts {
        assert!(*marks > 0, "chart {id} has no data marks");
    }
    // The heat map has one cell per open interval of the week: 48 a day × 7.
    assert_eq!(charts.iter().find(|c| c.0 == "chart-gap-0").unwrap().1, 48 * 7);
    // The Gantt has one bar per agent-day.
    assert_eq!(charts.iter().find(|c| c.0 == "chart-roster").unwrap().1, 50);
    if let Some(dir) = option_env!("CARGO_TARGET_TMPDIR") {
        std::fs::write(std::path::Path::new(dir).join("report_fixture.html"), &html).unwrap();
    }
}

#[test]
fn names_are_escaped_and_nothing_loads_from_a_network() {
    let html = render(&fixture());
    assert!(html.contains("O&#39;Neil &lt;Ann&gt; &amp; Co"));
    assert!(html.contains("voice &amp; &lt;phone&gt;"));
    assert!(html.contains("Test &amp; &lt;Site&gt;"));
    assert!(html.contains("volume × 1.6 &lt;peak&gt;"));
    for raw in ["<Ann>", "<phone>", "<Site>", "<peak>"] {
        assert!(!html.contains(raw), "{raw} is not escaped");
    }
    // One inline script (hover values, zoom), loading nothing.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script>") && !html.contains("<script src"));
    assert!(!html.contains("<link") && !html.contains("<img"));
    assert!(!html.contains("@import") && !html.contains("url("));
    let without_namespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_namespace.contains("http://") && !without_namespace.contains("https://"));
}

#[test]
fn key_figures_are_the_hand_worked_ones() {
    let data = fixture();
    let s = &data.summary;
    // 10 agents × 5 days × 8 h = 400 paid hours = 10 FTE at 40 h; cost 400 × 20.
    let r = s.roster.as_ref().unwrap();
    assert_eq!(
        (r.agents, r.agent_days, r.paid_hours, r.fte, r.cost),
        (10, 50, 400.0, 10.0, 8000.0)
    );
    assert_eq!(r.unfilled_shifts, 0);
    // Monday 12:00–13:00 is one short in 4 intervals of each of 2 queues.
    let sc = s.schedule.as_ref().unwrap();
    assert_eq!(sc.understaffed_agent_intervals, 8);
    // Saturday: one over in all 48 intervals of 2 queues.
    assert_eq!(sc.overstaffed_agent_intervals, 96);
    let html = render(&data);
    assert!(html.contains("<div class=\"v \">10</div>"), "rostered agents card");
    assert!(html.contains("<div class=\"v \">8,000 EUR</div>"), "cost card, with its currency");
    // 8 agent-intervals of 15 minutes.
    assert!(html.contains("<div class=\"v bad\">2 agent-hours short</div>"), "under-staffing card");
    // The simulated service level is below the 80% target: the card says so in words.
    assert!(html.contains("missed</div>"), "service-level card names its verdict");
    assert!(html.contains("7.1%"), "forecast accuracy card");
}

#[test]
fn a_seat_nobody_works_is_drawn_as_an_unfilled_bar() {
    let mut data = fixture();
    let removed = data.roster.remove(3);
    let html = render(&data);
    let gantt = charts(&html).into_iter().find(|c| c.0 == "chart-roster").unwrap();
    // 49 agent-days and the one unfilled seat.
    assert_eq!(gantt.1, 50);
    let tip = format!("unfilled {} seat", shiftcast::report::svg::escape(&removed.queue));
    assert!(html.contains(&tip), "no bar titled {tip:?}");
}

/// The words of the glance table's row for `queue`, one per day then the week.
fn glance_row(html: &str, queue: &str) -> Vec<String> {
    let table = &html[html.find("<table class=\"glance\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let row = table
        .split("<tr>")
        .find(|r| r.starts_with(&format!("<th scope=\"row\">{queue}<")))
        .unwrap_or_else(|| panic!("no glance row for {queue}"));
    row.split("<td")
        .skip(1)
        .map(|cell| {
            let text = &cell[cell.find('>').unwrap() + 1..];
            text[..text.find(['<']).unwrap()].to_string()
        })
        .collect()
}

#[test]
fn the_top_of_the_page_says_met_or_missed_per_queue_and_day() {
    let mut data = fixture();
    // Chat answers 90% in time on Monday and 70% on the other days; voice 70% every day:
    // below the 80% target by more than the 2-point tolerance.
    for r in data.simulation.iter_mut() {
        if r.queue == CHAT && r.interval_start.date_naive() == monday() {
            r.service_level = Some(0.9);
        } else if r.service_level.is_some() {
            r.service_level = Some(0.7);
        }
    }
    let html = render(&data);
    let glance = html.find("id=\"glance\"").expect("the verdicts are on the page");
    assert!(glance < html.find("id=\"figures\"").unwrap(), "verdicts come before the figures");
    let chat = glance_row(&html, CHAT);
    assert_eq!(chat.len(), 8, "seven days and the week: {chat:?}");
    assert_eq!(chat[0], "met");
    assert!(chat[1..].iter().all(|w| w == "missed"), "{chat:?}");
    // Voice: every day below target (and abandonment, 1 of n, above its 5% limit on most).
    let voice = glance_row(&html, "voice &amp; &lt;phone&gt;");
    assert!(voice.iter().all(|w| w == "missed"), "{voice:?}");
    assert!(html.contains("1 of 14</b> queue-days met"), "the count of queue-days met");
}

#[test]
fn deferred_queues_show_the_deadline_and_backlog_not_a_service_level() {
    let mut data = fixture();
    data.summary.queues.push(QueueTarget {
        name: "email".into(),
        channel: "email".into(),
        service_level_target: None,
        target_answer_seconds: None,
        max_abandon_rate: None,
        deadline_minutes: Some(120.0),
    });
    for day in 0..7 {
        let date = monday() + Duration::days(day);
        for m in (8 * 60..20 * 60).step_by(15) {
            data.simulation.push(SimulatedInterval {
                interval_start: at(date, m),
                queue: "email".into(),
                offered: 10.0,
                answered: 10.0,
                abandoned: 0.0,
                // Tuesday: half the e-mails late.
                service_level: Some(if day == 1 { 0.5 } else { 1.0 }),
                asa_seconds: Some(1800.0),
            });
        }
    }
    let html = render(&data);
    let ids: Vec<String> = charts(&html).into_iter().map(|c| c.0).collect();
    assert!(ids.contains(&"chart-backlog-2".to_string()), "{ids:?}");
    assert!(!ids.contains(&"chart-sl-2".to_string()), "no per-interval service level: {ids:?}");
    let email = glance_row(&html, "email");
    assert_eq!(email[..3], ["met", "missed", "met"]);
    assert!(html.contains("100% within 2 h"), "the deadline is named");
    // 10 e-mails a quarter-hour waiting 30 minutes: 20 waiting once the day is under way.
    assert!(html.contains("waiting (estimated) 20</title>"), "backlog hover values");
}

#[test]
fn the_page_fits_any_width_and_every_chart_has_hover_values() {
    let html = render(&fixture());
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    for chunk in html.split("<svg ").skip(1) {
        let body = &chunk[..chunk.find("</svg>").unwrap()];
        let tag = &body[..body.find('>').unwrap()];
        assert!(tag.contains("width=\"100%\""), "a chart of fixed width: {tag}");
        let titled =
            body.matches("class=\"hover\"").count() + body.matches("</title></rect>").count();
        assert!(titled > 0, "nothing to hover in {tag}");
    }
    // Each chart has a description for screen readers, tied to it.
    for (id, _) in charts(&html) {
        assert!(html.contains(&format!("aria-describedby=\"{id}-desc\"")), "{id}");
        assert!(html.contains(&format!("<p class=\"sr\" id=\"{id}-desc\">")), "{id}");
    }
}
