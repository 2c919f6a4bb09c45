//! The report's chart types, drawn from plain numbers: a time-series chart (lines, steps, bands
//! and a target line over local days), a day × time-of-day heat map, a Gantt chart of agents'
//! shifts with breaks, and a bar chart.
//!
//! Every chart is a `<figure>`: its title, a text description for screen readers, an HTML legend,
//! and a plot. The plot is an SVG stretched to the page width (`preserveAspectRatio="none"`,
//! strokes that do not scale) with no text in it; the axis labels are HTML laid over it at
//! percentages of its width, so a chart fits a phone as well as a desktop and its text keeps its
//! size. Each data point has a hover target carrying its values in a `<title>` (shown as a
//! tooltip by browsers, and by the page's small script).
//!
//! Time runs on absolute instants (seconds since the epoch) so that daylight-saving days take
//! their true 23 or 25 hours; labels and day boundaries come from the site's local wall clock.
//! A [`TimeAxis`] shows each day only over the hours the site is open, so a centre open
//! 08:00–21:00 does not spend half of every chart on the night.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;

use super::svg::{escape, nice_ticks, px, thousands, tick_label, Scale, Stroke, Svg};

/// Colours that stay distinct for colour-blind readers (Okabe & Ito, "Color Universal Design").
pub const PALETTE: [&str; 8] =
    ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7F7F00", "#000000"];

/// Width of every plot's viewBox; the plot is stretched to the page, so this is a resolution.
pub const VIEW_W: f64 = 1000.0;
const GRID: &str = "#e3e3e3";
const AXIS: &str = "#555555";
/// Colour of a target line.
pub const TARGET: &str = "#c0392b";

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    /// Straight segments through the points.
    Line,
    /// Same, dashed.
    Dashed,
    /// A staircase: each value holds for one interval (headcounts).
    Step,
}

/// One line of a time chart: `(instant in seconds, value)` pairs in time order.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub colour: String,
    pub style: Style,
    pub points: Vec<(i64, f64)>,
}

/// A shaded band between a lower and an upper value (e.g. P10–P90).
#[derive(Debug, Clone)]
pub struct Band {
    pub label: String,
    pub colour: String,
    /// `(instant in seconds, lower, upper)` in time order.
    pub points: Vec<(i64, f64, f64)>,
}

/// How a number is printed on a chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueFormat {
    /// With this many decimals at most, thousands separated by commas.
    Number(usize),
    /// A fraction as a percentage with one decimal.
    Percent,
}

impl ValueFormat {
    pub fn format(&self, v: f64) -> String {
        match self {
            ValueFormat::Number(d) => thousands(v, *d),
            ValueFormat::Percent => format!("{}%", crate::io::table::fmt_num(v * 100.0, 1)),
        }
    }

    /// An axis tick: percentages without decimals when the step allows.
    fn tick(&self, v: f64, step: f64) -> String {
        match self {
            ValueFormat::Number(_) => tick_label(v, step),
            ValueFormat::Percent => format!("{}%", tick_label(v * 100.0, step * 100.0)),
        }
    }
}

/// A legend entry: a label with its colour and how it is drawn.
#[derive(Debug, Clone)]
pub struct LegendItem {
    pub label: String,
    pub colour: String,
    pub kind: LegendKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LegendKind {
    Line,
    Dashed,
    Swatch,
}

/// The HTML legend: one entry per item, wrapping on narrow screens.
fn legend_html(items: &[LegendItem]) -> String {
    let mut out = String::from("<div class=\"legend\">");
    for item in items {
        let class = match item.kind {
            LegendKind::Line => "ln",
            LegendKind::Dashed => "da",
            LegendKind::Swatch => "sw",
        };
        let _ = write!(
            out,
            "<span><i class=\"{class}\" style=\"--c:{}\"></i>{}</span>",
            escape(&item.colour),
            escape(&item.label)
        );
    }
    out.push_str("</div>");
    out
}

/// The parts of one chart's `<figure>`.
struct Figure<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a str,
    /// Extra class (`tc` for zoomable time charts) and attributes of the figure.
    class: &'a str,
    attrs: String,
    legend: &'a [LegendItem],
    /// Left gutter for the y or row labels: `gt` (ticks), `gd` (days), `gn` (names).
    gutter: &'a str,
    height: f64,
    svg: String,
    labels: String,
}

impl Figure<'_> {
    fn html(&self) -> String {
        format!(
            "<figure class=\"fig {}\"{}>\n<figcaption>{}</figcaption>\n<p class=\"sr\" id=\"{}-desc\">{}</p>\n{}\n<div class=\"plot {}\" style=\"height:{}px\">{}{}</div>\n</figure>",
            self.class,
            self.attrs,
            escape(self.title),
            escape(self.id),
            escape(self.description),
            legend_html(self.legend),
            self.gutter,
            px(self.height),
            self.svg,
            self.labels
        )
    }
}

/// A y-axis tick label at `y` pixels from the top of the plot.
fn y_label(out: &mut String, y: f64, text: &str) {
    let _ = write!(out, "<span class=\"yt\" style=\"top:{}px\">{}</span>", px(y), escape(text));
}

