"""What the sealed VM removes and freezes, as data, and the JavaScript that applies it.

This module is engine-neutral data plus JavaScript text; it never imports the
engine. ``runtime/engine.py`` compiles :func:`hardening_script` to bytecode once
per process and runs it in every new VM before any guest code.

Order of the per-VM hardening script (all of it runs before guest code):

1. capture the hidden intrinsics of :data:`HIDDEN_ROOTS` (objects that only
   syntax reaches, e.g. ``%GeneratorFunction.prototype%``);
2. neutralise code evaluation: on the four function prototypes of
   :data:`NEUTRALISED_CONSTRUCTORS` the ``constructor`` property becomes a
   non-writable, non-configurable ``undefined``, so ``(function(){}).constructor``,
   ``(async function(){}).constructor``, ``(function*(){}).constructor`` and
   ``(async function*(){}).constructor`` reach nothing;
3. delete :data:`REMOVED_GLOBALS` and :data:`REMOVED_PROPERTIES`, and install
   the :data:`GLOBAL_OBJECT_GUARDS` (an engine-bug workaround);
4. ``Object.freeze`` every object of :data:`INTRINSICS` (332 objects) — a fixed list of access paths, precomputed by a reflective walk at
   development time; the walk itself never runs per request;
5. make every remaining own property of the global object non-writable and
   non-configurable. The global object itself stays extensible so that the
   program's top-level ``function``/``var`` declarations can be created; the engine
   freezes it when it seals the VM (see ``engine.SealedVM``).

Cost per VM (p50, 2-core machine, ``benchmarks/vm_overhead.py``): a bare runtime +
context ~110 µs; the whole hardening ~250 µs more (~335 µs when the binary-data and
keyed-collection constructors of :data:`REMOVED_GLOBALS` were still frozen: 493
objects). Alternatives measured for step 4, with the 493 objects (total per VM): a
reflective deep walk + freeze ~2,100 µs; straight-line code with one local per
object ~475 µs; with an array ~450 µs; a data-driven loop over encoded paths ~515
µs; the chosen hybrid (parents kept in an array, leaves frozen in place, see
:func:`_freeze_js`) ~435 µs. About a third of step 4 is QuickJS
creating the built-in function objects it otherwise instantiates lazily on first
access — freezing them requires them to exist; another ~55 µs was reading the
~36 KB of hardening bytecode (29 KB now).

Paths in :data:`INTRINSICS` start at a root (``globalThis`` or a ``%Name%`` of
:data:`HIDDEN_ROOTS`) followed by steps: ``.key`` (a data property), ``[@@name]``
(a data property keyed by the well-known symbol ``Symbol.name``), ``<proto>`` (the
``[[Prototype]]``), and an accessor step ``.key<get>`` / ``.key<set>`` (or
``[@@name]<get>``). Every path's parent precedes it in the list.

When the engine is upgraded, regenerate the list with::

    python -m mtpscript.runtime.hardening > /tmp/intrinsics.txt

and paste it over :data:`INTRINSICS`; ``tests/security`` fails until the stored
list equals the discovered one and a walk of a hardened VM finds nothing
reachable that is not frozen.
"""

from __future__ import annotations

import json
import re

#: Global bindings deleted before guest code. The first group exists in QuickJS;
#: the second does not exist in this build (no quickjs-libc) and is deleted
#: defensively, so a differently built engine cannot bring it back silently.
REMOVED_GLOBALS: tuple[str, ...] = (
    # code evaluation
    "eval",
    "Function",
    # time, nondeterminism, reflection/meta-programming, GC observation, shared memory
    "Date",
    "Proxy",
    "Reflect",
    "WeakRef",
    "FinalizationRegistry",
    "SharedArrayBuffer",
    "Atomics",
    # binary data and keyed collections: lowered code never uses them (a List is an
    # Array, a Map a sorted array of pairs), no syntax reaches them, and freezing what
    # they hold (about a third of all intrinsics) cost every VM ~65 µs
    "ArrayBuffer",
    "DataView",
    "Int8Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "Int16Array",
    "Uint16Array",
    "Int32Array",
    "Uint32Array",
    "BigInt64Array",
    "BigUint64Array",
    "Float16Array",
    "Float32Array",
    "Float64Array",
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    # absent in this build: timers, event loop, host OS, module loading, consoles
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "clearImmediate",
    "queueMicrotask",
    "requestAnimationFrame",
    "std",
    "os",
    "bjson",
    "require",
    "process",
    "print",
    "console",
    "scriptArgs",
    "performance",
    "gc",
    "WebAssembly",
)

