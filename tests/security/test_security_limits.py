"""Memory bombs, deep recursion and infinite loops end in the documented
GuestError kind, the Python process survives, the VM is spent, and the next VM
is clean (autouse fixture)."""

from __future__ import annotations

import time

import pytest

from mtpscript.runtime.engine import EngineError, GuestError, SealedVM, compile_js

MiB = 1024 * 1024
OOM = "InternalError: out of memory"
# When even the error object cannot be allocated QuickJS throws `null`.
OOM_MESSAGES = {OOM, "null"}

MEMORY_BOMBS = [
    # (id, source, memory_limit, exact message or None for OOM_MESSAGES)
    ("string-doubling-rope", 'let s = "x"; for (;;) s += s', 16 * MiB, "InternalError: string too long"),
    ("string-doubling-flattened", 'let s = "x"; for (;;) { s = s + s; s.charCodeAt(s.length - 1) }', 16 * MiB, OOM),
    ("string-repeat", '"x".repeat(2 ** 28)', 16 * MiB, OOM),
    ("string-join-doubling", 'let s = "x"; for (;;) s = [s, s].join("")', 16 * MiB, OOM),
    ("giant-array-fill", "new Array(1e8).fill(0)", None, OOM),
    ("giant-array-from", "Array.from({ length: 2 ** 26 }, (_, i) => i)", 16 * MiB, None),
    ("array-of-arrays-push", "let a = []; for (;;) a.push([1, 2, 3])", 16 * MiB, None),
    ("array-of-numbers-push", "let a = []; for (;;) a.push(a.length)", 16 * MiB, None),
    ("deep-object-nesting", "let o = {}; for (;;) o = { o }", 16 * MiB, None),
    ("deep-object-nesting-default-limit", "let o = {}; for (;;) o = { o }", None, None),
    ("object-key-growth", 'const m = {}; for (let i = 0; ; i++) m["k" + i] = "v" + i', 16 * MiB, None),
    ("closure-chain", "let f = () => 0; for (;;) { const g = f; f = () => g() }", 16 * MiB, None),
    ("stringify-deep-array", "let a = []; for (let i = 0; i < 1e6; i++) a = [a]; JSON.stringify(a)", 16 * MiB, None),
    ("memory-bomb-in-handler", None, 16 * MiB, None),
]


@pytest.mark.parametrize(
    "source, limit, message",
    [pytest.param(s, lim, m, id=i) for i, s, lim, m in MEMORY_BOMBS],
)
def test_memory_bomb_is_memory_exhausted(guest, source, limit, message):
    options = {} if limit is None else {"memory_limit": limit}
    if source is None:  # the bomb goes off in a call(), after loading
        outcome = guest.refused("function f() { let a = []; for (;;) a.push({ a }) }", call="f", **options)
    else:
        outcome = guest.refused(source, **options)
    assert outcome.status == "MemoryExhausted"
    if message is None:
        assert outcome.value in OOM_MESSAGES
    else:
        assert outcome.value == message


@pytest.mark.parametrize("limit", [2 * MiB, 8 * MiB, None])
def test_cyclic_garbage_is_collected_before_the_limit(limit):
    # Reference counting cannot free a cycle; the cycle collector must run before the heap
    # reaches its limit (the first run waits for GC_THRESHOLD, or half a smaller limit).
    src = """
    function churn() {
      for (let i = 0; i < 40000; i++) { const a = { pad: "x".repeat(200 + i % 7) }; a.self = a; }
      return "done";
    }
    """
    with SealedVM(**({} if limit is None else {"memory_limit": limit})) as vm:
        vm.run_bytecode(compile_js(src))
        assert vm.call("churn") == "done"    # ~10 MiB of cycles, more than any limit here but the default


def test_host_result_larger_than_the_heap_is_memory_exhausted(guest):
    outcome = guest.refused(
        "function f() { return Host.big().length }", call="f", host={"big": lambda: "x" * (32 * MiB)}, memory_limit=8 * MiB
    )
    assert outcome == ("MemoryExhausted", OOM)


