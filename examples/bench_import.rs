//! Throughput and peak memory of reading and importing a large history.
//!
//! ```text
//! cargo run --release --example bench_import -- generate /tmp/big 200   # ~200 MB files
//! cargo run --release --example bench_import -- read /tmp/big           # history.csv -> HistoryFrame
//! cargo run --release --example bench_import -- records /tmp/big        # history.csv -> History
//! cargo run --release --example bench_import -- import /tmp/big         # export.csv -> HistoryFrame
//! ```
//!
//! `generate` writes `history.csv` (the sample's rows repeated over queues `voice_000`, …) and
//! `export.csv` (the same as a Genesys-style export: UTC `Z` times, `;`, decimal commas,
//! `hh:mm:ss`), each at least the given size in MB, and plan.toml + map.toml for timing
//! `shiftcast history import` on export.csv (see `write_cli_inputs`). The other modes run in
//! their own process and print the file size, rows, seconds, MB/s and the process's peak
//! resident memory (getrusage; `/usr/bin/time -v` gives the same maximum resident set size).
//! The seconds are wall-clock time: on a shared machine `perf stat -e task-clock` (CPU time)
//! is the steadier figure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{NaiveDateTime, TimeZone, Weekday};
use shiftcast::io::history::{read_history, read_history_frame, ReadHistoryOptions};
use shiftcast::io::import::{import_file, ImportMap, MapFile};
use shiftcast::site::{Channel, QueueConfig, Site};
use shiftcast::time::{parse_time_zone, IntervalGrid, OpeningHours};

const BASE_QUEUES: [&str; 4] = ["chat", "email", "social", "voice"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, dir) = match args.as_slice() {
        [m, d, ..] => (m.as_str(), PathBuf::from(d)),
        _ => return Err("usage: bench_import generate|read|records|import DIR [MB]".into()),
    };
    match mode {
        "generate" => {
            let mb: u64 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(200);
            generate(&dir, mb * 1_000_000)
        }
        "read" | "records" | "import" => measure(mode, &dir),
        other => Err(format!("unknown mode {other:?}").into()),
    }
}

fn sample() -> Vec<(NaiveDateTime, String, String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/history.csv");
    std::fs::read_to_string(path)
        .expect("data/history.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let t = NaiveDateTime::parse_from_str(f[0], "%Y-%m-%dT%H:%M").expect("sample time");
            (t, f[1].to_string(), f[2].to_string(), f[3].to_string())
        })
        .collect()
}

fn generate(dir: &Path, bytes: u64) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let rows = sample();
    let tz = parse_time_zone("Asia/Shanghai")?;
    let history_row = |r: &(NaiveDateTime, String, String, String), k: usize| {
        format!("{},{}_{k:03},{},{}\n", r.0.format("%Y-%m-%dT%H:%M"), r.1, r.2, r.3)
    };
    let export_row = |r: &(NaiveDateTime, String, String, String), k: usize| {
        let utc = tz.from_local_datetime(&r.0).unwrap().naive_utc();
        let aht =
            r.3.parse::<u64>()
                .ok()
                .map(|a| format!("{:02}:{:02}:{:02}", a / 3600, a / 60 % 60, a % 60));
        format!(
            "{}Z;{}_{k:03};{},0;{}\n",
            utc.format("%Y-%m-%dT%H:%M:%S"),
            r.1,
            r.2,
            aht.unwrap_or_default()
        )
    };
    type RowFn<'a> = &'a dyn Fn(&(NaiveDateTime, String, String, String), usize) -> String;
    let files: [(&str, &str, RowFn); 2] = [
        ("history.csv", "interval_start,queue,contacts,aht_seconds\n", &history_row),
        ("export.csv", "Interval Start;Queue Name;Offer;Avg Handle\n", &export_row),
    ];
    for (name, header, row) in files {
        let per_copy: u64 = rows.iter().map(|r| row(r, 0).len() as u64).sum();
        let copies = bytes.div_ceil(per_copy) as usize;
        let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join(name))?);
        out.write_all(header.as_bytes())?;
        for r in &rows {
            for k in 0..copies {
                out.write_all(row(r, k).as_bytes())?;
            }
        }
        out.flush()?;
        std::fs::write(dir.join(format!("{name}.copies")), copies.to_string())?;
        println!("{name}: {} copies of the sample's queues", copies);
        if name == "export.csv" {
            write_cli_inputs(dir, copies)?;
        }
    }
    Ok(())
}

