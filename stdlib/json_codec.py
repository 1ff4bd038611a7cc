"""MTPScript ``Json``: the strict parser, the canonical writer (the only way a response
body is produced) and a generic RFC 8785 (JCS) canonicaliser.

Parsing — :func:`parse` (``Json.parse``)
    RFC 8259 JSON text (``str``, or ``bytes`` that must be strict UTF-8) to
    ``Ok(Json)`` or ``Err(JsonError)`` where ``JsonError`` is the record
    ``{message, offset}``; ``offset`` counts code points of a ``str`` input and bytes of
    a ``bytes`` input.  Rejected, always with ``Err`` and never with a Python exception:
    duplicate object keys at any depth (compared after unescaping), invalid UTF-8 (this
    includes UTF-8-encoded surrogates), lone surrogates (raw in a ``str`` or as
    ``\\ud800`` escapes), control characters in strings, leading zeros, ``NaN`` /
    ``Infinity`` / other bare words, a byte-order mark, trailing non-whitespace, and
    nesting deeper than :data:`MAX_DEPTH` (127) arrays/objects, so that every parsed
    ``Json`` value stays within the value nesting limit of 256 (an array or object is
    two composites, its ``JsonArray``/``JsonObject`` variant and the list/Map inside, and a
    non-null scalar one more: at most 2 * 127 + 1 = 255; spec/execution.md section 4.1).
    The parser is iterative, so no input depth reaches Python's recursion limit.  Numbers: an integer literal (no
    fraction, no exponent) is ``JsonInt`` when it fits int64, else ``Err``; a literal
    with a fraction or an exponent is ``JsonDecimal`` when its value lies exactly in
    the Decimal domain (``1.50`` and ``150e-2`` are both ``JsonDecimal(1.5)``; ``0.0``
    and ``-0.0`` are ``JsonDecimal(0)``), else ``Err`` (no rounding).

Writing — :func:`to_canonical_json` / :func:`stringify` (``Json.stringify``, ``json``)
    The LANGUAGE.md §6 encoding of data values, serialised with RFC 8785 rules:
    object members sorted by the UTF-16 code units of their names, strings escaped as
    RFC 8785 / ECMAScript ``JSON.stringify`` does (``\\"`` ``\\\\`` ``\\b`` ``\\f``
    ``\\n`` ``\\r`` ``\\t``, other controls as ``\\u00xx``, everything else as raw
    UTF-8), no whitespace.  Integers are written exactly (all 64 bits), Decimals in
    their shortest plain form (``12.5``, ``-0.001``, ``100``).  Value encodings:

    * record -> object; ``List`` -> array; ``Unit`` -> ``null``;
    * ``Map<string, V>`` -> object.  A map whose keys are not strings -> an array of
      ``[key, value]`` pairs in Map key order (§6).  The key type is not known at run
      time, so an empty map is always ``{}``;
    * ``None`` -> ``null``, ``Some(x)`` -> ``x``; ``Ok(x)`` -> ``{"ok":x}``,
      ``Err(e)`` -> ``{"err":e}``;
    * ``Json`` values -> the JSON they denote (``JsonNull`` -> ``null``,
      ``JsonObject(m)`` -> object, ...);
    * other unions: a variant without fields -> its name as a string; one positional
      field -> ``{"Name":payload}``; several positional -> ``{"Name":[...]}``; named
      fields (every field named) -> ``{"Name":{"field":...}}``; a variant mixing named
      and positional fields is written as positional.

    ``parse(stringify(j)) == j`` for every ``Json`` value ``j`` except that a
    ``JsonDecimal`` with an integral value is written like an integer (shortest plain
    form) and so reads back as ``JsonInt`` — or as ``Err`` when it lies outside int64.
    A string holding a lone surrogate cannot be written:
    ``MtpRuntimeError("InvalidUnicode")``.  :func:`json_from` (``Json.from``) converts a
    value to the ``Json`` value with the same encoding; ``to_canonical_json(v) ==
    to_canonical_json(json_from(v))``.

JCS — :func:`jcs_canonicalize`
    Any JSON text to its RFC 8785 canonical bytes; numbers are IEEE-754 doubles written
    with ECMAScript ``Number.prototype.toString`` (:func:`es6_number_to_string`).
    Invalid JSON or a number that overflows a double -> ``MtpRuntimeError("InvalidJson",
    {"message", "offset"})``.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any, Callable

from . import decimal128
from .errors import MtpRuntimeError
from .values import INT64_MAX, INT64_MIN, MAX_NESTING, MtpMap, Record, Variant, check_nesting, err, ok

__all__ = [
    "MAX_DEPTH", "JCS_MAX_DEPTH", "JsonSyntaxError", "parse", "parse_strict", "stringify", "to_canonical_json", "json_from",
    "jcs_canonicalize", "es6_number_to_string", "json_error", "quote",
]

#: Maximum nesting of arrays/objects accepted by ``Json.parse`` (128 levels is an error):
#: the deepest parsed value, a scalar in 127 arrays, is nested (MAX_NESTING - 1) levels,
#: so it also fits in a record (the request value holds the body).
MAX_DEPTH = (MAX_NESTING - 1) // 2
#: The same for :func:`jcs_canonicalize` (arbitrary JSON, not MTPScript values).
JCS_MAX_DEPTH = 512

# -- parsing ---------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
# groups: sign, integer digits, fraction digits, exponent (with its sign)
_NUMBER = re.compile(r"(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?", re.ASCII)
_CHUNK = re.compile(r'[^"\\\x00-\x1f\ud800-\udfff]*')
_HEX4 = re.compile(r"[0-9a-fA-F]{4}", re.ASCII)
_SIMPLE_ESC = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Fail(Exception):
    def __init__(self, message: str, offset: int, path: str | None = None) -> None:
        self.message = message
        self.offset = offset
        self.path = path


class JsonSyntaxError(ValueError):
    """What :func:`parse_strict` raises: ``message``, ``offset`` (as in :func:`parse`) and,
    for nesting too deep, ``path``: the JSON path (``$.a[0]``) of the first array or object
    beyond :data:`MAX_DEPTH` (else None)."""

    def __init__(self, message: str, offset: int, path: str | None = None) -> None:
        super().__init__(f"{message} at {offset}")
        self.message = message
        self.offset = offset
        self.path = path


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _stack_path(stack: list) -> str:
    """The JSON path of the value being parsed, from the parser's open frames."""
    out = ["$"]
    for is_obj, items, key, _ in stack:
        if not is_obj:
            out.append(f"[{len(items)}]")
        elif _IDENT.fullmatch(key):
            out.append("." + key)
        else:
            out.append("[" + quote(key) + "]")
    return "".join(out)