/// An x-axis label at `percent` of the plot width; `class` is `xl` plus `s` (starts there) or
/// `e` (ends there) for labels at the edges.
fn x_label(out: &mut String, percent: f64, class: &str, text: &str) {
    let _ = write!(
        out,
        "<span class=\"{class}\" style=\"left:{}%\">{}</span>",
        px(percent),
        escape(text)
    );
}

/// The x axis of time charts and the Gantt chart: whole local days side by side, each shown
/// from `open_from_minutes` to `open_to_minutes` of its wall clock.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeAxis {
    pub tz: Tz,
    pub first_day: NaiveDate,
    pub days: usize,
    pub open_from_minutes: u32,
    pub open_to_minutes: u32,
}

impl TimeAxis {
    /// Days `first..=last`, each shown over `[from, to)` minutes of the day (`to` ≤ 1440).
    pub fn new(tz: Tz, first: NaiveDate, last: NaiveDate, open: (u32, u32)) -> TimeAxis {
        let (from, to) = (open.0.min(1439), open.1.clamp(open.0.min(1439) + 1, 1440));
        TimeAxis {
            tz,
            first_day: first,
            days: ((last - first).num_days() + 1).max(1) as usize,
            open_from_minutes: from,
            open_to_minutes: to,
        }
    }

    fn day_width(&self) -> f64 {
        VIEW_W / self.days as f64
    }

    /// Local day index and minute of the day (with seconds) of an instant.
    fn day_minute(&self, secs: i64) -> Option<(i64, f64)> {
        let local = self.tz.timestamp_opt(secs, 0).single()?.naive_local();
        let day = (local.date() - self.first_day).num_days();
        let minute =
            f64::from(local.hour() * 60 + local.minute()) + f64::from(local.second()) / 60.0;
        Some((day, minute))
    }

    fn x_of(&self, day: i64, minute: f64) -> f64 {
        let span = f64::from(self.open_to_minutes - self.open_from_minutes);
        (day as f64 + (minute - f64::from(self.open_from_minutes)) / span) * self.day_width()
    }

    /// The x (viewBox units) of an instant, `None` outside the days or the open hours.
    pub fn x(&self, secs: i64) -> Option<f64> {
        let (day, minute) = self.day_minute(secs)?;
        let inside = |day: i64, minute: f64| {
            (f64::from(self.open_from_minutes)..=f64::from(self.open_to_minutes)).contains(&minute)
                && (0..self.days as i64).contains(&day)
        };
        if inside(day, minute) {
            Some(self.x_of(day, minute))
        } else if minute == 0.0 && self.open_to_minutes == 1440 && inside(day - 1, 1440.0) {
            // Midnight closes the day before when the window runs to 24:00.
            Some(self.x_of(day - 1, 1440.0))
        } else {
            None
        }
    }

    /// The x of an instant pulled into its day's open window (for shift bars).
    pub fn x_clamped(&self, secs: i64) -> Option<f64> {
        let (day, minute) = self.day_minute(secs)?;
        if !(0..self.days as i64).contains(&day) {
            return None;
        }
        let minute =
            minute.clamp(f64::from(self.open_from_minutes), f64::from(self.open_to_minutes));
        Some(self.x_of(day, minute))
    }

    /// `Mon 23 Nov 09:15` for an instant.
    pub fn label(&self, secs: i64) -> String {
        self.tz
            .timestamp_opt(secs, 0)
            .single()
            .map(|t| t.format("%a %-d %b %H:%M").to_string())
            .unwrap_or_default()
    }

    fn day(&self, i: usize) -> NaiveDate {
        self.first_day + Duration::days(i as i64)
    }

    /// `08:00–21:00`, or `all day`.
    pub fn hours_text(&self) -> String {
        if self.open_from_minutes == 0 && self.open_to_minutes == 1440 {
            "all day".into()
        } else {
            let hm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
            format!("{}–{}", hm(self.open_from_minutes), hm(self.open_to_minutes))
        }
    }

    /// Vertical lines between days (darker before the first day of a week).
    fn day_lines(&self, svg: &mut Svg, height: f64) {
        for i in 1..self.days {
            let x = i as f64 * self.day_width();
            let week = self.day(i).weekday() == chrono::Weekday::Mon;
            svg.line(x, 0.0, x, height, Stroke::solid(if week { "#bbbbbb" } else { GRID }, 1.0));
        }
    }

    /// Day labels under the plot: every day when there are few, else the start of each week.
    fn labels(&self, out: &mut String) {
        let w = 100.0 / self.days as f64;
        for i in 0..self.days {
            let d = self.day(i);
            if self.days <= 10 {
                x_label(out, (i as f64 + 0.5) * w, "xl", &d.format("%a %-d").to_string());
            } else if d.weekday() == chrono::Weekday::Mon || i == 0 {
                x_label(out, i as f64 * w, "xl s", &d.format("%a %-d %b").to_string());
            }
        }
    }

    /// What the page's zoom needs: the days' names and the open window.
    fn zoom_attrs(&self) -> String {
        let names: Vec<String> =
            (0..self.days).map(|i| self.day(i).format("%a %-d %b").to_string()).collect();
        format!(
            " data-days=\"{}\" data-open=\"{},{}\"",
            escape(&names.join("|")),
            self.open_from_minutes,
            self.open_to_minutes
        )
    }
}

