"""Semantic types, unification variables and their display.

Types are immutable except TVar, whose `ref` is set once when unification binds it.
Unions are nominal: a TCon naming a union carries its UnionInfo.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from itertools import count

from .diagnostics import Span


class Type:
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class TCon(Type):
    """number, boolean, string, Decimal, Unit, Response, List<T>, Map<K, V> or a union."""
    name: str
    args: tuple[Type, ...] = ()
    union: "UnionInfo | None" = field(default=None, compare=False, hash=False)

    def key(self):
        """Identity for unification: unions are nominal by name and variant list (spec/modules.md)."""
        return f"{self.name}#{self.union.content_hash}" if self.union is not None else self.name


@dataclass(frozen=True, slots=True)
class TRecord(Type):
    fields: tuple[tuple[str, Type], ...]   # sorted by name
    alias: str | None = field(default=None, compare=False, hash=False)   # a name to show it by

    def get(self, name: str) -> Type | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class TFun(Type):
    params: tuple[Type, ...]
    result: Type


@dataclass(frozen=True, slots=True)
class TParam(Type):
    """A declared type parameter inside a generic signature (replaced when instantiated)."""
    name: str


_ids = count(1)


@dataclass(eq=False, slots=True)
class TVar(Type):
    id: int = field(default_factory=lambda: next(_ids))
    ref: Type | None = None


NUMBER, BOOLEAN, STRING, DECIMAL = TCon("number"), TCon("boolean"), TCon("string"), TCon("Decimal")
UNIT, RESPONSE = TCon("Unit"), TCon("Response")
ERROR = TCon("?")   # the type of an expression already reported as wrong; unifies with anything


def list_of(t: Type) -> TCon:
    return TCon("List", (t,))


def map_of(k: Type, v: Type) -> TCon:
    return TCon("Map", (k, v))


@dataclass(eq=False)
class VariantInfo:
    name: str
    union: "UnionInfo"
    field_names: list[str | None]
    field_types: list[Type]          # may mention the union's TParams
    span: Span | None = None


@dataclass(eq=False)
class UnionInfo:
    name: str
    params: list[str]
    module: str
    variants: dict[str, VariantInfo] = field(default_factory=dict)
    span: Span | None = None
    content_hash: str = ""

    @property
    def qualified(self) -> str:
        return f"{self.module}::{self.name}"

    def compute_hash(self) -> str:
        """SHA-256 (16 hex digits) over the canonical variant list; see spec/modules.md."""
        parts = [self.name + "<" + ",".join(self.params) + ">"]
        for v in self.variants.values():
            fields = ",".join((f"{n}:" if n else "") + show(t) for n, t in zip(v.field_names, v.field_types))
            parts.append(f"{v.name}({fields})")
        self.content_hash = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
        return self.content_hash


def prune(t: Type) -> Type:
    """Follow bound type variables (with path compression)."""
    while isinstance(t, TVar) and t.ref is not None:
        if isinstance(t.ref, TVar) and t.ref.ref is not None:
            t.ref = t.ref.ref
        t = t.ref
    return t


def resolve(t: Type) -> Type:
    """Deeply replace bound type variables by what they are bound to."""
    t = prune(t)
    if isinstance(t, TCon) and t.args:
        return TCon(t.name, tuple(resolve(a) for a in t.args), t.union)
    if isinstance(t, TRecord):
        return TRecord(tuple((k, resolve(v)) for k, v in t.fields), t.alias)
    if isinstance(t, TFun):
        return TFun(tuple(resolve(p) for p in t.params), resolve(t.result))
    return t


def substitute(t: Type, mapping: dict[str, Type]) -> Type:
    """Replace TParams by name."""
    if not mapping:
        return t
    if isinstance(t, TParam):
        return mapping.get(t.name, t)
    if isinstance(t, TCon) and t.args:
        return TCon(t.name, tuple(substitute(a, mapping) for a in t.args), t.union)
    if isinstance(t, TRecord):
        return TRecord(tuple((k, substitute(v, mapping)) for k, v in t.fields))
    if isinstance(t, TFun):
        return TFun(tuple(substitute(p, mapping) for p in t.params), substitute(t.result, mapping))
    return t


def contains_function(t: Type, seen: frozenset = frozenset()) -> bool:
    """Whether a value of type t may hold a function (unions are followed through their variants)."""
    t = prune(t)
    if isinstance(t, TFun):
        return True
    if isinstance(t, TRecord):
        return any(contains_function(v, seen) for _, v in t.fields)
    if isinstance(t, TCon):
        if any(contains_function(a, seen) for a in t.args):
            return True
        if t.union is not None and t.union.qualified not in seen:
            inner = seen | {t.union.qualified}
            mapping = dict(zip(t.union.params, t.args))
            return any(contains_function(substitute(ft, mapping), inner)
                       for v in t.union.variants.values() for ft in v.field_types)
    return False


def show(t: Type) -> str:
    """The type as a user would write it; unknowns print as `?`."""
    t = prune(t)
    if isinstance(t, TCon):
        return t.name + ("<" + ", ".join(show(a) for a in t.args) + ">" if t.args else "")
    if isinstance(t, TRecord) and t.alias:
        return t.alias
    if isinstance(t, TRecord):
        return "{ " + ", ".join(f"{k}: {show(v)}" for k, v in t.fields) + " }" if t.fields else "{}"
    if isinstance(t, TFun):
        return "(" + ", ".join(show(p) for p in t.params) + ") => " + show(t.result)
    if isinstance(t, TParam):
        return t.name
    return "?"
