"""Frozen intrinsics, a locked-then-sealed global object, sealed host functions,
and isolation between VMs; plus the completeness audit of the freeze list."""

from __future__ import annotations

import json

import pytest

from mtpscript.runtime import hardening
from mtpscript.runtime.engine import GuestError, SealedVM, compile_js

NOT_EXTENSIBLE = ("Thrown", "TypeError: object is not extensible")
NOT_CONFIGURABLE = ("Thrown", "TypeError: property is not configurable")
CANNOT_DELETE = ("Thrown", "TypeError: could not delete property")
GLOBAL_GUARD = ("Thrown", "TypeError: cannot define properties on the global object")


def read_only(name: str) -> tuple[str, str]:
    return ("Thrown", f"TypeError: '{name}' is read-only")


def S(body: str) -> str:
    """Strict mode, so a refused write throws instead of failing silently."""
    return '"use strict";\n' + body


PROTOTYPE_POLLUTION = [
    ("Object.prototype-new-property", S("Object.prototype.polluted = 1"), NOT_EXTENSIBLE),
    ("Object.prototype-replace-method", S("Object.prototype.toString = () => 'x'"), read_only("toString")),
    ("Object.prototype-accessor", 'Object.defineProperty(Object.prototype, "polluted", { get() { return 1 } })', NOT_EXTENSIBLE),
    ("Object.prototype-__defineGetter__", 'Object.prototype.__defineGetter__("polluted", () => 1)', NOT_EXTENSIBLE),
    ("Object.prototype-via-__proto__", S("({}).__proto__.polluted = 1"), NOT_EXTENSIBLE),
    ("Array.prototype-replace-map", S("Array.prototype.map = function () { return 'pwned' }"), read_only("map")),
    ("Array.prototype-delete-push", S("delete Array.prototype.push"), CANNOT_DELETE),
    ("Array.prototype-Object.assign", "Object.assign(Array.prototype, { polluted: 1 })", NOT_EXTENSIBLE),
    ("Function.prototype-replace-call", S("(function () {}).__proto__.call = function () {}"), read_only("call")),
    ("Function.prototype-replace-apply", S("Object.getPrototypeOf(Host.echo).apply = () => 1"), read_only("apply")),
    ("String.prototype-replace-trim", S("String.prototype.trim = function () { return 'x' }"), read_only("trim")),
    ("String.prototype-via-primitive", S('"".__proto__.polluted = 1'), NOT_EXTENSIBLE),
    ("Number.prototype-replace-toFixed", S("Number.prototype.toFixed = () => 'x'"), read_only("toFixed")),
    ("BigInt.prototype-replace-toString", S("BigInt.prototype.toString = () => 'x'"), read_only("toString")),
    ("BigInt.prototype-new-property", S("(1n).__proto__.polluted = 1"), NOT_EXTENSIBLE),
    ("Promise.prototype-replace-then", S("Promise.prototype.then = () => 1"), read_only("then")),
    ("Symbol.prototype-replace-toString", S("Symbol.prototype.toString = () => 1"), read_only("toString")),
    ("Error.prototype-replace-toString", S("Error.prototype.toString = () => 'x'"), read_only("toString")),
    ("RegExp.prototype-replace-exec", S("RegExp.prototype.exec = () => null"), read_only("exec")),
    ("JSON-replace-stringify", S("JSON.stringify = () => 'x'"), read_only("stringify")),
    ("Math-replace-max", S("Math.max = () => 0"), read_only("max")),
    ("Iterator.prototype-replace-map", S("Iterator.prototype.map = () => 1"), read_only("map")),
    ("RegExpStringIterator-replace-next", S('Object.getPrototypeOf("a".matchAll(/a/g)).next = () => 1'), read_only("next")),
    ("ArrayIterator-replace-next", S("Object.getPrototypeOf([][Symbol.iterator]()).next = () => 1"), read_only("next")),
    ("Generator.prototype-replace-next", S("Object.getPrototypeOf(function* () {}).prototype.next = () => 1"), read_only("next")),
    ("AsyncFunction.prototype-new-property", S("Object.getPrototypeOf(async function () {}).polluted = 1"), NOT_EXTENSIBLE),
    ("built-in-function-object", S("Array.prototype.map.polluted = 1"), NOT_EXTENSIBLE),
    ("accessor-function-object", S('Object.getOwnPropertyDescriptor(Object.prototype, "__proto__").get.polluted = 1'), NOT_EXTENSIBLE),
    ("unscopables-object", S("Array.prototype[Symbol.unscopables].includes = false"), read_only("includes")),
    ("sloppy-write-is-ignored", "Object.prototype.polluted = 1; Array.prototype.map = null; throw new Error(String(({}).polluted) + typeof [].map)", ("Thrown", "Error: undefinedfunction")),
]

