"""Run the Joule command line from Python and get pandas DataFrames back.

Every function here runs ``joule ... --format json`` (or reads the CSV files a sweep
writes) and returns plain pandas objects, so a notebook can plot and assert on the
numbers Joule computes.  Nothing to install beyond pandas: the helper is one file.

The ``joule`` binary is found, in order, from:

1. ``$JOULE`` (a path to the executable; an error if it does not point at one),
2. the repository this file sits in: ``../.build/release/joule``, then ``../.build/debug/joule``,
3. ``joule`` on ``$PATH``.

The repository's ``Hardware/`` and ``Models/`` folders are added to ``$JOULE_PATH`` for
the child process, so bare names such as ``tpu-v1`` or ``llama-2-7b`` resolve whatever
binary is used.  A command that fails raises :class:`JouleError` with joule's stderr.

Quick reference (all quantities in SI units, columns named with their unit)::

    import joule
    hw = joule.hardware("tpu-v1")             # hw.levels, hw.precisions, hw.info
    ev = joule.evaluate("llama-2-7b", "tpu-v1", phase="decode", batch=8, context=1024)
    ev.summary, ev.operators, ev.by_level, ev.by_operand, ev.by_kind, ev.roles()
    g = joule.graph("llama-2-7b", phase="decode")   # g.roles, g.operators, g.summary
    pts = joule.dvfs("llama-2-7b", "h100-sxm", phase="decode", roofline="ideal")
    ev.fusion                                  # one row per fusable chain: fused or not, and why
    ski = joule.traffic("llama-2-7b", "h100-sxm", level="SharedL1", sequence=4096)
    sw = joule.sweep("../Sweeps/bert-sram-array.yaml", out="/tmp/bert")  # sw.points, sw.pareto
    joule.plot("roofline", "llama-2-7b", "tpu-v1", phase="decode", out="roofline.svg")

Options are Python keywords: ``phase="decode"`` becomes ``--phase decode``, an underscore
becomes a dash (``power_limit="300 W"`` -> ``--power-limit 300 W``), a trailing underscore is
dropped (``from_="16KiB"`` -> ``--from 16KiB``), ``True`` is a bare flag, ``None``/``False``
are left out and a list is joined with commas.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

__all__ = [
    "JouleError",
    "JouleNotFound",
    "find_joule",
    "run",
    "run_json",
    "hardware",
    "evaluate",
    "eval_op",
    "graph",
    "dvfs",
    "traffic",
    "sweep",
    "read_sweep",
    "plot",
    "svg",
    "REPO",
]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
"""The repository this helper belongs to (its ``Hardware/``, ``Models/`` and ``Sweeps/``)."""


class JouleNotFound(FileNotFoundError):
    """No ``joule`` executable could be found (see :func:`find_joule`)."""


class JouleError(RuntimeError):
    """A ``joule`` command exited with a non-zero status; ``stderr`` holds its message."""

    def __init__(self, command: Sequence[str], returncode: int, stderr: str):
        self.command = list(command)
        self.returncode = returncode
        self.stderr = stderr
        meaning = {64: "usage error", 65: "bad input data"}.get(returncode, "failed")
        shown = " ".join(_quote(a) for a in self.command)
        super().__init__(
            f"joule exited with status {returncode} ({meaning}):\n  $ {shown}\n"
            + "\n".join("  " + line for line in stderr.rstrip().splitlines())
        )


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./=,:%@" for c in arg) else repr(arg)


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_joule() -> Path:
    """The ``joule`` executable: ``$JOULE``, the repository's release or debug build, or PATH."""
    env = os.environ.get("JOULE")
    if env:
        path = Path(env).expanduser()
        if _executable(path):
            return path.resolve()
        raise JouleNotFound(
            f"$JOULE is set to '{env}', which is not an executable file. "
            "Point it at a built joule binary or unset it."
        )
    for build in ("release", "debug"):
        path = REPO / ".build" / build / "joule"
        if _executable(path):
            return path
    found = shutil.which("joule")
    if found:
        return Path(found)
    raise JouleNotFound(
        "no joule binary found: $JOULE is not set, neither "
        f"{REPO / '.build/release/joule'} nor {REPO / '.build/debug/joule'} exists, "
        "and there is no joule on PATH. Build it with `make release` "
        "(swift build -c release --product joule) or set JOULE=/path/to/joule."
    )


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    library = str(REPO)
    current = env.get("JOULE_PATH")
    env["JOULE_PATH"] = f"{current}:{library}" if current else library
    return env


