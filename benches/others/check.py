#!/usr/bin/env python3
"""Other people's histories: every case of benches/others/cases.tsv through `splitbrain check`.

    benches/others/check.py [--mirrors DIR] [--splitbrain BIN] [--markdown] [--only TEXT]

Each case names a public repository, a file (or a glob) in it, the options its authors' checker
ran with, and the verdict they expect (their test's assertion, a good/bad directory, a README).
The files are read straight out of git directories, never copied here: DIR/OWNER+NAME/repo (the
layout `fetch` leaves under /work/.mirror, the default), or any bare or normal clone at that
path (`git clone --bare https://github.com/OWNER/NAME DIR/OWNER+NAME/repo`). Each file is written
to a temporary directory, checked with `splitbrain check --json ARGS FILE`, timed (wall, the
whole process), and compared with the expectation; when the case gives a detail, the weakest
models ruled out (`not`, transactional) or the operation the witness cannot linearize is compared
too.

Prints one row per check (plain, or a Markdown table with --markdown), then a summary per
repository with the commit read. Exits 1 if any check disagrees with its expectation (an
expected `absent` file, one the stored snapshot lacks, is not a disagreement), 3 on bad usage.
Porcupine's test histories are not listed here: all 109 are in histories/corpus/porcupine and
`cargo test --release --test integration -- corpus` checks them.
"""

import argparse
import fnmatch
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases.tsv"
EXIT = {0: "valid", 1: "invalid", 2: "unknown", 3: "error"}


def cases(only):
    out = []
    for number, line in enumerate(CASES.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 6:
            sys.exit(f"{CASES}:{number}: expected 6 tab-separated cells, found {len(cells)}")
        repo, path, args, expected, nots, why = cells
        if expected not in ("valid", "invalid", "unknown", "error", "absent"):
            sys.exit(f"{CASES}:{number}: expected verdict {expected!r} is not a verdict")
        if only and only not in line:
            continue
        out.append(
            {
                "repo": repo,
                "path": path,
                "args": [] if args == "-" else shlex.split(args),
                "expected": expected,
                "detail": None if nots == "-" else nots,
                "why": why,
            }
        )
    return out


def detail(report, expected):
    """What `expected` compares with: the models ruled out (a transactional report), or the
    operation the first invalid key's witness cannot linearize, as `pPROCESS F OUTPUT`."""
    if "keys" not in report:
        return ",".join(sorted(report.get("not", [])))
    for key in report["keys"]:
        op = (key.get("witness") or {}).get("op")
        if op:
            return f"p{op['process']} {op['f']} {json.dumps(op['output'])}"
    return "no witness"


def git(repo_dir, *args):
    return subprocess.run(
        ["git", "-C", str(repo_dir), *args], capture_output=True, check=False
    )


def files(repo_dir, pattern):
    """The paths matching `pattern`, and whether each one's content is stored."""
    listing = git(repo_dir, "ls-tree", "-r", "--name-only", "HEAD").stdout.decode().splitlines()
    return sorted(p for p in listing if fnmatch.fnmatchcase(p, pattern))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", default="/work/.mirror", type=Path)
    ap.add_argument("--splitbrain", default=ROOT / "target" / "release" / "splitbrain", type=Path)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--only", help="run only the cases whose line contains this text")
    opts = ap.parse_args()
    if not opts.splitbrain.exists():
        sys.exit(f"{opts.splitbrain}: not built (cargo build --release)")

    rows, commits, wrong = [], {}, []
    with tempfile.TemporaryDirectory(prefix="sb-others-") as tmp:
        for case in cases(opts.only):
            repo_dir = opts.mirrors / case["repo"].replace("/", "+") / "repo"
            if not repo_dir.exists():
                sys.exit(f"{repo_dir}: no git directory for {case['repo']} (see --help)")
            if case["repo"] not in commits:
                commits[case["repo"]] = git(repo_dir, "rev-parse", "HEAD").stdout.decode().strip()
            paths = files(repo_dir, case["path"])
            if not paths:
                wrong.append(f"{case['repo']} {case['path']}: no such file in HEAD")
                continue
            for path in paths:
                blob = git(repo_dir, "show", f"HEAD:{path}")
                row = {"repo": case["repo"], "path": path, "args": " ".join(case["args"]),
                       "expected": case["expected"], "why": case["why"]}
                if blob.returncode != 0:
                    row.update(ours="absent", ms="", agrees=case["expected"] == "absent")
                    rows.append(row)
                    if not row["agrees"]:
                        wrong.append(f"{case['repo']} {path}: not in the stored snapshot")
                    continue
                local = Path(tmp) / case["repo"].replace("/", "+") / path
                local.parent.mkdir(parents=True, exist_ok=True)
                local.write_bytes(blob.stdout)
                cmd = [str(opts.splitbrain), "check", "--json", *case["args"], str(local)]
                start = time.perf_counter()
                proc = subprocess.run(cmd, capture_output=True, check=False)
                wall = time.perf_counter() - start
                ours = EXIT.get(proc.returncode, f"exit {proc.returncode}")
                note = ""
                try:
                    report = json.loads(proc.stdout.decode().splitlines()[0])
                    if ours == "error":
                        note = report.get("error", "")
                    elif case["detail"] is not None:
                        got = detail(report, case["detail"])
                        if got != case["detail"]:
                            ours += f" ({got})"
                        note = got
                except (IndexError, ValueError):
                    note = proc.stderr.decode().strip().splitlines()[-1:] or ""
                # Name the file as its repository does, not by its temporary copy.
                note = str(note).replace(f"{tmp}/{case['repo'].replace('/', '+')}/", "")
                agrees = ours == case["expected"]
                row.update(ours=ours, ms=f"{wall * 1000:.0f}", agrees=agrees, note=note)
                rows.append(row)
                if not agrees:
                    wrong.append(f"{case['repo']} {path} {row['args']}: expected "
                                 f"{case['expected']}, ours {ours}: {note}")

    if opts.markdown:
        print("| repository | file | options | expected | ours | ms | detail |")
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            mark = "" if r["agrees"] else " **≠**"
            note = str(r.get("note") or "").replace("|", "\\|")
            print(f"| {r['repo']} | `{r['path']}` | `{r['args']}` | {r['expected']} "
                  f"| {r['ours']}{mark} | {r['ms']} | {note} |")
    else:
        for r in rows:
            mark = "ok " if r["agrees"] else "XX "
            print(f"{mark}{r['ms']:>6} ms  {r['expected']:8} {r['ours']:8} "
                  f"{r['repo']}:{r['path']} {r['args']}")
    print()
    for repo, commit in commits.items():
        mine = [r for r in rows if r["repo"] == repo]
        agree = sum(r["agrees"] for r in mine)
        files_seen = len({r["path"] for r in mine})
        print(f"{repo} @ {commit[:12]}: {len(mine)} checks of {files_seen} files, "
              f"{agree} as expected")
    for w in wrong:
        print("DISAGREES:", w)
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
