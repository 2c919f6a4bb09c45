//! The report's chart types, drawn from plain numbers: a time-series chart (lines, steps, bands
//! and a target line over local days), a day × time-of-day heat map, a Gantt chart of agents'
//! shifts with breaks, and a bar chart.
//!
//! Time runs on absolute instants (seconds since the epoch) so that daylight-saving days take
//! their true 23 or 25 hours; labels and day boundaries come from the site's local wall clock.

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use chrono_tz::Tz;

use super::svg::{
    legend, nice_ticks, px, thousands, tick_label, LegendItem, LegendKind, Scale, Stroke, Svg,
};
use crate::time::start_of_day;

/// Colours that stay distinct for colour-blind readers (Okabe & Ito, "Color Universal Design").
pub const PALETTE: [&str; 8] =
    ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7F7F00", "#000000"];

const LEFT: f64 = 64.0;
const RIGHT: f64 = 18.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 34.0;
const GRID: &str = "#e3e3e3";
const AXIS: &str = "#555555";

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

/// A time-series chart over whole local days.
#[derive(Debug, Clone)]
pub struct TimeChart {
    pub id: String,
    pub title: String,
    pub y_label: String,
    pub width: f64,
    pub height: f64,
    pub tz: Tz,
    /// First and last local day shown (inclusive).
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
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
    /// Whether the chart has any data to draw.
    pub fn has_data(&self) -> bool {
        self.series.iter().any(|s| !s.points.is_empty())
            || self.bands.iter().any(|b| !b.points.is_empty())
    }