/// plan.toml (the queues of the export, as [`site`] has them) and map.toml (the export's `;`
/// and decimal commas over the genesys-cloud preset), for timing the command itself:
/// `shiftcast history import DIR/export.csv --preset genesys-cloud --map DIR/map.toml
/// --config DIR/plan.toml --out DIR/imported.csv`.
fn write_cli_inputs(dir: &Path, copies: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut plan = String::from(
        "[site]\ntime_zone = \"Asia/Shanghai\"\ninterval_minutes = 15\n\n[staffing]\nshrinkage = 0.3\n",
    );
    for k in 0..copies {
        for q in BASE_QUEUES {
            plan.push_str(&format!(
                "\n[[queues]]\nname = \"{q}_{k:03}\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20\n"
            ));
        }
    }
    std::fs::write(dir.join("plan.toml"), plan)?;
    std::fs::write(dir.join("map.toml"), "delimiter = \";\"\ndecimal = \",\"\n")?;
    Ok(())
}

fn site(copies: usize) -> Result<Site, Box<dyn std::error::Error>> {
    let tz = parse_time_zone("Asia/Shanghai")?;
    let queues = (0..copies)
        .flat_map(|k| BASE_QUEUES.map(|q| format!("{q}_{k:03}")))
        .map(|name| QueueConfig {
            name,
            channel: Channel::Voice,
            service_level: Some(0.8),
            target_answer_seconds: Some(20.0),
            max_occupancy: None,
            max_asa_seconds: None,
            patience_seconds: None,
            max_abandon_rate: None,
            concurrency: None,
            deadline_minutes: None,
            min_agents: None,
            opening_hours: None,
            default_aht_seconds: None,
            priority: None,
            priority_per_minute: None,
            share_of: None,
            share: None,
            skill: None,
        })
        .collect();
    Ok(Site::new(
        "bench",
        IntervalGrid::new(tz, 15)?,
        OpeningHours::always(),
        Weekday::Mon,
        queues,
    )?)
}

fn peak_rss_bytes() -> u64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss as u64 * 1024
}

fn measure(mode: &str, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let tz = parse_time_zone("Asia/Shanghai")?;
    let options = ReadHistoryOptions { tz, interval_minutes: Some(15), opening_hours: None };
    let file = if mode == "import" { dir.join("export.csv") } else { dir.join("history.csv") };
    let size = std::fs::metadata(&file)?.len();
    let started = Instant::now();
    let rows = match mode {
        "read" => read_history_frame(&file, &options)?.len(),
        "records" => read_history(&file, &options)?.len(),
        _ => {
            let copies: usize =
                std::fs::read_to_string(dir.join("export.csv.copies"))?.trim().parse()?;
            let site = site(copies)?;
            let over = MapFile {
                delimiter: Some(";".into()),
                decimal: Some(",".into()),
                ..MapFile::default()
            };
            let map = ImportMap::new("bench", MapFile::preset("genesys-cloud")?.overlay(over))?;
            import_file(&file, &map, &site)?.0.len()
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let peak = peak_rss_bytes();
    println!(
        "{mode}: {:.1} MB, {rows} intervals in {seconds:.2} s = {:.1} MB/s, peak RSS {:.1} MB = {:.2}x the file",
        size as f64 / 1e6,
        size as f64 / 1e6 / seconds,
        peak as f64 / 1e6,
        peak as f64 / size as f64
    );
    Ok(())
}
