"""The QuickJS engine wrapper: compile JavaScript to bytecode, run it in sealed VMs.

This is the only module that imports the engine (``quickjs-bindings``, QuickJS
2025-09-13); swapping the engine means rewriting this file and nothing else.
What the hardening removes and freezes is data in :mod:`.hardening`.

API
===

``compile_js(source, name="program.js") -> bytes``
    Compile JavaScript *script* source (not a module) to QuickJS bytecode in a
    scratch context (``Context.compile`` then ``Value.write_object``). Nothing is
    executed. A syntax error raises :class:`EngineError` whose message is the
    engine's, followed by the location, e.g.
    ``"SyntaxError: invalid destructuring target (program.js:1:27)"``.
    The same source and name always give the same bytes.

``SealedVM(memory_limit=64 MiB, max_stack_bytes=None, wall_clock_seconds=5.0)``
    One fresh QuickJS runtime + context for one request; never reuse it for
    another request. A context manager (``with SealedVM() as vm:``); ``close()``
    releases it (always close it or use ``with``: host callables that refer back
    to the VM form a reference cycle through the engine that Python's garbage
    collector cannot see). The constructor runs the hardening script before any
    guest code can run (see :mod:`.hardening`); creating and closing a sealed VM
    costs ~0.36 ms, of which ~0.25 ms is hardening (``benchmarks/vm_overhead.py``).
    A VM is bound to the thread that created it (the engine's stack check is
    calibrated on that thread's stack).

    * ``memory_limit``: bytes for the whole engine heap of this VM, including the
      ~165 KB the hardened intrinsics occupy; exceeding it gives
      ``MemoryExhausted``. Arguments passed to ``call`` and host results are
      allocated in this heap too. QuickJS frees values by reference counting and
      runs its cycle collector each time the heap has grown by half since the
      last run; the first run waits until the heap reaches ``GC_THRESHOLD``
      (4 MiB, or half the limit if that is less) instead of QuickJS's 256 KiB,
      which the hardened intrinsics nearly fill on their own: collecting from
      there walks every live object at each 1.5x step of a growing heap (21 %
      of building a 16,383-node tree, ``benchmarks/vm_speed.py``). Lowered code
      rarely makes cyclic garbage, the only kind the collector is for.
    * ``max_stack_bytes``: the engine's stack-overflow threshold (QuickJS default
      1 MiB when ``None``); 32 KiB to 4 MiB. The depth it allows depends on the
      native frame sizes of the platform: it is a crash guard, not a depth limit
      (the lowering enforces a deterministic depth limit of its own).
    * ``wall_clock_seconds``: total guest running time allowed over the VM's life
      (all ``run_bytecode`` and ``call`` entries together; time spent in host
      functions does not count; ``extend_wall_clock`` adds to it). A backstop only, never
      a gas meter: the interpreter and the RegExp engine poll it every ~10,000
      ticks, but a single native built-in call does not (see the limits below).

    ``install_host(namespace, functions)``
        Define the global ``namespace``: a frozen, null-prototype object whose
        members (frozen arrow functions, not constructible) call the given Python
        callables. The global binding is non-writable and non-configurable. Allowed
        until the VM is sealed (the first ``call``). Values crossing (both
        directions, and ``call`` arguments/results) are primitives only:

        ==================================  =====================================
        JavaScript                          Python
        ==================================  =====================================
        ``undefined``, ``null``             ``None`` (Python ``None`` -> ``null``)
        boolean                             ``bool``
        string                              ``str`` (lone surrogates kept)
        Number with an integral value       ``int`` (exact value of the double;
                                            ``-0`` -> ``0``)
        other Number (fraction, NaN, ±Inf)  ``float``
        BigInt                              ``int`` (exact, any size)
        ==================================  =====================================

        Python to JavaScript: ``int`` with ``|n| <= 2**53 - 1`` -> Number; any
        other ``int`` -> BigInt (exact, never a rounded double); :class:`BigInt`
        (an ``int`` subclass) -> BigInt whatever its size; ``float`` -> Number. So
        Python cannot tell ``5n`` from ``5`` (both arrive as ``5``), and a host
        function serving BigInt-typed code should return :class:`BigInt` values.
        Objects, arrays, functions and symbols never cross: a guest passing one to
        a host function gets an ``InternalError`` thrown (the host function is not
        called); a host function returning anything else, or raising, fails the
        entry (below).

        Host-function failures are final: if a host callable raises (any
        ``BaseException``), the guest gets ``InternalError: host function NS.f
        failed``; every later host call in this VM throws too; and the current
        ``run_bytecode``/``call`` re-raises the original Python exception when
        the guest returns, even if guest code caught the JS error. The VM is then
        spent. Host callables must not re-enter the VM (:class:`EngineError`).

    ``run_bytecode(bytecode: bytes) -> None``
        Load a blob from :func:`compile_js` and run it as a script (top-level
        ``function``/``var`` declarations become global properties). Source text
        is refused (:class:`EngineError`), as is any blob that is not a compiled
        script of this engine's bytecode version. QuickJS does not verify bytecode:
        a truncated blob is refused cleanly, but a crafted one can crash the
        process. Verify the snapshot signature before handing bytes to this method.

    ``call(global_function_name, *args) -> None | bool | int | float | str``
        Call a global function (a data property of the global object holding a
        function; accessors are never invoked). Until then the global object is
        extensible (so the program's declarations can be created) but every
        intrinsic global is already non-writable and non-configurable. The first
        ``call`` seals the VM: it checks that the global object's prototype is
        still ``Object.prototype`` (else ``GuestError`` and the VM is spent) and
        freezes the global object, so no global can be added, removed or rebound
        afterwards (keep mutable top-level state in ``let``; a later
        ``run_bytecode`` cannot declare globals). A missing entry point is an
        :class:`EngineError`; a non-primitive result raises
        ``GuestError("Thrown", "TypeError: NAME() returned a non-primitive
        value (object)")``.

    ``seal(*entry_points)``
        Seal the VM now, exactly as the first ``call`` would (no guest code runs),
        and look up the named global functions so that their first ``call`` skips
        the lookup (a missing one is an :class:`EngineError`). Idempotent. Used to
        move this work off a request's critical path when a VM is prepared ahead
        (``runtime/vm.py``); after it, ``install_host`` and global declarations are
        refused as after a ``call``.

    ``extend_wall_clock(seconds)``
        Add ``seconds`` to the guest running time still allowed (e.g. in
        proportion to a request's gas limit, which a prepared VM learns only when
        the request arrives).

    ``retire(reason)``
        Refuse every later use (``EngineError: SealedVM is spent (reason)``)
        without freeing the engine yet; ``close()`` frees it later. Lets a host
        end a VM's life at once and defer the cost of freeing its heap.

    ``close()``
        Free the engine. Idempotent.

Constants: ``ENGINE_VERSION`` (``"2025-09-13"``), ``BYTECODE_VERSION`` (the
first byte of every blob), ``DEFAULT_MEMORY_LIMIT``, ``GUEST_ERROR_KINDS``.

Errors
------
:class:`EngineError`: misuse by the host or invalid input that is not guest
behaviour (syntax errors, malformed bytecode, closed or spent VM, wrong thread,
re-entry, non-primitive Python argument).

:class:`GuestError` ``(kind, message)``: the guest failed; ``kind`` is one of

* ``"Thrown"``: guest code threw (``message`` is ``String(exception)``, e.g.
  ``"ReferenceError: 'eval' is not defined"``); the VM stays usable;
* ``"MemoryExhausted"``: the memory limit was hit (``"InternalError: out of
  memory"``; ``"null"`` when even the error object could not be allocated — a
  guest ``throw null`` is indistinguishable from it), or the engine's maximum
  string length was exceeded (``"InternalError: string too long"``);
* ``"StackOverflow"``: ``"InternalError: stack overflow"`` (``"SyntaxError: stack
  overflow"`` when ``JSON.parse`` or the RegExp compiler hit it);
* ``"Interrupted"``: the wall-clock budget ran out (``message`` is always
  ``"wall-clock limit exceeded"``). This is reported whenever the interrupt
  fired during the entry, even if guest code swallowed the engine's error (an
  ``async`` function turns it into a rejected promise).

After any kind other than ``"Thrown"`` the VM is spent: further use raises
:class:`EngineError`. Engine errors never take the Python process down and never
affect another VM: each VM owns its runtime, heap, atoms, job queue and limits.

Determinism notes (what remains)
--------------------------------
* Promises and the microtask queue: ``Promise`` and ``async`` functions remain
  (frozen), but this wrapper never runs the job queue, so ``then`` callbacks and
  code after an ``await`` never run, ``import()`` only returns a promise that
  never settles (no module loader is installed), and nothing a job could do is
  ever observable. Host effects are synchronous calls.
* Where an out-of-memory or stack-overflow error fires depends on the platform's
  allocator and native frame sizes. Guest code that catches it (``try``/``catch``,
  or implicitly: an ``async`` function turns a throw into a rejected promise)
  can observe how far it got; the lowering must not emit ``try``, ``async``,
  generators or ``Promise`` (a snapshot-time bytecode check could enforce it).
  The interrupt is uncatchable and reported even when swallowed.
* ``Math`` functions backed by libm (``sin``, ``exp``, ``pow``/``**`` on
  non-integers, ...) may round differently on other C libraries; MTPScript has
  no floating-point type, so lowered code should not use them.
* Guest code may forge the *message* of an engine error (``throw new
  InternalError("out of memory")`` is classified ``MemoryExhausted``); this only
  lets a guest choose which deterministic error it reports.
* Frozen intrinsics make assignments that shadow an inherited frozen property
  fail (``err.name = "X"`` on an ``Error`` instance, ``obj.toString = f``): the
  lowering must create such properties with object literals or
  ``Object.defineProperty``. ``Object.defineProperty``/``defineProperties``
  refuse the global object itself (a QuickJS 2025-09-13 bug lets them rebind
  frozen globals; see ``hardening.GLOBAL_OBJECT_GUARDS``).

Limits this wrapper cannot close in-process
-------------------------------------------
* Native loops that never poll the interrupt: a built-in that walks an array's
  ``length`` runs to the end in C. ``a.length = 2 ** 32 - 1; a.join()`` (also
  ``indexOf``, ``includes``, ``forEach``, ``sort``, ``reverse``, ``shift``,
  ``slice``, ``concat`` …, or ``Array.prototype.includes.call({length: 2 ** 53 -
  1})``) takes minutes to hours and the wall clock cannot stop it; the binding
  holds the GIL, so no Python thread can either. Lowered code never creates
  sparse arrays (lists are dense and capped, work is gas-metered); for code that
  is not trusted to come from the compiler, run each VM in a worker process with
  a hard kill.
* Crafted bytecode: QuickJS trusts bytecode. Only load blobs whose snapshot
  signature was verified (``runtime/snapshot.py``).
"""

