"""Running one input through `joule`, deciding whether the outcome is a failure, and shrinking
a failing input while it keeps failing the same way.

A failure is any of: a signal or a Swift runtime trap, a timeout, the memory limit, an exit
status other than 0/64/65 (74 only for a real I/O error), a rejection (65) of an input read
from a file without a `path:line:col:` position (or with one that points at the wrong line),
or `nan`/`inf` as a number in the output of a successful run.
"""

import csv
import io
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY = 2 << 30  # bytes of address space (RLIMIT_AS)

POSITION_RE = re.compile(r"^(.+?):(\d+):(\d+): (?:error|warning):")
TRAP_RE = re.compile(r"Fatal error|fatal error|Illegal instruction|Segmentation fault|"
                     r"Program crashed|Assertion failed|precondition failed|"
                     r"Trace/breakpoint trap|Bus error|Aborted")
MEMORY_RE = re.compile(r"[Cc]ould not allocate|[Cc]an't allocate|[Cc]annot allocate|"
                       r"out of memory|bad_alloc|failed to allocate|Resource temporarily|"
                       r"Program crashed: Aborted|mmap.*failed|malloc")
IO_RE = re.compile(r"No such file|Permission denied|Read-only file system|No space left|"
                   r"I/O error|cannot write|could not write|could not create", re.I)
NAN_RE = re.compile(r"(?<![\w\-./])[+-]?(?:nan|inf(?:inity)?)(?![\w\-/.])", re.I)
NAN_CELL_RE = re.compile(r"\s*[+-]?(?:nan|inf(?:inity)?)(?:\s+\S+)?\s*", re.I)
FRAME_RE = re.compile(r"^\s*\d+ .*? 0x[0-9a-f]+ (.+?) \+ \d+ in joule at .*?/Sources/")
LINE_SPLIT_RE = re.compile(r"\r\n|\r|\n")
# libyaml also breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR, and Joule's YAML and
# JSON diagnostics count lines as libyaml does.
YAML_LINE_SPLIT_RE = re.compile("\r\n|\r|\n|\u0085|\u2028|\u2029")

EXPECTED_EXIT = (0, 64, 65)
TRAP_EXIT = (132, 133, 134, 135, 136, 137, 139)


@dataclass
class Outcome:
    rc: object  # int, or None after a timeout
    stdout: str
    stderr: str
    timed_out: bool = False
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)  # output file name -> text (sweep outputs)


@dataclass(frozen=True)
class Failure:
    category: str  # trap, timeout, memory, exit, no-position, bad-position, nan
    signature: str  # what groups failures into one class
    detail: str  # one line for a human


