//! The plan per queue and day: whether each queue met its target on each day, at the top of the
//! page, and a table per queue with the figures behind the verdict — the Erlang projection and
//! the simulated service level against the target, abandonment, under-staffing in agent-hours,
//! and the paid hours and cost of the agents rostered on the queue.
//!
//! A verdict rests on the simulation of the roster where there is one (it carries queues over
//! between intervals and lets callers abandon), else on the Erlang projection at the scheduled
//! agents. Deferred queues (email, social) are judged by the share of contacts answered within
//! their deadline: a per-interval service level would read 0 whenever work is left for later.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::NaiveDate;

use super::page::{money, Context};
use super::summary::{QueueTarget, SimulatedInterval};
use super::svg::escape;

/// A deferred queue's target: every contact answered within its deadline (judged, like every
/// target, against the lower confidence limit with [`crate::simulate::TARGET_TOLERANCE`]).
pub const DEFERRED_TARGET: f64 = 1.0;

/// Sums over one queue's day (or week) that the verdict and the table are computed from.
#[derive(Debug, Clone, Default)]
struct QueueDay {
    contacts: f64,
    /// Σ projected service level × forecast contacts, and Σ contacts, over coverage.csv.
    projected_weighted: f64,
    projected_weight: f64,
    sim_offered: f64,
    /// Σ simulated service level × offered, and Σ offered, where the level is defined.
    sim_within: f64,
    sim_rated: f64,
    sim_abandoned: f64,
    under_agent_hours: f64,
    paid_hours: f64,
    cost: Option<f64>,
    /// The day's simulated figures with confidence limits (simulation_days.csv), when known.
    sim_day: Option<super::summary::SimulatedDay>,
}

impl QueueDay {
    fn projected(&self) -> Option<f64> {
        (self.projected_weight > 0.0).then(|| self.projected_weighted / self.projected_weight)
    }

    fn simulated(&self) -> Option<f64> {
        if let Some(d) = &self.sim_day {
            return d.service_level;
        }
        (self.sim_rated > 0.0).then(|| self.sim_within / self.sim_rated)
    }

    /// The lower 95% limit of the simulated service level (the mean when there is none).
    fn simulated_low(&self) -> Option<f64> {
        match &self.sim_day {
            Some(d) => d.service_level_ci_low.or(d.service_level),
            None => self.simulated(),
        }
    }

    fn abandon_rate(&self) -> Option<f64> {
        if let Some(d) = &self.sim_day {
            return d.abandon_rate;
        }
        (self.sim_offered > 0.0).then(|| self.sim_abandoned / self.sim_offered)
    }

    /// The simulated service level with its confidence interval, e.g. `85.1% (82.3–87.9%)`.
    fn simulated_text(&self) -> String {
        match (&self.sim_day, self.simulated()) {
            (Some(d), Some(v)) => match (d.service_level_ci_low, d.service_level_ci_high) {
                (Some(lo), Some(hi)) => format!("{} ({}–{})", pct(v), short_pct1(lo), pct(hi)),
                _ => pct(v),
            },
            (_, v) => opt_pct(v),
        }
    }

