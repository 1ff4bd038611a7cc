"""The QuickJS execution path: verified bytecode + one sealed VM per request.

A `Program` is what a snapshot holds: the routes of the manifest and the bytecode.
`Program.handle(request, gas_limit, host)` runs one request in a SealedVM of its own:
dispatch (runtime/dispatch.py), decode the typed body, call `$main` in the VM and
turn its outcome into a Response. The host functions the VM may call (Decimal
arithmetic, Map key order, Json, Hash and the effects) run here, in Python, on the
shared value library (stdlib/); an effect the route did not declare is refused
(fail closed), although the checker already guarantees it cannot be requested.

Prepared VMs: `Program.prepare(n)` creates, hardens, gives `$host` (a bridge with no
host and no effects yet) and loads the bytecode into VMs ahead of use, in a pool of
the calling thread (a VM is bound to the thread that created it). `handle` on that
thread takes one, binds the request's seed, host and the route's effects, calls
`$main` (static initialisers, then the handler) and retires the VM: each VM serves one
request. Freeing a used VM is deferred to the thread's next `prepare` (or unprepared
`handle`, or `discard_prepared`), except for `sensitive` routes, whose VM is closed at
once. Without a prepared VM, `handle` does the same steps on the spot.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from mtpscript.compiler.manifest import TypeReader
from mtpscript.compiler.types import Type
from mtpscript.stdlib import cbor as cbor_codec
from mtpscript.stdlib import decimal128, hashing, json_codec
from mtpscript.stdlib.errors import MtpRuntimeError
from mtpscript.stdlib.hashing import map_sort_key

from . import dispatch
from .engine import EngineError, GuestError, SealedVM
from .wire import from_wire, sort_key_hex, to_wire


# Engine stack for guest code: enough for the deterministic depth limit of 1,000 nested
# non-tail calls (spec/execution.md section 5) with room for deep expressions in each frame.
VM_STACK_BYTES = 4 * 1024 * 1024
# The wall-clock backstop, in guest running time (host calls do not count): a fixed
# allowance for loading and static initialisation plus an allowance per unit of the
# request's gas limit, so that gas (the deterministic limit) always ends a request
# first. The slowest guest code measured runs ~10 M gas units per second (Decimal
# arithmetic) and a request may run twice (both tiers, spec/execution.md section 12);
# 1 µs per unit leaves a factor of 5 for slower machines. The default gas limit gets
# 130 s, the largest ~35 minutes.
WALL_CLOCK_SECONDS = 120.0
WALL_CLOCK_SECONDS_PER_GAS = 1e-6
# Most prepared VMs one thread may hold for one Program (each holds a hardened heap).
MAX_PREPARED = 64


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


class _Bridge:
    """The single host function `$host.call(name, wireArgs)` installed in every VM.

    A VM is prepared with an unbound bridge (no host, no effects: every effect is
    refused, fail closed); the request's host and the route's declared effects are
    bound when the request arrives, before `$main` runs any guest code."""

    __slots__ = ("host", "effects", "journal")

    def __init__(self, host=None, effects: frozenset[str] = frozenset()):
        self.host = host
        self.effects = effects
        self.journal: list = []

    def bind(self, host, effects: frozenset[str]) -> None:
        self.host, self.effects, self.journal = host, effects, []

    def unbind(self) -> None:
        self.host, self.effects = None, frozenset()

    def call(self, name: str, args_json: str) -> str:
        # The VM refuses values nested deeper than the limit before they cross (execution.md 4.1).
        args = tuple(from_wire(a) for a in json.loads(args_json))
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
            wire = to_wire(result)     # a result nested too deep: ValueTooDeep
        except MtpRuntimeError as err:
            response = dispatch.runtime_error_response(err)
            return json.dumps({"stop": response.body.decode("utf-8"), "status": response.status})
        return json.dumps({"ok": wire})


class _PreparedVM:
    """A sealed VM with `$host` installed (bridge unbound) and the program loaded: no
    guest function has run yet. It serves exactly one request (`take` hands it out once)."""

    __slots__ = ("vm", "bridge")

    def __init__(self, vm: SealedVM, bridge: _Bridge):
        self.vm: SealedVM | None = vm
        self.bridge = bridge

    def take(self) -> tuple[SealedVM, _Bridge]:
        vm = self.vm
        if vm is None:
            raise EngineError("a prepared VM serves exactly one request; this one was already used")
        self.vm = None
        return vm, self.bridge


class _ThreadPool(threading.local):
    """One thread's prepared VMs for one Program (a VM is bound to the thread that made it).

    `ready`: prepared, never used. `spent`: used and retired (every further use refused)
    but not yet freed; freeing is deferred to this thread's next `prepare`, unprepared
    `handle` or `discard_prepared`, so that it is not on a request's critical path."""

    def __init__(self) -> None:
        self.ready: deque[_PreparedVM] = deque()
        self.spent: list[SealedVM] = []

    def free_spent(self) -> None:
        spent, self.spent = self.spent, []
        for vm in spent:
            vm.close()