from __future__ import annotations

import math
import re
import threading
import time
from typing import Any, Callable

import quickjs

from . import hardening

__all__ = [
    "BYTECODE_VERSION",
    "BigInt",
    "DEFAULT_MEMORY_LIMIT",
    "ENGINE",
    "ENGINE_VERSION",
    "EngineError",
    "GUEST_ERROR_KINDS",
    "GuestError",
    "SealedVM",
    "compile_js",
]

#: Engine identification (for snapshot headers and logs).
ENGINE_VERSION: str = str(quickjs.quickjs_version)
ENGINE = f"quickjs-{ENGINE_VERSION}"

GUEST_ERROR_KINDS = ("Thrown", "MemoryExhausted", "StackOverflow", "Interrupted")

DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024
GC_THRESHOLD = 4 * 1024 * 1024
_MIN_STACK = 32 * 1024
_MAX_STACK = 4 * 1024 * 1024
_MAX_SAFE_INTEGER = 2**53 - 1
_TAG_FUNCTION_BYTECODE = -2  # JS_TAG_FUNCTION_BYTECODE in quickjs.h
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


class EngineError(Exception):
    """Host-side misuse or invalid input (not caused by running guest code)."""


class GuestError(Exception):
    """Guest code failed. ``kind`` is one of :data:`GUEST_ERROR_KINDS`."""

    def __init__(self, kind: str, message: str, js_stack: str | None = None) -> None:
        if kind not in GUEST_ERROR_KINDS:
            raise ValueError(f"unknown GuestError kind {kind!r}")
        super().__init__(kind, message)
        self.kind = kind
        self.message = message
        #: the engine's stack trace text, when the thrown value was an Error
        self.js_stack = js_stack

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class BigInt(int):
    """An ``int`` that crosses into JavaScript as a BigInt whatever its size."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"BigInt({int(self)})"


# ---------------------------------------------------------------------------
# Compilation


def _location(err: quickjs.JSError) -> str | None:
    stack = getattr(err, "js_stack", None)
    if not stack:
        return None
    first = stack.strip().splitlines()[0].strip()
    return first[3:] if first.startswith("at ") else first


def compile_js(source: str, name: str = "program.js") -> bytes:
    """Compile a JavaScript script to QuickJS bytecode (see the module doc)."""
    if not isinstance(source, str):
        raise EngineError("compile_js() takes JavaScript source text (str)")
    if not isinstance(name, str) or not name:
        raise EngineError("compile_js() needs a non-empty file name")
    ctx = quickjs.Context()
    try:
        fn = ctx.compile(source, name)
    except quickjs.JSError as e:
        message, loc = str(e), _location(e)
        raise EngineError(f"{message} ({loc})" if loc else message) from None
    return fn.write_object()


def _bytecode_version() -> int:
    return compile_js("0", "version.js")[0]


_BC_VERSION = _bytecode_version()
#: First byte of every blob ``compile_js`` writes (QuickJS ``BC_VERSION``);
#: ``run_bytecode`` refuses any other.
BYTECODE_VERSION: int = _BC_VERSION

# The kit: host-side helpers created in each VM right after hardening and held
# only by Python (the script's completion value); guest code cannot reach it.
_KIT_JS = r"""
(function (originals) {
  "use strict";
  const G = globalThis, F = Object.freeze, DP = originals.defineProperty;
  const GOPD = Object.getOwnPropertyDescriptor, P = Object.getPrototypeOf;
  const OP = Object.prototype, B = BigInt, hasOwn = Object.hasOwn, IE = InternalError;
  // A value the binding failed to create (out of memory) arrives with typeof
  // "unknown": refuse it instead of letting guest code see it.
  const check = (v) => {
    if (typeof v === "unknown") throw new IE("out of memory");
    return v;
  };
  // Python marks a BigInt as a one-element array holding its decimal digits.
  const big = (v) => (typeof v === "object" && v !== null ? B(check(v[0])) : check(v));
  return {
    __proto__: null,
    install(name, names, raws) {
      check(name); check(names); check(raws);
      if (hasOwn(G, name)) throw new TypeError("global '" + name + "' already exists");
      const ns = { __proto__: null };
      for (let i = 0; i < names.length; i++) {
        const raw = check(raws[i]);
        const fn = (...a) => big(raw(...a));
        DP(fn, "name", { value: check(names[i]) });
        DP(ns, names[i], { value: F(fn), enumerable: true });
      }
      DP(G, name, { value: F(ns) });
    },
    seal() {
      if (P(G) !== OP) throw new TypeError("the global object's prototype was replaced");
      F(G);
    },
    entry(name) {
      const d = GOPD(G, check(name));
      return d !== undefined && typeof d.value === "function" ? d.value : undefined;
    },
    call(f, ...args) {
      for (let i = 0; i < args.length; i++) args[i] = big(args[i]);
      return f(...args);
    },
  };
})
"""

_vm_bytecode: bytes | None = None
_vm_bytecode_lock = threading.Lock()


def _vm_setup_bytecode() -> bytes:
    """Hardening script + kit, compiled once per process."""
    global _vm_bytecode
    if _vm_bytecode is None:
        with _vm_bytecode_lock:
            if _vm_bytecode is None:
                _vm_bytecode = compile_js(
                    "(" + _KIT_JS + ")(\n" + hardening.hardening_script() + "\n);\n",
                    "<mtp-hardening>",
                )
    return _vm_bytecode


def _evaluate_unhardened(source: str) -> Any:
    """Evaluate source in a fresh, unhardened context (development tools only)."""
    return _from_js(quickjs.Context().eval(source))


# ---------------------------------------------------------------------------
# Value conversion


class _NotPrimitive(TypeError):
    pass


def _describe(v: Any) -> str:
    if isinstance(v, quickjs.Value):
        if v.is_symbol:
            return "symbol"
        if v.is_function:
            return "function"
        if v.is_array:
            return "array"
        return "object"
    return type(v).__name__


def _from_js(v: Any) -> Any:
    t = type(v)
    if t is int or t is str or t is bool:
        return v
    if t is float:
        return int(v) if v.is_integer() else v
    if v is None or v is quickjs.Undefined:
        return None
    raise _NotPrimitive(_describe(v))


def _to_js(v: Any) -> Any:
    """A Python primitive as the binding should receive it (BigInts marked)."""
    t = type(v)
    if t is str or t is float or t is bool or v is None:
        return v
    if t is int:
        return v if -_MAX_SAFE_INTEGER <= v <= _MAX_SAFE_INTEGER else [str(v)]
    if t is BigInt:
        return [int.__repr__(v)]
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        return _to_js(int(v))
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    raise _NotPrimitive(type(v).__name__)


# ---------------------------------------------------------------------------
# Error classification


def _classify(message: str, js_stack: str | None) -> GuestError:
    if message.startswith("InternalError: out of memory") or message in (
        "null",
        "InternalError: string too long",
    ):
        return GuestError("MemoryExhausted", message, js_stack)
    if message in ("InternalError: stack overflow", "SyntaxError: stack overflow"):
        return GuestError("StackOverflow", message, js_stack)
    return GuestError("Thrown", message, js_stack)


_INTERRUPTED = "wall-clock limit exceeded"


class _VMState:
    """Per-VM mutable state shared with the interrupt handler and host
    trampolines. It must not reference the engine objects: the engine holds
    these callables strongly, and a reference back would be a cycle that
    Python's garbage collector cannot see through the C extension."""

    __slots__ = ("active", "deadline", "remaining", "host_seconds", "interrupted", "host_exc")

    def __init__(self, seconds: float) -> None:
        self.active = False
        self.deadline = math.inf
        self.remaining = seconds
        self.host_seconds = 0.0       # spent in host functions during the current entry
        self.interrupted = False
        self.host_exc: BaseException | None = None

    def poll(self) -> bool:
        try:
            if self.active and time.monotonic() >= self.deadline:
                self.interrupted = True
                return True
            return False
        except BaseException as e:  # e.g. KeyboardInterrupt delivered here
            if self.host_exc is None:
                self.host_exc = e
            return True


