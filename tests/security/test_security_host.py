"""The host boundary: only primitives cross, host failures are final, and the
VM refuses misuse (closed, spent, wrong thread, re-entry, late install)."""

from __future__ import annotations

import math
import threading

import pytest

from mtpscript.runtime.engine import BigInt, EngineError, GuestError, SealedVM, compile_js


class Boom(Exception):
    pass


def fail(*_args):
    raise Boom("secret host detail")


def test_host_exception_is_final_even_if_the_guest_catches_it():
    seen = []
    src = """
    function f() {
      let message;
      try { Host.fail(1) } catch (e) { message = String(e) }
      try { Host.echo(2) } catch (e) { message += " / " + String(e) }
      return message;
    }
    """
    with SealedVM() as vm:
        vm.install_host("Host", {"fail": fail, "echo": lambda x: seen.append(x) or x})
        vm.run_bytecode(compile_js(src))
        with pytest.raises(Boom, match="secret host detail"):
            vm.call("f")
        assert seen == []  # the later host call was refused too
        with pytest.raises(EngineError, match=r"^SealedVM is spent \(host call failed: Boom\); use a fresh VM$"):
            vm.call("f")


def test_host_calls_after_a_failure_are_refused():
    messages = []
    src = "function f() { try { Host.fail() } catch (e) { Host.report(String(e)); } return 1 }"
    with SealedVM() as vm:
        vm.install_host("Host", {"fail": fail, "report": messages.append})
        vm.run_bytecode(compile_js(src))
        with pytest.raises(Boom):
            vm.call("f")
    assert messages == []  # report() came after the failure: refused


@pytest.mark.parametrize(
    "result",
    [{"a": 1}, [1], (1,), b"bytes", object(), print, 1j],
    ids=["dict", "list", "tuple", "bytes", "object", "callable", "complex"],
)
def test_host_returning_a_non_primitive_fails_the_entry(result):
    with SealedVM() as vm:
        vm.install_host("Host", {"get": lambda: result})
        vm.run_bytecode(compile_js("function f() { try { return typeof Host.get() } catch (e) { return 'caught' } }"))
        with pytest.raises(EngineError, match=r"^host function Host\.get returned a non-primitive value"):
            vm.call("f")


@pytest.mark.parametrize(
    "arg", [{"a": 1}, [1], (1,), b"x", object(), print], ids=["dict", "list", "tuple", "bytes", "object", "callable"]
)
def test_call_arguments_must_be_primitives(arg):
    with SealedVM() as vm:
        vm.run_bytecode(compile_js("function f(x) { return typeof x }"))
        with pytest.raises(EngineError, match=r"^call\(\) arguments must be primitives"):
            vm.call("f", arg)


def test_host_cannot_reenter_the_vm():
    holder = {}
    with SealedVM() as vm:
        holder["vm"] = vm
        vm.install_host("Host", {"again": lambda: holder["vm"].call("f")})
        vm.run_bytecode(compile_js("function f() { return Host.again() }"))
        with pytest.raises(EngineError, match="not re-entrant"):
            vm.call("f")


def test_vm_is_bound_to_its_thread():
    vm = SealedVM()
    vm.run_bytecode(compile_js("function f() { return 1 }"))
    errors = []

    def other():
        try:
            vm.call("f")
        except EngineError as e:
            errors.append(str(e))

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert errors == ["a SealedVM must be used on the thread that created it"]
    assert vm.call("f") == 1
    vm.close()


def test_install_after_sealing_is_refused():
    with SealedVM() as vm:
        vm.run_bytecode(compile_js("function f() { return 1 }"))
        vm.call("f")
        with pytest.raises(EngineError, match=r"^install_host\(\) must be called before the first call\(\)$"):
            vm.install_host("Late", {"x": lambda: 1})