#: Properties deleted from objects that otherwise stay (object path, property).
REMOVED_PROPERTIES: tuple[tuple[str, str], ...] = (("Math", "random"),)

#: Named roots of the walk: hidden intrinsics (objects not reachable by property
#: access from ``globalThis`` but reachable through syntax or built-in operations)
#: and, for readable paths, three well-known prototypes. Name -> JS expression
#: evaluated before anything is removed.
HIDDEN_ROOTS: dict[str, str] = {
    "%Object.prototype%": "Object.prototype",
    "%IteratorPrototype%": "Iterator.prototype",
    "%AsyncIteratorPrototype%": (
        "Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype)"
    ),
    "%Function.prototype%": "Object.getPrototypeOf(function () {})",
    "%AsyncFunction.prototype%": "Object.getPrototypeOf(async function () {})",
    "%GeneratorFunction.prototype%": "Object.getPrototypeOf(function* () {})",
    "%AsyncGeneratorFunction.prototype%": "Object.getPrototypeOf(async function* () {})",
    "%ArrayIteratorPrototype%": "Object.getPrototypeOf([][Symbol.iterator]())",
    "%StringIteratorPrototype%": 'Object.getPrototypeOf(""[Symbol.iterator]())',
    "%RegExpStringIteratorPrototype%": 'Object.getPrototypeOf(/a/[Symbol.matchAll](""))',
    "%IteratorHelperPrototype%": "Object.getPrototypeOf([].values().map((x) => x))",
    "%WrapForValidIteratorPrototype%": "Object.getPrototypeOf(Iterator.from({ next() {} }))",
    "%IteratorConcatPrototype%": "Object.getPrototypeOf(Iterator.concat())",
    "%ThrowTypeError%": (
        '(function () { "use strict"; '
        'return Object.getOwnPropertyDescriptor(arguments, "callee").get; })()'
    ),
}

#: Functions replaced by a guard that refuses the global object as target and
#: otherwise calls the original (same name, same length, not constructible).
#: Works around a QuickJS 2025-09-13 bug: ``Object.defineProperty(globalThis,
#: k, {value: v})`` replaces the value of a non-writable, non-configurable
#: property of the global object (ordinary objects are not affected; class-field
#: and other internal definitions pass full descriptors and are refused
#: correctly). The guard makes the global object unreachable for both callers
#: that take a guest-built partial descriptor (``Reflect`` and ``Proxy`` are
#: removed).
GLOBAL_OBJECT_GUARDS: tuple[tuple[str, str], ...] = (
    ("Object", "defineProperty"),
    ("Object", "defineProperties"),
)

#: Function prototypes whose ``constructor`` (a code-evaluating constructor:
#: Function, AsyncFunction, GeneratorFunction, AsyncGeneratorFunction) is
#: replaced by a locked ``undefined``.
NEUTRALISED_CONSTRUCTORS: tuple[str, ...] = (
    "%Function.prototype%",
    "%AsyncFunction.prototype%",
    "%GeneratorFunction.prototype%",
    "%AsyncGeneratorFunction.prototype%",
)

