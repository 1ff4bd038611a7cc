"""Linking the runtime prelude: a program gets exactly the declarations it reaches.

A VM's load and teardown cost grows with the functions its script holds, so `link`
leaves out what a program never reaches. Leaving out something it does reach would be a
ReferenceError at run time on whichever path needs it; these tests pin how the prelude is
split (nothing lost, every declared name found, checked against QuickJS itself) and
what gets pulled in.
"""

from __future__ import annotations

import json
import re

import quickjs
import pytest

from mtpscript.compiler import linker
from mtpscript.compiler.lowering import lower_program
from mtpscript.compiler.modules import check_source

TOKENS = sorted(set(re.findall(r"[A-Za-z_$][\w$]*", linker.PRELUDE)))


def _resolvable(setup: str) -> set[str]:
    """The prelude's identifiers that name something in a fresh context after `setup` ran."""
    ctx = quickjs.Context()
    ctx.eval(setup)
    probe = ("(function (names) { const found = [];"
             " for (const name of names) { try { (0, eval)(name); found.push(name); } catch (e) {} }"
             " return JSON.stringify(found); })(" + json.dumps(TOKENS) + ")")
    return set(json.loads(ctx.eval(probe)))


def _declared() -> set[str]:
    return {name for d in linker.split()[1] for name in d.names}


def test_splitting_loses_nothing() -> None:
    header, declarations = linker.split()
    assert "\n".join([header, *(d.text for d in declarations)]) == linker.PRELUDE
    assert header.startswith('"use strict";')


def test_the_declared_names_are_exactly_what_the_prelude_defines() -> None:
    # Run as a global script, every top-level function, const and let of the prelude is
    # a global binding: the identifiers that resolve afterwards and not before are its names.
    defined = _resolvable(linker.PRELUDE + "\n;0") - _resolvable("0")
    assert _declared() == defined
    names = [name for d in linker.split()[1] for name in d.names]
    assert len(names) == len(set(names)), "a name is declared twice"


def test_linking_everything_gives_the_whole_prelude_in_order() -> None:
    script = linker.link(" ".join(sorted(_declared())))
    assert linker.PRELUDE in script
    assert script.startswith('(function () {\n"use strict";')
    assert script.endswith("})();\n")


@pytest.mark.parametrize("reference, pulled_in", [
    # Through other declarations, transitively: $Decimal_add = $dadd -> $daddsub -> $DPOWN,
    # and the `for` statement that fills $DPOWN comes with it.
    ("$Decimal_add", ["function $dadd(", "function $daddsub(", "const $DPOWN = [];",
                      "for (let i = 0, p = 1n; i <= 64; i++, p *= 10n) $DPOWN.push(p);"]),
    # A name bound by a declaration that binds several brings the whole statement.
    ("$tier", ["var $G = 0, $L = 1, $D = 0, $tier = 2;"]),
    ("$V_Some", ["const $V_None = $descriptorFor(", "function $descriptorFor(", "function $Variant("]),
])
def test_a_reference_pulls_in_what_it_reaches(reference: str, pulled_in: list[str]) -> None:
    script = linker.link(reference)
    for text in pulled_in:
        assert text in script


def test_a_program_gets_only_the_helpers_it_reaches() -> None:
    def script(src: str) -> str:
        check = check_source(src, "link.mtp")
        assert not check.diagnostics, [str(d) for d in check.diagnostics]
        return lower_program(check)

    plain = script('api GET "/" { respond json({ "n": 1 + 2 }) }')
    money = script('api GET "/" { respond json(Decimal.toString(1.10 + 2.5)) }')
    assert "function $dadd(" not in plain and "function $List_map(" not in plain
    assert "function $dadd(" in money and "function $List_map(" not in money
    for js in (plain, money):      # what every request runs
        for helper in ("function $entry(", "function $run(", "function $json(", "function $gx("):
            assert helper in js
    # Same program, same script (deterministic output).
    assert script('api GET "/" { respond json({ "n": 1 + 2 }) }') == plain
