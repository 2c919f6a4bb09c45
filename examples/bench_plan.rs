//! Run time of `shiftcast plan` on the shipped data/, stage by stage, and of rendering the
//! report alone.
//!
//! ```sh
//! cargo run --release --example bench_plan            # 3 runs of one planning week
//! cargo run --release --example bench_plan -- 5 2     # 5 runs of two planning weeks
//! ```

use std::path::Path;
use std::time::Instant;

use shiftcast::plan::pipeline::{self, PlanOptions, Stage};
use shiftcast::plan::PlanConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3);
    let weeks: u32 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1);
    let config =
        PlanConfig::read(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/plan.toml")))?;
    let options = PlanOptions { weeks, ..Default::default() };
    let out = tempfile::tempdir()?;
    let mut per_stage: Vec<(Stage, Vec<f64>)> =
        Stage::ALL.iter().map(|s| (*s, Vec::new())).collect();
    let mut totals = Vec::new();
    let mut render_seconds = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let plan = pipeline::run(&config, &options, &mut |_| {})?;
        let w = Instant::now();
        pipeline::write_outputs(&plan, &config, out.path())?;
        let write = w.elapsed().as_secs_f64();
        totals.push(t.elapsed().as_secs_f64());
        for (stage, secs) in
            plan.stage_seconds.iter().chain(std::iter::once(&(Stage::Write, write)))
        {
            per_stage
                .iter_mut()
                .find(|(s, _)| s == stage)
                .expect("every stage is listed")
                .1
                .push(*secs);
        }
        let data = shiftcast::report::files::load_plan_dir(out.path(), None, None)?;
        let r = Instant::now();
        let html = shiftcast::report::render(&data);
        render_seconds.push(r.elapsed().as_secs_f64());
        assert!(html.len() > 1000);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    println!("shiftcast plan on data/, {weeks} week(s), median of {runs} runs");
    for (stage, secs) in per_stage.iter_mut().filter(|(_, v)| !v.is_empty()) {
        println!("  {:<40} {:>8.3} s", stage.label(), median(secs));
    }
    println!("  {:<40} {:>8.3} s", "total", median(&mut totals));
    println!("  {:<40} {:>8.3} s", "render report.html alone", median(&mut render_seconds));
    Ok(())
}