REDEFINE_INTRINSICS = [
    ("setPrototypeOf-Array.prototype", "Object.setPrototypeOf(Array.prototype, null)", NOT_EXTENSIBLE),
    ("__proto__-Array.prototype", S("Array.prototype.__proto__ = null"), NOT_EXTENSIBLE),
    ("setPrototypeOf-Object.prototype", "Object.setPrototypeOf(Object.prototype, {})", ("Thrown", "TypeError: prototype is immutable")),
    ("__proto__-Object.prototype", S("Object.prototype.__proto__ = { polluted: 1 }"), ("Thrown", "TypeError: prototype is immutable")),
    ("setPrototypeOf-Math", "Object.setPrototypeOf(Math, null)", NOT_EXTENSIBLE),
    ("__proto__-JSON", S("JSON.__proto__ = {}"), NOT_EXTENSIBLE),
    ("defineProperty-Array.from", "Object.defineProperty(Array, 'from', { value: () => 1 })", NOT_CONFIGURABLE),
    ("defineProperty-Math.PI", "Object.defineProperty(Math, 'PI', { value: 3 })", NOT_CONFIGURABLE),
    ("defineProperties-Object.keys", "Object.defineProperties(Object, { keys: { value: () => [] } })", NOT_CONFIGURABLE),
    ("assign-Math.PI", S("Math.PI = 3"), read_only("PI")),
    ("Symbol.species-override", "Object.defineProperty(Array, Symbol.species, { get() { return Object } })", NOT_CONFIGURABLE),
    ("Symbol.hasInstance-override", S("Object.getPrototypeOf(Host.echo)[Symbol.hasInstance] = () => true"), read_only("Symbol.hasInstance")),
]

GLOBAL_OBJECT = [
    ("assign-global-Array", S("globalThis.Array = null"), read_only("Array")),
    ("assign-global-identifier", S("JSON = null"), read_only("JSON")),
    ("assign-undefined", S("globalThis.undefined = 1"), read_only("undefined")),
    ("delete-global-Object", S("delete globalThis.Object"), CANNOT_DELETE),
    ("defineProperty-global-value", "Object.defineProperty(globalThis, 'JSON', { value: 1 })", GLOBAL_GUARD),
    ("defineProperty-global-accessor", "Object.defineProperty(globalThis, 'Array', { get() { return 1 } })", GLOBAL_GUARD),
    ("defineProperties-global", "Object.defineProperties(globalThis, { Array: { value: 1 } })", GLOBAL_GUARD),
    ("redeclare-intrinsic-function", "function Array() { return 1 }", ("Thrown", "TypeError: cannot define variable 'Array'")),
    ("let-shadows-intrinsic", "let JSON = { stringify: () => 'x' }", ("Thrown", "SyntaxError: redeclaration of 'JSON'")),
    ("const-shadows-intrinsic", "const Array = 5", ("Thrown", "SyntaxError: redeclaration of 'Array'")),
    ("var-redeclare-keeps-value", "var JSON = 5; throw new Error(typeof JSON)", ("Thrown", "Error: object")),
    ("sloppy-assign-is-ignored", "Array = null; Object = 1; throw new Error(typeof Array + typeof Object)", ("Thrown", "Error: functionfunction")),
    ("class-field-return-override", "class B { constructor() { return globalThis } } class D extends B { JSON = 1 } new D()", NOT_CONFIGURABLE),
    ("super-set-with-global-receiver", 'const o = { __proto__: {}, m() { "use strict"; super.JSON = 5 } }; o.m.call(globalThis)', read_only("JSON")),
]

HOST_FUNCTIONS = [
    ("replace-host-function", S("Host.echo = () => 1"), read_only("echo")),
    ("add-to-host-namespace", S("Host.evil = 1"), NOT_EXTENSIBLE),
    ("delete-host-function", S("delete Host.echo"), CANNOT_DELETE),
    ("rebind-host-namespace", S("Host = {}"), read_only("Host")),
    ("let-shadows-host-namespace", "let Host = { echo: () => 'fake' }", ("Thrown", "SyntaxError: redeclaration of 'Host'")),
    ("redefine-host-namespace", "Object.defineProperty(globalThis, 'Host', { value: {} })", GLOBAL_GUARD),
    ("mutate-host-function-object", S("Host.echo.evil = 1"), NOT_EXTENSIBLE),
    ("rename-host-function", S("Host.echo.name = 'x'"), read_only("name")),
    ("construct-host-function", "new Host.echo()", ("Thrown", "TypeError: echo is not a constructor")),
    ("host-namespace-prototype", "Host.__proto__.polluted = 1", ("Thrown", "TypeError: cannot set property 'polluted' of undefined")),
    ("pass-object-to-host", "Host.echo({ toString() { return 'x' } })", ("Thrown", "InternalError: host function Host.echo: argument 1 is not a primitive (object)")),
    ("pass-function-to-host", "Host.echo(() => 1)", ("Thrown", "InternalError: host function Host.echo: argument 1 is not a primitive (function)")),
    ("pass-array-to-host", "Host.echo([1, 2])", ("Thrown", "InternalError: host function Host.echo: argument 1 is not a primitive (array)")),
    ("pass-symbol-to-host", "Host.echo(Symbol('s'))", ("Thrown", "InternalError: host function Host.echo: argument 1 is not a primitive (symbol)")),
    ("host-shape", "throw new Error([Object.getPrototypeOf(Host), typeof Host.echo.prototype, Host.echo.name, Object.isFrozen(Host), Object.isFrozen(Host.echo), Object.keys(Host).join()].join())", ("Thrown", "Error: ,undefined,echo,true,true,echo,add")),
]