# fmt: off
#: Every object reachable from the roots after removal, except ``globalThis``
#: itself (locked by step 5, frozen at sealing). Generated; see the module doc.
INTRINSICS: tuple[str, ...] = (
    "%Object.prototype%",
    "%IteratorPrototype%",
    "%AsyncIteratorPrototype%",
    "%Function.prototype%",
    "%AsyncFunction.prototype%",
    "%GeneratorFunction.prototype%",
    "%AsyncGeneratorFunction.prototype%",
    "%ArrayIteratorPrototype%",
    "%StringIteratorPrototype%",
    "%RegExpStringIteratorPrototype%",
    "%IteratorHelperPrototype%",
    "%WrapForValidIteratorPrototype%",
    "%IteratorConcatPrototype%",
    "%ThrowTypeError%",
    "globalThis.Error",
    "globalThis.EvalError",
    "globalThis.RangeError",
    "globalThis.ReferenceError",
    "globalThis.SyntaxError",
    "globalThis.TypeError",
    "globalThis.URIError",
    "globalThis.InternalError",
    "globalThis.AggregateError",
    "globalThis.Array",
    "globalThis.Object",
    "globalThis.Iterator",
    "globalThis.parseInt",
    "globalThis.parseFloat",
    "globalThis.isNaN",
    "globalThis.isFinite",
    "globalThis.decodeURI",
    "globalThis.decodeURIComponent",
    "globalThis.encodeURI",
    "globalThis.encodeURIComponent",
    "globalThis.escape",
    "globalThis.unescape",
    "globalThis.Number",
    "globalThis.Boolean",
    "globalThis.String",
    "globalThis.Math",
    "globalThis.Symbol",
    "globalThis.BigInt",
    "globalThis.RegExp",
    "globalThis.JSON",
    "globalThis.Promise",
    "%Object.prototype%.toString",
    "%Object.prototype%.toLocaleString",
    "%Object.prototype%.valueOf",
    "%Object.prototype%.hasOwnProperty",
    "%Object.prototype%.isPrototypeOf",
    "%Object.prototype%.propertyIsEnumerable",
    "%Object.prototype%.__proto__<get>",
    "%Object.prototype%.__proto__<set>",
    "%Object.prototype%.__defineGetter__",
    "%Object.prototype%.__defineSetter__",
    "%Object.prototype%.__lookupGetter__",
    "%Object.prototype%.__lookupSetter__",
    "%IteratorPrototype%.drop",
    "%IteratorPrototype%.filter",
    "%IteratorPrototype%.flatMap",
    "%IteratorPrototype%.map",
    "%IteratorPrototype%.take",
    "%IteratorPrototype%.every",
    "%IteratorPrototype%.find",
    "%IteratorPrototype%.forEach",
    "%IteratorPrototype%.some",
    "%IteratorPrototype%.reduce",
    "%IteratorPrototype%.toArray",
    "%IteratorPrototype%.constructor<get>",
    "%IteratorPrototype%[@@iterator]",
    "%IteratorPrototype%[@@toStringTag]<get>",
    "%IteratorPrototype%[@@toStringTag]<set>",
    "%AsyncIteratorPrototype%[@@asyncIterator]",
    "%Function.prototype%.call",
    "%Function.prototype%.apply",
    "%Function.prototype%.bind",
    "%Function.prototype%.toString",
    "%Function.prototype%.fileName<get>",
    "%Function.prototype%.lineNumber<get>",
    "%Function.prototype%.columnNumber<get>",
    "%Function.prototype%[@@hasInstance]",
    "%GeneratorFunction.prototype%.prototype",
    "%AsyncGeneratorFunction.prototype%.prototype",
    "%ArrayIteratorPrototype%.next",
    "%StringIteratorPrototype%.next",
    "%RegExpStringIteratorPrototype%.next",
    "%IteratorHelperPrototype%.next",
    "%IteratorHelperPrototype%.return",
    "%WrapForValidIteratorPrototype%.next",
    "%WrapForValidIteratorPrototype%.return",
    "%IteratorConcatPrototype%.next",
    "%IteratorConcatPrototype%.return",
    "globalThis.Error.isError",
    "globalThis.Error.prototype",
    "globalThis.EvalError.prototype",
    "globalThis.RangeError.prototype",
    "globalThis.ReferenceError.prototype",
    "globalThis.SyntaxError.prototype",
    "globalThis.TypeError.prototype",
    "globalThis.URIError.prototype",
    "globalThis.InternalError.prototype",
    "globalThis.AggregateError.prototype",
    "globalThis.Array.isArray",
    "globalThis.Array.from",
    "globalThis.Array.of",
    "globalThis.Array.prototype",
    "globalThis.Array[@@species]<get>",
    "globalThis.Object.create",
    "globalThis.Object.getPrototypeOf",
    "globalThis.Object.setPrototypeOf",
    "globalThis.Object.defineProperty",
    "globalThis.Object.defineProperties",
    "globalThis.Object.getOwnPropertyNames",
    "globalThis.Object.getOwnPropertySymbols",
    "globalThis.Object.groupBy",
    "globalThis.Object.keys",
    "globalThis.Object.values",
    "globalThis.Object.entries",
    "globalThis.Object.isExtensible",
    "globalThis.Object.preventExtensions",
    "globalThis.Object.getOwnPropertyDescriptor",
    "globalThis.Object.getOwnPropertyDescriptors",
    "globalThis.Object.is",
    "globalThis.Object.assign",
    "globalThis.Object.seal",
    "globalThis.Object.freeze",
    "globalThis.Object.isSealed",
    "globalThis.Object.isFrozen",
    "globalThis.Object.fromEntries",
    "globalThis.Object.hasOwn",
    "globalThis.Iterator.concat",
    "globalThis.Iterator.from",
    "globalThis.Number.isNaN",
    "globalThis.Number.isFinite",
    "globalThis.Number.isInteger",
    "globalThis.Number.isSafeInteger",
    "globalThis.Number.prototype",
    "globalThis.Boolean.prototype",
    "globalThis.String.fromCharCode",
    "globalThis.String.fromCodePoint",
    "globalThis.String.raw",
    "globalThis.String.prototype",
    "globalThis.Math.min",
    "globalThis.Math.max",
    "globalThis.Math.abs",
    "globalThis.Math.floor",
    "globalThis.Math.ceil",
    "globalThis.Math.round",
    "globalThis.Math.sqrt",
    "globalThis.Math.acos",
    "globalThis.Math.asin",
    "globalThis.Math.atan",
    "globalThis.Math.atan2",
    "globalThis.Math.cos",
    "globalThis.Math.exp",
    "globalThis.Math.log",
    "globalThis.Math.pow",
    "globalThis.Math.sin",
    "globalThis.Math.tan",
    "globalThis.Math.trunc",
    "globalThis.Math.sign",
    "globalThis.Math.cosh",
    "globalThis.Math.sinh",
    "globalThis.Math.tanh",
    "globalThis.Math.acosh",
    "globalThis.Math.asinh",
    "globalThis.Math.atanh",
    "globalThis.Math.expm1",
    "globalThis.Math.log1p",
    "globalThis.Math.log2",
    "globalThis.Math.log10",
    "globalThis.Math.cbrt",
    "globalThis.Math.hypot",
    "globalThis.Math.f16round",
    "globalThis.Math.fround",
    "globalThis.Math.imul",
    "globalThis.Math.clz32",
    "globalThis.Math.sumPrecise",
    "globalThis.Symbol.for",
    "globalThis.Symbol.keyFor",
    "globalThis.Symbol.prototype",
    "globalThis.BigInt.asUintN",
    "globalThis.BigInt.asIntN",
    "globalThis.BigInt.prototype",
    "globalThis.RegExp.escape",
    "globalThis.RegExp.prototype",
    "globalThis.RegExp[@@species]<get>",
    "globalThis.JSON.isRawJSON",
    "globalThis.JSON.parse",
    "globalThis.JSON.rawJSON",
    "globalThis.JSON.stringify",
    "globalThis.Promise.resolve",
    "globalThis.Promise.reject",
    "globalThis.Promise.all",
    "globalThis.Promise.allSettled",
    "globalThis.Promise.any",
    "globalThis.Promise.try",
    "globalThis.Promise.race",
    "globalThis.Promise.withResolvers",
    "globalThis.Promise.prototype",
    "globalThis.Promise[@@species]<get>",
    "%GeneratorFunction.prototype%.prototype.next",
    "%GeneratorFunction.prototype%.prototype.return",
    "%GeneratorFunction.prototype%.prototype.throw",
    "%AsyncGeneratorFunction.prototype%.prototype.next",
    "%AsyncGeneratorFunction.prototype%.prototype.return",
    "%AsyncGeneratorFunction.prototype%.prototype.throw",
    "globalThis.Error.prototype.toString",
    "globalThis.Array.prototype.at",
    "globalThis.Array.prototype.with",
    "globalThis.Array.prototype.concat",
    "globalThis.Array.prototype.every",
    "globalThis.Array.prototype.some",
    "globalThis.Array.prototype.forEach",
    "globalThis.Array.prototype.map",
    "globalThis.Array.prototype.filter",
    "globalThis.Array.prototype.reduce",
    "globalThis.Array.prototype.reduceRight",
    "globalThis.Array.prototype.fill",
    "globalThis.Array.prototype.find",
    "globalThis.Array.prototype.findIndex",
    "globalThis.Array.prototype.findLast",
    "globalThis.Array.prototype.findLastIndex",
    "globalThis.Array.prototype.indexOf",
    "globalThis.Array.prototype.lastIndexOf",
    "globalThis.Array.prototype.includes",
    "globalThis.Array.prototype.join",
    "globalThis.Array.prototype.toString",
    "globalThis.Array.prototype.toLocaleString",
    "globalThis.Array.prototype.pop",
    "globalThis.Array.prototype.push",
    "globalThis.Array.prototype.shift",
    "globalThis.Array.prototype.unshift",
    "globalThis.Array.prototype.reverse",
    "globalThis.Array.prototype.toReversed",
    "globalThis.Array.prototype.sort",
    "globalThis.Array.prototype.toSorted",
    "globalThis.Array.prototype.slice",
    "globalThis.Array.prototype.splice",
    "globalThis.Array.prototype.toSpliced",
    "globalThis.Array.prototype.copyWithin",
    "globalThis.Array.prototype.flatMap",
    "globalThis.Array.prototype.flat",
    "globalThis.Array.prototype.values",
    "globalThis.Array.prototype.keys",
    "globalThis.Array.prototype.entries",
    "globalThis.Array.prototype[@@unscopables]",
    "globalThis.Number.prototype.toExponential",
    "globalThis.Number.prototype.toFixed",
    "globalThis.Number.prototype.toPrecision",
    "globalThis.Number.prototype.toString",
    "globalThis.Number.prototype.toLocaleString",
    "globalThis.Number.prototype.valueOf",
    "globalThis.Boolean.prototype.toString",
    "globalThis.Boolean.prototype.valueOf",
    "globalThis.String.prototype.at",
    "globalThis.String.prototype.charCodeAt",
    "globalThis.String.prototype.charAt",
    "globalThis.String.prototype.concat",
    "globalThis.String.prototype.codePointAt",
    "globalThis.String.prototype.isWellFormed",
    "globalThis.String.prototype.toWellFormed",
    "globalThis.String.prototype.indexOf",
    "globalThis.String.prototype.lastIndexOf",
    "globalThis.String.prototype.includes",
    "globalThis.String.prototype.endsWith",
    "globalThis.String.prototype.startsWith",
    "globalThis.String.prototype.match",
    "globalThis.String.prototype.matchAll",
    "globalThis.String.prototype.search",
    "globalThis.String.prototype.split",
    "globalThis.String.prototype.substring",
    "globalThis.String.prototype.substr",
    "globalThis.String.prototype.slice",
    "globalThis.String.prototype.repeat",
    "globalThis.String.prototype.replace",
    "globalThis.String.prototype.replaceAll",
    "globalThis.String.prototype.padEnd",
    "globalThis.String.prototype.padStart",
    "globalThis.String.prototype.trim",
    "globalThis.String.prototype.trimEnd",
    "globalThis.String.prototype.trimStart",
    "globalThis.String.prototype.toString",
    "globalThis.String.prototype.valueOf",
    "globalThis.String.prototype.toLowerCase",
    "globalThis.String.prototype.toUpperCase",
    "globalThis.String.prototype.toLocaleLowerCase",
    "globalThis.String.prototype.toLocaleUpperCase",
    "globalThis.String.prototype.anchor",
    "globalThis.String.prototype.big",
    "globalThis.String.prototype.blink",
    "globalThis.String.prototype.bold",
    "globalThis.String.prototype.fixed",
    "globalThis.String.prototype.fontcolor",
    "globalThis.String.prototype.fontsize",
    "globalThis.String.prototype.italics",
    "globalThis.String.prototype.link",
    "globalThis.String.prototype.small",
    "globalThis.String.prototype.strike",
    "globalThis.String.prototype.sub",
    "globalThis.String.prototype.sup",
    "globalThis.String.prototype.normalize",
    "globalThis.String.prototype.localeCompare",
    "globalThis.String.prototype[@@iterator]",
    "globalThis.Symbol.prototype.toString",
    "globalThis.Symbol.prototype.valueOf",
    "globalThis.Symbol.prototype.description<get>",
    "globalThis.Symbol.prototype[@@toPrimitive]",
    "globalThis.BigInt.prototype.toString",
    "globalThis.BigInt.prototype.valueOf",
    "globalThis.RegExp.prototype.flags<get>",
    "globalThis.RegExp.prototype.source<get>",
    "globalThis.RegExp.prototype.global<get>",
    "globalThis.RegExp.prototype.ignoreCase<get>",
    "globalThis.RegExp.prototype.multiline<get>",
    "globalThis.RegExp.prototype.dotAll<get>",
    "globalThis.RegExp.prototype.unicode<get>",
    "globalThis.RegExp.prototype.unicodeSets<get>",
    "globalThis.RegExp.prototype.sticky<get>",
    "globalThis.RegExp.prototype.hasIndices<get>",
    "globalThis.RegExp.prototype.exec",
    "globalThis.RegExp.prototype.compile",
    "globalThis.RegExp.prototype.test",
    "globalThis.RegExp.prototype.toString",
    "globalThis.RegExp.prototype[@@replace]",
    "globalThis.RegExp.prototype[@@match]",
    "globalThis.RegExp.prototype[@@matchAll]",
    "globalThis.RegExp.prototype[@@search]",
    "globalThis.RegExp.prototype[@@split]",
    "globalThis.Promise.prototype.then",
    "globalThis.Promise.prototype.catch",
    "globalThis.Promise.prototype.finally",
)
# fmt: on


