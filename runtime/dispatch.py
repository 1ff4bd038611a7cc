"""Request/response plumbing shared by both execution paths (pure Python, no VM).

spec/execution.md §6 (error shapes) and §8 (requests and responses) are normative;
this module is their implementation, used by the reference interpreter
(runtime/reference.py) and by the QuickJS path (runtime/vm.py) alike, so both give
the same bytes for routing, body decoding and error responses.

* :class:`Request` / :class:`Response` — a request ``(method, path, query, headers,
  body bytes)`` and a response ``(status, headers, body bytes)``;
  :meth:`Response.envelope` is the canonical JSON record of a finished request.
* :func:`error_response` — a canonical JSON error body ``{"error": ..., ...}``.
* :func:`split_target` — ``"/a/b?x=1&y=2"`` -> ``("/a/b", {"x": "1", "y": "2"})``.
* :func:`select_route` — exact method, segment-wise path match, most specific route
  wins (at the first position where two routes differ, a literal segment beats a
  parameter), parameters percent-decoded, one trailing slash ignored.
* :func:`request_value` — the ``request`` record a handler sees.
* :func:`decode_body` — a body decoded and validated against the route's body type,
  or :class:`BadRequest` naming the JSON path of the offending field.

Decisions where the spec is silent (kept here so that both paths share them):

* Paths: a request path must start with ``/``; one trailing ``/`` is ignored; an
  empty segment (``//``) matches nothing.  Segments are percent-decoded (UTF-8,
  invalid sequences become U+FFFD) *before* they are compared with literal route
  segments.  ``+`` is not a space, neither in paths nor in queries.
* Query strings: pairs separated by ``&``, empty pieces skipped, a piece without
  ``=`` has the value ``""``, keys and values percent-decoded, the last value wins.
* Headers: names lower-cased; when two names differ only in case, the later one
  (in the dict's order) wins.
* Body decoding (``(body: T)``): the body must first parse as ``Json`` (it is
  ``request.body``), so anything ``Json.parse`` rejects — invalid UTF-8, duplicate
  keys, an integer outside int64 (even for a ``Decimal`` field), a number outside
  the Decimal domain — is a 400 at field ``$``.  Then, type-directed:

  - ``number``: a JSON integer (``JsonInt``); ``1.0`` is not an integer;
  - ``Decimal``: any JSON number of the Decimal domain (``JsonInt`` or
    ``JsonDecimal``); JSON strings are not accepted;
  - ``boolean``, ``string``: the JSON boolean / string;
  - ``List<T>``: an array; ``Map<string, V>``: an object; ``Map<K, V>`` with other
    keys: an array of ``[key, value]`` pairs (the canonical writer's encoding);
  - records: an object with exactly the record's fields — a missing field is an
    error unless its type is ``Option<...>`` (then ``None``); declared fields are
    checked first, in code-point order of their names, then unknown fields (also in
    code-point order) are reported;
  - ``Option<T>``: ``null`` is ``None``, anything else is ``Some`` of a ``T``;
  - ``Result<T, E>``: ``{"ok": t}`` or ``{"err": e}``;
  - ``Json``: any JSON; ``Unit``: ``null``;
  - other unions, by the JSON encoding of spec/runtime.md §4: a variant without fields
    is its name as a string; a variant with fields is ``{"Name": payload}`` where the
    payload is an object with exactly the field names when every field is named, the
    single value when there is one (positional) field, else an array of exactly the
    fields.

* Nesting (spec/execution.md §4.1): ``request`` is a record holding the body, so the
  body may be nested at most MAX_NESTING - 1 levels.  ``request.body`` (Json) is refused
  beyond ``json_codec.MAX_DEPTH`` (127) nested arrays/objects, the typed body when a
  composite of it would sit deeper than MAX_NESTING counting the request record as level
  1; either way a 400 ``BadRequest`` whose field is the path of the first composite
  beyond the limit.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from mtpscript.compiler.types import TCon, TRecord, Type, prune, show, substitute
from mtpscript.stdlib import decimal128, json_codec
from mtpscript.stdlib.values import MAX_NESTING, NONE, MtpMap, Record, Variant, err, ok, some, exceeds_nesting

__all__ = [
    "Request", "Response", "BadRequest", "error_response", "TOO_DEEP", "split_target", "select_route",
    "request_value", "decode_body", "decode_json", "parse_body", "JSON_TYPE", "TEXT_TYPE",
]

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"


# ---------------------------------------------------------------- requests and responses
@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def from_target(cls, method: str, target: str, headers: dict[str, str] | None = None,
                    body: bytes = b"") -> "Request":
        """A request from a request target such as ``/a/b?x=1``."""
        path, query = split_target(target)
        return cls(method, path, query, dict(headers or {}), body)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def text(self) -> str:
        return self.body.decode("utf-8")

    def envelope(self, gas_used: int, gas_limit: int) -> bytes:
        """Canonical JSON ``{"body", "gasLimit", "gasUsed", "headers", "sha256", "status"}``."""
        return json_codec.to_canonical_json(Record({
            "body": self.body.decode("utf-8"),
            "gasLimit": gas_limit,
            "gasUsed": gas_used,
            "headers": Record(self.headers),
            "sha256": self.sha256,
            "status": self.status,
        }))


def error_response(error: str, status: int = 500, /, **fields: Any) -> Response:
    """A response whose body is the canonical JSON ``{"error": error, **fields}``.

    ``error`` and ``status`` are positional-only, so that a body field may itself be
    called ``status`` (``{"error":"InvalidStatus","status":700}``).
    """
    body = json_codec.to_canonical_json(Record({"error": error, **fields}))
    return Response(status, {"content-type": JSON_TYPE}, body)


# Runtime error codes whose body spec/execution.md section 6 fixes: code -> the detail fields kept.
_SPEC_DETAILS = {
    "IntegerOverflow": (), "DivisionByZero": (), "DecimalOverflow": (),
    "IndexOutOfBounds": ("index", "length"), "InvalidStatus": ("status",), "ListTooLong": ("limit",),
    "StringTooLong": ("limit",), "ValueTooDeep": ("limit",),
}


def runtime_error_response(e) -> "Response":
    """The response for an MtpRuntimeError, with exactly the fields the spec gives its code."""
    keep = _SPEC_DETAILS.get(e.code)
    details = dict(e.details) if keep is None else {k: e.details[k] for k in keep}
    return error_response(e.code, **details)


class BadRequest(Exception):
    """A request body that does not decode: ``field`` is a JSON path such as ``$.items[2]``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def response(self) -> Response:
        return error_response("BadRequest", 400, field=self.field, message=self.message)


