"""One fresh VM per request: nothing crosses requests (issue #5 deliverable 5).

1. Raw JavaScript in one SealedVM (runtime.engine, as a malicious fragment injected
   through the lowering would run) writes globals, tries to mutate every prototype and
   intrinsic it can reach and stores data wherever it can. The writes that the hardening
   refuses are asserted one by one; a fresh VM then sees none of what succeeded.
2. Through the embedding API: different requests served alternately by one Snapshot
   give exactly the outputs they give when served alone.
3. Thread safety: 8 threads x 25 requests on one Snapshot give the sequential results.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from mtpscript.runtime.engine import GuestError, SealedVM, compile_js
from mtpscript.runtime.service import audit_line

# Each attempt runs in strict mode (a refused write throws instead of failing silently).
POLLUTER = r"""
var $results = [];
let scriptScoped = { secret: "let-binding" };
var reachable = { nested: { secret: "in-a-global-object" } };
function attempt(name, f) {
  try { f(); $results.push([name, "ok"]); }
  catch (e) { $results.push([name, (e && e.name) || String(e)]); }
}
attempt("var global (sloppy)", function () { globalThis.leakVar = "v1"; });
attempt("new global property", function () { "use strict"; globalThis.leakProp = { secret: "p1" }; });
attempt("defineProperty global", function () { "use strict"; Object.defineProperty(globalThis, "leakDefined", { value: 1 }); });
attempt("store in guest object", function () { "use strict"; reachable.nested.more = "x"; });
attempt("guest function property", function () { "use strict"; attempt.leak = "fn-prop"; });
attempt("Symbol.for registry", function () { "use strict"; Symbol.for("mtp-leak"); });
attempt("overwrite JSON global", function () { "use strict"; globalThis.JSON = {}; });
attempt("delete Math global", function () { "use strict"; delete globalThis.Math; });
attempt("Object.prototype.polluted", function () { "use strict"; Object.prototype.polluted = 1; });
attempt("Object.prototype via __proto__", function () { "use strict"; ({}).__proto__.viaProto = 1; });
attempt("defineProperty Object.prototype", function () { "use strict"; Object.defineProperty(Object.prototype, "leak2", { value: 1 }); });
attempt("setPrototypeOf Object.prototype", function () { "use strict"; Object.setPrototypeOf(Object.prototype, {}); });
attempt("Array.prototype.push", function () { "use strict"; Array.prototype.push = function () { return -1; }; });
attempt("Array.prototype new method", function () { "use strict"; Array.prototype.leak = 1; });
attempt("String.prototype.toUpperCase", function () { "use strict"; String.prototype.toUpperCase = function () { return "x"; }; });
attempt("Function.prototype via arrow", function () { "use strict"; Object.getPrototypeOf(() => 0).leak = 1; });
attempt("Error.prototype.message", function () { "use strict"; Error.prototype.message = "x"; });
attempt("Iterator prototype via array", function () { "use strict"; Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())).leak = 1; });
attempt("Generator prototype", function () { "use strict"; Object.getPrototypeOf(function* () {}).leak = 1; });
attempt("Promise.prototype.then", function () { "use strict"; Promise.prototype.then = function () {}; });
attempt("JSON.stringify", function () { "use strict"; JSON.stringify = function () { return "x"; }; });
attempt("Math.max", function () { "use strict"; Math.max = function () { return 7; }; });
attempt("Object.keys", function () { "use strict"; Object.keys = function () { return []; }; });
attempt("RegExp static", function () { "use strict"; RegExp.leak = 1; });
attempt("host namespace member", function () { "use strict"; Host.leak = 1; });
attempt("host function property", function () { "use strict"; Host.echo.leak = 1; });
attempt("replace host namespace", function () { "use strict"; globalThis.Host = {}; });

