#!/usr/bin/env python3
"""A seeded mutation fuzzer for the `joule` command-line tool.

    python3 Tools/fuzz/fuzz.py --seed 1 --count 300 --kinds all --joule .build/debug/joule \
        --save out/fuzz
    python3 Tools/fuzz/fuzz.py --regressions --joule .build/debug/joule

It mutates every kind of input Joule reads (hardware, model and sweep YAML, Hugging Face
config.json, mapping YAML, measurement CSV, REPL scripts, command lines), runs each through the
commands that read it under a time and memory limit, and reports failures grouped into
classes, each with a minimised reproducer. The inputs drawn for a seed are always the same.
Exit status: 0 when nothing failed, 1 when something did, 2 on a usage error.
"""

import argparse
import concurrent.futures
import glob
import json
import os
import random
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mutators  # noqa: E402
import oracle  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SEEDS = os.path.join(HERE, "seeds")
REGRESSIONS = os.path.join(HERE, "regressions")
KINDS = ["hardware", "model", "hf", "sweep", "mapping", "csv", "repl", "argv"]

# Commands per kind; {file} is the mutated input, {out} a folder for outputs.
COMMANDS = {
    "hardware": [
        ["check", "{file}"],
        ["show", "hardware", "{file}"],
        ["show", "hardware", "{file}", "--format", "json"],
        ["eval", "gpt2", "{file}", "--phase", "decode", "--context", "64", "--roofline", "ideal"],
        ["eval", "gpt2", "{file}", "--phase", "prefill", "--sequence", "32"],
        ["eval", "op", "{file}", "--dims", "M=64,N=64,K=64"],
        ["dvfs", "gpt2", "{file}", "--phase", "decode", "--context", "64", "--roofline", "ideal"],
    ],
    "model": [
        ["check", "{file}"],
        ["show", "model", "{file}"],
        ["graph", "{file}"],
        ["graph", "{file}", "--phase", "decode", "--context", "64", "--format", "json"],
        ["graph", "{file}", "--phase", "training", "--sequence", "16"],
        ["eval", "{file}", "toy-3level", "--phase", "decode", "--context", "32", "--roofline", "ideal"],
    ],
    "sweep": [
        ["sweep", "{file}", "--out", "{out}"],
        ["sweep", "{file}", "--out", "{out}", "--shard", "1/64"],
        ["sweep", "{file}", "--slurm", "--print", "--shards", "4", "--out", "{out}"],
    ],
    "csv": [
        ["calibrate", "h100-sxm", "{file}"],
        ["calibrate", "h100-sxm", "{file}", "--holdout", "0.2", "--format", "json"],
        ["calibrate", "h100-sxm", "{file}", "--strict"],
        ["calibrate", "h100-sxm", "{file}", "--weighting", "absolute", "--output", "{out}/cal.yaml"],
    ],
    "repl": [
        ["run", "{file}", "--keep-going"],
        ["run", "{file}"],
        ["repl", "--no-echo", "--keep-going"],  # the script on standard input
        ["run", "-"],
    ],
}
COMMANDS["hf"] = COMMANDS["model"]

# Mapping seeds: the file, the hardware and the GEMM it maps.
MAPPINGS = [
    ("mapping-tpu-v1.yaml", "tpu-v1", "M=2048,N=11008,K=4096", "int8"),
    ("mapping-h100-sxm.yaml", "h100-sxm", "M=4096,N=4096,K=4096", "bf16"),
    ("mapping-eyeriss-v1.yaml", "eyeriss-v1", "M=256,N=256,K=512", "int16"),
    ("mapping-gemmini.yaml", "gemmini", "B=4,M=128,N=512,K=256", "int8"),
]