# ---------------------------------------------------------------- targets and routes
def _decode_component(s: str) -> str:
    return unquote(s, encoding="utf-8", errors="replace")


def split_target(target: str) -> tuple[str, dict[str, str]]:
    """``"/a/b?x=1&y=2"`` -> ``("/a/b", {"x": "1", "y": "2"})`` (last value wins)."""
    target = target.split("#", 1)[0]
    path, _, qs = target.partition("?")
    query: dict[str, str] = {}
    for piece in qs.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        query[_decode_component(key)] = _decode_component(value)
    return path, query


def _request_segments(path: str) -> list[str] | None:
    """Raw segments of a request path, or None if it cannot match any route."""
    if not path.startswith("/"):
        return None
    rest = path[1:]
    if rest.endswith("/"):
        rest = rest[:-1]
    if rest == "":
        return []
    segments = rest.split("/")
    if any(s == "" for s in segments):
        return None
    return segments


def _route_segments(path: str) -> list[str]:
    return [seg for seg in path.strip("/").split("/") if seg]


def select_route(routes, method: str, path: str):
    """The most specific route matching ``method`` and ``path`` and its parameters, or None."""
    raw = _request_segments(path)
    if raw is None:
        return None
    decoded = [_decode_component(s) for s in raw]
    best = None
    for route in routes:
        if route.method != method:
            continue
        pattern = _route_segments(route.path)
        if len(pattern) != len(decoded):
            continue
        params: dict[str, str] = {}
        rank = []
        for seg, value in zip(pattern, decoded):
            if seg.startswith(":"):
                params[seg[1:]] = value
                rank.append(1)
            elif seg == value:
                rank.append(0)
            else:
                break
        else:
            key = tuple(rank)
            if best is None or key < best[0]:
                best = (key, route, params)
    return None if best is None else (best[1], best[2])


# ---------------------------------------------------------------- the request value
TOO_DEEP = f"nesting too deep: the request value may be nested at most {MAX_NESTING} levels"


