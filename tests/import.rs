//! `shiftcast history import`: platform exports converted to our history.csv.
//!
//! The reference is the sample itself: the tests turn data/history.csv into exports the way a
//! platform writes them (UTC times, `;`, decimal commas, `hh:mm:ss`, 5-minute rows, renamed
//! queues, a spreadsheet) and check that importing gives the sample back byte for byte.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::{NaiveDateTime, TimeZone};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(name)
}

fn shiftcast() -> Command {
    Command::cargo_bin("shiftcast").unwrap()
}

/// One row of the sample: local start, queue, contacts, handle time (seconds) if any.
struct SampleRow {
    local: NaiveDateTime,
    queue: String,
    contacts: u64,
    aht_seconds: Option<u64>,
}

fn sample_rows() -> Vec<SampleRow> {
    let text = std::fs::read_to_string(data("history.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            SampleRow {
                local: NaiveDateTime::parse_from_str(f[0], "%Y-%m-%dT%H:%M").unwrap(),
                queue: f[1].to_string(),
                contacts: f[2].parse().unwrap(),
                aht_seconds: (!f[3].is_empty()).then(|| f[3].parse().unwrap()),
            }
        })
        .collect()
}

fn platform_queue(q: &str) -> String {
    format!("{} Queue", q.to_uppercase())
}

