"""The Python reference interpreter of MTPScript: the oracle the QuickJS path is tested against.

``run_reference(check_result, request, gas_limit, host=None) -> Outcome`` runs one
request against the program whose entry module is ``check_result.order[-1]`` (routes
of every linked module dispatch).  spec/execution.md is normative for everything
here: evaluation order, pre-order gas charging and the IR -> Annex A mapping (costs
come from ``compiler/gas.py``, which reads the Annex A CSV), the §4 surcharges, tail
calls, the depth limit, error shapes, static initialisation and request handling.

How it works
    The effect-checked IR is compiled once per program into Python closures (one per
    node; ``f`` is the frame of the running function).  Every binder (parameter,
    binding, pattern variable, nested function, ``request``) gets a slot in its
    function's frame, found through the checker's ``binders``/``refs`` tables; a
    lambda or nested function captures the outer locals it uses, in order of first
    use, into an immutable tuple — that tuple is also what closure equality compares.
    Frame layout: ``[captured, params..., self (nested functions), locals...]``.

    Tail calls return a :class:`TailCall` marker that the nearest non-tail call
    (``_Runtime.call``) unwinds in a loop, so tail recursion runs in constant Python
    stack.  Non-tail calls recurse in Python; they are bounded by DEPTH_LIMIT, and the
    interpreter runs in a worker thread with a large stack and a raised recursion
    limit (restored afterwards), so no platform limit is ever observable.

Decisions where spec/execution.md leaves room (the VM path must mirror them):

1. Depth: the handler body and the static initialisers run at depth 0; each non-tail
   call of a user function, closure, or of a function *value* that is a library
   function or constructor, and each library callback, enters depth + 1.  Entering
   depth 1001 is DepthExceeded (checked after OP_FUNC_CALL and the arguments, before
   the callee's first charge).  Direct library calls and direct constructor
   applications do not nest.
2. Handlers have no tail calls (a handler is not a function body; ``respond e``
   applies OP_HTTP_RESPONSE to ``e``).
3. Calling a function value that turns out to be a library function or a
   constructor: OP_FUNC_CALL (non-tail only) + OP_STACK_PUSH for reading the callee +
   arguments + the function's own row (+ surcharge) / the constructor row.  A library
   function or constructor with fields used as a value (``List.map(xs, Some)``) is a
   read: OP_STACK_PUSH.  A nullary constructor value (``None``, ``Red``) is its row.
4. ``await E.op(args)``: OP_EFFECT_PERFORM, then the call as usual (its library row,
   its arguments), then the host performs it: ``host.perform("E.op", args)``.
5. Top-level constants (spec §7): each is OP_VAR_DECL + its initialiser, at depth 0,
   dependency modules first and declaration order within a module; reading a constant
   charges OP_STACK_PUSH and then, if it has not been evaluated yet, evaluates it at
   that point.  Initialisation happens before dispatch, so 404 and 400 responses
   report the initialisation gas, and a failing initialiser fails every request.
6. ``-9223372036854775808`` is OP_NEG applied to the literal (OP_STACK_PUSH).
7. Equality surcharge (§4): the values are walked depth first, left to right, without
   any identity shortcut, stopping at the first difference; a *visit* is counted for
   each pair whose left side is a list, record, map, closure (also a library function
   or constructor used as a value), or union value with at least one field — counted
   before its shape is compared.  Records are walked in UTF-16 order of their field
   names, maps in canonical key order (key, then value), union fields and closure
   captures in order.  ``List.contains`` uses the same equality without this
   surcharge (its own surcharge is the list length).  ``==`` on number, boolean,
   string, Decimal and Unit operands never visits anything.
8. Library details: ``String.slice(s, a, b)`` clamps ``a`` and ``b`` to ``0..length``
   (code points) and is empty when ``b <= a``; ``String.split(s, "")`` splits into code
   points; ``String.toNumber`` accepts ``-?[0-9]+`` (ASCII) within int64;
   ``List.sort`` orders strings by code point; ``List.range`` longer than 1,000,000
   elements is ``{"error":"ListTooLong","limit":1000000}`` (checked before its
   surcharge); ``Hash.*`` surcharge the UTF-8 bytes of their hex output;
   ``Decimal.round`` with a scale outside 0..28 is
   ``{"error":"DecimalScaleOutOfRange","scale":s}``; Map operations, ``Json.from``,
   ``Decimal.*`` and ``text`` have no surcharge (not in the §4 table).
9. Error bodies are exactly those of §6: ``DecimalOverflow`` and ``IntegerOverflow``
   carry no details even when the value library adds some.
10. ``MemoryExhausted`` (a VM heap limit) has no counterpart here.
11. Value nesting (spec/execution.md §4.1): the walks that stop with ``ValueTooDeep`` are
    the equality walk (``_equal``, in the order of the prelude's ``$eqv``) and, where the
    VM crosses a value to the host, ``check_nesting`` before the operation: ``json``,
    ``Json.stringify``, ``Hash.cbor``/``Hash.of``, Map keys, effect arguments and results;
    ``Json.from`` checks its argument and result itself.  All before any surcharge.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from mtpscript.compiler import gas
from mtpscript.compiler import nodes as n
from mtpscript.compiler.checker import ConstSym, CtorSym, FunctionSym, Local, RouteInfo
from mtpscript.compiler.types import TCon, prune
from mtpscript.compiler.visitor import walk
from mtpscript.stdlib import decimal128, json_codec
from mtpscript.stdlib.errors import MtpRuntimeError
from mtpscript.stdlib.hashing import Hash
from mtpscript.stdlib.values import (INT64_MAX, INT64_MIN, MAX_NESTING, NONE, MtpMap, Record, Variant,
                                     check_nesting, err, ok, some, too_deep)

from . import dispatch

__all__ = ["Outcome", "FixtureHost", "ReferenceProgram", "run_reference", "compile_reference", "Closure",
           "BuiltinFn", "CtorFn", "LIST_RANGE_MAX"]

DEPTH_LIMIT = gas.DEPTH_LIMIT
LIST_RANGE_MAX = gas.MAX_LIST_LENGTH
RECURSION_LIMIT = 200_000          # Python frames while interpreting (restored afterwards)
STACK_BYTES = 256 * 1024 * 1024    # worker thread stack


# ---------------------------------------------------------------- results and hosts
@dataclass
class Outcome:
    response: dispatch.Response
    gas_used: int


def _default_result(op: str) -> Any:
    if op == "DbRead.query":
        return ok(())
    if op == "DbWrite.exec":
        return ok(0)
    if op in ("HttpOut.get", "HttpOut.post"):
        return ok(Record({"status": 200, "body": ""}))
    if op.startswith("Log."):
        return None
    raise KeyError(f"unknown effect operation {op!r}")


class FixtureHost:
    """A deterministic host: canned results per operation, defaults otherwise, and a journal.

    ``results`` maps an operation (``"DbRead.query"``) to the values its successive
    calls return; when they run out (or for operations not listed) the defaults are
    DbRead.query -> Ok([]), DbWrite.exec -> Ok(0), HttpOut.get/post ->
    Ok({status: 200, body: ""}), Log.* -> Unit.  Every call is journaled as
    ``(callIndex, op, args)``.
    """

    def __init__(self, results: dict[str, list] | None = None) -> None:
        self.results = {op: list(values) for op, values in (results or {}).items()}
        self.journal: list[tuple[int, str, tuple]] = []
        self.seed: bytes | None = None

    def bind_seed(self, seed: bytes) -> None:
        """Called once per request, before any guest code runs: effects are journaled under
        (seed, callIndex), which is what makes a request replayable (LANGUAGE.md section 5)."""
        self.seed = seed

    def perform(self, op: str, args: tuple) -> Any:
        self.journal.append((len(self.journal), op, tuple(args)))
        queue = self.results.get(op)
        if queue:
            return queue.pop(0)
        return _default_result(op)


# ---------------------------------------------------------------- function values
class Code:
    """A compiled function body (top-level, nested or lambda)."""
    __slots__ = ("name", "node", "body", "pad", "has_self")

    def __init__(self, name: str, node: n.Node, has_self: bool = False) -> None:
        self.name = name
        self.node = node
        self.body: Callable[[list], Any] | None = None
        self.pad: list = []
        self.has_self = has_self


class Closure:
    """A function value: its code and the values it captured (compared by ``==``)."""
    __slots__ = ("code", "captured")

    def __init__(self, code: Code, captured: tuple) -> None:
        self.code = code
        self.captured = captured

    def __repr__(self) -> str:
        return f"<closure {self.code.name} {self.captured!r}>"


class BuiltinFn:
    """A standard-library (or response) function used as a value."""
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<builtin {self.name}>"


class CtorFn:
    """A constructor with fields used as a value (``List.map(xs, Some)``)."""
    __slots__ = ("union", "name", "names", "cost")

    def __init__(self, union: str, name: str, names: tuple | None, cost: int) -> None:
        self.union = union
        self.name = name
        self.names = names
        self.cost = cost

    def __repr__(self) -> str:
        return f"<constructor {self.union}.{self.name}>"


class TailCall:
    __slots__ = ("clo", "args")

    def __init__(self, clo: Closure, args: list) -> None:
        self.clo = clo
        self.args = args


class _Halt(Exception):
    """Stops the request with a ready error response (GasExhausted, DepthExceeded)."""

    def __init__(self, response: dispatch.Response) -> None:
        super().__init__(response.body)
        self.response = response


# ---------------------------------------------------------------- errors
def _overflow() -> MtpRuntimeError:
    return MtpRuntimeError("IntegerOverflow")


def _div_zero() -> MtpRuntimeError:
    return MtpRuntimeError("DivisionByZero")


def _u16(s: str) -> int:
    """Length of a string in UTF-16 code units."""
    return len(s) if s.isascii() else len(s.encode("utf-16-le")) // 2


def _utf16_key(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


# ---------------------------------------------------------------- the runtime state
class _Runtime:
    """Per-request state (gas, depth, host, constants) and the call machinery."""

    def __init__(self, program: "ReferenceProgram") -> None:
        self.program = program
        self.g = 0
        self.lim = 1
        self.depth = 0
        self.host: Any = None
        self.consts: dict[int, Any] = {}
        self.call_cost = gas.op_cost("call")
        self.builtin_costs = {name: gas.stdlib_cost(name) for name in gas.STDLIB_ROWS}

    def reset(self, gas_limit: int, host: Any) -> None:
        self.g = 0
        self.lim = gas_limit
        self.depth = 0
        self.host = host
        self.consts = {}

    # -- gas
    def gas_out(self) -> None:
        raise _Halt(dispatch.error_response("GasExhausted", gasLimit=self.lim, gasUsed=self.g))

    def charge(self, cost: int) -> None:
        g = self.g + cost
        self.g = g
        if g >= self.lim:
            self.gas_out()

    def sur(self, size: int) -> None:
        extra = gas.surcharge(size)
        if extra:
            self.charge(extra)

    # -- calls
    def call(self, clo: Closure, args: list) -> Any:
        """A non-tail call of a closure: depth check, then run it and unwind tail calls."""
        if self.depth >= DEPTH_LIMIT:
            raise _Halt(dispatch.error_response("DepthExceeded", limit=DEPTH_LIMIT))
        self.depth += 1
        code = clo.code
        frame = [clo.captured, *args]
        if code.has_self:
            frame.append(clo)
        frame += code.pad
        r = code.body(frame)
        while type(r) is TailCall:
            clo = r.clo
            code = clo.code
            frame = [clo.captured, *r.args]
            if code.has_self:
                frame.append(clo)
            frame += code.pad
            r = code.body(frame)
        self.depth -= 1
        return r

    def apply_prim(self, fv: Any, args: list) -> Any:
        """Run a library function or constructor value (its own row is charged here)."""
        t = type(fv)
        if t is BuiltinFn:
            self.charge(self.builtin_costs[fv.name])
            return BUILTINS[fv.name](self, args)
        if t is CtorFn:
            self.charge(fv.cost)
            return Variant(fv.union, fv.name, tuple(args), fv.names)
        raise TypeError(f"not a function value: {fv!r}")

    def enter(self, fv: Any, args: list) -> Any:
        """A non-tail call of any function value (OP_FUNC_CALL already charged)."""
        if type(fv) is Closure:
            return self.call(fv, args)
        if self.depth >= DEPTH_LIMIT:
            raise _Halt(dispatch.error_response("DepthExceeded", limit=DEPTH_LIMIT))
        self.depth += 1
        r = self.apply_prim(fv, args)
        self.depth -= 1
        return r

    def invoke(self, fv: Any, args: list) -> Any:
        """A callback from a library function: a non-tail call, charged OP_FUNC_CALL."""
        self.charge(self.call_cost)
        return self.enter(fv, args)

    # -- constants
    def const(self, sym: ConstSym) -> Any:
        value = self.consts.get(id(sym), _UNSET)
        if value is _UNSET:
            value = self.program.init_const(sym)
        return value

    # -- equality
    def equal(self, a: Any, b: Any) -> bool:
        result, visits = _equal(a, b)
        self.sur(visits)
        return result


_UNSET = object()


def _equal(a: Any, b: Any) -> tuple[bool, int]:
    """Structural equality and the number of composite values visited (decision 7).

    Each pair carries the nesting level of its left side (spec/execution.md section 4.1):
    a composite on the left beyond MAX_NESTING is ValueTooDeep, checked right after its
    visit is counted and before its shape is compared — the order of the prelude's `$eqv`."""
    visits = 0
    stack = [(a, b, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        x, y, d = pop()
        t = type(x)
        if t is tuple:
            visits += 1
            if d > MAX_NESTING:
                raise too_deep()
            if len(x) != len(y):
                return False, visits
            d += 1
            for i in range(len(x) - 1, -1, -1):
                push((x[i], y[i], d))
        elif t is Variant:
            if x.fields:
                visits += 1
                if d > MAX_NESTING:
                    raise too_deep()
            if type(y) is not Variant or x.name != y.name or x.union != y.union or len(x.fields) != len(y.fields):
                return False, visits
            d += 1
            for i in range(len(x.fields) - 1, -1, -1):
                push((x.fields[i], y.fields[i], d))
        elif t is Record:
            visits += 1
            if d > MAX_NESTING:
                raise too_deep()
            keys = sorted(x, key=_utf16_key)
            if len(keys) != len(y):
                return False, visits
            d += 1
            for k in reversed(keys):
                push((x[k], y[k], d))
        elif t is MtpMap:
            visits += 1
            if d > MAX_NESTING:
                raise too_deep()
            if len(x) != len(y):
                return False, visits
            ix, iy = x.items(), y.items()
            d += 1
            for i in range(len(ix) - 1, -1, -1):
                push((ix[i][1], iy[i][1], d))
                push((ix[i][0], iy[i][0], d))
        elif t is Closure:
            visits += 1
            if d > MAX_NESTING:
                raise too_deep()
            if type(y) is not Closure or x.code is not y.code:
                return False, visits
            cx, cy = x.captured, y.captured
            d += 1
            for i in range(len(cx) - 1, -1, -1):
                push((cx[i], cy[i], d))
        elif t is BuiltinFn:
            visits += 1
            if d > MAX_NESTING:
                raise too_deep()
            if type(y) is not BuiltinFn or x.name != y.name:
                return False, visits
        elif t is CtorFn:
            visits += 1
            if d > MAX_NESTING:
                raise too_deep()
            if type(y) is not CtorFn or x.name != y.name or x.union != y.union:
                return False, visits
        elif t is dispatch.Response:
            if type(y) is not dispatch.Response or x != y:
                return False, visits
        else:
            if type(y) is not t or x != y:
                return False, visits
    return True, visits


# ---------------------------------------------------------------- integer arithmetic
def _int_div(a: int, b: int) -> int:
    if b == 0:
        raise _div_zero()
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    if q > INT64_MAX or q < INT64_MIN:
        raise _overflow()
    return q


def _int_mod(a: int, b: int) -> int:
    if b == 0:
        raise _div_zero()
    r = abs(a) % abs(b)
    return -r if a < 0 else r


# ---------------------------------------------------------------- the standard library
def _effect(op: str):
    def perform(rt: _Runtime, a: list) -> Any:
        for x in a:                 # the arguments cross to the host (section 4.1) ...
            check_nesting(x)
        return check_nesting(rt.host.perform(op, tuple(a)))   # ... and so does the result
    return perform


def _list_map(rt, a):
    xs, fn = a
    out = [rt.invoke(fn, [x]) for x in xs]
    rt.sur(len(out))
    return tuple(out)


def _list_filter(rt, a):
    xs, fn = a
    out = [x for x in xs if rt.invoke(fn, [x])]
    rt.sur(len(out))
    return tuple(out)


def _list_fold(rt, a):
    xs, acc, fn = a
    for x in xs:
        acc = rt.invoke(fn, [acc, x])
    rt.sur(len(xs))
    return acc


def _list_range(rt, a):
    lo, hi = a
    count = hi - lo if hi > lo else 0
    if count > LIST_RANGE_MAX:
        raise MtpRuntimeError("ListTooLong", {"limit": LIST_RANGE_MAX})
    rt.sur(count)
    return tuple(range(lo, hi))


def _sized(rt, r):
    rt.sur(len(r))
    return r


def _presized(rt, size: int, build):
    """Surcharge first, then check the length cap, then allocate (§4)."""
    rt.sur(size)
    if size > gas.MAX_LIST_LENGTH:
        raise MtpRuntimeError("ListTooLong", {"limit": gas.MAX_LIST_LENGTH})
    return build()


def _sized_text(rt, r):
    rt.sur(_u16(r))
    return r


def _list_contains(rt, a):
    xs, x = a
    found = False
    for y in xs:
        if _equal(y, x)[0]:
            found = True
            break
    rt.sur(len(xs))
    return found


def _string_slice(rt, a):
    s, lo, hi = a
    size = len(s)
    lo = 0 if lo < 0 else size if lo > size else lo
    hi = 0 if hi < 0 else size if hi > size else hi
    return _sized_text(rt, s[lo:hi] if hi > lo else "")


def _string_split(rt, a):
    s, sep = a
    r = tuple(s) if sep == "" else tuple(s.split(sep))
    rt.sur(_u16(s))
    return r


def _string_search(method: str):
    def search(rt, a):
        s, t = a
        r = (t in s) if method == "contains" else s.startswith(t)
        rt.sur(_u16(s))
        return r
    return search


def _string_to_number(rt, a):
    s = a[0]
    if not (s.isascii() and (s[1:] if s.startswith("-") else s).isdigit()):
        return NONE
    v = int(s)
    return some(v) if INT64_MIN <= v <= INT64_MAX else NONE


def _number_abs(rt, a):
    v = a[0]
    if v == INT64_MIN:
        raise _overflow()
    return -v if v < 0 else v


def _json_parse(rt, a):
    r = json_codec.parse(a[0])
    rt.sur(len(a[0].encode("utf-8")))
    return r


def _json_stringify(rt, a):
    r = json_codec.stringify(check_nesting(a[0]))
    rt.sur(len(r.encode("utf-8")))
    return r


def _hash(fn, value: bool = False):
    def run(rt, a):
        r = fn(check_nesting(a[0]) if value else a[0])   # a value argument crosses to the host
        rt.sur(len(r.encode("utf-8")))
        return r
    return run


def _respond_json(rt, a):
    body = json_codec.to_canonical_json(check_nesting(a[0]))
    rt.sur(len(body))
    return dispatch.Response(200, {"content-type": dispatch.JSON_TYPE}, body)


def _respond_text(rt, a):
    return dispatch.Response(200, {"content-type": dispatch.TEXT_TYPE}, a[0].encode("utf-8"))


def _respond_status(rt, a):
    code, r = a
    if not 100 <= code <= 599:
        raise MtpRuntimeError("InvalidStatus", {"status": code})
    return dispatch.Response(code, dict(r.headers), r.body)


BUILTINS: dict[str, Callable[[_Runtime, list], Any]] = {
    # List
    "List.length": lambda rt, a: len(a[0]),
    "List.get": lambda rt, a: some(a[0][a[1]]) if 0 <= a[1] < len(a[0]) else NONE,
    "List.append": lambda rt, a: _presized(rt, len(a[0]) + 1, lambda: a[0] + (a[1],)),
    "List.concat": lambda rt, a: _presized(rt, len(a[0]) + len(a[1]), lambda: a[0] + a[1]),
    "List.map": _list_map,
    "List.filter": _list_filter,
    "List.fold": _list_fold,
    "List.range": _list_range,
    "List.reverse": lambda rt, a: _sized(rt, a[0][::-1]),
    "List.sort": lambda rt, a: _sized(rt, tuple(sorted(a[0]))),
    "List.join": lambda rt, a: _sized_text(rt, a[1].join(a[0])),
    "List.contains": _list_contains,
    # String (positions and lengths in code points)
    "String.length": lambda rt, a: len(a[0]),
    "String.slice": _string_slice,
    "String.split": _string_split,
    "String.contains": _string_search("contains"),
    "String.startsWith": _string_search("startsWith"),
    "String.toUpper": lambda rt, a: _sized_text(rt, a[0].upper()),
    "String.toLower": lambda rt, a: _sized_text(rt, a[0].lower()),
    "String.fromNumber": lambda rt, a: str(a[0]),
    "String.toNumber": _string_to_number,
    # Map
    "Map.empty": lambda rt, a: MtpMap(),
    # (a key crosses to the host for its sort key: section 4.1)
    "Map.set": lambda rt, a: a[0].set(check_nesting(a[1]), a[2]),
    "Map.get": lambda rt, a: a[0].get(check_nesting(a[1])),
    "Map.remove": lambda rt, a: a[0].remove(check_nesting(a[1])),
    "Map.has": lambda rt, a: a[0].has(check_nesting(a[1])),
    "Map.keys": lambda rt, a: a[0].keys(),
    "Map.values": lambda rt, a: a[0].values(),
    "Map.size": lambda rt, a: a[0].size(),
    # Option and Result
    "Option.map": lambda rt, a: some(rt.invoke(a[1], [a[0].fields[0]])) if a[0].name == "Some" else a[0],
    "Option.unwrapOr": lambda rt, a: a[0].fields[0] if a[0].name == "Some" else a[1],
    "Option.isSome": lambda rt, a: a[0].name == "Some",
    "Result.map": lambda rt, a: ok(rt.invoke(a[1], [a[0].fields[0]])) if a[0].name == "Ok" else a[0],
    "Result.mapErr": lambda rt, a: err(rt.invoke(a[1], [a[0].fields[0]])) if a[0].name == "Err" else a[0],
    "Result.unwrapOr": lambda rt, a: a[0].fields[0] if a[0].name == "Ok" else a[1],
    "Result.isOk": lambda rt, a: a[0].name == "Ok",
    # Number
    "Number.toString": lambda rt, a: str(a[0]),
    "Number.abs": _number_abs,
    "Number.min": lambda rt, a: a[0] if a[0] <= a[1] else a[1],
    "Number.max": lambda rt, a: a[0] if a[0] >= a[1] else a[1],
    # Decimal
    "Decimal.fromString": lambda rt, a: decimal128.from_string(a[0]),
    "Decimal.fromNumber": lambda rt, a: decimal128.from_number(a[0]),
    "Decimal.toString": lambda rt, a: decimal128.to_string(a[0]),
    "Decimal.add": lambda rt, a: decimal128.add(a[0], a[1]),
    "Decimal.sub": lambda rt, a: decimal128.sub(a[0], a[1]),
    "Decimal.mul": lambda rt, a: decimal128.mul(a[0], a[1]),
    "Decimal.div": lambda rt, a: decimal128.div(a[0], a[1]),
    "Decimal.round": lambda rt, a: decimal128.round(a[0], a[1]),
    "Decimal.compare": lambda rt, a: decimal128.compare(a[0], a[1]),
    # Json
    "Json.parse": _json_parse,
    "Json.stringify": _json_stringify,
    "Json.from": lambda rt, a: json_codec.json_from(a[0]),
    # Hash
    "Hash.sha256": _hash(Hash.sha256),
    "Hash.fnv1a64": _hash(Hash.fnv1a64),
    "Hash.cbor": _hash(Hash.cbor, value=True),
    "Hash.of": _hash(Hash.of, value=True),
    # Effects (performed by the host)
    "DbRead.query": _effect("DbRead.query"),
    "DbWrite.exec": _effect("DbWrite.exec"),
    "HttpOut.get": _effect("HttpOut.get"),
    "HttpOut.post": _effect("HttpOut.post"),
    "Log.debug": _effect("Log.debug"),
    "Log.info": _effect("Log.info"),
    "Log.warn": _effect("Log.warn"),
    "Log.error": _effect("Log.error"),
    # Responses
    "json": _respond_json,
    "text": _respond_text,
    "status": _respond_status,
}


# ---------------------------------------------------------------- compilation
class _Ctx:
    """Compile-time view of one function's frame."""
    __slots__ = ("parent", "slots", "cap_index", "cap_refs", "n")

    def __init__(self, parent: "_Ctx | None") -> None:
        self.parent = parent
        self.slots: dict[int, int] = {}        # id(symbol) -> frame slot
        self.cap_index: dict[int, int] = {}    # id(symbol) -> index in the captured tuple
        self.cap_refs: list[tuple[str, int]] = []   # how the creator reads each captured value
        self.n = 1                             # slot 0 holds the captured tuple

    def new_slot(self, sym: object) -> int:
        i = self.n
        self.n += 1
        self.slots[id(sym)] = i
        return i

    def ref(self, sym: object) -> tuple[str, int]:
        i = self.slots.get(id(sym))
        if i is not None:
            return ("slot", i)
        j = self.cap_index.get(id(sym))
        if j is not None:
            return ("cap", j)
        if self.parent is None:
            raise AssertionError(f"unbound local {getattr(sym, 'name', sym)!r}")
        outer = self.parent.ref(sym)
        j = len(self.cap_refs)
        self.cap_refs.append(outer)
        self.cap_index[id(sym)] = j
        return ("cap", j)


def _in_enclosing_frame(ctx: "_Ctx | None", sym: object) -> bool:
    """Whether `sym` is a local (or nested function) of an enclosing function."""
    while ctx is not None:
        if id(sym) in ctx.slots or id(sym) in ctx.cap_index:
            return True
        ctx = ctx.parent
    return False


def _reader(ref: tuple[str, int]) -> Callable[[list], Any]:
    kind, i = ref
    if kind == "slot":
        return lambda f: f[i]
    return lambda f: f[0][i]


def _argv(fns: list) -> Callable[[list], list]:
    if not fns:
        return lambda f: []
    if len(fns) == 1:
        a0, = fns
        return lambda f: [a0(f)]
    if len(fns) == 2:
        a0, a1 = fns
        return lambda f: [a0(f), a1(f)]
    if len(fns) == 3:
        a0, a1, a2 = fns
        return lambda f: [a0(f), a1(f), a2(f)]
    return lambda f: [a(f) for a in fns]


_SCALARS = {"number", "boolean", "string", "Decimal", "Unit"}


class ReferenceProgram:
    """A checked program compiled for the reference interpreter; ``handle`` runs one request."""

    def __init__(self, check_result) -> None:
        if not check_result.ok:
            raise ValueError("the program has errors; only checked programs can run")
        self.check_result = check_result
        entry = check_result.order[-1]
        self.module_paths = self._linked(check_result, entry)
        self.typed = [check_result.modules[p].checked.typed for p in self.module_paths]
        self.refs: dict[int, object] = {}
        self.types: dict[int, object] = {}
        self.binders: dict[int, object] = {}
        for t in self.typed:
            self.refs.update(t.refs)
            self.types.update(t.types)
            self.binders.update(t.binders)
        self.rt = _Runtime(self)
        self.cost = {op: gas.op_cost(op) for op in gas.OP_ROWS}
        self.lock = threading.Lock()
        self.builtin_values: dict[str, BuiltinFn] = {}
        # top-level functions first (bodies may call each other), then constants and handlers
        self.top: dict[int, Closure] = {}
        pending: list[tuple[n.FunctionDecl, FunctionSym, Code]] = []
        self.consts: list[ConstSym] = []
        self.const_code: dict[int, tuple[Callable, list]] = {}
        for typed in self.typed:
            for item in typed.module.items:
                if isinstance(item, n.FunctionDecl):
                    sym = typed.values[item.name]
                    code = Code(item.name, item)
                    self.top[id(sym)] = Closure(code, ())
                    pending.append((item, sym, code))
                elif isinstance(item, n.Binding):
                    self.consts.append(typed.values[item.name])
        self.compile_all(pending)

    @classmethod
    def from_check(cls, check_result) -> "ReferenceProgram":
        """The compiled program (like ``runtime.vm.Program.from_check``); cached."""
        return compile_reference(check_result)

    @staticmethod
    def _linked(check_result, entry: str) -> list[str]:
        reach, stack = set(), [entry]
        while stack:
            path = stack.pop()
            if path in reach:
                continue
            reach.add(path)
            stack.extend(target for _, target in check_result.modules[path].deps)
        return [p for p in check_result.order if p in reach]

    def compile_all(self, pending) -> None:
        for decl, sym, code in pending:
            self.function_code(decl, code, None, has_self=False)
        for sym in self.consts:
            ctx = _Ctx(None)
            body = self.expr(sym.decl.value, ctx, False)
            self.const_code[id(sym)] = (body, [None] * (ctx.n - 1))
        self.routes: list[RouteInfo] = []
        self.handlers: dict[int, tuple[Callable, bool, list]] = {}
        for typed in self.typed:
            for route in typed.routes:
                api = route.decl
                ctx = _Ctx(None)
                ctx.new_slot(self.binders[id(api)])
                if api.body_param is not None:
                    ctx.new_slot(self.binders[id(api.body_param)])
                body = self.block(api.body, ctx, tail=False)
                base = 2 if api.body_param is not None else 1
                self.routes.append(route)
                self.handlers[id(route)] = (body, api.body_param is not None, [None] * (ctx.n - 1 - base))

    def function_code(self, decl, code: Code, parent: _Ctx | None, has_self: bool, sym=None) -> _Ctx:
        ctx = _Ctx(parent)
        for p in decl.params:
            ctx.new_slot(self.binders[id(p)])
        if has_self:
            ctx.new_slot(sym)
        if parent is not None:
            self.precapture(decl, ctx, sym)
        if isinstance(decl.body, n.Block):
            code.body = self.block(decl.body, ctx, tail=True)
        else:
            code.body = self.expr(decl.body, ctx, True)
        code.pad = [None] * (ctx.n - 1 - len(decl.params) - (1 if has_self else 0))
        return ctx

    def precapture(self, decl, ctx: _Ctx, own) -> None:
        """Allocate the captured environment in order of first occurrence in the source
        (spec/runtime.md section 2), before compilation allocates anything else."""
        bound = {id(sym) for sym in (self.binders.get(id(node)) for node in walk(decl)) if sym is not None}
        bound.add(id(own))
        for node in walk(decl):
            if isinstance(node, n.Name):
                sym = self.refs.get(id(node))
                if isinstance(sym, (Local, FunctionSym)) and id(sym) not in bound \
                        and id(sym) not in ctx.slots and _in_enclosing_frame(ctx.parent, sym):
                    ctx.ref(sym)

    # ------------------------------------------------------------ running
    def init_const(self, sym: ConstSym) -> Any:
        rt = self.rt
        rt.charge(self.cost["binding"])
        body, pad = self.const_code[id(sym)]
        value = body([(), *pad])
        rt.consts[id(sym)] = value
        return value

    def handle(self, request: dispatch.Request, gas_limit: int, host: Any = None) -> Outcome:
        """Run one request (in a worker thread with a deep stack)."""
        if not 1 <= gas_limit <= gas.MAX_GAS_LIMIT:
            raise ValueError(f"GasLimitOutOfRange: {gas_limit}")
        host = FixtureHost() if host is None else host
        with self.lock:
            return _run_deep(lambda: self._handle(request, gas_limit, host))

    def _handle(self, request: dispatch.Request, gas_limit: int, host: Any) -> Outcome:
        rt = self.rt
        rt.reset(gas_limit, host)
        selected = dispatch.select_route(self.routes, request.method, request.path)
        if selected is None:        # spec/execution.md section 7: the host refuses, no guest code runs
            return Outcome(dispatch.error_response("NotFound", 404, method=request.method, path=request.path), 0)
        route, params = selected
        try:
            req = dispatch.request_value(route, params, request)
            typed_body = dispatch.decode_json(route.body_type, req["body"]) if route.body_type is not None else None
        except dispatch.BadRequest as bad:
            return Outcome(bad.response(), 0)
        try:
            for sym in self.consts:
                if id(sym) not in rt.consts:
                    self.init_const(sym)
            body, has_body, pad = self.handlers[id(route)]
            frame = [(), req, typed_body, *pad] if has_body else [(), req, *pad]
            response = body(frame)
            if type(response) is not dispatch.Response:
                raise TypeError(f"handler ended without a response: {response!r}")
            return Outcome(response, rt.g)
        except _Halt as halt:
            return Outcome(halt.response, rt.g)
        except MtpRuntimeError as e:
            return Outcome(dispatch.runtime_error_response(e), rt.g)

    # ------------------------------------------------------------ blocks and statements
    def block(self, b: n.Block, ctx: _Ctx, tail: bool) -> Callable:
        if not b.stmts:
            return lambda f: None
        last = len(b.stmts) - 1
        fns = [self.stmt(s, ctx, tail and i == last) for i, s in enumerate(b.stmts)]
        if len(fns) == 1:
            return fns[0]
        init, final = tuple(fns[:-1]), fns[-1]
        if len(init) == 1:
            s0, = init

            def run2(f):
                s0(f)
                return final(f)
            return run2

        def run(f):
            for s in init:
                s(f)
            return final(f)
        return run

    def stmt(self, s, ctx: _Ctx, tail: bool) -> Callable:
        rt = self.rt
        if isinstance(s, n.Binding):
            value = self.expr(s.value, ctx, False)
            slot = ctx.new_slot(self.binders[id(s)])
            c = self.cost["binding"]

            def bind(f):
                g = rt.g + c
                rt.g = g
                if g >= rt.lim:
                    rt.gas_out()
                f[slot] = value(f)
            return bind
        if isinstance(s, n.FunctionDecl):
            sym = self.binders[id(s)]
            slot = ctx.new_slot(sym)
            code = Code(s.name, s, has_self=True)
            inner = self.function_code(s, code, ctx, has_self=True, sym=sym)
            getters = [_reader(r) for r in inner.cap_refs]
            c = self.cost["function_decl"]

            def declare(f):
                rt.charge(c)
                f[slot] = Closure(code, tuple(g(f) for g in getters))
            return declare
        if isinstance(s, n.ExprStmt):
            return self.expr(s.expr, ctx, tail)
        return self.expr(s, ctx, tail)   # Return / Respond

    # ------------------------------------------------------------ expressions
    def expr(self, e, ctx: _Ctx, tail: bool) -> Callable:
        return getattr(self, "x_" + type(e).__name__)(e, ctx, tail)

    def charged(self, c: int, inner: Callable) -> Callable:
        rt = self.rt

        def run(f):
            g = rt.g + c
            rt.g = g
            if g >= rt.lim:
                rt.gas_out()
            return inner(f)
        return run

    def constant(self, c: int, v: Any) -> Callable:
        rt = self.rt

        def run(f):
            g = rt.g + c
            rt.g = g
            if g >= rt.lim:
                rt.gas_out()
            return v
        return run

    def x_IntLit(self, e, ctx, tail):
        return self.constant(self.cost["literal"], e.value)

    def x_DecimalLit(self, e, ctx, tail):
        return self.constant(self.cost["literal"], decimal128.canonical(Decimal(e.text)))

    def x_StringLit(self, e, ctx, tail):
        return self.constant(self.cost["literal"], e.value)

    def x_BoolLit(self, e, ctx, tail):
        return self.constant(self.cost["literal"], e.value)

    def builtin_value(self, name: str) -> BuiltinFn:
        return self.builtin_values.setdefault(name, BuiltinFn(name))

    @staticmethod
    def ctor_cost_name(variant) -> str:
        union = variant.union
        if union.module == "<prelude>" and union.name in ("Option", "Result"):
            return variant.name
        return "ctor"

    @staticmethod
    def field_names(variant) -> tuple | None:
        names = tuple(variant.field_names)
        return names if any(x is not None for x in names) else None

    def x_Name(self, e, ctx, tail):
        sym = self.refs[id(e)]
        read = self.cost["read"]
        rt = self.rt
        if isinstance(sym, CtorSym):
            v = sym.variant
            cost = self.cost[self.ctor_cost_name(v)]
            if not v.field_types:
                return self.constant(cost, Variant(v.union.name, v.name, ()))
            return self.constant(read, CtorFn(v.union.name, v.name, self.field_names(v), cost))
        if isinstance(sym, FunctionSym):
            if sym.builtin is not None:
                return self.constant(read, self.builtin_value(sym.builtin))
            if id(sym) in self.top:
                return self.constant(read, self.top[id(sym)])
            return self.charged(read, _reader(ctx.ref(sym)))
        if isinstance(sym, ConstSym):
            get = rt.const
            return self.charged(read, lambda f: get(sym))
        if isinstance(sym, Local):
            kind, i = ctx.ref(sym)
            if kind == "slot":
                def local(f):
                    g = rt.g + read
                    rt.g = g
                    if g >= rt.lim:
                        rt.gas_out()
                    return f[i]
                return local
            return self.charged(read, lambda f: f[0][i])
        raise AssertionError(f"unexpected symbol {sym!r}")

    def x_ListLit(self, e, ctx, tail):
        items = _argv([self.expr(x, ctx, False) for x in e.items])
        rt = self.rt

        def make(f):
            r = tuple(items(f))
            rt.sur(len(r))
            return r
        return self.charged(self.cost["list"], make)

    def x_RecordLit(self, e, ctx, tail):
        fields = [(k, self.expr(v, ctx, False)) for k, v, _ in e.fields]
        return self.charged(self.cost["record"], lambda f: Record({k: v(f) for k, v in fields}))

    def x_Block(self, e, ctx, tail):
        return self.block(e, ctx, tail)

    def x_If(self, e, ctx, tail):
        cond = self.expr(e.cond, ctx, False)
        then = self.block(e.then, ctx, tail)
        other = self.expr(e.otherwise, ctx, tail)
        c = self.cost["if"]
        rt = self.rt

        def run(f):
            g = rt.g + c
            rt.g = g
            if g >= rt.lim:
                rt.gas_out()
            if cond(f):
                return then(f)
            return other(f)
        return run

    def x_Match(self, e, ctx, tail):
        subject = self.expr(e.subject, ctx, False)
        arms = []
        for arm in e.arms:
            test = self.pattern(arm.pattern, ctx)
            arms.append((test, self.expr(arm.body, ctx, tail)))
        arms = tuple(arms)
        c_match, c_case = self.cost["match"], self.cost["match_case"]
        rt = self.rt

        def run(f):
            rt.charge(c_match)
            v = subject(f)
            for test, body in arms:
                g = rt.g + c_case
                rt.g = g
                if g >= rt.lim:
                    rt.gas_out()
                if test(v, f):
                    return body(f)
            raise AssertionError("no match arm matched (the checker proved the match exhaustive)")
        return run

    def pattern(self, p, ctx: _Ctx) -> Callable[[Any, list], bool]:
        if isinstance(p, n.PWild):
            return lambda v, f: True
        if isinstance(p, n.PName):
            sym = self.binders.get(id(p))
            if sym is not None:
                slot = ctx.new_slot(sym)

                def bind(v, f):
                    f[slot] = v
                    return True
                return bind
            name = p.name
            return lambda v, f: v.name == name
        if isinstance(p, n.PCtor):
            name = p.name
            subs = tuple(self.pattern(a, ctx) for a in p.args)

            def ctor(v, f):
                if v.name != name:
                    return False
                fields = v.fields
                for i, sub in enumerate(subs):
                    if not sub(fields[i], f):
                        return False
                return True
            return ctor
        if isinstance(p, n.PLit):
            if p.kind == "Decimal":
                lit = Decimal(p.value)
                return lambda v, f: v == lit
            if p.kind == "boolean":
                b = bool(p.value)
                return lambda v, f: v is b
            lit = p.value
            return lambda v, f: v == lit
        # record pattern
        parts = []
        for entry in p.fields:
            name, sub, _ = entry
            if sub is None:
                parts.append((name, None, ctx.new_slot(self.binders[id(entry)])))
            else:
                parts.append((name, self.pattern(sub, ctx), 0))
        parts = tuple(parts)

        def record(v, f):
            for name, sub, slot in parts:
                if sub is None:
                    f[slot] = v[name]
                elif not sub(v[name], f):
                    return False
            return True
        return record

    def x_Lambda(self, e, ctx, tail):
        code = Code("lambda", e)
        inner = self.function_code(e, code, ctx, has_self=False)
        getters = tuple(_reader(r) for r in inner.cap_refs)
        if not getters:
            return self.charged(self.cost["lambda"], lambda f: Closure(code, ()))
        return self.charged(self.cost["lambda"], lambda f: Closure(code, tuple(g(f) for g in getters)))

    def x_Return(self, e, ctx, tail):
        return self.expr(e.expr, ctx, tail)

    def x_Respond(self, e, ctx, tail):
        return self.charged(self.cost["respond"], self.expr(e.expr, ctx, False))

    def x_Await(self, e, ctx, tail):
        return self.charged(self.cost["await"], self.expr(e.expr, ctx, False))

    def x_Call(self, e, ctx, tail):
        rt = self.rt
        callee = e.callee
        sym = self.refs.get(id(callee)) if isinstance(callee, (n.Name, n.Field)) else None
        argv = _argv([self.expr(a, ctx, False) for a in e.args])
        if isinstance(sym, FunctionSym) and sym.builtin is not None:
            impl = BUILTINS[sym.builtin]
            cost = gas.stdlib_cost(sym.builtin)

            def builtin(f):
                g = rt.g + cost
                rt.g = g
                if g >= rt.lim:
                    rt.gas_out()
                return impl(rt, argv(f))
            return builtin
        if isinstance(sym, CtorSym):
            v = sym.variant
            union, name, names = v.union.name, v.name, self.field_names(v)
            return self.charged(self.cost[self.ctor_cost_name(v)],
                                lambda f: Variant(union, name, tuple(argv(f)), names))
        call = rt.call
        c_call = self.cost["call"]
        if isinstance(sym, FunctionSym):            # a direct call of a named function
            if id(sym) in self.top:
                clo = self.top[id(sym)]
                if tail:
                    return lambda f: TailCall(clo, argv(f))

                def direct(f):
                    g = rt.g + c_call
                    rt.g = g
                    if g >= rt.lim:
                        rt.gas_out()
                    return call(clo, argv(f))
                return direct
            get = _reader(ctx.ref(sym))             # a nested function
            if tail:
                return lambda f: TailCall(get(f), argv(f))

            def nested(f):
                g = rt.g + c_call
                rt.g = g
                if g >= rt.lim:
                    rt.gas_out()
                return call(get(f), argv(f))
            return nested
        fn = self.expr(callee, ctx, False)          # a call of a function value
        enter, apply_prim = rt.enter, rt.apply_prim
        if tail:
            def tail_value(f):
                fv = fn(f)
                args = argv(f)
                if type(fv) is Closure:
                    return TailCall(fv, args)
                return apply_prim(fv, args)
            return tail_value

        def value_call(f):
            g = rt.g + c_call
            rt.g = g
            if g >= rt.lim:
                rt.gas_out()
            fv = fn(f)
            return enter(fv, argv(f))
        return value_call

    def x_Field(self, e, ctx, tail):
        sym = self.refs.get(id(e))
        if isinstance(sym, FunctionSym):            # `List.length` used as a value
            return self.constant(self.cost["read"], self.builtin_value(sym.builtin))
        obj = self.expr(e.obj, ctx, False)
        name = e.name
        return self.charged(self.cost["field"], lambda f: obj(f)[name])

    def x_Index(self, e, ctx, tail):
        obj = self.expr(e.obj, ctx, False)
        index = self.expr(e.index, ctx, False)

        def run(f):
            xs = obj(f)
            i = index(f)
            if 0 <= i < len(xs):
                return xs[i]
            raise MtpRuntimeError("IndexOutOfBounds", {"index": i, "length": len(xs)})
        return self.charged(self.cost["index"], run)

    def static_type(self, e):
        return prune(self.types[id(e)])

    def x_Unary(self, e, ctx, tail):
        operand = self.expr(e.operand, ctx, False)
        if e.op == "!":
            return self.charged(self.cost["not"], lambda f: not operand(f))
        if self.static_type(e) == TCon("Decimal"):
            return self.charged(self.cost["neg"], lambda f: decimal128.neg(operand(f)))

        def neg(f):
            r = -operand(f)
            if r > INT64_MAX or r < INT64_MIN:
                raise _overflow()
            return r
        return self.charged(self.cost["neg"], neg)

    def x_Binary(self, e, ctx, tail):
        op = e.op
        left = self.expr(e.left, ctx, False)
        right = self.expr(e.right, ctx, False)
        rt = self.rt
        if op == "&&":
            return self.charged(self.cost[op], lambda f: left(f) and right(f))
        if op == "||":
            return self.charged(self.cost[op], lambda f: left(f) or right(f))
        operand = self.static_type(e.left)
        if op in ("==", "!="):
            scalar = isinstance(operand, TCon) and operand.union is None and operand.name in _SCALARS
            if scalar:
                fn = (lambda f: left(f) == right(f)) if op == "==" else (lambda f: left(f) != right(f))
            else:
                equal = rt.equal
                fn = (lambda f: equal(left(f), right(f))) if op == "==" else \
                    (lambda f: not equal(left(f), right(f)))
            return self.charged(self.cost[op], fn)
        if op in ("<", "<=", ">", ">="):
            fn = {"<": lambda f: left(f) < right(f), "<=": lambda f: left(f) <= right(f),
                  ">": lambda f: left(f) > right(f), ">=": lambda f: left(f) >= right(f)}[op]
            return self.charged(self.cost[op], fn)
        kind = operand.name if isinstance(operand, TCon) else "number"
        if kind == "string":
            def concat(f):
                a, b = left(f), right(f)
                size = _u16(a) + _u16(b)
                rt.sur(size)                  # before allocating: the size is known (§4)
                if size > gas.MAX_STRING_LENGTH:
                    raise MtpRuntimeError("StringTooLong", {"limit": gas.MAX_STRING_LENGTH})
                return a + b
            return self.charged(self.cost["concat"], concat)
        if kind == "Decimal":
            fn = {"+": decimal128.add, "-": decimal128.sub, "*": decimal128.mul}[op]
            return self.charged(self.cost[op], lambda f: fn(left(f), right(f)))
        c = self.cost[op]
        if op in ("/", "%"):
            fn = _int_div if op == "/" else _int_mod
            return self.charged(c, lambda f: fn(left(f), right(f)))
        arith = {"+": int.__add__, "-": int.__sub__, "*": int.__mul__}[op]
        if op == "+":
            def add(f):
                g = rt.g + c
                rt.g = g
                if g >= rt.lim:
                    rt.gas_out()
                r = left(f) + right(f)
                if r > INT64_MAX or r < INT64_MIN:
                    raise _overflow()
                return r
            return add
        if op == "-":
            def sub(f):
                g = rt.g + c
                rt.g = g
                if g >= rt.lim:
                    rt.gas_out()
                r = left(f) - right(f)
                if r > INT64_MAX or r < INT64_MIN:
                    raise _overflow()
                return r
            return sub

        def mul(f):
            r = arith(left(f), right(f))
            if r > INT64_MAX or r < INT64_MIN:
                raise _overflow()
            return r
        return self.charged(c, mul)


# ---------------------------------------------------------------- deep-stack execution
_RUN_LOCK = threading.Lock()


def _run_deep(fn: Callable[[], Any]) -> Any:
    """Run fn in a worker thread with a large stack and a raised recursion limit."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:   # re-raised in the caller: Python bugs must surface
            box["error"] = e

    with _RUN_LOCK:
        old_limit = sys.getrecursionlimit()
        old_stack = threading.stack_size()
        try:
            threading.stack_size(STACK_BYTES)
            sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
            worker = threading.Thread(target=target, name="mtpscript-reference")
            worker.start()
            worker.join()
        finally:
            threading.stack_size(old_stack)
            sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]
    return box["value"]


_CACHE: "OrderedDict[int, tuple[object, ReferenceProgram]]" = OrderedDict()
_CACHE_SIZE = 16
_CACHE_LOCK = threading.Lock()


def compile_reference(check_result) -> ReferenceProgram:
    """The compiled program for a CheckResult (cached for the few most recent ones)."""
    with _CACHE_LOCK:
        hit = _CACHE.get(id(check_result))
        if hit is not None and hit[0] is check_result:
            _CACHE.move_to_end(id(check_result))
            return hit[1]
    program = _run_deep(lambda: ReferenceProgram(check_result))
    with _CACHE_LOCK:
        _CACHE[id(check_result)] = (check_result, program)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return program


def run_reference(check_result, request: dispatch.Request, gas_limit: int, host: Any = None) -> Outcome:
    """Run one request against the checked program with the given gas limit."""
    return compile_reference(check_result).handle(request, gas_limit, host)
