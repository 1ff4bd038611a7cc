"""Linking: the JavaScript runtime prelude (prelude.js, then decimal.js) and a lowered program.

`link` wraps a lowered program in one function scope with the prelude declarations the
program reaches, directly or through other declarations, in the prelude's own order;
the rest is left out. Loading and freeing a VM costs in proportion to the functions it
holds, so a program that uses no Decimal, Map or String helper does not pay for them
(spec/execution.md section 13).

A declaration is a line at column 0 that starts with `function`, `class`, `const`, `let` or `var`,
with the comment lines just above it and every following line up to the next one (a
column-0 statement such as a `for` that fills a table belongs to the declaration above
it). What a declaration needs is every identifier in its text: comments and strings
included, so the selection can only err on the side of keeping too much.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

SOURCES = ("prelude.js", "decimal.js")
#: The whole prelude, as written (tests of the helpers load it unlinked).
PRELUDE = "\n".join(resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
                    for name in SOURCES)

_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_DECLARATION_START = re.compile(r"(function|class|const|let|var)\s")
_NAMED = re.compile(r"(?:function|class)\s+([\w$]+)")
_BINDING = re.compile(r"\s*([\w$]+)\s*=")


@dataclass(frozen=True)
class Declaration:
    names: frozenset[str]     # what it defines
    text: str                 # its lines, comments above it included
    needs: frozenset[str]     # every identifier in the text


def _bound_names(statement: str) -> list[str]:
    """The names a `const`/`let`/`var` statement binds: the `NAME =` of each top-level comma part."""
    names: list[str] = []
    depth, quote, start = 0, "", statement.index(" ") + 1
    for i, ch in enumerate(statement):
        if quote:
            quote = "" if ch == quote and statement[i - 1] != "\\" else quote
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch in ",;":
            names.append(_BINDING.match(statement, start).group(1))
            start = i + 1
            if ch == ";":
                return names
    raise ValueError(f"prelude: unterminated declaration {statement[:60]!r}")


def _declaration(lines: list[str]) -> Declaration:
    text = "\n".join(lines)
    first = next(line for line in lines if not line.startswith("//"))
    named = _NAMED.match(first)
    if named:
        names = [named.group(1)]
    else:
        names = _bound_names(text[text.index(first):])
    return Declaration(frozenset(names), text, frozenset(_IDENTIFIER.findall(text)))


@cache
def split() -> tuple[str, tuple[Declaration, ...]]:
    """The prelude's header (the lines before its first declaration) and its declarations."""
    header: list[str] = []
    groups: list[list[str]] = []
    comments: list[str] = []
    for line in PRELUDE.split("\n"):
        if _DECLARATION_START.match(line):
            groups.append(comments + [line])
            comments = []
        elif line.startswith("//"):
            comments.append(line)
        else:
            (groups[-1] if groups else header).extend(comments + [line])
            comments = []
    if comments:
        groups[-1].extend(comments)
    return "\n".join(header), tuple(_declaration(group) for group in groups)


def link(program: str) -> str:
    """The script for a lowered program: one function scope, the prelude it needs, the program."""
    header, declarations = split()
    needed = set(_IDENTIFIER.findall(program))
    kept = [False] * len(declarations)
    grew = True
    while grew:
        grew = False
        for i, declaration in enumerate(declarations):
            if not kept[i] and declaration.names & needed:
                kept[i] = grew = True
                needed |= declaration.needs
    # QuickJS reads a closure variable faster than a global one (3-7 % on call-heavy
    # code); the program exports what the host calls itself (`globalThis.$main = ...`).
    return "\n".join(["(function () {", header,
                      *(d.text for d, keep in zip(declarations, kept) if keep),
                      program, "})();", ""])