fn hhmmss(seconds: u64) -> String {
    format!("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// `n/2` with a decimal comma: `7` -> "3,5".
fn halves(n: u64) -> String {
    if n % 2 == 0 {
        format!("{}", n / 2)
    } else {
        format!("{},5", n / 2)
    }
}

/// A Genesys-style export of the sample: UTC times with `Z`, `;`, each 15-minute row split
/// into three 5-minute rows whose contacts are halves written with a decimal comma (they sum
/// back exactly), handle times as hh:mm:ss.
fn genesys_export() -> String {
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let mut out = String::from("Interval Start;Queue Name;Offer;Avg Handle\n");
    for r in sample_rows() {
        let utc = tz.from_local_datetime(&r.local).unwrap().naive_utc();
        // Split 2·contacts halves over three rows: a + b + c = 2·contacts.
        let twice = 2 * r.contacts;
        let parts = [twice / 3, twice / 3, twice - 2 * (twice / 3)];
        for (k, p) in parts.iter().enumerate() {
            let start = utc + chrono::Duration::minutes(5 * k as i64);
            let aht = r.aht_seconds.map(hhmmss).unwrap_or_default();
            out.push_str(&format!(
                "{}Z;{};{};{}\n",
                start.format("%Y-%m-%dT%H:%M:%S"),
                platform_queue(&r.queue),
                halves(*p),
                aht
            ));
        }
    }
    out
}

const MAP: &str = "delimiter = \";\"\ndecimal = \",\"\n\n[queues]\n\"VOICE Queue\" = \"voice\"\n\
    \"CHAT Queue\" = \"chat\"\n\"EMAIL Queue\" = \"email\"\n\"SOCIAL Queue\" = \"social\"\n";

#[test]
fn utc_semicolon_decimal_comma_hhmmss_export_gives_the_sample_back() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("genesys.csv");
    std::fs::write(&export, genesys_export()).unwrap();
    let map = dir.path().join("map.toml");
    std::fs::write(&map, MAP).unwrap();
    let out = dir.path().join("history.csv");
    shiftcast()
        .args(["history", "import"])
        .arg(&export)
        .args(["--preset", "genesys-cloud", "--map"])
        .arg(&map)
        .arg("--config")
        .arg(data("plan.toml"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let got = std::fs::read(&out).unwrap();
    let want = std::fs::read(data("history.csv")).unwrap();
    assert!(got == want, "imported history differs from data/history.csv");
}

#[test]
fn stdin_and_stdout_with_a_map_alone_and_epoch_milliseconds() {
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let rows: Vec<SampleRow> = sample_rows().into_iter().take(40).collect();
    let mut export = String::from("ts,contacts,handle_ms,queue\n");
    for r in &rows {
        let ms = tz.from_local_datetime(&r.local).unwrap().timestamp_millis();
        let aht = r.aht_seconds.map(|a| (a * 1000).to_string()).unwrap_or_default();
        export.push_str(&format!("{ms},{},{aht},{}\n", r.contacts, r.queue));
    }
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.toml");
    std::fs::write(
        &map,
        "time_column = \"ts\"\ntime_format = \"epoch_ms\"\nqueue_column = \"queue\"\n\
         contacts_column = \"contacts\"\naht_column = \"handle_ms\"\naht_unit = \"ms\"\n",
    )
    .unwrap();
    let output = shiftcast()
        .args(["history", "import", "-", "--map"])
        .arg(&map)
        .arg("--config")
        .arg(data("plan.toml"))
        .args(["--out", "-"])
        .write_stdin(export)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let want: String = std::fs::read_to_string(data("history.csv"))
        .unwrap()
        .lines()
        .take(41)
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(String::from_utf8(output).unwrap(), want);
}

#[test]
fn spreadsheet_export_with_date_time_and_duration_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let rows: Vec<SampleRow> = sample_rows().into_iter().take(60).collect();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Interval").unwrap();
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let dur = Format::new().set_num_format("[h]:mm:ss");
    for (c, h) in ["Queue", "Start", "Offered", "AHT"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let t = ExcelDateTime::parse_from_str(&r.local.format("%Y-%m-%dT%H:%M:%S").to_string())
            .unwrap();
        sheet.write_string(row, 0, &r.queue).unwrap();
        sheet.write_datetime_with_format(row, 1, &t, &when).unwrap();
        sheet.write_number(row, 2, r.contacts as f64).unwrap();
        if let Some(a) = r.aht_seconds {
            sheet.write_number_with_format(row, 3, a as f64 / 86400.0, &dur).unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("export.xlsx");
    book.save(&xlsx).unwrap();
    let map = dir.path().join("map.toml");
    std::fs::write(
        &map,
        "sheet = \"Interval\"\ntime_column = \"Start\"\nqueue_column = \"Queue\"\n\
         contacts_column = \"Offered\"\naht_column = \"AHT\"\naht_unit = \"hh:mm:ss\"\n",
    )
    .unwrap();
    let out = dir.path().join("h.csv");
    shiftcast()
        .args(["history", "import"])
        .arg(&xlsx)
        .arg("--map")
        .arg(&map)
        .arg("--config")
        .arg(data("plan.toml"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let want: String = std::fs::read_to_string(data("history.csv"))
        .unwrap()
        .lines()
        .take(61)
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), want);
}

#[test]
fn bad_cells_and_unknown_queues_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "Interval Start,Queue Name,Offer,Avg Handle\n2024-11-25T00:00:00Z,voice,1e308,00:03:00\n",
            "line 2, column Offer",
        ),
        (
            "Interval Start,Queue Name,Offer,Avg Handle\n2024-11-25T00:00:00Z,voice,3,3 min\n",
            "line 2, column Avg Handle",
        ),
        (
            "Interval Start,Queue Name,Offer,Avg Handle\n25/11/2024 00:00,voice,3,00:03:00\n",
            "line 2, column Interval Start",
        ),
        (
            "Interval Start,Queue Name,Offer,Avg Handle\n2024-11-25T00:00:00Z,VIP,3,00:03:00\n",
            "queue \"VIP\" is not a queue of the plan",
        ),
        (
            "Interval Start,Queue Name,Offer,Avg Handle\n2024-11-25T00:00:00Z,voice,3,00:03:00\n\
             2024-11-25T00:00:00Z,voice,3,00:03:00\n",
            "line 3, column Interval Start",
        ),
        ("Start,Queue Name,Offer\n2024-11-25T00:00:00Z,voice,3\n", "time_column names column"),
    ];
    for (text, want) in cases {
        let export = dir.path().join("e.csv");
        std::fs::write(&export, text).unwrap();
        let out = shiftcast()
            .args(["history", "import"])
            .arg(&export)
            .args(["--preset", "genesys-cloud", "--config"])
            .arg(data("plan.toml"))
            .args(["--out"])
            .arg(dir.path().join("h.csv"))
            .assert()
            .failure()
            .code(1)
            .get_output()
            .stderr
            .clone();
        let err = String::from_utf8(out).unwrap();
        assert!(err.contains(want), "{want}: {err}");
        assert!(!err.contains("inf"), "{err}");
        assert!(!dir.path().join("h.csv").exists());
    }
}

#[test]
fn presets_read_their_documented_columns() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "amazon-connect",
            "Queue,StartInterval,EndInterval,Contacts queued,Average handle time\n\
             voice,2024-11-25T00:00:00Z,2024-11-25T00:15:00Z,14,380\n",
        ),
        ("nice-iex", "date|period|ctName|contactsReceived|aht\n11252024|08:00|voice|14|380\n"),
    ];
    for (preset, text) in cases {
        let export = dir.path().join("e.csv");
        std::fs::write(&export, text).unwrap();
        let got = shiftcast()
            .args(["history", "import"])
            .arg(&export)
            .args(["--preset", preset, "--config"])
            .arg(data("plan.toml"))
            .args(["--out", "-"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "interval_start,queue,contacts,aht_seconds\n2024-11-25T08:00,voice,14,380\n",
            "{preset}"
        );
    }
}