_quote = json.encoder.encode_basestring_ascii      # what json.dumps writes for a str
_NULL_BODY = '{"u": "Json", "v": "JsonNull", "k": null, "f": []}'   # the wire of an empty body


def _str_map_json(d: dict) -> str:
    """`json.dumps(to_wire(MtpMap.from_pairs(d.items())))` for a dict of str -> str."""
    if not d:
        return '{"m": [], "k": []}'
    entries = sorted([(map_sort_key(k), k, v) for k, v in d.items()])
    return ('{"m": [' + ", ".join(["[" + _quote(k) + ", " + _quote(v) + "]" for _, k, v in entries])
            + '], "k": [' + ", ".join(['"' + sort_key_hex(k) + '"' for _, k, _ in entries])
            + "]}")


def is_plain_str_dict(d: Any) -> bool:
    """A `dict` whose keys and values are all exactly `str` (what the fast paths handle)."""
    if type(d) is not dict:
        return False
    for k, v in d.items():
        if type(k) is not str or type(v) is not str:
            return False
    return True


def request_wire(route: RouteSpec, params: dict[str, str], request: dispatch.Request,
                 typed_body: Any = None) -> dict:
    """The wire structure `$main` receives: the request value, plus `$typedBody` when the
    route has a body type (the decoded body)."""
    wire = to_wire(dispatch.request_value(route, params, request))
    if route.body_type is not None:
        wire["r"]["$typedBody"] = to_wire(typed_body)
    return wire


def request_wire_json(route: RouteSpec, params: dict[str, str], request: dispatch.Request,
                      typed_body: Any = None) -> str:
    """`json.dumps(wire)` of the request value (plus `$typedBody` when the route has a body
    type), written directly when the body is empty and the query and headers are plain
    str -> str dicts (the usual GET); the same text, byte for byte
    (tests/service/test_service_prepared.py compares them). Otherwise the general path."""
    query, headers = request.query, request.headers
    if request.body or not (is_plain_str_dict(query) and is_plain_str_dict(headers)):
        return json.dumps(request_wire(route, params, request, typed_body))
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        lowered[name.lower()] = value
    text = ('{"r": {"body": ' + _NULL_BODY
            + ', "headers": ' + _str_map_json(lowered)
            + ', "params": {"r": {' + ", ".join([_quote(n) + ": " + _quote(params[n]) for n in sorted(set(route.params))])
            + '}}, "query": ' + _str_map_json(query))
    if route.body_type is not None:
        text += ', "$typedBody": ' + json.dumps(to_wire(typed_body))
    return text + "}}"


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


_OUTCOME_DECODER = json.JSONDecoder()


def _decode_outcome(raw: str) -> dict:
    """`json.loads(raw)` of `$main`'s outcome (JSON.stringify output: no surrounding
    whitespace), without the whitespace scans; anything else goes through json.loads."""
    try:
        value, end = _OUTCOME_DECODER.scan_once(raw, 0)
    except (StopIteration, TypeError):
        end = -1
    return value if end == len(raw) else json.loads(raw)


