//! report.html: the page around the charts — key figures, a per-day table, one section per
//! stage, the what-if comparison, and notes. Everything is inline; nothing loads from a network.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use chrono::{Duration, NaiveDate};

use super::accuracy::PublishedAccuracy;
use super::charts::{
    Band, BarChart, Gantt, GanttBar, GanttRow, HeatMap, Series, Style, TimeChart, ValueFormat,
    PALETTE,
};
use super::summary::{
    ForecastFigures, IntervalKey, RosterFigures, ScheduleFigures, StaffingFigures,
};
use super::svg::escape;
use super::{ReportData, WhatifScenario};
use crate::io::shifts::ShiftRow;
use crate::io::table::fmt_num;
use crate::time::IntervalGrid;

/// Colour of seats the roster leaves empty.
const UNFILLED: &str = "#c0392b";

/// Days of history drawn before the planned days.
pub const HISTORY_DAYS_SHOWN: i64 = 21;

const CSS: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px 28px;color:#222;background:#fff;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:14px;margin:14px 0 2px;color:#333}
p.sub{color:#666;margin:0 0 14px}
p.note{color:#555;font-size:13px;margin:4px 0 8px;max-width:1100px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;background:#fafafa}
.card .k{font-size:12px;color:#666}
.card .v{font-size:22px;font-weight:600;margin:2px 0}
.card .d{font-size:12px;color:#555}
.good{color:#1a7f37}.bad{color:#c0392b}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid #e5e5e5;padding:3px 10px;text-align:right}
th:first-child,td:first-child{text-align:left;white-space:nowrap}
th{background:#f3f3f3}
.row{display:flex;flex-wrap:wrap;gap:16px}
svg.chart{display:block;margin:4px 0}
ul.notes{font-size:13px;color:#555}
"#;

/// Render the whole report.html.
pub fn render(data: &ReportData) -> String {
    render_with_accuracy(data, &[])
}

/// Render report.html with a section on the published forecasts' accuracy (from the store).
pub fn render_with_accuracy(data: &ReportData, published: &[PublishedAccuracy]) -> String {
    let ctx = Context::new(data);
    let mut html = String::new();
    let s = &data.summary;
    let title = format!(
        "{} — plan for {} to {}",
        s.site,
        ctx.first_day.format("%a %-d %b %Y"),
        ctx.last_day.format("%a %-d %b %Y")
    );
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(html, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        html,
        "<p class=\"sub\">{} days, {}-minute intervals, time zone {}, seed {}. Made by shiftcast {}.</p>",
        s.days,
        s.interval_minutes,
        escape(&s.time_zone),
        s.seed,
        env!("CARGO_PKG_VERSION")
    );
    key_figures(&mut html, &ctx);
    per_day_table(&mut html, &ctx);
    forecast_section(&mut html, &ctx);
    super::accuracy::section(&mut html, published);
    coverage_section(&mut html, &ctx);
    service_level_section(&mut html, &ctx);
    roster_section(&mut html, &ctx);
    whatif_section(&mut html, &ctx);
    notes_section(&mut html, &ctx);
    html.push_str("</body>\n</html>\n");
    html
}

/// What every section needs: the data, the planned days, queue order and colours.
struct Context<'a> {
    data: &'a ReportData,
    grid: IntervalGrid,
    first_day: NaiveDate,
    last_day: NaiveDate,
    /// Queues in config order, then any others found in the data, with their colours.
    queues: Vec<(String, &'static str)>,
    /// Forecast contacts per interval and queue (weights for service levels).
    contacts: BTreeMap<IntervalKey, f64>,
}

impl<'a> Context<'a> {
    fn new(data: &'a ReportData) -> Context<'a> {
        let s = &data.summary;
        let grid = IntervalGrid { tz: data.tz, interval_minutes: s.interval_minutes.max(1) };
        let first_day = crate::time::parse_date(&s.start)
            .ok()
            .or_else(|| data.forecast.first().map(|r| r.interval_start.date_naive()))
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(2000, 1, 3).expect("valid date"));
        let last_day = first_day + Duration::days(i64::from(s.days.max(1)) - 1);
        let mut names: Vec<String> = s.queues.iter().map(|q| q.name.clone()).collect();
        let seen: BTreeSet<&str> = data
            .forecast
            .iter()
            .map(|r| r.queue.as_str())
            .chain(data.coverage.iter().map(|r| r.queue.as_str()))
            .chain(data.roster.iter().map(|r| r.queue.as_str()))
            .collect();
        for q in seen {
            if !names.iter().any(|n| n == q) {
                names.push(q.to_string());
            }
        }
        let queues =
            names.into_iter().enumerate().map(|(i, n)| (n, PALETTE[i % PALETTE.len()])).collect();
        let contacts = data
            .forecast
            .iter()
            .map(|r| ((r.interval_start, r.queue.clone()), r.contacts))
            .collect();
        Context { data, grid, first_day, last_day, queues, contacts }
    }

    fn colour(&self, queue: &str) -> &'static str {
        self.queues.iter().find(|q| q.0 == queue).map(|q| q.1).unwrap_or(PALETTE[7])
    }

    fn target(&self, queue: &str) -> Option<f64> {
        self.data
            .summary
            .queues
            .iter()
            .find(|q| q.name == queue)
            .and_then(|q| q.service_level_target)
    }

    fn targeted_queues(&self) -> Vec<String> {
        self.data
            .summary
            .queues
            .iter()
            .filter(|q| q.service_level_target.is_some())
            .map(|q| q.name.clone())
            .collect()
    }

    fn interval_seconds(&self) -> i64 {
        i64::from(self.grid.interval_minutes) * 60
    }

    fn time_chart(
        &self,
        id: String,
        title: String,
        y_label: &str,
        first_day: NaiveDate,
    ) -> TimeChart {
        TimeChart {
            id,
            title,
            y_label: y_label.to_string(),
            width: 1340.0,
            height: 230.0,
            tz: self.data.tz,
            first_day,
            last_day: self.last_day,
            interval_seconds: self.interval_seconds(),
            bands: Vec::new(),
            series: Vec::new(),
            reference: None,
            y_range: None,
            shade_from: None,
        }
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn thousands(v: f64) -> String {
    super::svg::thousands(v, 0)
}

fn card(html: &mut String, key: &str, value: &str, detail: &str, class: &str) {
    let _ = writeln!(
        html,
        "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v {}\">{}</div><div class=\"d\">{}</div></div>",
        escape(key),
        class,
        escape(value),
        escape(detail)
    );
}

/// The contact-weighted service-level target over targeted queues (for colouring cards).
fn overall_target(ctx: &Context<'_>) -> Option<f64> {
    let (mut w, mut total) = (0.0, 0.0);
    for q in &ctx.data.summary.queues {
        if let Some(t) = q.service_level_target {
            let n =
                ctx.data.summary.forecast.contacts_per_queue.get(&q.name).copied().unwrap_or(0.0);
            w += n * t;
            total += n;
        }
    }
    (total > 0.0).then(|| w / total)
}

fn key_figures(html: &mut String, ctx: &Context<'_>) {
    let s = &ctx.data.summary;
    html.push_str("<h2 id=\"figures\">Key figures</h2>\n<div class=\"cards\">\n");
    forecast_cards(html, &s.forecast);
    staffing_card(html, &s.staffing);
    if let Some(sc) = &s.schedule {
        schedule_cards(html, sc);
    }
    if let Some(r) = &s.roster {
        roster_cards(html, r);
    }
    service_cards(html, ctx);
    html.push_str("</div>\n");
}

/// Forecast contacts and accuracy.
fn forecast_cards(html: &mut String, f: &ForecastFigures) {
    card(
        html,
        "Forecast contacts",
        &thousands(f.contacts),
        &format!(
            "P10–P90 {} – {}; workload {} h",
            thousands(f.contacts_p10),
            thousands(f.contacts_p90),
            thousands(f.workload_hours)
        ),
        "",
    );
    match &f.accuracy {
        Some(a) => card(
            html,
            "Forecast accuracy (WAPE)",
            &pct(a.wape),
            &format!(
                "{} method, backtest of the last {} weeks{}{}",
                a.method,
                a.folds,
                a.noise_floor_wape.map(|n| format!("; noise floor {}", pct(n))).unwrap_or_default(),
                a.p10_p90_coverage
                    .map(|c| format!("; P10–P90 held {}", pct(c)))
                    .unwrap_or_default()
            ),
            "",
        ),
        None => {
            card(html, "Forecast accuracy (WAPE)", "not measured", "no backtest in this plan", "")
        }
    }
}

/// Required FTE.
fn staffing_card(html: &mut String, st: &StaffingFigures) {
    card(
        html,
        "Required FTE",
        &fmt_num(st.required_fte, 1),
        &format!(
            "{} paid hours after shrinkage; {} on-phone hours",
            thousands(st.required_gross_agent_hours),
            thousands(st.required_agent_hours)
        ),
        "",
    );
}

/// Scheduled paid hours and the coverage gap.
fn schedule_cards(html: &mut String, sc: &ScheduleFigures) {
    card(
        html,
        "Scheduled paid hours",
        &thousands(sc.paid_hours),
        &format!(
            "{} shifts, {} FTE{}",
            thousands(sc.shifts as f64),
            fmt_num(sc.fte, 1),
            sc.status.as_ref().map(|st| format!("; solver {st}")).unwrap_or_default()
                + &sc.gap.map(|g| format!(", gap {}", pct(g))).unwrap_or_default()
        ),
        "",
    );
    card(
        html,
        "Coverage gap",
        &format!("{} under", thousands(sc.understaffed_agent_intervals as f64)),
        &format!(
            "agent-intervals short of the requirement; {} over",
            thousands(sc.overstaffed_agent_intervals as f64)
        ),
        if sc.understaffed_agent_intervals > 0 { "bad" } else { "good" },
    );
}

/// Rostered agents, cost and unfilled shifts.
fn roster_cards(html: &mut String, r: &RosterFigures) {
    card(
        html,
        "Rostered agents",
        &thousands(r.agents as f64),
        &format!(
            "{} agent-days, {} paid hours, {} FTE",
            thousands(r.agent_days as f64),
            thousands(r.paid_hours),
            fmt_num(r.fte, 1)
        ),
        "",
    );
    card(
        html,
        "Cost",
        &thousands(r.cost),
        &if r.agents_without_cost > 0 {
            format!("paid hours × hourly cost; {} agents have no cost", r.agents_without_cost)
        } else {
            "paid hours × each agent's hourly cost".to_string()
        },
        "",
    );
    card(
        html,
        "Unfilled shifts",
        &thousands(r.unfilled_shifts as f64),
        &format!(
            "{} agent-intervals of scheduled demand without an agent{}",
            thousands(r.unmet_agent_intervals as f64),
            match r.hard_rule_violations {
                Some(0) | None => String::new(),
                Some(v) => format!(
                    "; {v} hard-rule violations ({})",
                    r.violations_by_rule
                        .iter()
                        .map(|(k, n)| format!("{k}: {n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        ),
        if r.unfilled_shifts > 0 { "bad" } else { "good" },
    );
}

/// Projected and simulated service level and simulated abandonment, coloured against the
/// targets.
fn service_cards(html: &mut String, ctx: &Context<'_>) {
    let s = &ctx.data.summary;
    let target = overall_target(ctx);
    let sl_class = |v: f64| match target {
        Some(t) if v + 1e-9 < t => "bad",
        Some(_) => "good",
        None => "",
    };
    let target_text =
        target.map(|t| format!("target {}", pct(t))).unwrap_or_else(|| "no target".into());
    if let Some(v) = s.schedule.as_ref().and_then(|sc| sc.projected_service_level) {
        card(
            html,
            "Projected service level (Erlang)",
            &pct(v),
            &format!("{target_text}; at scheduled agents"),
            sl_class(v),
        );
    }
    if let Some(sim) = &s.simulation {
        if let Some(v) = sim.service_level {
            card(
                html,
                "Simulated service level",
                &pct(v),
                &format!(
                    "{target_text}; {} contacts offered{}",
                    thousands(sim.offered),
                    sim.replications.map(|r| format!(", {r} replications")).unwrap_or_default()
                ),
                sl_class(v),
            );
        }
        if let Some(a) = sim.abandon_rate {
            let limit = s
                .queues
                .iter()
                .filter_map(|q| q.max_abandon_rate)
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v))));
            let class = match limit {
                Some(l) if a > l + 1e-9 => "bad",
                Some(_) => "good",
                None => "",
            };
            card(
                html,
                "Simulated abandonment",
                &pct(a),
                &format!(
                    "{} abandoned{}",
                    thousands(sim.abandoned),
                    limit.map(|l| format!("; limit {}", pct(l))).unwrap_or_default()
                ),
                class,
            );
        }
    }
}

fn per_day_table(html: &mut String, ctx: &Context<'_>) {
    let d = ctx.data;
    let h = f64::from(ctx.grid.interval_minutes) / 60.0;
    #[derive(Default)]
    struct Day {
        contacts: f64,
        required_hours: f64,
        scheduled_hours: f64,
        sl_weighted: f64,
        sl_weight: f64,
        sim_offered: f64,
        sim_within: f64,
        sim_targeted: f64,
        sim_abandoned: f64,
        agents: BTreeSet<String>,
    }
    let targeted = ctx.targeted_queues();
    let mut days: BTreeMap<NaiveDate, Day> = BTreeMap::new();
    for r in &d.forecast {
        days.entry(r.interval_start.date_naive()).or_default().contacts += r.contacts;
    }
    for c in &d.coverage {
        let day = days.entry(c.interval_start.date_naive()).or_default();
        day.required_hours += f64::from(c.required) * h;
        day.scheduled_hours += f64::from(c.scheduled) * h;
        if targeted.contains(&c.queue) && c.service_level.is_finite() {
            let n = ctx.contacts.get(&(c.interval_start, c.queue.clone())).copied().unwrap_or(0.0);
            day.sl_weighted += n * c.service_level;
            day.sl_weight += n;
        }
    }
    for s in &d.simulation {
        let day = days.entry(s.interval_start.date_naive()).or_default();
        day.sim_offered += s.offered;
        day.sim_abandoned += s.abandoned;
        if targeted.contains(&s.queue) {
            if let Some(sl) = s.service_level {
                day.sim_within += sl * s.offered;
                day.sim_targeted += s.offered;
            }
        }
    }
    for r in &d.roster {
        days.entry(r.date).or_default().agents.insert(r.agent_id.clone());
    }
    days.retain(|k, _| *k >= ctx.first_day && *k <= ctx.last_day);
    if days.is_empty() {
        return;
    }
    html.push_str("<h2 id=\"days\">Per day</h2>\n<table>\n<tr><th>day</th><th>forecast contacts</th><th>required on-phone hours</th><th>scheduled on-phone hours</th><th>projected service level</th><th>simulated service level</th><th>simulated abandonment</th><th>agents rostered</th></tr>\n");
    let opt = |v: f64, w: f64| if w > 0.0 { pct(v / w) } else { "–".into() };
    for (date, day) in &days {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            date.format("%a %-d %b"),
            thousands(day.contacts),
            thousands(day.required_hours),
            thousands(day.scheduled_hours),
            opt(day.sl_weighted, day.sl_weight),
            opt(day.sim_within, day.sim_targeted),
            opt(day.sim_abandoned, day.sim_offered),
            if d.roster.is_empty() { "–".to_string() } else { day.agents.len().to_string() }
        );
    }
    html.push_str("</table>\n");
}

fn forecast_section(html: &mut String, ctx: &Context<'_>) {
    let d = ctx.data;
    if d.forecast.is_empty() && d.history.is_empty() {
        return;
    }
    let _ = writeln!(
        html,
        "<h2 id=\"forecast\">History and forecast</h2>\n<p class=\"note\">Contacts per {}-minute interval: the last {} weeks of history (grey), then the forecast (colour) with its P10–P90 band — eight actual values in ten should fall inside the band.</p>",
        ctx.grid.interval_minutes,
        HISTORY_DAYS_SHOWN / 7
    );
    let from = ctx.first_day - Duration::days(HISTORY_DAYS_SHOWN);
    let from_t = crate::time::start_of_day(from, d.tz);
    let to_t = crate::time::start_of_day(ctx.last_day + Duration::days(1), d.tz);
    for (i, (queue, colour)) in ctx.queues.iter().enumerate() {
        let mut chart = ctx.time_chart(
            format!("chart-forecast-{i}"),
            format!("History and forecast: {queue}"),
            "contacts",
            from,
        );
        chart.shade_from = Some((ctx.first_day, "forecast".into()));
        let history: Vec<(i64, f64)> = d
            .history
            .iter()
            .filter(|r| &r.queue == queue && r.interval_start >= from_t && r.interval_start < to_t)
            .map(|r| (r.interval_start.timestamp(), r.contacts))
            .collect();
        let rows: Vec<_> = d.forecast.iter().filter(|r| &r.queue == queue).collect();
        chart.bands.push(Band {
            label: "P10–P90".into(),
            colour: (*colour).into(),
            points: rows
                .iter()
                .map(|r| (r.interval_start.timestamp(), r.contacts_p10, r.contacts_p90))
                .collect(),
        });
        chart.series.push(Series {
            label: "history".into(),
            colour: "#777777".into(),
            style: Style::Line,
            points: history,
        });
        chart.series.push(Series {
            label: "forecast".into(),
            colour: (*colour).into(),
            style: Style::Line,
            points: rows.iter().map(|r| (r.interval_start.timestamp(), r.contacts)).collect(),
        });
        if chart.has_data() {
            let _ = writeln!(html, "<h3>{}</h3>\n{}", escape(queue), chart.render());
        }
    }
}

fn coverage_section(html: &mut String, ctx: &Context<'_>) {
    let d = ctx.data;
    if d.coverage.is_empty() && d.requirements.is_empty() {
        return;
    }
    html.push_str("<h2 id=\"coverage\">Required and scheduled agents</h2>\n<p class=\"note\">Agents on the phone per interval: required by the Erlang staffing (black) and scheduled by the shift plan with breaks taken out (colour). The heat map shows the gap, scheduled − required, for every day and time of day: red is under-staffed, blue over-staffed.</p>\n");
    let on_phone = if d.roster.is_empty() {
        None
    } else {
        Some(super::summary::rostered_on_phone(&d.roster, ctx.grid.interval_minutes))
    };
    let days: Vec<NaiveDate> = (0..=(ctx.last_day - ctx.first_day).num_days())
        .map(|i| ctx.first_day + Duration::days(i))
        .collect();
    for (i, (queue, colour)) in ctx.queues.iter().enumerate() {
        let mut chart = ctx.time_chart(
            format!("chart-coverage-{i}"),
            format!("Required and scheduled agents: {queue}"),
            "agents",
            ctx.first_day,
        );
        // Requirements are the source when coverage.csv is absent (schedule did not run).
        let required: Vec<(i64, f64)> = if d.coverage.is_empty() {
            d.requirements
                .iter()
                .filter(|r| &r.queue == queue)
                .map(|r| (r.interval_start.timestamp(), f64::from(r.agents_net)))
                .collect()
        } else {
            d.coverage
                .iter()
                .filter(|r| &r.queue == queue)
                .map(|r| (r.interval_start.timestamp(), f64::from(r.required)))
                .collect()
        };
        chart.series.push(Series {
            label: "required".into(),
            colour: "#222222".into(),
            style: Style::Step,
            points: required,
        });
        let cov: Vec<_> = d.coverage.iter().filter(|r| &r.queue == queue).collect();
        if !cov.is_empty() {
            chart.series.push(Series {
                label: "scheduled".into(),
                colour: (*colour).into(),
                style: Style::Step,
                points: cov
                    .iter()
                    .map(|r| (r.interval_start.timestamp(), f64::from(r.scheduled)))
                    .collect(),
            });
        }
        if let Some(on_phone) = &on_phone {
            let short = cov.iter().any(|r| {
                on_phone.get(&(r.interval_start, queue.clone())).copied().unwrap_or(0) < r.scheduled
            });
            if short {
                chart.series.push(Series {
                    label: "rostered (named agents)".into(),
                    colour: "#D55E00".into(),
                    style: Style::Dashed,
                    points: cov
                        .iter()
                        .map(|r| {
                            let n = on_phone
                                .get(&(r.interval_start, queue.clone()))
                                .copied()
                                .unwrap_or(0);
                            (r.interval_start.timestamp(), f64::from(n))
                        })
                        .collect(),
                });
            }
        }
        if !chart.has_data() {
            continue;
        }
        let _ = writeln!(html, "<h3>{}</h3>\n{}", escape(queue), chart.render());
        if cov.is_empty() {
            continue;
        }
        let mut cells = vec![vec![None; ctx.grid.slots_per_day()]; days.len()];
        for r in &cov {
            // An interval without a forecast and with nobody needed or scheduled is closed: it
            // stays grey rather than reading as a perfect match.
            let closed = r.required == 0
                && r.scheduled == 0
                && !ctx.contacts.is_empty()
                && !ctx.contacts.contains_key(&(r.interval_start, r.queue.clone()));
            let date = r.interval_start.date_naive();
            if let (false, Some(row)) = (closed, days.iter().position(|d| *d == date)) {
                let slot =
                    ctx.grid.slot_of_day(&r.interval_start).min(ctx.grid.slots_per_day() - 1);
                let v = r.difference as f64;
                // The repeated hour of a fall-back day lands on the same slot: keep the worse gap.
                let cell: &mut Option<f64> = &mut cells[row][slot];
                *cell = Some(cell.map_or(v, |c: f64| c.min(v)));
            }
        }
        let map = HeatMap {
            id: format!("chart-gap-{i}"),
            title: format!("Gap, scheduled − required agents: {queue}"),
            days: days.clone(),
            slots_per_day: ctx.grid.slots_per_day(),
            interval_minutes: ctx.grid.interval_minutes,
            cells,
            negative_label: "under-staffed".into(),
            positive_label: "over-staffed".into(),
        };
        if map.has_data() {
            html.push_str(&map.render());
            html.push('\n');
        }
    }
}

fn service_level_section(html: &mut String, ctx: &Context<'_>) {
    let d = ctx.data;
    if d.coverage.is_empty() && d.simulation.is_empty() {
        return;
    }
    html.push_str("<h2 id=\"service-level\">Service level per interval</h2>\n<p class=\"note\">Share of contacts answered within the target time: projected by Erlang at the scheduled agents (colour) and measured by the discrete-event simulation of the roster (dashed), against the queue's target (red). The simulation carries queues over from one interval to the next and lets callers abandon, so it differs from the projection where an interval follows a short one.</p>\n");
    for (i, (queue, colour)) in ctx.queues.iter().enumerate() {
        let mut chart = ctx.time_chart(
            format!("chart-sl-{i}"),
            format!("Service level: {queue}"),
            "service level",
            ctx.first_day,
        );
        chart.series.push(Series {
            label: "projected (Erlang)".into(),
            colour: (*colour).into(),
            style: Style::Line,
            points: d
                .coverage
                .iter()
                .filter(|r| &r.queue == queue)
                .map(|r| (r.interval_start.timestamp(), r.service_level))
                .collect(),
        });
        chart.series.push(Series {
            label: "simulated".into(),
            colour: "#333333".into(),
            style: Style::Dashed,
            points: d
                .simulation
                .iter()
                .filter(|r| &r.queue == queue)
                .filter_map(|r| r.service_level.map(|v| (r.interval_start.timestamp(), v)))
                .collect(),
        });
        chart.series.retain(|s| !s.points.is_empty());
        let target = ctx.target(queue);
        chart.reference = target.map(|t| (t, format!("target {}", pct(t))));
        // Service levels crowd near 1: start the axis a step below the lowest value or target.
        let lowest = chart
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .chain(target)
            .filter(|v| v.is_finite())
            .fold(1.0f64, f64::min);
        chart.y_range = Some((((lowest - 0.05) * 10.0).floor().clamp(0.0, 9.0) / 10.0, 1.0));
        if chart.has_data() {
            let _ = writeln!(html, "<h3>{}</h3>\n{}", escape(queue), chart.render());
        }
    }
}

fn roster_section(html: &mut String, ctx: &Context<'_>) {
    let d = ctx.data;
    if d.roster.is_empty() {
        return;
    }
    let mut by_agent: BTreeMap<&str, Vec<&crate::io::roster::RosterRow>> = BTreeMap::new();
    for r in &d.roster {
        by_agent.entry(r.agent_id.as_str()).or_default().push(r);
    }
    // Group agents by the queue they work most, in queue order, then by their usual start.
    let queue_rank = |q: &str| ctx.queues.iter().position(|x| x.0 == q).unwrap_or(usize::MAX);
    let mut agents: Vec<(usize, u32, &str, Vec<&crate::io::roster::RosterRow>)> = by_agent
        .into_iter()
        .map(|(id, mut rows)| {
            rows.sort_by_key(|r| r.shift_start);
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for r in &rows {
                *counts.entry(r.queue.as_str()).or_default() += 1;
            }
            let main = counts
                .iter()
                .max_by_key(|(q, n)| (**n, std::cmp::Reverse(queue_rank(q))))
                .map(|(q, _)| *q)
                .unwrap_or("");
            let first_start =
                rows.first().map(|r| crate::time::minute_of_day(&r.shift_start)).unwrap_or(0);
            (queue_rank(main), first_start, id, rows)
        })
        .collect();
    agents.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    let rows = agents
        .iter()
        .map(|(_, _, _, rows)| GanttRow {
            label: rows.first().map(|r| r.name.clone()).unwrap_or_default(),
            bars: rows
                .iter()
                .map(|r| GanttBar {
                    start: r.shift_start.timestamp(),
                    end: r.shift_end.timestamp(),
                    breaks: r.breaks.iter().map(|(a, b)| (a.timestamp(), b.timestamp())).collect(),
                    colour: ctx.colour(&r.queue).into(),
                    tip: format!(
                        "{} ({}), {}: {}–{}, {} paid minutes",
                        r.name,
                        r.agent_id,
                        r.queue,
                        r.shift_start.format("%a %H:%M"),
                        r.shift_end.format("%H:%M"),
                        r.paid_minutes
                    ),
                })
                .collect(),
        })
        .collect::<Vec<GanttRow>>();
    // Seats nobody works, packed into as few rows as possible at the bottom, in red.
    let mut rows = rows;
    let mut legend: Vec<(String, String)> =
        ctx.queues.iter().map(|(q, c)| (q.clone(), (*c).to_string())).collect();
    let mut unfilled: Vec<&ShiftRow> = super::summary::unfilled_shifts(&d.shifts, &d.roster);
    unfilled.sort_by_key(|s| (s.shift_start, s.shift_end));
    let mut seat_rows: Vec<GanttRow> = Vec::new();
    for s in unfilled {
        let bar = GanttBar {
            start: s.shift_start.timestamp(),
            end: s.shift_end.timestamp(),
            breaks: s.breaks.iter().map(|(a, b)| (a.timestamp(), b.timestamp())).collect(),
            colour: UNFILLED.into(),
            tip: format!(
                "unfilled {} seat {}: {}–{}",
                s.queue,
                s.shift_id,
                s.shift_start.format("%a %H:%M"),
                s.shift_end.format("%H:%M")
            ),
        };
        match seat_rows.iter_mut().find(|r| r.bars.last().is_some_and(|b| b.end <= bar.start)) {
            Some(row) => row.bars.push(bar),
            None => seat_rows.push(GanttRow { label: "unfilled seats".into(), bars: vec![bar] }),
        }
    }
    if !seat_rows.is_empty() {
        legend.push(("unfilled seat".into(), UNFILLED.into()));
        rows.extend(seat_rows);
    }
    let gantt = Gantt {
        id: "chart-roster".into(),
        title: "Roster: agents × days".into(),
        tz: d.tz,
        first_day: ctx.first_day,
        last_day: ctx.last_day,
        rows,
        legend,
    };
    if gantt.has_data() {
        let _ = writeln!(
            html,
            "<h2 id=\"roster\">Roster</h2>\n<p class=\"note\">Every rostered agent's shifts over the week, coloured by queue; breaks and lunches are the white gaps. Agents are grouped by their main queue and ordered by their first start; scheduled seats nobody could take are the red bars at the bottom.</p>\n{}",
            gantt.render()
        );
    }
}

fn whatif_section(html: &mut String, ctx: &Context<'_>) {
    let w = &ctx.data.whatif;
    if w.is_empty() {
        return;
    }
    html.push_str("<h2 id=\"whatif\">What-if scenarios</h2>\n<p class=\"note\">Each scenario re-staffs the forecast under its changes (volume, handle time, shrinkage, target, head-count cap, hourly cost): contacts, peak agents, paid hours, FTE and cost are what the scenario requires; the service level and abandonment come from the sweep's simulation (<code>plan --scenarios</code> simulates each scenario against the plan's roster).</p>\n<table>\n<tr><th>scenario</th><th>contacts</th><th>peak agents</th><th>paid hours</th><th>FTE</th><th>cost</th><th>simulated service level</th><th>simulated abandonment</th></tr>\n");
    let dash = || "–".to_string();
    for s in w {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.name),
            thousands(s.contacts),
            s.required_agents_peak,
            thousands(s.paid_hours),
            fmt_num(s.fte, 1),
            s.cost.map(thousands).unwrap_or_else(dash),
            s.service_level.map(pct).unwrap_or_else(dash),
            s.abandon_rate.map(pct).unwrap_or_else(dash)
        );
    }
    html.push_str("</table>\n<div class=\"row\">\n");
    let width = (140.0 + 110.0 * w.len() as f64).clamp(360.0, 660.0);
    let bars = |value: &dyn Fn(&WhatifScenario) -> Option<f64>| -> Vec<(String, f64, String)> {
        w.iter()
            .enumerate()
            .filter_map(|(i, s)| {
                value(s).map(|v| (s.name.clone(), v, PALETTE[i % PALETTE.len()].to_string()))
            })
            .collect()
    };
    let base = BarChart {
        id: "chart-whatif-hours".into(),
        title: "Paid hours per scenario".into(),
        y_label: "paid hours".into(),
        width,
        height: 260.0,
        bars: bars(&|s| Some(s.paid_hours)),
        reference: None,
        y_range: None,
        value_format: ValueFormat::Number(0),
    };
    let charts = [
        BarChart {
            id: "chart-whatif-cost".into(),
            title: "Cost per scenario".into(),
            y_label: "cost".into(),
            bars: bars(&|s| s.cost),
            ..base.clone()
        },
        BarChart {
            id: "chart-whatif-sl".into(),
            title: "Simulated service level per scenario".into(),
            y_label: "service level".into(),
            bars: bars(&|s| s.service_level),
            reference: overall_target(ctx).map(|t| (t, format!("target {}", pct(t)))),
            y_range: Some((0.0, 1.0)),
            value_format: ValueFormat::Percent,
            ..base.clone()
        },
        base,
    ];
    // Cost when every scenario has one, paid hours otherwise; the service level when simulated.
    let cost_complete = w.iter().all(|s| s.cost.is_some());
    for chart in charts {
        let wanted = match chart.id.as_str() {
            "chart-whatif-cost" => cost_complete,
            "chart-whatif-hours" => !cost_complete,
            _ => true,
        };
        if wanted && chart.has_data() {
            html.push_str(&chart.render());
        }
    }
    html.push_str("</div>\n");
}

fn notes_section(html: &mut String, ctx: &Context<'_>) {
    let d = ctx.data;
    let mut notes = d.summary.notes.clone();
    notes.extend(d.notes.iter().cloned());
    for (empty, what) in [
        (d.forecast.is_empty(), "forecast.csv"),
        (d.coverage.is_empty(), "coverage.csv"),
        (d.roster.is_empty(), "roster.csv"),
        (d.simulation.is_empty(), "simulation.csv"),
    ] {
        if empty {
            notes.push(format!("{what} is missing or empty: its charts are left out."));
        }
    }
    if d.history.is_empty() {
        notes.push("No history was given: the forecast chart shows the forecast only.".into());
    }
    if notes.is_empty() {
        return;
    }
    html.push_str("<h2 id=\"notes\">Notes</h2>\n<ul class=\"notes\">\n");
    for n in notes {
        let _ = writeln!(html, "<li>{}</li>", escape(&n));
    }
    html.push_str("</ul>\n");
}
