"""Unit tests of the fuzzer itself: the classifier, the mutators, the reducer, determinism.

Run: python3 -m unittest discover -s Tools/fuzz -p "test_*.py"
Fake `joule` commands are small `sh -c` scripts, so no build is needed.
"""

import os
import random
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fuzz  # noqa: E402
import mutators  # noqa: E402
import oracle  # noqa: E402

HW = "name: x\nclock: 700 MHz\ntechnology: 28 nm\n"


def fake(script, data=HW.encode(), filename="hw.yaml", stdin=False, timeout=5.0):
    """Runs `sh -c SCRIPT` as if it were joule reading `filename`; returns (outcome, failure)."""
    case = oracle.Case("hardware", ["-c", script], data, filename, stdin)
    with tempfile.TemporaryDirectory() as d:
        sh = os.path.join(d, "sh")
        os.symlink("/bin/sh", sh)
        return oracle.execute(case, sh, timeout=timeout)


class ClassifierTests(unittest.TestCase):
    def test_clean_positioned_rejection_passes(self):
        script = ("echo 'hw.yaml:2:8: error: expected a frequency, found 1e400 MHz' >&2; "
                  "echo '    clock: 700 MHz' >&2; echo '           ^' >&2; exit 65")
        outcome, failure = fake(script)
        self.assertEqual(outcome.rc, 65)
        self.assertIsNone(failure)

    def test_success_without_nan_passes(self):
        outcome, failure = fake("echo 'clock 700 MHz'; echo 'info: infeasible points: 0'")
        self.assertEqual(outcome.rc, 0)
        self.assertIsNone(failure)

    def test_usage_error_passes(self):
        self.assertIsNone(fake("echo 'usage: joule check FILE' >&2; exit 64")[1])

    def test_trap_is_flagged_with_its_message(self):
        script = ("echo 'Swift/IntegerTypes.swift:8835: Fatal error: Double value cannot be "
                  "converted to Int because it is either infinite or NaN' >&2; kill -ILL $$")
        outcome, failure = fake(script)
        self.assertEqual(failure.category, "trap")
        self.assertIn("Fatal error: Double value cannot be converted", failure.signature)
        self.assertNotIn("8835", failure.signature)

    def test_trap_exit_code_is_flagged(self):
        self.assertEqual(fake("exit 134")[1].category, "trap")

    def test_signal_without_message_is_flagged(self):
        failure = fake("kill -SEGV $$")[1]
        self.assertEqual(failure.category, "trap")
        self.assertIn("signal 11", failure.signature)

    def test_timeout_is_flagged(self):
        outcome, failure = fake("sleep 30", timeout=0.5)
        self.assertTrue(outcome.timed_out)
        self.assertEqual(failure.category, "timeout")

    def test_memory_limit_is_flagged(self):
        script = "echo 'fatal error: Could not allocate memory' >&2; kill -ABRT $$"
        self.assertEqual(fake(script)[1].category, "memory")

    def test_unexpected_exit_code_is_flagged(self):
        failure = fake("echo 'error: something' >&2; exit 1")[1]
        self.assertEqual(failure.category, "exit")
        self.assertTrue(failure.signature.startswith("exit 1"))

    def test_io_error_exit_74_passes(self):
        self.assertIsNone(fake("echo 'error: could not write out/x: Permission denied' >&2; exit 74")[1])

    def test_missing_position_is_flagged(self):
        failure = fake("echo 'error: no header row' >&2; exit 65")[1]
        self.assertEqual(failure.category, "no-position")
        self.assertIn("no header row", failure.signature)

    def test_missing_position_on_stdin_input_is_flagged(self):
        failure = fake("cat >/dev/null; echo 'error: bad line' >&2; exit 65", stdin=True)[1]
        self.assertEqual(failure.category, "no-position")

    def test_command_line_rejection_needs_no_position(self):
        case = oracle.Case("argv", ["-c", "echo 'error: no model named x' >&2; exit 65"])
        self.assertIsNone(oracle.execute(case, "/bin/sh")[1])

    def test_position_past_the_end_is_flagged(self):
        failure = fake("echo 'hw.yaml:9:1: error: unknown key' >&2; exit 65")[1]
        self.assertEqual(failure.category, "bad-position")

    def test_excerpt_of_another_line_is_flagged(self):
        # Line 3 is `technology: 28 nm`; a line count that took U+2028 for a line end would
        # print another line under the position.
        script = ("echo 'hw.yaml:3:1: error: bad' >&2; echo '    clock: 700 MHz' >&2; "
                  "echo '    ^' >&2; exit 65")
        self.assertEqual(fake(script)[1].category, "bad-position")

    def test_limit_error_at_the_top_instead_of_its_key_is_flagged(self):
        data = b"# a model\nname: m\nhidden_size: 64\nvocab_size: 99999999\n"
        script = "echo 'm.yaml:2:1: error: vocab_size must be at most 16777216' >&2; exit 65"
        failure = fake(script, data, "m.yaml")[1]
        self.assertEqual(failure.category, "bad-position")
        script = "echo 'm.yaml:4:13: error: vocab_size must be at most 16777216' >&2; exit 65"
        self.assertIsNone(fake(script, data, "m.yaml")[1])

    def test_nan_token_is_flagged(self):
        self.assertEqual(fake("echo 'energy   nan J'")[1].category, "nan")
        self.assertEqual(fake("echo 'latency: inf s'")[1].category, "nan")
        self.assertEqual(fake("echo '{\"energy_j\": -inf}'")[1].category, "nan")

    def test_words_containing_inf_or_nan_pass(self):
        text = "info: 2 infeasible points; Infinity-Fabric; finance; llama-nan-7b; nano"
        self.assertIsNone(fake(f"echo '{text}'")[1])

    def test_nan_echoed_from_the_input_passes(self):
        data = b'name: x\nsource: "measured at inf load by someone"\n'
        self.assertIsNone(fake("echo 'source: measured at inf load by someone'", data)[1])

    def test_nan_in_sweep_points_csv_is_flagged(self):
        script = "mkdir -p out; printf 'id,error,energy_j\\n0,,nan\\n' > out/points.csv"
        self.assertEqual(fake(script)[1].category, "nan")
        script = "mkdir -p out; printf 'id,error,energy_j\\n0,clock is inf,\\n' > out/points.csv"
        self.assertIsNone(fake(script)[1])


