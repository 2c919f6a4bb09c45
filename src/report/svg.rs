//! SVG drawing primitives for the report: text escaping, linear scales, "nice" axis ticks, and a
//! small string builder for the few elements the charts use.
//!
//! Every plot is plain SVG markup with presentation attributes (no CSS or scripts), so it
//! renders the same inline in report.html, saved on its own, or in any browser. A plot is drawn
//! in a viewBox that the page stretches to its width (`preserveAspectRatio="none"`): lines keep
//! their width (`vector-effect="non-scaling-stroke"`) and text is laid over it in HTML. Data
//! marks carry `class="mark"` and a `data-value` attribute holding the number they draw, which
//! is what the tests and the headless-browser check count and compare; hover targets carry
//! `class="hover"` and a `<title>` with the values under the pointer.

use std::fmt::Write;

/// Escape text for use in SVG/HTML text content and attribute values (`&`, `<`, `>`, `"`, `'`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A linear map from a data domain `[d0, d1]` to a pixel range `[r0, r1]` (`r0 > r1` for a
/// y axis, whose pixels grow downwards).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    /// A scale over `[d0, d1]`; an empty domain is widened by one unit so that it still maps.
    pub fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Scale {
        let (d0, d1) = if (d1 - d0).abs() < 1e-12 { (d0, d0 + 1.0) } else { (d0, d1) };
        Scale { d0, d1, r0, r1 }
    }

    pub fn map(&self, v: f64) -> f64 {
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Round `x` to a "nice" number 1, 2, 5 or 10 × 10^k: the step of a readable axis
/// (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990).
fn nice_number(x: f64, round: bool) -> f64 {
    let exponent = x.log10().floor();
    let fraction = x / 10f64.powf(exponent);
    let nice = if round {
        if fraction < 1.5 {
            1.0
        } else if fraction < 3.0 {
            2.0
        } else if fraction < 7.0 {
            5.0
        } else {
            10.0
        }
    } else if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * 10f64.powf(exponent)
}

/// Axis ticks covering `[lo, hi]` with about `count` nice steps; the first tick is `<= lo`
/// and the last `>= hi`, so the axis spans every value.
pub fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let (lo, hi) = if hi - lo < 1e-9 { (lo, lo + 1.0) } else { (lo, hi) };
    let range = nice_number(hi - lo, false);
    let step = nice_number(range / count.max(1) as f64, true);
    let first = (lo / step).floor() * step;
    let last = (hi / step).ceil() * step;
    let n = ((last - first) / step).round() as usize;
    (0..=n)
        .map(|i| first + i as f64 * step)
        .map(|t| if t.abs() < step * 1e-9 { 0.0 } else { t })
        .collect()
}

/// Format a tick label: no decimals for whole numbers (with thousands separated), otherwise as
/// few as the step needs.
pub fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize };
    thousands(v, decimals)
}