    fn add(&mut self, o: &QueueDay) {
        self.contacts += o.contacts;
        self.projected_weighted += o.projected_weighted;
        self.projected_weight += o.projected_weight;
        self.sim_offered += o.sim_offered;
        self.sim_within += o.sim_within;
        self.sim_rated += o.sim_rated;
        self.sim_abandoned += o.sim_abandoned;
        self.under_agent_hours += o.under_agent_hours;
        self.paid_hours += o.paid_hours;
        self.cost = match (self.cost, o.cost) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Verdict {
    Met,
    Missed,
    /// No target, or no figure to judge it by.
    Open,
}

/// Every queue's figures per planned day.
pub(super) struct QueueDays {
    days: Vec<NaiveDate>,
    figures: BTreeMap<(String, NaiveDate), QueueDay>,
}

impl QueueDays {
    pub fn new(ctx: &Context<'_>) -> QueueDays {
        let d = ctx.data;
        let hours = f64::from(ctx.grid.interval_minutes) / 60.0;
        let mut figures: BTreeMap<(String, NaiveDate), QueueDay> = BTreeMap::new();
        fn at<'f>(
            figures: &'f mut BTreeMap<(String, NaiveDate), QueueDay>,
            q: &str,
            day: NaiveDate,
        ) -> &'f mut QueueDay {
            figures.entry((q.to_string(), day)).or_default()
        }
        for r in &d.forecast {
            at(&mut figures, &r.queue, r.interval_start.date_naive()).contacts += r.contacts;
        }
        for c in &d.coverage {
            let f = at(&mut figures, &c.queue, c.interval_start.date_naive());
            f.under_agent_hours += (-c.difference).max(0) as f64 * hours;
            let n = ctx.contacts.get(&(c.interval_start, c.queue.clone())).copied().unwrap_or(0.0);
            if c.service_level.is_finite() && n > 0.0 {
                f.projected_weighted += n * c.service_level;
                f.projected_weight += n;
            }
        }
        for day in &d.simulation_days {
            at(&mut figures, &day.queue, day.date).sim_day = Some(day.clone());
        }
        for s in &d.simulation {
            let f = at(&mut figures, &s.queue, s.interval_start.date_naive());
            f.sim_offered += s.offered;
            f.sim_abandoned += s.abandoned;
            if let Some(sl) = s.service_level {
                f.sim_within += sl * s.offered;
                f.sim_rated += s.offered;
            }
        }
        let per_queue_day = d.summary.roster.as_ref().map(|r| &r.per_queue_day);
        match per_queue_day.filter(|p| !p.is_empty()) {
            Some(rows) => {
                for p in rows {
                    if let Ok(day) = crate::time::parse_date(&p.date) {
                        let f = at(&mut figures, &p.queue, day);
                        f.paid_hours += p.paid_hours;
                        f.cost = Some(f.cost.unwrap_or(0.0) + p.cost);
                    }
                }
            }
            // A summary.json from before costs were kept per day: hours from roster.csv.
            None => {
                for r in &d.roster {
                    at(&mut figures, &r.queue, r.date).paid_hours +=
                        f64::from(r.paid_minutes) / 60.0;
                }
            }
        }
        QueueDays { days: ctx.days(), figures }
    }

    fn day(&self, queue: &str, day: NaiveDate) -> QueueDay {
        self.figures.get(&(queue.to_string(), day)).cloned().unwrap_or_default()
    }

    fn week(&self, queue: &str) -> QueueDay {
        let mut total = QueueDay::default();
        for &day in &self.days {
            total.add(&self.day(queue, day));
        }
        total
    }

    fn has_figures(&self) -> bool {
        self.figures.values().any(|f| f.contacts > 0.0 || f.sim_offered > 0.0 || f.paid_hours > 0.0)
    }

    /// The verdict for a queue over a day (or week), the figure it rests on, and any breach of
    /// the abandonment limit. A simulated day is judged like the plan's loop judges it
    /// ([`crate::simulate::meets_target`]: lower 95% limit against the target less the
    /// tolerance, mean abandonment against the cap); without a simulation, the Erlang
    /// projection against the target itself.
    fn verdict(
        ctx: &Context<'_>,
        queue: &str,
        f: &QueueDay,
    ) -> (Verdict, Option<f64>, Option<f64>) {
        let q = ctx.queue(queue);
        let deferred = ctx.is_deferred(queue);
        let target = if deferred {
            Some(q.and_then(|q| q.service_level_target).unwrap_or(DEFERRED_TARGET))
        } else {
            q.and_then(|q| q.service_level_target)
        };
        let cap = if deferred { None } else { q.and_then(|q| q.max_abandon_rate) };
        let abandon_breach = match (cap, f.abandon_rate()) {
            (Some(limit), Some(a)) if a > limit + 1e-9 => Some(a),
            _ => None,
        };
        let (figure, verdict) = match f.simulated() {
            Some(v) => (
                Some(v),
                crate::simulate::meets_target(target, f.simulated_low(), cap, f.abandon_rate()),
            ),
            None if deferred => (None, None),
            None => {
                let v = f.projected();
                (v, target.zip(v).map(|(t, v)| v + 1e-9 >= t))
            }
        };
        match verdict {
            Some(true) => (Verdict::Met, figure, None),
            Some(false) => (Verdict::Missed, figure, abandon_breach),
            None => (Verdict::Open, figure, abandon_breach),
        }
    }