def _options(options: Mapping[str, Any]) -> list[str]:
    args: list[str] = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.rstrip("_").replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            args += [flag, ",".join(str(v) for v in value)]
        else:
            args += [flag, str(value)]
    return args


def run(*args: Any, **options: Any) -> str:
    """Run ``joule ARGS OPTIONS`` and return its stdout.

    Raises :class:`JouleError` (with joule's stderr) when the command fails.  Warnings
    joule prints on stderr while succeeding are passed on as Python warnings.
    """
    command = [str(find_joule()), *(str(a) for a in args), *_options(options)]
    result = subprocess.run(command, capture_output=True, text=True, env=_environment())
    if result.returncode != 0:
        raise JouleError(command, result.returncode, result.stderr)
    for line in result.stderr.splitlines():
        if "warning" in line:
            line = line.strip()
            warnings.warn(line if line.startswith("joule") else f"joule: {line}", stacklevel=3)
    return result.stdout


def run_json(*args: Any, **options: Any) -> Any:
    """Run a joule command with ``--format json`` and return the parsed JSON."""
    out = run(*args, **options, format="json")
    try:
        return json.loads(out)
    except json.JSONDecodeError as error:
        raise JouleError([str(a) for a in args], 0, f"output is not JSON ({error}):\n{out[:500]}")


def _value(entry: Any) -> Any:
    """A ``{value, unit, provenance}`` figure from ``show --format json`` as its value."""
    return entry.get("value") if isinstance(entry, dict) else entry


def _provenance(entry: Any) -> Any:
    return entry.get("provenance") if isinstance(entry, dict) else None


# ----------------------------------------------------------------------------- show hardware


@dataclass
class Hardware:
    """``joule show hardware NAME --format json`` as tables.

    ``info``: scalar facts (clock, node, voltage, static power, TDP, areas, peak rate);
    ``levels``: one row per memory level, outermost first; ``precisions``: one row per
    MAC precision; ``raw``: the JSON itself.
    """

    raw: dict
    info: pd.Series
    levels: pd.DataFrame
    precisions: pd.DataFrame

    @property
    def name(self) -> str:
        return self.raw["name"]


def hardware(name: str | os.PathLike) -> Hardware:
    """Describe an accelerator: ``joule show hardware NAME``."""
    raw = run_json("show", "hardware", name)
    compute = raw["compute"]
    area = raw.get("area", {})
    precisions = pd.DataFrame(
        [
            {
                "precision": p["precision"],
                "macs_per_pe_per_cycle": p["macs_per_pe_per_cycle"],
                "mac_energy_pj": _value(p["mac_energy"]) * 1e12,
                "mac_energy_provenance": _provenance(p["mac_energy"]),
                "peak_macs_per_s": p["peak_macs_per_s"],
                "peak_ops_per_s": p["peak_ops_per_s"],
            }
            for p in compute["precisions"]
        ]
    )
    rows = []
    for level in raw["memory"]:
        rows.append(
            {
                "level": level["name"],
                "kind": level["kind"],
                "technology": level.get("technology"),
                "size_bytes": level["size_bytes"],
                "instances": level["instances"],
                "total_bytes": level["size_bytes"] * level["instances"],
                "fanout": level["fanout"],
                "holds": ",".join(level["holds"]),
                "read_bandwidth_bytes_per_s": level.get("read_bandwidth_bytes_per_s"),
                "write_bandwidth_bytes_per_s": level.get("write_bandwidth_bytes_per_s"),
                "read_energy_pj_per_bit": _value(level["read_energy"]) * 1e12,
                "write_energy_pj_per_bit": _value(level["write_energy"]) * 1e12,
                "read_energy_provenance": _provenance(level["read_energy"]),
                "area_mm2": (_value(level["area"]) * 1e6) if level.get("area") else None,
                "multiple_buffering": level.get("multiple_buffering"),
            }
        )
    levels = pd.DataFrame(rows)
    info = pd.Series(
        {
            "name": raw["name"],
            "source": raw.get("source"),
            "technology_nm": raw.get("technology_nm"),
            "clock_hz": raw["clock_hz"],
            "nominal_voltage_v": _value(raw.get("nominal_voltage")),
            "static_power_w": _value(raw.get("static_power")),
            "idle_power_w": _value(raw.get("idle_power")),
            "power_limit_min_w": (raw.get("power_limits") or {}).get("min_w"),
            "power_limit_max_w": (raw.get("power_limits") or {}).get("max_w"),
            "clock_min_hz": (raw.get("clock_range") or {}).get("min_hz"),
            "clock_max_hz": (raw.get("clock_range") or {}).get("max_hz"),
            "tdp_w": _value(raw.get("tdp")),
            "tdp_provenance": _provenance(raw.get("tdp")),
            "array": f"{compute['rows']} x {compute['cols']}",
            "compute_kind": compute["kind"],
            "processing_elements": compute["processing_elements"],
            "dataflows": ",".join(compute["dataflows"]),
            "vector_lanes": (compute.get("vector") or {}).get("lanes"),
            "area_total_mm2": _value(area.get("total")) * 1e6 if area.get("total") else None,
            "area_compute_mm2": _value(area.get("compute")) * 1e6 if area.get("compute") else None,
            "area_memory_mm2": _value(area.get("memory")) * 1e6 if area.get("memory") else None,
            "operating_points": len(raw.get("operating_points", [])),
        }
    )
    return Hardware(raw=raw, info=info, levels=levels, precisions=precisions)


