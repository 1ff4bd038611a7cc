"""Shared helpers for the sealed-VM security suite.

Every test hands JavaScript straight to ``SealedVM`` (compiled with
``compile_js``), as a malicious fragment injected through the lowering would be.
After every test, an autouse fixture checks that a brand-new VM still behaves
normally: intrinsics intact, nothing forbidden present, host calls working.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import pytest

from mtpscript.runtime.engine import EngineError, GuestError, SealedVM, compile_js


class Outcome(NamedTuple):
    """What running a guest program produced (compares equal to a plain tuple)."""

    status: str  # "ok", a GuestError kind, or "EngineError"
    value: Any = None  # the call() result, or the error message


def run_guest(
    source: str,
    call: str | None = None,
    args: tuple = (),
    host: dict[str, Callable[..., Any]] | None = None,
    **vm_options: Any,
) -> Outcome:
    """Compile ``source``, run it in a fresh SealedVM (with a ``Host`` namespace),
    then optionally ``call`` a global function; return the outcome."""
    functions = {"echo": lambda x=None: x, "add": lambda a, b: a + b}
    if host:
        functions.update(host)
    bytecode = compile_js(source, "guest.js")
    try:
        with SealedVM(**vm_options) as vm:
            vm.install_host("Host", functions)
            vm.run_bytecode(bytecode)
            value = vm.call(call, *args) if call else None
            return Outcome("ok", value)
    except GuestError as e:
        return Outcome(e.kind, e.message)
    except EngineError as e:
        return Outcome("EngineError", str(e))


def refused(source: str, **kw: Any) -> Outcome:
    """Run an attack twice, each time in a fresh VM; the outcome must be the same."""
    first = run_guest(source, **kw)
    second = run_guest(source, **kw)
    assert first == second, f"non-deterministic outcome: {first} then {second}"
    return first


SANITY_JS = r"""
function sanity() {
  "use strict";
  const forbidden = ["eval", "Function", "Date", "Proxy", "Reflect", "WeakRef",
    "FinalizationRegistry", "SharedArrayBuffer", "Atomics", "setTimeout", "leak", "polluted"];
  return [
    forbidden.map((n) => typeof globalThis[n]).join(","),
    typeof Math.random,
    [3, 1, 2].sort().map((x) => x * 2).join(","),
    JSON.stringify({ a: [1, "x", null, true] }),
    String(({}).polluted) + String([].polluted) + String((1).polluted) + String("".polluted),
    Object.prototype.toString.call([]),
    String(2n ** 64n + 1n),
    String(Host.add(2, 3)),
    String(Object.isFrozen(Object.prototype) && Object.isFrozen(Array.prototype)),
    "abc".toUpperCase() + "x".padStart(3, "-"),
  ].join("|");
}
"""

SANITY_EXPECTED = "|".join(
    [
        ",".join(["undefined"] * 12),
        "undefined",
        "2,4,6",
        '{"a":[1,"x",null,true]}',
        "undefinedundefinedundefinedundefined",
        "[object Array]",
        "18446744073709551617",
        "5",
        "true",
        "ABC--x",
    ]
)


def fresh_vm_works() -> None:
    outcome = run_guest(SANITY_JS, call="sanity")
    assert outcome == Outcome("ok", SANITY_EXPECTED)


class Guest:
    """The helpers, handed to tests by the ``guest`` fixture."""

    run = staticmethod(run_guest)
    refused = staticmethod(refused)
    fresh_vm_works = staticmethod(fresh_vm_works)


@pytest.fixture
def guest() -> type[Guest]:
    return Guest


@pytest.fixture(autouse=True)
def _next_vm_is_clean():
    """After every test, a fresh VM must work normally."""
    yield
    fresh_vm_works()