class _Builder:
    """How parsed pieces become values (MTPScript Json, or Python natives for JCS)."""

    def string(self, s: str) -> Any: ...
    def number(self, m: re.Match, offset: int) -> Any: ...
    def literal(self, word: str) -> Any: ...
    def array(self, items: list) -> Any: ...
    def obj(self, pairs: list) -> Any: ...


def _string(text: str, pos: int, n: int) -> tuple[str, int]:
    """Parse the string starting at the quote at ``pos``; return (value, next position)."""
    start = pos
    pos += 1
    parts: list[str] = []
    while True:
        m = _CHUNK.match(text, pos)
        if m.end() > pos:
            parts.append(m.group())
            pos = m.end()
        if pos >= n:
            raise _Fail("unterminated string", start)
        c = text[pos]
        if c == '"':
            return "".join(parts), pos + 1
        if c == "\\":
            if pos + 1 >= n:
                raise _Fail("unterminated string", start)
            e = text[pos + 1]
            if e in _SIMPLE_ESC:
                parts.append(_SIMPLE_ESC[e])
                pos += 2
                continue
            if e != "u":
                raise _Fail("invalid escape", pos)
            h = _HEX4.match(text, pos + 2)
            if h is None:
                raise _Fail("invalid \\u escape", pos)
            cp = int(h.group(), 16)
            if 0xDC00 <= cp <= 0xDFFF:
                raise _Fail("lone surrogate", pos)
            if 0xD800 <= cp <= 0xDBFF:
                lo = _HEX4.match(text, pos + 8) if text.startswith("\\u", pos + 6) else None
                lcp = int(lo.group(), 16) if lo is not None else -1
                if not 0xDC00 <= lcp <= 0xDFFF:
                    raise _Fail("lone surrogate", pos)
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lcp - 0xDC00)
                pos += 12
            else:
                pos += 6
            parts.append(chr(cp))
            continue
        if c < " ":
            raise _Fail("control character in string", pos)
        raise _Fail("lone surrogate", pos)  # a raw surrogate code point


