#!/usr/bin/env python3
"""Joule's GPU measurement kit: time and energy of a fixed suite of kernels, as a CSV that
`joule calibrate HARDWARE FILE.csv` fits per-action energies and efficiencies to.

On an NVIDIA GPU it runs GEMMs of several shapes and precisions (bf16, fp16, fp8 where the GPU
and PyTorch support it, int8), memory copies of several sizes, and softmax / RMSNorm / LayerNorm
kernels. Each kernel is repeated until the measuring window (--min-seconds) is filled; time comes
from the host clock around the synchronized batch, energy from the GPU's total-energy counter
(nvmlDeviceGetTotalEnergyConsumption, millijoules since the driver loaded) read before and after.
Idle power is measured first (the counter over --idle-seconds with nothing running), subtracted
from every row's energy, and recorded in the idle_power_w column (Joule adds it back, since its
static_power is the chip's whole floor).

--clocks and --power-limits repeat the suite at each locked SM clock and each power limit (their
product), where the driver allows (NVML's locked clocks and power limit need root; a setting the
driver refuses is reported and skipped), and restore the driver's defaults afterwards. The whole
run must fit --budget-seconds (default 480, the 8 minutes a borrowed GPU gives): the kit refuses
a plan whose estimate exceeds it before measuring anything.

--fake replaces the GPU by a deterministic model with known coefficients plus seeded noise, so
the kit (and `joule calibrate`) can be exercised on a machine without a GPU. Its rows are NOT
measurements; the file's header comment says so and lists the coefficients.

PyTorch and pynvml are imported only when a GPU run starts.

    python3 Tools/measure-gpu/measure.py --out measurements.csv            # on a GPU machine
    python3 Tools/measure-gpu/measure.py --fake --out /tmp/x.csv           # anywhere
"""

from __future__ import annotations

import argparse
import csv
import datetime
import math
import random
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

KIT_VERSION = "1"

# The columns `joule calibrate` reads (see `joule help calibrate`), in the order written.
COLUMNS = [
    "op", "b", "m", "n", "k", "precision", "hardware", "time_s", "energy_j", "power_w",
    "clock_mhz", "power_limit_w", "idle_power_w", "repetitions", "note",
]

PRECISIONS = ["bf16", "fp16", "fp8", "int8"]
OPS = ["gemm", "copy", "softmax", "rmsnorm", "layernorm"]
BYTES_PER_ELEMENT = {"bf16": 2, "fp16": 2, "fp8": 1, "int8": 1, "fp32": 4}

# Operations per element Joule charges each vector kernel (GraphBuilder.VectorCost): the fake
# backend uses the same counts, so that its known coefficients are what a fit should recover.
OPS_PER_ELEMENT = {"copy": 0, "softmax": 5, "rmsnorm": 4, "layernorm": 7}


@dataclass(frozen=True)
class Kernel:
    """One kernel of the suite, in the CSV's terms: op with b x m x n (x k for a GEMM)."""

    op: str
    b: int
    m: int
    n: int
    k: int  # 0 for everything but gemm
    precision: str

    @property
    def macs(self) -> float:
        return float(self.b) * self.m * self.n * self.k if self.op == "gemm" else 0.0

    @property
    def elements(self) -> float:
        return float(self.b) * self.m * self.n

    @property
    def dram_bytes(self) -> float:
        """Bytes moved to and from memory counting each operand once, as Joule's ideal roofline
        does: A (m x k), B (k x n, one per batch entry) and C (m x n) for a GEMM, with the output
        at the input precision (Joule's convention); read + write of every element otherwise."""
        size = BYTES_PER_ELEMENT[self.precision]
        if self.op == "gemm":
            return float(self.b) * (self.m * self.k + self.k * self.n + self.m * self.n) * size
        return 2.0 * self.elements * size

    @property
    def vector_ops(self) -> float:
        return self.elements * OPS_PER_ELEMENT.get(self.op, 0)

    def row(self) -> Dict[str, object]:
        return {"op": self.op, "b": self.b, "m": self.m, "n": self.n,
                "k": self.k if self.op == "gemm" else "", "precision": self.precision}


