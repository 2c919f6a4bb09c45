//! Outputs are written whole or not at all, and never destroy what the path points at: a
//! symlink is written through, a device or FIFO is written in place, a full disk is an error,
//! a killed `plan` leaves its old folder or its new one, the temporary file of a killed
//! single-file write is removed by the next write of that file, overflowing values are errors.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(name)
}

fn shiftcast() -> Command {
    Command::cargo_bin("shiftcast").unwrap()
}

const EXPORT: &str = "Interval Start,Queue Name,Offer,Avg Handle\n\
    2024-11-25T00:00:00Z,voice,14,00:06:20\n2024-11-25T00:15:00Z,voice,9,00:03:29\n";
const HISTORY: &str = "interval_start,queue,contacts,aht_seconds\n\
    2024-11-25T08:00,voice,14,380\n2024-11-25T08:15,voice,9,209\n";

/// `history import` of EXPORT into `out`.
fn import_to(dir: &Path, out: &Path) -> assert_cmd::assert::Assert {
    let export = dir.join("export.csv");
    std::fs::write(&export, EXPORT).unwrap();
    shiftcast()
        .args(["history", "import"])
        .arg(&export)
        .args(["--preset", "genesys-cloud", "--config"])
        .arg(data("plan.toml"))
        .arg("--out")
        .arg(out)
        .assert()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_symlink_is_written_through_to_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.csv");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink("real.csv", &link).unwrap();
    import_to(dir.path(), &link).success();
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), HISTORY);
    assert_eq!(entries(dir.path()), ["export.csv", "link.csv", "real.csv"]);
}

#[test]
fn a_killed_writers_partial_file_is_removed_by_the_next_write_of_that_file() {
    let dir = tempfile::tempdir().unwrap();
    // What a write killed by SIGKILL leaves: its temporary file beside the target, named with
    // the killed process's id (here a process really killed).
    let mut killed = std::process::Command::new("sleep").arg("60").spawn().unwrap();
    let dead = killed.id();
    killed.kill().unwrap();
    killed.wait().unwrap();
    let stale = format!(".history.csv.shiftcast-{dead}-aB3xYz.partial");
    std::fs::write(dir.path().join(&stale), "2024-11-25T08:00,voi").unwrap();
    // A write of the same file by a process that still runs, and a killed write of another file.
    let live = format!(".history.csv.shiftcast-{}-Qw12Er.partial", std::process::id());
    std::fs::write(dir.path().join(&live), "").unwrap();
    let other = format!(".roster.csv.shiftcast-{dead}-Zx98Cv.partial");
    std::fs::write(dir.path().join(&other), "").unwrap();
    let out = dir.path().join("history.csv");
    import_to(dir.path(), &out).success();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), HISTORY);
    let mut expected = vec![live, other, "export.csv".to_string(), "history.csv".to_string()];
    expected.sort();
    assert_eq!(entries(dir.path()), expected);
}

#[test]
fn dev_null_is_written_and_stays_a_device() {
    let dir = tempfile::tempdir().unwrap();
    import_to(dir.path(), Path::new("/dev/null")).success();
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
}

#[test]
fn a_fifo_is_written_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || std::fs::read_to_string(reader_path).unwrap());
    import_to(dir.path(), &fifo).success();
    assert_eq!(reader.join().unwrap(), HISTORY);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn a_full_disk_is_an_error_and_the_device_survives() {
    // Linux's always-full device; a machine without it fails here rather than passing unrun.
    assert!(Path::new("/dev/full").exists(), "this test needs /dev/full (Linux)");
    let dir = tempfile::tempdir().unwrap();
    let err =
        import_to(dir.path(), Path::new("/dev/full")).failure().code(1).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("/dev/full") && err.to_lowercase().contains("space"), "{err}");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/full").unwrap().file_type().is_char_device());
    assert_eq!(entries(dir.path()), ["export.csv"]);
}

#[test]
fn overflowing_contacts_are_clear_errors_never_inf() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.csv");
    std::fs::write(
        &history,
        "interval_start,queue,contacts,aht_seconds\n2024-11-25T08:00,voice,1e308,380\n",
    )
    .unwrap();
    let err = shiftcast()
        .args(["history", "check"])
        .arg(&history)
        .args(["--time-zone", "Asia/Shanghai"])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("line 2, column contacts"), "{err}");
    assert!(!err.contains("inf"), "{err}");
    // Summed finer rows that overflow the interval are an error too.
    let export = dir.path().join("e.csv");
    std::fs::write(
        &export,
        "Interval Start,Queue Name,Offer,Avg Handle\n2024-11-25T00:00:00Z,voice,900000000,\n\
         2024-11-25T00:05:00Z,voice,900000000,\n",
    )
    .unwrap();
    let err = shiftcast()
        .args(["history", "import"])
        .arg(&export)
        .args(["--preset", "genesys-cloud", "--config"])
        .arg(data("plan.toml"))
        .args(["--out", "-"])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("line 3, column Offer"), "{err}");
    // An uplift of 1e308 would make the forecast inf.
    let e = shiftcast::io::events::parse_events(
        "events.csv",
        b"start,end,kind,name,queue,uplift\n2025-10-01,2025-10-07,promotion,Sale,,1e308\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("line 2, column uplift"), "{e}");
}

