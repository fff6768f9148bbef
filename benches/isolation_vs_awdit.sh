#!/usr/bin/env bash
# Side by side: splitbrain's complete read-committed / read-atomic / causal checks against
# AWDIT (lassemoldrup/AWDIT, PLDI 2025) on the same histories, 10^6 events, 8 locations.
#
#   benches/isolation_vs_awdit.sh AWDIT_BINARY [WORKDIR]
#
# AWDIT_BINARY: `awdit` built from its repository in a temporary directory (never vendored):
#   git clone https://github.com/lassemoldrup/AWDIT /tmp/awdit && cd /tmp/awdit
#   sed -i '/^dbcop = /d' Cargo.toml      # the optional dbcop submodule is absent
#   cargo build --release                 # -> /tmp/awdit/target/release/awdit
#
# Histories (in WORKDIR, default /tmp/isolation-bench; reused when present):
#   awdit-{rc,ra,causal}-1m.plume   `awdit generate -e 1000000 -l 8 -i LEVEL` (causal: ~6 min)
#   sb-{ssi,read-committed}.plume   `splitbrain gen --workload rw-register --ops 600000
#                                    --clients 100 --keys 8`, converted with `splitbrain convert`
# GENERATE (default "rc:read-committed ra:read-atomic causal:causal") limits which AWDIT
# histories are generated when absent. Each (history, level) runs once per tool under /usr/bin/time -v; prints one table row with
# both verdicts, wall time and peak RSS. AWDIT runs with `-r first -s 1024` (its default report
# mode can overflow its stack on inconsistent histories) under an address-space cap (AWDIT_CAP bytes, default 8 GiB).
set -euo pipefail
AWDIT=${1:?usage: $0 AWDIT_BINARY [WORKDIR]}
WORK=${2:-/tmp/isolation-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$WORK"
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --example isolation_bench
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
SB="$ROOT/target/release/splitbrain"
ISO="$ROOT/target/release/examples/isolation_bench"
cd "$WORK"
for l in ${GENERATE:-rc:read-committed ra:read-atomic causal:causal}; do
  f="awdit-${l%%:*}-1m.plume"
  [ -s "$f" ] || "$AWDIT" generate -e 1000000 -l 8 -i "${l#*:}" "$f"
done
for db in ssi read-committed; do
  [ -s "sb-$db.plume" ] || {
    "$SB" gen --workload rw-register --db "$db" --ops 600000 --clients 100 --keys 8 \
      --max-writes-per-key 1000000000 --seed 1 -o "sb-$db.jsonl"
    "$SB" convert "sb-$db.jsonl" "sb-$db.plume" --to plume
  }
done
measure() { # prints "verdict wall_s rss_mb"
  local out; out=$( { /usr/bin/time -v "$@" 2>&1; } || true)
  local verdict; verdict=$(grep -oE '^(Consistent|Inconsistent|Unknown)' <<<"$out" | head -1)
  local wall; wall=$(grep 'Elapsed (wall' <<<"$out" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  local rss; rss=$(grep 'Maximum resident' <<<"$out" | awk '{printf "%d", $NF/1024}')
  echo "${verdict:-none} $wall $rss"
}
echo "| history | events | level | AWDIT verdict | AWDIT s | AWDIT MB | splitbrain verdict | splitbrain s | splitbrain MB |"
echo "|---|---:|---|---|---:|---:|---|---:|---:|"
for f in awdit-rc-1m awdit-ra-1m awdit-causal-1m sb-ssi sb-read-committed; do
  [ -s "$f.plume" ] || continue
  events=$(wc -l < "$f.plume")
  for level in read-committed read-atomic causal; do
    a=$(measure prlimit --as="${AWDIT_CAP:-8589934592}" "$AWDIT" check -i "$level" -f plume -r first -s 1024 "$f.plume")
    s=$(measure "$ISO" "$f.plume" "$level" plume)
    read -r av aw am <<<"$a"; read -r sv sw sm <<<"$s"
    echo "| $f | $events | $level | $av | $aw | $am | $sv | $sw | $sm |"
  done
done
