"""Effect checker: typed IR -> effect-checked IR.

Each named function and `api` handler may use only the effects it lists in
`uses { ... }`; calling a function requires all of the callee's declared
effects, which makes the check transitive. Lambdas and top-level constants are
pure. `await` needs Async and applies to a built-in effect call, which the Async
host then performs. See spec/effects.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import builtins, nodes as n
from .checker import FunctionSym, TypedModule
from .diagnostics import DiagnosticSink, Span
from .visitor import children


@dataclass
class EffectSet:
    declared: frozenset[str]
    used: set[str] = field(default_factory=set)


@dataclass
class EffectCheckedModule:
    typed: TypedModule
    effects: dict[int, EffectSet]          # id(FunctionDecl or ApiDecl) -> its effect sets

    def of(self, decl: n.FunctionDecl | n.ApiDecl) -> EffectSet:
        return self.effects[id(decl)]


@dataclass
class _Context:
    kind: str                 # "function" | "api" | "lambda" | "const"
    name: str
    effects: EffectSet


class EffectChecker:
    def __init__(self, typed: TypedModule, sink: DiagnosticSink):
        self.typed = typed
        self.sink = sink
        self.out = EffectCheckedModule(typed, {})

    def run(self) -> EffectCheckedModule:
        for item in self.typed.module.items:
            if isinstance(item, n.FunctionDecl):
                self.visit_function(item)
            elif isinstance(item, n.ApiDecl):
                ctx = _Context("api", f"{item.method} {item.path}", EffectSet(self.declared(item.uses)))
                self.out.effects[id(item)] = ctx.effects
                self.visit(item.body, ctx)
            elif isinstance(item, n.Binding):
                self.visit(item.value, _Context("const", item.name, EffectSet(frozenset())))
        return self.out

    def declared(self, uses: list[tuple[str, Span]] | None) -> frozenset[str]:
        seen: set[str] = set()
        for name, span in uses or ():
            if name not in builtins.EFFECTS:
                self.sink.error("E0305", span, f"unknown effect `{name}`")
            elif name in seen:
                self.sink.error("E0306", span, f"effect `{name}` is listed twice")
            seen.add(name)
        return frozenset(seen & set(builtins.EFFECTS))

    def visit_function(self, decl: n.FunctionDecl) -> None:
        ctx = _Context("function", decl.name, EffectSet(self.declared(decl.uses)))
        self.out.effects[id(decl)] = ctx.effects
        self.visit(decl.body, ctx)

    def use(self, effects: frozenset[str], span: Span, what: str, ctx: _Context, builtin: bool) -> None:
        if not effects:
            return
        listed = ", ".join(sorted(effects))
        if ctx.kind == "lambda":
            self.sink.error("E0303", span, f"{what} uses {listed}, but lambdas must be pure")
        elif ctx.kind == "const":
            self.sink.error("E0301", span, f"{what} uses {listed}, but top-level constant `{ctx.name}` must be pure",
                            "compute the value inside a function or handler that declares the effect")
        else:
            missing = sorted(effects - ctx.effects.declared)
            if missing:
                owner = f"`{ctx.name}`" if ctx.kind == "function" else f"handler {ctx.name}"
                code = "E0301" if builtin else "E0302"
                self.sink.error(code, span, f"{what} uses {', '.join(missing)}, which {owner} does not declare",
                                f"add `uses {{ {', '.join(sorted(ctx.effects.declared | set(missing)))} }}`")
        ctx.effects.used |= effects

    def visit(self, node: n.Node, ctx: _Context, callee: bool = False) -> None:
        if isinstance(node, n.Lambda):
            self.visit(node.body, _Context("lambda", "lambda", EffectSet(frozenset())))
            return
        if isinstance(node, n.FunctionDecl):
            self.visit_function(node)
            return
        if isinstance(node, n.Await):
            self.visit_await(node, ctx)
            return
        if isinstance(node, n.Call):
            sym = self.typed.refs.get(id(node.callee))
            if isinstance(sym, FunctionSym):
                self.use(sym.effects, node.span, f"`{sym.name}`", ctx, builtin=sym.builtin is not None)
            self.visit(node.callee, ctx, callee=True)
            for arg in node.args:
                self.visit(arg, ctx)
            return
        if isinstance(node, (n.Name, n.Field)) and not callee:
            sym = self.typed.refs.get(id(node))
            if isinstance(sym, FunctionSym) and sym.effects:
                self.sink.error("E0307", node.span, f"`{sym.name}` uses {', '.join(sorted(sym.effects))} "
                                                    "and cannot be used as a value")
        for child in children(node):
            self.visit(child, ctx)

    def visit_await(self, node: n.Await, ctx: _Context) -> None:
        if ctx.kind in ("lambda", "const"):
            self.use(frozenset({"Async"}), node.span, "`await`", ctx, builtin=True)
        elif "Async" not in ctx.effects.declared:
            owner = f"`{ctx.name}`" if ctx.kind == "function" else f"handler {ctx.name}"
            self.sink.error("E0304", node.span, f"`await` needs the Async effect, which {owner} does not declare")
        ctx.effects.used.add("Async")
        inner = node.expr
        sym = self.typed.refs.get(id(inner.callee)) if isinstance(inner, n.Call) else None
        if not (isinstance(sym, FunctionSym) and sym.builtin is not None and sym.effects):
            self.sink.error("E0308", inner.span)
            self.visit(inner, ctx)
            return
        for arg in inner.args:   # the awaited call itself is performed by the Async host
            self.visit(arg, ctx)


def check_effects(typed: TypedModule, sink: DiagnosticSink) -> EffectCheckedModule:
    return EffectChecker(typed, sink).run()