/// A time-series chart over whole local days.
#[derive(Debug, Clone)]
pub struct TimeChart {
    pub id: String,
    pub title: String,
    /// What the chart shows, in a sentence; the figures' ranges are added to it.
    pub description: String,
    /// Unit of the values, for the description (`contacts`, `agents`).
    pub unit: String,
    pub y_format: ValueFormat,
    pub height: f64,
    pub axis: TimeAxis,
    /// Interval length: points further apart than this are not joined (closed hours, gaps).
    pub interval_seconds: i64,
    pub bands: Vec<Band>,
    pub series: Vec<Series>,
    /// A horizontal reference line (value, label), e.g. the service-level target.
    pub reference: Option<(f64, String)>,
    /// Fixed y range; otherwise from 0 (or the data minimum if negative) to the data maximum.
    pub y_range: Option<(f64, f64)>,
    /// Shade from this day on (inclusive), labelled; e.g. where the forecast begins.
    pub shade_from: Option<(NaiveDate, String)>,
}

impl TimeChart {
    /// Whether the chart has any data to draw inside its days and hours.
    pub fn has_data(&self) -> bool {
        self.series.iter().any(|s| s.points.iter().any(|p| self.axis.x(p.0).is_some()))
            || self.bands.iter().any(|b| b.points.iter().any(|p| self.axis.x(p.0).is_some()))
    }

    fn y_extent(&self) -> (f64, f64) {
        self.y_range.unwrap_or_else(|| {
            let values = self
                .series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .chain(self.bands.iter().flat_map(|b| b.points.iter().flat_map(|p| [p.1, p.2])))
                .chain(self.reference.iter().map(|r| r.0));
            let (mut lo, mut hi) = (0.0f64, f64::NEG_INFINITY);
            for v in values.filter(|v| v.is_finite()) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
            (lo, if hi.is_finite() { hi } else { 1.0 })
        })
    }

    /// Runs of plot points of a series: broken at gaps longer than one interval.
    fn runs(&self, s: &Series, ys: &Scale) -> Vec<Vec<(f64, f64)>> {
        let points: Vec<_> = s.points.iter().copied().filter(|p| p.1.is_finite()).collect();
        let mut runs = Vec::new();
        for run in split_runs(&points, |p| p.0, self.interval_seconds) {
            let mut out = Vec::with_capacity(run.len() * 2);
            for p in run {
                let y = ys.map(p.1);
                let Some(x) = self.axis.x(p.0) else {
                    if out.len() > 1 {
                        runs.push(std::mem::take(&mut out));
                    }
                    out.clear();
                    continue;
                };
                out.push((x, y));
                if s.style == Style::Step {
                    let end = self.axis.x(p.0 + self.interval_seconds);
                    out.push((end.unwrap_or(x), y));
                }
            }
            if !out.is_empty() {
                runs.push(out);
            }
        }
        runs
    }

    /// One hover target per instant: a transparent column with every series' value there.
    fn hover_columns(&self, svg: &mut Svg, height: f64) {
        let mut at: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for b in &self.bands {
            for p in b.points.iter().filter(|p| p.1.is_finite() && p.2.is_finite()) {
                at.entry(p.0).or_default().push(format!(
                    "{} {}–{}",
                    b.label,
                    self.y_format.format(p.1),
                    self.y_format.format(p.2)
                ));
            }
        }
        for s in &self.series {
            for p in s.points.iter().filter(|p| p.1.is_finite()) {
                at.entry(p.0).or_default().push(format!(
                    "{} {}",
                    s.label,
                    self.y_format.format(p.1)
                ));
            }
        }
        let column = VIEW_W * self.interval_seconds as f64
            / (60.0 * f64::from(self.axis.open_to_minutes - self.axis.open_from_minutes))
            / self.axis.days as f64;
        for (t, values) in at {
            if let Some(x) = self.axis.x(t) {
                let tip = format!("{}: {}", self.axis.label(t), values.join(" · "));
                svg.hover_rect(x, 0.0, column.min(VIEW_W - x).max(0.0), height, &tip);
            }
        }
    }

    /// The screen-reader text: the caller's sentence, then each series' lowest and highest.
    fn full_description(&self) -> String {
        let mut text = format!(
            "{} {} to {}, {}.",
            self.description,
            self.axis.first_day.format("%a %-d %b"),
            self.axis.day(self.axis.days - 1).format("%a %-d %b"),
            self.axis.hours_text()
        );
        for s in &self.series {
            let shown = s.points.iter().filter(|p| p.1.is_finite() && self.axis.x(p.0).is_some());
            let lowest = shown.clone().min_by(|a, b| a.1.total_cmp(&b.1));
            let highest = shown.max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            if let (Some(lo), Some(hi)) = (lowest, highest) {
                let _ = write!(
                    text,
                    " {}: from {} to {} {} ({}).",
                    s.label,
                    self.y_format.format(lo.1),
                    self.y_format.format(hi.1),
                    self.unit,
                    self.axis.label(hi.0)
                );
            }
        }
        if let Some((v, label)) = &self.reference {
            let _ = write!(text, " {label}: {}.", self.y_format.format(*v));
        }
        text
    }