def _parse(text: str, b: _Builder, max_depth: int = MAX_DEPTH) -> Any:
    n = len(text)
    ws = _WS.match
    pos = ws(text, 0).end()
    # frames: [is_object, items, pending key, seen keys]
    stack: list[list] = []
    while True:
        # -- one value at pos --
        if pos >= n:
            raise _Fail("unexpected end of input", pos)
        c = text[pos]
        opened = False
        if c == "{" or c == "[":
            if len(stack) >= max_depth:
                raise _Fail("nesting too deep", pos, _stack_path(stack))
            pos = ws(text, pos + 1).end()
            if c == "[":
                if pos < n and text[pos] == "]":
                    value = b.array([])
                    pos += 1
                else:
                    stack.append([False, [], None, None])
                    opened = True
            else:
                if pos < n and text[pos] == "}":
                    value = b.obj([])
                    pos += 1
                else:
                    frame = [True, [], None, set()]
                    stack.append(frame)
                    pos = _key(text, pos, n, frame)
                    opened = True
        elif c == '"':
            s, pos = _string(text, pos, n)
            value = b.string(s)
        elif c == "-" or "0" <= c <= "9":
            m = _NUMBER.match(text, pos)
            if m is None:
                raise _Fail("invalid number", pos)
            end = m.end()
            if end < n and text[end] in "0123456789.eE+-":
                raise _Fail("leading zero" if text[end].isdigit() else "invalid number", pos)
            value = b.number(m, pos)
            pos = end
        elif text.startswith("true", pos) or text.startswith("null", pos):
            value = b.literal(text[pos:pos + 4])
            pos += 4
        elif text.startswith("false", pos):
            value = b.literal("false")
            pos += 5
        else:
            raise _Fail("unexpected character", pos)
        if opened:
            continue
        # -- attach the finished value to enclosing containers --
        while True:
            pos = ws(text, pos).end()
            if not stack:
                if pos != n:
                    raise _Fail("trailing characters", pos)
                return value
            frame = stack[-1]
            if frame[0]:
                frame[1].append((frame[2], value))
            else:
                frame[1].append(value)
            if pos >= n:
                raise _Fail("unexpected end of input", pos)
            c = text[pos]
            if c == ",":
                pos = ws(text, pos + 1).end()
                if frame[0]:
                    pos = _key(text, pos, n, frame)
                break
            if c == ("}" if frame[0] else "]"):
                pos += 1
                stack.pop()
                value = b.obj(frame[1]) if frame[0] else b.array(frame[1])
                continue
            raise _Fail("expected ',' or '" + ("}" if frame[0] else "]") + "'", pos)


def _key(text: str, pos: int, n: int, frame: list) -> int:
    """Parse `"key" :` at pos into frame[2]; return the position of the value."""
    if pos >= n or text[pos] != '"':
        raise _Fail("expected a string key" if pos < n else "unexpected end of input", pos)
    at = pos
    k, pos = _string(text, pos, n)
    if k in frame[3]:
        raise _Fail("duplicate key", at)
    frame[3].add(k)
    frame[2] = k
    pos = _WS.match(text, pos).end()
    if pos >= n or text[pos] != ":":
        raise _Fail("expected ':'", pos)
    return _WS.match(text, pos + 1).end()