# ----------------------------------------------------------------------------- graph

_GRAPH_OPTIONS = (
    "phase", "batch", "sequence", "context", "precision", "attention", "logits", "fusion", "sparsity",
    "activation_density",
)


@dataclass
class Graph:
    """``joule graph MODEL --format json``: ``summary``, ``roles`` and ``operators`` tables."""

    raw: dict
    summary: pd.Series
    roles: pd.DataFrame
    operators: pd.DataFrame


def _graph_operators(ops: list[dict]) -> pd.DataFrame:
    rows = []
    for op in ops:
        row = {k: v for k, v in op.items() if k != "dims"}
        for dim, size in (op.get("dims") or {}).items():
            row[dim] = size
        rows.append(row)
    return pd.DataFrame(rows)


def graph(model: str | os.PathLike, **options: Any) -> Graph:
    """Build a model's operator graph: ``joule graph MODEL [options]``.

    ``roles`` has one row per operator role (count, flops, bytes); ``operators`` one row
    per operator (role, layer, kind, B/M/N/K, flops, compulsory DRAM bytes, density).
    """
    raw = run_json("graph", model, **options)
    params = raw.get("parameters", {})
    summary = {k: v for k, v in raw.items() if not isinstance(v, (list, dict))}
    summary.update({f"parameters_{k}": v for k, v in params.items()})
    summary.update({f"phase_{k}": v for k, v in raw.get("phase", {}).items()})
    summary.update({f"precision_{k}": v for k, v in raw.get("precision", {}).items()})
    roles = pd.DataFrame(raw.get("roles", []))
    operators = _graph_operators(raw.get("operators", []))
    return Graph(raw=raw, summary=pd.Series(summary), roles=roles, operators=operators)


# ----------------------------------------------------------------------------- eval


