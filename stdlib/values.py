"""The Python representation of MTPScript values, shared by the reference interpreter,
the VM bridge and the rest of :mod:`mtpscript.stdlib`.

========================  ===============================================================
MTPScript                 Python
========================  ===============================================================
``number``                ``int`` (always inside the signed 64-bit range)
``boolean``               ``bool``
``string``                ``str`` (Unicode scalar values; no lone surrogates)
``Decimal``               ``decimal.Decimal``, always a finite value of the domain of
                          :mod:`mtpscript.stdlib.decimal128` (values produced by the
                          library are in canonical plain form: exponent ``<= 0``, no
                          trailing fractional zeros, no negative zero)
``List<T>``               ``tuple``
``Unit``                  ``None``
records                   :class:`Record` — immutable mapping field name -> value
unions (incl. ``Option``, :class:`Variant` ``(union, name, fields, field_names)``;
``Result``, ``Json``,     ``field_names`` is ``None`` for all-positional variants, or a
``DecimalError``)         tuple of ``str | None`` (one per field) when fields are named
``Map<K, V>``             :class:`MtpMap` — immutable, entries in canonical key order
========================  ===============================================================

Equality (``==``) of :class:`Record`, :class:`Variant` and :class:`MtpMap` is
structural and by value (``Decimal`` ``1.50 == 1.5``; ``bool`` is never equal to
``int``), and it is computed iteratively, so arbitrarily deep values (a ``Cons`` list
of a million cells) neither recurse nor hit Python's recursion limit.  Python
``hash()`` is consistent with it (and also iterative).

Map key order (LANGUAGE.md §6): entries are ordered by the key's *type tag*
(:func:`type_tag`: Unit 0, boolean 1, number 2, Decimal 3, string 4, List 5, record 6,
union 7, Map 8 — within one well-typed map all keys share a tag), then by the FNV-1a 64
hash of the key's canonical CBOR (:mod:`mtpscript.stdlib.cbor`) as an unsigned
integer, then by those CBOR bytes.  Two keys are the same key exactly when their
canonical CBOR bytes are equal, which for keys of one type is structural equality.
Insertion order never matters.  A function (any ``callable``) as a key is refused with
``TypeError``; the checker rejects it statically (E0218).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

__all__ = [
    "INT64_MIN", "INT64_MAX", "Record", "Variant", "MtpMap",
    "some", "NONE", "ok", "err", "is_some", "is_ok",
    "json_null", "json_bool", "json_int", "json_decimal", "json_string", "json_array", "json_object",
    "type_tag", "structural_equal", "structural_hash", "check_int64",
    "MAX_NESTING", "too_deep", "exceeds_nesting", "check_nesting",
]

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

#: The value nesting limit (spec/execution.md section 4.1): the longest chain of composites
#: (list, record, Map, union value with fields, closure) containing one another.  A traversal
#: reaching a composite at level MAX_NESTING + 1 stops the request with ValueTooDeep.
MAX_NESTING = 256


def check_int64(n: int, what: str = "number") -> int:
    """Return ``n`` if it is an ``int`` (not ``bool``) in the int64 range.

    Out of range -> ``MtpRuntimeError("IntegerOverflow")``; not an int -> ``TypeError``.
    """
    if type(n) is not int:
        raise TypeError(f"{what} must be an int, not {type(n).__name__}")
    if not INT64_MIN <= n <= INT64_MAX:
        from .errors import MtpRuntimeError
        raise MtpRuntimeError("IntegerOverflow", {"reason": f"{what} outside the 64-bit range"})
    return n


class Record(Mapping):
    """An immutable record value: field name -> value.

    ``Record({"a": 1})`` or ``Record(a=1)``.  Iteration is in code-point order of the
    field names (never insertion order); equality is structural.
    """

    __slots__ = ("_fields", "_hash")

    def __init__(self, fields: Mapping[str, Any] | Iterable[tuple[str, Any]] = (), /, **kw: Any) -> None:
        d = dict(fields)
        d.update(kw)
        for k in d:
            if type(k) is not str:
                raise TypeError(f"record field names are strings, not {type(k).__name__}")
        object.__setattr__(self, "_fields", dict(sorted(d.items())))
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: str) -> Any:
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __contains__(self, key: object) -> bool:
        return key in self._fields

    def with_field(self, name: str, value: Any) -> "Record":
        """A copy with ``name`` set to ``value`` (record update)."""
        d = dict(self._fields)
        d[name] = value
        return Record(d)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Record is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return structural_equal(self, other)

    def __hash__(self) -> int:
        return structural_hash(self)

    def __repr__(self) -> str:
        return f"Record({self._fields!r})"


class Variant:
    """A value of a tagged union: ``Variant(union, name, fields=(), field_names=None)``.

    ``Option``: ``Variant("Option", "Some", (x,))`` / ``Variant("Option", "None", ())``;
    ``Result``: ``Ok``/``Err``; ``Json``: ``JsonNull``, ``JsonBool``, ``JsonInt``,
    ``JsonDecimal``, ``JsonString``, ``JsonArray`` (a tuple of Json), ``JsonObject``
    (an :class:`MtpMap` of str -> Json).  ``field_names`` does not take part in
    equality or hashing (it only matters for the JSON encoding).
    """

    __slots__ = ("union", "name", "fields", "field_names", "_hash")

    def __init__(self, union: str, name: str, fields: tuple = (), field_names: tuple | None = None) -> None:
        if type(union) is not str or type(name) is not str:
            raise TypeError("Variant union and name are strings")
        if type(fields) is not tuple:
            raise TypeError("Variant fields must be a tuple")
        if field_names is not None:
            field_names = tuple(field_names)
            if len(field_names) != len(fields) or any(n is not None and type(n) is not str for n in field_names):
                raise TypeError("field_names must give one str | None per field")
            if all(n is None for n in field_names):
                field_names = None
        object.__setattr__(self, "union", union)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "field_names", field_names)
        object.__setattr__(self, "_hash", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Variant is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Variant):
            return NotImplemented
        return structural_equal(self, other)

    def __hash__(self) -> int:
        return structural_hash(self)

    def __repr__(self) -> str:
        if self.field_names is not None:
            return f"Variant({self.union!r}, {self.name!r}, {self.fields!r}, {self.field_names!r})"
        return f"Variant({self.union!r}, {self.name!r}, {self.fields!r})"


# -- prelude constructors --------------------------------------------------------------

NONE = Variant("Option", "None", ())


def some(x: Any) -> Variant:
    return Variant("Option", "Some", (x,))


def ok(x: Any) -> Variant:
    return Variant("Result", "Ok", (x,))


def err(e: Any) -> Variant:
    return Variant("Result", "Err", (e,))


def is_some(v: Variant) -> bool:
    return v.union == "Option" and v.name == "Some"


def is_ok(v: Variant) -> bool:
    return v.union == "Result" and v.name == "Ok"


def json_null() -> Variant:
    return Variant("Json", "JsonNull", ())


def json_bool(b: bool) -> Variant:
    if type(b) is not bool:
        raise TypeError("JsonBool needs a bool")
    return Variant("Json", "JsonBool", (b,))


def json_int(n: int) -> Variant:
    return Variant("Json", "JsonInt", (check_int64(n),))


def json_decimal(d: Decimal) -> Variant:
    if type(d) is not Decimal:
        raise TypeError("JsonDecimal needs a decimal.Decimal")
    return Variant("Json", "JsonDecimal", (d,))


def json_string(s: str) -> Variant:
    if type(s) is not str:
        raise TypeError("JsonString needs a str")
    return Variant("Json", "JsonString", (s,))


def json_array(items: Iterable[Variant]) -> Variant:
    return Variant("Json", "JsonArray", (tuple(items),))


def json_object(entries: "MtpMap | Iterable[tuple[str, Variant]] | Mapping[str, Variant]") -> Variant:
    if not isinstance(entries, MtpMap):
        if isinstance(entries, Mapping):
            entries = entries.items()
        entries = MtpMap.from_pairs(entries)
    return Variant("Json", "JsonObject", (entries,))


# -- type tags and Map keys --------------------------------------------------------------

_TAGS: dict[type, int] = {type(None): 0, bool: 1, int: 2, Decimal: 3, str: 4, tuple: 5}


def type_tag(v: Any) -> int:
    """The §6 type tag of a value (first component of the Map key order)."""
    t = _TAGS.get(type(v))
    if t is not None:
        return t
    if type(v) is Record:
        return 6
    if type(v) is Variant:
        return 7
    if type(v) is MtpMap:
        return 8
    if callable(v):
        raise TypeError("functions cannot be Map keys or hashed")
    raise TypeError(f"not an MTPScript data value: {type(v).__name__}")


def _key_entry(k: Any) -> tuple[tuple[int, int, bytes], bytes]:
    """(sort key, identity bytes) of a Map key."""
    global _map_sort_key
    if _map_sort_key is None:
        from .hashing import map_sort_key as _map_sort_key
    if callable(k) and type(k) not in (Record, Variant, MtpMap):
        raise TypeError("functions cannot be Map keys")
    sk = _map_sort_key(k)
    return sk, sk[2]


_map_sort_key = None  # mtpscript.stdlib.hashing.map_sort_key, imported on first use (cycle)


class MtpMap:
    """An immutable MTPScript ``Map<K, V>`` with entries in canonical key order.

    ``set``/``remove`` return new maps; ``get`` returns an ``Option`` (like
    ``Map.get``); ``keys``/``values``/``items`` return tuples in key order.
    """

    __slots__ = ("_entries", "_order", "_hash")

    def __init__(self) -> None:
        # canonical CBOR of the key -> (sort key, key, value)
        object.__setattr__(self, "_entries", {})
        object.__setattr__(self, "_order", ())
        object.__setattr__(self, "_hash", None)

    @classmethod
    def empty(cls) -> "MtpMap":
        return cls()

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[Any, Any]]) -> "MtpMap":
        """Build a map from (key, value) pairs; a later pair for an equal key wins."""
        entries: dict[bytes, tuple] = {}
        for k, v in pairs:
            sk, ident = _key_entry(k)
            entries[ident] = (sk, k, v)
        return cls._make(entries)

    @classmethod
    def _make(cls, entries: dict[bytes, tuple]) -> "MtpMap":
        m = cls.__new__(cls)
        object.__setattr__(m, "_entries", entries)
        object.__setattr__(m, "_order", None)
        object.__setattr__(m, "_hash", None)
        return m

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("MtpMap is immutable")

    def _ordered(self) -> tuple:
        order = self._order
        if order is None:
            order = tuple(sorted(self._entries.values(), key=lambda e: e[0]))
            object.__setattr__(self, "_order", order)
        return order

    # -- the Map operations of LANGUAGE.md §12 --
    def set(self, key: Any, value: Any) -> "MtpMap":
        sk, ident = _key_entry(key)
        entries = dict(self._entries)
        entries[ident] = (sk, key, value)
        return MtpMap._make(entries)

    def get(self, key: Any) -> Variant:
        e = self._entries.get(_key_entry(key)[1])
        return NONE if e is None else some(e[2])

    def lookup(self, key: Any, default: Any = None) -> Any:
        """Python convenience: the value for ``key`` or ``default``."""
        e = self._entries.get(_key_entry(key)[1])
        return default if e is None else e[2]

    def remove(self, key: Any) -> "MtpMap":
        ident = _key_entry(key)[1]
        if ident not in self._entries:
            return self
        entries = dict(self._entries)
        del entries[ident]
        return MtpMap._make(entries)

    def has(self, key: Any) -> bool:
        return _key_entry(key)[1] in self._entries

    def keys(self) -> tuple:
        return tuple(e[1] for e in self._ordered())

    def values(self) -> tuple:
        return tuple(e[2] for e in self._ordered())

    def items(self) -> tuple:
        return tuple((e[1], e[2]) for e in self._ordered())

    def size(self) -> int:
        return len(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        try:
            return self.has(key)
        except TypeError:
            return False

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MtpMap):
            return NotImplemented
        return structural_equal(self, other)

    def __hash__(self) -> int:
        return structural_hash(self)

    def __repr__(self) -> str:
        return "MtpMap({" + ", ".join(f"{k!r}: {v!r}" for k, v in self.items()) + "})"


# -- iterative structural equality and hashing ------------------------------------------

def structural_equal(a: Any, b: Any) -> bool:
    """Structural, by-value equality of two MTPScript values, without recursion."""
    stack = [(a, b)]
    pop, extend = stack.pop, stack.extend
    while stack:
        x, y = pop()
        if x is y:
            continue
        tx = type(x)
        if tx is not type(y):
            return False
        if tx is tuple:
            if len(x) != len(y):
                return False
            extend(zip(x, y))
        elif tx is Variant:
            if x.name != y.name or x.union != y.union or len(x.fields) != len(y.fields):
                return False
            if x._hash is not None and y._hash is not None and x._hash != y._hash:
                return False
            extend(zip(x.fields, y.fields))
        elif tx is Record:
            fx, fy = x._fields, y._fields
            if fx.keys() != fy.keys():
                return False
            if x._hash is not None and y._hash is not None and x._hash != y._hash:
                return False
            extend((fx[k], fy[k]) for k in fx)
        elif tx is MtpMap:
            ex, ey = x._entries, y._entries
            if ex.keys() != ey.keys():
                return False
            extend((ex[k][2], ey[k][2]) for k in ex)
        elif not (x == y):
            return False
    return True


def _children(x: Any) -> tuple:
    t = type(x)
    if t is tuple:
        return x
    if t is Variant:
        return x.fields
    if t is Record:
        return tuple(x._fields.values())
    return tuple(e[2] for e in x._ordered())  # MtpMap


def _header(x: Any) -> Any:
    t = type(x)
    if t is tuple:
        return ("List", len(x))
    if t is Variant:
        return ("Variant", x.union, x.name)
    if t is Record:
        return ("Record",) + tuple(x._fields)
    return ("Map",) + tuple(e[0][2] for e in x._ordered())


_CONTAINERS = (tuple, Variant, Record, MtpMap)


def structural_hash(v: Any) -> int:
    """Python ``hash`` consistent with :func:`structural_equal`, computed iteratively."""
    if type(v) not in _CONTAINERS:
        return hash(v)
    results: list[int] = []
    stack: list[tuple[Any, bool]] = [(v, False)]
    while stack:
        x, done = stack.pop()
        t = type(x)
        if t not in _CONTAINERS:
            results.append(hash(x))
            continue
        if t is not tuple and x._hash is not None:
            results.append(x._hash)
            continue
        kids = _children(x)
        if not done:
            stack.append((x, True))
            stack.extend((c, False) for c in reversed(kids))
            continue
        n = len(kids)
        vals = tuple(results[len(results) - n:]) if n else ()
        if n:
            del results[len(results) - n:]
        h = hash((_header(x), vals))
        if t is not tuple:
            object.__setattr__(x, "_hash", h)
        results.append(h)
    return results[0]


# -- the value nesting limit -------------------------------------------------------------

def too_deep():
    """The ``ValueTooDeep`` error (spec/execution.md section 4.1)."""
    from .errors import MtpRuntimeError
    return MtpRuntimeError("ValueTooDeep", {"limit": MAX_NESTING})


def exceeds_nesting(v: Any, level: int = 1) -> bool:
    """Whether ``v``, placed at nesting level ``level`` (1: a value on its own), holds a
    composite — list, record, Map or union value with fields — at a level beyond
    :data:`MAX_NESTING`.  Iterative: any depth is fine."""
    t = type(v)
    if t not in _CONTAINERS or (t is Variant and not v.fields):
        return False
    stack = [(v, level)]
    pop, push = stack.pop, stack.append
    while stack:
        x, d = pop()
        if d > MAX_NESTING:
            return True
        t = type(x)
        if t is tuple:
            kids = x
        elif t is Variant:
            kids = x.fields
        elif t is Record:
            kids = x._fields.values()
        else:  # MtpMap: keys and values
            kids = [c for e in x._entries.values() for c in (e[1], e[2])]
        d += 1
        for c in kids:
            tc = type(c)
            if tc in _CONTAINERS and (tc is not Variant or c.fields):
                push((c, d))
    return False


def check_nesting(v: Any, level: int = 1) -> Any:
    """``v`` itself, or ``ValueTooDeep`` when :func:`exceeds_nesting`."""
    if exceeds_nesting(v, level):
        raise too_deep()
    return v