class MutatorTests(unittest.TestCase):
    def test_mutations_are_deterministic_for_a_seed(self):
        a = fuzz.generate(7, 24, fuzz.KINDS)
        b = fuzz.generate(7, 24, fuzz.KINDS)
        self.assertEqual([(c.args, c.data, c.mutations) for c in a],
                         [(c.args, c.data, c.mutations) for c in b])
        c = fuzz.generate(8, 24, fuzz.KINDS)
        self.assertNotEqual([x.data for x in a], [x.data for x in c])

    def test_every_kind_has_seeds_and_commands(self):
        for kind in fuzz.KINDS:
            cases = fuzz.generate(3, 8 * 4, [kind])
            self.assertEqual({c.kind for c in cases}, {kind})
            if kind != "argv":
                self.assertTrue(all(c.data for c in cases[:4]) or kind == "repl")

    def test_number_mutation_skips_comments(self):
        rng = random.Random(1)
        for _ in range(50):
            out, _label = mutators.m_number(rng, "size: 4 MiB   # 4 banks of 1 MiB\n")
            self.assertTrue(out.endswith("# 4 banks of 1 MiB\n"), out)

    def test_line_ending_mutations(self):
        rng = random.Random(3)
        seen = set()
        for _ in range(60):
            out, label = mutators.m_line_endings(rng, "a: 1\nb: 2\nc: 3\n")
            seen.add(label.split(" ")[0])
        self.assertIn("CR-only", seen)
        self.assertTrue(any("U+2028" in s or "U+" in s for s in seen) or len(seen) > 2)

    def test_repeat_line(self):
        out, _ = mutators.m_repeat_line(random.Random(0), "a: 1\n")
        self.assertEqual(out.count("a: 1\n"), 3000)

    def test_byte_mutations_keep_bytes(self):
        rng = random.Random(5)
        data = "clock: 700 MHz\n".encode()
        for _ in range(100):
            data, _ = mutators.mutate(rng, "hardware", data)
            self.assertIsInstance(data, bytes)


class ReducerTests(unittest.TestCase):
    def test_ddmin_finds_the_one_line(self):
        lines = [f"line {i}\n" for i in range(100)]
        budget = [1000]
        out = oracle.ddmin(lines, lambda ls: "line 42\n" in ls, budget)
        self.assertEqual(out, ["line 42\n"])

    def test_reduce_case_keeps_the_failure_class(self):
        data = "".join(f"key{i}: {i}\n" for i in range(40)).encode()
        case = oracle.Case("hardware", ["-c", "grep -q 'key17: 17' hw.yaml && kill -ILL $$; exit 0"],
                           data, "hw.yaml")
        with tempfile.TemporaryDirectory() as d:
            sh = os.path.join(d, "sh")
            os.symlink("/bin/sh", sh)
            _, failure = oracle.execute(case, sh)
            self.assertEqual(failure.category, "trap")
            small = oracle.reduce_case(case, sh, (failure.category, failure.signature), max_tests=300)
        self.assertEqual(small.data.strip(), b"key17: 17")


if __name__ == "__main__":
    unittest.main()