@dataclass
class Evaluation:
    """``joule eval MODEL HARDWARE --format json`` as tables.

    - ``summary``: latency_s, energy_j, energy_per_token_j, average_power_w, bound, ...
      plus ``utilization`` (MACs over peak MAC rate x latency, time-weighted over GEMMs).
    - ``operators``: one row per operator, in graph order, with its role, layer, kind,
      B/M/N/K, flops and compulsory DRAM bytes (joined from ``joule graph`` with the same
      options), latency_s, energy_j, bound, utilization, cycles and mapping.
    - ``operator_levels``: one row per (operator, memory level): energy_j, transfer_s and,
      for mapped GEMMs, reads/fills/updates/tile per operand (in elements).
    - ``by_level``, ``by_operand``, ``by_kind``: the energy breakdowns as Series (J).
    - ``fusion``: one row per fusable chain (attention, FFN) a mapped evaluation considered:
      name, kind, fused, level, tile_rows, tile_shared, tile_order, fused_energy_j,
      fused_latency_s, unfused_energy_j, unfused_latency_s, dram_bytes (fused), reason and
      members; empty with ``fusion="off"`` or the ideal roofline.
    """

    raw: dict
    summary: pd.Series
    operators: pd.DataFrame
    operator_levels: pd.DataFrame
    by_level: pd.Series
    by_operand: pd.Series
    by_kind: pd.Series
    options: dict = field(default_factory=dict)
    fusion: pd.DataFrame = field(default_factory=pd.DataFrame)

    def breakdown(self, by: str = "level") -> pd.DataFrame:
        """Energy by ``level``, ``operand`` or ``kind``, with each entry's share of the total."""
        series = {"level": self.by_level, "operand": self.by_operand, "kind": self.by_kind}[by]
        total = self.summary["energy_j"]
        return pd.DataFrame({"energy_j": series, "share": series / total})

    def roles(self) -> pd.DataFrame:
        """Operators grouped by role: count, latency_s, energy_j, flops and shares of the totals."""
        ops = self.operators
        table = ops.groupby("role", sort=False).agg(
            count=("name", "size"),
            latency_s=("latency_s", "sum"),
            energy_j=("energy_j", "sum"),
            flops=("flops", "sum"),
            compulsory_bytes=("compulsory_bytes", "sum"),
        )
        table["energy_share"] = table["energy_j"] / self.summary["energy_j"]
        table["time_share"] = table["latency_s"] / self.summary["latency_s"]
        return table

    def level_energy_by_role(self) -> pd.DataFrame:
        """Energy (J) per role and memory level: rows are roles, columns levels."""
        table = self.operator_levels.pivot_table(
            index="role", columns="level", values="energy_j", aggfunc="sum", sort=False
        )
        return table[[lvl for lvl in self.by_level.index if lvl in table.columns]].fillna(0.0)


def _operator_levels(ops: list[dict], roles: dict[str, str]) -> pd.DataFrame:
    rows = []
    for op in ops:
        for level in op.get("levels", []):
            row = {
                "name": op["name"],
                "role": roles.get(op["name"]),
                "level": level["level"],
                "energy_j": level["energy_j"],
                "transfer_s": level["transfer_s"],
            }
            for operand in ("weights", "inputs", "outputs"):
                counts = level.get(operand)
                if counts:
                    for key, count in counts.items():
                        row[f"{operand}_{key}"] = count
            rows.append(row)
    return pd.DataFrame(rows)


_FUSION_COLUMNS = [
    "name", "kind", "fused", "level", "tile_rows", "tile_shared", "tile_order", "fused_energy_j",
    "fused_latency_s", "unfused_energy_j", "unfused_latency_s", "dram_bytes", "reason", "members",
]


def _fusion(chains: list[dict]) -> pd.DataFrame:
    rows = []
    for chain in chains:
        row = {k: v for k, v in chain.items() if k != "tile"}
        tile = chain.get("tile") or {}
        row.update({"tile_rows": tile.get("rows"), "tile_shared": tile.get("shared"), "tile_order": tile.get("order")})
        rows.append(row)
    table = pd.DataFrame(rows, columns=_FUSION_COLUMNS)
    return table[_FUSION_COLUMNS + [c for c in table if c not in _FUSION_COLUMNS]]


