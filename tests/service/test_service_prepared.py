"""Prepared VMs (issue #5: load once, handle many with a low critical path).

`Snapshot.prepare(n)` creates, hardens, gives `$host` (a bridge bound to nothing yet) and
loads the bytecode into VMs ahead of use, in a pool of the calling thread; `handle` on
that thread takes one per request. What must hold, asserted exactly (no timings):

1. prepared handling gives the same status, headers, body, SHA-256, gasUsed, audit record
   and effect journal as unprepared handling, byte for byte, for every kind of request;
   the fast request wire JSON and canonical request equal their general forms;
2. each prepared VM serves one request: it is handed out once, retired after use (every
   later call refused), freed at the thread's next prepare(), and closed at once for a
   `sensitive` route;
3. raw JavaScript injected into one prepared VM is invisible to the next request;
4. the bridge is fail-closed: unbound (as prepared) or bound to a route, an effect the
   route did not declare is refused and never reaches a host;
5. a VM prepared on one thread is never used on another: other threads fall back to
   creating a VM, or use their own pool;
6. nothing of a previous request (seed, host, journal) reaches the next one.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from mtpscript.runtime import dispatch, vm as vmmod
from mtpscript.runtime.engine import EngineError, SealedVM, compile_js
from mtpscript.runtime.reference import FixtureHost
from mtpscript.runtime.service import Snapshot, audit_line, canonical_request
from mtpscript.stdlib.json_codec import to_canonical_json
from mtpscript.stdlib.values import Record

APP = """\
type Item { name: string, qty: number }

const GREETING = "hello, "

api GET "/ping" {
  respond json({ "ok": true })
}

api GET "/greet/:name" {
  respond json({ "message": GREETING + request.params.name })
}

api GET "/echo" {
  respond json({ "query": request.query, "headers": request.headers, "body": request.body })
}

api GET "/items/:id" uses { DbRead, Log } {
  Log.info("lookup", { "id": request.params.id })
  match DbRead.query("SELECT * FROM items WHERE id = ?", [JsonString(request.params.id)]) {
    Ok(rows) => respond json({ "id": request.params.id, "rows": List.length(rows) }),
    Err(e) => respond status(503, json({ "error": e.message }))
  }
}

api POST "/items" (body: Item) uses { Log } {
  Log.info("item", { "name": body.name })
  respond json({ "name": body.name, "double": body.qty * 2 })
}

