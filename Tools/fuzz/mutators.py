"""Mutations for the Joule fuzzer: structure-aware text edits and byte-level edits.

Every mutator takes a `random.Random` and the input, and returns the mutated input and a short
label saying what it did (the labels end up in the report). Text mutators work on `str`; the
file is decoded with `surrogateescape`, so any byte survives the round trip.
"""

import re

# Numbers that have broken parsers and arithmetic before: overflow to infinity, NaN, zero
# divisors, negative sizes, Int64 and UInt64 edges, 32-bit edges, allocation sizes.
SPECIAL_NUMBERS = [
    "0", "-1", "1", "-0", "0.0", "1e400", "-1e400", "1e308", "1.7976931348623157e308",
    "1e-400", "5e-324", "inf", "-inf", "nan", "NaN", "Infinity", ".inf", ".nan", "1e18",
    "9223372036854775807", "9223372036854775808", "18446744073709551616",
    "2147483648", "4294967296", "1000000000", "99999999999999999999999999", "0x10", "1_000",
    "3.5", "0.5", "1e9",
]

# Units of every kind Joule reads, plus nonsense, so a number gets a unit of the wrong kind.
UNITS = [
    "nm", "pJ", "pJ/bit", "pJ/byte", "pJ/access", "fJ", "MiB", "KiB", "GB", "B", "bit",
    "GB/s", "TB/s", "MHz", "GHz", "Hz", "V", "mV", "W", "mW", "mm^2", "um^2", "s", "ms", "%",
    "furlongs", "", "MHz/s", "pJ/", "/s",
]

# Values that replace a whole scalar: empty, null, the wrong YAML type, a missing file or
# library name, long strings.
SPECIAL_VALUES = [
    "", "~", "null", "[]", "{}", "[1, 2]", "{ a: 1 }", "true", "-", "nonexistent",
    "nonexistent.yaml", "../nonexistent/config.json", "'", "\"", "&a", "*a", "!!binary x",
    "x" * 5000, "é", "\U0001F600", "0 MHz", "1e400 MHz", "inf W", "nan pJ",
]

CONTROL_CHARS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\t", "\r",
                 "\u2028", "\u2029", "\u0085", "\ufeff", "\u200b"]

NUMBER_RE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])")
LOOP_RE = re.compile(r"\b([BGHMNK])(\d+)\b")
QUANTITY_RE = re.compile(r"(\d(?:[\d.eE+-]*\d)?)[ ]?([A-Za-z%][A-Za-z0-9/^]*)")
KEY_VALUE_RE = re.compile(r"^(\s*-?\s*\"?[\w.]+\"?\s*:\s*)(.+?)\s*(#.*)?$")


def _lines(text):
    """The text's lines, each keeping its line ending."""
    return text.splitlines(keepends=True) or [text]


def _pick(rng, seq):
    return seq[rng.randrange(len(seq))]


def _replace_match(rng, text, regex, make):
    matches = list(regex.finditer(text))
    if not matches:
        return None
    m = _pick(rng, matches)
    new = make(m)
    return text[:m.start()] + new + text[m.end():], m.group(0), new


# The values a number is most often replaced by (the rest of SPECIAL_NUMBERS are drawn rarely).
CORE_NUMBERS = ["0", "0", "-1", "1e400", "1e400", "1e308", "9223372036854775808", "1000000000",
                "nan", "inf", "0.5", "18446744073709551616"]


def special_number(rng):
    return _pick(rng, CORE_NUMBERS) if rng.random() < 0.7 else _pick(rng, SPECIAL_NUMBERS)


def _code_part(line):
    """The part of a line before a YAML comment (a '#' after a space or at the start)."""
    m = re.search(r"(^|\s)#", line)
    return line[:m.start()] if m else line


def m_number(rng, text):
    """Replaces the numbers on 1, 2 or 4 lines (outside comments) by edge values."""
    lines = _lines(text)
    numbered = [i for i, ln in enumerate(lines) if NUMBER_RE.search(_code_part(ln))]
    if not numbered:
        return None
    labels = []
    for i in rng.sample(numbered, min(len(numbered), rng.choice([1, 1, 2, 4]))):
        code = _code_part(lines[i])
        found = list(NUMBER_RE.finditer(code))
        m = _pick(rng, found)
        new = special_number(rng)
        lines[i] = lines[i][:m.start()] + new + lines[i][m.end():]
        labels.append(f"line {i + 1} {m.group(0)!r}->{new!r}")
    return "".join(lines), "number " + ", ".join(labels)


