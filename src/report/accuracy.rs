//! The report's accuracy section: how the team's published forecasts compared with the actuals
//! that followed, one row per published week and queue (from the store, when a plan is given
//! one). Rendering only: the figures come from [`crate::store::accuracy`] through the plan.

use std::fmt::Write;

use super::svg::escape;

/// One published run's forecast against its actuals for one queue (`all`: every queue).
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedAccuracy {
    pub run_id: i64,
    /// First planned day of the run, YYYY-MM-DD.
    pub start: String,
    pub queue: String,
    pub intervals: u64,
    pub actual: f64,
    pub forecast: f64,
    pub wape: Option<f64>,
    pub bias: Option<f64>,
    pub coverage_p10_p90: f64,
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "–".into())
}

/// The section's HTML; nothing when there is no row (no store, or nothing published with
/// actuals yet).
pub fn section(html: &mut String, rows: &[PublishedAccuracy]) {
    if rows.is_empty() {
        return;
    }
    html.push_str("<h2 id=\"published-accuracy\">Published forecasts against actuals</h2>\n<p class=\"note\">Each week this site published, per queue: the contacts it forecast and those that came (intervals with actuals so far), the weighted absolute percentage error (WAPE = Σ|actual − forecast| / Σ actual), the bias (Σ(forecast − actual) / Σ actual, positive: over-forecast) and the share of intervals inside the P10–P90 band (about 80% when the band is right).</p>\n<div class=\"scroll\"><table>\n<tr><th>week from</th><th>run</th><th>queue</th><th>intervals</th><th>actual</th><th>forecast</th><th>WAPE</th><th>bias</th><th>P10–P90 coverage</th></tr>\n");
    for r in rows {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td><td>{:.0}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.start),
            r.run_id,
            escape(&r.queue),
            r.intervals,
            r.actual,
            r.forecast,
            pct(r.wape),
            pct(r.bias),
            pct(Some(r.coverage_p10_p90))
        );
    }
    html.push_str("</table></div>\n");
}