# Command lines for every subcommand; {dir} holds copies of a sweep (s.yaml), a measurement
# CSV (m.csv), a hardware file (hw.yaml) and a REPL script (s.joule).
ARGV = [
    ["show", "hardware", "tpu-v1"],
    ["show", "model", "llama-2-7b", "--format", "json"],
    ["show", "hardware", "{dir}/hw.yaml", "--format", "json"],
    ["graph", "llama-2-7b", "--phase", "decode", "--batch", "64", "--context", "2048"],
    ["graph", "gpt2", "--precision", "weights=int4,activations=fp16,kv=fp8", "--per-op",
     "--format", "csv"],
    ["graph", "mixtral-8x7b", "--phase", "training", "--sequence", "128", "--fusion", "on"],
    ["eval", "gpt2", "tpu-v1", "--phase", "decode", "--batch", "8", "--context", "1024"],
    ["eval", "llama-2-7b", "a100-sxm-80gb", "--phase", "decode", "--context", "2048",
     "--precision", "fp16", "--roofline", "ideal"],
    ["eval", "bert-base-uncased", "eyeriss-v1", "--sequence", "128", "--dataflow",
     "output_stationary", "--per-op"],
    ["eval", "gpt2", "toy-3level", "--operating-point", "80%", "--objective", "edp"],
    ["eval", "op", "tpu-v1", "--dims", "M=2048,N=11008,K=4096", "--precision", "int8"],
    ["eval", "op", "h100-sxm", "--dims", "B=2,M=64,N=64,K=64", "--objective", "latency"],
    ["dvfs", "llama-2-7b", "h100-sxm", "--phase", "decode", "--batch", "8", "--context", "2048",
     "--roofline", "ideal"],
    ["dvfs", "gpt2", "h100-sxm", "--points", "8", "--power-limit", "400 W", "--eta", "0.3",
     "--roofline", "ideal"],
    ["sweep", "{dir}/s.yaml", "--out", "{out}/a", "--shard", "1/2"],
    ["sweep", "{dir}/s.yaml", "--slurm", "--shards", "4", "--print", "--out", "{out}/b"],
    ["sweep", "merge", "{out}/a", "{out}/c", "--out", "{out}/m"],
    ["plot", "roofline", "gpt2", "tpu-v1", "--phase", "decode", "--context", "64", "--out",
     "{out}/r.svg"],
    ["plot", "dvfs", "gpt2", "h100-sxm", "--roofline", "ideal", "--out", "{out}/d.svg"],
    ["report", "eval", "gpt2", "tpu-v1", "--phase", "decode", "--context", "64", "--out",
     "{out}/r.html"],
    ["report", "sweep", "{out}/a", "--x", "latency", "--out", "{out}/s.html"],
    ["calibrate", "h100-sxm", "{dir}/m.csv", "--holdout", "0.2"],
    ["calibrate", "h100-sxm", "{dir}/m.csv", "--hardware-name", "h100-sxm,x", "--roofline",
     "mapped", "--format", "json"],
    ["check", "--quiet", "{dir}/hw.yaml"],
    ["run", "{dir}/s.joule", "--keep-going", "--no-echo"],
    ["repl", "--hardware", "tpu-v1", "--model", "gpt2", "--no-echo"],
    ["help", "eval"],
    ["--version"],
]


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def seed_files(kind):
    """The seed inputs of a kind: (label, bytes, extra) triples."""
    if kind == "hardware":
        paths = sorted(glob.glob(os.path.join(ROOT, "Hardware", "*.yaml")))
    elif kind == "model":
        paths = sorted(glob.glob(os.path.join(ROOT, "Models", "*.yaml")))
    elif kind == "hf":
        paths = sorted(glob.glob(os.path.join(ROOT, "Models", "hf", "*", "config.json")))
    elif kind == "sweep":
        paths = sorted(glob.glob(os.path.join(ROOT, "Sweeps", "*.yaml"))) + \
            sorted(glob.glob(os.path.join(SEEDS, "sweep-*.yaml")))
    elif kind == "csv":
        paths = sorted(glob.glob(os.path.join(ROOT, "Measurements", "*.csv"))) + \
            sorted(glob.glob(os.path.join(SEEDS, "*.csv")))
    elif kind == "repl":
        paths = sorted(glob.glob(os.path.join(ROOT, "Examples", "*.joule"))) + \
            sorted(glob.glob(os.path.join(SEEDS, "*.joule")))
    elif kind == "mapping":
        return [(m[0], _read(os.path.join(SEEDS, m[0])), m) for m in MAPPINGS]
    else:
        return []
    out = []
    for p in paths:
        data = _read(p)
        if kind == "hf":
            # ImageNet's 1,000 labels, twice, would draw most line mutations: keep ten.
            data = re.sub(rb'("(?:id2label|label2id)": \{)((?:\n[^\n}]*){10})(?:\n[^\n}]*)*',
                          lambda m: m.group(1) + m.group(2).rstrip(b",") , data)
        out.append((os.path.relpath(p, ROOT), data, None))
    return out