def parse_body(data: bytes) -> Variant:
    """``request.body``: the body parsed as Json (empty -> JsonNull), or BadRequest at ``$``
    (nesting too deep: at the path of the first array/object beyond the limit)."""
    if not data:
        return Variant("Json", "JsonNull", ())
    try:
        return json_codec.parse_strict(bytes(data))
    except json_codec.JsonSyntaxError as e:
        if e.path is not None:
            raise BadRequest(e.path, f"{TOO_DEEP} ({json_codec.MAX_DEPTH} nested arrays/objects)") from None
        raise BadRequest("$", f"invalid JSON: {e.message} at byte {e.offset}") from None


def request_value(route, params: dict[str, str], request: Request) -> Record:
    """The ``request`` record of spec/execution.md §8 (BadRequest if the body is not JSON)."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        headers[name.lower()] = value
    return Record({
        "params": Record({name: params[name] for name in route.params}),
        "query": MtpMap.from_pairs(request.query.items()),
        "headers": MtpMap.from_pairs(headers.items()),
        "body": parse_body(request.body),
    })


# ---------------------------------------------------------------- typed body decoding
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MISSING = object()

_KIND = {"JsonNull": "null", "JsonBool": "a boolean", "JsonInt": "an integer", "JsonDecimal": "a decimal number",
         "JsonString": "a string", "JsonArray": "an array", "JsonObject": "an object"}


def _child(path: str, key: str) -> str:
    if _IDENT.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{json_codec.quote(key)}]"


def _fail(path: str, expected: str, j: Variant) -> BadRequest:
    return BadRequest(path, f"expected {expected}, found {_KIND[j.name]}")


def _is_option(t: Type) -> bool:
    t = prune(t)
    return isinstance(t, TCon) and t.union is not None and t.union.name == "Option" and t.union.module == "<prelude>"


def _object_fields(m: MtpMap, names: list[str], path: str) -> dict[str, Any]:
    """Check that an object has no keys outside ``names``; return its entries by key."""
    entries = dict(m.items())
    for key in sorted(entries):
        if key not in names:
            raise BadRequest(_child(path, key), "unknown field")
    return entries


def _decode_named(fields: list[tuple[str, Type]], obj: MtpMap, path: str, level: int) -> dict[str, Any]:
    """Decode the named fields of a record or variant from a JSON object (absent Option
    fields are None; declared fields in code-point order, then unknown fields refused)."""
    entries = dict(obj.items())
    out: dict[str, Any] = {}
    for name, ft in sorted(fields):
        sub = entries.get(name, _MISSING)
        if sub is _MISSING:
            if _is_option(ft):
                out[name] = NONE
                continue
            raise BadRequest(_child(path, name), "missing field")
        out[name] = _decode(ft, sub, _child(path, name), level)
    _object_fields(obj, [name for name, _ in fields], path)
    return out


def _deep(path: str, level: int) -> None:
    """A composite of the typed body would sit at ``level``: refuse it beyond the limit."""
    if level > MAX_NESTING:
        raise BadRequest(path, TOO_DEEP)


def _decode(t: Type, j: Variant, path: str, level: int) -> Any:
    """Decode ``j`` as a ``t`` that will sit at nesting ``level`` of the request value."""
    t = prune(t)
    kind = j.name
    if isinstance(t, TRecord):
        if kind != "JsonObject":
            raise _fail(path, "an object", j)
        _deep(path, level)
        return Record(_decode_named(list(t.fields), j.fields[0], path, level + 1))
    if not isinstance(t, TCon):
        raise TypeError(f"a request body cannot have type {show(t)}")
    name = t.name
    if t.union is None:
        if name == "number":
            if kind != "JsonInt":
                raise _fail(path, "an integer", j)
            return j.fields[0]
        if name == "Decimal":
            if kind == "JsonInt":
                return decimal128.from_number(j.fields[0])
            if kind != "JsonDecimal":
                raise _fail(path, "a number", j)
            return decimal128.canonical(j.fields[0])
        if name == "boolean":
            if kind != "JsonBool":
                raise _fail(path, "a boolean", j)
            return j.fields[0]
        if name == "string":
            if kind != "JsonString":
                raise _fail(path, "a string", j)
            return j.fields[0]
        if name == "Unit":
            if kind != "JsonNull":
                raise _fail(path, "null", j)
            return None
        if name == "List":
            if kind != "JsonArray":
                raise _fail(path, "an array", j)
            _deep(path, level)
            elems = []
            for i, item in enumerate(j.fields[0]):   # a loop, not a generator: one frame per level
                elems.append(_decode(t.args[0], item, f"{path}[{i}]", level + 1))
            return tuple(elems)
        if name == "Map":
            key_t, value_t = t.args
            if prune(key_t) == TCon("string"):
                if kind != "JsonObject":
                    raise _fail(path, "an object", j)
                _deep(path, level)
                pairs = []
                for k, v in sorted(j.fields[0].items(), key=lambda kv: kv[0]):
                    pairs.append((k, _decode(value_t, v, _child(path, k), level + 1)))
                return MtpMap.from_pairs(pairs)
            if kind != "JsonArray":
                raise _fail(path, "an array of [key, value] pairs", j)
            _deep(path, level)
            pairs = []
            for i, item in enumerate(j.fields[0]):
                where = f"{path}[{i}]"
                if item.name != "JsonArray" or len(item.fields[0]) != 2:
                    raise BadRequest(where, "expected a [key, value] pair")
                k, v = item.fields[0]
                pairs.append((_decode(key_t, k, f"{where}[0]", level + 1), _decode(value_t, v, f"{where}[1]", level + 1)))
            return MtpMap.from_pairs(pairs)
        raise TypeError(f"a request body cannot have type {show(t)}")
    union = t.union
    if union.module == "<prelude>" and union.name == "Json":
        if exceeds_nesting(j, level):
            raise BadRequest(path, TOO_DEEP)
        return j
    if union.module == "<prelude>" and union.name == "Option":
        if kind == "JsonNull":
            return NONE
        _deep(path, level)
        return some(_decode(t.args[0], j, path, level + 1))
    if union.module == "<prelude>" and union.name == "Result":
        if kind != "JsonObject":
            raise _fail(path, 'an object {"ok": ...} or {"err": ...}', j)
        entries = dict(j.fields[0].items())
        if len(entries) != 1 or next(iter(entries)) not in ("ok", "err"):
            raise BadRequest(path, 'expected an object {"ok": ...} or {"err": ...}')
        key, value = next(iter(entries.items()))
        _deep(path, level)
        return ok(_decode(t.args[0], value, _child(path, key), level + 1)) if key == "ok" else \
            err(_decode(t.args[1], value, _child(path, key), level + 1))
    mapping = dict(zip(union.params, t.args))
    names = ", ".join(union.variants)
    if kind == "JsonString":
        v = union.variants.get(j.fields[0])
        if v is None or v.field_types:
            raise BadRequest(path, f"expected one of {names}; {j.fields[0]!r} is not a variant without fields")
        return Variant(union.name, v.name, ())
    if kind != "JsonObject":
        raise _fail(path, f"a variant of {union.name} ({names})", j)
    entries = dict(j.fields[0].items())
    if len(entries) != 1:
        raise BadRequest(path, f"expected an object with one variant of {union.name} ({names})")
    vname, payload = next(iter(entries.items()))
    v = union.variants.get(vname)
    where = _child(path, vname)
    if v is None or not v.field_types:
        raise BadRequest(where, f"expected a variant of {union.name} with fields")
    ftypes = [substitute(ft, mapping) for ft in v.field_types]
    fnames = tuple(v.field_names)
    _deep(path, level)
    level += 1
    if all(fn is not None for fn in fnames):
        if payload.name != "JsonObject":
            raise _fail(where, "an object", payload)
        values = _decode_named(list(zip(fnames, ftypes)), payload.fields[0], where, level)
        return Variant(union.name, v.name, tuple(values[fn] for fn in fnames), fnames)
    if len(ftypes) == 1:
        return Variant(union.name, v.name, (_decode(ftypes[0], payload, where, level),), fnames)
    if payload.name != "JsonArray":
        raise _fail(where, f"an array of {len(ftypes)} values", payload)
    items = payload.fields[0]
    if len(items) != len(ftypes):
        raise BadRequest(where, f"expected an array of {len(ftypes)} values, found {len(items)}")
    decoded = []
    for i, (ft, item) in enumerate(zip(ftypes, items)):
        decoded.append(_decode(ft, item, f"{where}[{i}]", level))
    return Variant(union.name, v.name, tuple(decoded), fnames)


def decode_body(t: Type, data: bytes) -> Any:
    """The request body decoded and validated against ``t`` (BadRequest on failure)."""
    return _decode(t, parse_body(data), "$", 2)


def decode_json(t: Type, j: Variant) -> Any:
    """Validate an already parsed Json value against ``t`` (BadRequest on failure); the
    value sits at level 2 of the request value (section 4.1)."""
    return _decode(t, j, "$", 2)

