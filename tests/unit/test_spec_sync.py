"""Keep spec/ in step with the compiler's registries.

* spec/diagnostics.md lists every code of compiler/diagnostics.py CODES, with its exact
  title and hint, and no other code;
* spec/grammar.md defines every rule of compiler/grammar.lark, and no rule the Lark
  grammar does not have;
* spec/types.md lists every standard-library signature of compiler/builtins.py;
* the spec mentions only error codes that exist;
* Annex A (spec/annex-a-gas-v5.1.csv) is well-formed.

If one of these fails after a change to the compiler, update the spec (never the other
way round: the registries are the source of truth).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from mtpscript.compiler.builtins import SIGNATURES
from mtpscript.compiler.diagnostics import CODES

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec"
GRAMMAR_LARK = ROOT / "compiler" / "grammar.lark"

_CODE_ROW = re.compile(r"^\|\s*(E\d{4})\s*\|(.*)$")
_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _split_cells(rest: str) -> list[str]:
    """Cells of a Markdown table row (after the first cell), honouring `\\|` escapes."""
    cells, cur, i = [], [], 0
    while i < len(rest):
        if rest[i] == "\\" and i + 1 < len(rest):
            cur.append(rest[i:i + 2])
            i += 2
            continue
        if rest[i] == "|":
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(rest[i])
        i += 1
    return cells


def cell_text(cell: str) -> str:
    """The text a table cell renders to: GFM `\\|` and CommonMark backslash escapes removed.

    Backslash escapes are not processed inside code spans, except `\\|`, which GFM
    removes from table cells before inline parsing.
    """
    cell = cell.replace("\\|", "|")
    out, in_code, i = [], False, 0
    while i < len(cell):
        ch = cell[i]
        if ch == "`":
            in_code = not in_code
        elif ch == "\\" and not in_code and i + 1 < len(cell) and cell[i + 1] in _ASCII_PUNCT:
            out.append(cell[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def diagnostics_rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in (SPEC / "diagnostics.md").read_text(encoding="utf-8").splitlines():
        m = _CODE_ROW.match(line)
        if m:
            code = m.group(1)
            assert code not in rows, f"{code} has two rows in spec/diagnostics.md"
            rows[code] = [cell_text(c) for c in _split_cells(m.group(2))]
    return rows


def test_every_code_has_a_row_with_its_title_and_hint():
    rows = diagnostics_rows()
    missing = sorted(set(CODES) - set(rows))
    assert not missing, f"codes missing from spec/diagnostics.md: {missing}"
    for code, (title, hint) in CODES.items():
        cells = rows[code]
        assert len(cells) >= 2, f"{code}: row needs title and hint cells"
        assert cells[0] == title, f"{code}: title in spec is {cells[0]!r}, registry has {title!r}"
        assert cells[1] == hint, f"{code}: hint in spec is {cells[1]!r}, registry has {hint!r}"


def test_diagnostics_doc_lists_no_unknown_code():
    unknown = sorted(set(diagnostics_rows()) - set(CODES))
    assert not unknown, f"spec/diagnostics.md lists codes that are not in CODES: {unknown}"


def test_rows_are_grouped_by_range():
    text = (SPEC / "diagnostics.md").read_text(encoding="utf-8")
    section = None
    for line in text.splitlines():
        heading = re.match(r"^###\s+(E0\dxx)\b", line)
        if heading:
            section = heading.group(1)
        m = _CODE_ROW.match(line)
        if m:
            assert section is not None and m.group(1).startswith(section[:3]), \
                f"{m.group(1)} is listed under {section}"


def test_spec_mentions_only_registered_codes():
    for doc in sorted(SPEC.glob("*.md")):
        for code in re.findall(r"\bE\d{4}\b", doc.read_text(encoding="utf-8")):
            assert code in CODES, f"{doc.name} mentions {code}, which is not in CODES"


def lark_rules() -> list[str]:
    rules = []
    for line in GRAMMAR_LARK.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\??([a-z_]+):", line)
        if m:
            rules.append(m.group(1))
    return rules


def doc_rules() -> list[str]:
    """Rule definitions in spec/grammar.md: `name = ...` at the start of a line."""
    text = (SPEC / "grammar.md").read_text(encoding="utf-8")
    return re.findall(r"^([a-z_]+)\s+=(?!=)", text, flags=re.M)


def test_grammar_lark_has_rules():
    assert len(lark_rules()) > 20


@pytest.mark.parametrize("rule", lark_rules())
def test_every_lark_rule_is_defined_in_grammar_md(rule):
    assert rule in doc_rules(), f"rule `{rule}` of grammar.lark is not defined in spec/grammar.md"


def test_grammar_md_defines_no_extra_rule():
    defined = doc_rules()
    extra = sorted(set(defined) - set(lark_rules()))
    assert not extra, f"spec/grammar.md defines rules grammar.lark does not have: {extra}"
    twice = sorted({r for r in defined if defined.count(r) > 1})
    assert not twice, f"spec/grammar.md defines these rules more than once: {twice}"


def test_stdlib_table_matches_signatures():
    text = (SPEC / "types.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([A-Za-z]+\.[A-Za-z0-9]+)` \| `([^`]*)` \|", text, flags=re.M))
    for name, (tparams, ftype, _effect) in SIGNATURES.items():
        expected = (f"<{tparams}>" if tparams else "") + ftype
        assert name in rows, f"{name} is missing from the standard library table in spec/types.md"
        assert rows[name] == expected, f"{name}: spec has {rows[name]!r}, builtins.py has {expected!r}"
    extra = sorted(set(rows) - set(SIGNATURES))
    assert not extra, f"spec/types.md lists functions that are not in SIGNATURES: {extra}"


def test_annex_a_is_well_formed_csv():
    with (SPEC / "annex-a-gas-v5.1.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader if row]
    assert header == ["opcode", "name", "cost_beta_units", "category"]
    assert rows, "Annex A has no rows"
    opcodes = set()
    for row in rows:
        assert len(row) == 4, f"malformed Annex A row: {row}"
        opcode, name, cost, category = row
        assert re.fullmatch(r"OP_[A-Z0-9_]+", opcode), f"bad opcode {opcode!r}"
        assert opcode not in opcodes, f"{opcode} appears twice in Annex A"
        opcodes.add(opcode)
        assert name and category, f"{opcode}: empty name or category"
        assert re.fullmatch(r"[0-9]+", cost), f"{opcode}: cost {cost!r} is not a non-negative integer"
        int(cost)
    costs = {row[0]: int(row[2]) for row in rows}
    assert costs.get("OP_TAIL_CALL") == 0, "tail calls must cost 0 gas"
