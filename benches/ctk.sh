#!/usr/bin/env bash
# Chaos Toolkit experiments vs chaos run: the experiments in benches/ctk/
# run through the release `cocpit drill run` and through `chaos run`
# (Chaos Toolkit 1.21.4, the venv scripts/test makes), RUNS times each,
# alternating; wall time and peak RSS (GNU time's %e and %M) per run; the
# table gives medians and the ratios. HTTP probes call a throwaway
# `python3 -m http.server` on a free loopback port.
#
#   benches/ctk.sh            # RUNS=7
#   RUNS=15 benches/ctk.sh
#   COCPIT_BIN=target/release/cocpit benches/ctk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-7}"
target="${CARGO_TARGET_DIR:-target}"
chaos="${COCPIT_CHAOS:-$HOME/.cache/cocpit/ctk-venv/bin/chaos}"
[ -x "$chaos" ] || { echo "benches/ctk.sh: no chaos at $chaos (scripts/test installs it)"; exit 1; }
# COCPIT_BIN: an already built release binary (skips the build).
cocpit="${COCPIT_BIN:-}"
if [ -z "$cocpit" ]; then
  cargo build --release --quiet
  cocpit="$target/release/cocpit"
fi
# The runs happen in a scratch directory: a relative path would not hold.
cocpit="$(realpath "$cocpit")"

work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/www"
python3 -u -m http.server --bind 127.0.0.1 --directory "$work/www" 0 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  port="$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$work/server.log" | head -1)"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "${port:-}" ] || { echo "benches/ctk.sh: the stand-in HTTP server did not start"; exit 1; }
base="http://127.0.0.1:$port"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "| experiment | chaos run wall | cocpit wall | faster | chaos run peak RSS | cocpit peak RSS | memory |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for exp in benches/ctk/*.json; do
  name="$(basename "$exp" .json)"
  sed "s#{{BASE}}#$base#g" "$exp" >"$work/$name.json"
  : >"$work/chaos.w"; : >"$work/cocpit.w"; : >"$work/chaos.m"; : >"$work/cocpit.m"
  for i in $(seq "$runs"); do
    # Wall time from bash's clock (GNU time's %e has 10 ms steps), peak RSS
    # from GNU time's %M (kB).
    t0=$EPOCHREALTIME
    ( cd "$work" && /usr/bin/time -f "%M" -a -o "$work/chaos.m" \
        "$chaos" --no-version-check run --rollback-strategy always --journal-path "$work/j-chaos.json" "$work/$name.json" >/dev/null 2>&1 ) || true
    t1=$EPOCHREALTIME
    ( cd "$work" && /usr/bin/time -f "%M" -a -o "$work/cocpit.m" \
        "$cocpit" --journal "$work/events.db" drill run "$work/$name.json" --journal-path "$work/j-cocpit.json" >/dev/null 2>&1 ) || true
    t2=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}' >>"$work/chaos.w"
    awk -v a="$t1" -v b="$t2" 'BEGIN {print b - a}' >>"$work/cocpit.w"
  done
  cw="$(median <"$work/chaos.w")"; cm="$(median <"$work/chaos.m")"
  ow="$(median <"$work/cocpit.w")"; om="$(median <"$work/cocpit.m")"
  awk -v n="$name" -v cw="$cw" -v ow="$ow" -v cm="$cm" -v om="$om" 'BEGIN {
    printf "| %s | %.3f s | %.4f s | %.1f× | %.1f MB | %.1f MB | %.1f× less |\n", n, cw, ow, (ow > 0 ? cw / ow : 0), cm / 1024, om / 1024, (om > 0 ? cm / om : 0) }'
done

# Private memory: what a run costs the host beyond the code pages it shares
# with every other process of the same binary (the page cache). Each tool
# runs an experiment whose method holds for 2 s; at 1.5 s its
# /proc/PID/status is read: VmHWM (peak RSS so far) and RssAnon (private,
# anonymous memory: heap, stacks, the interpreter's objects).
cat >"$work/hold.json" <<'JSON'
{"title": "bench hold", "description": "a method that holds for 2 s",
 "method": [{"type": "action", "name": "hold", "provider": {"type": "process", "path": "sleep", "arguments": ["2"]}}]}
JSON
sample() { # tool args... → "hwm anon" in kB
  ( cd "$work" && exec "$@" >/dev/null 2>&1 ) &
  local pid=$!
  sleep 1.5
  awk '/^VmHWM:/ {h=$2} /^RssAnon:/ {a=$2} END {print h, a}' "/proc/$pid/status"
  wait "$pid" || true
}
: >"$work/chaos.h"; : >"$work/cocpit.h"
for i in $(seq "$runs"); do
  sample "$chaos" --no-version-check run --journal-path "$work/j-chaos.json" "$work/hold.json" >>"$work/chaos.h"
  sample "$cocpit" --journal "$work/events.db" drill run "$work/hold.json" --journal-path "$work/j-cocpit.json" >>"$work/cocpit.h"
done
ch="$(cut -d' ' -f1 <"$work/chaos.h" | median)"; ca="$(cut -d' ' -f2 <"$work/chaos.h" | median)"
oh="$(cut -d' ' -f1 <"$work/cocpit.h" | median)"; oa="$(cut -d' ' -f2 <"$work/cocpit.h" | median)"
echo
echo "| hold (2 s), at 1.5 s | chaos run | cocpit | ratio |"
echo "|---|---:|---:|---:|"
awk -v c="$ch" -v o="$oh" 'BEGIN { printf "| peak RSS (VmHWM) | %.1f MB | %.1f MB | %.1f× less |\n", c/1024, o/1024, c/o }'
awk -v c="$ca" -v o="$oa" 'BEGIN { printf "| private memory (RssAnon) | %.1f MB | %.1f MB | %.1f× less |\n", c/1024, o/1024, c/o }'
echo
echo "runs per cell: $runs (medians); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