    pub fn render(&self) -> String {
        let height = self.height;
        let mut svg = Svg::new(&self.id, VIEW_W, height, &self.title);
        let mut labels = String::new();
        let (lo, hi) = self.y_extent();
        let ticks = nice_ticks(lo, hi, 5);
        let step = if ticks.len() > 1 { ticks[1] - ticks[0] } else { 1.0 };
        let ys = Scale::new(ticks[0], *ticks.last().unwrap_or(&1.0), height - 1.0, 1.0);

        if let Some((day, label)) = &self.shade_from {
            let i = (*day - self.axis.first_day).num_days().clamp(0, self.axis.days as i64);
            let sx = i as f64 * self.axis.day_width();
            svg.rect(sx, 0.0, VIEW_W - sx, height, "#eef3fa");
            x_label(&mut labels, 100.0 * sx / VIEW_W, "xl s top", &format!("{label} →"));
        }
        for &t in &ticks {
            let y = ys.map(t);
            svg.line(0.0, y, VIEW_W, y, Stroke::solid(GRID, 1.0));
            y_label(&mut labels, y, &self.y_format.tick(t, step));
        }
        self.axis.day_lines(&mut svg, height);
        self.axis.labels(&mut labels);

        for band in &self.bands {
            let points: Vec<_> = band
                .points
                .iter()
                .copied()
                .filter(|p| p.1.is_finite() && p.2.is_finite())
                .collect();
            let mut runs = Vec::new();
            for run in split_runs(&points, |p| p.0, self.interval_seconds) {
                let xy: Vec<_> = run
                    .iter()
                    .filter_map(|p| self.axis.x(p.0).map(|x| (x, ys.map(p.1), ys.map(p.2))))
                    .collect();
                if !xy.is_empty() {
                    let upper = xy.iter().map(|p| (p.0, p.2)).collect();
                    let lower = xy.iter().map(|p| (p.0, p.1)).collect();
                    runs.push((upper, lower));
                }
            }
            svg.mark_band(&runs, &band.colour, 0.25, &band.label);
        }
        for s in &self.series {
            let dash = (s.style == Style::Dashed).then_some("5 3");
            svg.mark_path(&self.runs(s, &ys), &s.colour, 1.5, dash, &s.label);
        }
        if let Some((v, _)) = &self.reference {
            let y = ys.map(*v);
            svg.line(0.0, y, VIEW_W, y, Stroke::dashed(TARGET, 1.5, "6 4"));
        }
        svg.line(0.0, height - 0.5, VIEW_W, height - 0.5, Stroke::solid(AXIS, 1.0));
        self.hover_columns(&mut svg, height);

        let mut items: Vec<LegendItem> = self
            .bands
            .iter()
            .map(|b| LegendItem {
                label: b.label.clone(),
                colour: b.colour.clone(),
                kind: LegendKind::Swatch,
            })
            .collect();
        items.extend(self.series.iter().map(|s| LegendItem {
            label: s.label.clone(),
            colour: s.colour.clone(),
            kind: if s.style == Style::Dashed { LegendKind::Dashed } else { LegendKind::Line },
        }));
        if let Some((_, label)) = &self.reference {
            items.push(LegendItem {
                label: label.clone(),
                colour: TARGET.into(),
                kind: LegendKind::Dashed,
            });
        }
        let description = self.full_description();
        Figure {
            id: &self.id,
            title: &self.title,
            description: &description,
            class: "tc",
            attrs: self.axis.zoom_attrs(),
            legend: &items,
            gutter: "gt",
            height,
            svg: svg.finish(),
            labels,
        }
        .html()
    }
}

/// Split time-ordered points into runs with no step longer than `max_step` seconds.
fn split_runs<P: Copy>(points: &[P], t: impl Fn(&P) -> i64, max_step: i64) -> Vec<Vec<P>> {
    let mut runs: Vec<Vec<P>> = Vec::new();
    for p in points {
        match runs.last_mut() {
            Some(run) if t(p) - t(run.last().expect("runs are never empty")) <= max_step => {
                run.push(*p)
            }
            _ => runs.push(vec![*p]),
        }
    }
    runs
}

/// Hour labels under a plot spanning `from..to` minutes of one day: every two hours when the
/// span is long.
fn hour_labels(out: &mut String, from: u32, to: u32) {
    let step = if to - from > 10 * 60 { 120 } else { 60 };
    let first = from.div_ceil(60) * 60;
    for m in (first..=to).step_by(step as usize) {
        let percent = 100.0 * f64::from(m - from) / f64::from(to - from);
        let class = if m == from {
            "xl s"
        } else if m == to {
            "xl e"
        } else {
            "xl"
        };
        x_label(out, percent, class, &format!("{:02}:00", m / 60));
    }
}

/// A day × time-of-day heat map of a signed number (e.g. scheduled − required agents): red for
/// negative, blue for positive, white for zero, grey where there is no value (closed).
#[derive(Debug, Clone)]
pub struct HeatMap {
    pub id: String,
    pub title: String,
    pub description: String,
    pub days: Vec<NaiveDate>,
    /// Cells per day (time-of-day slots).
    pub slots_per_day: usize,
    pub interval_minutes: u32,
    /// `cells[day][slot]`.
    pub cells: Vec<Vec<Option<f64>>>,
    /// Words for the negative and positive ends, e.g. ("under-staffed", "over-staffed").
    pub negative_label: String,
    pub positive_label: String,
    /// Unit of the cells, for the tooltips (`agents`).
    pub unit: String,
}