def gemm_shapes(suite: str) -> List[tuple]:
    """(m, n, k): square compute-bound GEMMs, and skinny ones (decode-like) bound by memory.
    Every dimension is a multiple of 32 and m > 16, as torch._int_mm requires."""
    shapes = [(1024, 1024, 1024), (2048, 2048, 2048), (4096, 4096, 4096), (8192, 8192, 8192),
              (8192, 8192, 1024), (32, 8192, 8192), (64, 16384, 4096), (256, 4096, 4096)]
    if suite == "small":
        return [shapes[2], shapes[5]]
    return shapes


def build_suite(suite: str, precisions: Sequence[str], ops: Sequence[str],
                supports: Callable[[str], bool] = lambda precision: True) -> List[Kernel]:
    """The kernels to run, GEMMs first, skipping precisions the backend cannot run."""
    kernels: List[Kernel] = []
    if "gemm" in ops:
        for precision in precisions:
            if not supports(precision):
                continue
            for m, n, k in gemm_shapes(suite):
                kernels.append(Kernel("gemm", 1, m, n, k, precision))
    # Memory-bound kernels in bf16: copies of 16 MiB to 1 GiB, then softmax and the norms.
    copies = [1024, 4096, 16384, 65536] if suite == "full" else [4096]
    if "copy" in ops:
        kernels += [Kernel("copy", 1, rows, 8192, 0, "bf16") for rows in copies]
    rows_by_op = {
        "softmax": [(32768, 4096), (8192, 32768), (4096, 2048)],
        "rmsnorm": [(65536, 4096), (16384, 8192)],
        "layernorm": [(65536, 4096), (16384, 8192)],
    }
    for op in ["softmax", "rmsnorm", "layernorm"]:
        if op in ops:
            shapes = rows_by_op[op] if suite == "full" else rows_by_op[op][:1]
            kernels += [Kernel(op, 1, m, n, 0, "bf16") for m, n in shapes]
    return kernels


@dataclass
class Reading:
    """One kernel's figures per run: total energy (idle included) and time."""

    time_s: float
    energy_j: float
    power_w: float
    clock_mhz: Optional[float]
    power_limit_w: Optional[float]
    repetitions: int