sensitive api POST "/secret" (body: { pin: string }) {
  respond json({ "length": String.length(body.pin) })
}
"""

HEADERS = {"Host": "api.example", "X-Trace": "é\u00e9\U0001F680", "x-trace": "later wins", "Accept": "*/*",
           "z\n\"\\": "\x00\x1f\u2028", "\U0001F600": "astral key", "\uff61": "bmp key above the surrogates"}

MIX = [
    ({"method": "GET", "path": "/ping"}, "req-ping"),
    ({"method": "GET", "path": "/greet/ada"}, "req-greet"),
    ({"method": "GET", "path": "/greet/%F0%9F%9A%80"}, "req-rocket"),
    ({"method": "GET", "path": "/echo?b=2&a=1&a=3&%C3%A9=x&=empty&flag"}, "req-query"),
    ({"method": "GET", "path": "/echo", "headers": HEADERS}, "req-headers"),
    ({"method": "GET", "path": "/echo", "body": b'{"k": [1, 2.50, "x", null, true, {"z": {}}]}'}, "req-body"),
    ({"method": "GET", "path": "/items/42"}, "req-items"),
    ({"method": "POST", "path": "/items", "body": b'{"name": "tea", "qty": 21}'}, "req-post"),
    ({"method": "POST", "path": "/items", "body": b'{"name": "tea"}'}, "req-bad-body"),
    ({"method": "POST", "path": "/items", "body": b'{not json'}, "req-not-json"),
    ({"method": "POST", "path": "/secret", "body": b'{"pin": "1234"}'}, "req-secret"),
    ({"method": "GET", "path": "/nope"}, "req-404"),
]
#: requests that never reach a VM (404, 400): they do not use a prepared VM
NO_VM = {"req-bad-body", "req-not-json", "req-404"}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("prepared") / "app.mtp"
    path.write_text(APP, encoding="utf-8")
    return path


@pytest.fixture
def snap(source):
    """A Snapshot of its own per test (its own per-thread pools), drained afterwards."""
    snapshot = Snapshot.from_source(source)
    yield snapshot
    snapshot.discard_prepared()


@pytest.fixture(scope="module")
def unprepared(source):
    """Each request of MIX served without prepared VMs, with a FixtureHost of its own."""
    snapshot = Snapshot.from_source(source)
    return [_serve(snapshot, i) for i in range(len(MIX))]


def _serve(snapshot, index: int, host=None) -> tuple:
    request, rid = MIX[index]
    host = host if host is not None else FixtureHost({"DbRead.query": [vmmod.from_wire({"u": "Result", "v": "Ok",
                                                                                        "k": None, "f": [[]]})]})
    result = snapshot.handle(request, 500_000, request_id=rid, host=host)
    return (result.status, tuple(sorted(result.headers.items())), result.body, result.sha256, result.gas_used,
            result.gas_limit, audit_line(result.audit), tuple(host.journal), host.seed)


# -- 1. same bytes -------------------------------------------------------------------------------


def test_the_mix_covers_what_it_should(unprepared):
    statuses = {rid: fp[0] for (_, rid), fp in zip(MIX, unprepared)}
    assert statuses == {"req-ping": 200, "req-greet": 200, "req-rocket": 200, "req-query": 200,
                        "req-headers": 200, "req-body": 200, "req-items": 200, "req-post": 200,
                        "req-bad-body": 400, "req-not-json": 400, "req-secret": 200, "req-404": 404}
    journals = {rid: [op for _, op, _ in fp[7]] for (_, rid), fp in zip(MIX, unprepared)}
    assert journals["req-items"] == ["Log.info", "DbRead.query"] and journals["req-post"] == ["Log.info"]


def test_prepared_handling_is_byte_identical_to_unprepared(snap, unprepared):
    for i, (_, rid) in enumerate(MIX):
        snap.prepare(1)
        assert snap.prepared_count() == 1
        assert _serve(snap, i) == unprepared[i], rid
        assert snap.prepared_count() == (1 if rid in NO_VM else 0), rid


def test_a_pool_of_many_serves_the_mix_in_any_order(snap, unprepared):
    order = list(range(len(MIX))) + list(reversed(range(len(MIX)))) + [0, 6, 0, 7, 4, 4]
    assert snap.prepare(len(order)) == len(order)
    for i in order:
        assert _serve(snap, i) == unprepared[i], MIX[i]
    used = sum(1 for i in order if MIX[i][1] not in NO_VM)
    assert snap.prepared_count() == len(order) - used


def test_program_handle_with_and_without_a_prepared_vm(source):
    program = Snapshot.from_source(source).program
    request = dispatch.Request.from_target("GET", "/items/7")
    cold_host, warm_host = FixtureHost(), FixtureHost()
    cold = program.handle(request, 100_000, cold_host, b"\x01" * 32)
    program.prepare(1)
    warm = program.handle(request, 100_000, warm_host, b"\x01" * 32)
    assert program.prepared_count() == 0
    assert (warm.response, warm.gas_used, warm.journal) == (cold.response, cold.gas_used, cold.journal)
    assert warm_host.journal == cold_host.journal and warm_host.seed == cold_host.seed == b"\x01" * 32
    program.discard_prepared()


WIRE_REQUESTS = [
    dispatch.Request("GET", "/echo"),
    dispatch.Request("GET", "/echo", {"a": "1", "é": "\U0001F680", "z\n": "\x00", "\ud800x": "lone"}, dict(HEADERS)),
    dispatch.Request("GET", "/echo", {}, {"B": "1", "b": "2", "A": "\ud83d"}, b'{"a": [1, 2.5, "x"], "b": {}}'),
    dispatch.Request("GET", "/echo", {"k": "v"}, {"H": "v"}, b"[]"),
    # not plain str -> str: the general path
    dispatch.Request("GET", "/echo", {"k": type("S", (str,), {})("v")}, {}),
]


def _same(fast, general) -> None:
    """`fast()` returns what `general()` returns, or raises the same exception."""
    try:
        expected = general()
    except Exception as e:                  # e.g. a lone surrogate: both refuse it the same way
        with pytest.raises(type(e)) as info:
            fast()
        assert str(info.value) == str(e)
        return
    assert fast() == expected


@pytest.mark.parametrize("request_", WIRE_REQUESTS)
def test_request_wire_json_is_json_dumps_of_the_wire(snap, request_):
    routes = {r.path: r for r in snap.program.routes}
    for route, params in ((routes["/echo"], {}), (routes["/greet/:name"], {"name": "ada\u2028\U0001F680"})):
        _same(lambda: vmmod.request_wire_json(route, params, request_),
              lambda: json.dumps(vmmod.to_wire(dispatch.request_value(route, params, request_))))


@pytest.mark.parametrize("body", [b'{"name": "t\\u00e9a", "qty": 3}', b""])
def test_request_wire_json_with_a_typed_body(snap, body):
    route = next(r for r in snap.program.routes if r.path == "/items")
    request = dispatch.Request("POST", "/items", {"q": "1"}, {"X": "y"}, body)
    typed = dispatch.decode_body(route.body_type, b'{"name": "t\\u00e9a", "qty": 3}')
    wire = vmmod.to_wire(dispatch.request_value(route, {}, request))
    wire["r"]["$typedBody"] = vmmod.to_wire(typed)
    assert vmmod.request_wire_json(route, {}, request, typed) == json.dumps(wire)
    assert json.dumps(vmmod.request_wire(route, {}, request, typed)) == json.dumps(wire)


@pytest.mark.parametrize("request_", WIRE_REQUESTS + [dispatch.Request("GET", "/x", {"\ufb01": "1", "\U00010000": "2"},
                                                                      {"\uffff": "", "\ud7ff": "", "a": "\t"})])
def test_canonical_request_is_the_canonical_json_of_the_record(request_):
    r = request_
    _same(lambda: canonical_request(r),
          lambda: to_canonical_json(Record({"method": r.method, "path": r.path, "query": Record(dict(r.query)),
                                            "headers": Record(dict(r.headers)), "body": r.body.hex()})))


# -- 2. one request per VM -----------------------------------------------------------------------


def test_prepare_tops_up_and_each_vm_serves_one_request(snap):
    assert snap.prepared_count() == 0
    assert snap.prepare(2) == 2
    assert snap.prepare(2) == 0 and snap.prepare(1) == 0 and snap.prepared_count() == 2
    snap.handle({"method": "GET", "path": "/ping"})
    assert snap.prepared_count() == 1
    snap.handle({"method": "GET", "path": "/ping"})
    assert snap.prepared_count() == 0
    snap.handle({"method": "GET", "path": "/ping"})        # none left: one is created on the spot
    assert snap.prepared_count() == 0
    assert snap.prepare() == 1 and snap.prepare(0) == 0 and snap.prepared_count() == 1


@pytest.mark.parametrize("n", [-1, 1.0, True, "1", vmmod.MAX_PREPARED + 1])
def test_prepare_refuses_a_bad_count(snap, n):
    with pytest.raises(ValueError):
        snap.prepare(n)
    assert snap.prepared_count() == 0


def test_a_prepared_vm_is_handed_out_once(snap):
    snap.prepare(1)
    prepared = snap.program._pool.ready[0]
    vm, bridge = prepared.take()
    with pytest.raises(EngineError, match="exactly one request"):
        prepared.take()
    assert not vm.closed and bridge.host is None and bridge.effects == frozenset()
    snap.program._pool.ready.clear()
    vm.close()


def test_a_used_vm_is_retired_then_freed_by_the_next_prepare(snap):
    snap.prepare(1)
    prepared = snap.program._pool.ready[0]
    vm = prepared.vm
    result = snap.handle({"method": "GET", "path": "/ping"})
    assert result.body == b'{"ok":true}'
    assert prepared.vm is None and snap.program._pool.spent == [vm]
    assert not vm.closed
    with pytest.raises(EngineError, match="spent"):
        vm.call("$main", 0, "{}", 1000)
    with pytest.raises(EngineError, match="spent"):
        vm.run_bytecode(snap.program.bytecode)
    snap.prepare(0)                      # frees what this thread used, prepares nothing
    assert vm.closed and snap.program._pool.spent == []


def test_an_unprepared_handle_frees_the_used_vms_too(snap):
    snap.prepare(1)
    vm = snap.program._pool.ready[0].vm
    snap.handle({"method": "GET", "path": "/ping"})
    assert snap.program._pool.spent == [vm]
    snap.handle({"method": "GET", "path": "/ping"})          # no prepared VM: the slow path
    assert vm.closed and snap.program._pool.spent == []


def test_a_sensitive_route_closes_its_vm_at_once(snap, unprepared):
    index = next(i for i, (_, rid) in enumerate(MIX) if rid == "req-secret")
    snap.prepare(1)
    vm = snap.program._pool.ready[0].vm
    assert _serve(snap, index) == unprepared[index]
    assert vm.closed and snap.program._pool.spent == []


def test_discard_prepared_closes_everything_of_this_thread(snap):
    snap.prepare(3)
    vms = [p.vm for p in snap.program._pool.ready]
    snap.handle({"method": "GET", "path": "/ping"})
    assert snap.discard_prepared() == 2
    assert all(vm.closed for vm in vms) and snap.prepared_count() == 0 and snap.program._pool.spent == []
    assert snap.discard_prepared() == 0


def test_a_prepared_vm_is_loaded_sealed_and_bound_to_nothing(snap):
    """Prepared = hardened, `$host` installed, bytecode loaded, global object frozen and
    `$main` looked up; no host, no effects, and `$main` not called yet."""
    snap.prepare(1)
    prepared = snap.program._pool.ready[0]
    vm = prepared.vm
    assert vm._ctx.eval("typeof $main") == "function"
    assert vm._ctx.eval("Object.isFrozen(globalThis) && Object.isFrozen($host)") is True
    assert list(vm._entries) == ["$main"]
    assert prepared.bridge.host is None and prepared.bridge.effects == frozenset() and prepared.bridge.journal == []
    with pytest.raises(EngineError, match="before the first call"):
        vm.install_host("$other", {"f": lambda: 1})


# -- 3. isolation ---------------------------------------------------------------------------------

# Raw JavaScript run in a prepared VM (as a malicious fragment in the program would run): it
# writes into every mutable object and function it can reach from the global object, and
# tries the prototypes and the host namespace. Strict mode: a refused write throws.
INJECT = r"""
(function () {
  "use strict";
  var out = {};
  function attempt(name, f) { try { f(); out[name] = "ok"; } catch (e) { out[name] = e.name; } }
  var names = Object.getOwnPropertyNames(globalThis), written = 0;
  for (var i = 0; i < names.length; i++) {
    var v = globalThis[names[i]];
    if ((typeof v === "object" || typeof v === "function") && v !== null && !Object.isFrozen(v)) {
      v.__leak = "from-the-previous-request"; written++;
    }
  }
  out.written = written > 0 ? "some" : "none";
  attempt("new global", function () { globalThis.leakGlobal = 1; });
  attempt("Object.prototype", function () { Object.prototype.polluted = 1; });
  attempt("Array.prototype.push", function () { Array.prototype.push = function () { return -1; }; });
  attempt("JSON.stringify", function () { JSON.stringify = function () { return "x"; }; });
  attempt("host namespace", function () { $host.leak = 1; });
  attempt("host function", function () { $host.call.leak = 1; });
  attempt("rebind $main", function () { globalThis.$main = function () { return "pwned"; }; });
  return JSON.stringify(out);
})()
"""

OBSERVE = r"""
(function () {
  "use strict";
  var names = Object.getOwnPropertyNames(globalThis), leaks = [];
  for (var i = 0; i < names.length; i++) {
    var v = globalThis[names[i]];
    if ((typeof v === "object" || typeof v === "function") && v !== null && Object.hasOwn(v, "__leak")) leaks.push(names[i]);
  }
  return JSON.stringify({ leaks: leaks, global: Object.hasOwn(globalThis, "leakGlobal"), polluted: "polluted" in {},
                          push: [].push(1, 2), stringify: JSON.stringify({ a: 1 }), host: "leak" in $host });
})()
"""

CLEAN = {"leaks": [], "global": False, "polluted": False, "push": 2, "stringify": '{"a":1}', "host": False}


def test_injected_javascript_is_invisible_to_the_next_request(snap, unprepared):
    snap.prepare(3)
    first, second, third = (p.vm for p in snap.program._pool.ready)
    attempts = json.loads(first._ctx.eval(INJECT))
    assert attempts == {"written": "some", "new global": "TypeError", "Object.prototype": "TypeError",
                        "Array.prototype.push": "TypeError", "JSON.stringify": "TypeError",
                        "host namespace": "TypeError", "host function": "TypeError", "rebind $main": "TypeError"}
    assert json.loads(first._ctx.eval(OBSERVE))["leaks"] != []       # the writes did land in that VM
    snap.handle({"method": "GET", "path": "/ping"})                  # served by the polluted VM
    for vm in (second, third):
        assert json.loads(vm._ctx.eval(OBSERVE)) == CLEAN
    for i in range(len(MIX)):                                        # served by fresh VMs
        assert _serve(snap, i) == unprepared[i], MIX[i]


# -- 4. effects are fail-closed ----------------------------------------------------------------


def _stop_error(answer: str) -> dict:
    return json.loads(json.loads(answer)["stop"])


def test_an_unbound_bridge_refuses_every_effect():
    bridge = vmmod._Bridge()
    assert _stop_error(bridge.call("DbRead.query", '["SELECT 1", []]')) == \
        {"error": "EffectNotGranted", "effect": "DbRead"}
    assert _stop_error(bridge.call("Log.info", '["x", null]')) == {"error": "EffectNotGranted", "effect": "Log"}
    assert bridge.journal == []
    assert json.loads(bridge.call("Hash.fnv1a64", '["abc"]')) == {"ok": "e71fa2190541574b"}   # not an effect


def test_a_prepared_vm_refuses_effects_before_a_request_is_bound(snap):
    snap.prepare(1)
    vm = snap.program._pool.ready[0].vm
    answer = vm._ctx.eval('$host.call("DbRead.query", JSON.stringify(["SELECT 1", []]))')
    assert _stop_error(answer) == {"error": "EffectNotGranted", "effect": "DbRead"}


def test_a_bound_bridge_grants_only_the_routes_effects(snap):
    routes = {r.path: r for r in snap.program.routes}
    host = FixtureHost()
    bridge = vmmod._Bridge()
    bridge.bind(host, routes["/ping"].effects)
    assert _stop_error(bridge.call("Log.info", '["x", null]')) == {"error": "EffectNotGranted", "effect": "Log"}
    bridge.bind(host, routes["/items"].effects)                      # uses { Log }
    assert json.loads(bridge.call("Log.info", '["x", null]')) == {"ok": None}
    assert _stop_error(bridge.call("DbRead.query", '["SELECT 1", []]'))["error"] == "EffectNotGranted"
    assert [op for _, op, _ in host.journal] == ["Log.info"]
    bridge.unbind()
    assert _stop_error(bridge.call("Log.info", '["x", null]'))["error"] == "EffectNotGranted"
    assert bridge.host is None and [op for _, op, _ in host.journal] == ["Log.info"]


def test_after_a_request_the_bridge_holds_no_host(snap):
    snap.prepare(1)
    prepared = snap.program._pool.ready[0]
    host = FixtureHost()
    snap.handle({"method": "GET", "path": "/items/3"}, host=host)
    assert [op for _, op, _ in host.journal] == ["Log.info", "DbRead.query"]
    assert prepared.bridge.host is None and prepared.bridge.effects == frozenset()


# -- 5. threads ---------------------------------------------------------------------------------


def _in_thread(fn):
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as e:   # noqa: BLE001 - handed back to the test
            box["error"] = e
    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_another_thread_does_not_see_this_threads_pool(snap, unprepared):
    snap.prepare(2)
    index = next(i for i, (_, rid) in enumerate(MIX) if rid == "req-items")
    seen = _in_thread(lambda: (snap.prepared_count(), _serve(snap, index), snap.prepared_count()))
    assert seen == (0, unprepared[index], 0)
    assert snap.prepared_count() == 2                              # untouched by the other thread
    own = _in_thread(lambda: (snap.prepare(1), _serve(snap, index), snap.prepared_count(), snap.discard_prepared()))
    assert own == (1, unprepared[index], 0, 0)
    assert snap.prepared_count() == 2
    assert _serve(snap, index) == unprepared[index] and snap.prepared_count() == 1


def test_a_prepared_vm_refuses_another_thread(snap):
    snap.prepare(1)
    vm = snap.program._pool.ready[0].vm
    with pytest.raises(EngineError, match="thread that created it"):
        _in_thread(lambda: vm.call("$main", 0, "{}", 1000))


def test_threads_with_their_own_pools_match_sequential(source, unprepared):
    snapshot = Snapshot.from_source(source)
    barrier = threading.Barrier(4)

    def worker(t: int) -> list[tuple[int, tuple]]:
        barrier.wait()
        out = []
        for k in range(2 * len(MIX)):
            if k % 3 != 2:               # mostly prepared, sometimes not
                snapshot.prepare(1 + t % 2)
            i = (t + k) % len(MIX)
            out.append((i, _serve(snapshot, i)))
        snapshot.discard_prepared()
        return out

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [r for chunk in pool.map(worker, range(4)) for r in chunk]
    assert len(results) == 4 * 2 * len(MIX)
    assert [(MIX[i][1], got) for i, got in results if got != unprepared[i]] == []
    assert snapshot.prepared_count() == 0


# -- 6. nothing of a previous request -------------------------------------------------------------


def test_seed_and_host_of_a_previous_request_do_not_leak(snap, source):
    snap.prepare(3)
    first_host = FixtureHost({"DbRead.query": [vmmod.from_wire({"u": "Result", "v": "Ok", "k": None, "f": [[]]})]})
    first = snap.handle({"method": "GET", "path": "/items/1"}, 100_000, request_id="first", host=first_host)
    first_journal = list(first_host.journal)
    second_host = FixtureHost()
    second = snap.handle({"method": "GET", "path": "/items/2"}, 100_000, request_id="second", host=second_host)
    third = snap.handle({"method": "GET", "path": "/ping"}, 100_000, request_id="third")

    assert first_host.journal == first_journal and first_host.seed == bytes.fromhex(first.audit["seed"])
    assert second_host.seed == bytes.fromhex(second.audit["seed"]) != first_host.seed
    assert [op for _, op, _ in second_host.journal] == ["Log.info", "DbRead.query"]
    assert all("2" in repr(args) for _, op, args in second_host.journal if op == "DbRead.query")

    alone = Snapshot.from_source(source)
    for result, request, rid in ((second, "/items/2", "second"), (third, "/ping", "third")):
        fresh = alone.handle({"method": "GET", "path": request}, 100_000, request_id=rid, host=FixtureHost())
        assert (result.body, result.gas_used, audit_line(result.audit)) == \
            (fresh.body, fresh.gas_used, audit_line(fresh.audit))


# -- the engine calls prepared VMs rely on ---------------------------------------------------------


def test_seal_ahead_is_what_the_first_call_does():
    code = compile_js("function f(a) { return a + 1; } function g() { return typeof later; }", "seal.js")
    with SealedVM() as early, SealedVM() as late:
        early.run_bytecode(code)
        early.seal("f", "g")
        early.seal("f")                                           # idempotent
        late.run_bytecode(code)
        assert early.call("f", 41) == late.call("f", 41) == 42
        with pytest.raises(EngineError, match="before the first call"):
            early.install_host("H", {"x": lambda: 1})
        assert early._ctx.eval("Object.isFrozen(globalThis)") is True


def test_seal_refuses_a_missing_entry_point():
    with SealedVM() as vm:
        vm.run_bytecode(compile_js("function f() { return 1; }", "f.js"))
        with pytest.raises(EngineError, match="no global function 'missing'"):
            vm.seal("missing")
        assert vm.call("f") == 1


def test_retire_refuses_every_later_use_until_close():
    vm = SealedVM()
    vm.run_bytecode(compile_js("function f() { return 1; }", "f.js"))
    assert vm.call("f") == 1
    vm.retire("served its request")
    vm.retire("again")                                            # the first reason stays
    for use in (lambda: vm.call("f"), lambda: vm.seal(), lambda: vm.run_bytecode(b"x")):
        with pytest.raises(EngineError, match=r"spent \(served its request\)"):
            use()
    assert not vm.closed
    vm.close()
    assert vm.closed