_J_TRUE = Variant("Json", "JsonBool", (True,))
_J_FALSE = Variant("Json", "JsonBool", (False,))
_J_NULL = Variant("Json", "JsonNull", ())


class _JsonBuilder(_Builder):
    def string(self, s: str) -> Variant:
        return Variant("Json", "JsonString", (s,))

    def number(self, m: re.Match, offset: int) -> Variant:
        sign, ip, fp, ex = m.groups()
        if fp is None and ex is None:
            if len(ip) <= 19:
                v = int(m.group())
                if INT64_MIN <= v <= INT64_MAX:
                    return Variant("Json", "JsonInt", (v,))
            raise _Fail("integer outside the 64-bit range", offset)
        r = decimal128.exact_from_digits(sign == "-", ip, fp or "", ex)
        if type(r) is not Decimal:
            raise _Fail("number outside the Decimal domain", offset)
        return Variant("Json", "JsonDecimal", (r,))

    def literal(self, word: str) -> Variant:
        return _J_TRUE if word == "true" else _J_FALSE if word == "false" else _J_NULL

    def array(self, items: list) -> Variant:
        return Variant("Json", "JsonArray", (tuple(items),))

    def obj(self, pairs: list) -> Variant:
        return Variant("Json", "JsonObject", (MtpMap.from_pairs(pairs),))


def json_error(message: str, offset: int) -> Variant:
    """``Err(JsonError {message, offset})``."""
    return err(Record({"message": message, "offset": offset}))


def _decode(text: str | bytes) -> tuple[str, bool]:
    if type(text) is str:
        return text, False
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text).decode("utf-8"), True
    raise TypeError(f"Json.parse needs str or bytes, not {type(text).__name__}")


def parse_strict(text: str | bytes) -> Variant:
    """The ``Json`` value of ``text``, or :class:`JsonSyntaxError` (what :func:`parse` returns
    as ``Err``)."""
    try:
        s, was_bytes = _decode(text)
    except UnicodeDecodeError as e:
        raise JsonSyntaxError("invalid UTF-8", e.start) from None
    try:
        return _parse(s, _JsonBuilder())
    except _Fail as f:
        off = len(s[:f.offset].encode("utf-8")) if was_bytes else f.offset
        raise JsonSyntaxError(f.message, off, f.path) from None


def parse(text: str | bytes) -> Variant:
    """``Json.parse``: ``Ok(Json)`` or ``Err({message, offset})``."""
    try:
        return ok(parse_strict(text))
    except JsonSyntaxError as e:
        return json_error(e.message, e.offset)


# -- writing -----------------------------------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\\ud800-\udfff]')


def _esc(m: re.Match) -> str:
    c = m.group()
    r = _ESCAPES.get(c)
    if r is not None:
        return r
    if c >= "\ud800":
        raise MtpRuntimeError("InvalidUnicode", {"reason": "string contains a lone surrogate"})
    return "\\u%04x" % ord(c)


def quote(s: str) -> str:
    """RFC 8785 string serialisation (with the surrounding quotes)."""
    return '"' + _NEEDS_ESCAPE.sub(_esc, s) + '"'


def _utf16_key(pair: tuple) -> bytes:
    return pair[0].encode("utf-16-be", "surrogatepass")


class _Tok:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_COMMA, _CLOSE_A, _CLOSE_O = _Tok(","), _Tok("]"), _Tok("}")

# shapes: ("null",) ("bool", b) ("int", n) ("dec", d) ("str", s) ("same", v)
#         ("array", seq) ("object", pairs)
_NULL_SHAPE = ("null", None)