class FakeBackend:
    """A GPU stand-in with known coefficients (an H100-like part) and seeded multiplicative noise.

    Time is a roofline with achievable shares of the peaks; energy is the sum of per-action
    energies over Joule's counts plus static power over the time. NOT a measurement."""

    name = "fake"
    # Peaks of Hardware/h100-sxm.yaml: 528 tensor cores x MACs per cycle x 1.83 GHz; 3.35 TB/s;
    # 16,896 vector lanes x 1.83 GHz.
    MAC_RATE = {"bf16": 528 * 512 * 1.83e9, "fp16": 528 * 512 * 1.83e9,
                "fp8": 528 * 1024 * 1.83e9, "int8": 528 * 1024 * 1.83e9}
    BANDWIDTH = 3.35e12
    VECTOR_RATE = 16896 * 1.83e9
    # The known coefficients a fit should recover.
    MAC_ENERGY_J = {"bf16": 0.38e-12, "fp16": 0.36e-12, "fp8": 0.21e-12, "int8": 0.18e-12}
    DRAM_ENERGY_J_PER_BIT = 4.2e-12
    VECTOR_ENERGY_J = 1.6e-12
    STATIC_POWER_W = 105.0
    IDLE_POWER_W = 72.0
    COMPUTE_EFFICIENCY = 0.72
    MEMORY_EFFICIENCY = 0.88
    VECTOR_EFFICIENCY = 0.5
    CLOCK_MHZ = 1830.0
    POWER_LIMIT_W = 700.0

    def __init__(self, seed: int = 1, noise: float = 0.01):
        self.random = random.Random(seed)
        self.noise = noise
        self.clock_mhz = self.CLOCK_MHZ
        self.power_limit_w = self.POWER_LIMIT_W

    def apply(self, clock_mhz: Optional[float], power_limit_w: Optional[float]) -> None:
        """Locks the SM clock and sets the power limit (None: the default)."""
        self.clock_mhz = self.CLOCK_MHZ if clock_mhz is None else min(clock_mhz, self.CLOCK_MHZ)
        self.power_limit_w = self.POWER_LIMIT_W if power_limit_w is None else power_limit_w

    def restore(self) -> None:
        self.apply(None, None)

    def describe(self) -> List[str]:
        mac = ", ".join(f"{p} {self.MAC_ENERGY_J[p] * 1e12:g} pJ" for p in PRECISIONS)
        return [
            "SYNTHETIC DATA, NOT real measurements: written by the fake backend of "
            "Tools/measure-gpu/measure.py (--fake) from known coefficients plus seeded noise.",
            f"known coefficients: MAC energy {mac}; DRAM {self.DRAM_ENERGY_J_PER_BIT * 1e12:g} pJ/bit "
            f"(read and write); vector {self.VECTOR_ENERGY_J * 1e12:g} pJ/op; static power "
            f"{self.STATIC_POWER_W:g} W (idle {self.IDLE_POWER_W:g} W of it subtracted from energy_j and "
            "recorded in idle_power_w)",
            f"time: roofline at {self.COMPUTE_EFFICIENCY:.0%} of peak MAC rate, "
            f"{self.MEMORY_EFFICIENCY:.0%} of 3.35 TB/s, {self.VECTOR_EFFICIENCY:.0%} of the vector peak "
            "(Hardware/h100-sxm.yaml peaks); counts as Joule's ideal roofline makes them",
            f"noise: {self.noise:.1%} (one standard deviation, multiplicative, Gaussian) on time and on energy",
        ]

    def supports(self, precision: str) -> bool:
        return precision in self.MAC_RATE

    def idle_power(self, seconds: float) -> float:
        return self.IDLE_POWER_W

    def _noisy(self, value: float) -> float:
        return value * (1.0 + self.random.gauss(0.0, self.noise))

    def measure(self, kernel: Kernel, min_seconds: float) -> Reading:
        # Compute and vector rates follow the SM clock; HBM does not. Per-action energies do not
        # change with the clock in this model (no voltage scaling), so a power limit the kernel
        # exceeds lowers the clock until static + dynamic energy over the longer time fits.
        dynamic = (kernel.macs * self.MAC_ENERGY_J.get(kernel.precision, 0.0)
                   + kernel.dram_bytes * 8 * self.DRAM_ENERGY_J_PER_BIT
                   + kernel.vector_ops * self.VECTOR_ENERGY_J)

        def seconds_at(clock_mhz: float) -> float:
            share = clock_mhz / self.CLOCK_MHZ
            compute = kernel.macs / (self.MAC_RATE[kernel.precision] * self.COMPUTE_EFFICIENCY * share) \
                if kernel.macs else 0.0
            memory = kernel.dram_bytes / (self.BANDWIDTH * self.MEMORY_EFFICIENCY)
            vector = kernel.vector_ops / (self.VECTOR_RATE * self.VECTOR_EFFICIENCY * share)
            return max(compute, memory, vector)

        clock = self.clock_mhz
        seconds = seconds_at(clock)
        if dynamic / seconds + self.STATIC_POWER_W > self.power_limit_w:
            # The time at which the power meets the limit; the clock that gives it (at most the lock).
            target = dynamic / max(self.power_limit_w - self.STATIC_POWER_W, 1e-9)
            clock = clock * seconds / target
            seconds = max(seconds_at(clock), target)
        energy = dynamic + self.STATIC_POWER_W * seconds
        measured_time = self._noisy(seconds)
        measured_energy = self._noisy(energy)
        repetitions = max(10, math.ceil(min_seconds / seconds))
        return Reading(measured_time, measured_energy, measured_energy / measured_time, clock,
                       self.power_limit_w, repetitions)