@pytest.mark.parametrize(
    "source, expected",
    [
        pytest.param(s, e, id=i)
        for i, s, e in PROTOTYPE_POLLUTION + REDEFINE_INTRINSICS + GLOBAL_OBJECT + HOST_FUNCTIONS
    ],
)
def test_mutation_is_refused(guest, source, expected):
    assert guest.refused(source) == expected


def test_sealed_global_refuses_new_globals(guest):
    assert guest.refused('function f() { "use strict"; globalThis.leak = 1 }', call="f") == NOT_EXTENSIBLE
    assert guest.refused("function f() { leak = 1; return typeof leak }", call="f") == ("ok", "undefined")


def test_sealed_global_refuses_rebinding_entry_points():
    with SealedVM() as vm:
        vm.run_bytecode(compile_js("function main() { return 1 }"))
        assert vm.call("main") == 1
        with pytest.raises(GuestError) as info:
            vm.run_bytecode(compile_js("function main() { return 2 }"))
        assert (info.value.kind, info.value.message) == ("Thrown", "TypeError: cannot define variable 'main'")
        assert vm.call("main") == 1


@pytest.mark.parametrize(
    "hijack",
    ["Object.setPrototypeOf(globalThis, { evil: 1 })", "globalThis.__proto__ = null"],
)
def test_replaced_global_prototype_is_detected_at_sealing(guest, hijack):
    outcome = guest.refused(hijack + "; function f() { return 1 }", call="f")
    assert outcome == ("Thrown", "TypeError: the global object's prototype was replaced")


def test_accessor_global_is_never_invoked_as_entry_point(guest):
    ran = []
    source = 'globalThis.__defineGetter__("f", () => { Host.mark(); return () => 1 })'
    outcome = guest.run(source, call="f", host={"mark": lambda: ran.append(1)})
    assert outcome == ("EngineError", "the guest defines no global function 'f'")
    assert ran == []


def test_guest_cannot_make_host_see_objects(guest):
    calls = []
    outcome = guest.run(
        "try { Host.spy({}) } catch (e) {} try { Host.spy(Host) } catch (e) {} "
        "function f() { return Host.spy(1) }",
        call="f",
        host={"spy": lambda *a: calls.append(a) or len(calls)},
    )
    assert outcome == ("ok", 1)  # the object arguments were refused before the host ran
    assert calls == [(1,)]


def test_pollution_does_not_reach_the_next_vm(guest):
    attack = """
    try { Object.prototype.polluted = 1 } catch (e) {}
    try { Array.prototype.map = null } catch (e) {}
    try { String.prototype.polluted = 1 } catch (e) {}
    try { Object.defineProperty(globalThis, "JSON", { value: 1 }) } catch (e) {}
    globalThis.leak = 1;
    Symbol.for("leak");
    Promise.resolve().then(() => { globalThis.leak2 = 1 });
    function f() { return typeof leak }
    """
    assert guest.refused(attack, call="f") == ("ok", "number")
    guest.fresh_vm_works()
    assert guest.run("function f() { return typeof leak + Symbol.keyFor(Symbol.for('x')) }", call="f") == (
        "ok",
        "undefinedx",
    )


def test_two_live_vms_are_isolated():
    with SealedVM() as a, SealedVM() as b:
        a.run_bytecode(compile_js("var shared = 'a'; globalThis.mark = 1; function f() { return typeof mark + shared }"))
        b.run_bytecode(compile_js("var shared = 'b'; function f() { return typeof mark + shared }"))
        assert (a.call("f"), b.call("f")) == ("numbera", "undefinedb")


# ---------------------------------------------------------------------------
# Completeness audit (runs here, never per request)