impl HeatMap {
    pub fn has_data(&self) -> bool {
        self.cells.iter().flatten().any(Option::is_some)
    }

    /// The slots drawn: from the hour before the first value to the hour after the last, so a
    /// centre open 08:00–20:00 is not drawn as mostly grey.
    fn slot_range(&self) -> (usize, usize) {
        let per_hour = (60 / self.interval_minutes.max(1)).max(1) as usize;
        let used =
            |slot: usize| self.cells.iter().any(|r| r.get(slot).copied().flatten().is_some());
        match (
            (0..self.slots_per_day).find(|&s| used(s)),
            (0..self.slots_per_day).rev().find(|&s| used(s)),
        ) {
            (Some(first), Some(last)) => {
                let lo = (first / per_hour) * per_hour;
                let hi = ((last / per_hour) + 1) * per_hour;
                (lo, hi.min(self.slots_per_day).max(lo + 1))
            }
            _ => (0, self.slots_per_day),
        }
    }

    pub fn render(&self) -> String {
        let (s0, s1) = self.slot_range();
        let slots = (s1 - s0) as f64;
        let row_h = 20.0;
        let height = row_h * self.days.len() as f64;
        let mut svg = Svg::new(&self.id, slots, height, &self.title);
        let mut labels = String::new();
        let extent = self.cells.iter().flatten().flatten().fold(1.0f64, |m, v| m.max(v.abs()));
        let (mut under, mut over) = (0.0, 0.0);
        for (i, day) in self.days.iter().enumerate() {
            let y = i as f64 * row_h;
            let _ = write!(
                labels,
                "<span class=\"rl\" style=\"top:{}px\">{}</span>",
                px(y + row_h / 2.0),
                day.format("%a %-d")
            );
            for slot in s0..s1 {
                let x = (slot - s0) as f64;
                match self.cells.get(i).and_then(|r| r.get(slot)).copied().flatten() {
                    Some(v) => {
                        let minute = slot as u32 * self.interval_minutes;
                        let tip = format!(
                            "{} {:02}:{:02}: {} {}",
                            day.format("%a %-d %b"),
                            minute / 60,
                            minute % 60,
                            signed(v),
                            self.unit
                        );
                        if v < 0.0 {
                            under -= v;
                        } else {
                            over += v;
                        }
                        svg.mark_rect(x, y, 1.0, row_h, &diverging(v / extent), v, &tip)
                    }
                    None => svg.rect(x, y, 1.0, row_h, "#eeeeee"),
                }
            }
        }
        let from = s0 as u32 * self.interval_minutes;
        let to = s1 as u32 * self.interval_minutes;
        hour_labels(&mut labels, from, to);
        let key = |v: f64, label: &str| LegendItem {
            label: label.to_string(),
            colour: diverging(v / extent),
            kind: LegendKind::Swatch,
        };
        let legend = [
            key(-extent, &format!("{} {}", signed(-extent), self.negative_label)),
            key(0.0, "0"),
            key(extent, &format!("{} {}", signed(extent), self.positive_label)),
            LegendItem {
                label: "closed".into(),
                colour: "#eeeeee".into(),
                kind: LegendKind::Swatch,
            },
        ];
        let description = format!(
            "{} Over the week: {} {} {} and {} {} {}, summed over intervals.",
            self.description,
            crate::io::table::fmt_num(under, 0),
            self.unit,
            self.negative_label,
            crate::io::table::fmt_num(over, 0),
            self.unit,
            self.positive_label
        );
        Figure {
            id: &self.id,
            title: &self.title,
            description: &description,
            class: "hm",
            attrs: String::new(),
            legend: &legend,
            gutter: "gd",
            height,
            svg: svg.finish(),
            labels,
        }
        .html()
    }
}

fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", crate::io::table::fmt_num(v, 2))
    } else {
        crate::io::table::fmt_num(v, 2).replace('-', "−")
    }
}

/// Diverging colour for `t` in [-1, 1]: red (#b2182b) through white to blue (#2166ac), the
/// ends of ColorBrewer's RdBu scheme.
pub fn diverging(t: f64) -> String {
    let t = t.clamp(-1.0, 1.0);
    let (end, k) = if t < 0.0 { ((178.0, 24.0, 43.0), -t) } else { ((33.0, 102.0, 172.0), t) };
    let mix = |e: f64| (255.0 + (e - 255.0) * k).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(end.0), mix(end.1), mix(end.2))
}

/// One bar of a Gantt row: a worked shift with its breaks.
#[derive(Debug, Clone)]
pub struct GanttBar {
    pub start: i64,
    pub end: i64,
    /// Off-phone spans inside the bar, `[start, end)` in seconds.
    pub breaks: Vec<(i64, i64)>,
    pub colour: String,
    pub tip: String,
}