def _make_trampoline(state: _VMState, qualname: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def trampoline(*args: Any) -> Any:
        if state.host_exc is not None:
            raise RuntimeError(f"host function {qualname} refused: an earlier host call failed")
        py_args = []
        for i, a in enumerate(args):
            try:
                py_args.append(_from_js(a))
            except _NotPrimitive as e:
                raise TypeError(
                    f"host function {qualname}: argument {i + 1} is not a primitive ({e})"
                ) from None
        start = time.monotonic()
        try:
            result = fn(*py_args)
        except BaseException as e:
            state.host_exc = e
            raise RuntimeError(f"host function {qualname} failed") from None
        finally:     # the wall clock times guest code only
            spent = time.monotonic() - start
            state.host_seconds += spent
            state.deadline += spent
        try:
            return _to_js(result)
        except _NotPrimitive:
            state.host_exc = EngineError(
                f"host function {qualname} returned a non-primitive value "
                f"of type {type(result).__name__}"
            )
            raise RuntimeError(f"host function {qualname} failed") from None

    return trampoline


# ---------------------------------------------------------------------------
# The sealed VM


class SealedVM:
    """A hardened QuickJS VM for exactly one request (see the module doc)."""

    def __init__(
        self,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        max_stack_bytes: int | None = None,
        wall_clock_seconds: float = 5.0,
    ) -> None:
        if type(memory_limit) is not int or memory_limit <= 0:
            raise EngineError("memory_limit must be a positive int (bytes)")
        if max_stack_bytes is not None and (
            type(max_stack_bytes) is not int or not _MIN_STACK <= max_stack_bytes <= _MAX_STACK
        ):
            raise EngineError(f"max_stack_bytes must be an int in [{_MIN_STACK}, {_MAX_STACK}]")
        if not isinstance(wall_clock_seconds, (int, float)) or not wall_clock_seconds > 0:
            raise EngineError("wall_clock_seconds must be > 0")
        self._closed = True  # until fully constructed
        self._owner = threading.get_ident()
        self._state = _VMState(float(wall_clock_seconds))
        self._busy = False
        self._sealed = False
        self._spent: str | None = None
        self._namespaces: set[str] = set()
        self._entries: dict[str, quickjs.Value] = {}
        rt = quickjs.Runtime()
        ctx = rt.new_context()
        try:
            kit = ctx.eval_function(ctx.read_object(_vm_setup_bytecode()))
        except quickjs.JSError as e:  # pragma: no cover - engine/list drift
            raise EngineError(f"hardening failed: {e}") from None
        self._k_install = kit.get("install")
        self._k_seal = kit.get("seal")
        self._k_entry = kit.get("entry")
        self._k_call = kit.get("call")
        rt.set_memory_limit(memory_limit)
        rt.set_gc_threshold(min(GC_THRESHOLD, memory_limit // 2))
        if max_stack_bytes is not None:
            rt.set_max_stack_size(max_stack_bytes)
        rt.set_interrupt_handler(self._state.poll)
        self._memory_limit = memory_limit
        self._rt: quickjs.Runtime | None = rt
        self._ctx: quickjs.Context | None = ctx
        self._closed = False

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> "SealedVM":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Free the engine (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._rt is not None:
            self._rt.set_interrupt_handler(None)
        self._entries.clear()
        self._k_install = self._k_seal = self._k_entry = self._k_call = None
        self._ctx = None
        self._rt = None

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_usable(self) -> None:
        if self._closed:
            raise EngineError("SealedVM is closed")
        if self._spent is not None:
            raise EngineError(f"SealedVM is spent ({self._spent}); use a fresh VM")
        if threading.get_ident() != self._owner:
            raise EngineError("a SealedVM must be used on the thread that created it")
        if self._busy:
            raise EngineError("SealedVM is not re-entrant (called from a host function?)")

    # -- guarded guest entry -----------------------------------------------

    def _enter(self, thunk: Callable[[], Any]) -> Any:
        st = self._state
        self._busy = True
        st.active = True
        start = time.monotonic()
        st.deadline = start + st.remaining
        st.host_seconds = 0.0
        message = None
        engine_failure = None
        try:
            try:
                result = thunk()
            except quickjs.JSError as e:
                result = None
                message, js_stack = str(e), getattr(e, "js_stack", None)
            except quickjs.QuickJSError as e:  # pragma: no cover - binding-level failure
                result = None
                engine_failure = str(e)
        finally:
            st.active = False
            st.remaining -= time.monotonic() - start - st.host_seconds
            self._busy = False
        if st.host_exc is not None:
            exc = st.host_exc
            self._spent = f"host call failed: {type(exc).__name__}"
            raise exc
        if st.interrupted:
            self._spent = "interrupted"
            raise GuestError("Interrupted", _INTERRUPTED)
        if engine_failure is not None:  # pragma: no cover
            self._spent = "engine failure"
            raise EngineError(f"engine failure: {engine_failure}")
        if message is not None:
            err = _classify(message, js_stack)
            if err.kind != "Thrown":
                self._spent = err.kind
            raise err
        return result

    def _seal(self) -> None:
        seal = self._k_seal
        try:
            self._enter(lambda: seal())
        except GuestError as e:
            self._spent = f"sealing failed: {e.message}"
            raise
        self._sealed = True

    def _entry(self, name: str) -> quickjs.Value:
        entry = self._k_entry
        fn = self._enter(lambda: entry(name))
        if not isinstance(fn, quickjs.Value):
            raise EngineError(f"the guest defines no global function {name!r}")
        self._entries[name] = fn
        return fn

    # -- API ----------------------------------------------------------------

    def seal(self, *entry_points: str) -> None:
        """Seal now (as the first ``call`` would) and resolve ``entry_points`` ahead."""
        self._check_usable()
        if not all(isinstance(n, str) for n in entry_points):
            raise EngineError("entry point names must be str")
        if not self._sealed:
            self._seal()
        for name in entry_points:
            if name not in self._entries:
                self._entry(name)

    def retire(self, reason: str = "retired") -> None:
        """Refuse every later use; the engine stays allocated until ``close()``."""
        if not self._closed and self._spent is None:
            self._spent = str(reason)

    def extend_wall_clock(self, seconds: float) -> None:
        """Allow the guest `seconds` more running time (e.g. in proportion to a request's gas
        limit, known only once the request arrives)."""
        self._check_usable()
        if not isinstance(seconds, (int, float)) or not 0 <= seconds < math.inf:
            raise EngineError("extend_wall_clock() takes a finite number of seconds >= 0")
        self._state.remaining += seconds

    def install_host(self, namespace: str, functions: dict[str, Callable[..., Any]]) -> None:
        """Install a frozen global object ``namespace`` of host functions."""
        self._check_usable()
        if self._sealed:
            raise EngineError("install_host() must be called before the first call()")
        if not isinstance(namespace, str) or not _IDENTIFIER.match(namespace):
            raise EngineError(f"namespace must be a JavaScript identifier, got {namespace!r}")
        if namespace in self._namespaces:
            raise EngineError(f"host namespace {namespace!r} is already installed")
        if not isinstance(functions, dict):
            raise EngineError("functions must be a dict of name -> callable")
        for n, f in functions.items():
            if not isinstance(n, str) or not _IDENTIFIER.match(n):
                raise EngineError(f"host function name must be an identifier, got {n!r}")
            if not callable(f):
                raise EngineError(f"host function {namespace}.{n} is not callable")
        ctx = self._ctx
        assert ctx is not None
        names = list(functions)
        state, install = self._state, self._k_install

        def thunk() -> None:
            raws = [
                ctx.new_function(_make_trampoline(state, f"{namespace}.{n}", functions[n]), n, 0)
                for n in names
            ]
            install(namespace, names, raws)

        self._enter(thunk)
        self._namespaces.add(namespace)

    def run_bytecode(self, bytecode: bytes) -> None:
        """Run a compiled script (bytecode only; source text is refused)."""
        self._check_usable()
        if isinstance(bytecode, str):
            raise EngineError(
                "run_bytecode() executes QuickJS bytecode only, not source text; "
                "compile it with compile_js()"
            )
        if not isinstance(bytecode, (bytes, bytearray, memoryview)):
            raise EngineError("run_bytecode() takes bytes")
        blob = bytes(bytecode)
        if len(blob) < 2 or blob[0] != _BC_VERSION:
            raise EngineError(
                f"not QuickJS bytecode of this engine (expected version byte {_BC_VERSION})"
            )
        ctx = self._ctx
        assert ctx is not None
        try:
            fn = ctx.read_object(blob)
        except quickjs.JSError as e:
            err = _classify(str(e), None)
            if err.kind == "MemoryExhausted":
                self._spent = err.kind
                raise err from None
            raise EngineError(f"malformed bytecode: {e}") from None
        if not isinstance(fn, quickjs.Value) or fn.tag != _TAG_FUNCTION_BYTECODE:
            raise EngineError("bytecode blob is not a compiled script")
        self._enter(lambda: ctx.eval_function(fn))

    def call(self, global_function_name: str, *args: Any) -> Any:
        """Call a global guest function with primitive arguments."""
        self._check_usable()
        if not isinstance(global_function_name, str):
            raise EngineError("global_function_name must be a str")
        try:
            js_args = [_to_js(a) for a in args]
        except _NotPrimitive as e:
            raise EngineError(f"call() arguments must be primitives, got {e}") from None
        limit = self._memory_limit
        for a in js_args:
            if type(a) is str and len(a) > limit:
                raise GuestError("MemoryExhausted", "argument larger than the memory limit")
        if not self._sealed:
            self._seal()
        fn = self._entries.get(global_function_name)
        if fn is None:
            fn = self._entry(global_function_name)
        # Always through the kit: it decodes BigInts and refuses arguments the
        # binding failed to create when the heap was full.
        k_call = self._k_call
        result = self._enter(lambda: k_call(fn, *js_args))
        try:
            return _from_js(result)
        except _NotPrimitive as e:
            raise GuestError(
                "Thrown", f"TypeError: {global_function_name}() returned a non-primitive value ({e})"
            ) from None
