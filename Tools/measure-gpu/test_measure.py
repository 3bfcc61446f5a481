"""Tests of the measurement kit's CPU-only paths: arguments, the suite, the fake backend and the
CSV it writes. Run with `python3 -m unittest discover -s Tools/measure-gpu` (or pytest)."""

import contextlib
import csv
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import measure  # noqa: E402


def read_rows(path):
    """The comment lines and the rows (as dicts) of a kit CSV."""
    with open(path, newline="") as handle:
        lines = handle.read().splitlines()
    comments = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    return comments, list(csv.DictReader(body))


class ArgumentTests(unittest.TestCase):
    def test_defaults(self):
        arguments = measure.parse_arguments(["--out", "x.csv"])
        self.assertEqual(arguments.out, "x.csv")
        self.assertFalse(arguments.fake)
        self.assertEqual(arguments.precisions, ["bf16", "fp16", "fp8", "int8"])
        self.assertEqual(arguments.ops, ["gemm", "copy", "softmax", "rmsnorm", "layernorm"])
        self.assertEqual(arguments.min_seconds, 3.0)
        self.assertEqual(arguments.suite, "full")
        self.assertIsNone(arguments.hardware)

    def test_lists_and_numbers(self):
        arguments = measure.parse_arguments(
            ["--fake", "--out", "y.csv", "--precisions", "bf16, int8", "--ops", "gemm,copy", "--min-seconds", "0.5",
             "--noise", "0", "--seed", "3", "--hardware", "my-gpu", "--suite", "small"])
        self.assertEqual(arguments.precisions, ["bf16", "int8"])
        self.assertEqual(arguments.ops, ["gemm", "copy"])
        self.assertEqual(arguments.min_seconds, 0.5)
        self.assertEqual(arguments.noise, 0.0)
        self.assertEqual((arguments.seed, arguments.hardware, arguments.suite), (3, "my-gpu", "small"))

    def test_bad_arguments_exit_with_usage(self):
        for argv in (
            [],  # --out is required
            ["--out", "x.csv", "--precisions", "bf16,fp4"],
            ["--out", "x.csv", "--ops", ""],
            ["--out", "x.csv", "--min-seconds", "0"],
            ["--out", "x.csv", "--min-seconds", "soon"],
            ["--out", "x.csv", "--noise", "-0.1"],
            ["--out", "x.csv", "--suite", "huge"],
        ):
            with self.subTest(argv=argv), contextlib.redirect_stderr(io.StringIO()):
                with self.assertRaises(SystemExit) as raised:
                    measure.parse_arguments(argv)
                self.assertEqual(raised.exception.code, 2)


class SuiteTests(unittest.TestCase):
    def test_full_suite(self):
        kernels = measure.build_suite("full", measure.PRECISIONS, measure.OPS)
        gemms = [k for k in kernels if k.op == "gemm"]
        self.assertEqual(len(gemms), 8 * 4)
        self.assertEqual({k.precision for k in gemms}, set(measure.PRECISIONS))
        self.assertEqual(len([k for k in kernels if k.op == "copy"]), 4)
        self.assertEqual(len(kernels), 32 + 4 + 3 + 2 + 2)
        # torch._int_mm needs m > 16 and dimensions divisible by 8.
        for kernel in gemms:
            self.assertGreater(kernel.m, 16)
            self.assertEqual((kernel.n % 8, kernel.k % 8), (0, 0))

    def test_unsupported_precisions_and_ops_are_left_out(self):
        kernels = measure.build_suite("small", ["bf16", "fp8"], ["gemm", "softmax"], lambda p: p != "fp8")
        self.assertEqual([(k.op, k.precision) for k in kernels],
                         [("gemm", "bf16"), ("gemm", "bf16"), ("softmax", "bf16")])

    def test_counts_follow_joules_conventions(self):
        gemm = measure.Kernel("gemm", 1, 32, 8192, 4096, "bf16")
        self.assertEqual(gemm.macs, 32 * 8192 * 4096)
        self.assertEqual(gemm.dram_bytes, (32 * 4096 + 4096 * 8192 + 32 * 8192) * 2)
        copy = measure.Kernel("copy", 1, 1024, 8192, 0, "bf16")
        self.assertEqual((copy.macs, copy.vector_ops, copy.dram_bytes), (0, 0, 2 * 1024 * 8192 * 2))
        softmax = measure.Kernel("softmax", 2, 10, 100, 0, "fp16")
        self.assertEqual(softmax.vector_ops, 2 * 10 * 100 * 5)
        self.assertEqual(softmax.row()["k"], "")

    def test_hardware_names(self):
        self.assertEqual(measure.hardware_for("NVIDIA H100 80GB HBM3"), "h100-sxm")
        self.assertEqual(measure.hardware_for("NVIDIA A100-SXM4-80GB"), "a100-sxm-80gb")
        self.assertEqual(measure.hardware_for("NVIDIA H200"), "h200-sxm")
        self.assertEqual(measure.hardware_for("NVIDIA GeForce RTX 4090"), "geforce-rtx-4090")