/// One agent's row.
#[derive(Debug, Clone)]
pub struct GanttRow {
    pub label: String,
    pub bars: Vec<GanttBar>,
}

/// Agents × days: each shift a coloured bar, breaks drawn as light gaps inside it.
#[derive(Debug, Clone)]
pub struct Gantt {
    pub id: String,
    pub title: String,
    pub description: String,
    pub axis: TimeAxis,
    pub rows: Vec<GanttRow>,
    /// Legend: (label, colour), e.g. one per queue.
    pub legend: Vec<(String, String)>,
}

impl Gantt {
    pub fn has_data(&self) -> bool {
        self.rows.iter().any(|r| !r.bars.is_empty())
    }

    pub fn render(&self) -> String {
        let row_h = 13.0;
        let height = row_h * self.rows.len() as f64;
        let mut svg = Svg::new(&self.id, VIEW_W, height, &self.title);
        let mut labels = String::new();
        for i in (1..self.rows.len()).step_by(2) {
            svg.rect(0.0, i as f64 * row_h, VIEW_W, row_h, "#f5f5f5");
        }
        self.axis.day_lines(&mut svg, height);
        self.axis.labels(&mut labels);
        for (i, row) in self.rows.iter().enumerate() {
            let y = i as f64 * row_h;
            let _ = write!(
                labels,
                "<span class=\"gl\" style=\"top:{}px\">{}</span>",
                px(y),
                escape(&row.label)
            );
            for bar in &row.bars {
                let (Some(bx0), Some(bx1)) =
                    (self.axis.x_clamped(bar.start), self.axis.x_clamped(bar.end - 1))
                else {
                    continue;
                };
                let hours = (bar.end - bar.start) as f64 / 3600.0;
                svg.mark_rect(bx0, y + 2.0, bx1 - bx0, row_h - 4.0, &bar.colour, hours, &bar.tip);
                for (b0, b1) in &bar.breaks {
                    if let (Some(p0), Some(p1)) = (self.axis.x(*b0), self.axis.x(*b1)) {
                        svg.rect_see_through(p0, y + 4.0, p1 - p0, row_h - 8.0, "#ffffff");
                    }
                }
            }
        }
        svg.line(0.0, height - 0.5, VIEW_W, height - 0.5, Stroke::solid(AXIS, 1.0));
        let mut items: Vec<LegendItem> = self
            .legend
            .iter()
            .map(|(l, c)| LegendItem {
                label: l.clone(),
                colour: c.clone(),
                kind: LegendKind::Swatch,
            })
            .collect();
        items.push(LegendItem {
            label: "white gap: break or lunch".into(),
            colour: "#ffffff".into(),
            kind: LegendKind::Swatch,
        });
        let bars: usize = self.rows.iter().map(|r| r.bars.len()).sum();
        let description = format!(
            "{} {} rows, {} shifts, {} to {}, {}.",
            self.description,
            self.rows.len(),
            bars,
            self.axis.first_day.format("%a %-d %b"),
            self.axis.day(self.axis.days - 1).format("%a %-d %b"),
            self.axis.hours_text()
        );
        Figure {
            id: &self.id,
            title: &self.title,
            description: &description,
            class: "tc gantt",
            attrs: self.axis.zoom_attrs(),
            legend: &items,
            gutter: "gn",
            height,
            svg: svg.finish(),
            labels,
        }
        .html()
    }
}

/// Vertical bars for a few named values, with an optional reference line.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub id: String,
    pub title: String,
    pub description: String,
    pub height: f64,
    /// `(label, value, colour)`.
    pub bars: Vec<(String, f64, String)>,
    pub reference: Option<(f64, String)>,
    /// Fixed y range (e.g. 0..1 for a service level); otherwise 0 to the largest value.
    pub y_range: Option<(f64, f64)>,
    /// How the value above each bar is printed.
    pub value_format: ValueFormat,
}

impl BarChart {
    pub fn has_data(&self) -> bool {
        !self.bars.is_empty()
    }

