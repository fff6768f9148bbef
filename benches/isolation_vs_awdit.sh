#!/usr/bin/env bash
# Side by side: splitbrain's complete read-committed / read-atomic / causal checks against
# AWDIT (lassemoldrup/AWDIT, PLDI 2025) on the same histories, 10^6 events, 8 locations, and
# optionally against an earlier build of splitbrain (the before/after of a change).
#
#   benches/isolation_vs_awdit.sh [--baseline ISOBENCH_BINARY] AWDIT_BINARY [WORKDIR]
#
# AWDIT_BINARY: `awdit` built from its repository in a temporary directory (never vendored):
#   git clone https://github.com/lassemoldrup/AWDIT /tmp/awdit && cd /tmp/awdit
#   sed -i '/^dbcop = /d' Cargo.toml      # the optional dbcop submodule is absent
#   cargo build --release                 # -> /tmp/awdit/target/release/awdit
# ISOBENCH_BINARY: another build's `examples/isolation_bench` (e.g. main's, copied aside before
#   the change: cp target/release/examples/isolation_bench /tmp/iso-main); its column is "main".
#
# Histories (in WORKDIR, default /tmp/isolation-bench; reused when present):
#   awdit-{rc,ra,causal}-1m.plume   `awdit generate -e 1000000 -l 8 -i LEVEL` (causal: ~6 min)
#   sb-{ssi,read-committed}.plume   `splitbrain gen --workload rw-register --ops 600000
#                                    --clients 100 --keys 8`, converted with `splitbrain convert`
# GENERATE (default "rc:read-committed ra:read-atomic causal:causal") limits which AWDIT
# histories are generated when absent.
#
# Each (history, level) runs once per tool, the tools one after another, under /usr/bin/time:
# CPU seconds (user + system, the parse included) and peak RSS in MiB; AWDIT with `-r first
# -s 1024` (its default report mode can overflow its stack on inconsistent histories) under an
# address-space cap (AWDIT_CAP bytes, default 8 GiB): "none" is no verdict (the cap or a
# crash). Verdicts: C consistent, I inconsistent, U unknown; a row whose verdicts differ is
# marked DIFFERENT. The load average is printed before and after: the figures of one run are
# comparable with each other, not with another run's on a different load.
set -euo pipefail
BASE=
if [ "${1:-}" = "--baseline" ]; then
  BASE=${2:?--baseline needs an isolation_bench binary}
  shift 2
fi
AWDIT=${1:?usage: $0 [--baseline ISOBENCH_BINARY] AWDIT_BINARY [WORKDIR]}
WORK=${2:-/tmp/isolation-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$WORK"
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --example isolation_bench
SB="$ROOT/target/release/splitbrain"
ISO="$ROOT/target/release/examples/isolation_bench"
cd "$WORK"
for l in ${GENERATE:-rc:read-committed ra:read-atomic causal:causal}; do
  f="awdit-${l%%:*}-1m.plume"
  [ -s "$f" ] || "$AWDIT" generate -e 1000000 -l 8 -i "${l#*:}" "$f"
done
for db in ssi read-committed; do
  [ -s "sb-$db.plume" ] || {
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
    "$SB" gen --workload rw-register --db "$db" --ops 600000 --clients 100 --keys 8 \
      --max-writes-per-key 1000000000 --seed 1 -o "sb-$db.jsonl"
    "$SB" convert "sb-$db.jsonl" "sb-$db.plume" --to plume
  }
done
TIMES=$(mktemp)
trap 'rm -f "$TIMES"' EXIT
measure() { # prints "verdict cpu_s rss_mib"
  local out; out=$( { /usr/bin/time -o "$TIMES" -f '%U %S %M' "$@" 2>/dev/null; } || true)
  local verdict; verdict=$(grep -oE '^(Consistent|Inconsistent|Unknown)' <<<"$out" | head -1 | cut -c1)
  local u s m; read -r u s m < <(grep -E '^[0-9.]+ [0-9.]+ [0-9]+$' "$TIMES" || echo "0 0 0")
  echo "${verdict:-none} $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }') $((m / 1024))"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$BASE" ]; then
  echo "| history | level | main CPU s / MiB | this CPU s / MiB | AWDIT CPU s / MiB | verdicts (main, this, AWDIT) |"
  echo "|---|---|---:|---:|---:|---|"
else
  echo "| history | level | this CPU s / MiB | AWDIT CPU s / MiB | verdicts (this, AWDIT) |"
  echo "|---|---|---:|---:|---|"
fi
for f in awdit-rc-1m awdit-ra-1m awdit-causal-1m sb-read-committed sb-ssi; do
  [ -s "$f.plume" ] || continue
  for level in read-committed read-atomic causal; do
    cells=() verdicts=()
    for tool in ${BASE:+base} this awdit; do
      case $tool in
        base) r=$(measure "$BASE" "$f.plume" "$level" plume) ;;
        this) r=$(measure "$ISO" "$f.plume" "$level" plume) ;;
        awdit) r=$(measure prlimit --as="${AWDIT_CAP:-8589934592}" "$AWDIT" check -i "$level" \
                     -f plume -r first -s 1024 "$f.plume") ;;
      esac
      read -r v cpu mib <<<"$r"
      if [ "$v" = none ]; then cells+=("none ($cpu s)"); else cells+=("$cpu / $mib"); fi
      verdicts+=("$v")
    done
    mark=
    known=$(printf '%s\n' "${verdicts[@]}" | grep -v none | sort -u | wc -l)
    [ "$known" -le 1 ] || mark=" DIFFERENT"
    row="| $f | $level"
    for c in "${cells[@]}"; do row+=" | $c"; done
    echo "$row | $(IFS=,; echo "${verdicts[*]}")$mark |"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