class FakeBackendTests(unittest.TestCase):
    def test_noise_free_reading_is_the_documented_model(self):
        backend = measure.FakeBackend(seed=1, noise=0.0)
        kernel = measure.Kernel("gemm", 1, 4096, 4096, 4096, "bf16")
        reading = backend.measure(kernel, 1.0)
        seconds = kernel.macs / (backend.MAC_RATE["bf16"] * backend.COMPUTE_EFFICIENCY)
        self.assertAlmostEqual(reading.time_s, seconds, delta=1e-12 * seconds)
        energy = (kernel.macs * 0.38e-12 + kernel.dram_bytes * 8 * 4.2e-12 + 105.0 * seconds)
        self.assertAlmostEqual(reading.energy_j, energy, delta=1e-9 * energy)
        self.assertGreaterEqual(reading.repetitions, 10)
        copy = measure.Kernel("copy", 1, 4096, 8192, 0, "bf16")
        self.assertAlmostEqual(backend.measure(copy, 1.0).time_s, copy.dram_bytes / (3.35e12 * 0.88))

    def test_seeded_noise_is_reproducible(self):
        kernel = measure.Kernel("softmax", 1, 4096, 2048, 0, "bf16")
        first = [measure.FakeBackend(seed=5).measure(kernel, 1.0).energy_j for _ in range(1)]
        again = [measure.FakeBackend(seed=5).measure(kernel, 1.0).energy_j for _ in range(1)]
        other = [measure.FakeBackend(seed=6).measure(kernel, 1.0).energy_j for _ in range(1)]
        self.assertEqual(first, again)
        self.assertNotEqual(first, other)


class CsvTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.folder.name, "out.csv")

    def tearDown(self):
        self.folder.cleanup()

    def test_fake_run_writes_the_measurement_format(self):
        self.assertEqual(measure.main(["--fake", "--quiet", "--out", self.path]), 0)
        comments, rows = read_rows(self.path)
        self.assertTrue(comments[0].startswith("# SYNTHETIC DATA, NOT real measurements"))
        self.assertTrue(any("known coefficients" in line for line in comments))
        with open(self.path) as handle:
            header = [line for line in handle.read().splitlines() if not line.startswith("#")][0]
        self.assertEqual(header.split(","), measure.COLUMNS)
        self.assertEqual(len(rows), 43)
        for row in rows:
            self.assertEqual(row["hardware"], "h100-sxm")
            self.assertGreater(float(row["time_s"]), 0)
            self.assertGreater(float(row["energy_j"]), 0)
            self.assertEqual(float(row["idle_power_w"]), 72.0)
            if row["op"] == "gemm":
                self.assertTrue(row["k"])
            else:
                self.assertEqual(row["k"], "")
            # Idle power is subtracted from energy_j: energy_j + idle x time is the whole chip's.
            total = float(row["energy_j"]) + 72.0 * float(row["time_s"])
            self.assertAlmostEqual(total / float(row["time_s"]), float(row["power_w"]), delta=0.01)

    def test_a_backend_double_with_missing_precisions(self):
        class Bench:
            name = "cuda"

            def gpu_name(self):
                return "NVIDIA H100 PCIe"

            def describe(self):
                return ["device: a test double"]

            def supports(self, precision):
                return precision != "fp8"

            def idle_power(self, seconds):
                return 60.0

            def measure(self, kernel, min_seconds):
                # The second kernel draws less than idle: the row says so.
                power = 50.0 if kernel.m == 32 else 300.0
                return measure.Reading(1e-3, power * 1e-3, power, 1755.0, 700.0, 100)

        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            status = measure.main(["--out", self.path, "--suite", "small", "--ops", "gemm",
                                   "--precisions", "bf16,fp8"], backend=Bench())
        self.assertEqual(status, 0)
        self.assertIn("skipping precisions this GPU or PyTorch cannot run: fp8", stderr.getvalue())
        comments, rows = read_rows(self.path)
        self.assertEqual(comments[0], "# device: a test double")
        self.assertEqual([(r["op"], r["precision"], r["m"]) for r in rows], [("gemm", "bf16", "4096"), ("gemm", "bf16", "32")])
        self.assertEqual(rows[0]["hardware"], "h100-sxm")
        self.assertAlmostEqual(float(rows[0]["energy_j"]), 0.3 - 0.06)
        self.assertEqual((rows[0]["clock_mhz"], rows[0]["power_limit_w"], rows[0]["repetitions"]), ("1755", "700", "100"))
        self.assertIn("below idle", rows[1]["note"])

    def test_command_line(self):
        script = os.path.join(HERE, "measure.py")
        result = subprocess.run([sys.executable, script, "--fake", "--out", self.path], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("idle power 72.0 W", result.stderr)
        self.assertIn("wrote 43 rows", result.stderr)
        self.assertEqual(len(read_rows(self.path)[1]), 43)


class SettingsTests(unittest.TestCase):
    """Locked clocks and power limits (--clocks, --power-limits) and the time budget."""

    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.folder.name, "out.csv")

    def tearDown(self):
        self.folder.cleanup()

    def test_a_lower_clock_slows_compute_but_not_copies(self):
        backend = measure.FakeBackend(seed=1, noise=0.0)
        gemm = measure.Kernel("gemm", 1, 4096, 4096, 4096, "bf16")
        copy = measure.Kernel("copy", 1, 4096, 8192, 0, "bf16")
        fast_gemm, fast_copy = backend.measure(gemm, 1.0), backend.measure(copy, 1.0)
        backend.apply(915.0, None)
        # Half the clock: the compute-bound GEMM takes twice as long, the HBM-bound copy as long.
        self.assertAlmostEqual(backend.measure(gemm, 1.0).time_s, 2 * fast_gemm.time_s, delta=1e-12)
        self.assertAlmostEqual(backend.measure(copy, 1.0).time_s, fast_copy.time_s, delta=1e-15)
        self.assertEqual(backend.measure(gemm, 1.0).clock_mhz, 915.0)
        backend.restore()
        self.assertEqual(backend.measure(gemm, 1.0).clock_mhz, 1830.0)

    def test_a_power_limit_lowers_the_clock_until_the_power_fits(self):
        backend = measure.FakeBackend(seed=1, noise=0.0)
        gemm = measure.Kernel("gemm", 1, 8192, 8192, 8192, "bf16")
        free = backend.measure(gemm, 1.0)
        # 8192^3 bf16 MACs at 0.38 pJ + 3 x 128 MiB x 8 bit x 4.2 pJ = 0.2225 J of dynamic energy;
        # at 72 % of 989.4 TFLOPS it takes 1.543 ms, 144.2 W + 105 W static = 249 W.
        self.assertAlmostEqual(free.power_w, 105 + (gemm.macs * 0.38e-12 + gemm.dram_bytes * 8 * 4.2e-12)
                               / free.time_s, delta=1e-6)
        backend.apply(None, 200.0)
        capped = backend.measure(gemm, 1.0)
        # The time at which dynamic energy / time + 105 W = 200 W; the clock in proportion.
        target = (gemm.macs * 0.38e-12 + gemm.dram_bytes * 8 * 4.2e-12) / 95.0
        self.assertAlmostEqual(capped.time_s, target, delta=1e-12)
        self.assertAlmostEqual(capped.power_w, 200.0, delta=1e-6)
        self.assertAlmostEqual(capped.clock_mhz, 1830.0 * free.time_s / target, delta=1e-6)
        self.assertEqual(capped.power_limit_w, 200.0)

    def test_every_setting_gets_its_rows(self):
        status = measure.main(["--fake", "--quiet", "--out", self.path, "--suite", "small", "--ops", "gemm",
                               "--precisions", "bf16", "--clocks", "1830,915", "--power-limits", "700,200",
                               "--min-seconds", "1", "--idle-seconds", "1", "--noise", "0"])
        self.assertEqual(status, 0)
        _, rows = read_rows(self.path)
        self.assertEqual(len(rows), 2 * 4)  # two small bf16 GEMMs at four settings
        # The 4096^3 GEMM at 200 W: 6.872e10 MACs x 0.38 pJ + 100.7 MB x 8 x 4.2 pJ = 29.50 mJ take
        # 0.1929 ms at 72 % of 494.7e12 MAC/s (258 W); 200 W - 105 W static leaves 95 W, so
        # 0.3105 ms, at 1830 x 0.1929 / 0.3105 = 1137 MHz.
        self.assertEqual([(row["clock_mhz"], row["power_limit_w"]) for row in rows][::2],
                         [("1830", "700"), ("1137", "200"), ("915", "700"), ("915", "200")])
        for row in rows:
            # Whole-chip power (idle added back) stays within the row's limit; a lock is a ceiling.
            self.assertLessEqual(float(row["power_w"]), float(row["power_limit_w"]) + 1e-6)
            self.assertLessEqual(float(row["clock_mhz"]), 1830)

    def test_a_plan_over_the_budget_is_refused_before_measuring(self):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            status = measure.main(["--fake", "--out", self.path, "--clocks", "1980,1500,1000",
                                   "--power-limits", "700,400"])
        self.assertEqual(status, 2)
        self.assertFalse(os.path.exists(self.path))
        # 43 kernels x 6 settings x (3 + 0.5) s + 6 x 1 s + 10 s idle = 919 s.
        self.assertIn("the plan takes about 919 s", stderr.getvalue())
        self.assertEqual(measure.planned_seconds(43, 1, 3.0, 10.0), 10 + 1 + 43 * 3.5)

    def test_the_default_suite_fits_eight_minutes(self):
        kernels = len(measure.build_suite("full", measure.PRECISIONS, measure.OPS, lambda precision: True))
        self.assertLessEqual(measure.planned_seconds(kernels, 1, 3.0, 10.0), 480)

    def test_a_refused_setting_is_skipped_and_the_defaults_restored(self):
        class Locked(measure.FakeBackend):
            restored = False

            def apply(self, clock_mhz, power_limit_w):
                if clock_mhz == 915.0:
                    raise RuntimeError("Insufficient Permissions")
                super().apply(clock_mhz, power_limit_w)

            def restore(self):
                Locked.restored = True
                super().restore()

        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            status = measure.main(["--out", self.path, "--suite", "small", "--ops", "gemm", "--precisions", "bf16",
                                   "--clocks", "1830,915", "--min-seconds", "1", "--idle-seconds", "1"],
                                  backend=Locked(noise=0.0))
        self.assertEqual(status, 0)
        self.assertIn("skipping clock 915.0 MHz", stderr.getvalue())
        self.assertTrue(Locked.restored)
        self.assertEqual(len(read_rows(self.path)[1]), 2)


@unittest.skipIf(importlib.util.find_spec("torch") is not None, "PyTorch is installed; a GPU run would start")
class NoTorchTests(unittest.TestCase):
    def test_gpu_run_without_torch_explains(self):
        with self.assertRaises(SystemExit) as raised:
            measure.CudaBackend()
        self.assertIn("--fake", str(raised.exception.code))


if __name__ == "__main__":
    unittest.main()