    pub fn render(&self) -> String {
        let height = self.height;
        let mut svg = Svg::new(&self.id, VIEW_W, height, &self.title);
        let mut labels = String::new();
        let (lo, hi) = self.y_range.unwrap_or_else(|| {
            let hi = self
                .bars
                .iter()
                .map(|b| b.1)
                .chain(self.reference.iter().map(|r| r.0))
                .fold(0.0f64, f64::max);
            let lo = self.bars.iter().map(|b| b.1).fold(0.0f64, f64::min);
            (lo, hi)
        });
        let ticks = nice_ticks(lo, hi, 5);
        let step = if ticks.len() > 1 { ticks[1] - ticks[0] } else { 1.0 };
        // Room above the tallest bar for its value.
        let ys = Scale::new(ticks[0], *ticks.last().unwrap_or(&1.0), height - 1.0, 18.0);
        for &t in &ticks {
            let y = ys.map(t);
            svg.line(0.0, y, VIEW_W, y, Stroke::solid(GRID, 1.0));
            y_label(&mut labels, y, &self.value_format.tick(t, step));
        }
        let slot = VIEW_W / self.bars.len().max(1) as f64;
        let bar_w = slot * 0.6;
        let zero = ys.map(0.0f64.clamp(ticks[0], *ticks.last().unwrap_or(&1.0)));
        let mut values = Vec::new();
        for (i, (label, value, colour)) in self.bars.iter().enumerate() {
            let cx = slot * (i as f64 + 0.5);
            let y = ys.map(*value);
            let (top, h) = if y <= zero { (y, zero - y) } else { (zero, y - zero) };
            let text = self.value_format.format(*value);
            svg.mark_rect(
                cx - bar_w / 2.0,
                top,
                bar_w,
                h,
                colour,
                *value,
                &format!("{label}: {text}"),
            );
            let _ = write!(
                labels,
                "<span class=\"bv\" style=\"left:{}%;top:{}px\">{}</span>",
                px(cx / VIEW_W * 100.0),
                px(top),
                escape(&text)
            );
            let _ = write!(
                labels,
                "<span class=\"xl bl\" style=\"left:{}%;width:{}%\">{}</span>",
                px(cx / VIEW_W * 100.0),
                px(slot / VIEW_W * 100.0),
                escape(label)
            );
            values.push(format!("{label} {text}"));
        }
        let mut items = Vec::new();
        if let Some((v, label)) = &self.reference {
            let y = ys.map(*v);
            svg.line(0.0, y, VIEW_W, y, Stroke::dashed(TARGET, 1.5, "6 4"));
            items.push(LegendItem {
                label: label.clone(),
                colour: TARGET.into(),
                kind: LegendKind::Dashed,
            });
        }
        svg.line(0.0, zero, VIEW_W, zero, Stroke::solid(AXIS, 1.0));
        let description = format!("{} {}.", self.description, values.join("; "));
        Figure {
            id: &self.id,
            title: &self.title,
            description: &description,
            class: "bars",
            attrs: String::new(),
            legend: &items,
            gutter: "gt",
            height,
            svg: svg.finish(),
            labels,
        }
        .html()
    }
}