def _argv_support():
    return {
        "s.yaml": _read(os.path.join(SEEDS, "sweep-tiny-random.yaml")),
        "m.csv": _read(os.path.join(SEEDS, "workloads.csv")),
        "hw.yaml": _read(os.path.join(ROOT, "Hardware", "toy-3level.yaml")),
        "s.joule": b"load hardware toy-3level\nload model gpt2\nset roofline ideal\neval\n",
    }


def make_case(rng, kind, seeds):
    """One mutated input of a kind, drawn from rng."""
    if kind == "argv":
        base = ARGV[rng.randrange(len(ARGV))]
        args, labels = mutators.mutate_argv(rng, base)
        args = [a for a in args if a not in ("--submit", "--only-missing")]
        stdin = b"load model gpt2\nset roofline ideal\neval\n" if args and args[0] == "repl" else None
        return oracle.Case("argv", args, stdin, "stdin.joule", stdin is not None,
                           _argv_support(), " ".join(base)[:60], labels)
    label, data, extra = seeds[rng.randrange(len(seeds))]
    data, labels = mutators.mutate(rng, kind, data)
    if kind == "mapping":
        _name, hardware, dims, precision = extra
        args = ["eval", "op", hardware, "--dims", dims, "--precision", precision,
                "--mapping", "{file}"]
        return oracle.Case(kind, args, data, "mapping.yaml", False, {}, label, labels)
    args = list(COMMANDS[kind][rng.randrange(len(COMMANDS[kind]))])
    stdin = kind == "repl" and "{file}" not in args
    filename = {"hardware": "hardware.yaml", "model": "model.yaml", "hf": "model/config.json",
                "sweep": "sweep.yaml", "csv": "measurements.csv", "repl": "script.joule"}[kind]
    return oracle.Case(kind, args, data, filename, stdin, {}, label, labels)


def generate(seed, count, kinds):
    """The cases of a run: input i has kind kinds[i % len(kinds)] and its own random stream."""
    seeds = {k: seed_files(k) for k in kinds}
    cases = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        rng = random.Random(f"joule-fuzz:{seed}:{i}")
        cases.append(make_case(rng, kind, seeds[kind]))
    return cases


def describe(case):
    cmd = " ".join(_quote(a) for a in case.command_line("joule"))
    if case.stdin:
        cmd += f" < {os.path.basename(case.filename)}"
    return cmd


def _quote(a):
    if a and re.fullmatch(r"[\w@%+=:,./{}-]+", a):
        return a
    return "'" + a.replace("'", "'\\''") + "'"


def ext_of(case):
    if case.data is None:
        return ".txt"
    base = os.path.basename(case.filename)
    return os.path.splitext(base)[1] or ".txt"


