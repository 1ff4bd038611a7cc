"""The wire format: how MTPScript values cross between the host (Python) and the VM (JS).

A value is sent as JSON text (compiler/prelude.js has the JS half, `$toWire`/`$fromWire`):

====================  ==========================================================
value                 wire JSON
====================  ==========================================================
number                ``{"n": "<decimal digits>"}`` (exact int64; never a JSON number)
string, boolean       themselves
Unit                  ``null``
Decimal               ``{"d": "<canonical plain form>"}``
List                  an array
record                ``{"r": {field: value, ...}}``
union value           ``{"u": union, "v": variant, "k": [field names] | null, "f": [...]}``
Map                   ``{"m": [[key, value], ...], "k": [sort key, ...]}`` in key order
====================  ==========================================================

A Map's sort key is the hex of its type tag, FNV-1a 64 and canonical CBOR
(spec/runtime.md §3), so the VM keeps entries ordered by comparing strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mtpscript.stdlib import decimal128
from mtpscript.stdlib.hashing import map_sort_key
from mtpscript.stdlib.values import MAX_NESTING, MtpMap, Record, Variant, too_deep


def sort_key_hex(key: Any) -> str:
    tag, fnv, cbor = map_sort_key(key)
    return f"{tag:02x}{fnv:016x}{cbor.hex()}"


def to_wire(v: Any, level: int = 1) -> Any:
    """The wire form of a value at nesting level ``level`` (1: a value on its own).

    A composite nested deeper than MAX_NESTING is refused with ``ValueTooDeep``
    (spec/execution.md section 4.1) before the recursion could approach Python's limit."""
    if isinstance(v, bool) or isinstance(v, str) or v is None:
        return v
    if isinstance(v, int):
        return {"n": str(v)}
    if isinstance(v, Decimal):
        return {"d": decimal128.to_string(v)}
    if isinstance(v, Variant):
        if v.fields and level > MAX_NESTING:
            raise too_deep()
        names = list(v.field_names) if v.field_names else None
        return {"u": v.union, "v": v.name, "k": names, "f": [to_wire(x, level + 1) for x in v.fields]}
    if level > MAX_NESTING and isinstance(v, (tuple, Record, MtpMap)):
        raise too_deep()
    level += 1
    if isinstance(v, tuple):
        return [to_wire(x, level) for x in v]
    if isinstance(v, Record):
        return {"r": {k: to_wire(v[k], level) for k in v}}
    if isinstance(v, MtpMap):
        items = v.items()
        return {"m": [[to_wire(k, level), to_wire(x, level)] for k, x in items],
                "k": [sort_key_hex(k) for k, _ in items]}
    raise TypeError(f"not an MTPScript data value: {type(v).__name__}")


def from_wire(w: Any) -> Any:
    if w is None or isinstance(w, (bool, str)):
        return w
    if isinstance(w, list):
        return tuple(from_wire(x) for x in w)
    if "n" in w:
        return int(w["n"])
    if "d" in w:
        return Decimal(w["d"])
    if "u" in w:
        names = tuple(w["k"]) if w.get("k") else None
        return Variant(w["u"], w["v"], tuple(from_wire(x) for x in w["f"]), names)
    if "m" in w:
        return MtpMap.from_pairs((from_wire(k), from_wire(x)) for k, x in w["m"])
    return Record({k: from_wire(x) for k, x in w["r"].items()})