def _shape(v: Any) -> tuple[str, Any]:
    """The §6 JSON shape of one value (children are left unconverted)."""
    t = type(v)
    if t is str:
        return ("str", v)
    if t is int:
        if not INT64_MIN <= v <= INT64_MAX:
            raise MtpRuntimeError("IntegerOverflow", {"reason": "number outside the 64-bit range"})
        return ("int", v)
    if t is bool:
        return ("bool", v)
    if v is None:
        return _NULL_SHAPE
    if t is Decimal:
        return ("dec", v)
    if t is tuple:
        return ("array", v)
    if t is Record:
        return ("object", tuple(v.items()))
    if t is MtpMap:
        items = v.items()
        if all(type(k) is str for k, _ in items):
            return ("object", items)
        return ("array", items)
    if t is Variant:
        u, name, f = v.union, v.name, v.fields
        if u == "Option":
            if name == "None":
                return _NULL_SHAPE
            if name == "Some" and len(f) == 1:
                return ("same", f[0])
        elif u == "Result":
            if name in ("Ok", "Err") and len(f) == 1:
                return ("object", (("ok" if name == "Ok" else "err", f[0]),))
        elif u == "Json":
            if name == "JsonNull" and not f:
                return _NULL_SHAPE
            if len(f) == 1 and name in _JSON_PAYLOAD and type(f[0]) in _JSON_PAYLOAD[name]:
                return ("same", f[0])
            raise TypeError(f"malformed Json value {name}")
        if not f:
            return ("str", name)
        names = v.field_names
        if names is not None and all(x is not None for x in names):
            return ("object", ((name, Record(zip(names, f))),))
        return ("object", ((name, f[0] if len(f) == 1 else f),))
    if callable(v):
        raise TypeError("functions have no JSON encoding")
    raise TypeError(f"not an MTPScript data value: {t.__name__}")


_JSON_PAYLOAD = {
    "JsonBool": (bool,), "JsonInt": (int,), "JsonDecimal": (Decimal,), "JsonString": (str,),
    "JsonArray": (tuple,), "JsonObject": (MtpMap,),
}


def _write(value: Any, shape: Callable[[Any], tuple[str, Any]], number: Callable[[str, Any], str]) -> str:
    out: list[str] = []
    emit = out.append
    stack: list[Any] = [value]
    push, pop = stack.append, stack.pop
    while stack:
        v = pop()
        if type(v) is _Tok:
            emit(v.text)
            continue
        kind, p = shape(v)
        if kind == "same":
            push(p)
        elif kind == "str":
            emit(quote(p))
        elif kind == "array":
            if not p:
                emit("[]")
                continue
            emit("[")
            push(_CLOSE_A)
            for i in range(len(p) - 1, -1, -1):
                push(p[i])
                if i:
                    push(_COMMA)
        elif kind == "object":
            if not p:
                emit("{}")
                continue
            pairs = sorted(p, key=_utf16_key)
            emit("{")
            push(_CLOSE_O)
            for i in range(len(pairs) - 1, -1, -1):
                k, x = pairs[i]
                push(x)
                push(_Tok(("," if i else "") + quote(k) + ":"))
        elif kind == "null":
            emit("null")
        elif kind == "bool":
            emit("true" if p else "false")
        else:
            emit(number(kind, p))
    return "".join(out)


def _mtp_number(kind: str, p: Any) -> str:
    return str(p) if kind == "int" else decimal128.to_string(p)


def stringify(value: Any) -> str:
    """``Json.stringify``: the canonical JSON text of a data value."""
    return _write(value, _shape, _mtp_number)


def to_canonical_json(value: Any) -> bytes:
    """The canonical JSON bytes (UTF-8) of a data value — a response body."""
    return stringify(value).encode("utf-8")


def json_from(value: Any) -> Variant:
    """``Json.from``: the ``Json`` value with the §6 encoding of ``value`` (iterative).

    ``ValueTooDeep`` (spec/execution.md section 4.1) when ``value`` or the result (which
    may be nested up to four times deeper) exceeds the value nesting limit."""
    check_nesting(value)
    return check_nesting(_json_from(value))


