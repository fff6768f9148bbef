#!/usr/bin/env python3
"""Side by side with Porcupine v1.3.0: the same files, the two tools run alternately.

    benches/peers/porcupine.py [--rounds N] [--workdir DIR] [--porcupine-git DIR]
                               [--baseline SPLITBRAIN] [--skip-large]

Builds, in WORKDIR (default /tmp/peers-porcupine; reused when present):
  - Porcupine v1.3.0 from a public checkout (`git archive v1.3.0` of --porcupine-git, a git
    directory, or a fresh clone of github.com/anishathalye/porcupine) and our own driver
    (benches/peers/porcupine/main.go) with the system's Go (Debian: apt-get install golang-go);
  - the histories: `splitbrain gen` with 1,000 keys and 10^6 ops, unique values and cas over 5
    values (seed 1).
Then, for each round, runs every workload once per tool (the tool that goes first alternates):
  corpus    Porcupine's 109 test files (histories/corpus/porcupine): `splitbrain check --json`
            (witnesses on, the default), the same with --no-witness, and the driver;
  unique    1,000 keys, 10^6 ops, unique values: `splitbrain check --json --no-witness`;
  cas       1,000 keys, 10^6 ops, cas over 5 values, 1 % crashes: the same.
Splitbrain is timed end to end (the whole process, parsing included) and its check alone (the
`elapsed` of --json); Porcupine's driver reports CheckEventsTimeout alone (parsing untimed, a GC
before it) and is also timed as a process. CPU is the process's user + system time (what a
loaded machine cannot take away, unlike wall time); the `check` column is Porcupine's check CPU
time and splitbrain's check wall time (its `elapsed`). Prints medians, peak RSS and the ratios, and fails
when the two tools disagree on a verdict. --baseline runs a second splitbrain binary (say, main's)
in the same rounds, for before/after. Not part of CI: it needs Go and minutes.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DRIVER_SRC = ROOT / "benches" / "peers" / "porcupine"
CORPUS = ROOT / "histories" / "corpus" / "porcupine"
TAG = "v1.3.0"


def run(cmd, **kw):
    """Runs cmd, returns (stdout, wall seconds, peak RSS in MiB, CPU seconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **kw)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1, 2):
        sys.exit(f"{' '.join(map(str, cmd))} exited with {proc.returncode}")
    return out.decode(), wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def build_porcupine(work, git_dir):
    driver = work / "porcupine-driver"
    if driver.exists():
        return driver
    src = work / "porcupine"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    if git_dir is None:
        git_dir = work / "porcupine.git"
        if not git_dir.exists():
            subprocess.run(["git", "clone", "--bare", "https://github.com/anishathalye/porcupine",
                            str(git_dir)], check=True)
    archive = subprocess.run(["git", "--git-dir", str(git_dir), "archive", TAG],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "x", "-C", str(src)], input=archive, check=True)
    build = work / "driver"
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(DRIVER_SRC, build)
    env = dict(os.environ, GOFLAGS="-mod=mod", GOPROXY="off")
    subprocess.run(["go", "mod", "edit", f"-replace=github.com/anishathalye/porcupine={src}"],
                   cwd=build, check=True, env=env)
    subprocess.run(["go", "build", "-o", str(driver), "."], cwd=build, check=True, env=env)
    return driver


def histories(work, sb):
    common = ["--ops", "1000000", "--clients", "50", "--keys", "1000", "--seed", "1"]
    wanted = {
        "unique": ("b4-unique.jsonl", []),
        "cas": ("b4-cas.jsonl",
                ["--workload", "cas-register", "--values", "small:5", "--crash-rate", "0.01"]),
    }
    paths = {}
    for name, (file, extra) in wanted.items():
        path = work / file
        if not path.exists():
            subprocess.run([sb, "gen", *common, *extra, "-o", str(path)], check=True)
        paths[name] = path
    return paths


def splitbrain(sb, files, *flags):
    out, wall, rss, cpu = run([sb, "check", "--json", *flags, *map(str, files)])
    lines = [json.loads(line) for line in out.splitlines()]
    verdicts = {Path(d["file"]).name: d["verdict"] for d in lines}
    ops = sum(d.get("ops", 0) for d in lines)
    return {"wall": wall, "check": sum(d.get("elapsed", 0) for d in lines), "rss": rss,
            "cpu": cpu, "verdicts": verdicts, "ops": ops}