class CudaBackend:
    """An NVIDIA GPU through PyTorch (kernels) and NVML (energy counter, clocks, power limit)."""

    name = "cuda"

    def __init__(self, device: int = 0):
        try:
            import torch  # noqa: F401  (imported here so --fake needs no PyTorch)
        except ImportError as error:
            raise SystemExit(f"measure.py: PyTorch is needed for a GPU run ({error}); or pass --fake") from error
        try:
            import pynvml
        except ImportError as error:
            raise SystemExit(
                f"measure.py: pynvml is needed for a GPU run (pip install nvidia-ml-py; {error}); or pass --fake"
            ) from error
        if not torch.cuda.is_available():
            raise SystemExit("measure.py: PyTorch sees no CUDA device; pass --fake to test the kit without one")
        self.torch = torch
        self.nvml = pynvml
        pynvml.nvmlInit()
        self.index = device
        self.device = torch.device(f"cuda:{device}")
        torch.cuda.set_device(self.device)
        self.properties = torch.cuda.get_device_properties(self.device)
        self.handle = self._nvml_handle(device)
        try:
            pynvml.nvmlDeviceGetTotalEnergyConsumption(self.handle)
        except pynvml.NVMLError as error:
            raise SystemExit(f"measure.py: this GPU has no total-energy counter ({error}); Volta or newer needed")

    def _nvml_handle(self, device: int):
        """The NVML handle of the CUDA device (matched by PCI bus id: CUDA and NVML may number
        devices differently under CUDA_VISIBLE_DEVICES)."""
        nvml = self.nvml
        bus = getattr(self.properties, "pci_bus_id", None)
        domain = getattr(self.properties, "pci_domain_id", 0)
        slot = getattr(self.properties, "pci_device_id", None)
        if bus is not None and slot is not None:
            try:
                return nvml.nvmlDeviceGetHandleByPciBusId(f"{domain:08x}:{bus:02x}:{slot:02x}.0")
            except nvml.NVMLError:
                pass
        return nvml.nvmlDeviceGetHandleByIndex(device)

    def describe(self) -> List[str]:
        torch = self.torch
        driver = self.nvml.nvmlSystemGetDriverVersion()
        if isinstance(driver, bytes):
            driver = driver.decode()
        major, minor = self.properties.major, self.properties.minor
        return [f"device: {self.properties.name} (compute capability {major}.{minor}), driver {driver}, "
                f"CUDA {torch.version.cuda}, PyTorch {torch.__version__}"]

    def gpu_name(self) -> str:
        return self.properties.name

    def supports(self, precision: str) -> bool:
        torch = self.torch
        capability = (self.properties.major, self.properties.minor)
        if precision == "bf16":
            return torch.cuda.is_bf16_supported()
        if precision == "fp16":
            return True
        if precision == "fp8":
            return capability >= (8, 9) and hasattr(torch, "float8_e4m3fn") and hasattr(torch, "_scaled_mm")
        if precision == "int8":
            return capability >= (7, 5) and hasattr(torch, "_int_mm")
        return False

    def _energy_j(self) -> float:
        return self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle) / 1000.0

    def idle_power(self, seconds: float) -> float:
        self.torch.cuda.synchronize()
        time.sleep(1.0)  # let clocks settle after any earlier work
        start_energy, start = self._energy_j(), time.perf_counter()
        time.sleep(seconds)
        end_energy, end = self._energy_j(), time.perf_counter()
        return (end_energy - start_energy) / (end - start)

    def _kernel(self, kernel: Kernel) -> Callable[[], object]:
        """A closure that runs the kernel once on tensors allocated now."""
        torch = self.torch
        device = self.device
        dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16}
        if kernel.op == "gemm":
            b, m, n, k = kernel.b, kernel.m, kernel.n, kernel.k
            if kernel.precision in dtypes:
                dtype = dtypes[kernel.precision]
                if b == 1:
                    x = torch.randn(m, k, device=device, dtype=dtype)
                    w = torch.randn(k, n, device=device, dtype=dtype)
                    out = torch.empty(m, n, device=device, dtype=dtype)
                    return lambda: torch.matmul(x, w, out=out)
                x = torch.randn(b, m, k, device=device, dtype=dtype)
                w = torch.randn(b, k, n, device=device, dtype=dtype)
                out = torch.empty(b, m, n, device=device, dtype=dtype)
                return lambda: torch.bmm(x, w, out=out)
            if b != 1:
                raise ValueError(f"batched {kernel.precision} GEMMs are not in the suite")
            if kernel.precision == "fp8":
                x = torch.randn(m, k, device=device).to(torch.float8_e4m3fn)
                w = torch.randn(n, k, device=device).to(torch.float8_e4m3fn).t()  # column-major, as cuBLASLt needs
                scale = torch.tensor(1.0, device=device)
                return lambda: torch._scaled_mm(x, w, scale_a=scale, scale_b=scale, out_dtype=torch.bfloat16)
            if kernel.precision == "int8":
                x = torch.randint(-128, 127, (m, k), device=device, dtype=torch.int8)
                w = torch.randint(-128, 127, (k, n), device=device, dtype=torch.int8)
                return lambda: torch._int_mm(x, w)
            raise ValueError(f"unknown precision {kernel.precision}")
        dtype = dtypes.get(kernel.precision, torch.bfloat16)
        rows, n = kernel.b * kernel.m, kernel.n
        if kernel.op == "copy":
            source = torch.randn(rows, n, device=device, dtype=dtype)
            target = torch.empty_like(source)
            return lambda: target.copy_(source)
        x = torch.randn(rows, n, device=device, dtype=dtype)
        if kernel.op == "softmax":
            return lambda: torch.softmax(x, dim=-1)
        functional = torch.nn.functional
        if kernel.op == "rmsnorm":
            weight = torch.ones(n, device=device, dtype=dtype)
            if hasattr(functional, "rms_norm"):
                return lambda: functional.rms_norm(x, (n,), weight)
            return lambda: x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-6).to(dtype) * weight
        if kernel.op == "layernorm":
            weight = torch.ones(n, device=device, dtype=dtype)
            bias = torch.zeros(n, device=device, dtype=dtype)
            return lambda: functional.layer_norm(x, (n,), weight, bias)
        raise ValueError(f"unknown op {kernel.op}")

    def apply(self, clock_mhz: Optional[float], power_limit_w: Optional[float]) -> None:
        """Locks the SM clock (nvmlDeviceSetGpuLockedClocks) and sets the power limit
        (nvmlDeviceSetPowerManagementLimit); None resets that one to the driver's default. Raises
        RuntimeError with NVML's reason when the driver refuses (both need root)."""
        nvml = self.nvml
        try:
            if clock_mhz is None:
                nvml.nvmlDeviceResetGpuLockedClocks(self.handle)
            else:
                nvml.nvmlDeviceSetGpuLockedClocks(self.handle, int(clock_mhz), int(clock_mhz))
            limit = nvml.nvmlDeviceGetPowerManagementDefaultLimit(self.handle) if power_limit_w is None \
                else int(power_limit_w * 1000)
            nvml.nvmlDeviceSetPowerManagementLimit(self.handle, limit)
        except nvml.NVMLError as error:
            raise RuntimeError(str(error)) from error
        time.sleep(0.5)  # let the clock settle

    def restore(self) -> None:
        try:
            self.apply(None, None)
        except RuntimeError:
            pass

    def measure(self, kernel: Kernel, min_seconds: float) -> Reading:
        torch = self.torch
        run = self._kernel(kernel)
        for _ in range(3):
            run()
        torch.cuda.synchronize()
        # Estimate one run's time, then repeat enough to fill the window (the energy counter
        # advances in steps of tens of milliseconds).
        trial = 10
        start = time.perf_counter()
        for _ in range(trial):
            run()
        torch.cuda.synchronize()
        estimate = max((time.perf_counter() - start) / trial, 1e-7)
        repetitions = max(10, math.ceil(min_seconds / estimate))
        torch.cuda.synchronize()
        start_energy, start = self._energy_j(), time.perf_counter()
        for index in range(repetitions):
            run()
            if index == repetitions // 2:
                clock = self.nvml.nvmlDeviceGetClockInfo(self.handle, self.nvml.NVML_CLOCK_SM)
        torch.cuda.synchronize()
        end_energy, end = self._energy_j(), time.perf_counter()
        elapsed = end - start
        energy = (end_energy - start_energy) / repetitions
        limit = self.nvml.nvmlDeviceGetEnforcedPowerLimit(self.handle) / 1000.0
        return Reading(elapsed / repetitions, energy, (end_energy - start_energy) / elapsed, float(clock), limit,
                       repetitions)


