"""Guest code cannot reach code evaluation, time, randomness, reflection,
timers, module loading, the host OS, or the event loop.

Each case is malicious JavaScript given straight to a fresh SealedVM; the
refusal must be exact and identical on two runs, and (autouse fixture) the next
fresh VM must work normally.
"""

from __future__ import annotations

import pytest

from mtpscript.runtime.engine import EngineError, SealedVM, compile_js

NOT_A_FUNCTION = ("Thrown", "TypeError: not a function")


def not_defined(name: str) -> tuple[str, str]:
    return ("Thrown", f"ReferenceError: '{name}' is not defined")


CODE_EVALUATION = [
    ("eval-direct", 'eval("1 + 1")', not_defined("eval")),
    ("eval-via-globalThis", 'globalThis.eval("1 + 1")', NOT_A_FUNCTION),
    ("eval-indirect-computed", '(0, globalThis["ev" + "al"])("1")', NOT_A_FUNCTION),
    ("eval-with-scope", 'with (globalThis) { eval("1") }', not_defined("eval")),
    ("Function-global-call", 'Function("return 1")()', not_defined("Function")),
    ("Function-global-new", 'new Function("return 1")', not_defined("Function")),
    ("Function-via-function-constructor", '(function () {}).constructor("return 1")()', NOT_A_FUNCTION),
    ("Function-via-new-constructor", 'new (function () {}).constructor("return 1")', NOT_A_FUNCTION),
    ("AsyncFunction-constructor", '(async function () {}).constructor("return 1")', NOT_A_FUNCTION),
    ("GeneratorFunction-constructor", '(function* () {}).constructor("yield 1")', NOT_A_FUNCTION),
    ("AsyncGeneratorFunction-constructor", '(async function* () {}).constructor("yield 1")', NOT_A_FUNCTION),
    ("Function-via-arrow", '(() => 1).constructor("return 1")', NOT_A_FUNCTION),
    ("Function-via-class", '(class {}).constructor("return 1")', NOT_A_FUNCTION),
    ("Function-via-bound-function", '(function () {}).bind(null).constructor("return 1")', NOT_A_FUNCTION),
    ("Function-via-String-constructor", '"".constructor.constructor("return 1")', NOT_A_FUNCTION),
    ("Function-via-Object-constructor", '({}).constructor.constructor("return 1")', NOT_A_FUNCTION),
    ("Function-via-getPrototypeOf", 'Object.getPrototypeOf(function () {}).constructor("return 1")', NOT_A_FUNCTION),
    ("Function-via-host-function", 'Host.echo.constructor("return 1")', NOT_A_FUNCTION),
    (
        "Function-via-descriptor",
        'Object.getOwnPropertyDescriptor(Object.getPrototypeOf(async function () {}), "constructor").value("x")',
        NOT_A_FUNCTION,
    ),
    (
        "Function-via-caught-error",
        'try { null.x } catch (e) { e.constructor.constructor("return 1")() }',
        NOT_A_FUNCTION,
    ),
    (
        "constructor-is-locked",
        '"use strict"; Object.defineProperty(Object.getPrototypeOf(function () {}), "constructor", { value: 1 })',
        ("Thrown", "TypeError: property is not configurable"),
    ),
]

NONDETERMINISM_AND_REFLECTION = [
    ("Date-now", "Date.now()", not_defined("Date")),
    ("Date-new", "new Date()", not_defined("Date")),
    ("Date-via-globalThis", "new globalThis.Date()", NOT_A_FUNCTION),
    ("Math-random", "Math.random()", NOT_A_FUNCTION),
    ("Math-random-reinstall", '"use strict"; Math.random = () => 4', ("Thrown", "TypeError: object is not extensible")),
    ("Math-random-reinstall-sloppy", "Math.random = () => 4; Math.random()", NOT_A_FUNCTION),
    ("Proxy", "new Proxy({}, {})", not_defined("Proxy")),
    ("Reflect", "Reflect.ownKeys({})", not_defined("Reflect")),
    ("WeakRef", "new WeakRef({})", not_defined("WeakRef")),
    ("FinalizationRegistry", "new FinalizationRegistry(() => {})", not_defined("FinalizationRegistry")),
    ("SharedArrayBuffer", "new SharedArrayBuffer(8)", not_defined("SharedArrayBuffer")),
    ("Atomics", "Atomics.add(new Int32Array(1), 0, 1)", not_defined("Atomics")),
    ("setTimeout", "setTimeout(() => {}, 0)", not_defined("setTimeout")),
    ("setInterval", "setInterval(() => {}, 0)", not_defined("setInterval")),
    ("setImmediate", "setImmediate(() => {})", not_defined("setImmediate")),
    ("queueMicrotask", "queueMicrotask(() => {})", not_defined("queueMicrotask")),
    ("std-module-object", 'std.loadFile("/etc/passwd")', not_defined("std")),
    ("os-module-object", 'os.exec(["ls"])', not_defined("os")),
    ("require", 'require("fs")', not_defined("require")),
    ("process", "process.exit(1)", not_defined("process")),
    ("console", 'console.log("x")', not_defined("console")),
    ("Error-prepareStackTrace-hook", '"use strict"; Error.prepareStackTrace = () => "x"', ("Thrown", "TypeError: object is not extensible")),
    ("caller-walk", '(function f() { "use strict"; return f.caller })()', ("Thrown", "TypeError: invalid property access")),
]


@pytest.mark.parametrize(
    "source, expected",
    [pytest.param(s, e, id=i) for i, s, e in CODE_EVALUATION + NONDETERMINISM_AND_REFLECTION],
)
def test_forbidden_capability_is_refused(guest, source, expected):
    assert guest.refused(source) == expected


def test_static_import_is_a_compile_error():
    with pytest.raises(EngineError, match=r"^SyntaxError: expecting '\(' \(guest\.js:1:8\)$"):
        compile_js('import fs from "fs";', "guest.js")


def test_dynamic_import_never_loads_anything(guest):
    loaded = []
    source = """
    let state = "pending";
    import("fs").then(() => { state = "loaded" }, (e) => { state = "rejected" });
    function f() { return state + "/" + typeof import("./x.js") }
    """
    outcome = guest.run(source, call="f", host={"load": lambda *a: loaded.append(a)})
    assert outcome == ("ok", "pending/object")
    assert loaded == []


def test_promise_jobs_never_run(guest):
    source = """
    let ran = [];
    Promise.resolve(1).then(() => ran.push("then"));
    (async () => { await null; ran.push("after await"); })();
    new Promise((resolve) => resolve()).finally(() => ran.push("finally"));
    function f() { return ran.length }
    """
    assert guest.refused(source, call="f") == ("ok", 0)


def test_promise_jobs_left_pending_do_not_run_on_later_calls():
    with SealedVM() as vm:
        vm.run_bytecode(compile_js("let n = 0; function f() { Promise.resolve().then(() => n++); return n }"))
        assert [vm.call("f") for _ in range(3)] == [0, 0, 0]


def test_async_handler_result_is_refused(guest):
    assert guest.refused("async function f() { return 1 }", call="f") == (
        "Thrown",
        "TypeError: f() returned a non-primitive value (object)",
    )
