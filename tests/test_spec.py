"""The spec's numbers are written once, in python/digitpad/spec.json: the Python modules
read it (here), the page's (tests/js/spec.test.js), and neither writes them again."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from digitpad import export, preprocess, preprocess_fast
from digitpad.recipe import Recipe
from digitpad.spec import PARTS, PREPROCESS, SPEC, VERDICT

REPO = Path(__file__).resolve().parents[1]
SPEC_FILE = REPO / "python" / "digitpad" / "spec.json"
PRODUCT_PY = sorted((REPO / "python" / "digitpad").glob("*.py"))
PRODUCT_JS = sorted((REPO / "web" / "src").glob("*.js"))


def test_spec_py_reads_the_file():
    assert SPEC == json.loads(SPEC_FILE.read_text())
    assert (PREPROCESS, VERDICT, PARTS) == (SPEC["preprocess"], SPEC["verdict"], SPEC["parts"])


def test_python_uses_the_spec():
    for name, value in PREPROCESS.items():
        assert getattr(preprocess, name) == value, name
        assert getattr(preprocess_fast, name) == value, name
    recipe = Recipe()
    assert {name: getattr(recipe, name) for name in VERDICT} == VERDICT
    assert export.INPUT_SPEC["shape"] == [None, PREPROCESS["SIZE"] ** 2]


def numbers(value):
    return value if isinstance(value, list) else [value]


def python_numbers(path):
    """(line, number) of each number literal in a Python file's code (not its strings or comments)."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return [(t.start[0], float(t.string.replace("_", ""))) for t in tokens if t.type == tokenize.NUMBER
            and not t.string.endswith(("j", "J")) and not t.string.startswith(("0x", "0o", "0b"))]


def javascript_code(source):
    """The source with comments and string literals blanked out (newlines kept)."""
    out, i, quote = [], 0, None
    while i < len(source):
        c = source[i]
        if quote is None and source.startswith("//", i):
            i = source.find("\n", i) if "\n" in source[i:] else len(source)
        elif quote is None and source.startswith("/*", i):
            end = source.index("*/", i) + 2
            out.append("\n" * source.count("\n", i, end))
            i = end
        elif quote is None:
            quote = c if c in "'\"`" else None
            out.append(" " if quote else c)
            i += 1
        else:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
            out.append("\n" if c == "\n" else " ")
            i += 1
    return "".join(out)


def javascript_numbers(path):
    code = javascript_code(path.read_text())
    return [(code.count("\n", 0, m.start()) + 1, float(m.group(1)))
            for m in re.finditer(r"(?<![\w.$])(\d+\.?\d*(?:e-?\d+)?|\.\d+(?:e-?\d+)?)(?![\w.])", code)]


def test_javascript_scanner_finds_numbers_only_in_code(tmp_path):
    path = tmp_path / "scanned.js"
    path.write_text("// 2.52 in a comment\nconst a = '2.52', b = `x ${1}`; /* 3.5\n */ const c = 5.5 + .35 + 1e-9;\n")
    assert javascript_numbers(path) == [(3, 5.5), (3, 0.35), (3, 1e-9)]


# Small integers and common fractions mean many things in code (a loop's 1, a half);
# the page's code holds none of the spec's other values, the Python code none of these.
JS_ANY_OF = {float(v) for section in SPEC.values() for value in section.values() for v in numbers(value)} - {0.5, 1, 2, 3, 4, 5}
PY_ANY_OF = {float(PREPROCESS["SIZE"]), float(PREPROCESS["SIZE"] ** 2), PREPROCESS["PEN_WIDTH"],
             PREPROCESS["MOMENT_STD_X"], PREPROCESS["MOMENT_STD_Y"], PREPROCESS["MOMENT_SCALE_MAX"]}


def test_no_spec_number_is_written_again():
    found = {f"{path.relative_to(REPO)}:{line}: {value:g}" for path in PRODUCT_JS
             for line, value in javascript_numbers(path) if value in JS_ANY_OF}
    found |= {f"{path.relative_to(REPO)}:{line}: {value:g}" for path in PRODUCT_PY
              for line, value in python_numbers(path) if value in PY_ANY_OF}
    assert not found, "spec numbers written again (read python/digitpad/spec.json):\n" + "\n".join(sorted(found))


def test_no_spec_name_is_given_a_number():
    """No constant or recipe field named as a spec number gets its value from a literal."""
    names = {name for section in SPEC.values() for name in section} | {name.upper() for name in VERDICT}
    assigned = re.compile(rf"\b({'|'.join(names)})\b\s*(:[^=\n]*)?=\s*[-+(\[]*\s*[\d.]")
    found = [f"{path.relative_to(REPO)}:{match.group(0)}" for path in PRODUCT_PY + PRODUCT_JS
             for match in assigned.finditer(path.read_text())]
    assert not found, found


def doc_table(path, heading):
    """{name: text of its value cell} of the table under `heading` in a docs page."""
    text = (REPO / "docs" / path).read_text()
    section = text.split(heading, 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`"):
            names = re.findall(r"`(\w+)`", cells[0])
            values = [v.strip() for v in cells[1].split(",")]
            rows.update(zip(names, values) if len(values) == len(names) else [(names[0], cells[1])])
    return rows


def test_the_docs_give_the_spec_numbers():
    """The spec pages name every number of the file, with its value."""
    tables = {"preprocess": doc_table("preprocessing.md", "## Constants"),
              "verdict": doc_table("verdicts.md", "## Numbers"), "parts": doc_table("verdicts.md", "## Numbers")}
    for section, values in SPEC.items():
        for name, value in values.items():
            written = tables[section].get(name)
            assert written is not None, f"{name} is not in the docs' table"
            assert [float(x) for x in re.findall(r"-?[\d.]+(?:e-?\d+)?", written)] == numbers(value), name


@pytest.mark.skipif(sys.platform == "win32", reason="copies the package")
def test_a_numba_cache_compiled_with_other_numbers_is_not_used(tmp_path):
    """numba renews its cache only when preprocess_fast.py changes: after a change to
    spec.json, the compiled code still follows the file."""
    package = tmp_path / "digitpad"
    shutil.copytree(REPO / "python" / "digitpad", package, ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import json, sys; from digitpad import preprocess, preprocess_fast; "
            "s = [[[i, i % 2 * 3] for i in range(40)]]; "  # a zigzag: how far it turns depends on the step
            "print(json.dumps([preprocess_fast.winding(s), preprocess.winding(s)]))")

    def windings():
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                             env={**os.environ, "PYTHONPATH": str(tmp_path)}, check=False)
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    fast, readable = windings()  # compiled and cached with the spec's step
    assert fast == pytest.approx(readable, abs=1e-9)
    spec = json.loads((package / "spec.json").read_text())
    spec["preprocess"]["WINDING_STEP"] *= 3
    (package / "spec.json").write_text(json.dumps(spec))
    fast_after, readable_after = windings()
    assert readable_after < readable / 2  # the change matters
    assert fast_after == pytest.approx(readable_after, abs=1e-9)