def hardware_for(gpu_name: str) -> str:
    """The Joule hardware file for a GPU name, or a slug of the name."""
    lowered = gpu_name.lower()
    if "h200" in lowered:
        return "h200-sxm"
    if "h100" in lowered:
        return "h100-sxm"
    if "a100" in lowered:
        return "a100-sxm-80gb"
    return "-".join(lowered.replace("nvidia", "").split())


def measure_suite(backend, kernels: Sequence[Kernel], hardware: str, min_seconds: float, idle_seconds: float,
                  log: Callable[[str], None] = lambda text: None, idle: Optional[float] = None) -> tuple:
    """Measures idle power (unless given), then every kernel; returns (idle watts, CSV rows as dicts)."""
    if idle is None:
        idle = backend.idle_power(idle_seconds)
        log(f"idle power {idle:.1f} W")
    rows = []
    for number, kernel in enumerate(kernels, 1):
        reading = backend.measure(kernel, min_seconds)
        above_idle = reading.energy_j - idle * reading.time_s
        row = kernel.row()
        row.update({
            "hardware": hardware,
            "time_s": f"{reading.time_s:.6e}",
            "energy_j": f"{above_idle:.6e}",
            "power_w": f"{reading.power_w:.2f}",
            "clock_mhz": "" if reading.clock_mhz is None else f"{reading.clock_mhz:.0f}",
            "power_limit_w": "" if reading.power_limit_w is None else f"{reading.power_limit_w:.0f}",
            "idle_power_w": f"{idle:.2f}",
            "repetitions": reading.repetitions,
            "note": "synthetic" if backend.name == "fake" else "",
        })
        if above_idle <= 0:
            row["note"] = "energy at or below idle: repeat with a longer --min-seconds"
        rows.append(row)
        log(f"[{number}/{len(kernels)}] {kernel.op} {kernel.precision} {kernel.b}x{kernel.m}x{kernel.n}"
            f"{'x' + str(kernel.k) if kernel.op == 'gemm' else ''}: {reading.time_s * 1e3:.3f} ms, "
            f"{reading.energy_j:.4g} J ({reading.power_w:.0f} W)")
    return idle, rows


