//! A mutation fuzzer on stable Rust for machines without nightly/cargo-fuzz: takes the seed
//! files of a target, applies random CSV/TOML-aware edits (byte flips, interesting tokens,
//! deleted or duplicated spans, splices of two seeds), runs the target under `catch_unwind`, and
//! saves every input that panics to `artifacts/<target>/`. No coverage feedback: it is a
//! weaker engine than libFuzzer, but it runs anywhere and is deterministic per `--seed`.
//!
//! Usage: `stable_fuzz <target|all> <seconds> [rng-seed]` or `stable_fuzz replay <target> FILE...`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TOKENS: &[&[u8]] = &[
    b",", b"\"", b"\n", b"\r\n", b";", b":", b"-", b"+", b"T", b" ", b".", b"\xEF\xBB\xBF", b"\xff",
    b"\0", b"..", b"=", b"[", b"]", b"[[queues]]", b"24:00", b"00:00", b"-05:00", b"+14:00", b"Z",
    b"2025-03-09T02:30", b"2025-11-02T01:30", b"9999-12-31", b"0000-01-01", b"-262143-01-01",
    b"1e308", b"-0", b"NaN", b"inf", b"18446744073709551616", b"Sat", b"closed", b"24h",
    b"22:00-06:00", b"true", b"\"\"", b"queue", b"contacts", b"aht_seconds", b"voice", b"99999999",
];

fn seeds(dir: &Path, target: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for sub in ["seeds", "corpus"] {
        let folder = dir.join(sub).join(target);
        if let Ok(entries) = std::fs::read_dir(&folder) {
            let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for p in paths {
                if let Ok(b) = std::fs::read(&p) {
                    out.push(b);
                }
            }
        }
    }
    if out.is_empty() {
        out.push(Vec::new());
    }
    out
}

fn mutate(rng: &mut ChaCha8Rng, input: &mut Vec<u8>, pool: &[Vec<u8>]) {
    for _ in 0..rng.random_range(1..8) {
        let len = input.len();
        let at = if len == 0 { 0 } else { rng.random_range(0..=len) };
        match rng.random_range(0..7) {
            0 if len > 0 => {
                let i = at.min(len - 1);
                input[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let t = TOKENS[rng.random_range(0..TOKENS.len())];
                input.splice(at..at, t.iter().copied());
            }
            2 if len > 0 => {
                let end = (at + rng.random_range(1..16)).min(len);
                input.drain(at.min(end)..end);
            }
            3 if len > 0 => {
                // Duplicate a span (a repeated row or key).
                let end = (at + rng.random_range(1..64)).min(len);
                let span: Vec<u8> = input[at.min(end)..end].to_vec();
                input.splice(end..end, span);
            }
            4 => {
                let other = &pool[rng.random_range(0..pool.len())];
                if !other.is_empty() {
                    let from = rng.random_range(0..other.len());
                    let to = (from + rng.random_range(1..128)).min(other.len());
                    input.splice(at..at, other[from..to].iter().copied());
                }
            }
            5 if len > 0 => input.truncate(at),
            _ => {
                let b: u8 = rng.random();
                input.insert(at, b);
            }
        }
    }
}

fn fuzz(dir: &Path, target: &str, seconds: u64, rng_seed: u64) -> (u64, u64) {
    let pool = seeds(dir, target);
    let mut rng = ChaCha8Rng::seed_from_u64(rng_seed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut runs, mut crashes) = (0u64, 0u64);
    // Each seed as is first.
    let mut queue: Vec<Vec<u8>> = pool.clone();
    while Instant::now() < deadline {
        let input = match queue.pop() {
            Some(i) => i,
            None => {
                let mut i = pool[rng.random_range(0..pool.len())].clone();
                mutate(&mut rng, &mut i, &pool);
                i
            }
        };
        runs += 1;
        let result = std::panic::catch_unwind(|| shiftcast_fuzz::run(target, &input));
        if result.is_err() {
            crashes += 1;
            let folder = dir.join("artifacts").join(target);
            let _ = std::fs::create_dir_all(&folder);
            let path = folder.join(format!("crash-stable-{rng_seed}-{runs}"));
            let _ = std::fs::write(&path, &input);
            eprintln!("{target}: panic saved to {}", path.display());
        }
    }
    (runs, crashes)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if args.first().map(String::as_str) == Some("replay") && args.len() >= 3 {
        for f in &args[2..] {
            let data = std::fs::read(f).unwrap_or_else(|e| panic!("{f}: {e}"));
            shiftcast_fuzz::run(&args[1], &data);
            println!("{f}: no panic");
        }
        return;
    }
    let (Some(which), Some(seconds)) = (args.first(), args.get(1).and_then(|s| s.parse::<u64>().ok()))
    else {
        eprintln!("usage: stable_fuzz <target|all> <seconds> [rng-seed] | stable_fuzz replay <target> FILE...");
        std::process::exit(2);
    };
    let rng_seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let targets: Vec<&str> = if which == "all" {
        shiftcast_fuzz::TARGETS.to_vec()
    } else {
        vec![which.as_str()]
    };
    // Keep panic messages short: one line per crash.
    std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}")));
    let mut total_crashes = 0;
    for t in targets {
        let (runs, crashes) = fuzz(&dir, t, seconds, rng_seed);
        println!("{t}: {runs} executions in {seconds} s, {crashes} crashes (stable mutation harness)");
        total_crashes += crashes;
    }
    if total_crashes > 0 {
        std::process::exit(1);
    }
}
