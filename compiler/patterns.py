"""Match analysis: exhaustiveness (with witnesses) and unreachable arms.

Works on a small pattern language the checker produces after typing a pattern:
WILD; Ctor(name, args) for union variants, booleans and records (a record is
the single constructor "{...}" of its type); Lit(value) for number, string and
Decimal literals, whose domain is infinite. This is the classic "usefulness"
algorithm (Maranget, "Warnings for pattern matching", 2007).
"""

from __future__ import annotations

from dataclasses import dataclass

from .types import TCon, TRecord, Type, prune, substitute

MAX_WITNESSES = 4


@dataclass(frozen=True, slots=True)
class Wild:
    pass


@dataclass(frozen=True, slots=True)
class Ctor:
    name: str
    args: tuple


@dataclass(frozen=True, slots=True)
class Lit:
    value: object


WILD = Wild()
Pat = Wild | Ctor | Lit


def constructors(t: Type) -> list[tuple[str, list[Type]]] | None:
    """The complete constructor set of a type with each constructor's field types; None if infinite."""
    t = prune(t)
    if isinstance(t, TCon) and t.union is not None:
        mapping = dict(zip(t.union.params, t.args))
        return [(v.name, [substitute(ft, mapping) for ft in v.field_types]) for v in t.union.variants.values()]
    if t == TCon("boolean"):
        return [("true", []), ("false", [])]
    if isinstance(t, TRecord):
        return [("{...}", [ft for _, ft in t.fields])]
    return None


def _field_types(t: Type, name: str, arity: int) -> list[Type]:
    for ctor, types in constructors(t) or ():
        if ctor == name:
            return types
    return [TCon("?")] * arity


def _specialize(rows: list[list[Pat]], name: str, arity: int) -> list[list[Pat]]:
    out = []
    for row in rows:
        head = row[0]
        if isinstance(head, Wild):
            out.append([WILD] * arity + row[1:])
        elif isinstance(head, Ctor) and head.name == name:
            out.append(list(head.args) + row[1:])
    return out


def _specialize_lit(rows: list[list[Pat]], value) -> list[list[Pat]]:
    return [row[1:] for row in rows if isinstance(row[0], Wild) or (isinstance(row[0], Lit) and row[0].value == value)]


def _default(rows: list[list[Pat]]) -> list[list[Pat]]:
    return [row[1:] for row in rows if isinstance(row[0], Wild)]


def useful(rows: list[list[Pat]], vector: list[Pat], types: list[Type]) -> bool:
    """Whether some value matches `vector` but no row of `rows`."""
    if not vector:
        return not rows
    head, ty, rest = vector[0], types[0], types[1:]
    if isinstance(head, Ctor):
        sub = _field_types(ty, head.name, len(head.args))
        return useful(_specialize(rows, head.name, len(head.args)), list(head.args) + vector[1:], sub + rest)
    if isinstance(head, Lit):
        return useful(_specialize_lit(rows, head.value), vector[1:], rest)
    domain = constructors(ty)
    used = {row[0].name for row in rows if isinstance(row[0], Ctor)}
    if domain is not None and all(name in used for name, _ in domain):
        return any(useful(_specialize(rows, name, len(sub)), [WILD] * len(sub) + vector[1:], sub + rest)
                   for name, sub in domain)
    return useful(_default(rows), vector[1:], rest)


def missing(rows: list[list[Pat]], types: list[Type]) -> list[list[str]]:
    """Up to MAX_WITNESSES rows of patterns (as source text) that no row matches."""
    if not types:
        return [] if rows else [[]]
    ty, rest = types[0], types[1:]
    domain = constructors(ty)
    used = {row[0].name for row in rows if isinstance(row[0], Ctor)}
    out: list[list[str]] = []
    if domain is not None and any(name in used for name, _ in domain):
        for name, sub in domain:
            for w in missing(_specialize(rows, name, len(sub)), sub + rest):
                out.append([_render(name, w[:len(sub)], ty)] + w[len(sub):])
                if len(out) >= MAX_WITNESSES:
                    return out
        return out
    tails = missing(_default(rows), rest)
    return [["_"] + w for w in tails][:MAX_WITNESSES]


def _render(name: str, args: list[str], ty: Type) -> str:
    t = prune(ty)
    if isinstance(t, TRecord):
        shown = [f"{k}: {a}" for (k, _), a in zip(t.fields, args) if a != "_"]
        return "{ " + ", ".join(shown) + " }" if shown else "{}"
    return name + ("(" + ", ".join(args) + ")" if args else "")