# ---------------------------------------------------------------------------
# Paths

_STEP = re.compile(r"(\.[A-Za-z_$][\w$]*|\[@@\w+\]|<proto>)(<get>|<set>)?")
_ROOT = re.compile(r"^(globalThis|%[\w.]+%)")


def parse_path(path: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Split a path into its root and steps ``(kind, key, accessor)``.

    ``kind`` is ``"prop"``, ``"sym"`` or ``"proto"``; ``accessor`` is ``""``,
    ``"get"`` or ``"set"``.
    """
    m = _ROOT.match(path)
    if not m:
        raise ValueError(f"bad intrinsic path root: {path!r}")
    root = m.group(1)
    if root != "globalThis" and root not in HIDDEN_ROOTS:
        raise ValueError(f"unknown root in {path!r}")
    pos = m.end()
    steps = []
    while pos < len(path):
        s = _STEP.match(path, pos)
        if not s:
            raise ValueError(f"bad intrinsic path step in {path!r} at {pos}")
        tok, acc = s.group(1), (s.group(2) or "<>")[1:-1]
        if tok == "<proto>":
            steps.append(("proto", "", acc))
        elif tok.startswith("[@@"):
            steps.append(("sym", tok[3:-1], acc))
        else:
            steps.append(("prop", tok[1:], acc))
        pos = s.end()
    return root, steps


def _parent_and_step(path: str) -> tuple[str, tuple[str, str, str] | None]:
    root, steps = parse_path(path)
    if not steps:
        return root, None
    last = steps[-1]
    suffix = ("<" + last[2] + ">") if last[2] else ""
    if last[0] == "proto":
        tail = "<proto>" + suffix
    elif last[0] == "sym":
        tail = "[@@" + last[1] + "]" + suffix
    else:
        tail = "." + last[1] + suffix
    assert path.endswith(tail), (path, tail)
    return path[: len(path) - len(tail)], last


def _key_js(kind: str, key: str) -> str:
    return "Symbol." + key if kind == "sym" else json.dumps(key)


# ---------------------------------------------------------------------------
# JavaScript


def _roots_js(var: str = "R") -> str:
    items = ", ".join(f"{json.dumps(n)}: {e}" for n, e in HIDDEN_ROOTS.items())
    return f"const {var} = {{ __proto__: null, {items} }};"


def _removal_js() -> str:
    lines = [
        'const lockedUndefined = { value: undefined, writable: false, enumerable: false, configurable: false };'
    ]
    for obj, fn in GLOBAL_OBJECT_GUARDS:
        o, f = json.dumps(obj), json.dumps(fn)
        lines.append(
            f"{{ const orig = G[{o}][{f}]; "
            f"DP(G[{o}], {f}, {{ value: {{ {fn}(target, ...rest) {{ "
            f"if (target === G) throw new TypeError(\"cannot define properties on the global object\"); "
            f"return orig(target, ...rest); }} }}.{fn} }}); "
            f"DP(G[{o}][{f}], \"length\", {{ value: orig.length }}); }}"
        )
    for name in NEUTRALISED_CONSTRUCTORS:
        lines.append(f"DP(R[{json.dumps(name)}], \"constructor\", lockedUndefined);")
    names = json.dumps(list(REMOVED_GLOBALS))
    lines.append(f"for (const n of {names}) {{ if (!delete G[n]) throw new TypeError(\"cannot remove \" + n); }}")
    for obj, prop in REMOVED_PROPERTIES:
        target = f"G[{json.dumps(obj)}][{json.dumps(prop)}]"
        lines.append(f'if (!delete {target}) throw new TypeError("cannot remove {obj}.{prop}");')
    return "\n".join(lines)


def _prelude_js() -> str:
    return (
        '"use strict";\n'
        "const G = globalThis, F = Object.freeze, D = Object.getOwnPropertyDescriptor, "
        "P = Object.getPrototypeOf, DP = Object.defineProperty;\n" + _roots_js() + "\n"
    )


def removal_script() -> str:
    """Steps 1–3 only, as a script (used to regenerate :data:`INTRINSICS`)."""
    return "(function () {\n" + _prelude_js() + _removal_js() + "\n})();\n"


def _freeze_js(intrinsics: tuple[str, ...]) -> str:
    """Straight-line code freezing every listed object.

    Objects that are parents of later entries are kept in the array ``O``;
    leaves are frozen in place. Measured fastest of: straight-line with one local
    per object, with an array, this hybrid, and a data-driven loop.
    """
    index: dict[str, int] = {}
    parents: set[str] = set()
    for p in intrinsics:
        parent, step = _parent_and_step(p)
        if step is not None:
            parents.add(parent)
    out = ["const O = [];"]

    def ref(path: str) -> str:
        if path == "globalThis":
            return "G"
        if path in HIDDEN_ROOTS:
            return f"R[{json.dumps(path)}]"
        return f"O[{index[path]}]"

    for p in intrinsics:
        parent, step = _parent_and_step(p)
        if step is None:
            expr = ref(p)
        else:
            if parent not in index and parent != "globalThis" and parent not in HIDDEN_ROOTS:
                raise ValueError(f"intrinsic {p!r} listed before its parent {parent!r}")
            kind, key, acc = step
            base = ref(parent)
            if kind == "proto":
                expr = f"P({base})"
            elif acc:
                expr = f"D({base}, {_key_js(kind, key)}).{acc}"
            else:
                expr = f"{base}[{_key_js(kind, key)}]" if kind == "sym" else f"{base}.{key}"
        if p in parents and p not in HIDDEN_ROOTS:
            index[p] = len(index)
            out.append(f"F(O[{index[p]}] = {expr});")
        else:
            out.append(f"F({expr});")
    return "\n".join(out)


_LOCK_GLOBALS_JS = """\
const locked = { writable: false, configurable: false };
for (const k of Object.getOwnPropertyNames(G)) DP(G, k, locked);
for (const k of Object.getOwnPropertySymbols(G)) DP(G, k, locked);
"""


def hardening_script(intrinsics: tuple[str, ...] | None = None) -> str:
    """The per-VM hardening (steps 1–5) as one JavaScript *expression*.

    Its value is a null-prototype object holding the original
    ``Object.defineProperty`` (key ``defineProperty``), for the engine's
    host-side helpers; the engine must not let it reach guest code.
    """
    intr = INTRINSICS if intrinsics is None else intrinsics
    return (
        "(function () {\n"
        + _prelude_js()
        + _removal_js()
        + "\n"
        + _freeze_js(intr)
        + "\n"
        + _LOCK_GLOBALS_JS
        + "return { __proto__: null, defineProperty: DP };\n"
        + "})()"
    )


def walk_script(function_name: str = "__mtp_walk") -> str:
    """A script declaring ``function_name()``: a reflective walk of everything
    reachable from ``globalThis`` and :data:`HIDDEN_ROOTS` (own string and symbol
    keys, accessor getters/setters, ``[[Prototype]]``), breadth first.

    It returns a JSON array of ``[path, frozen, type, name]``; ``name`` is the
    ``name`` own data property of functions (``""`` otherwise). Used by the
    security tests inside a hardened VM, and (on a VM with only the removal
    applied) to regenerate :data:`INTRINSICS`. Never run per request.
    """
    return (
        f"function {function_name}() {{\n"
        '  "use strict";\n'
        "  const roots = [[\"globalThis\", globalThis]];\n"
        + "".join(
            f"  roots.push([{json.dumps(n)}, {e}]);\n" for n, e in HIDDEN_ROOTS.items()
        )
        + """\
  const queue = [], paths = [];   // (no Map: the hardened VM has none)
  const out = [];
  const add = (o, path) => {
    if ((typeof o !== "object" && typeof o !== "function") || o === null || queue.includes(o)) return;
    queue.push(o);
    paths.push(path);
  };
  for (const [n, o] of roots) add(o, n);
  for (let i = 0; i < queue.length; i++) {
    const o = queue[i];
    const p = paths[i];
    const nd = Object.getOwnPropertyDescriptor(o, "name");
    const name = typeof o === "function" && nd && typeof nd.value === "string" ? nd.value : "";
    out.push([p, Object.isFrozen(o), typeof o, name]);
    add(Object.getPrototypeOf(o), p + "<proto>");
    const keys = Object.getOwnPropertyNames(o);
    const syms = Object.getOwnPropertySymbols(o);
    for (const k of keys.concat(syms)) {
      const d = Object.getOwnPropertyDescriptor(o, k);
      let ks;
      if (typeof k === "symbol") {
        const desc = k.description;
        if (!desc.startsWith("Symbol.") || Symbol[desc.slice(7)] !== k) {
          throw new TypeError("unexpected symbol key " + desc + " on " + p);
        }
        ks = "[@@" + desc.slice(7) + "]";
      } else if (/^[A-Za-z_$][\\w$]*$/.test(k)) {
        ks = "." + k;
      } else {
        throw new TypeError("unexpected key " + k + " on " + p);
      }
      if ("value" in d) add(d.value, p + ks);
      else { add(d.get, p + ks + "<get>"); add(d.set, p + ks + "<set>"); }
    }
  }
  return JSON.stringify(out);
}
"""
    )


def format_intrinsics(paths: list[str]) -> str:
    """Python source for :data:`INTRINSICS` (one path per line)."""
    body = "".join(f"    {json.dumps(p)},\n" for p in paths)
    return "INTRINSICS: tuple[str, ...] = (\n" + body + ")\n"


def discover_intrinsics() -> list[str]:
    """Walk a fresh VM with only the removal applied; return the paths to freeze.

    Development tool (needs the engine); the result is what :data:`INTRINSICS`
    must equal.
    """
    from . import engine  # lazy: this module stays engine-neutral

    # the walker is declared inside a function so that it is not itself a global
    result = engine._evaluate_unhardened(
        removal_script() + "(function () {\n" + walk_script() + "return __mtp_walk();\n})()"
    )
    return [row[0] for row in json.loads(result) if row[0] != "globalThis"]


if __name__ == "__main__":  # pragma: no cover - development tool
    print(format_intrinsics(discover_intrinsics()), end="")