#[test]
fn plan_out_naming_a_file_fails_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.csv");
    std::fs::write(&file, "keep").unwrap();
    let started = Instant::now();
    let err = shiftcast()
        .arg("plan")
        .arg("--config")
        .arg(data("plan.toml"))
        .arg("--out")
        .arg(&file)
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(String::from_utf8(err).unwrap().contains("not a folder"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
}

/// The folder's files and their bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    entries(dir).into_iter().map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap())).collect()
}

#[test]
fn a_killed_plan_leaves_the_old_folder_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    // The old folder: a complete earlier plan of one week, plus a file of the user's.
    shiftcast()
        .arg("plan")
        .arg("--config")
        .arg(data("plan.toml"))
        .args(["--weeks", "1", "--out"])
        .arg(&out)
        .assert()
        .success();
    check_roster_workbook(&out);
    std::fs::write(out.join("notes.txt"), "old run").unwrap();
    let old = snapshot(&out);
    let mut seen_new = false;
    // Kill points: while planning (by time), and while writing (as soon as the staging folder
    // appears, and once it holds a few files), then a run left to finish.
    let kills = [
        Kill::After(300),
        Kill::After(1500),
        Kill::Staging(0),
        Kill::Staging(3),
        Kill::After(60_000),
    ];
    for kill in kills {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("shiftcast"))
            .arg("plan")
            .arg("--config")
            .arg(data("plan.toml"))
            .args(["--weeks", "1", "--seed", "7", "--out"])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let staging = dir.path().join(format!(".plan.partial-{}", child.id()));
        let finished = loop {
            if child.try_wait().unwrap().is_some() {
                break true;
            }
            let due = match kill {
                Kill::After(ms) => started.elapsed() >= Duration::from_millis(ms),
                Kill::Staging(files) => {
                    std::fs::read_dir(&staging).is_ok_and(|d| d.count() >= files)
                }
            };
            if due || started.elapsed() > Duration::from_secs(120) {
                break false;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        if !finished {
            child.kill().unwrap();
            child.wait().unwrap();
        }
        let now = snapshot(&out);
        if now != old {
            // The new folder: complete (every file of a plan) and without the old notes.
            let names: Vec<&str> = now.iter().map(|(n, _)| n.as_str()).collect();
            for f in shiftcast::plan::pipeline::FILES {
                assert!(names.contains(&f), "missing {f} after a run killed at {kill:?}");
            }
            assert!(!names.contains(&"notes.txt"), "old and new files mixed");
            seen_new = true;
        }
        for name in entries(dir.path()) {
            assert!(!name.starts_with(".tmp"), "stray {name}");
        }
        for name in entries(&out) {
            assert!(!name.starts_with('.'), "stray {name} inside the folder");
        }
    }
    assert!(seen_new, "the last run (60 s) should have finished");
    // A later run clears the staging folders of killed runs.
    let leftovers: Vec<String> =
        entries(dir.path()).into_iter().filter(|n| n.contains(".partial")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// When the kill test stops a run.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// After this many milliseconds.
    After(u64),
    /// As soon as the run's staging folder holds this many files.
    Staging(usize),
}

/// roster.xlsx beside roster.csv: a `shifts` sheet with a row per roster row, date-time cells
/// and a paid flag per break, and an agents x days `grid` sheet.
fn check_roster_workbook(out: &Path) {
    use calamine::{Data, Reader};
    let csv_rows = std::fs::read_to_string(out.join("roster.csv")).unwrap().lines().count() - 1;
    let mut book = calamine::open_workbook_auto(out.join("roster.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["shifts", "grid"]);
    let shifts = book.worksheet_range("shifts").unwrap();
    assert_eq!(shifts.height() - 1, csv_rows);
    let header: Vec<String> =
        (0..shifts.width()).map(|c| shifts.get((0, c)).unwrap().to_string()).collect();
    assert_eq!(
        &header[..7],
        ["agent_id", "name", "date", "queue", "shift_start", "shift_end", "paid_minutes"]
    );
    assert!(header.contains(&"break_1_paid".to_string()), "{header:?}");
    assert!(matches!(shifts.get((1, 4)), Some(Data::DateTime(_))), "{:?}", shifts.get((1, 4)));
    let flags: Vec<String> =
        (1..shifts.height()).filter_map(|r| shifts.get((r, 9)).map(|d| d.to_string())).collect();
    assert!(flags.iter().any(|f| f == "paid"), "{flags:?}");
    let grid = book.worksheet_range("grid").unwrap();
    assert!(grid.height() > 1 && grid.width() > 2);
}

#[test]
fn bom_starts_every_csv_for_excel() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.csv");
    std::fs::write(&export, EXPORT).unwrap();
    let out = dir.path().join("h.csv");
    shiftcast()
        .args(["--bom", "history", "import"])
        .arg(&export)
        .args(["--preset", "genesys-cloud", "--config"])
        .arg(data("plan.toml"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    assert_eq!(&bytes[3..], HISTORY.as_bytes());
    // And the readers take it back.
    shiftcast()
        .args(["history", "check"])
        .arg(&out)
        .args(["--time-zone", "Asia/Shanghai"])
        .assert()
        .success();
}
