#!/usr/bin/env bash
# Fuzz every reader (history, contact_log, events, agents, plan_toml, forecast, requirements,
# shifts, roster, scenarios_csv, scenarios_toml) and the import mapper for SECONDS each.
# With nightly Rust and cargo-fuzz installed this runs libFuzzer (coverage-guided):
#   rustup toolchain install nightly && cargo install cargo-fuzz
# otherwise the stable mutation harness (src/bin/stable_fuzz.rs). Not part of CI.
# Prints executions and crashes per target; crashing inputs land in fuzz/artifacts/<target>/.
set -euo pipefail
secs=${1:?usage: fuzz/run.sh SECONDS}
cd "$(dirname "$0")"
targets="history contact_log events agents plan_toml forecast requirements shifts roster scenarios_csv scenarios_toml import"
mkdir -p logs
if [[ "${STABLE:-0}" != 1 ]] && cargo +nightly fuzz --version >/dev/null 2>&1; then
  status=0
  for t in $targets; do
    mkdir -p "corpus/$t"
    if cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
        >"logs/$t.log" 2>&1; then
      result="no crash"
    else
      result="CRASH (see logs/$t.log and artifacts/$t/)"
      status=1
    fi
    runs=$(grep -Eo 'Done [0-9]+ runs' "logs/$t.log" | grep -Eo '[0-9]+' | tail -1 || true)
    echo "$t: ${runs:-?} executions in $secs s (libFuzzer), $result"
  done
  exit $status
else
  cargo run --quiet --release --no-default-features --bin stable_fuzz -- all "$secs"
fi
