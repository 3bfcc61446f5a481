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


@unittest.skipIf(importlib.util.find_spec("torch") is not None, "PyTorch is installed; a GPU run would start")
class NoTorchTests(unittest.TestCase):
    def test_gpu_run_without_torch_explains(self):
        with self.assertRaises(SystemExit) as raised:
            measure.CudaBackend()
        self.assertIn("--fake", str(raised.exception.code))


if __name__ == "__main__":
    unittest.main()
