#!/usr/bin/env bash
# Model checking side by side with stateright's own examples (issue 21). Not in CI: it clones and
# builds stateright and takes minutes.
#
# Builds stateright's `examples/paxos.rs` and `examples/raft.rs` at the version Cargo.lock pins,
# then runs them and `splitbrain model check` alternately, ROUNDS times, all pinned to one CPU
# (`taskset -c 0`: stateright's examples size their thread pool with `num_cpus`, which honours
# the affinity mask, so both sides run one checker thread). Each run goes under `/usr/bin/time`;
# the figure compared is unique states per CPU-second (user + sys), which a loaded machine
# disturbs far less than wall time, and BFS bytes of peak RSS per unique state. Printed: each
# run, then the medians and the splitbrain / stateright ratios (> 1 means splitbrain is faster,
# resp. uses more memory per state).
#
# Pairs (the models differ, so the rate is what is compared, not the counts):
#   paxos DFS   stateright `paxos check-dfs 3` (runs to the end: ~1.2 M unique states)
#               splitbrain `model check paxos-register --clients 3 --max-states N` (its space is
#               far larger, so it stops after N generated states, N = stateright's count)
#   paxos BFS   the same with `check 3` / `--strategy bfs`
#   raft BFS    stateright `raft check 3 10` (3 servers, depth 10: ~0.8 M unique states, 1.8 GB;
#               its default depth 12 grows past 18 GB) / splitbrain `model check raft
#               --strategy bfs` (its default size, runs to the end)
#
# Usage: benches/peers/stateright.sh
# Environment:
#   ROUNDS=3                 alternations
#   STATERIGHT_GIT=URL|DIR   where to clone stateright from (default its GitHub repository)
#   WORK=DIR                 where to clone and build it (default a fresh temp dir, removed at
#                            the end; reuse one to skip the rebuild)
#   SPLITBRAIN=PATH          the binary to measure (default: `cargo build --release` here)
#   SPLITBRAIN_BEFORE=PATH   another build (e.g. main's) run in the same rounds: before/after
#   ONLY="paxos-dfs paxos-bfs raft-bfs"   which pairs
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-3}
only=${ONLY:-paxos-dfs paxos-bfs raft-bfs}
origin=${STATERIGHT_GIT:-https://github.com/stateright/stateright}
version=$(awk '$0 == "name = \"stateright\"" { getline; gsub(/"/, "", $3); print $3 }' \
    "$repo/Cargo.lock")
[ -n "$version" ] || { echo "stateright not found in $repo/Cargo.lock" >&2; exit 3; }
command -v taskset >/dev/null || { echo "needs taskset (util-linux)" >&2; exit 3; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 3; }

if [ -n "${WORK:-}" ]; then
    work=$WORK
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

if [ ! -d "$work/src/.git" ]; then
    git clone -q "$origin" "$work/src"
fi
# Releases are tagged `v0.31.0` upstream; a mirror without tags has the release commit
# ("version 0.31.0").
if ! git -C "$work/src" checkout -q "v$version" 2>/dev/null; then
    commit=$(git -C "$work/src" log --all --format=%H --grep="^version $version\$" -1)
    [ -n "$commit" ] || { echo "no tag or release commit for stateright $version" >&2; exit 3; }
    git -C "$work/src" checkout -q "$commit"
fi
echo "stateright $version at $(git -C "$work/src" rev-parse --short HEAD)"
(cd "$work/src" && CARGO_TARGET_DIR="$work/target" cargo build -q --release \
    --example paxos --example raft)
examples=$work/target/release/examples

if [ -z "${SPLITBRAIN:-}" ]; then
    (cd "$repo" && cargo build -q --release --bin splitbrain)
    SPLITBRAIN=$repo/target/release/splitbrain
fi

# run LABEL CMD...: runs CMD on CPU 0 under /usr/bin/time; prints one line
# `LABEL unique cpu_s wall_s rss_kib` (unique parsed from either tool's summary).
run() {
    local label=$1
    shift
    local out
    out=$( { /usr/bin/time -f 'TIME %U %S %e %M' taskset -c 0 "$@" || true; } 2>&1)
    local unique
    unique=$(printf '%s\n' "$out" | sed -n \
        -e 's/.*Done\. states=[0-9]*, unique=\([0-9]*\),.*/\1/p' \
        -e 's/.*states: [0-9,]* generated, \([0-9,]*\) unique.*/\1/p' | tr -d , | tail -1)
    local t
    t=$(printf '%s\n' "$out" | grep '^TIME ' | tail -1)
    [ -n "$unique" ] && [ -n "$t" ] || {
        echo "could not read the result of: $*" >&2
        printf '%s\n' "$out" | tail -5 >&2
        exit 3
    }
    set -- $t
    awk -v l="$label" -v u="$unique" -v us="$2" -v sy="$3" -v w="$4" -v m="$5" 'BEGIN {
        cpu = us + sy; if (cpu < 0.01) cpu = 0.01
        printf "%-22s %10d unique  %7.2f cpu-s  %7.2f wall-s  %8.0f K unique/cpu-s  %7.0f MiB  %6.0f B/state\n",
            l, u, cpu, w, u / cpu / 1000, m / 1024, m * 1024 / u
    }'
}