/// `v` with at most `decimals` decimals and commas between thousands: `15,200.5`.
pub fn thousands(v: f64, decimals: usize) -> String {
    let s = crate::io::table::fmt_num(v, decimals);
    let (sign, s) = s.strip_prefix('-').map(|r| ("-", r)).unwrap_or(("", s.as_str()));
    let (int, frac) = s.split_once('.').map(|(a, b)| (a, Some(b))).unwrap_or((s, None));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// A pixel coordinate written with one decimal: small files, stable bytes.
pub fn px(v: f64) -> String {
    let s = format!("{v:.1}");
    let s = s.strip_suffix(".0").map(str::to_string).unwrap_or(s);
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// How a line is stroked.
#[derive(Debug, Clone, Copy)]
pub struct Stroke<'a> {
    pub colour: &'a str,
    pub width: f64,
    /// SVG dash pattern, e.g. `"6 4"`.
    pub dash: Option<&'a str>,
}

impl<'a> Stroke<'a> {
    pub fn solid(colour: &'a str, width: f64) -> Stroke<'a> {
        Stroke { colour, width, dash: None }
    }

    pub fn dashed(colour: &'a str, width: f64, dash: &'a str) -> Stroke<'a> {
        Stroke { colour, width, dash: Some(dash) }
    }
}

/// One unbroken run of pixel points.
pub type Run = Vec<(f64, f64)>;

/// A string builder for one `<svg>` element.
pub struct Svg {
    buf: String,
    pub width: f64,
    pub height: f64,
}

impl Svg {
    /// Open a plot drawn in a `width` × `height` viewBox, shown `height` pixels tall and as wide
    /// as the page; `id` names the chart, `title` is its accessible name, and the element
    /// `{id}-desc` (written by the caller) its description.
    pub fn new(id: &str, width: f64, height: f64, title: &str) -> Svg {
        let mut buf = String::new();
        let _ = write!(
            buf,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{}" width="100%" height="{}" viewBox="0 0 {} {}" preserveAspectRatio="none" role="img" aria-label="{}" aria-describedby="{}-desc"><title>{}</title>"#,
            escape(id),
            px(height),
            px(width),
            px(height),
            escape(title),
            escape(id),
            escape(title)
        );
        Svg { buf, width, height }
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: Stroke<'_>) {
        let _ = write!(
            self.buf,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}" vector-effect="non-scaling-stroke"{}/>"#,
            px(x1),
            px(y1),
            px(x2),
            px(y2),
            stroke.colour,
            px(stroke.width),
            stroke.dash.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default()
        );
    }

    /// A plain rectangle (backgrounds, legend swatches).
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str) {
        let _ = write!(
            self.buf,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
            px(x),
            px(y),
            px(w.max(0.0)),
            px(h.max(0.0))
        );
    }

    /// A rectangle drawn over a mark that the pointer passes through (a break inside a shift's
    /// bar): hovering it shows the mark's tooltip beneath.
    pub fn rect_see_through(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str) {
        let _ = write!(
            self.buf,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" pointer-events="none"/>"#,
            px(x),
            px(y),
            px(w.max(0.0)),
            px(h.max(0.0))
        );
    }

    /// A data rectangle: class `mark`, the drawn number in `data-value` and a tooltip.
    #[allow(clippy::too_many_arguments)]
    pub fn mark_rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, value: f64, tip: &str) {
        let _ = write!(
            self.buf,
            r#"<rect class="mark" x="{}" y="{}" width="{}" height="{}" fill="{fill}" data-value="{}"><title>{}</title></rect>"#,
            px(x),
            px(y),
            px(w.max(0.0)),
            px(h.max(0.0)),
            crate::io::table::fmt_num(value, 4),
            escape(tip)
        );
    }

    /// A transparent hover target whose `<title>` names the values under it.
    pub fn hover_rect(&mut self, x: f64, y: f64, w: f64, h: f64, tip: &str) {
        let _ = write!(
            self.buf,
            r##"<rect class="hover" x="{}" y="{}" width="{}" height="{}" fill="#fff" fill-opacity="0"><title>{}</title></rect>"##,
            px(x),
            px(y),
            px(w.max(0.0)),
            px(h.max(0.0)),
            escape(tip)
        );
    }

    /// Text at (x, y); `anchor` is `start`, `middle` or `end`. The text is escaped here.
    pub fn text(&mut self, x: f64, y: f64, anchor: &str, text: &str) {
        self.text_styled(x, y, anchor, text, "");
    }

    /// Text with extra presentation attributes (e.g. `font-weight="bold" fill="#555"`).
    pub fn text_styled(&mut self, x: f64, y: f64, anchor: &str, text: &str, attrs: &str) {
        let _ = write!(
            self.buf,
            r#"<text x="{}" y="{}" text-anchor="{anchor}"{}{}>{}</text>"#,
            px(x),
            px(y),
            if attrs.is_empty() { "" } else { " " },
            attrs,
            escape(text)
        );
    }

    /// A data line through `points` (pixel coordinates); each inner vector is one unbroken run.
    pub fn mark_path(
        &mut self,
        runs: &[Vec<(f64, f64)>],
        stroke: &str,
        width: f64,
        dash: Option<&str>,
        series: &str,
    ) {
        let d = path_data(runs, false);
        if d.is_empty() {
            return;
        }
        let points: usize = runs.iter().map(Vec::len).sum();
        let _ = write!(
            self.buf,
            r#"<path class="mark" d="{d}" fill="none" stroke="{stroke}" stroke-width="{}" stroke-linejoin="round" vector-effect="non-scaling-stroke"{} data-value="{points}" data-series="{}"/>"#,
            px(width),
            dash.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default(),
            escape(series)
        );
    }

    /// A filled band between `upper` and `lower` runs (same x positions, one polygon per run).
    pub fn mark_band(&mut self, runs: &[(Run, Run)], fill: &str, opacity: f64, series: &str) {
        let mut d = String::new();
        for (upper, lower) in runs {
            if upper.is_empty() {
                continue;
            }
            let mut poly: Vec<(f64, f64)> = upper.clone();
            poly.extend(lower.iter().rev().copied());
            d.push_str(&path_data(&[poly], true));
        }
        if d.is_empty() {
            return;
        }
        let points: usize = runs.iter().map(|r| r.0.len()).sum();
        let _ = write!(
            self.buf,
            r#"<path class="mark" d="{d}" fill="{fill}" fill-opacity="{}" stroke="none" data-value="{points}" data-series="{}"/>"#,
            crate::io::table::fmt_num(opacity, 2),
            escape(series)
        );
    }

    /// Raw markup (already escaped by the caller).
    pub fn raw(&mut self, markup: &str) {
        self.buf.push_str(markup);
    }

    pub fn finish(mut self) -> String {
        self.buf.push_str("</svg>");
        self.buf
    }
}