# Seconds a kernel costs beyond its measuring window (warm-up, the trial runs, synchronisation),
# and a setting beyond its kernels (applying it, letting the clock settle): judgment, generous.
KERNEL_OVERHEAD_S = 0.5
SETTING_OVERHEAD_S = 1.0


def planned_seconds(kernels: int, settings: int, min_seconds: float, idle_seconds: float) -> float:
    """The run's estimated length: idle measurement, then every kernel at every setting."""
    return idle_seconds + settings * (SETTING_OVERHEAD_S + kernels * (min_seconds + KERNEL_OVERHEAD_S))


def settings_of(clocks: Optional[Sequence[float]], limits: Optional[Sequence[float]]) -> List[tuple]:
    """Every (clock MHz, power limit W) pair to measure at; None is the driver's own."""
    return [(clock, limit) for clock in (clocks or [None]) for limit in (limits or [None])]


def write_csv(path: str, rows: Sequence[Dict[str, object]], comments: Sequence[str]) -> None:
    """Writes `#` comment lines, the header and the rows."""
    with open(path, "w", newline="") as handle:
        for comment in comments:
            handle.write(f"# {comment}\n")
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in COLUMNS})


def list_argument(allowed: Sequence[str]) -> Callable[[str], List[str]]:
    def parse(text: str) -> List[str]:
        items = [item.strip() for item in text.split(",") if item.strip()]
        unknown = [item for item in items if item not in allowed]
        if unknown or not items:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated list of {', '.join(allowed)}; found {text!r}")
        return items
    return parse


def positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"expected a number, found {text!r}") from error
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, found {text!r}")
        return value
    return parse


def non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a number, found {text!r}") from error
    if value < 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number of at least 0, found {text!r}")
    return value


def positive_list(text: str) -> List[float]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of positive numbers, found {text!r}")
    return [positive(float)(item) for item in items]