/// Seconds since the epoch of a local wall-clock time (used by tests and callers building
/// series from naive times).
pub fn local_seconds(tz: Tz, date: NaiveDate, hour: u32, minute: u32) -> i64 {
    tz.from_local_datetime(&date.and_hms_opt(hour, minute, 0).expect("valid time"))
        .earliest()
        .expect("local time exists")
        .timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(element: &str, name: &str) -> f64 {
        let key = format!(" {name}=\"");
        let start =
            element.find(&key).unwrap_or_else(|| panic!("no {name} in {element}")) + key.len();
        let end = start + element[start..].find('"').unwrap();
        element[start..end].parse().unwrap()
    }

    fn tagged<'a>(svg: &'a str, class: &str) -> Vec<&'a str> {
        svg.match_indices(&format!("class=\"{class}\""))
            .map(|(i, _)| {
                let open = svg[..i].rfind('<').unwrap();
                let close = i + svg[i..].find('>').unwrap();
                &svg[open..=close]
            })
            .collect()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn london() -> Tz {
        "Europe/London".parse().unwrap()
    }

    #[test]
    fn bar_heights_are_proportional_to_values() {
        let chart = BarChart {
            id: "bars".into(),
            title: "t".into(),
            description: "d".into(),
            height: 218.0,
            bars: vec![("a".into(), 10.0, "#000".into()), ("b".into(), 40.0, "#000".into())],
            reference: None,
            y_range: None,
            value_format: ValueFormat::Number(0),
        };
        let html = chart.render();
        let m = tagged(&html, "mark");
        assert_eq!(m.len(), 2);
        // The axis runs 0..40 over 18..217 px, so heights are value / 40 of 199 px.
        assert!((attr(m[0], "height") - 199.0 * 10.0 / 40.0).abs() <= 0.1, "{}", m[0]);
        assert!((attr(m[1], "height") - 199.0).abs() <= 0.1, "{}", m[1]);
        assert_eq!(attr(m[1], "data-value"), 40.0);
        assert!(html.contains("<title>b: 40</title>"));
        assert!(html.contains("a 10; b 40."), "the description lists the values");
    }

    #[test]
    fn the_axis_shows_only_open_hours_and_days_side_by_side() {
        let tz = london();
        let axis = TimeAxis::new(tz, day(23), day(24), (8 * 60, 21 * 60));
        let t = |d, h, m| local_seconds(tz, day(d), h, m);
        assert_eq!(axis.x(t(23, 8, 0)), Some(0.0));
        assert_eq!(axis.x(t(23, 21, 0)), Some(500.0));
        assert_eq!(axis.x(t(24, 8, 0)), Some(500.0));
        assert!((axis.x(t(24, 14, 30)).unwrap() - 750.0).abs() < 1e-9);
        assert_eq!(axis.x(t(23, 3, 0)), None, "night hours are not drawn");
        assert_eq!(axis.x(t(25, 9, 0)), None, "nor days outside the chart");
        assert_eq!(axis.x_clamped(t(23, 7, 0)), Some(0.0));
        // A 24-hour site: midnight closes the day before.
        let all = TimeAxis::new(tz, day(23), day(24), (0, 1440));
        assert_eq!(all.x(t(23, 0, 0)), Some(0.0));
        assert_eq!(all.x(t(24, 0, 0)), Some(500.0));
        assert_eq!(all.x(t(25, 0, 0)), Some(1000.0));
        assert_eq!(all.x(t(25, 0, 15)), None);
    }

    #[test]
    fn step_series_hold_each_value_for_one_interval_and_break_at_gaps() {
        let tz = london();
        let t = |h, m| local_seconds(tz, day(23), h, m);
        let chart = TimeChart {
            id: "ts".into(),
            title: "t".into(),
            description: "Agents.".into(),
            unit: "agents".into(),
            y_format: ValueFormat::Number(0),
            height: 200.0,
            axis: TimeAxis::new(tz, day(23), day(23), (8 * 60, 12 * 60)),
            interval_seconds: 900,
            bands: vec![],
            series: vec![Series {
                label: "required".into(),
                colour: "#000".into(),
                style: Style::Step,
                points: vec![(t(9, 0), 2.0), (t(9, 15), 4.0), (t(11, 0), 3.0)],
            }],
            reference: Some((3.5, "target".into())),
            y_range: None,
            shade_from: None,
        };
        let html = chart.render();
        let path = tagged(&html, "mark")[0];
        // Two runs (09:00–09:30 and 11:00–11:15), each value held for one interval (62.5 units).
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert!(path.contains("M250 "), "{path}");
        assert!(path.contains("L375 "), "{path}");
        assert!(path.contains("vector-effect=\"non-scaling-stroke\""));
        // Every instant has a hover target with its value.
        let hover = tagged(&html, "hover");
        assert_eq!(hover.len(), 3);
        assert!(html.contains("<title>Mon 23 Nov 09:15: required 4</title>"), "{html}");
        assert!(html.contains("required: from 2 to 4 agents (Mon 23 Nov 09:15)."));
        assert!(html.contains(">target</span>"), "the target is named in the legend");
    }

    #[test]
    fn percent_axes_are_labelled_in_percent() {
        assert_eq!(ValueFormat::Percent.tick(0.8, 0.05), "80%");
        assert_eq!(ValueFormat::Percent.tick(0.85, 0.05), "85%");
        assert_eq!(ValueFormat::Percent.format(0.8234), "82.3%");
        assert_eq!(thousands(15200.0, 0), "15,200");
    }

    #[test]
    fn gantt_bars_span_their_shift_on_the_open_axis() {
        let tz = london();
        let t = |h| local_seconds(tz, day(23), h, 0);
        let gantt = Gantt {
            id: "g".into(),
            title: "Roster <9-17>".into(),
            description: "d".into(),
            axis: TimeAxis::new(tz, day(23), day(23), (8 * 60, 20 * 60)),
            rows: vec![GanttRow {
                label: "O'Brien <Ann> & Co".into(),
                bars: vec![GanttBar {
                    start: t(9),
                    end: t(17),
                    breaks: vec![(t(12), t(13))],
                    colour: "#000".into(),
                    tip: "voice & <chat>".into(),
                }],
            }],
            legend: vec![],
        };
        let html = gantt.render();
        assert!(html.contains("O&#39;Brien &lt;Ann&gt; &amp; Co"));
        assert!(html.contains("voice &amp; &lt;chat&gt;"));
        assert!(!html.contains("<Ann>") && !html.contains("<chat>") && !html.contains("<9-17>"));
        let m = tagged(&html, "mark");
        assert_eq!(m.len(), 1);
        assert_eq!(attr(m[0], "data-value"), 8.0);
        // 8 of the 12 open hours drawn.
        assert!((attr(m[0], "width") - 1000.0 * 8.0 / 12.0).abs() < 0.1, "{}", m[0]);
        // The lunch gap, drawn over the bar's middle, lets the pointer through to the bar's
        // tooltip (a browser shows none over an element without one).
        let gap = html
            .split("<rect ")
            .find(|r| r.contains("fill=\"#ffffff\""))
            .expect("the break's gap is drawn");
        assert!(gap.contains("pointer-events=\"none\""), "{gap}");
    }

    #[test]
    fn heat_map_trims_closed_hours_to_whole_hours() {
        let mut cells = vec![vec![None; 96]];
        cells[0][33] = Some(1.0); // 08:15
        cells[0][78] = Some(-1.0); // 19:30
        let map = HeatMap {
            id: "h".into(),
            title: "t".into(),
            description: "d".into(),
            days: vec![day(23)],
            slots_per_day: 96,
            interval_minutes: 15,
            cells,
            negative_label: "under".into(),
            positive_label: "over".into(),
            unit: "agents".into(),
        };
        assert_eq!(map.slot_range(), (32, 80));
        let html = map.render();
        assert!(html.contains(">08:00</span>") && html.contains(">20:00</span>"));
        assert!(!html.contains(">07:00</span>") && !html.contains(">22:00</span>"));
        assert!(html.contains("<title>Mon 23 Nov 19:30: −1 agents</title>"), "{html}");
    }

    #[test]
    fn diverging_colours_hit_the_ends_and_white() {
        assert_eq!(diverging(-1.0), "#b2182b");
        assert_eq!(diverging(0.0), "#ffffff");
        assert_eq!(diverging(1.0), "#2166ac");
        assert_eq!(diverging(7.0), "#2166ac");
    }
}
