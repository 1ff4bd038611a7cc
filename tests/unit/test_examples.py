"""Every program in examples/ must check clean: no diagnostics of any kind."""

from __future__ import annotations

import glob
import os

import pytest

from mtpscript.compiler.diagnostics import render_text
from mtpscript.compiler.modules import check_program

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "*.mtp")))


def test_examples_exist():
    assert len(EXAMPLES) >= 5, f"expected at least 5 examples in {os.path.join(ROOT, 'examples')}"


@pytest.mark.parametrize("path", EXAMPLES, ids=[os.path.basename(p) for p in EXAMPLES])
def test_example_checks_clean(path):
    result = check_program([path])
    if result.diagnostics:
        rendered = []
        for d in result.diagnostics:
            loaded = result.modules.get(d.file)
            rendered.append(render_text(d, loaded.text.splitlines() if loaded is not None else None))
        print("\n\n".join(rendered))
    assert result.diagnostics == [], f"{os.path.basename(path)}: {len(result.diagnostics)} diagnostic(s), see output"