function results() { return JSON.stringify($results); }
function afterSeal() {
  "use strict";
  var out = [];
  try { globalThis.lateGlobal = 1; out.push("ok"); } catch (e) { out.push(e.name); }
  try { leakVar = "rebound"; out.push("ok"); } catch (e) { out.push(e.name); }
  try { scriptScoped.secret = "mutated"; out.push("ok"); } catch (e) { out.push(e.name); }
  return JSON.stringify(out);
}
"""

#: What must happen to each attempt: "ok" = allowed (per-VM state), else the error name.
EXPECTED = {
    "var global (sloppy)": "ok",
    "new global property": "ok",          # allowed until the first call() seals the global object
    "defineProperty global": "TypeError", # hardening.GLOBAL_OBJECT_GUARDS (engine-bug workaround)
    "store in guest object": "ok",
    "guest function property": "ok",
    "Symbol.for registry": "ok",
    "overwrite JSON global": "TypeError",
    "delete Math global": "TypeError",
    "Object.prototype.polluted": "TypeError",
    "Object.prototype via __proto__": "TypeError",
    "defineProperty Object.prototype": "TypeError",
    "setPrototypeOf Object.prototype": "TypeError",
    "Array.prototype.push": "TypeError",
    "Array.prototype new method": "TypeError",
    "String.prototype.toUpperCase": "TypeError",
    "Function.prototype via arrow": "TypeError",
    "Error.prototype.message": "TypeError",
    "Iterator prototype via array": "TypeError",
    "Generator prototype": "TypeError",
    "Promise.prototype.then": "TypeError",
    "JSON.stringify": "TypeError",
    "Math.max": "TypeError",
    "Object.keys": "TypeError",
    "RegExp static": "TypeError",
    "host namespace member": "TypeError",
    "host function property": "TypeError",
    "replace host namespace": "TypeError",
}

OBSERVER = r"""
function observe() {
  "use strict";
  var seen = {};
  var names = ["leakVar", "leakProp", "leakDefined", "$results", "reachable", "attempt", "results",
               "afterSeal", "lateGlobal"];
  for (var i = 0; i < names.length; i++) seen[names[i]] = Object.prototype.hasOwnProperty.call(globalThis, names[i]);
  seen.scriptScoped = typeof scriptScoped !== "undefined";
  seen.objectProto = ["polluted", "viaProto", "leak2"].filter(function (k) { return k in {}; });
  seen.arrayProtoLeak = "leak" in [];
  seen.push = (function () { var a = []; return a.push(1, 2); })();
  seen.upper = "abc".toUpperCase();
  seen.stringify = JSON.stringify({ a: [1] });
  seen.max = Math.max(1, 3);
  seen.keys = Object.keys({ x: 1, y: 2 }).length;
  seen.errorMessage = new Error().message;
  seen.fnProtoLeak = "leak" in (() => 0);
  seen.hostLeak = "leak" in Host || "leak" in Host.echo;
  seen.hostEcho = Host.echo("still-here");
  seen.objectProtoIsNullRooted = Object.getPrototypeOf(Object.prototype) === null;
  seen.globalKeys = Object.getOwnPropertyNames(globalThis).filter(function (k) {
    return ["leakVar", "leakProp", "leakDefined", "$results", "reachable", "attempt"].indexOf(k) >= 0;
  });
  return JSON.stringify(seen);
}
"""

CLEAN_VIEW = {
    "leakVar": False, "leakProp": False, "leakDefined": False, "$results": False, "reachable": False,
    "attempt": False, "results": False, "afterSeal": False, "lateGlobal": False, "scriptScoped": False,
    "objectProto": [], "arrayProtoLeak": False, "push": 2, "upper": "ABC", "stringify": '{"a":[1]}',
    "max": 3, "keys": 2, "errorMessage": "", "fnProtoLeak": False, "hostLeak": False,
    "hostEcho": "still-here", "objectProtoIsNullRooted": True, "globalKeys": [],
}


def _host():
    return {"echo": lambda x=None: x}


def _observe() -> dict:
    with SealedVM() as vm:
        vm.install_host("Host", _host())
        vm.run_bytecode(compile_js(OBSERVER, "observer.js"))
        return json.loads(vm.call("observe"))


def test_a_fresh_vm_is_clean_to_begin_with():
    assert _observe() == CLEAN_VIEW


def test_polluter_writes_what_it_may_and_is_refused_the_rest():
    with SealedVM() as vm:
        vm.install_host("Host", _host())
        vm.run_bytecode(compile_js(POLLUTER, "polluter.js"))
        outcome = dict(json.loads(vm.call("results")))
        assert outcome == EXPECTED
        # after sealing (the first call) no global can be added or rebound; guest-owned objects stay mutable
        assert json.loads(vm.call("afterSeal")) == ["TypeError", "TypeError", "ok"]
        assert vm.call("results") == json.dumps(list(map(list, outcome.items())), separators=(",", ":"))


def test_nothing_the_polluter_did_is_visible_to_a_fresh_vm():
    polluter = compile_js(POLLUTER, "polluter.js")
    for _ in range(3):
        with SealedVM() as vm:
            vm.install_host("Host", _host())
            vm.run_bytecode(polluter)
            vm.call("results")
            vm.call("afterSeal")
        assert _observe() == CLEAN_VIEW


def test_a_live_polluted_vm_does_not_leak_into_a_vm_created_beside_it():
    """Isolation does not depend on closing the first VM: two VMs alive at once."""
    with SealedVM() as polluted:
        polluted.install_host("Host", _host())
        polluted.run_bytecode(compile_js(POLLUTER, "polluter.js"))
        polluted.call("results")
        assert _observe() == CLEAN_VIEW
        assert json.loads(polluted.call("afterSeal"))[2] == "ok"


def test_guest_state_lives_exactly_as_long_as_its_vm():
    """Mutable guest state (a top-level `let`, a cache object, a function property) persists
    across calls into the same VM -- which is why every request gets a new one -- and a new
    VM starts from the program's initial state."""
    source = r"""
    let counter = 0;
    const cache = {};
    function hit(key) {
      "use strict";
      counter += 1;
      cache[key] = (cache[key] || 0) + 1;
      hit.calls = (hit.calls || 0) + 1;
      return counter + ":" + cache[key] + ":" + hit.calls;
    }
    """
    bytecode = compile_js(source, "state.js")
    with SealedVM() as vm:
        vm.run_bytecode(bytecode)
        assert [vm.call("hit", "k") for _ in range(3)] == ["1:1:1", "2:2:2", "3:3:3"]
    for _ in range(2):
        with SealedVM() as vm:
            vm.run_bytecode(bytecode)
            assert vm.call("hit", "k") == "1:1:1"