def test_namespace_taken_by_the_guest_is_a_guest_error():
    with SealedVM() as vm:
        vm.run_bytecode(compile_js("var Host = { echo() { return 'fake' } }"))
        with pytest.raises(GuestError) as info:
            vm.install_host("Host", {"echo": lambda x: x})
        assert (info.value.kind, info.value.message) == ("Thrown", "TypeError: global 'Host' already exists")


@pytest.mark.parametrize("name", ["", "a.b", "1x", "x y", None])
def test_bad_namespace_names_are_refused(name):
    with SealedVM() as vm:
        with pytest.raises(EngineError):
            vm.install_host(name, {"f": lambda: 1})  # type: ignore[arg-type]


def test_missing_entry_point_is_an_engine_error():
    with SealedVM() as vm:
        vm.run_bytecode(compile_js("const notGlobal = () => 1; var notFunction = 1"))
        for name in ("missing", "notGlobal", "notFunction"):
            with pytest.raises(EngineError, match=f"^the guest defines no global function '{name}'$"):
                vm.call(name)


def test_thrown_error_leaves_the_vm_usable():
    with SealedVM() as vm:
        vm.run_bytecode(compile_js("function f(x) { if (x) throw new RangeError('bad ' + x); return 'fine' }"))
        with pytest.raises(GuestError) as info:
            vm.call("f", 7)
        assert (info.value.kind, info.value.message) == ("Thrown", "RangeError: bad 7")
        assert vm.call("f", 0) == "fine"


# ---------------------------------------------------------------------------
# Conversions (documented in engine.py)

CONVERT_JS = """
function typeOf(x) { return typeof x }
function show(x) { return typeof x + ":" + String(x) }
function echo(x) { return x }
function viaHost(x) { return Host.echo(x) }
function hostType(x) { return typeof Host.echo(x) }
"""


@pytest.fixture
def conv():
    with SealedVM() as vm:
        vm.install_host("Host", {"echo": lambda x=None: x})
        vm.run_bytecode(compile_js(CONVERT_JS))
        yield vm


@pytest.mark.parametrize(
    "value, js",
    [
        (None, "object:null"),
        (True, "boolean:true"),
        (0, "number:0"),
        (2**53 - 1, "number:9007199254740991"),
        (-(2**53 - 1), "number:-9007199254740991"),
        (2**53, "bigint:9007199254740992"),
        (2**63 - 1, "bigint:9223372036854775807"),
        (-(2**63), "bigint:-9223372036854775808"),
        (2**64, "bigint:18446744073709551616"),
        (BigInt(5), "bigint:5"),
        (BigInt(-(2**70)), "bigint:-1180591620717411303424"),
        (1.5, "number:1.5"),
        ("é\U0001f600", "string:é\U0001f600"),
    ],
)
def test_python_to_js(conv, value, js):
    assert conv.call("show", value) == js


@pytest.mark.parametrize(
    "expr, py",
    [
        ("undefined", None),
        ("null", None),
        ("-0", 0),
        ("2 ** 31", 2**31),
        ("2 ** 60", 2**60),
        ("0.5", 0.5),
        ("2n ** 64n", 2**64),
        ("-(2n ** 63n)", -(2**63)),
        ('"\\ud800"', "\ud800"),
    ],
)
def test_js_to_python(expr, py):
    with SealedVM() as vm:
        vm.run_bytecode(compile_js(f"function f() {{ return {expr} }}"))
        result = vm.call("f")
        assert result == py and type(result) is type(py)


def test_non_finite_numbers(conv):
    assert math.isnan(conv.call("echo", math.nan))
    assert conv.call("echo", math.inf) == math.inf


def test_host_round_trip_keeps_values(conv):
    assert conv.call("viaHost", 2**60) == 2**60
    assert conv.call("hostType", 2**60) == "bigint"
    assert conv.call("hostType", BigInt(3)) == "number"  # documented: 3n arrives as int 3
    assert conv.call("viaHost", "x") == "x"
