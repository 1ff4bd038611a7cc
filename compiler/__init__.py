"""mtpscript.compiler: the MTPScript front end and the lowering to JavaScript.

Stages, each a module with one job; data flows one way:

    lexer -> rejections -> parser (grammar.lark) -> nodes (AST)
          -> checker (typed IR) -> effects (effect-checked IR) -> modules (programs, linking)
          -> lowering (gas; loops: counted-loop analysis; pipelines: fusible list chains)
          -> linker (+ prelude.js, decimal.js)
          -> JavaScript for runtime/

`cli` is the `mtpc` command; `diagnostics` owns the error codes; `builtins` declares
everything the checker knows without reading user code; `manifest` describes a
compiled program for snapshots.
"""

COMPILER_VERSION = "mtpc 0.1.0"