def evaluate(model: str | os.PathLike, hardware: str | os.PathLike, **options: Any) -> Evaluation:
    """Evaluate a model on an accelerator: ``joule eval MODEL HARDWARE [options]``.

    Options are those of ``joule eval``: phase, batch, sequence, context, precision,
    attention, logits, fusion, roofline (``"ideal"``/``"mapped"``), dataflow, objective,
    operating_point.  The operators are joined with ``joule graph`` at the evaluated
    precision to get each one's role, FLOPs and compulsory DRAM bytes.
    """
    raw = run_json("eval", model, hardware, **options)
    graph_options = {k: v for k, v in options.items() if k in _GRAPH_OPTIONS}
    graph_options["precision"] = raw["precision"]
    g = graph(model, **graph_options)
    by_name = g.operators.set_index("name")
    rows = []
    for op in raw["operators"]:
        row = {
            "name": op["name"],
            "latency_s": op["latency_s"],
            "energy_j": op["energy_j"],
            "bound": op["bound"],
            "utilization": op["utilization"],
            "cycles": op["cycles"],
            "mapping": op.get("mapping"),
        }
        for dim, size in (op.get("dims") or {}).items():
            row[dim] = size
        if op["name"] in by_name.index:
            info = by_name.loc[op["name"]]
            for key in ("role", "layer", "kind", "pass", "flops", "compulsory_bytes", "density", "second_operand"):
                if key in info.index:
                    row[key] = info[key]
        rows.append(row)
    operators = pd.DataFrame(rows)
    first = ["name", "role", "layer", "kind", "B", "M", "N", "K", "flops", "compulsory_bytes"]
    operators = operators[[c for c in first if c in operators] + [c for c in operators if c not in first]]
    roles = dict(zip(operators["name"], operators.get("role", operators["name"])))
    breakdown = raw.get("breakdown", {})
    # JSON objects carry no order: put the levels back outermost first, as the operators list them.
    hierarchy = [level["level"] for level in next((op["levels"] for op in raw["operators"] if op.get("levels")), [])]
    by_level = pd.Series(breakdown.get("level", {}), dtype=float)
    by_level = by_level.reindex([l for l in hierarchy if l in by_level.index] + [l for l in by_level.index if l not in hierarchy])
    summary = {k: v for k, v in raw.items() if not isinstance(v, (list, dict))}
    summary.update({f"operating_point_{k}": v for k, v in raw.get("operating_point", {}).items()})
    gemm = operators[operators.get("kind", pd.Series(dtype=str)) == "gemm"] if "kind" in operators else operators
    busy = (gemm["utilization"] * gemm["latency_s"]).sum()
    summary["utilization"] = busy / raw["latency_s"] if raw["latency_s"] > 0 else 0.0
    summary["gemm_utilization"] = busy / gemm["latency_s"].sum() if gemm["latency_s"].sum() > 0 else 0.0
    summary["macs"] = g.summary.get("macs")
    summary["flops"] = g.summary.get("flops")
    summary["weight_bytes"] = g.summary.get("weight_bytes")
    summary["kv_cache_bytes"] = g.summary.get("kv_cache_bytes")
    return Evaluation(
        raw=raw,
        summary=pd.Series(summary),
        operators=operators,
        operator_levels=_operator_levels(raw["operators"], roles),
        by_level=by_level,
        by_operand=pd.Series(breakdown.get("operand", {}), dtype=float),
        by_kind=pd.Series(breakdown.get("kind", {}), dtype=float),
        options=dict(options),
        fusion=_fusion(raw.get("fusion", [])),
    )


def eval_op(hardware: str | os.PathLike, dims: Mapping[str, int] | str, **options: Any) -> dict:
    """One GEMM: ``joule eval op HARDWARE --dims M=..,N=..,K=..`` as the JSON operator object."""
    if not isinstance(dims, str):
        dims = ",".join(f"{k}={v}" for k, v in dims.items())
    return run_json("eval", "op", hardware, dims=dims, **options)


# ----------------------------------------------------------------------------- dvfs


def dvfs(model: str | os.PathLike, hardware: str | os.PathLike, **options: Any) -> pd.DataFrame:
    """Energy and time at every operating point: ``joule dvfs MODEL HARDWARE [options]``.

    One row per operating point (fastest first): frequency_hz, voltage_v, latency_s,
    energy_j, average_power_w, bound, cost (Zeus's eta x E + (1 - eta) x TDP x t), the
    ``choices`` joule marked (a list), and ``slowdown``/``energy_vs_min`` relative to the
    fastest and the cheapest point.  ``df.attrs`` holds tdp_w, model, hardware and phase.
    """
    raw = run_json("dvfs", model, hardware, **options)
    points = pd.DataFrame(raw["points"])
    points["slowdown"] = points["latency_s"] / points["latency_s"].min()
    points["energy_vs_min"] = points["energy_j"] / points["energy_j"].min()
    points.attrs.update({k: v for k, v in raw.items() if k != "points"})
    return points


# ----------------------------------------------------------------------------- traffic


