//! report.html: the page around the charts — the queue × day verdicts at the top, key figures,
//! a table per queue and day, one section per stage, the what-if comparison, and notes.
//! Everything is inline; nothing loads from a network. The layout follows the width of the
//! screen (a phone as well as a desktop), and a small inline script shows each chart's values
//! under the pointer and lets a reader zoom a time chart to one day; without the script the
//! charts still draw and their values show as the browser's own tooltips.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use chrono::{Duration, NaiveDate};

use super::accuracy::PublishedAccuracy;
use super::charts::{
    Band, BarChart, Gantt, GanttBar, GanttRow, HeatMap, Series, Style, TimeAxis, TimeChart,
    ValueFormat, PALETTE,
};
use super::summary::{
    ForecastFigures, IntervalKey, QueueTarget, RosterFigures, ScheduleFigures, StaffingFigures,
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
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;padding:16px 24px;color:#222;background:#fff;max-width:1400px;line-height:1.35}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:14px;margin:16px 0 4px;color:#333}
p.sub{color:#666;margin:0 0 14px}
p.note{color:#555;font-size:13px;margin:4px 0 8px;max-width:1100px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(210px,100%),1fr));gap:10px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;background:#fafafa}
.card .k{font-size:12px;color:#666}
.card .v{font-size:21px;font-weight:600;margin:2px 0}
.card .d{font-size:12px;color:#555}
.good{color:#1a7f37}.bad{color:#b42318}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid #e5e5e5;padding:3px 9px;text-align:right}
th:first-child,td:first-child{text-align:left;white-space:nowrap}
th{background:#f3f3f3;font-weight:600}
tr.total td{font-weight:600;border-top:1px solid #bbb}
td.met,td.missed{font-weight:600}
td.met{background:#e3f2e7;color:#14532d}td.missed{background:#fde2df;color:#8a1c12}
table.glance td,table.glance th{text-align:center;padding:4px 6px}
table.glance td small,table.glance th small{display:block;font-weight:400;font-size:11px}
.fig{margin:10px 0 28px}
figcaption{font-weight:600;font-size:14px;margin:0 0 2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.legend{display:flex;flex-wrap:wrap;gap:2px 14px;font-size:12px;color:#444;margin:2px 0 6px}
.legend i{display:inline-block;width:18px;margin-right:5px;vertical-align:middle}
.legend i.ln{border-top:2px solid var(--c)}.legend i.da{border-top:2px dashed var(--c)}
.legend i.sw{height:10px;background:var(--c);border:1px solid #bbb}
.plot{position:relative;margin-bottom:24px}
.plot.gt{margin-left:42px}.plot.gd{margin-left:52px}.plot.gn{margin-left:124px}
.plot svg{display:block;width:100%}
.yt,.xl,.rl,.gl,.bv{position:absolute;font-size:11px;color:#555;white-space:nowrap;line-height:1;pointer-events:none}
.yt,.rl{right:100%;margin-right:6px;transform:translateY(-50%)}
.gl{right:100%;margin-right:4px;width:118px;height:13px;line-height:13px;font-size:10px;text-align:right;overflow:hidden;text-overflow:ellipsis}
.xl{top:100%;margin-top:5px;transform:translateX(-50%)}
.xl.s{transform:none}.xl.e{transform:translateX(-100%)}
.xl.top{top:3px;margin:0 0 0 4px;color:#667}
.xl.bl{overflow:hidden;text-overflow:ellipsis;text-align:center}
.bv{transform:translate(-50%,-100%);margin-top:-3px;color:#222}
figure.zoomed .plot>.xl{display:none}
.hours{position:absolute;top:0;left:0;right:0;bottom:0;pointer-events:none}
.zoom{font-size:12px;color:#555;margin:0 0 4px}
.bars{max-width:660px}
details{font-size:13px;color:#555;margin:6px 0}
ul.notes{font-size:13px;color:#555}
#tip{position:fixed;z-index:10;max-width:min(380px,92vw);background:#222;color:#fff;font-size:12px;padding:4px 7px;border-radius:4px;pointer-events:none}
@media (max-width:640px){body{padding:10px 12px}.plot.gn{margin-left:66px}.gl{width:62px}h1{font-size:19px}
table.glance{font-size:12px}table.glance td,table.glance th{padding:4px 2px}table.glance td small,table.glance [data-wk],table.glance .wk{display:none}table.glance th:first-child{white-space:normal;max-width:84px}}
"#;

/// The page's one script: values under the pointer (from each hover target's `<title>`), and a
/// day picker on time charts that narrows the plot's viewBox to one day and labels its hours.
const SCRIPT: &str = r#"
(function(){
var tip=document.createElement('div');tip.id='tip';tip.setAttribute('role','status');tip.hidden=true;document.body.appendChild(tip);
document.querySelectorAll('svg.chart .hover,svg.chart .mark').forEach(function(el){var t=el.querySelector('title');if(t){el.setAttribute('data-tip',t.textContent);t.remove();}});
function show(e){var el=e.target.closest?e.target.closest('[data-tip]'):null;if(!el){tip.hidden=true;return;}
tip.textContent=el.getAttribute('data-tip');tip.hidden=false;
var x=e.clientX+12,y=e.clientY+16,w=tip.offsetWidth,h=tip.offsetHeight;
if(x+w>innerWidth-4)x=Math.max(4,e.clientX-w-12);if(y+h>innerHeight-4)y=Math.max(4,e.clientY-h-12);
tip.style.left=x+'px';tip.style.top=y+'px';}
document.addEventListener('pointermove',show);document.addEventListener('pointerdown',show);
addEventListener('scroll',function(){tip.hidden=true;},{passive:true});
document.querySelectorAll('figure.tc').forEach(function(f){
var days=(f.dataset.days||'').split('|'),open=(f.dataset.open||'0,1440').split(',').map(Number);
var svg=f.querySelector('svg.chart'),plot=f.querySelector('.plot');if(days.length<2||!svg)return;
var vb=svg.getAttribute('viewBox').split(' ').map(Number),w=vb[2]/days.length;
var sel=document.createElement('select');sel.setAttribute('aria-label','Days shown: '+f.querySelector('figcaption').textContent);
sel.add(new Option('all '+days.length+' days',''));days.forEach(function(d,i){sel.add(new Option(d,String(i)));});
var hours=document.createElement('div');hours.className='hours';hours.hidden=true;plot.appendChild(hours);
sel.onchange=function(){var z=sel.value!=='',i=Number(sel.value);
svg.setAttribute('viewBox',(z?[i*w,vb[1],w,vb[3]]:vb).join(' '));f.classList.toggle('zoomed',z);hours.hidden=!z;hours.textContent='';
if(!z)return;var span=open[1]-open[0],step=span>600&&plot.clientWidth<700?120:60;
for(var m=Math.ceil(open[0]/60)*60;m<=open[1];m+=step){var s=document.createElement('span');
s.className='xl'+(m==open[0]?' s':m==open[1]?' e':'');s.style.left=(100*(m-open[0])/span)+'%';
s.textContent=('0'+Math.floor(m/60)).slice(-2)+':00';hours.appendChild(s);}};
var bar=document.createElement('div');bar.className='zoom';bar.appendChild(document.createTextNode('Show '));bar.appendChild(sel);f.insertBefore(bar,plot);});
})();
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
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
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
    let days = super::days::QueueDays::new(&ctx);
    days.glance(&mut html, &ctx);
    key_figures(&mut html, &ctx);
    days.tables(&mut html, &ctx);
    forecast_section(&mut html, &ctx);
    super::accuracy::section(&mut html, published);
    coverage_section(&mut html, &ctx);
    service_level_section(&mut html, &ctx);
    deferred_section(&mut html, &ctx, &days);
    roster_section(&mut html, &ctx);
    whatif_section(&mut html, &ctx);
    notes_section(&mut html, &ctx);
    let _ = write!(html, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    html
}

/// What every section needs: the data, the planned days, queue order and colours.
pub(super) struct Context<'a> {
    pub data: &'a ReportData,
    pub grid: IntervalGrid,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Queues in config order, then any others found in the data, with their colours.
    pub queues: Vec<(String, &'static str)>,
    /// Forecast contacts per interval and queue (weights for service levels).
    pub contacts: BTreeMap<IntervalKey, f64>,
    /// First and last minute of the day with a forecast (whole hours): the hours charts show.
    pub open_minutes: (u32, u32),
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
        let open_minutes = open_minutes(data, grid.interval_minutes);
        Context { data, grid, first_day, last_day, queues, contacts, open_minutes }
    }

    fn colour(&self, queue: &str) -> &'static str {
        self.queues.iter().find(|q| q.0 == queue).map(|q| q.1).unwrap_or(PALETTE[7])
    }

    pub fn queue(&self, queue: &str) -> Option<&QueueTarget> {
        self.data.summary.queues.iter().find(|q| q.name == queue)
    }

    fn target(&self, queue: &str) -> Option<f64> {
        self.queue(queue).and_then(|q| q.service_level_target)
    }

    /// Deferred work (email, social): judged by its deadline, not a per-interval service level.
    pub fn is_deferred(&self, queue: &str) -> bool {
        self.queue(queue).is_some_and(QueueTarget::is_deferred)
    }

    pub fn interval_seconds(&self) -> i64 {
        i64::from(self.grid.interval_minutes) * 60
    }

    pub fn axis(&self, first_day: NaiveDate) -> TimeAxis {
        TimeAxis::new(self.data.tz, first_day, self.last_day, self.open_minutes)
    }

    pub fn days(&self) -> Vec<NaiveDate> {
        (0..=(self.last_day - self.first_day).num_days())
            .map(|i| self.first_day + Duration::days(i))
            .collect()
    }

    fn time_chart(
        &self,
        id: String,
        title: String,
        description: &str,
        unit: &str,
        first_day: NaiveDate,
    ) -> TimeChart {
        TimeChart {
            id,
            title,
            description: description.to_string(),
            unit: unit.to_string(),
            y_format: ValueFormat::Number(1),
            height: 220.0,
            axis: self.axis(first_day),
            interval_seconds: self.interval_seconds(),
            bands: Vec::new(),
            series: Vec::new(),
            reference: None,
            y_range: None,
            shade_from: None,
        }
    }
}

/// The hours of the day that have a forecast (else a requirement), widened to whole hours; all
/// day when there is neither. A site closed at night is drawn over its open hours only.
fn open_minutes(data: &ReportData, interval_minutes: u32) -> (u32, u32) {
    let starts = data.forecast.iter().map(|r| crate::time::minute_of_day(&r.interval_start)).chain(
        data.requirements
            .iter()
            .filter(|r| r.agents_net > 0)
            .map(|r| crate::time::minute_of_day(&r.interval_start)),
    );
    let (lo, hi) = starts.fold((u32::MAX, 0), |(lo, hi), m| (lo.min(m), hi.max(m)));
    if lo == u32::MAX {
        return (0, 1440);
    }
    let from = lo / 60 * 60;
    let to = ((hi + interval_minutes).div_ceil(60) * 60).min(1440);
    (from, to.max(from + 60))
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn thousands(v: f64) -> String {
    super::svg::thousands(v, 0)
}

/// A cost with its currency when the plan names one: `155,278 CNY`.
pub(super) fn money(v: f64, currency: Option<&str>) -> String {
    match currency {
        Some(c) => format!("{} {c}", thousands(v)),
        None => thousands(v),
    }
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
        schedule_cards(html, sc, ctx.grid.interval_minutes);
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

/// Scheduled paid hours and under-staffing in agent-hours.
fn schedule_cards(html: &mut String, sc: &ScheduleFigures, interval_minutes: u32) {
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
    let agent_hours = |n: u64| n as f64 * f64::from(interval_minutes) / 60.0;
    card(
        html,
        "Under-staffing",
        &format!("{} agent-hours short", thousands(agent_hours(sc.understaffed_agent_intervals))),
        &format!(
            "scheduled below the requirement, all queues; {} agent-hours over",
            thousands(agent_hours(sc.overstaffed_agent_intervals))
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
        &money(r.cost, r.currency.as_deref()),
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
            "{} agent-intervals of scheduled demand without an agent{}{}",
            thousands(r.unmet_agent_intervals as f64),
            match &r.agents_short {
                Some(a) => format!(
                    "; at least {} more agents (skills {}) to fill every seat",
                    a.at_least,
                    a.queues.join("+")
                ),
                None => String::new(),
            },
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

/// Projected and simulated service level and simulated abandonment against the targets, with
/// "met" or "missed" in words.
fn service_cards(html: &mut String, ctx: &Context<'_>) {
    let s = &ctx.data.summary;
    let target = overall_target(ctx);
    let sl_class = |v: f64| match target {
        Some(t) if v + 1e-9 < t => "bad",
        Some(_) => "good",
        None => "",
    };
    // The verdict in words beside the figure, so colour is never the only signal.
    let verdict = |v: f64, class: &str| match class {
        "good" => format!("{} met", pct(v)),
        "bad" => format!("{} missed", pct(v)),
        _ => pct(v),
    };
    let target_text =
        target.map(|t| format!("target {}", pct(t))).unwrap_or_else(|| "no target".into());
    if let Some(v) = s.schedule.as_ref().and_then(|sc| sc.projected_service_level) {
        card(
            html,
            "Projected service level (Erlang)",
            &verdict(v, sl_class(v)),
            &format!(
                "{target_text}; each queue on its own scheduled agents, no help from other queues"
            ),
            sl_class(v),
        );
    }
    if let Some(sim) = &s.simulation {
        if let Some(v) = sim.service_level {
            card(
                html,
                "Simulated service level",
                &verdict(v, sl_class(v)),
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
                &verdict(a, class),
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

fn forecast_section(html: &mut String, ctx: &Context<'_>) {
    let d = ctx.data;
    if d.forecast.is_empty() && d.history.is_empty() {
        return;
    }
    let _ = writeln!(
        html,
        "<h2 id=\"forecast\">History and forecast</h2>\n<p class=\"note\">Contacts per {}-minute interval over the open hours: the last {} weeks of history (grey), then the forecast (colour) with its P10–P90 band — eight actual values in ten should fall inside the band.</p>",
        ctx.grid.interval_minutes,
        HISTORY_DAYS_SHOWN / 7
    );
    forecast_remarks(html, ctx);
    let from = ctx.first_day - Duration::days(HISTORY_DAYS_SHOWN);
    let from_t = crate::time::start_of_day(from, d.tz);
    let to_t = crate::time::start_of_day(ctx.last_day + Duration::days(1), d.tz);
    for (i, (queue, colour)) in ctx.queues.iter().enumerate() {
        let mut chart = ctx.time_chart(
            format!("chart-forecast-{i}"),
            format!("History and forecast: {queue}"),
            &format!("Contacts per interval of queue {queue}: history, then the forecast with its P10–P90 band,"),
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
            let _ = writeln!(html, "{}", chart.render());
        }
    }
}

/// The forecast stage's remarks on its inputs (gaps in the history, events outside the
/// horizon), folded away: they explain the forecast, they are not the plan's findings.
fn forecast_remarks(html: &mut String, ctx: &Context<'_>) {
    let remarks: Vec<&str> =
        ctx.data.summary.notes.iter().filter_map(|n| n.strip_prefix("forecast: ")).collect();
    if remarks.is_empty() {
        return;
    }
    let _ = writeln!(
        html,
        "<details><summary>{} remark{} on the history and events the forecast read</summary><ul class=\"notes\">",
        remarks.len(),
        if remarks.len() == 1 { "" } else { "s" }
    );
    for r in remarks {
        let _ = writeln!(html, "<li>{}</li>", escape(r));
    }
    html.push_str("</ul></details>\n");
}

fn coverage_section(html: &mut String, ctx: &Context<'_>) {
    let d = ctx.data;
    if d.coverage.is_empty() && d.requirements.is_empty() {
        return;
    }
    html.push_str("<h2 id=\"coverage\">Required and scheduled agents</h2>\n<p class=\"note\">Agents on the phone per interval: required by the Erlang staffing (black) and scheduled by the shift plan with breaks taken out (colour). The heat map shows the gap, scheduled − required, for every day and time of day: red is under-staffed, blue over-staffed, with the number of agents in each cell under the pointer.</p>\n");
    let on_phone = if d.roster.is_empty() {
        None
    } else {
        Some(super::summary::rostered_on_phone(&d.roster, ctx.grid.interval_minutes))
    };
    let days = ctx.days();
    for (i, (queue, colour)) in ctx.queues.iter().enumerate() {
        let mut chart = ctx.time_chart(
            format!("chart-coverage-{i}"),
            format!("Required and scheduled agents: {queue}"),
            &format!(
                "Agents on the phone per interval for queue {queue}, required against scheduled,"
            ),
            "agents",
            ctx.first_day,
        );
        chart.y_format = ValueFormat::Number(0);
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
        let _ = writeln!(html, "{}", chart.render());
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
            description: format!(
                "Scheduled minus required agents of queue {queue} for each day (rows) and time of day (columns)."
            ),
            unit: "agents".into(),
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
    let queues: Vec<(usize, &(String, &str))> =
        ctx.queues.iter().enumerate().filter(|(_, q)| !ctx.is_deferred(&q.0)).collect();
    if (d.coverage.is_empty() && d.simulation.is_empty()) || queues.is_empty() {
        return;
    }
    html.push_str("<h2 id=\"service-level\">Service level per interval</h2>\n<p class=\"note\">Share of contacts answered within the target time: projected by Erlang at the scheduled agents (colour) and measured by the discrete-event simulation of the roster (dashed), against the queue's target (red, dashed). The simulation carries queues over from one interval to the next and lets callers abandon, so it differs from the projection where an interval follows a short one. Deferred queues (email, social) are judged by their deadline instead, further down.</p>\n");
    for (i, (queue, colour)) in queues {
        let mut chart = ctx.time_chart(
            format!("chart-sl-{i}"),
            format!("Service level: {queue}"),
            &format!("Service level per interval of queue {queue}, projected and simulated,"),
            "",
            ctx.first_day,
        );
        chart.y_format = ValueFormat::Percent;
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
        chart.reference = target.map(|t| (t, format!("target {}", ValueFormat::Percent.format(t))));
        // Service levels crowd near 1: start the axis a step below the lowest value or target.
        let lowest = chart
            .series
            .iter()
            .flat_map(|s| s.points.iter().filter(|p| chart.axis.x(p.0).is_some()).map(|p| p.1))
            .chain(target)
            .filter(|v| v.is_finite())
            .fold(1.0f64, f64::min);
        chart.y_range = Some((((lowest - 0.05) * 10.0).floor().clamp(0.0, 9.0) / 10.0, 1.0));
        if chart.has_data() {
            let _ = writeln!(html, "{}", chart.render());
        }
    }
}

/// Deferred queues (email, social): the contacts waiting over time and the share answered
/// within the deadline per day — never a per-interval service level, which reads 0 whenever
/// work is left for later even though it is answered in time.
fn deferred_section(html: &mut String, ctx: &Context<'_>, days: &super::days::QueueDays) {
    let d = ctx.data;
    let queues: Vec<(usize, &(String, &str))> =
        ctx.queues.iter().enumerate().filter(|(_, q)| ctx.is_deferred(&q.0)).collect();
    if d.simulation.is_empty() || queues.is_empty() {
        return;
    }
    html.push_str("<h2 id=\"deferred\">Deferred work: backlog and deadline</h2>\n<p class=\"note\">E-mail and social messages need not be answered in the interval they arrive, only within their deadline. The chart shows the contacts waiting over the day, estimated from the simulation of the roster (each interval's arrivals spread evenly over it and waiting its mean time to answer), beside the contacts arriving; the caption gives the share answered within the deadline for each day.</p>\n");
    for (i, (queue, colour)) in queues {
        let deadline = ctx.queue(queue).and_then(|q| q.deadline_minutes);
        let mut chart = ctx.time_chart(
            format!("chart-backlog-{i}"),
            format!("Contacts waiting: {queue}"),
            &format!("Contacts of queue {queue} waiting to be answered and arriving per interval,"),
            "contacts",
            ctx.first_day,
        );
        chart.series.push(Series {
            label: "arriving per interval".into(),
            colour: "#999999".into(),
            style: Style::Step,
            points: d
                .forecast
                .iter()
                .filter(|r| &r.queue == queue)
                .map(|r| (r.interval_start.timestamp(), r.contacts))
                .collect(),
        });
        chart.series.push(Series {
            label: "waiting (estimated)".into(),
            colour: (*colour).into(),
            style: Style::Line,
            points: super::days::backlog(&d.simulation, queue, ctx.interval_seconds()),
        });
        chart.series.retain(|s| !s.points.is_empty());
        if !chart.has_data() {
            continue;
        }
        let within = days.deadline_shares(ctx, queue);
        let _ = writeln!(
            html,
            "<h3>{}</h3>\n<p class=\"note\">Answered within the deadline of {}: {}.</p>\n{}",
            escape(queue),
            deadline.map(super::days::minutes_text).unwrap_or_else(|| "the deadline".into()),
            escape(&within),
            chart.render()
        );
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
        description: "Each rostered agent's shifts, one row per agent, coloured by queue.".into(),
        axis: ctx.axis(ctx.first_day),
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
    html.push_str("<h2 id=\"whatif\">What-if scenarios</h2>\n<p class=\"note\">Each scenario re-staffs the forecast under its changes (volume, handle time, shrinkage, target, head-count cap, hourly cost): contacts, peak agents, paid hours, FTE and cost are what the scenario requires; the service level and abandonment come from the sweep's simulation (<code>plan --scenarios</code> simulates each scenario against the plan's roster).</p>\n<div class=\"scroll\"><table>\n<tr><th>scenario</th><th>contacts</th><th>peak agents</th><th>paid hours</th><th>FTE</th><th>cost</th><th>simulated service level</th><th>simulated abandonment</th></tr>\n");
    let dash = || "–".to_string();
    let currency = ctx.data.summary.roster.as_ref().and_then(|r| r.currency.as_deref());
    for s in w {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.name),
            thousands(s.contacts),
            s.required_agents_peak,
            thousands(s.paid_hours),
            fmt_num(s.fte, 1),
            s.cost.map(|c| money(c, currency)).unwrap_or_else(dash),
            s.service_level.map(pct).unwrap_or_else(dash),
            s.abandon_rate.map(pct).unwrap_or_else(dash)
        );
    }
    html.push_str("</table></div>\n");
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
        description: "Paid hours each scenario requires:".into(),
        height: 220.0,
        bars: bars(&|s| Some(s.paid_hours)),
        reference: None,
        y_range: None,
        value_format: ValueFormat::Number(0),
    };
    let charts = [
        BarChart {
            id: "chart-whatif-cost".into(),
            title: match currency {
                Some(c) => format!("Cost per scenario ({c})"),
                None => "Cost per scenario".into(),
            },
            description: "Cost of the paid hours each scenario requires:".into(),
            bars: bars(&|s| s.cost),
            ..base.clone()
        },
        BarChart {
            id: "chart-whatif-sl".into(),
            title: "Simulated service level per scenario".into(),
            description: "Service level of each scenario, simulated against the plan's roster:"
                .into(),
            bars: bars(&|s| s.service_level),
            reference: overall_target(ctx)
                .map(|t| (t, format!("target {}", ValueFormat::Percent.format(t)))),
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
            html.push('\n');
        }
    }
}

fn notes_section(html: &mut String, ctx: &Context<'_>) {
    let d = ctx.data;
    let mut notes: Vec<String> =
        d.summary.notes.iter().filter(|n| !n.starts_with("forecast: ")).cloned().collect();
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
        notes.push("No history of the weeks before the plan was given: the forecast chart shows the forecast only.".into());
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