FORBIDDEN_NAMES = {
    "eval", "Function", "AsyncFunction", "GeneratorFunction", "AsyncGeneratorFunction",
    "Date", "random", "Proxy", "Reflect", "WeakRef", "FinalizationRegistry",
    "SharedArrayBuffer", "Atomics", "setTimeout", "setInterval", "queueMicrotask",
    "ArrayBuffer", "DataView", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
    "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array", "Float16Array", "Float32Array",
    "Float64Array", "TypedArray", "Map", "Set", "WeakMap", "WeakSet",
}  # fmt: skip


def audit() -> list[list]:
    """Walk everything reachable from globalThis and the hidden roots in a
    hardened, sealed VM (the walker is guest code using Object.* reflection)."""
    with SealedVM() as vm:
        vm.install_host("Host", {"echo": lambda x: x})
        vm.run_bytecode(compile_js(hardening.walk_script("__audit"), "audit.js"))
        return json.loads(vm.call("__audit"))


def test_every_reachable_intrinsic_is_frozen():
    rows = audit()
    guest_made = {"globalThis.__audit", "globalThis.__audit.prototype"}
    not_frozen = [path for path, frozen, _, _ in rows if not frozen and path not in guest_made]
    assert not_frozen == []
    paths = {r[0] for r in rows}
    assert guest_made <= paths and "globalThis" in paths and "globalThis.Host.echo" in paths
    assert len(rows) > 330


def test_no_forbidden_function_is_reachable():
    rows = audit()
    assert [r for r in rows if r[3] in FORBIDDEN_NAMES] == []


PRODUCED_OBJECTS = r"""
function produced() {
  const made = {
    concat: () => Iterator.concat([1]),
    matchAll: () => "a".matchAll(/a/g), arrayEntries: () => [].entries(),
    stringIterator: () => "ab"[Symbol.iterator](), helper: () => [].values().map((x) => x),
    drop: () => Iterator.from([1]).drop(0), wrap: () => Iterator.from({ next() { return { done: true } } }),
    generatorInstance: () => Object.getPrototypeOf((function* () {})()),
    asyncGeneratorInstance: () => Object.getPrototypeOf((async function* () {})()),
    promise: () => Promise.resolve(), asyncResult: () => (async () => 1)(),
    withResolvers: () => Promise.withResolvers().promise,
    error: () => new Error("x"), aggregate: () => new AggregateError([]), caught: () => { try { null.x } catch (e) { return e } },
    sloppyArguments: function () { return arguments }, strictArguments: function () { "use strict"; return arguments },
    execResult: () => /a/.exec("a"), groupBy: () => Object.groupBy([1], (x) => x),
    symbolObject: () => Object(Symbol()), bigintObject: () => Object(1n),
    rawJSON: () => JSON.rawJSON("1"), bound: () => (() => 1).bind(null), template: () => ((s) => s)`a${1}b`,
  };
  const bad = [];
  for (const k of Object.keys(made)) {
    for (let p = Object.getPrototypeOf(made[k]()); p !== null; p = Object.getPrototypeOf(p)) {
      if (!Object.isFrozen(p)) bad.push(k);
    }
  }
  return bad.join();
}
"""


def test_objects_made_by_built_ins_have_frozen_prototype_chains():
    """Hidden intrinsics reached only through operations (iterator prototypes and
    the like) must be among the frozen roots."""
    with SealedVM() as vm:
        vm.run_bytecode(compile_js(PRODUCED_OBJECTS))
        assert vm.call("produced") == ""


def test_removed_globals_are_absent():
    names = json.dumps(list(hardening.REMOVED_GLOBALS))
    src = f"function f() {{ return {names}.filter((n) => n in globalThis).join() }}"
    with SealedVM() as vm:
        vm.run_bytecode(compile_js(src))
        assert vm.call("f") == ""


def test_global_properties_are_locked_before_sealing():
    src = """
    const unlocked = Object.getOwnPropertyNames(globalThis).concat(Object.getOwnPropertySymbols(globalThis))
      .filter((k) => { const d = Object.getOwnPropertyDescriptor(globalThis, k); return d.configurable || d.writable; })
      .map(String);
    const before = unlocked.join() + "|" + Object.isExtensible(globalThis) + "|" + Object.isFrozen(globalThis);
    function f() { return before }
    """
    with SealedVM() as vm:
        vm.install_host("Host", {"echo": lambda x: x})
        vm.run_bytecode(compile_js(src))
        # only the program's own top-level `function f` is writable before sealing
        assert vm.call("f") == "f|true|false"


def test_global_object_is_frozen_after_sealing():
    with SealedVM() as vm:
        vm.run_bytecode(compile_js("function f() { return Object.isFrozen(globalThis) }"))
        assert vm.call("f") is True


def test_freeze_list_matches_a_fresh_walk_of_the_engine():
    """INTRINSICS is the precomputed list; regenerate it when the engine changes
    (python -m mtpscript.runtime.hardening)."""
    assert hardening.discover_intrinsics() == list(hardening.INTRINSICS)