def save_class(folder, number, key, record, joule):
    kind, category, signature = key
    slug = re.sub(r"[^a-z0-9]+", "-", f"{kind}-{category}-{signature}".lower()).strip("-")[:60]
    path = os.path.join(folder, f"{number:03d}-{slug}")
    os.makedirs(path, exist_ok=True)
    case = record["reduced"] or record["case"]
    if case.data is not None:
        with open(os.path.join(path, "input" + ext_of(case)), "wb") as f:
            f.write(case.data)
        with open(os.path.join(path, "original" + ext_of(case)), "wb") as f:
            f.write(record["case"].data)
    for name, blob in case.support.items():
        with open(os.path.join(path, name), "wb") as f:
            f.write(blob)
    outcome, failure = oracle.execute(case, joule)
    info = {
        "kind": kind, "category": category, "signature": signature,
        "count": record["count"], "seed_input": case.origin, "mutations": record["case"].mutations,
        "args": case.args, "stdin": case.stdin, "filename": os.path.basename(case.filename),
        "argv": case.args if case.data is None else None,
        "reduced": record["reduced"] is not None,
        "exit": outcome.rc, "timed_out": outcome.timed_out,
        "detail": failure.detail if failure else "(did not fail again)",
        "first_input_index": record["index"],
    }
    with open(os.path.join(path, "info.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    with open(os.path.join(path, "command.sh"), "w") as f:
        name = "input" + ext_of(case)
        fill = {"{file}": name, "{dir}": ".", "{out}": "out"}
        words = []
        for a in case.args:
            for k, v in fill.items():
                a = a.replace(k, v)
            words.append(_quote(a))
        line = '"${JOULE:-joule}" ' + " ".join(words) + (f" < {name}" if case.stdin else "")
        f.write("#!/bin/sh\n# Run from this folder; JOULE names the joule binary.\n" + line + "\n")
    with open(os.path.join(path, "stderr.txt"), "w") as f:
        f.write(outcome.stderr[:20000])
    with open(os.path.join(path, "stdout.txt"), "w") as f:
        f.write(outcome.stdout[:20000])
    return path


def run_fuzz(args):
    kinds = KINDS if args.kinds == "all" else [k.strip() for k in args.kinds.split(",")]
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        print(f"fuzz.py: unknown kind(s) {', '.join(bad)}; kinds: {', '.join(KINDS)}", file=sys.stderr)
        return 2
    cases = generate(args.seed, args.count, kinds)
    start = time.monotonic()
    results = [None] * len(cases)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(oracle.execute, c, args.joule, args.timeout, args.memory): i
                   for i, c in enumerate(cases)}
        done = 0
        for fut in concurrent.futures.as_completed(futures):
            results[futures[fut]] = fut.result()
            done += 1
            if not args.quiet and (done % 100 == 0 or done == len(cases)):
                print(f"fuzz: {done}/{len(cases)} inputs, {time.monotonic() - start:.0f} s",
                      file=sys.stderr)
    classes = {}
    for i, (case, (outcome, failure)) in enumerate(zip(cases, results)):
        if failure is None:
            continue
        key = (case.kind, failure.category, failure.signature)
        rec = classes.setdefault(key, {"case": case, "failure": failure, "count": 0,
                                       "index": i, "reduced": None})
        rec["count"] += 1
    fuzz_seconds = time.monotonic() - start
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        deadline = time.monotonic() + args.reduce_seconds
        for number, (key, rec) in enumerate(sorted(classes.items()), 1):
            if args.reduce_tests > 0 and time.monotonic() < deadline:
                target = (key[1], key[2])
                rec["reduced"] = oracle.reduce_case(rec["case"], args.joule, target, args.timeout,
                                                    args.memory, args.reduce_tests, deadline)
            rec["path"] = save_class(args.save, number, key, rec, args.joule)
    lines = summary(args, cases, classes, fuzz_seconds)
    print("\n".join(lines))
    if args.save:
        with open(os.path.join(args.save, "summary.md"), "w") as f:
            f.write("\n".join(lines) + "\n")
    return 1 if classes else 0


def summary(args, cases, classes, seconds):
    failing = sum(r["count"] for r in classes.values())
    per_kind = {}
    for c in cases:
        per_kind[c.kind] = per_kind.get(c.kind, 0) + 1
    lines = [f"joule fuzz: seed {args.seed}, {len(cases)} inputs "
             f"({', '.join(f'{k} {n}' for k, n in per_kind.items())}) in {seconds:.0f} s",
             f"{failing} failing inputs in {len(classes)} classes", ""]
    for number, (key, rec) in enumerate(sorted(classes.items()), 1):
        kind, category, signature = key
        case = rec["reduced"] or rec["case"]
        lines.append(f"{number:3d}. [{kind}] {category}: {signature}  (x{rec['count']})")
        lines.append(f"     command: {describe(case)[:160]}")
        lines.append(f"     seed: {case.origin}; mutations: {'; '.join(rec['case'].mutations)[:160]}")
        lines.append(f"     detail: {rec['failure'].detail[:160]}")
        if rec.get("path"):
            size = len(case.data) if case.data is not None else len(" ".join(case.args))
            lines.append(f"     reproducer: {rec['path']} ({size} bytes"
                         f"{', minimised' if rec['reduced'] is not None else ''})")
    return lines


def run_regressions(args):
    """Runs every reproducer in regressions/manifest.json and checks its expectation."""
    with open(os.path.join(REGRESSIONS, "manifest.json")) as f:
        manifest = json.load(f)
    failed = 0
    for entry in manifest:
        data = None
        if entry.get("file"):
            data = _read(os.path.join(REGRESSIONS, entry["file"]))
        support = {name: _read(os.path.join(REGRESSIONS, src))
                   for name, src in entry.get("support", {}).items()}
        filename = entry.get("as", entry.get("file") or "stdin.txt")
        case = oracle.Case(entry["kind"], entry["args"], data, filename, entry.get("stdin", False),
                           support, entry["file"] or "", [])
        outcome, failure = oracle.execute(case, args.joule, args.timeout, args.memory)
        expect = entry["expect"]
        problem = None
        if failure is not None:
            problem = f"{failure.category}: {failure.detail}"
        elif expect == "reject" and outcome.rc not in (64, 65):
            problem = f"expected a rejection (64/65), got exit {outcome.rc}"
        elif expect == "success" and outcome.rc != 0:
            problem = f"expected success, got exit {outcome.rc}: " + outcome.stderr.strip()[:100]
        status = "ok  " if problem is None else "FAIL"
        failed += problem is not None
        print(f"{status} {entry['name']}: {describe(case)[:100]}")
        if problem and not args.quiet:
            print(f"     {problem[:200]}")
    print(f"{len(manifest) - failed}/{len(manifest)} regressions pass")
    return 1 if failed else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--count", type=int, default=300, help="number of inputs (default 300)")
    p.add_argument("--kinds", default="all", help="all, or a comma list of: " + ", ".join(KINDS))
    p.add_argument("--joule", default=os.path.join(ROOT, ".build", "debug", "joule"),
                   help="the joule binary (default .build/debug/joule)")
    p.add_argument("--save", help="write each failure class's minimised reproducer here")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="inputs run at once (default 2)")
    p.add_argument("--timeout", type=float, default=oracle.DEFAULT_TIMEOUT,
                   help="seconds per run (default 10)")
    p.add_argument("--memory", type=int, default=oracle.DEFAULT_MEMORY >> 20,
                   help="address-space limit per run in MiB (default 2048)")
    p.add_argument("--reduce-tests", type=int, default=200,
                   help="runs the reducer may spend per class (default 200; 0: do not minimise)")
    p.add_argument("--reduce-seconds", type=float, default=600,
                   help="seconds all minimising together may take (default 600)")
    p.add_argument("--regressions", action="store_true",
                   help="run Tools/fuzz/regressions/manifest.json instead of fuzzing")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    args = p.parse_args(argv)
    args.memory <<= 20
    if not os.access(args.joule, os.X_OK):
        print(f"fuzz.py: no joule binary at {args.joule} (build it, or pass --joule)",
              file=sys.stderr)
        return 2
    if args.regressions:
        return run_regressions(args)
    return run_fuzz(args)


if __name__ == "__main__":
    sys.exit(main())