def test_replacing_the_global_prototype_spends_the_vm_not_the_next_one():
    with SealedVM() as vm:
        vm.run_bytecode(compile_js("Object.setPrototypeOf(globalThis, { injected: 1 }); function f() { return 1; }",
                                   "proto.js"))
        with pytest.raises(GuestError):
            vm.call("f")
    assert _observe() == CLEAN_VIEW


# -- through the embedding API ----------------------------------------------------------------

MIX = [
    ({"method": "GET", "path": "/greet/ada"}, "req-a"),
    ({"method": "GET", "path": "/items/1"}, "req-b"),
    ({"method": "GET", "path": "/ping"}, "req-c"),
    ({"method": "GET", "path": "/greet/%F0%9F%9A%80"}, "req-d"),
    ({"method": "GET", "path": "/nope"}, "req-e"),
    ({"method": "POST", "path": "/ping", "body": b'{"x": 1}'}, "req-f"),
]


def _fingerprint(result) -> tuple:
    return (result.status, tuple(sorted(result.headers.items())), result.body, result.sha256, result.gas_used,
            audit_line(result.audit))


def _serve(snapshot, index: int) -> tuple:
    request, rid = MIX[index]
    return _fingerprint(snapshot.handle(request, 200_000, request_id=rid))


@pytest.fixture(scope="module")
def alone(app_snapshot):
    """Each request of MIX served by itself, once."""
    return [_serve(app_snapshot, i) for i in range(len(MIX))]


def test_alternating_requests_equal_each_served_alone(app_snapshot, alone):
    order = [i % len(MIX) for i in range(4 * len(MIX))] + [0, 1, 0, 1, 5, 4, 3, 2, 1, 0]
    for i in order:
        assert _serve(app_snapshot, i) == alone[i], MIX[i]


def test_a_fresh_snapshot_object_gives_the_same_results(app_source, alone):
    from mtpscript.runtime.service import Snapshot
    fresh = Snapshot.from_source(app_source)
    assert [_serve(fresh, i) for i in reversed(range(len(MIX)))] == list(reversed(alone))


def test_host_state_does_not_cross_requests(app_snapshot):
    """Each request gets its own host state: the default FixtureHost is per request, and a
    host passed in only sees the effects of its own request."""
    from mtpscript.runtime.reference import FixtureHost
    hosts = [FixtureHost() for _ in range(3)]
    for i, host in enumerate(hosts):
        app_snapshot.handle({"method": "GET", "path": f"/items/{i}"}, 200_000, host=host)
    for i, host in enumerate(hosts):
        ops = [op for _, op, _ in host.journal]
        assert ops == ["Log.info", "DbRead.query"], ops
        assert all(str(i) in json.dumps(repr(args)) for _, op, args in host.journal if op == "DbRead.query")


def test_eight_threads_match_sequential(app_snapshot, alone):
    per_thread = 25
    barrier = threading.Barrier(8)

    def worker(t: int) -> list[tuple[int, tuple]]:
        barrier.wait()
        out = []
        for k in range(per_thread):
            i = (t + k) % len(MIX)
            out.append((i, _serve(app_snapshot, i)))
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [r for chunk in pool.map(worker, range(8)) for r in chunk]
    assert len(results) == 8 * per_thread
    mismatches = [(MIX[i][0], got) for i, got in results if got != alone[i]]
    assert not mismatches, mismatches[:3]