    /// A table cell with the verdict in words (the colour only repeats it) and its figure.
    fn verdict_cell(ctx: &Context<'_>, queue: &str, f: &QueueDay, with_figure: bool) -> String {
        let (verdict, figure, abandon) = Self::verdict(ctx, queue, f);
        let (class, word) = match verdict {
            Verdict::Met => ("met", "met"),
            Verdict::Missed => ("missed", "missed"),
            Verdict::Open => ("", if figure.is_some() { "no target" } else { "–" }),
        };
        let mut detail = String::new();
        if with_figure {
            if let Some(v) = figure {
                detail = pct(v);
            }
            if let Some(a) = abandon {
                let _ = write!(detail, " · {} abandoned", pct(a));
            }
        }
        // A verdict the simulation's 95% interval cannot settle says so, beside the figure or
        // alone.
        let close = ctx.queue(queue).zip(f.sim_day.as_ref()).and_then(|(q, d)| q.close_call(d));
        if let Some(why) = close {
            let sep = if detail.is_empty() { "" } else { " · " };
            let title = escape(&why);
            let _ = write!(detail, "{sep}<span title=\"{title}\">too close to call</span>");
        }
        let detail = if detail.is_empty() { detail } else { format!("<small>{detail}</small>") };
        let class = if class.is_empty() { String::new() } else { format!(" class=\"{class}\"") };
        format!("<td{class}>{word}{detail}</td>")
    }

    /// The top of the page: met or missed for every queue and day, in words.
    pub fn glance(&self, html: &mut String, ctx: &Context<'_>) {
        if !self.has_figures() {
            return;
        }
        let basis = if ctx.data.simulation.is_empty() {
            "the service level projected by Erlang at the scheduled agents"
        } else {
            "the service level of the simulated roster, contacts weighted, and its abandonment"
        };
        let _ = writeln!(
            html,
            "<h2 id=\"glance\">Target met, per queue and day</h2>\n<p class=\"note\">Each cell says whether the queue met its target that day, judged by {basis}; deferred queues by the share answered within their deadline (target: all of them). A simulated day meets its target when the lower 95% confidence limit of its service level is at least the target less {} points and its abandonment is within the limit; \"too close to call\" marks a day whose 95% interval holds the line, so more replications could turn its verdict. On a wide screen the figure judged shows under the word; the tables below give every figure.</p>\n<div class=\"scroll\"><table class=\"glance\">",
            crate::io::table::fmt_num(crate::simulate::TARGET_TOLERANCE * 100.0, 0)
        );
        html.push_str("<tr><th>queue</th>");
        for day in &self.days {
            let _ = write!(
                html,
                "<th>{}<small>{}</small></th>",
                day.format("%a"),
                day.format("%-d %b")
            );
        }
        html.push_str("<th class=\"wk\">week</th></tr>\n");
        let (mut met, mut judged) = (0, 0);
        for (queue, _) in &ctx.queues {
            let _ = write!(
                html,
                "<tr><th scope=\"row\">{}<small>{}</small></th>",
                escape(queue),
                escape(&target_text(ctx, queue))
            );
            for &day in &self.days {
                let f = self.day(queue, day);
                match Self::verdict(ctx, queue, &f).0 {
                    Verdict::Met => (met, judged) = (met + 1, judged + 1),
                    Verdict::Missed => judged += 1,
                    Verdict::Open => {}
                }
                html.push_str(&Self::verdict_cell(ctx, queue, &f, true));
            }
            let week = Self::verdict_cell(ctx, queue, &self.week(queue), true);
            html.push_str(&week.replacen("<td", "<td data-wk", 1));
            html.push_str("</tr>\n");
        }
        let _ = writeln!(
            html,
            "</table></div>\n<p class=\"note\"><b>{met} of {judged}</b> queue-days met their target.</p>"
        );
    }

