"""Execute the notebooks headless, as `make notebooks` does.

    python Notebooks/run_notebooks.py [NOTEBOOK.ipynb ...] [--out DIR] [--figures DIR]

Runs every ``Notebooks/[0-9]*.ipynb`` (or the ones named) top to bottom in a fresh kernel
of the Python running this script, with the notebook's folder as the working directory,
and writes the executed copies to ``Notebooks/executed/`` (git-ignored), each with the
kernel's stderr in NOTEBOOK.kernel.log beside it.  Any cell error
(a failed assertion included) stops that notebook, and the script exits 1 after trying
the rest.  ``--figures DIR`` also saves every PNG figure as DIR/NOTEBOOK-N.png.

The kernel is this interpreter's own ipykernel, declared under a private name inside
``sys.prefix`` (the virtual environment), so nothing is registered globally and no
other Jupyter installation can substitute its kernel.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent
KERNEL_NAME = "joule-notebooks-venv"


def ensure_kernel() -> str:
    """A kernelspec for this interpreter in sys.prefix/share/jupyter/kernels (the venv)."""
    folder = Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Joule notebooks)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    path = folder / "kernel.json"
    if not path.is_file() or json.loads(path.read_text()) != spec:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(spec, indent=1))
    return KERNEL_NAME


def save_figures(nb, stem: str, folder: Path) -> int:
    count = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                count += 1
                (folder / f"{stem}-{count}.png").write_bytes(base64.b64decode(data["image/png"]))
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=HERE / "executed")
    parser.add_argument("--figures", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args()

    notebooks = args.notebooks or sorted(HERE.glob("[0-9]*.ipynb"))
    if not notebooks:
        print("no notebooks found", file=sys.stderr)
        return 1
    kernel = ensure_kernel()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.figures:
        args.figures.mkdir(parents=True, exist_ok=True)

    failed = []
    started = time.monotonic()
    for path in notebooks:
        path = path.resolve()
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb,
            kernel_name=kernel,
            timeout=args.timeout,
            resources={"metadata": {"path": str(path.parent)}},
        )
        t0 = time.monotonic()
        error = None
        # The kernel's own stderr (startup chatter, or why it died) goes to a log beside the executed copy.
        kernel_log = args.out / f"{path.stem}.kernel.log"
        try:
            with open(kernel_log, "w") as log:
                client.execute(stderr=log)
        except CellExecutionError as exc:
            error = exc
        except Exception as exc:  # kernel died, timeout, ...
            error = f"{type(exc).__name__}: {exc}\n(kernel log: {kernel_log})"
        # Keep the notebook's usual kernelspec in the executed copy.
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        target = args.out / path.name
        nbformat.write(nb, target)
        figures = save_figures(nb, path.stem, args.figures) if args.figures else 0
        seconds = time.monotonic() - t0
        if error is None:
            extra = f", {figures} figures" if args.figures else ""
            print(f"ok    {path.name}  {seconds:5.1f} s  -> {target.relative_to(HERE.parent) if target.is_relative_to(HERE.parent) else target}{extra}")
        else:
            failed.append(path.name)
            print(f"FAIL  {path.name}  {seconds:5.1f} s  (executed copy with the error: {target})")
            print(str(error), file=sys.stderr)
    total = time.monotonic() - started
    print(f"{len(notebooks) - len(failed)} of {len(notebooks)} notebooks ran cleanly in {total:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