def m_loop_bound(rng, text):
    huge = ["0", "1", "3", "1000000000", "9223372036854775807", "4294967296", "65536", "100000"]
    r = _replace_match(rng, text, LOOP_RE, lambda m: m.group(1) + _pick(rng, huge))
    if r is None:
        return None
    return r[0], f"loop {r[1]!r}->{r[2]!r}"


def m_unit(rng, text):
    r = _replace_match(rng, text, QUANTITY_RE, lambda m: m.group(1) + " " + _pick(rng, UNITS))
    if r is None:
        return None
    return r[0], f"unit {r[1]!r}->{r[2]!r}"


def m_value(rng, text):
    lines = _lines(text)
    idx = [i for i, ln in enumerate(lines) if KEY_VALUE_RE.match(ln.rstrip("\r\n"))]
    if not idx:
        return None
    i = _pick(rng, idx)
    body = lines[i].rstrip("\r\n")
    end = lines[i][len(body):]
    m = KEY_VALUE_RE.match(body)
    new = _pick(rng, SPECIAL_VALUES)
    lines[i] = m.group(1) + new + end
    return "".join(lines), f"value line {i + 1} {m.group(2)[:30]!r}->{new[:30]!r}"


def m_swap_values(rng, text):
    lines = _lines(text)
    idx = [i for i, ln in enumerate(lines) if KEY_VALUE_RE.match(ln.rstrip("\r\n"))]
    if len(idx) < 2:
        return None
    i, j = rng.sample(idx, 2)
    mi = KEY_VALUE_RE.match(lines[i].rstrip("\r\n"))
    mj = KEY_VALUE_RE.match(lines[j].rstrip("\r\n"))
    ei = lines[i][len(lines[i].rstrip("\r\n")):]
    ej = lines[j][len(lines[j].rstrip("\r\n")):]
    lines[i] = mi.group(1) + mj.group(2) + ei
    lines[j] = mj.group(1) + mi.group(2) + ej
    return "".join(lines), f"swap values of lines {i + 1} and {j + 1}"


def m_delete_line(rng, text):
    lines = _lines(text)
    if len(lines) < 2:
        return None
    i = rng.randrange(len(lines))
    del lines[i]
    return "".join(lines), f"delete line {i + 1}"


def m_delete_block(rng, text):
    """Deletes a key and everything indented under it (a key and its value)."""
    lines = _lines(text)
    idx = [i for i, ln in enumerate(lines) if re.match(r"^\s*-?\s*\"?\w+\"?\s*:", ln)]
    if not idx:
        return None
    i = _pick(rng, idx)
    indent = len(lines[i]) - len(lines[i].lstrip(" -"))
    j = i + 1
    while j < len(lines) and (not lines[j].strip()
                              or len(lines[j]) - len(lines[j].lstrip(" ")) > indent):
        j += 1
    del lines[i:j]
    return "".join(lines), f"delete key at line {i + 1} ({j - i} lines)"


def m_duplicate_line(rng, text):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i] if lines[i].endswith(("\n", "\r")) else lines[i] + "\n")
    return "".join(lines), f"duplicate line {i + 1}"


def m_swap_lines(rng, text):
    lines = _lines(text)
    if len(lines) < 2:
        return None
    i = rng.randrange(len(lines) - 1)
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return "".join(lines), f"swap lines {i + 1} and {i + 2}"


def _repeat_line(rng, text, times):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    line = lines[i] if lines[i].endswith(("\n", "\r")) else lines[i] + "\n"
    lines[i:i + 1] = [line] * times
    return "".join(lines), f"repeat line {i + 1} {times} times"


def m_repeat_line(rng, text):
    return _repeat_line(rng, text, 3000)


def m_repeat_command(rng, text):
    """A REPL line is a command, and one can be a whole evaluation (`compare` runs two): 3,000
    of them are 3,000 evaluations, work the script asked for, not a hang. 300 still show a
    cost that grows faster than the count."""
    return _repeat_line(rng, text, 300)


