"""``mtpscript.runtime`` — running compiled MTPScript: one sealed QuickJS VM per request.

Data flows one way: lowered JavaScript -> QuickJS bytecode -> signed snapshot ->
verified bytecode -> a fresh, hardened VM per request -> canonical response bytes.

The engine layer
    * :mod:`.engine` — the only module that imports the engine (``quickjs-bindings``,
      QuickJS 2025-09-13): ``compile_js(source) -> bytes`` and ``SealedVM`` (memory
      limit, stack limit, wall-clock backstop, frozen host namespaces, primitive-only
      value crossing, ``GuestError`` kinds ``Thrown`` / ``MemoryExhausted`` /
      ``StackOverflow`` / ``Interrupted``). Its docstring is the API reference and lists
      what determinism and isolation it guarantees and what it cannot.
    * :mod:`.hardening` — engine-neutral data and JavaScript: what every VM removes
      (``eval``, the ``Function`` constructors, ``Date``, ``Math.random``, ``Proxy``,
      ``Reflect``, weak references, shared memory, timers, module loading) and the fixed
      list of intrinsics it freezes before guest code runs.

Around it (see each module's docstring): :mod:`.build` (checked program -> JS,
bytecode, manifest, snapshot), :mod:`.snapshot` and :mod:`.signing` (the signed
``.msqs`` container, verified before any bytecode reaches the engine), :mod:`.seed`
(the per-request seed), :mod:`.wire` (values across the host/VM boundary),
:mod:`.dispatch` (routing, body decoding, error responses), :mod:`.vm` (the QuickJS
execution path), :mod:`.reference` (the Python reference interpreter, the oracle) and
:mod:`.service` (the embedding API).

Security tests live in ``tests/security``; per-VM cost is measured by
``benchmarks/vm_overhead.py``.
"""