def parse_arguments(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="measure.py",
        description="Measure time and energy of GEMMs, copies, softmax and norms on an NVIDIA GPU, "
                    "as a CSV for `joule calibrate`.")
    parser.add_argument("--out", required=True, help="the CSV to write")
    parser.add_argument("--fake", action="store_true",
                        help="no GPU: a model with known coefficients plus seeded noise (NOT measurements)")
    parser.add_argument("--hardware", help="the hardware column (default: from the GPU name; h100-sxm with --fake)")
    parser.add_argument("--device", type=int, default=0, help="CUDA device index (default 0)")
    parser.add_argument("--min-seconds", type=positive(float), default=3.0,
                        help="measuring window per kernel in seconds (default 3)")
    parser.add_argument("--idle-seconds", type=positive(float), default=10.0,
                        help="seconds of idle power measurement (default 10)")
    parser.add_argument("--precisions", type=list_argument(PRECISIONS), default=list(PRECISIONS),
                        help="GEMM precisions (default bf16,fp16,fp8,int8; unsupported ones are skipped)")
    parser.add_argument("--ops", type=list_argument(OPS), default=list(OPS),
                        help="kernels (default gemm,copy,softmax,rmsnorm,layernorm)")
    parser.add_argument("--suite", choices=["full", "small"], default="full", help="shapes (default full)")
    parser.add_argument("--seed", type=int, default=1, help="noise seed of --fake (default 1)")
    parser.add_argument("--noise", type=non_negative, default=0.01,
                        help="relative noise of --fake, one standard deviation (default 0.01)")
    parser.add_argument("--clocks", type=positive_list, default=None,
                        help="locked SM clocks in MHz to repeat the suite at, e.g. 1980,1410,990 (needs root)")
    parser.add_argument("--power-limits", type=positive_list, default=None,
                        help="power limits in W to repeat the suite at, e.g. 700,450,300 (needs root)")
    parser.add_argument("--budget-seconds", type=positive(float), default=480.0,
                        help="refuse a plan estimated to take longer (default 480, 8 minutes)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None, backend=None) -> int:
    arguments = parse_arguments(argv)
    if backend is None:
        backend = FakeBackend(arguments.seed, arguments.noise) if arguments.fake else CudaBackend(arguments.device)
    hardware = arguments.hardware or ("h100-sxm" if backend.name == "fake" else hardware_for(backend.gpu_name()))
    log = (lambda text: None) if arguments.quiet else (lambda text: print(text, file=sys.stderr))
    kernels = build_suite(arguments.suite, arguments.precisions, arguments.ops, backend.supports)
    skipped = [p for p in arguments.precisions if not backend.supports(p)]
    if skipped:
        log(f"skipping precisions this GPU or PyTorch cannot run: {', '.join(skipped)}")
    settings = settings_of(arguments.clocks, arguments.power_limits)
    estimate = planned_seconds(len(kernels), len(settings), arguments.min_seconds, arguments.idle_seconds)
    if estimate > arguments.budget_seconds:
        print(f"measure.py: error: the plan takes about {estimate:.0f} s ({len(kernels)} kernels x {len(settings)} "
              f"settings x ({arguments.min_seconds:g} s window + {KERNEL_OVERHEAD_S:g} s), + {arguments.idle_seconds:g} s "
              f"idle), over the {arguments.budget_seconds:g} s budget; use --suite small, fewer --clocks or "
              "--power-limits, a shorter --min-seconds, or a larger --budget-seconds", file=sys.stderr)
        return 2
    log(f"plan: {len(kernels)} kernels x {len(settings)} settings, about {estimate:.0f} s")
    # Idle power at the driver's own settings, before any clock is locked (the vendor's idle figure).
    idle = backend.idle_power(arguments.idle_seconds)
    log(f"idle power {idle:.1f} W")
    rows = []
    measured_any = False
    try:
        for clock, limit in settings:
            if clock is not None or limit is not None:
                try:
                    backend.apply(clock, limit)
                except RuntimeError as error:
                    log(f"skipping clock {clock} MHz, power limit {limit} W: the driver refused ({error})")
                    continue
                log(f"setting: clock {clock or 'default'} MHz, power limit {limit or 'default'} W")
            _, measured = measure_suite(
                backend, kernels, hardware, arguments.min_seconds, arguments.idle_seconds, log, idle=idle)
            measured_any = True
            rows += measured
    finally:
        if len(settings) > 1 or settings[0] != (None, None):
            backend.restore()
    if not measured_any:
        print("measure.py: error: the driver refused every setting; nothing measured", file=sys.stderr)
        return 1
    command = "python3 Tools/measure-gpu/measure.py " + " ".join(argv if argv is not None else sys.argv[1:])
    comments = backend.describe() + [
        f"kit version {KIT_VERSION}; {command}",
        f"written {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}; "
        f"idle power {idle:.2f} W subtracted from energy_j (recorded in idle_power_w)",
        "energy_j and time_s are per run; calibrate with: joule calibrate "
        f"{hardware} {arguments.out}",
    ]
    write_csv(arguments.out, rows, comments)
    log(f"wrote {len(rows)} rows to {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