def test_call_argument_larger_than_the_heap_is_refused():
    with SealedVM(memory_limit=4 * MiB) as vm:
        vm.run_bytecode(compile_js("function f(s) { return s.length }"))
        with pytest.raises(GuestError) as info:
            vm.call("f", "x" * (5 * MiB))
        assert info.value.kind == "MemoryExhausted"


@pytest.mark.parametrize("free", [0, 20])
def test_values_passed_into_a_full_heap_never_reach_the_guest(free):
    # The guest swallows OOM while loading (catchable, documented), leaving the
    # heap full; the engine then fails to create the call() argument. The guest
    # must not see the half-made value (QuickJS would show it as typeof "unknown").
    # How much room the rest of loading needs depends on the allocator's state (QuickJS
    # counts malloc_usable_size): when loading itself runs out of memory (a clean
    # refusal too), the next attempt frees more of the filled heap first.
    loaded = False
    for headroom in (free, free * 10 + 20, free * 100 + 200):
        src = f"""
        var keep = [], head = null;
        try {{ for (;;) keep.push("x".repeat(100)) }} catch (e) {{}}
        try {{ for (;;) head = {{ head }} }} catch (e) {{}}
        for (let i = 0; i < {headroom}; i++) head = head.head;
        function f(s) {{ return typeof s }}
        """
        with SealedVM(memory_limit=4 * MiB) as vm:
            try:
                vm.run_bytecode(compile_js(src))
            except GuestError as refused:
                assert refused.kind == "MemoryExhausted"
                continue
            with pytest.raises(GuestError) as info:
                vm.call("f", "y" * 1_000_000)
            assert info.value.kind == "MemoryExhausted" and info.value.message in OOM_MESSAGES
            loaded = True
            break
    assert loaded, "loading never left room for the call"


def test_exhausted_vm_is_spent_and_freed():
    vm = SealedVM(memory_limit=8 * MiB)
    vm.run_bytecode(compile_js("var keep = []; function f() { for (;;) keep.push([keep.length]) }"))
    with pytest.raises(GuestError) as info:
        vm.call("f")
    assert info.value.kind == "MemoryExhausted"
    with pytest.raises(EngineError, match=r"^SealedVM is spent \(MemoryExhausted\); use a fresh VM$"):
        vm.call("f")
    vm.close()
    with pytest.raises(EngineError, match="^SealedVM is closed$"):
        vm.call("f")


STACK_BOMBS = [
    ("self-recursion", "function f(n) { return f(n + 1) + 1 } f(0)", {}),
    ("mutual-recursion", "function a(n) { return b(n) + 1 } function b(n) { return a(n) + 1 } a(0)", {}),
    ("recursion-through-native-map", "function f(x) { return [x].map(f) } f(0)", {}),
    ("recursion-through-getter", "const o = { get x() { return this.x } }; o.x", {}),
    ("recursion-through-toString", "const o = { toString() { return `${this}` } }; String(o)", {}),
    ("cyclic-array-join", "const a = []; a[0] = a; String(a)", {}),
    ("small-stack-limit", "function f(n) { return n === 0 ? 0 : 1 + f(n - 1) } f(10000)", {"max_stack_bytes": 64 * 1024}),
    ("deep-json-parse", 'JSON.parse("[".repeat(1e6))', {}),
]


@pytest.mark.parametrize(
    "source, options", [pytest.param(s, o, id=i) for i, s, o in STACK_BOMBS]
)
def test_deep_recursion_is_stack_overflow(guest, source, options):
    outcome = guest.refused(source, **options)
    assert outcome.status == "StackOverflow"
    assert outcome.value in {"InternalError: stack overflow", "SyntaxError: stack overflow"}


def test_stack_overflow_in_handler_spends_the_vm():
    with SealedVM() as vm:
        vm.run_bytecode(compile_js("function f(n) { return f(n + 1) }"))
        with pytest.raises(GuestError) as info:
            vm.call("f", 0)
        assert (info.value.kind, info.value.message) == ("StackOverflow", "InternalError: stack overflow")
        with pytest.raises(EngineError, match="spent"):
            vm.call("f", 0)