def normalize(text, limit=100):
    """A message with its particulars removed, so that failures of one cause group together."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|‘[^’]*’", "Q", text)
    text = re.sub(r"\S*/\S*", "P", text)
    text = re.sub(r"[-+]?\d[\d,._]*(?:[eE][-+]?\d+)?", "N", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit]


def _trap_signature(stderr, rc):
    lines = stderr.splitlines()
    message = next((ln for ln in lines if "Fatal error" in ln or "fatal error" in ln), None)
    if message is None:
        message = next((ln.strip(" *") for ln in lines if "Swift runtime failure" in ln), None)
    if message is None:
        message = next((ln.strip(" *") for ln in lines if TRAP_RE.search(ln)), None)
    if message is not None:
        message = re.sub(r"^.*?([\w+]+\.swift):\d+: ", r"\1: ", message.strip())
        message = normalize(message, 90)
    else:
        message = f"signal {-rc}" if isinstance(rc, int) and rc < 0 else f"exit {rc}"
    frame = next((m.group(1) for m in map(FRAME_RE.match, lines) if m), None)
    if frame:
        frame = re.sub(r"<.*?>", "", frame)
        frame = re.sub(r"^(?:static |closure #\d+ in |implicit closure #\d+ in )+", "", frame)
        message += f" @ {frame[:60]}"
    return message


def file_lines(text, path=""):
    """Lines as Joule counts them: YAML and JSON files split where libyaml does (LF, CRLF, a
    lone CR, NEL, U+2028, U+2029); CSVs and script files at LF, CRLF and a lone CR; a script on
    standard input, read a line at a time as a terminal sends them, at LF only."""
    if path.endswith((".yaml", ".yml", ".json")):
        return YAML_LINE_SPLIT_RE.split(text)
    if path == "<stdin>":
        return text.split("\n")
    return LINE_SPLIT_RE.split(text)


def _alnum(s):
    return re.sub(r"[^A-Za-z0-9]", "", s)


def check_positions(stderr, inputs):
    """Returns a reason when a diagnostic's position does not match its input, else None.

    `inputs` maps the names a diagnostic may give for an input (its path, its base name,
    `<stdin>`) to the input's text. Checked: the line exists; the excerpt printed under the
    diagnostic is that line; a limit error naming a key is not put on the file's first line when
    the key is elsewhere.
    """
    lines = stderr.splitlines()
    for k, line in enumerate(lines):
        m = POSITION_RE.match(line)
        if not m:
            continue
        path, ln = m.group(1), int(m.group(2))
        text = inputs.get(path, inputs.get(os.path.basename(path)))
        if text is None:
            continue
        flines = file_lines(text, path)
        if len(flines) > 1 and flines[-1] == "":
            flines.pop()  # the break that ends the last line starts no new one
        col = int(m.group(3))
        if ln < 1 or ln > len(flines) + 1 or (ln == len(flines) + 1 and col > 1):
            return f"line {ln} is past the end ({len(flines)} lines)", "line past end"
        caret = k + 2 < len(lines) and lines[k + 1].startswith("    ") and \
            lines[k + 2].strip().startswith("^")
        if caret and ln <= len(flines):
            shown = _alnum(lines[k + 1])
            actual = _alnum(flines[ln - 1])
            if (shown or actual) and shown not in actual and actual not in shown \
                    or bool(shown) != bool(actual):
                return (f"line {ln}: excerpt {lines[k + 1].strip()[:40]!r} is not the file's "
                        f"line {flines[ln - 1].strip()[:40]!r}", "excerpt is another line")
        message = line[m.end():]
        keys = set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", message))
        first = next((i + 1 for i, fl in enumerate(flines)
                      if fl.strip() and not fl.lstrip().startswith(("#", "{", "---"))), 1)
        # A missing key is rightly reported at the mapping that lacks it (a key of that name
        # further down may sit in a nested mapping).
        if ln in (1, first) and keys and "missing" not in message:
            here = flines[ln - 1] if ln <= len(flines) else ""
            if not any(key in here for key in keys):
                for key in sorted(keys):
                    key_re = re.compile(r"(?:^|[\s{,\"])" + re.escape(key) + r"\"?\s*:")
                    where = [i + 1 for i, fl in enumerate(flines) if key_re.search(fl)]
                    if where and ln not in where:
                        return (f"'{key}' is on line {where[0]} but the error is at {ln}:"
                                f"{m.group(3)}", f"error at the top, not at its key")
    return None


def _nan_in_stdout(stdout, input_text):
    """The first output line with nan or inf as a number; text the input holds verbatim (a
    `source:` string, an echoed REPL command) does not count."""
    flat = " ".join(input_text.split()) if input_text else ""
    for line in stdout.splitlines():
        if line.startswith("joule ["):
            continue
        for m in NAN_RE.finditer(line):
            before = line[:m.start()].split()[-2:]
            after = line[m.end():].split()[:2]
            phrase = " ".join(before + [m.group(0)] + after)
            if flat and len(before) + len(after) >= 2 and phrase in flat:
                continue
            # Inside a JSON string copied from the input (`"name" : "nan pJ"`): a name, not a number.
            start = line.rfind('"', 0, m.start())
            end = line.find('"', m.end())
            if start >= 0 and end >= 0 and line.count('"', 0, start) % 2 == 0 \
                    and line[start + 1:end] in (input_text or ""):
                continue
            return line.strip()
    return None


def _nan_in_csv(text):
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return None
    if not rows:
        return None
    header = rows[0]
    skip = {i for i, h in enumerate(header) if h in ("error", "violated", "settings")}
    for row in rows[1:]:
        for i, cell in enumerate(row):
            if i not in skip and NAN_CELL_RE.fullmatch(cell):
                return f"{header[i] if i < len(header) else i}={cell}"
    return None


def classify(outcome, inputs=None, check_position=True):
    """The failure this outcome shows, or None when it is clean.

    `inputs` maps the names under which an input file may appear in a diagnostic to its text
    (empty when the input is a command line). A rejection (65) of a file input must carry a
    position.
    """
    inputs = inputs or {}
    err = outcome.stderr
    rc = outcome.rc
    if outcome.timed_out:
        return Failure("timeout", "timeout", f"no exit within the time limit")
    crashed = (isinstance(rc, int) and (rc < 0 or rc in TRAP_EXIT)) or "Fatal error" in err \
        or "Program crashed" in err
    if crashed or (rc not in EXPECTED_EXIT and MEMORY_RE.search(err)):
        sig = _trap_signature(err, rc)
        if MEMORY_RE.search(err):
            return Failure("memory", sig, "killed at the memory limit: " + sig)
        return Failure("trap", sig, sig)
    if rc not in EXPECTED_EXIT:
        if rc == 74 and IO_RE.search(err):
            return None
        first = next((ln for ln in err.splitlines() if ln.strip()), "")
        return Failure("exit", f"exit {rc}: {normalize(first, 60)}", f"exit {rc}: {first[:120]}")
    if rc == 65 and inputs and check_position:
        if not any(POSITION_RE.match(ln) for ln in err.splitlines()):
            first = next((ln for ln in err.splitlines() if ln.strip()), "(no message)")
            first = re.sub(r"^\s*(?:\S+: )?error:\s*", "", first)
            sig = normalize(re.sub(r"\b\w*[A-Z]\w*\b", "X", first), 80)
            return Failure("no-position", sig, first[:160])
        bad = check_positions(err, inputs)
        if bad:
            detail, sig = bad
            return Failure("bad-position", sig, detail)
    if rc == 0:
        text = next(iter(inputs.values()), None) if inputs else None
        line = _nan_in_stdout(outcome.stdout, text)
        if line:
            word = re.sub(r"\s.*", "", line)
            return Failure("nan", f"nan/inf printed ({normalize(word, 30)})", line[:160])
        for name, text in sorted(outcome.extra.items()):
            cell = _nan_in_csv(text) if name.endswith(".csv") else None
            if cell:
                return Failure("nan", f"nan/inf in {name}", cell[:160])
    return None


def _limits(memory):
    def apply():
        os.setsid()
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 << 20, 256 << 20))
    return apply


def run_command(argv, cwd, stdin_bytes=None, timeout=DEFAULT_TIMEOUT, memory=DEFAULT_MEMORY,
                env=None):
    """Runs argv in cwd with a time and memory limit; returns an Outcome."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, preexec_fn=_limits(memory),
                            stdin=subprocess.PIPE if stdin_bytes is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timed_out = False
    try:
        out, err = proc.communicate(stdin_bytes, timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
    except BrokenPipeError:
        out, err = proc.communicate()
    return Outcome(None if timed_out else proc.returncode,
                   out.decode("utf-8", "replace")[:2_000_000],
                   err.decode("utf-8", "replace")[:200_000],
                   timed_out, time.monotonic() - start)


@dataclass
class Case:
    """One input and the command that reads it."""
    kind: str
    args: list  # argv after the joule binary; {file} {dir} {out} are filled in
    data: bytes = None  # the input file's content (None: the input is the command line)
    filename: str = "input.txt"  # where the input is written, relative to the run folder
    stdin: bool = False  # feed the input on standard input instead of naming it
    support: dict = field(default_factory=dict)  # other files: relative name -> bytes
    origin: str = ""  # seed it came from
    mutations: list = field(default_factory=list)

    def command_line(self, joule="joule", folder="."):
        fill = {"{file}": os.path.join(folder, self.filename) if folder != "." else self.filename,
                "{dir}": folder, "{out}": os.path.join(folder, "out")}
        out = []
        for a in self.args:
            for k, v in fill.items():
                a = a.replace(k, v)
            out.append(a)
        return [joule] + out


def execute(case, joule, timeout=DEFAULT_TIMEOUT, memory=DEFAULT_MEMORY, keep=None):
    """Writes the case's files into a fresh folder, runs it, and classifies the outcome."""
    folder = keep or tempfile.mkdtemp(prefix="joule-fuzz-")
    try:
        for name, blob in case.support.items():
            path = os.path.join(folder, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(blob)
        inputs = {}
        if case.data is not None and not case.stdin:
            path = os.path.join(folder, case.filename)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(case.data)
            text = case.data.decode("utf-8", "replace")
            inputs = {case.filename: text, os.path.basename(case.filename): text}
        elif case.data is not None:
            inputs = {"<stdin>": case.data.decode("utf-8", "replace")}
        env = {"PATH": "/usr/bin:/bin", "HOME": folder, "LANG": "C.UTF-8",
               "SWIFT_BACKTRACE": os.environ.get("SWIFT_BACKTRACE", "enable=yes,interactive=no")}
        argv = case.command_line(os.path.abspath(joule))
        outcome = run_command(argv, folder, case.data if case.stdin else None, timeout, memory, env)
        for root, _dirs, files in os.walk(os.path.join(folder, "out")):
            for name in files:
                if name.endswith(".csv"):
                    with open(os.path.join(root, name), "r", errors="replace") as f:
                        outcome.extra[os.path.relpath(os.path.join(root, name), folder)] = f.read(1 << 20)
        return outcome, classify(outcome, inputs)
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def ddmin(items, still_fails, budget):
    """Zeller's delta debugging over a list: a smaller list for which still_fails holds.

    `budget` is a one-element list holding how many more tests may run (shared by callers).
    """
    n = 2
    while len(items) >= 2 and budget[0] > 0:
        chunk = max(1, len(items) // n)
        subsets = [items[i:i + chunk] for i in range(0, len(items), chunk)]
        reduced = False
        for i in range(len(subsets)):
            if budget[0] <= 0:
                break
            complement = [x for j, s in enumerate(subsets) if j != i for x in s]
            budget[0] -= 1
            if complement and still_fails(complement):
                items = complement
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if n >= len(items):
                break
            n = min(len(items), n * 2)
    return items


def reduce_case(case, joule, target, timeout=DEFAULT_TIMEOUT, memory=DEFAULT_MEMORY,
                max_tests=200, deadline=None):
    """Shrinks a failing case (lines, then characters; or argv tokens) keeping its failure class."""
    budget = [max_tests]

    def same(candidate):
        if deadline is not None and time.monotonic() > deadline:
            budget[0] = 0
            return False
        _outcome, failure = execute(candidate, joule, timeout, memory)
        return failure is not None and (failure.category, failure.signature) == target

    def with_data(data):
        return Case(case.kind, case.args, data, case.filename, case.stdin, case.support,
                    case.origin, case.mutations)

    def with_args(args):
        return Case(case.kind, args, case.data, case.filename, case.stdin, case.support,
                    case.origin, case.mutations)

    if case.data is not None:
        text = case.data.decode("utf-8", "surrogateescape")
        lines = text.splitlines(keepends=True)
        lines = ddmin(lines, lambda ls: same(with_data("".join(ls).encode("utf-8", "surrogateescape"))),
                      budget)
        text = "".join(lines)
        if len(text) <= 4000 and target[0] != "timeout":
            chars = ddmin(list(text), lambda cs: same(with_data("".join(cs).encode("utf-8", "surrogateescape"))),
                          budget)
            text = "".join(chars)
        return with_data(text.encode("utf-8", "surrogateescape"))
    head, rest = case.args[:1], case.args[1:]
    rest = ddmin(rest, lambda r: same(with_args(head + r)), budget)
    return with_args(head + rest)