results=$(mktemp)
for round in $(seq 1 "$rounds"); do
    echo "round $round"
    for pair in $only; do
        case $pair in
        paxos-dfs)
            run sr-paxos-dfs "$examples/paxos" check-dfs 3 | tee -a "$results"
            run sb-paxos-dfs "$SPLITBRAIN" model check paxos-register --clients 3 \
                --max-states 2420477 | tee -a "$results"
            [ -z "${SPLITBRAIN_BEFORE:-}" ] ||
                run s0-paxos-dfs "$SPLITBRAIN_BEFORE" model check paxos-register --clients 3 \
                --max-states 2420477 | tee -a "$results"
            ;;
        paxos-bfs)
            run sr-paxos-bfs "$examples/paxos" check 3 | tee -a "$results"
            run sb-paxos-bfs "$SPLITBRAIN" model check paxos-register --clients 3 \
                --strategy bfs --max-states 2420477 | tee -a "$results"
            [ -z "${SPLITBRAIN_BEFORE:-}" ] ||
                run s0-paxos-bfs "$SPLITBRAIN_BEFORE" model check paxos-register --clients 3 \
                --strategy bfs --max-states 2420477 | tee -a "$results"
            ;;
        raft-bfs)
            run sr-raft-bfs "$examples/raft" check 3 10 | tee -a "$results"
            run sb-raft-bfs "$SPLITBRAIN" model check raft --strategy bfs | tee -a "$results"
            [ -z "${SPLITBRAIN_BEFORE:-}" ] ||
                run s0-raft-bfs "$SPLITBRAIN_BEFORE" model check raft --strategy bfs | tee -a "$results"
            ;;
        *) echo "unknown pair $pair" >&2; exit 3 ;;
        esac
    done
done

echo
echo "medians over $rounds rounds (unique states per CPU-second; BFS bytes of peak RSS per unique state)"
for pair in $only; do
    awk -v p="$pair" '
        function median(a, n,   i, j, t) {
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        $1 == "sr-" p { sr[++ns] = $8; srb[ns] = $13 }
        $1 == "sb-" p { sb[++nb] = $8; sbb[nb] = $13 }
        $1 == "s0-" p { s0[++n0] = $8; s0b[n0] = $13 }
        END {
            r = median(sr, ns); b = median(sb, nb); rm = median(srb, ns); bm = median(sbb, nb)
            printf "%-10s stateright %6.0f K/s  splitbrain %6.0f K/s  speed ratio %.2f", p, r, b, b / r
            if (p ~ /bfs/) printf "   memory/state %5.0f B vs %5.0f B  ratio %.2f", rm, bm, bm / rm
            printf "\n"
            if (n0) {
                z = median(s0, n0); zm = median(s0b, n0)
                printf "%-10s before     %6.0f K/s  (after/before %.2f", p, z, b / z
                if (p ~ /bfs/) printf "; memory/state %5.0f B, after/before %.2f", zm, bm / zm
                printf ")\n"
            }
        }' "$results"
done
rm -f "$results"
