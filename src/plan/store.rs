//! A plan's link to the site's store ([`crate::store`]): the history comes from the store's
//! actuals instead of `[inputs] history` (and then goes through the same planning-start rule),
//! the report shows how earlier published forecasts did, and a published run is recorded with
//! its forecast and files as written.

use std::path::Path;

use super::config::PlanConfig;
use super::error::Error;
use super::pipeline::{GivenHistory, PlanRun, FILES};
use crate::report::accuracy::PublishedAccuracy;
use crate::store::accuracy::{accuracy, AccuracyOptions};
use crate::store::{NewRun, RunFile, SiteRecord, Store, StoreError};

/// The store's actuals as the plan's history on the config's site. The store must hold every
/// queue of the plan.
pub fn history(store: &dyn Store, config: &PlanConfig) -> Result<GivenHistory, Error> {
    let held = store.site()?;
    let missing: Vec<String> =
        config.site.queue_names().into_iter().filter(|q| !held.queue_names().contains(q)).collect();
    if !missing.is_empty() {
        return Err(StoreError::Mismatch {
            path: store.location().to_path_buf(),
            message: format!(
                "the plan's queues {} are not in the store; run `shiftcast db init` with this plan.toml",
                missing.join(", ")
            ),
        }
        .into());
    }
    let history = crate::store::history_on_site(store, &config.site)?;
    Ok(GivenHistory { source: store.location().to_path_buf(), history })
}

/// Every published run's forecast against its actuals, per queue (and over all queues), for
/// the report's accuracy section.
pub fn published_accuracy(store: &dyn Store) -> Result<Vec<PublishedAccuracy>, Error> {
    let rows = accuracy(store, &AccuracyOptions::default())?;
    Ok(rows
        .into_iter()
        .filter(|r| r.lead_days.is_none())
        .map(|r| PublishedAccuracy {
            run_id: r.run_id,
            start: r.start,
            queue: r.queue,
            intervals: r.intervals,
            actual: r.actual,
            forecast: r.forecast,
            wape: r.wape,
            bias: r.bias,
            coverage_p10_p90: r.coverage_p10_p90,
        })
        .collect())
}

/// Record a plan whose files [`super::pipeline::write_outputs`] wrote into `out`: its config,
/// seed, start, horizon and code version, the forecast as read back from forecast.csv (the
/// numbers the team published) and every other file byte for byte. Returns the run id.
pub fn publish(
    store: &mut dyn Store,
    plan: &PlanRun,
    config: &PlanConfig,
    out: &Path,
) -> Result<i64, Error> {
    crate::store::check_site(&store.site()?, &config.site, store.location())?;
    let tz = config.site.time_zone();
    let forecast = crate::io::forecast::read_forecast(&out.join("forecast.csv"), tz)?;
    let mut files = Vec::new();
    let names = FILES.iter().copied().chain(plan.whatif.as_ref().map(|_| "whatif.csv"));
    for name in names.filter(|n| *n != "forecast.csv" && *n != "report.html") {
        let path = out.join(name);
        let content = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        files.push(RunFile { name: name.to_string(), content });
    }
    let config_text =
        std::fs::read_to_string(&config.path).map_err(|e| Error::io(&config.path, e))?;
    let run = NewRun {
        published_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        config_path: config.path.display().to_string(),
        config: config_text,
        seed: plan.seed,
        start: plan.start,
        days: plan.days,
        history_through: plan.history.last_day(),
        code_version: format!("shiftcast {}", env!("CARGO_PKG_VERSION")),
        out_dir: out.display().to_string(),
    };
    Ok(store.publish(&run, &forecast, &files)?)
}

/// Record the config's site and queues in the store (`db init`).
pub fn init(store: &mut dyn Store, config: &PlanConfig) -> Result<(), Error> {
    let text = std::fs::read_to_string(&config.path).map_err(|e| Error::io(&config.path, e))?;
    store.set_site(&SiteRecord::from_site(&config.site), &text)?;
    Ok(())
}