def traffic(model: str | os.PathLike | None, hardware: str | os.PathLike | None = None, *, level: str,
            **options: Any) -> pd.DataFrame:
    """The least DRAM traffic as one level grows: ``joule traffic MODEL HARDWARE --level LEVEL``.

    For a model, the first chain of ``group`` (``"attention"``, the default, or ``"ffn"``)
    run one operator at a time and fused; for one einsum, ``traffic(None, HARDWARE,
    problem=FILE, level=...)`` (or ``traffic(HARDWARE, problem=FILE, level=...)``).  The
    capacities double from ``from_`` to ``to`` (``from_="16KiB", to="8MiB"``); the other
    options are those of ``joule eval`` (sequence, phase, batch, precision, ...).

    One row per capacity: capacity_bytes, unfused_dram_bytes, fused_dram_bytes (NaN where
    nothing fits) and the fused tile (tile_rows, tile_shared, tile_order).  ``df.attrs``
    holds the title and the level.
    """
    names = [n for n in (model, hardware) if n is not None]
    raw = run_json("traffic", *names, level=level, **options)
    rows = []
    for point in raw["points"]:
        tile = point.get("tile") or {}
        rows.append({
            "capacity_bytes": point["capacity_bytes"],
            "unfused_dram_bytes": point.get("unfused_dram_bytes", float("nan")),
            "fused_dram_bytes": point.get("fused_dram_bytes", float("nan")),
            "tile_rows": tile.get("rows"),
            "tile_shared": tile.get("shared"),
            "tile_order": tile.get("order"),
        })
    table = pd.DataFrame(rows, columns=["capacity_bytes", "unfused_dram_bytes", "fused_dram_bytes", "tile_rows",
                                        "tile_shared", "tile_order"])
    table.attrs.update({k: v for k, v in raw.items() if k != "points"})
    return table


# ----------------------------------------------------------------------------- sweeps


@dataclass
class SweepResult:
    """A sweep's output folder: ``points`` (points.csv), ``pareto`` (pareto.csv), ``summary`` (summary.md)."""

    dir: Path
    points: pd.DataFrame
    pareto: pd.DataFrame
    summary: str
    log: str = ""


def read_sweep(directory: str | os.PathLike) -> SweepResult:
    """Read the points.csv, pareto.csv and summary.md a ``joule sweep`` wrote."""
    directory = Path(directory)
    points_file = directory / "points.csv"
    if not points_file.is_file():
        raise FileNotFoundError(f"{points_file} does not exist: run the sweep first")

    def read(path: Path) -> pd.DataFrame:
        table = pd.read_csv(path, keep_default_na=False, na_values=[""])
        for column in ("violated", "error"):
            if column in table:
                table[column] = table[column].fillna("").astype(str)
        if "feasible" in table:
            table["feasible"] = table["feasible"].astype(str).str.lower() == "true"
        return table

    pareto_file = directory / "pareto.csv"
    summary_file = directory / "summary.md"
    return SweepResult(
        dir=directory,
        points=read(points_file),
        pareto=read(pareto_file) if pareto_file.is_file() else pd.DataFrame(),
        summary=summary_file.read_text() if summary_file.is_file() else "",
    )


def sweep(spec: str | os.PathLike, out: str | os.PathLike | None = None, resume: bool = False,
          **options: Any) -> SweepResult:
    """Run ``joule sweep SPEC --out OUT`` and read its results.

    ``spec`` is a sweep file, or the YAML text of one (a string with a newline), which is
    written to a temporary folder first.  Without ``out`` the results go to a new
    temporary folder (joule never overwrites an existing points.csv without ``resume``).
    """
    text = str(spec)
    if "\n" in text:
        folder = Path(tempfile.mkdtemp(prefix="joule-sweep-"))
        path = folder / "sweep.yaml"
        path.write_text(text)
        spec = path
    if out is None:
        out = Path(tempfile.mkdtemp(prefix="joule-sweep-out-")) / "out"
    log = run("sweep", spec, out=out, resume=resume, **options)
    result = read_sweep(out)
    result.log = log
    return result


# ----------------------------------------------------------------------------- plots


def plot(kind: str, *args: Any, out: str | os.PathLike | None = None, **options: Any) -> Path:
    """Write joule's own SVG figure: ``joule plot KIND ARGS --out OUT`` and return its path.

    ``kind`` is roofline, breakdown, dvfs or pareto.  Without ``out`` the SVG goes to a
    temporary file.
    """
    if out is None:
        out = Path(tempfile.mkdtemp(prefix="joule-plot-")) / f"{kind}.svg"
    run("plot", kind, *args, out=out, **options)
    return Path(out)


def svg(kind: str, *args: Any, **options: Any):
    """:func:`plot`, returned as an ``IPython.display.SVG`` for showing in a notebook."""
    from IPython.display import SVG

    return SVG(filename=str(plot(kind, *args, **options)))
