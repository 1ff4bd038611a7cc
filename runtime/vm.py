"""The QuickJS execution path: verified bytecode + one sealed VM per request.

A `Program` is what a snapshot holds: the routes of the manifest and the bytecode.
`Program.handle(request, gas_limit, host)` runs one request in a fresh SealedVM:
dispatch (runtime/dispatch.py), decode the typed body, call `$main` in the VM and
turn its outcome into a Response. The host functions the VM may call (Decimal
arithmetic, Map key order, Json, Hash and the effects) run here, in Python, on the
shared value library (stdlib/); an effect the route did not declare is refused
(fail closed), although the checker already guarantees it cannot be requested.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mtpscript.compiler.manifest import TypeReader
from mtpscript.compiler.types import Type
from mtpscript.stdlib import cbor as cbor_codec
from mtpscript.stdlib import decimal128, hashing, json_codec
from mtpscript.stdlib.errors import MtpRuntimeError

from . import dispatch
from .engine import GuestError, SealedVM
from .wire import from_wire, sort_key_hex, to_wire


# Engine stack for guest code: enough for the deterministic depth limit of 1,000 nested
# non-tail calls (spec/execution.md section 5) with room for deep expressions in each frame.
VM_STACK_BYTES = 4 * 1024 * 1024
# The wall-clock backstop: far above what the largest gas limit allows, so gas (the
# deterministic limit) always ends a request first.
WALL_CLOCK_SECONDS = 120.0


# Engine limits surfaced as error responses (spec/execution.md section 6). Only the heap
# limit is expected in practice; the stack and wall-clock limits are backstops behind the
# deterministic depth limit and gas, and report gasUsed 0 because the VM is gone.
ENGINE_LIMIT_ERRORS = {"MemoryExhausted": "MemoryExhausted", "StackOverflow": "StackExhausted",
                       "Interrupted": "TimeLimitExceeded"}


@dataclass
class Outcome:
    response: dispatch.Response
    gas_used: int
    journal: list = field(default_factory=list)   # (callIndex, op, args) of every effect performed


@dataclass(frozen=True)
class RouteSpec:
    """A route as the manifest describes it (what dispatch and effect injection need)."""
    method: str
    path: str
    params: list[str]
    body_type: Type | None
    effects: frozenset[str]
    sensitive: bool


def _hash_of(v: Any) -> str:
    return f"{hashing.fnv1a64(cbor_codec.encode(v)):016x}"


# name -> Python function over stdlib values (each returns a value or raises MtpRuntimeError)
HOST_FUNCTIONS = {
    "Decimal.add": decimal128.add,
    "Decimal.sub": decimal128.sub,
    "Decimal.mul": decimal128.mul,
    "Decimal.neg": decimal128.neg,
    "Decimal.div": decimal128.div,
    "Decimal.round": decimal128.round,
    "Decimal.compare": decimal128.compare,
    "Decimal.fromString": decimal128.from_string,
    "Decimal.fromNumber": decimal128.from_number,
    "Map.key": sort_key_hex,
    "Json.parse": json_codec.parse,
    "Json.from": json_codec.json_from,
    "Hash.sha256": lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest(),
    "Hash.fnv1a64": lambda s: f"{hashing.fnv1a64(s.encode('utf-8')):016x}",
    "Hash.cbor": lambda v: cbor_codec.encode(v).hex(),
    "Hash.of": _hash_of,
}


def _decimal_fast(op: str):
    """A string-in/string-out host function for Decimal arithmetic (no wire encoding).

    Returns the canonical result, or "!" followed by the error body."""
    def call(a: str, b: str) -> str:
        try:
            return decimal128.arith_text(op, a, b)
        except MtpRuntimeError as err:
            return "!" + dispatch.runtime_error_response(err).body.decode("utf-8")
    return call


def _decimal_div(a: str, b: str) -> str:
    """Decimal.div on canonical strings: the quotient, or "#" + the DecimalError variant name."""
    result = decimal128.div(decimal128.canonical(Decimal(a)), decimal128.canonical(Decimal(b)))
    return decimal128.to_string(result.fields[0]) if result.name == "Ok" else "#" + result.fields[0].name


DECIMAL_FAST = {"dadd": _decimal_fast("add"), "dsub": _decimal_fast("sub"), "dmul": _decimal_fast("mul"),
                "ddiv": _decimal_div}


class _Bridge:
    """The single host function `$host.call(name, wireArgs)` installed in every VM."""

    def __init__(self, host, effects: frozenset[str]):
        self.host = host
        self.effects = effects
        self.journal: list = []

    def call(self, name: str, args_json: str) -> str:
        try:
            args = tuple(from_wire(a) for a in json.loads(args_json))
        except RecursionError:   # a value nested too deep for the host's decoder: a known gap
            return json.dumps({"stop": '{"error":"ValueTooDeep"}', "status": 500})
        try:
            fn = HOST_FUNCTIONS.get(name)
            if fn is not None:
                result = fn(*args)
            else:
                effect = name.split(".")[0]
                if effect not in self.effects and "Async" not in self.effects:
                    raise MtpRuntimeError("EffectNotGranted", {"effect": effect})
                self.journal.append((len(self.journal), name, args))
                result = self.host.perform(name, args)
        except MtpRuntimeError as err:
            response = dispatch.runtime_error_response(err)
            return json.dumps({"stop": response.body.decode("utf-8"), "status": response.status})
        return json.dumps({"ok": to_wire(result)})


def _wipe(wire: dict) -> None:
    """Best effort for `sensitive` routes: clear the host's mutable copies of the request.

    spec/execution.md section 10 lists what this does and does not reach under CPython."""
    stack = [wire]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
            item.clear()
        elif isinstance(item, list):
            stack.extend(item)
            item.clear()


class Program:
    def __init__(self, routes: list[RouteSpec], bytecode: bytes):
        self.routes = routes
        self.bytecode = bytecode

    @classmethod
    def from_manifest(cls, manifest: dict, bytecode: bytes) -> "Program":
        reader = TypeReader(manifest.get("unions", {}))
        routes = [RouteSpec(r["method"], r["path"], list(r["params"]),
                            reader.read(r["bodyType"]) if r["bodyType"] is not None else None,
                            frozenset(r["effects"]), bool(r["sensitive"]))
                  for r in manifest["routes"]]
        return cls(routes, bytecode)

    @classmethod
    def from_check(cls, check, entry: str | None = None) -> "Program":
        """Compile a checked program in memory (lowering, bytecode and manifest)."""
        from .build import compile_program
        built = compile_program(check, entry or check.order[-1])
        return cls.from_manifest(built.manifest, built.bytecode)

    def handle(self, request: dispatch.Request, gas_limit: int, host, seed: bytes | None = None) -> Outcome:
        """Serve one request in a fresh VM. `seed` is bound into the host state (its
        `bind_seed`) before the VM runs any guest code, static initialisers included."""
        selected = dispatch.select_route(self.routes, request.method, request.path)
        if selected is None:
            return Outcome(dispatch.error_response("NotFound", 404, method=request.method, path=request.path), 0)
        route, params = selected
        try:
            request_value = dispatch.request_value(route, params, request)
            typed_body = dispatch.decode_body(route.body_type, request.body) if route.body_type is not None else None
        except dispatch.BadRequest as bad:
            return Outcome(dispatch.error_response("BadRequest", 400, field=bad.field, message=bad.message), 0)
        wire = to_wire(request_value)
        if route.body_type is not None:
            wire["r"]["$typedBody"] = to_wire(typed_body)
        if seed is not None and hasattr(host, "bind_seed"):
            host.bind_seed(seed)
        bridge = _Bridge(host, route.effects)
        with SealedVM(max_stack_bytes=VM_STACK_BYTES, wall_clock_seconds=WALL_CLOCK_SECONDS) as vm:
            vm.install_host("$host", {"call": bridge.call, **DECIMAL_FAST})
            vm.run_bytecode(self.bytecode)
            try:
                raw = vm.call("$main", self.routes.index(route), json.dumps(wire), gas_limit)
            except GuestError as err:
                if err.kind in ENGINE_LIMIT_ERRORS:
                    return Outcome(dispatch.error_response(ENGINE_LIMIT_ERRORS[err.kind]), 0, bridge.journal)
                raise
        outcome = json.loads(raw)
        headers = {"content-type": outcome["type"]}
        response = dispatch.Response(outcome["status"], headers, outcome["body"].encode("utf-8"))
        if route.sensitive:
            _wipe(wire)
        return Outcome(response, outcome["gas"], bridge.journal)