def m_line_endings(rng, text):
    choice = rng.randrange(6)
    if choice == 0:
        return text.replace("\r\n", "\n").replace("\n", "\r"), "CR-only line endings"
    if choice == 1:
        return text.replace("\r\n", "\n").replace("\n", "\r\n"), "CRLF line endings"
    sep = _pick(rng, ["\u2028", "\u2029", "\u0085"])
    if choice == 2:
        return text.replace("\n", sep), f"all line ends -> U+{ord(sep):04X}"
    # One separator in the middle of the file: the lines after it shift.
    positions = [m.start() for m in re.finditer("\n", text)]
    if not positions:
        return None
    p = _pick(rng, positions[: max(1, len(positions) // 2)])
    if choice == 3:
        return text[:p] + sep + text[p + 1:], f"line end at {p} -> U+{ord(sep):04X}"
    return text[:p] + sep + text[p:], f"U+{ord(sep):04X} inserted before a line end at {p}"


def m_control(rng, text):
    p = rng.randrange(len(text) + 1)
    c = _pick(rng, CONTROL_CHARS)
    return text[:p] + c + text[p:], f"insert U+{ord(c):04X} at {p}"


def m_bom(rng, text):
    if rng.random() < 0.7:
        return "\ufeff" + text, "BOM at start"
    p = rng.randrange(len(text) + 1)
    return text[:p] + "\ufeff" + text[p:], f"BOM at {p}"


def m_truncate(rng, text):
    if not text:
        return None
    p = rng.randrange(len(text))
    return text[:p], f"truncate at {p}"


def m_csv_header(rng, text):
    """Deletes, duplicates or mangles the header (the first line not a comment)."""
    lines = _lines(text)
    idx = [i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    if not idx:
        return None
    h = idx[0]
    choice = rng.randrange(4)
    if choice == 0:
        del lines[h]
        return "".join(lines), "delete CSV header"
    if choice == 1:
        lines.insert(h + 1, lines[h])
        return "".join(lines), "duplicate CSV header"
    cols = lines[h].rstrip("\r\n").split(",")
    if choice == 2 and len(cols) > 1:
        del cols[rng.randrange(len(cols))]
    else:
        cols.append(_pick(rng, ["", "time_s", "extra", "energy_j"]))
    lines[h] = ",".join(cols) + "\n"
    return "".join(lines), "mangle CSV header"


def m_csv_cell(rng, text):
    lines = _lines(text)
    idx = [i for i, ln in enumerate(lines) if "," in ln and not ln.lstrip().startswith("#")]
    if not idx:
        return None
    i = _pick(rng, idx)
    body = lines[i].rstrip("\r\n")
    end = lines[i][len(body):]
    cells = body.split(",")
    j = rng.randrange(len(cells))
    choice = rng.randrange(4)
    if choice == 0:
        cells[j] = _pick(rng, SPECIAL_NUMBERS)
    elif choice == 1:
        cells[j] = _pick(rng, ["", "\"", "\"a,b\"", "x" * 3000, "1e400", "-1", "nonexistent"])
    elif choice == 2:
        del cells[j]
    else:
        cells.insert(j, cells[j])
    lines[i] = ",".join(cells) + end
    return "".join(lines), f"CSV cell line {i + 1} col {j + 1}"


REPL_LINES = [
    "set hardware.clock inf Hz", "set hardware.clock 1e400 MHz", "set phase decode batch=0",
    "set phase decode batch=1000000000 context=1000000000", "sweep batch in [1, 1000000000]",
    "set hardware.memory.DRAM.size 0 B", "set hardware.compute.array.rows 0", "unset hardware.clock",
    "set precision nonexistent", "load hardware nonexistent", "load model nonexistent.yaml",
    "eval", "dvfs", "top 1000000000 energy", "compare nonexistent", "restore nonexistent",
    "export hardware /nonexistent/dir/x.yaml", "set hardware.memory 5", "set operating_point 1e400%",
    "plot roofline out/r.svg", "show mapping L999999.ffn_up", "set eta nan", "quit",
]


def m_repl_line(rng, text):
    lines = _lines(text)
    i = rng.randrange(len(lines) + 1)
    new = _pick(rng, REPL_LINES)
    lines.insert(i, new + "\n")
    return "".join(lines), f"insert {new!r} at line {i + 1}"


# Byte-level mutators (on bytes).

def b_flip(rng, data):
    if not data:
        return None
    p = rng.randrange(len(data))
    b = bytearray(data)
    b[p] ^= 1 << rng.randrange(8)
    return bytes(b), f"flip a bit at byte {p}"


def b_insert(rng, data):
    p = rng.randrange(len(data) + 1)
    n = rng.choice([1, 1, 2, 4, 16])
    ins = bytes(rng.randrange(256) for _ in range(n))
    return data[:p] + ins + data[p:], f"insert {n} random bytes at {p}"


def b_delete(rng, data):
    if not data:
        return None
    p = rng.randrange(len(data))
    n = min(len(data) - p, rng.choice([1, 1, 2, 8, 64]))
    return data[:p] + data[p + n:], f"delete {n} bytes at {p}"


def b_interesting(rng, data):
    if not data:
        return None
    p = rng.randrange(len(data))
    v = _pick(rng, [b"\x00", b"\xff", b"\xc3", b"\xe2\x80\xa8", b"\xef\xbb\xbf", b"\x80", b"\r"])
    return data[:p] + v + data[p + 1:], f"byte at {p} -> {v!r}"


TEXT_MUTATORS = {
    "number": m_number, "unit": m_unit, "value": m_value, "swap_values": m_swap_values,
    "delete_line": m_delete_line, "delete_block": m_delete_block,
    "duplicate_line": m_duplicate_line, "swap_lines": m_swap_lines,
    "repeat_line": m_repeat_line, "repeat_command": m_repeat_command, "line_endings": m_line_endings, "control": m_control,
    "bom": m_bom, "truncate": m_truncate, "loop_bound": m_loop_bound,
    "csv_header": m_csv_header, "csv_cell": m_csv_cell, "repl_line": m_repl_line,
}
BYTE_MUTATORS = {"flip": b_flip, "insert": b_insert, "delete": b_delete,
                 "interesting": b_interesting}

# How often each text mutator is drawn, per input kind (others weigh 1).
KIND_WEIGHTS = {
    "hardware": {"number": 6, "unit": 4, "value": 3, "delete_block": 2},
    "model": {"number": 8, "value": 2, "delete_block": 2},
    "hf": {"number": 8, "value": 2},
    "sweep": {"number": 6, "unit": 3, "value": 4, "delete_block": 2},
    "mapping": {"loop_bound": 8, "number": 2, "value": 2},
    "csv": {"csv_header": 4, "csv_cell": 6, "number": 3},
    "repl": {"repl_line": 6, "number": 4, "unit": 2},
}
NOT_FOR = {
    "csv_header": {"hardware", "model", "hf", "sweep", "mapping", "repl"},
    "csv_cell": {"hardware", "model", "hf", "sweep", "mapping", "repl"},
    "repl_line": {"hardware", "model", "hf", "sweep", "mapping", "csv"},
    "loop_bound": {"model", "hf", "csv"},
    "repeat_line": {"repl"},
    "repeat_command": {"hardware", "model", "hf", "sweep", "mapping", "csv"},
}


def mutate(rng, kind, data, rounds=None):
    """Applies 1 to 3 mutations to `data` (bytes) for an input of `kind`; returns (bytes, labels)."""
    weights = KIND_WEIGHTS.get(kind, {})
    names = [n for n in TEXT_MUTATORS if kind not in NOT_FOR.get(n, ())]
    table = [n for n in names for _ in range(weights.get(n, 1))]
    labels = []
    rounds = rounds or rng.choice([1, 1, 1, 2, 2, 3])
    for _ in range(rounds):
        for _attempt in range(8):
            if rng.random() < 0.2:
                name = _pick(rng, sorted(BYTE_MUTATORS))
                r = BYTE_MUTATORS[name](rng, data)
            else:
                name = _pick(rng, table)
                text = data.decode("utf-8", "surrogateescape")
                r = TEXT_MUTATORS[name](rng, text)
                if r is not None:
                    r = (r[0].encode("utf-8", "surrogateescape"), r[1])
            if r is not None:
                data = r[0]
                labels.append(r[1])
                break
    return data, labels


# Command-line mutation.

FLAGS = [
    "--phase", "--batch", "--sequence", "--context", "--precision", "--attention", "--logits",
    "--fusion", "--per-op", "--format", "--dataflow", "--objective", "--operating-point",
    "--roofline", "--dims", "--points", "--eta", "--max-slowdown", "--power-limit",
    "--holdout", "--weighting", "--hardware-name", "--strict", "--shard", "--resume",
    "--shards", "--partition", "--time", "--print", "--only-missing", "--keep-going",
    "--no-echo", "--quiet", "--help", "-h", "--version", "--x", "--y", "--hardware", "--model",
    "--", "-", "--phase=decode", "--batch=", "--unknown",
]
ARG_VALUES = [
    "0", "-1", "1e400", "inf", "nan", "1000000000", "9223372036854775808", "", " ", "-",
    "decode", "training", "prefill", "json", "csv", "table", "ideal", "mapped", "any",
    "weights=int4,activations=fp16,kv=fp8", "w4a16", "fp4", "0/0", "1/0", "9/8", "0/8",
    "M=0,N=1,K=1", "M=1000000000,N=1000000000,K=1000000000", "B=0,M=1,N=1,K=1",
    "M=9223372036854775807,N=2,K=2", "80%", "0%", "1e400%", "-5%", "400 W", "0 W", "inf W",
    "1.5", "2", "tpu-v1", "gpt2", "h100-sxm", "nonexistent", "é", "\u2028", "x" * 2000,
]


def mutate_argv(rng, argv):
    """Applies 1 to 3 token-level mutations to a command line (list of str)."""
    argv = list(argv)
    labels = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        choice = rng.randrange(8)
        if choice == 0 and len(argv) > 1:
            i = rng.randrange(1, len(argv))
            labels.append(f"drop {argv[i]!r}")
            del argv[i]
        elif choice == 1:
            i = rng.randrange(len(argv))
            argv.insert(i, argv[i])
            labels.append(f"duplicate {argv[i]!r}")
        elif choice == 2 and len(argv) > 2:
            i, j = rng.sample(range(1, len(argv)), 2)
            argv[i], argv[j] = argv[j], argv[i]
            labels.append(f"swap {argv[i]!r} {argv[j]!r}")
        elif choice == 3:
            f = _pick(rng, FLAGS)
            v = [_pick(rng, ARG_VALUES)] if rng.random() < 0.6 else []
            i = rng.randrange(len(argv) + 1)
            argv[i:i] = [f] + v
            labels.append(f"insert {[f] + v!r}"[:80])
        elif choice == 4:
            nums = [i for i, a in enumerate(argv) if NUMBER_RE.search(a) or LOOP_RE.search(a)]
            if nums:
                i = _pick(rng, nums)
                old = argv[i]
                regex = LOOP_RE if LOOP_RE.search(old) and rng.random() < 0.5 else NUMBER_RE
                r = (m_loop_bound if regex is LOOP_RE else m_number)(rng, old + "\n")
                if r:
                    argv[i] = r[0].rstrip("\n")
                    labels.append(f"arg {old!r}->{argv[i]!r}"[:80])
        elif choice == 5 and len(argv) > 1:
            i = rng.randrange(1, len(argv))
            old = argv[i]
            argv[i] = _pick(rng, ARG_VALUES)
            labels.append(f"arg {old!r}->{argv[i][:30]!r}")
        elif choice == 6:
            i = rng.randrange(len(argv))
            old = argv[i]
            p = rng.randrange(len(old) + 1)
            argv[i] = old[:p] + _pick(rng, CONTROL_CHARS[1:] + ["=", ",", "%", " "]) + old[p:]
            labels.append(f"char into {old!r}")
        elif choice == 7:
            extra = rng.choice([["--points", _pick(rng, ["1000000000", "0", "1", "-3", "2.5"])],
                                ["--batch", _pick(rng, ["1000000000", "0", "-1"])],
                                ["--context", _pick(rng, ["1000000000", "0", "1"])],
                                ["--holdout", _pick(rng, ["0", "1", "nan", "-1", "0.999"])],
                                ["--eta", _pick(rng, ["nan", "inf", "-1", "2"])],
                                ["--max-slowdown", _pick(rng, ["0", "nan", "inf", "0.5"])]])
            argv += extra
            labels.append(f"append {extra!r}")
    return argv, labels