    /// One table per queue: a row per day and the week, with every figure behind the verdict;
    /// then paid hours and cost per day over all queues.
    pub fn tables(&self, html: &mut String, ctx: &Context<'_>) {
        if !self.has_figures() {
            return;
        }
        let currency = ctx.data.summary.roster.as_ref().and_then(|r| r.currency.clone());
        let cost_head = currency.as_ref().map(|c| format!("cost ({c})")).unwrap_or("cost".into());
        html.push_str("<h2 id=\"days\">Per queue and day</h2>\n<p class=\"note\">Service level: the share answered within the target time, projected by Erlang at the scheduled agents and simulated on the roster (with absence, multi-skilled agents and priorities; in brackets its 95% confidence interval over replications). A queue answered by another queue's skill (a VIP line) has no shifts of its own: its host queue's agents, hours and cost serve both. Under-staffed: agent-hours scheduled below the requirement. Paid hours and cost: the rostered agents' shifts on the queue (an agent works one queue a day).</p>\n");
        for (queue, _) in &ctx.queues {
            let deferred = ctx.is_deferred(queue);
            let _ = write!(
                html,
                "<h3>{} <small>({})</small></h3>\n<div class=\"scroll\"><table>\n<tr><th>day</th><th>contacts</th>",
                escape(queue),
                escape(&target_text(ctx, queue))
            );
            if deferred {
                html.push_str("<th>answered within the deadline</th>");
            } else {
                html.push_str("<th>projected (Erlang)</th><th>simulated</th><th>abandoned</th>");
            }
            let _ = writeln!(
                html,
                "<th>target</th><th>under-staffed agent-hours</th><th>paid hours</th><th>{}</th></tr>",
                escape(&cost_head)
            );
            let rows =
                self.days.iter().map(|d| (d.format("%a %-d %b").to_string(), self.day(queue, *d)));
            for (label, f) in rows.chain([("week".to_string(), self.week(queue))]) {
                let class = if label == "week" { " class=\"total\"" } else { "" };
                let _ =
                    write!(html, "<tr{class}><td>{label}</td><td>{}</td>", thousands(f.contacts));
                if deferred {
                    let _ = write!(html, "<td>{}</td>", f.simulated_text());
                } else {
                    let _ = write!(
                        html,
                        "<td>{}</td><td>{}</td><td>{}</td>",
                        opt_pct(f.projected()),
                        f.simulated_text(),
                        opt_pct(f.abandon_rate())
                    );
                }
                html.push_str(&Self::verdict_cell(ctx, queue, &f, false));
                let _ = writeln!(
                    html,
                    "<td>{}</td><td>{}</td><td>{}</td></tr>",
                    crate::io::table::fmt_num(f.under_agent_hours, 2),
                    thousands(f.paid_hours),
                    f.cost.map(thousands).unwrap_or_else(|| "–".into())
                );
            }
            html.push_str("</table></div>\n");
        }
        self.totals_table(html, ctx, &cost_head, currency.as_deref());
    }