def porcupine(driver, files):
    out, wall, rss, cpu = run([driver, *map(str, files)])
    lines = [json.loads(line) for line in out.splitlines()]
    verdicts = {Path(d["file"]).name: d["verdict"] for d in lines}
    return {"wall": wall, "check": sum(d["check_seconds"] for d in lines),
            "check_cpu": sum(d["check_cpu_seconds"] for d in lines), "rss": rss,
            "cpu": cpu, "verdicts": verdicts, "ops": sum(d["ops"] for d in lines)}


SAME = {"Ok": "valid", "Illegal": "invalid"}


def agree(ours, theirs, workload):
    for file, verdict in theirs["verdicts"].items():
        if SAME.get(verdict) != ours["verdicts"].get(file):
            sys.exit(f"{workload}: {file}: Porcupine says {verdict}, splitbrain "
                     f"{ours['verdicts'].get(file)}")


def ratio(name, value):
    return "—" if name == "porcupine" else f"{value:.1f}×"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/peers-porcupine"))
    ap.add_argument("--porcupine-git", type=Path, help="a git directory holding tag v1.3.0")
    ap.add_argument("--splitbrain", default=str(ROOT / "target" / "release" / "splitbrain"))
    ap.add_argument("--baseline", help="a second splitbrain binary, measured in the same rounds")
    ap.add_argument("--skip-large", action="store_true", help="the corpus only")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    driver = build_porcupine(args.workdir, args.porcupine_git)
    corpus = sorted(p for p in CORPUS.glob("*/*") if p.suffix in (".log", ".txt"))
    workloads = {"corpus": corpus}
    if not args.skip_large:
        workloads.update({k: [v] for k, v in histories(args.workdir, args.splitbrain).items()})
    tools = {"splitbrain": args.splitbrain}
    if args.baseline:
        tools["baseline"] = args.baseline
    results = {}  # (workload, variant) -> list of runs

    def record(key, result):
        results.setdefault(key, []).append(result)

    for round_ in range(args.rounds):
        for workload, files in workloads.items():
            steps = [("porcupine", lambda: porcupine(driver, files))]
            for tool, binary in tools.items():
                variants = [("default", [])] if workload == "corpus" else []
                variants.append(("no-witness", ["--no-witness"]))
                for variant, flags in variants:
                    steps.append((f"{tool} {variant}",
                                  lambda b=binary, f=flags: splitbrain(b, files, *f)))
            if round_ % 2:
                steps.reverse()
            for name, step in steps:
                record((workload, name), step())
        print(f"round {round_ + 1}/{args.rounds} done, load {os.getloadavg()[0]:.1f}",
              file=sys.stderr)
    for (workload, name), runs in results.items():
        if name != "porcupine":
            agree(runs[0], results[(workload, "porcupine")][0], workload)
    print(f"# {args.rounds} rounds, medians; load average now {os.getloadavg()}, "
          f"{os.cpu_count()} cores")
    print("| workload | run | ops | end to end | CPU | check | peak RSS | ops/s end to end "
          "| Porcupine check / this end to end: wall | CPU |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for workload in workloads:
        peer = statistics.median(r["check"] for r in results[(workload, "porcupine")])
        peer_cpu = statistics.median(r["check_cpu"] for r in results[(workload, "porcupine")])
        for (w, name), runs in results.items():
            if w != workload:
                continue
            wall = statistics.median(r["wall"] for r in runs)
            check = statistics.median(r["check"] for r in runs)
            if name == "porcupine":
                check = statistics.median(r["check_cpu"] for r in runs)
            rss = statistics.median(r["rss"] for r in runs)
            cpu = statistics.median(r["cpu"] for r in runs)
            ops = runs[0]["ops"]
            print(f"| {workload} | {name} | {ops:,} | {wall:.3f} s | {cpu:.3f} s | {check:.3f} s | "
                  f"{rss:.0f} MiB | {ops / wall / 1e6:.2f} M | {ratio(name, peer / wall)} | "
                  f"{ratio(name, peer_cpu / cpu)} |")


if __name__ == "__main__":
    main()