def _json_from(value: Any) -> Variant:
    results: list[Variant] = []
    stack: list[tuple[Any, Any]] = [(value, None)]
    while stack:
        v, pending = stack.pop()
        if pending is not None:  # assemble a container from its converted children
            kind, keys = pending
            n = len(keys) if kind == "object" else keys
            kids = results[len(results) - n:] if n else []
            if n:
                del results[len(results) - n:]
            if kind == "array":
                results.append(Variant("Json", "JsonArray", (tuple(kids),)))
            else:
                results.append(Variant("Json", "JsonObject", (MtpMap.from_pairs(zip(keys, kids)),)))
            continue
        kind, p = _shape(v)
        if kind == "same":
            stack.append((p, None))
        elif kind == "null":
            results.append(_J_NULL)
        elif kind == "bool":
            results.append(_J_TRUE if p else _J_FALSE)
        elif kind == "int":
            results.append(Variant("Json", "JsonInt", (p,)))
        elif kind == "dec":
            results.append(Variant("Json", "JsonDecimal", (decimal128.canonical(p),)))
        elif kind == "str":
            results.append(Variant("Json", "JsonString", (p,)))
        elif kind == "array":
            stack.append((None, ("array", len(p))))
            stack.extend((x, None) for x in reversed(p))
        else:
            stack.append((None, ("object", tuple(k for k, _ in p))))
            stack.extend((x, None) for _, x in reversed(p))
    return results[0]


# -- RFC 8785 for arbitrary JSON ---------------------------------------------------------

def es6_number_to_string(x: float) -> str:
    """ECMAScript ``Number.prototype.toString`` of a finite double (RFC 8785 §3.2.2.3)."""
    if not math.isfinite(x):
        raise ValueError("NaN and Infinity have no JSON form")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    r = repr(-x if x < 0 else x)  # shortest round-trip digits (correctly rounded)
    mant, _, e = r.partition("e")
    ip, _, fp = mant.partition(".")
    digits = ip + fp
    stripped = digits.lstrip("0")
    n = len(ip) + (int(e) if e else 0) - (len(digits) - len(stripped))
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        s = digits + "0" * (n - k)
    elif 0 < n <= 21:
        s = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        s = "0." + "0" * (-n) + digits
    else:
        ex = n - 1
        es = ("+" if ex >= 0 else "-") + str(ex if ex >= 0 else -ex)
        s = (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + es
    return sign + s


class _NativeBuilder(_Builder):
    def string(self, s: str) -> str:
        return s

    def number(self, m: re.Match, offset: int) -> float:
        x = float(m.group())  # correctly rounded; no length limit (unlike int())
        if not math.isfinite(x):
            raise _Fail("number outside the IEEE double range", offset)
        return x

    def literal(self, word: str) -> Any:
        return True if word == "true" else False if word == "false" else None

    def array(self, items: list) -> list:
        return items

    def obj(self, pairs: list) -> dict:
        return dict(pairs)


def _native_shape(v: Any) -> tuple[str, Any]:
    t = type(v)
    if t is str:
        return ("str", v)
    if t is float:
        return ("float", v)
    if t is bool:
        return ("bool", v)
    if v is None:
        return _NULL_SHAPE
    if t is list:
        return ("array", v)
    return ("object", tuple(v.items()))


def jcs_canonicalize(text: str | bytes) -> bytes:
    """RFC 8785 canonical form of an arbitrary JSON text."""
    try:
        s, _ = _decode(text)
    except UnicodeDecodeError as e:
        raise MtpRuntimeError("InvalidJson", {"message": "invalid UTF-8", "offset": e.start}) from None
    try:
        tree = _parse(s, _NativeBuilder(), JCS_MAX_DEPTH)
    except _Fail as f:
        raise MtpRuntimeError("InvalidJson", {"message": f.message, "offset": f.offset}) from None
    return _write(tree, _native_shape, lambda kind, p: es6_number_to_string(p)).encode("utf-8")