    /// Paid hours and cost per day, all queues together.
    fn totals_table(
        &self,
        html: &mut String,
        ctx: &Context<'_>,
        cost_head: &str,
        currency: Option<&str>,
    ) {
        let _ = writeln!(
            html,
            "<h3>All queues</h3>\n<div class=\"scroll\"><table>\n<tr><th>day</th><th>contacts</th><th>under-staffed agent-hours</th><th>paid hours</th><th>{}</th><th>queues met</th></tr>",
            escape(cost_head)
        );
        let mut week = QueueDay::default();
        let (mut week_met, mut week_judged) = (0, 0);
        for &day in &self.days {
            let mut total = QueueDay::default();
            let (mut met, mut judged) = (0, 0);
            for (queue, _) in &ctx.queues {
                let f = self.day(queue, day);
                match Self::verdict(ctx, queue, &f).0 {
                    Verdict::Met => (met, judged) = (met + 1, judged + 1),
                    Verdict::Missed => judged += 1,
                    Verdict::Open => {}
                }
                total.add(&f);
            }
            week.add(&total);
            (week_met, week_judged) = (week_met + met, week_judged + judged);
            totals_row(html, &day.format("%a %-d %b").to_string(), &total, (met, judged), "");
        }
        totals_row(html, "week", &week, (week_met, week_judged), " class=\"total\"");
        html.push_str("</table></div>\n");
        if let Some(cost) = week.cost {
            let _ = writeln!(
                html,
                "<p class=\"note\">Rostered cost of the week: {}.</p>",
                money(cost, currency)
            );
        }
    }