/// SVG path data for runs of points: `M x y L x y ...`, closed with `Z` when `close`.
fn path_data(runs: &[Vec<(f64, f64)>], close: bool) -> String {
    let mut d = String::new();
    for run in runs {
        for (i, (x, y)) in run.iter().enumerate() {
            let _ = write!(d, "{}{} {}", if i == 0 { "M" } else { "L" }, px(*x), px(*y));
        }
        if close && !run.is_empty() {
            d.push('Z');
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_characters() {
        assert_eq!(
            escape(r#"Tom & "Jerry" <x> 'y'"#),
            "Tom &amp; &quot;Jerry&quot; &lt;x&gt; &#39;y&#39;"
        );
    }

    #[test]
    fn scale_maps_ends_and_middle() {
        let s = Scale::new(0.0, 10.0, 100.0, 0.0);
        assert_eq!(s.map(0.0), 100.0);
        assert_eq!(s.map(10.0), 0.0);
        assert_eq!(s.map(2.5), 75.0);
    }

    #[test]
    fn nice_ticks_span_the_data_with_round_steps() {
        // Heckbert's worked example: 0..~97 with 5 ticks gives steps of 20.
        assert_eq!(nice_ticks(0.0, 97.0, 5), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let unit = nice_ticks(0.0, 1.0, 5);
        assert_eq!(unit.len(), 6);
        for (t, want) in unit.iter().zip([0.0, 0.2, 0.4, 0.6, 0.8, 1.0]) {
            assert!((t - want).abs() < 1e-12, "{unit:?}");
        }
        let t = nice_ticks(3.2, 7.9, 4);
        assert_eq!((t[0], *t.last().unwrap()), (3.0, 8.0));
        // A flat series still gets an axis one unit tall.
        let flat = nice_ticks(5.0, 5.0, 4);
        assert!(flat[0] <= 5.0 && *flat.last().unwrap() >= 6.0, "{flat:?}");
    }

    #[test]
    fn tick_labels_use_the_step_precision() {
        assert_eq!(tick_label(40.0, 20.0), "40");
        assert_eq!(tick_label(0.6000000000000001, 0.2), "0.6");
        assert_eq!(tick_label(0.25, 0.05), "0.25");
        assert_eq!(tick_label(100000.0, 20000.0), "100,000");
        assert_eq!(tick_label(-0.0, 0.2), "0");
    }

    #[test]
    fn text_is_escaped_in_the_markup() {
        let mut svg = Svg::new("c", 10.0, 10.0, "a<b");
        svg.text(1.0, 2.0, "start", "Ann & <Bob>");
        let s = svg.finish();
        assert!(s.contains("<title>a&lt;b</title>"));
        assert!(s.contains(">Ann &amp; &lt;Bob&gt;</text>"));
        assert!(!s.contains("<Bob>"));
    }
}