class Program:
    """The routes and bytecode of a snapshot, and per thread a pool of prepared VMs.

    `handle` serves one request in a VM used for that request only: a prepared one from
    the calling thread's pool when there is one (see `prepare`), else one created on the
    spot. Either way the VM was created, hardened, given `$host` and loaded with the
    bytecode before the request's seed, host and effects were bound, and no guest
    function has run in it before `$main`."""

    def __init__(self, routes: list[RouteSpec], bytecode: bytes):
        self.routes = routes
        self.bytecode = bytecode
        self._index = {id(route): i for i, route in enumerate(routes)}
        self._pool = _ThreadPool()

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

    # -- prepared VMs -------------------------------------------------------------------

    def _new_vm(self) -> _PreparedVM:
        """Create + harden a VM, install `$host` with an unbound bridge, load the bytecode
        (the top-level script only declares functions and constants) and seal it."""
        bridge = _Bridge()
        vm = SealedVM(max_stack_bytes=VM_STACK_BYTES, wall_clock_seconds=WALL_CLOCK_SECONDS)
        try:
            vm.install_host("$host", {"call": bridge.call})
            vm.run_bytecode(self.bytecode)
            vm.seal("$main")
        except BaseException:
            vm.close()
            raise
        return _PreparedVM(vm, bridge)

    def prepare(self, n: int = 1) -> int:
        """Make sure at least `n` prepared VMs wait in the calling thread's pool (0..MAX_PREPARED);
        first free the VMs this thread used since the last time. Returns how many it created.
        Only `handle` calls on this same thread use them."""
        if type(n) is not int or not 0 <= n <= MAX_PREPARED:
            raise ValueError(f"n must be an int from 0 to {MAX_PREPARED}")
        pool = self._pool
        pool.free_spent()
        created = 0
        while len(pool.ready) < n:
            pool.ready.append(self._new_vm())
            created += 1
        return created

    def prepared_count(self) -> int:
        """How many prepared VMs wait in the calling thread's pool."""
        return len(self._pool.ready)

    def discard_prepared(self) -> int:
        """Close the calling thread's prepared VMs and free the used ones (e.g. before the
        thread ends). Returns how many prepared VMs were closed."""
        pool = self._pool
        ready, pool.ready = pool.ready, deque()
        for prepared in ready:
            if prepared.vm is not None:
                prepared.vm.close()
        pool.free_spent()
        return len(ready)

    # -- one request --------------------------------------------------------------------

    def handle(self, request: dispatch.Request, gas_limit: int, host, seed: bytes | None = None) -> Outcome:
        """Serve one request in a VM of its own. `seed` is bound into the host state (its
        `bind_seed`) before the VM runs any guest code, static initialisers included."""
        selected = dispatch.select_route(self.routes, request.method, request.path)
        if selected is None:
            return Outcome(dispatch.error_response("NotFound", 404, method=request.method, path=request.path), 0)
        route, params = selected
        wire = None
        try:
            typed_body = dispatch.decode_body(route.body_type, request.body) if route.body_type is not None else None
            if route.sensitive:           # kept as a structure that can be wiped afterwards
                wire = request_wire(route, params, request, typed_body)
                wire_json = json.dumps(wire)
            else:
                wire_json = request_wire_json(route, params, request, typed_body)
        except dispatch.BadRequest as bad:
            return Outcome(dispatch.error_response("BadRequest", 400, field=bad.field, message=bad.message), 0)
        if seed is not None and hasattr(host, "bind_seed"):
            host.bind_seed(seed)
        pool = self._pool
        if pool.ready:
            prepared, defer_free = pool.ready.popleft(), not route.sensitive
        else:
            pool.free_spent()             # this request is on the slow path anyway
            prepared, defer_free = self._new_vm(), False
        vm, bridge = prepared.take()
        vm.extend_wall_clock(gas_limit * WALL_CLOCK_SECONDS_PER_GAS)
        bridge.bind(host, route.effects)
        journal = bridge.journal
        try:
            raw = vm.call("$main", self._index[id(route)], wire_json, gas_limit)
        except GuestError as err:
            if err.kind in ENGINE_LIMIT_ERRORS:
                return Outcome(dispatch.error_response(ENGINE_LIMIT_ERRORS[err.kind]), 0, journal)
            raise
        finally:
            bridge.unbind()
            if defer_free:
                vm.retire("used for one request")
                pool.spent.append(vm)
            else:
                vm.close()
        outcome = _decode_outcome(raw)
        response = dispatch.Response(outcome["status"], {"content-type": outcome["type"]},
                                     outcome["body"].encode("utf-8"))
        if wire is not None:
            _wipe(wire)
        return Outcome(response, outcome["gas"], journal)
