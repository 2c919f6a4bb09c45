//! Rostering benchmark on generated instances (see `shiftcast::roster::generate`).
//!
//! ```sh
//! cargo run --release --example bench_roster            # 500 × 1 week and 2,000 × 4 weeks
//! cargo run --release --example bench_roster -- 120 2 7 # agents, weeks, seed [iterations per seat]
//! ```
//! Prints, per instance: seats, filled, cost, lower bound, gap, hard-rule violations found by
//! `roster::check`, the stop reason and the wall-clock time.

use std::time::Instant;

use shiftcast::roster::{self, generate, RosterOptions};

fn run(agents: usize, weeks: u32, seed: u64, iterations_per_seat: Option<u32>) {
    let t0 = Instant::now();
    let inst = generate::instance(agents, weeks, seed);
    let gen_seconds = t0.elapsed().as_secs_f64();
    let mut options = RosterOptions { seed, ..RosterOptions::default() };
    if let Some(i) = iterations_per_seat {
        options.iterations_per_seat = i;
    }
    let r = roster::solve(&inst.shifts, &inst.agents, &inst.site, &inst.config, &options)
        .expect("solve");
    println!(
        "{agents:>5} agents × {weeks} weeks (seed {seed}): {} seats, {} filled, cost {:.0} \
         (labour {:.0}, unfilled {:.0}, shortfall {:.0}), bound {:.0}, gap {:.3}%, violations {}, \
         soft {:.0}, {:?} after {} iterations, {:.1} s (+{:.1} s generating)",
        r.shifts_total,
        r.shifts_filled,
        r.cost.total,
        r.cost.labour,
        r.cost.unfilled,
        r.cost.min_hours_shortfall,
        r.lower_bound,
        100.0 * r.gap,
        r.violations.len(),
        r.cost.soft_penalty,
        r.stop_reason,
        r.iterations,
        r.run_seconds,
        gen_seconds,
    );
    for f in &r.fairness {
        println!(
            "    {:?}: total {}, max−min {}, Gini {:.3}",
            f.kind, f.total, f.max_minus_min, f.gini
        );
    }
    println!(
        "    preferred days off kept {:.1}%, weeks with 2 consecutive days off {:.1}%, mean start change {:.2} h",
        100.0 * r.preferences.preferred_days_off_fraction,
        100.0 * r.preferences.weeks_with_two_consecutive_days_off_fraction,
        r.preferences.mean_start_change_hours
    );
}

fn main() {
    let args: Vec<u64> =
        std::env::args().skip(1).map(|a| a.parse().expect("numbers: agents weeks seed")).collect();
    if args.len() >= 3 {
        run(args[0] as usize, args[1] as u32, args[2], args.get(3).map(|&i| i as u32));
    } else {
        run(500, 1, 1, None);
        run(2000, 4, 1, None);
    }
}