@pytest.mark.parametrize("value", [0, 16 * 1024, 64 * 1024 * 1024, 1.5])
def test_unsafe_stack_limits_are_rejected(value):
    # 0 would disable the engine's check, letting recursion hit the real stack.
    with pytest.raises(EngineError, match="max_stack_bytes"):
        SealedVM(max_stack_bytes=value)


WALL = 0.1
INFINITE_LOOPS = [
    ("for-ever", "for (;;) {}", None),
    ("while-true", "while (true) {}", None),
    ("catch-and-retry", "for (;;) { try { for (;;) {} } catch (e) {} }", None),
    ("finally-resume", "for (;;) { try { for (;;) {} } finally { continue } }", None),
    ("swallowed-by-async-function", "(async () => { for (;;) {} })()", None),
    ("regex-backtracking", '/(a+)+$/.test("a".repeat(40) + "b")', None),
    ("host-call-loop", "for (;;) Host.echo(1)", None),
    ("stack-overflow-retry-loop", "function r() { return r() } for (;;) { try { r() } catch (e) {} }", None),
    ("loop-in-exception-toString", "throw { toString() { for (;;) {} } }", None),
    ("loop-in-handler", "function f() { for (;;) {} }", "f"),
    ("loop-in-generator", "function* g() { for (;;) yield 1 } for (const x of g()) {}", None),
]


@pytest.mark.parametrize(
    "source, call", [pytest.param(s, c, id=i) for i, s, c in INFINITE_LOOPS]
)
def test_infinite_loop_is_interrupted(guest, source, call):
    start = time.monotonic()
    outcome = guest.run(source, call=call, wall_clock_seconds=WALL)
    assert outcome == ("Interrupted", "wall-clock limit exceeded")
    assert time.monotonic() - start < WALL + 1.0


def test_wall_clock_budget_is_cumulative_over_the_vm():
    with SealedVM(wall_clock_seconds=0.3) as vm:
        vm.run_bytecode(compile_js("function spin(ms) { const n = ms * 1e4; let i = 0; while (i < n) i++; return i }"))
        with pytest.raises(GuestError) as info:
            for _ in range(1000):
                vm.call("spin", 20)
        assert info.value.kind == "Interrupted"
        with pytest.raises(EngineError, match=r"^SealedVM is spent \(interrupted\); use a fresh VM$"):
            vm.call("spin", 0)


# Spins until the host says 0.3 s of wall time have passed (the guest cannot read time).
SPIN_UNTIL_HOST_SAYS = """
function spin() { for (let i = 1; ; i++) { if ((i & 0xfff) === 0 && Host.done()) return i } }
"""


def _spin(budget: float, extension: float = 0.0, host_sleep: float = 0.0):
    deadline = time.monotonic() + 0.3

    def done():
        time.sleep(host_sleep)
        return time.monotonic() >= deadline
    with SealedVM(wall_clock_seconds=budget) as vm:
        vm.install_host("Host", {"done": done})
        vm.run_bytecode(compile_js(SPIN_UNTIL_HOST_SAYS))
        vm.extend_wall_clock(extension)
        try:
            return vm.call("spin") > 0
        except GuestError as err:
            return err.kind


def test_the_wall_clock_can_be_extended_before_the_call():
    assert _spin(0.1) == "Interrupted"
    assert _spin(0.1, extension=5.0) is True


def test_time_in_host_functions_is_not_charged_to_the_wall_clock():
    # ~0.3 s in host calls, almost none in the guest: a 0.15 s budget is not exhausted
    assert _spin(0.15, host_sleep=0.05) is True


def test_extend_wall_clock_takes_seconds():
    with SealedVM() as vm:
        for bad in (-1, float("inf"), float("nan"), "1"):
            with pytest.raises(EngineError, match="extend_wall_clock"):
                vm.extend_wall_clock(bad)


def test_bombs_leave_the_process_and_later_vms_healthy(guest):
    for source in ("let a = []; for (;;) a.push([a])", "function f() { f() } f()"):
        for _ in range(5):
            assert guest.run(source, memory_limit=4 * MiB).status in {"MemoryExhausted", "StackOverflow"}
    guest.fresh_vm_works()
