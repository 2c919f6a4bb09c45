//! Helpers shared by the integration tests (`mod common;` in each test file): the one plan.toml
//! builder the tests write their configs with, and where test data lives.
//!
//! * [`PlanToml`] starts from the sample site's `[site]`, `[staffing]` and `[[queues]]`
//!   (data/plan.toml, the one source of truth) and lets a test replace whole sections, so a test
//!   states only what it depends on.
//! * [`test_data`] is a file under `tests/data/` (ours, in the repository: always there).
//! * [`shared_data`] is a real series under `../shared/data/` (not in the repository). Tests that
//!   need one are `#[ignore = "needs ../shared/data"]`, run by `.ci/run` with `--ignored`, and
//!   panic with the path they looked for when the file is missing: they never pass by skipping.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The config type every test builds; one import, so a move of the type changes one line.
pub use shiftcast::plan::PlanConfig;

/// The crate's folder (tests run with it as the working directory, but say so explicitly).
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture of ours under `tests/data/`.
pub fn test_data(file: &str) -> PathBuf {
    crate_dir().join("tests/data").join(file)
}

/// A real data file under `../shared/data/` beside the crate (the main checkout) or two levels up
/// (a git worktree in `wt/`); `SHIFTCAST_SHARED_DATA=<folder>` names the folder instead. Panics,
/// naming every place it looked, when the file is in none of them.
pub fn shared_data(file: &str) -> PathBuf {
    let candidates: Vec<PathBuf> = match std::env::var_os("SHIFTCAST_SHARED_DATA") {
        Some(dir) => vec![PathBuf::from(dir).join(file)],
        None => ["../shared/data", "../../shared/data"]
            .iter()
            .map(|dir| crate_dir().join(dir).join(file))
            .collect(),
    };
    match candidates.iter().find(|p| p.is_file()) {
        Some(path) => path.clone(),
        None => panic!(
            "needs ../shared/data/{file}, the real series kept outside the repository; looked \
             for {candidates:?}. Put the shared data folder beside the crate or set \
             SHIFTCAST_SHARED_DATA to its path."
        ),
    }
}

/// A plan.toml built from sections.
///
/// [`PlanToml::sample`] holds the sample's `[site]`, `[staffing]` and `[[queues]]`; the setters
/// replace one section whole (a replaced `[site]` keeps none of the sample's keys), and
/// [`PlanToml::section`] adds or replaces any other top-level table (`[schedule]`, `[roster]`,
/// `[inputs]`, ...). Section bodies are TOML text; a body may carry its sub-tables with full
/// headers (`[[schedule.breaks]]`).
#[derive(Debug, Clone)]
pub struct PlanToml {
    doc: toml::Table,
}

impl PlanToml {
    /// `[site]`, `[staffing]` and `[[queues]]` of data/plan.toml: Asia/Shanghai, 15-minute
    /// intervals open 08:00-21:00, shrinkage 0.30, queues voice, chat, email and social.
    pub fn sample() -> Self {
        let path = crate_dir().join("data/plan.toml");
        let text = std::fs::read_to_string(&path).expect("data/plan.toml");
        let full: toml::Table = text.parse().expect("data/plan.toml is TOML");
        let doc = full
            .into_iter()
            .filter(|(key, _)| ["site", "staffing", "queues"].contains(&key.as_str()))
            .collect();
        PlanToml { doc }
    }

    /// Replaces `[site]` with `body` (e.g. `time_zone = "UTC"\ninterval_minutes = 15`; without
    /// `opening_hours` the site is open 24x7).
    pub fn site(self, body: &str) -> Self {
        self.section("site", body)
    }

    /// Sets `[staffing] shrinkage`.
    pub fn shrinkage(mut self, shrinkage: f64) -> Self {
        let staffing = self.doc.entry("staffing").or_insert(toml::Table::new().into());
        staffing.as_table_mut().expect("[staffing] is a table")["shrinkage"] = shrinkage.into();
        self
    }

    /// Replaces the `[[queues]]` with one entry per body (`name = "voice"\nchannel = "voice"`).
    pub fn queues(mut self, bodies: &[&str]) -> Self {
        let queues = bodies.iter().map(|body| toml::Value::Table(table(body))).collect();
        self.doc.insert("queues".into(), toml::Value::Array(queues));
        self
    }

    /// Adds or replaces the top-level table `[name]` with `body`.
    pub fn section(mut self, name: &str, body: &str) -> Self {
        let mut parsed = table(&format!("[{name}]\n{body}"));
        let value = parsed.remove(name).expect("the section just parsed");
        self.doc.insert(name.into(), value);
        self
    }

    /// The plan.toml text.
    pub fn text(&self) -> String {
        toml::to_string(&self.doc).expect("a TOML table serialises")
    }

    /// Parsed and validated as `plan.toml` (inputs resolve against the working directory).
    pub fn parse(&self) -> Result<PlanConfig, shiftcast::FileError> {
        PlanConfig::parse("plan.toml", &self.text(), Path::new(""))
    }

    /// [`PlanToml::parse`], for plans the test expects to be valid.
    pub fn config(&self) -> PlanConfig {
        self.parse().unwrap_or_else(|e| panic!("test plan: {e}\n{}", self.text()))
    }

    /// Writes `dir/plan.toml` and returns its path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join("plan.toml");
        std::fs::write(&path, self.text()).expect("write plan.toml");
        path
    }
}

fn table(text: &str) -> toml::Table {
    text.parse().unwrap_or_else(|e| panic!("test plan section is not TOML: {e}\n{text}"))
}