    /// "Mon 23 100.0%, Tue 24 99.2%, …" for a deferred queue, with the verdict of each day.
    pub fn deadline_shares(&self, ctx: &Context<'_>, queue: &str) -> String {
        self.days
            .iter()
            .filter_map(|&day| {
                let f = self.day(queue, day);
                let (verdict, v, _) = Self::verdict(ctx, queue, &f);
                let word = match verdict {
                    Verdict::Met => " met",
                    Verdict::Missed => " missed",
                    Verdict::Open => "",
                };
                v.map(|v| format!("{} {}{word}", day.format("%a %-d"), pct(v)))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn totals_row(
    html: &mut String,
    label: &str,
    f: &QueueDay,
    (met, judged): (u32, u32),
    class: &str,
) {
    let _ = writeln!(
        html,
        "<tr{class}><td>{label}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        thousands(f.contacts),
        crate::io::table::fmt_num(f.under_agent_hours, 2),
        thousands(f.paid_hours),
        f.cost.map(thousands).unwrap_or_else(|| "–".into()),
        if judged > 0 { format!("{met} of {judged}") } else { "–".into() }
    );
}

/// The queue's target in words: `80% within 20 s`, `99% within 2 h`, `no target`.
fn target_text(ctx: &Context<'_>, queue: &str) -> String {
    let Some(q) = ctx.queue(queue) else {
        return "no target".into();
    };
    if ctx.is_deferred(queue) {
        return match q.deadline_minutes {
            Some(m) => format!("{} within {}", short_pct(DEFERRED_TARGET), minutes_text(m)),
            None => format!("{} within the deadline", short_pct(DEFERRED_TARGET)),
        };
    }
    let mut text = match (q.service_level_target, q.target_answer_seconds) {
        (Some(t), Some(s)) => {
            format!("{} within {} s", short_pct(t), crate::io::table::fmt_num(s, 0))
        }
        (Some(t), None) => format!("service level {}", short_pct(t)),
        _ => "no target".into(),
    };
    if let Some(a) = abandon_limit(q) {
        let _ = write!(text, ", abandoned ≤ {}", short_pct(a));
    }
    text
}

fn abandon_limit(q: &QueueTarget) -> Option<f64> {
    q.max_abandon_rate
}

/// `2 h`, `90 min`.
pub(super) fn minutes_text(minutes: f64) -> String {
    if minutes >= 60.0 && (minutes % 60.0).abs() < 1e-9 {
        format!("{} h", crate::io::table::fmt_num(minutes / 60.0, 0))
    } else {
        format!("{} min", crate::io::table::fmt_num(minutes, 0))
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// A target as written in plan.toml: `80%`, `99%`, `3.5%`.
fn short_pct1(v: f64) -> String {
    format!("{:.1}", v * 100.0)
}

fn short_pct(v: f64) -> String {
    super::charts::ValueFormat::Percent.format(v)
}

fn opt_pct(v: Option<f64>) -> String {
    v.map(pct).unwrap_or_else(|| "–".into())
}

fn thousands(v: f64) -> String {
    super::svg::thousands(v, 0)
}

/// Contacts waiting at the middle of each simulated interval of `queue`, estimated from
/// simulation.csv: an interval's arrivals are spread evenly over it and each waits the
/// interval's mean time to answer, so a contact arriving at `a` is waiting over `[a, a + w)`.
/// The time integral of this estimate equals Σ offered × wait, as Little's law asks of the mean
/// number waiting. Empty when simulation.csv has no `asa_seconds`.
pub(super) fn backlog(
    sim: &[SimulatedInterval],
    queue: &str,
    interval_seconds: i64,
) -> Vec<(i64, f64)> {
    let rows: Vec<(i64, f64, f64)> = sim
        .iter()
        .filter(|r| r.queue == queue)
        .filter_map(|r| {
            r.asa_seconds.map(|w| (r.interval_start.timestamp(), r.offered, w.max(0.0)))
        })
        .collect();
    let len = interval_seconds.max(1) as f64;
    rows.iter()
        .map(|&(start, _, _)| {
            let t = start as f64 + len / 2.0;
            let waiting: f64 = rows
                .iter()
                .filter(|&&(s, n, w)| n > 0.0 && (s as f64) <= t && s as f64 + len + w > t)
                .map(|&(s, n, w)| {
                    // Arrivals x in [s, s + len) still waiting at t: t − w < x ≤ t.
                    let lo = (s as f64).max(t - w);
                    let hi = (s as f64 + len).min(t);
                    n * ((hi - lo).max(0.0) / len)
                })
                .sum();
            (start, waiting)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn interval(minute: u32, offered: f64, asa: f64) -> SimulatedInterval {
        let tz = chrono_tz::Asia::Shanghai;
        let at = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(8, minute, 0).unwrap();
        SimulatedInterval {
            interval_start: tz.from_local_datetime(&at).unwrap(),
            queue: "email".into(),
            offered,
            answered: offered,
            abandoned: 0.0,
            service_level: Some(1.0),
            asa_seconds: Some(asa),
        }
    }

    #[test]
    fn backlog_holds_each_arrival_for_its_mean_wait() {
        // 30 emails arrive 08:00–08:15 and wait 30 minutes on average; 08:15 and 08:30 none.
        let sim = [interval(0, 30.0, 1800.0), interval(15, 0.0, 0.0), interval(30, 0.0, 0.0)];
        let b = backlog(&sim, "email", 900);
        // 08:07:30: half the interval's arrivals are in (all still waiting) = 15.
        assert!((b[0].1 - 15.0).abs() < 1e-9, "{b:?}");
        // 08:22:30: all 30 arrived, none answered yet (earliest answer 08:30).
        assert!((b[1].1 - 30.0).abs() < 1e-9, "{b:?}");
        // 08:37:30: those arriving before 08:07:30 were answered: 15 left.
        assert!((b[2].1 - 15.0).abs() < 1e-9, "{b:?}");
        assert!(backlog(&sim, "voice", 900).is_empty());
    }

    #[test]
    fn durations_read_in_hours_or_minutes() {
        assert_eq!(minutes_text(120.0), "2 h");
        assert_eq!(minutes_text(15.0), "15 min");
        assert_eq!(minutes_text(90.0), "90 min");
    }
}