    pub fn render(&self) -> String {
        let mut svg = Svg::new(&self.id, self.width, self.height, &self.title);
        let (x0, x1) = (LEFT, self.width - RIGHT);
        let (y_top, y_bottom) = (TOP, self.height - BOTTOM);
        let t0 = start_of_day(self.first_day, self.tz).timestamp();
        let t1 = start_of_day(self.last_day + Duration::days(1), self.tz).timestamp();
        let xs = Scale::new(t0 as f64, t1 as f64, x0, x1);

        let (lo, hi) = self.y_range.unwrap_or_else(|| {
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
        });
        let ticks = nice_ticks(lo, hi, 5);
        let step = if ticks.len() > 1 { ticks[1] - ticks[0] } else { 1.0 };
        let ys = Scale::new(ticks[0], *ticks.last().unwrap_or(&1.0), y_bottom, y_top);

        if let Some((day, label)) = &self.shade_from {
            let sx = xs.map(start_of_day(*day, self.tz).timestamp() as f64).clamp(x0, x1);
            svg.rect(sx, y_top, x1 - sx, y_bottom - y_top, "#f4f7fb");
            svg.text_styled(sx + 4.0, y_top + 12.0, "start", label, r##"fill="#777""##);
        }
        for &t in &ticks {
            let y = ys.map(t);
            svg.line(x0, y, x1, y, Stroke::solid(GRID, 1.0));
            svg.text(x0 - 6.0, y + 4.0, "end", &tick_label(t, step));
        }
        day_axis(&mut svg, self.tz, self.first_day, self.last_day, &xs, y_top, y_bottom);
        svg.text_styled(
            14.0,
            (y_top + y_bottom) / 2.0,
            "middle",
            &self.y_label,
            &format!(r#"transform="rotate(-90 14 {})""#, px((y_top + y_bottom) / 2.0)),
        );

        for band in &self.bands {
            let mut runs = Vec::new();
            let points: Vec<_> = band
                .points
                .iter()
                .copied()
                .filter(|p| p.1.is_finite() && p.2.is_finite())
                .collect();
            for run in split_runs(&points, |p| p.0, self.interval_seconds) {
                let upper = run.iter().map(|p| (xs.map(p.0 as f64), ys.map(p.2))).collect();
                let lower = run.iter().map(|p| (xs.map(p.0 as f64), ys.map(p.1))).collect();
                runs.push((upper, lower));
            }
            svg.mark_band(&runs, &band.colour, 0.25, &band.label);
        }
        for s in &self.series {
            // A missing value (NaN) breaks the line like a closed interval.
            let points: Vec<_> = s.points.iter().copied().filter(|p| p.1.is_finite()).collect();
            let runs: Vec<Vec<(f64, f64)>> = split_runs(&points, |p| p.0, self.interval_seconds)
                .into_iter()
                .map(|run| match s.style {
                    Style::Step => run
                        .iter()
                        .flat_map(|p| {
                            let y = ys.map(p.1);
                            [
                                (xs.map(p.0 as f64), y),
                                (xs.map((p.0 + self.interval_seconds) as f64), y),
                            ]
                        })
                        .collect(),
                    Style::Line | Style::Dashed => {
                        run.iter().map(|p| (xs.map(p.0 as f64), ys.map(p.1))).collect()
                    }
                })
                .collect();
            let dash = (s.style == Style::Dashed).then_some("5 3");
            svg.mark_path(&runs, &s.colour, 1.4, dash, &s.label);
        }
        if let Some((v, label)) = &self.reference {
            let y = ys.map(*v);
            svg.line(x0, y, x1, y, Stroke::dashed("#c0392b", 1.4, "6 4"));
            svg.text_styled(x1 - 4.0, y - 4.0, "end", label, r##"fill="#c0392b""##);
        }
        svg.line(x0, y_bottom, x1, y_bottom, Stroke::solid(AXIS, 1.0));
        svg.line(x0, y_top, x0, y_bottom, Stroke::solid(AXIS, 1.0));

        let mut items: Vec<LegendItem<'_>> = self
            .bands
            .iter()
            .map(|b| LegendItem { label: &b.label, colour: &b.colour, kind: LegendKind::Swatch })
            .collect();
        items.extend(self.series.iter().map(|s| LegendItem {
            label: &s.label,
            colour: &s.colour,
            kind: if s.style == Style::Dashed { LegendKind::Dashed } else { LegendKind::Line },
        }));
        legend(&mut svg, x0, 16.0, &items);
        svg.finish()
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

/// Vertical day lines and labels along the bottom: every day when there is room, otherwise the
/// first day of each week.
fn day_axis(
    svg: &mut Svg,
    tz: Tz,
    first: NaiveDate,
    last: NaiveDate,
    xs: &Scale,
    y_top: f64,
    y_bottom: f64,
) {
    let days = (last - first).num_days() + 1;
    let day_px = (xs.r1 - xs.r0) / days as f64;
    let mut d = first;
    while d <= last {
        let x = xs.map(start_of_day(d, tz).timestamp() as f64);
        let week_start = d.weekday() == chrono::Weekday::Mon;
        svg.line(
            x,
            y_top,
            x,
            y_bottom,
            Stroke::solid(if week_start { "#c8c8c8" } else { GRID }, 1.0),
        );
        let x_next = xs.map(start_of_day(d + Duration::days(1), tz).timestamp() as f64);
        if day_px >= 48.0 {
            svg.text(
                (x + x_next) / 2.0,
                y_bottom + 14.0,
                "middle",
                &d.format("%a %-d %b").to_string(),
            );
        } else if week_start || d == first {
            svg.text(x + 2.0, y_bottom + 14.0, "start", &d.format("%a %-d %b").to_string());
        }
        d += Duration::days(1);
    }
}

/// A day × time-of-day heat map of a signed number (e.g. scheduled − required agents): red for
/// negative, blue for positive, white for zero, grey where there is no value (closed).
#[derive(Debug, Clone)]
pub struct HeatMap {
    pub id: String,
    pub title: String,
    pub days: Vec<NaiveDate>,
    /// Cells per day (time-of-day slots).
    pub slots_per_day: usize,
    pub interval_minutes: u32,
    /// `cells[day][slot]`.
    pub cells: Vec<Vec<Option<f64>>>,
    /// Words for the negative and positive ends, e.g. ("under-staffed", "over-staffed").
    pub negative_label: String,
    pub positive_label: String,
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
        let slots = s1 - s0;
        let cell_w = (1220.0 / slots as f64).clamp(4.0, 40.0);
        let cell_h = 18.0;
        let (x0, y0) = (84.0, 40.0);
        let width = x0 + cell_w * slots as f64 + 20.0;
        let height = y0 + cell_h * self.days.len() as f64 + 30.0;
        let mut svg = Svg::new(&self.id, width, height, &self.title);
        let extent = self.cells.iter().flatten().flatten().fold(1.0f64, |m, v| m.max(v.abs()));

        for (i, day) in self.days.iter().enumerate() {
            let y = y0 + i as f64 * cell_h;
            svg.text(x0 - 6.0, y + cell_h - 5.0, "end", &day.format("%a %-d %b").to_string());
            for slot in s0..s1 {
                let x = x0 + (slot - s0) as f64 * cell_w;
                match self.cells.get(i).and_then(|r| r.get(slot)).copied().flatten() {
                    Some(v) => {
                        let minute = slot as u32 * self.interval_minutes;
                        let tip = format!(
                            "{} {:02}:{:02}: {}",
                            day.format("%a %-d %b"),
                            minute / 60,
                            minute % 60,
                            signed(v)
                        );
                        svg.mark_rect(x, y, cell_w, cell_h, &diverging(v / extent), v, &tip)
                    }
                    None => svg.rect(x, y, cell_w, cell_h, "#eeeeee"),
                }
            }
        }
        let per_hour = (60 / self.interval_minutes.max(1)).max(1) as usize;
        let hours_step = if cell_w * per_hour as f64 >= 40.0 { 1 } else { 2 };
        let y_axis = y0 + cell_h * self.days.len() as f64;
        for slot in (s0..=s1).filter(|s| s % per_hour == 0).step_by(hours_step) {
            let x = x0 + (slot - s0) as f64 * cell_w;
            svg.line(x, y_axis, x, y_axis + 4.0, Stroke::solid(AXIS, 1.0));
            svg.text(
                x,
                y_axis + 16.0,
                "middle",
                &format!("{:02}:00", slot as u32 * self.interval_minutes / 60),
            );
        }
        // Colour key: the two ends and zero are labelled.
        let mut kx = x0;
        svg.text(kx, 16.0, "start", &format!("{} ←", self.negative_label));
        kx += 6.2 * (self.negative_label.chars().count() + 3) as f64;
        for k in [-1.0, -0.5, 0.0, 0.5, 1.0] {
            svg.rect(kx, 6.0, 26.0, 14.0, &diverging(k));
            if k != -0.5 && k != 0.5 {
                svg.text(kx + 13.0, 32.0, "middle", &signed(k * extent));
            }
            kx += 28.0;
        }
        svg.text(kx + 4.0, 16.0, "start", &format!("→ {}", self.positive_label));
        svg.text(
            kx + 10.0 + 6.2 * (self.positive_label.chars().count() + 2) as f64,
            16.0,
            "start",
            "grey: closed",
        );
        svg.finish()
    }
}

fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", crate::io::table::fmt_num(v, 2))
    } else {
        crate::io::table::fmt_num(v, 2)
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
    pub tz: Tz,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
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
        let (x0, x1, y0) = (150.0, 1330.0, 40.0);
        let height = y0 + row_h * self.rows.len() as f64 + 26.0;
        let mut svg = Svg::new(&self.id, x1 + 16.0, height, &self.title);
        let t0 = start_of_day(self.first_day, self.tz).timestamp();
        let t1 = start_of_day(self.last_day + Duration::days(1), self.tz).timestamp();
        let xs = Scale::new(t0 as f64, t1 as f64, x0, x1);
        let y_bottom = y0 + row_h * self.rows.len() as f64;
        for i in (1..self.rows.len()).step_by(2) {
            svg.rect(x0, y0 + i as f64 * row_h, x1 - x0, row_h, "#f7f7f7");
        }
        day_axis(&mut svg, self.tz, self.first_day, self.last_day, &xs, y0, y_bottom);
        for (i, row) in self.rows.iter().enumerate() {
            let y = y0 + i as f64 * row_h;
            svg.text_styled(x0 - 6.0, y + row_h - 3.0, "end", &row.label, r#"font-size="10""#);
            for bar in &row.bars {
                let (bx0, bx1) = (xs.map(bar.start as f64), xs.map(bar.end as f64));
                let hours = (bar.end - bar.start) as f64 / 3600.0;
                svg.mark_rect(bx0, y + 2.0, bx1 - bx0, row_h - 4.0, &bar.colour, hours, &bar.tip);
                for (b0, b1) in &bar.breaks {
                    let (px0, px1) = (xs.map(*b0 as f64), xs.map(*b1 as f64));
                    svg.rect(px0, y + 4.0, (px1 - px0).max(1.0), row_h - 8.0, "#ffffff");
                }
            }
        }
        svg.line(x0, y_bottom, x1, y_bottom, Stroke::solid(AXIS, 1.0));
        let items: Vec<LegendItem<'_>> = self
            .legend
            .iter()
            .map(|(l, c)| LegendItem { label: l, colour: c, kind: LegendKind::Swatch })
            .collect();
        let end = legend(&mut svg, x0, 16.0, &items);
        svg.rect(end + 2.0, 6.0, 14.0, 10.0, "#999999");
        svg.rect(end + 7.0, 8.0, 4.0, 6.0, "#ffffff");
        svg.text(end + 23.0, 16.0, "start", "white gap: break or lunch");
        svg.finish()
    }
}

/// Vertical bars for a few named values, with an optional reference line.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub id: String,
    pub title: String,
    pub y_label: String,
    pub width: f64,
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
        let mut svg = Svg::new(&self.id, self.width, self.height, &self.title);
        let (x0, x1) = (LEFT, self.width - RIGHT);
        let (y_top, y_bottom) = (TOP, self.height - BOTTOM - 10.0);
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
        let ys = Scale::new(ticks[0], *ticks.last().unwrap_or(&1.0), y_bottom, y_top);
        for &t in &ticks {
            let y = ys.map(t);
            svg.line(x0, y, x1, y, Stroke::solid(GRID, 1.0));
            svg.text(x0 - 6.0, y + 4.0, "end", &tick_label(t, step));
        }
        svg.text_styled(
            14.0,
            (y_top + y_bottom) / 2.0,
            "middle",
            &self.y_label,
            &format!(r#"transform="rotate(-90 14 {})""#, px((y_top + y_bottom) / 2.0)),
        );
        let slot = (x1 - x0) / self.bars.len().max(1) as f64;
        let bar_w = (slot * 0.6).min(80.0);
        let zero = ys.map(0.0f64.clamp(ticks[0], *ticks.last().unwrap_or(&1.0)));
        for (i, (label, value, colour)) in self.bars.iter().enumerate() {
            let cx = x0 + slot * (i as f64 + 0.5);
            let y = ys.map(*value);
            let (top, h) = if y <= zero { (y, zero - y) } else { (zero, y - zero) };
            svg.mark_rect(
                cx - bar_w / 2.0,
                top,
                bar_w,
                h,
                colour,
                *value,
                &format!("{label}: {value}"),
            );
            svg.text(cx, top - 4.0, "middle", &self.value_format.format(*value));
            svg.text(cx, y_bottom + 16.0, "middle", &truncate(label, (slot / 6.2) as usize));
        }
        if let Some((v, label)) = &self.reference {
            let y = ys.map(*v);
            svg.line(x0, y, x1, y, Stroke::dashed("#c0392b", 1.4, "6 4"));
            svg.text_styled(x1 - 4.0, y - 4.0, "end", label, r##"fill="#c0392b""##);
        }
        svg.line(x0, y_bottom, x1, y_bottom, Stroke::solid(AXIS, 1.0));
        svg.line(x0, y_top, x0, y_bottom, Stroke::solid(AXIS, 1.0));
        svg.text_styled(x0, 16.0, "start", &self.title, r#"font-weight="bold""#);
        svg.finish()
    }
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
}

/// Shorten a label to `max` characters with an ellipsis.
fn truncate(label: &str, max: usize) -> String {
    let max = max.max(4);
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(max - 1).collect();
        s.push('…');
        s
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

    fn marks(svg: &str) -> Vec<&str> {
        svg.match_indices("class=\"mark\"")
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

    #[test]
    fn bar_heights_are_proportional_to_values() {
        let chart = BarChart {
            id: "bars".into(),
            title: "t".into(),
            y_label: "hours".into(),
            width: 400.0,
            height: 300.0,
            bars: vec![("a".into(), 10.0, "#000".into()), ("b".into(), 40.0, "#000".into())],
            reference: None,
            y_range: None,
            value_format: ValueFormat::Number(0),
        };
        let svg = chart.render();
        let m = marks(&svg);
        assert_eq!(m.len(), 2);
        // The axis runs 0..40 over the plot height, so heights are value / 40 of it.
        let plot_h = 300.0 - BOTTOM - 10.0 - TOP;
        assert!((attr(m[0], "height") - plot_h * 10.0 / 40.0).abs() <= 0.1, "{}", m[0]);
        assert!((attr(m[1], "height") - plot_h).abs() <= 0.1, "{}", m[1]);
        assert_eq!(attr(m[1], "data-value"), 40.0);
        // Both bars stand on the zero line.
        assert!(
            (attr(m[0], "y") + attr(m[0], "height") - attr(m[1], "y") - attr(m[1], "height")).abs()
                < 0.2
        );
    }

    #[test]
    fn step_series_hold_each_value_for_one_interval_and_break_at_gaps() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let t = |h, m| local_seconds(tz, day(23), h, m);
        let chart = TimeChart {
            id: "ts".into(),
            title: "t".into(),
            y_label: "agents".into(),
            width: 1000.0,
            height: 200.0,
            tz,
            first_day: day(23),
            last_day: day(23),
            interval_seconds: 900,
            bands: vec![],
            series: vec![Series {
                label: "required".into(),
                colour: "#000".into(),
                style: Style::Step,
                // 09:00, 09:15, then a gap until 12:00.
                points: vec![(t(9, 0), 3.0), (t(9, 15), 5.0), (t(12, 0), 2.0)],
            }],
            reference: Some((4.0, "target".into())),
            y_range: None,
            shade_from: None,
        };
        let svg = chart.render();
        let m = marks(&svg);
        assert_eq!(m.len(), 1);
        // Two runs: one starting at 09:00, another at 12:00.
        assert_eq!(m[0].matches('M').count(), 2, "{}", m[0]);
        // 24 hours over 1000 - 64 - 18 px: 09:00 is at 64 + 918 * 9/24.
        let x_nine = px(LEFT + (1000.0 - LEFT - RIGHT) * 9.0 / 24.0);
        assert!(m[0].contains(&format!("M{x_nine} ")), "{}", m[0]);
    }

    #[test]
    fn spring_forward_day_has_23_hours_of_width() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let t0 = start_of_day(d, tz).timestamp();
        let t1 = start_of_day(d + Duration::days(1), tz).timestamp();
        assert_eq!(t1 - t0, 23 * 3600);
    }

    #[test]
    fn heat_map_colours_under_red_over_blue_and_greys_closed() {
        let map = HeatMap {
            id: "heat".into(),
            title: "gap".into(),
            days: vec![day(23)],
            slots_per_day: 24,
            interval_minutes: 60,
            cells: vec![vec![Some(-2.0), None, Some(0.0), Some(2.0)]],
            negative_label: "under".into(),
            positive_label: "over".into(),
        };
        let svg = map.render();
        let m = marks(&svg);
        assert_eq!(m.len(), 3);
        assert!(m[0].contains("fill=\"#b2182b\""), "{}", m[0]);
        assert!(m[1].contains("fill=\"#ffffff\""), "{}", m[1]);
        assert!(m[2].contains("fill=\"#2166ac\""), "{}", m[2]);
        assert!(svg.contains("fill=\"#eeeeee\""));
    }

    #[test]
    fn gantt_escapes_agent_names_and_draws_breaks_inside_bars() {
        let tz: Tz = "UTC".parse().unwrap();
        let gantt = Gantt {
            id: "roster".into(),
            title: "Roster".into(),
            tz,
            first_day: day(23),
            last_day: day(29),
            rows: vec![GanttRow {
                label: "O'Brien <Ann> & Co".into(),
                bars: vec![GanttBar {
                    start: local_seconds(tz, day(23), 9, 0),
                    end: local_seconds(tz, day(23), 17, 0),
                    breaks: vec![(
                        local_seconds(tz, day(23), 12, 0),
                        local_seconds(tz, day(23), 12, 30),
                    )],
                    colour: PALETTE[0].into(),
                    tip: "voice <9-17>".into(),
                }],
            }],
            legend: vec![("voice & <chat>".into(), PALETTE[0].into())],
        };
        let svg = gantt.render();
        assert!(svg.contains("O&#39;Brien &lt;Ann&gt; &amp; Co"));
        assert!(svg.contains("voice &amp; &lt;chat&gt;"));
        assert!(!svg.contains("<Ann>") && !svg.contains("<chat>") && !svg.contains("<9-17>"));
        let m = marks(&svg);
        assert_eq!(m.len(), 1);
        assert_eq!(attr(m[0], "data-value"), 8.0);
        // The bar spans 8 of 168 hours of the 1180-px time axis.
        assert!((attr(m[0], "width") - 1180.0 * 8.0 / 168.0).abs() < 0.1);
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(thousands(15200.0, 0), "15,200");
        assert_eq!(thousands(-1234567.25, 2), "-1,234,567.25");
        assert_eq!(thousands(999.0, 0), "999");
        assert_eq!(ValueFormat::Percent.format(0.8234), "82.3%");
    }

    #[test]
    fn heat_map_trims_closed_hours_to_whole_hours() {
        let mut cells = vec![vec![None; 96]];
        cells[0][33] = Some(1.0); // 08:15
        cells[0][78] = Some(-1.0); // 19:30
        let map = HeatMap {
            id: "h".into(),
            title: "t".into(),
            days: vec![day(23)],
            slots_per_day: 96,
            interval_minutes: 15,
            cells,
            negative_label: "under".into(),
            positive_label: "over".into(),
        };
        assert_eq!(map.slot_range(), (32, 80));
        let svg = map.render();
        assert!(svg.contains(">08:00</text>") && svg.contains(">20:00</text>"));
        assert!(!svg.contains(">07:00</text>") && !svg.contains(">21:00</text>"));
    }

    #[test]
    fn diverging_colours_hit_the_ends_and_white() {
        assert_eq!(diverging(-1.0), "#b2182b");
        assert_eq!(diverging(0.0), "#ffffff");
        assert_eq!(diverging(1.0), "#2166ac");
        assert_eq!(diverging(7.0), "#2166ac");
    }
}
