"""Type checker: one module's AST -> typed IR (TypedModule).

Resolves every name, infers and checks every expression's type (local
Hindley-Milner-style unification), checks patterns for fit, exhaustiveness and
reachability, tail positions of `return`/`respond`, and routes. Effects are a
separate pass (compiler/effects.py) over the typed IR this module produces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import builtins, nodes as n
from . import patterns as pt
from .diagnostics import DiagnosticSink, Span
from .visitor import walk
from .types import (BOOLEAN, DECIMAL, ERROR, NUMBER, RESPONSE, STRING, UNIT, TCon, TFun, TParam, TRecord, TVar,
                    Type, UnionInfo, VariantInfo, contains_function, list_of, prune, resolve, show,
                    substitute)


# ---------------------------------------------------------------- symbols
@dataclass(eq=False)
class Local:
    name: str
    type: Type
    span: Span


@dataclass(eq=False)
class FunctionSym:
    name: str
    module: str
    type_params: list[str]
    type: TFun | None                   # None until the signature is known
    effects: frozenset[str]
    decl: n.FunctionDecl | None = None  # None for built-ins
    state: str = "done"                 # "unchecked" | "checking" | "done"
    builtin: str | None = None          # "List.map" for standard library functions


@dataclass(eq=False)
class ConstSym:
    name: str
    module: str
    type: Type | None
    decl: n.Binding
    state: str = "pending"
    cyclic: bool = False                # already reported as referring to itself


@dataclass(eq=False)
class CtorSym:
    variant: VariantInfo


@dataclass(eq=False)
class AliasSym:
    name: str
    module: str
    params: list[str]
    expr: n.TypeExpr
    resolved: Type | None = None
    resolving: bool = False


ValueSym = Local | FunctionSym | ConstSym | CtorSym
TypeSym = AliasSym | UnionInfo


@dataclass
class RouteInfo:
    decl: n.ApiDecl
    method: str
    path: str
    params: list[str]
    body_type: Type | None


@dataclass
class TypedModule:
    """The typed IR of one module: the AST plus what the checker learnt about it."""
    module: n.Module
    types: dict[int, Type] = field(default_factory=dict)       # id(expr) -> type
    refs: dict[int, object] = field(default_factory=dict)      # id(Name/Field/callee) -> symbol or builtin name
    binders: dict[int, object] = field(default_factory=dict)   # id(binding node) -> the Local/FunctionSym it binds
    values: dict[str, ValueSym] = field(default_factory=dict)  # top-level value namespace (exports)
    type_names: dict[str, TypeSym] = field(default_factory=dict)
    functions: list[FunctionSym] = field(default_factory=list)
    routes: list[RouteInfo] = field(default_factory=list)
    unions: list[UnionInfo] = field(default_factory=list)

    def type_of(self, expr: n.Node) -> Type:
        return resolve(self.types[id(expr)])


_PARAM_RE = re.compile(r"^:([A-Za-z_][A-Za-z0-9_]*)$")
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9._~-]+$")


def route_shape(path: str) -> tuple[str, ...]:
    """The request paths a route matches: literal segments, with every parameter as ":"."""
    return tuple(":" if seg.startswith(":") else seg for seg in path.strip("/").split("/") if seg)


class Prelude:
    """Built-in types and functions, parsed once from builtins.PRELUDE and SIGNATURES."""

    def __init__(self, parse):
        sink = DiagnosticSink()
        module = parse(builtins.PRELUDE, "<prelude>", sink)
        assert not sink.items, sink.items
        checker = ModuleChecker(module, sink, prelude=None)
        checker.declare_types()
        assert not sink.items, sink.items
        self.type_names: dict[str, TypeSym] = dict(checker.typed.type_names)
        self.ctors: dict[str, CtorSym] = {k: v for k, v in checker.typed.values.items() if isinstance(v, CtorSym)}
        self.functions: dict[str, FunctionSym] = {}
        for name, (params, sig, effect) in {**builtins.SIGNATURES, **builtins.RESPONSE_FUNCTIONS}.items():
            tparams = [p.strip() for p in params.split(",") if p.strip()]
            texpr = parse(f"type S = {sig}", "<prelude>", sink).items[0].type
            ftype = checker.type_from_expr(texpr, {p: TParam(p) for p in tparams})
            assert not sink.items, (name, sink.items)
            self.functions[name] = FunctionSym(name, "<prelude>", tparams, ftype,
                                               frozenset([effect]) if effect else frozenset(), builtin=name)


class ModuleChecker:
    def __init__(self, module: n.Module, sink: DiagnosticSink, prelude: Prelude | None,
                 imports: list[tuple[str, str, object]] | None = None):
        self.sink = sink
        self.prelude = prelude
        self.typed = TypedModule(module)
        self.module_name = module.path
        self.imported_values: dict[str, ValueSym] = {}
        self.imported_types: dict[str, TypeSym] = {}
        for kind, name, sym in imports or ():
            (self.imported_types if kind == "type" else self.imported_values)[name] = sym
        self.scopes: list[dict[str, ValueSym]] = []
        self.fn_stack: list[dict] = []   # context of the function/lambda/api being checked

    # ------------------------------------------------------------ errors and unification
    def error(self, code: str, span: Span, message: str | None = None, hint: str | None = None) -> None:
        self.sink.error(code, span, message, hint)

    def unify(self, a: Type, b: Type) -> bool:
        a, b = prune(a), prune(b)
        if a is b or a == ERROR or b == ERROR:
            return True
        if isinstance(a, TVar):
            if self._occurs(a, b):
                return False
            a.ref = b
            return True
        if isinstance(b, TVar):
            return self.unify(b, a)
        if isinstance(a, TCon) and isinstance(b, TCon):
            return (a.key() == b.key() and len(a.args) == len(b.args)
                    and all(self.unify(x, y) for x, y in zip(a.args, b.args)))
        if isinstance(a, TRecord) and isinstance(b, TRecord):
            return ([k for k, _ in a.fields] == [k for k, _ in b.fields]
                    and all(self.unify(x, y) for (_, x), (_, y) in zip(a.fields, b.fields)))
        if isinstance(a, TFun) and isinstance(b, TFun):
            return (len(a.params) == len(b.params) and all(self.unify(x, y) for x, y in zip(a.params, b.params))
                    and self.unify(a.result, b.result))
        if isinstance(a, TParam) and isinstance(b, TParam):
            return a.name == b.name
        return False

    def _occurs(self, var: TVar, t: Type) -> bool:
        t = prune(t)
        if t is var:
            return True
        if isinstance(t, TCon):
            return any(self._occurs(var, x) for x in t.args)
        if isinstance(t, TRecord):
            return any(self._occurs(var, x) for _, x in t.fields)
        if isinstance(t, TFun):
            return any(self._occurs(var, x) for x in t.params) or self._occurs(var, t.result)
        return False

    def expect(self, expected: Type, found: Type, span: Span, what: str = "") -> None:
        """Unify or report E0203 'expected X, found Y'."""
        if self.unify(expected, found):
            return
        shown_e, shown_f = show(resolve(expected)), show(resolve(found))
        if self._infinite(expected, found):
            self.error("E0227", span, f"infinite type: {shown_f} would have to contain itself")
        else:
            self.error("E0203", span, f"type mismatch{what}: expected {shown_e}, found {shown_f}")

    def _infinite(self, a: Type, b: Type) -> bool:
        a, b = prune(a), prune(b)
        return (isinstance(a, TVar) and self._occurs(a, b)) or (isinstance(b, TVar) and self._occurs(b, a))

    # ------------------------------------------------------------ scopes
    def lookup(self, name: str) -> ValueSym | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return self.top_value(name)

    def top_value(self, name: str) -> ValueSym | None:
        found = self.typed.values.get(name) or self.imported_values.get(name)
        if found is None and self.prelude is not None:
            found = self.prelude.ctors.get(name) or self.prelude.functions.get(name)
        return found

    def lookup_type(self, name: str) -> TypeSym | None:
        found = self.typed.type_names.get(name) or self.imported_types.get(name)
        if found is None and self.prelude is not None:
            found = self.prelude.type_names.get(name)
        return found

    def bind(self, name: str, sym: ValueSym, span: Span, node: object = None) -> None:
        """Bind `name` in the innermost scope; `node` is the AST binder, recorded for lowering."""
        scope = self.scopes[-1]
        if name in scope:
            self.error("E0213", span, f"`{name}` is already defined in this scope")
        scope[name] = sym
        if node is not None:
            self.typed.binders[id(node)] = sym

    # ------------------------------------------------------------ declarations
    def declare_types(self) -> None:
        """Enter every type declaration, then resolve union variants."""
        items = self.typed.module.items
        for item in items:
            if isinstance(item, (n.UnionDecl, n.AliasDecl)):
                if self.lookup_type(item.name) is not None or item.name in builtins.PRIMITIVES \
                        or item.name in ("List", "Map", "Unit", "Response"):
                    self.error("E0213", item.name_span, f"type `{item.name}` is already defined")
                    continue
                if isinstance(item, n.UnionDecl):
                    info = UnionInfo(item.name, item.params, self.module_name, span=item.name_span)
                    self.typed.type_names[item.name] = info
                    self.typed.unions.append(info)
                else:
                    self.typed.type_names[item.name] = AliasSym(item.name, self.module_name, item.params, item.type)
        for item in items:
            if isinstance(item, n.UnionDecl) and self.typed.type_names.get(item.name) is not None:
                info = self.typed.type_names[item.name]
                if not isinstance(info, UnionInfo) or info.span is not item.name_span:
                    continue
                tparams = {p: TParam(p) for p in item.params}
                for v in item.variants:
                    names = [f.name for f in v.fields]
                    seen = set()
                    for f in v.fields:
                        if f.name is not None and f.name in seen:
                            self.error("E0214", f.span, f"field `{f.name}` appears twice in variant `{v.name}`")
                        seen.add(f.name)
                    variant = VariantInfo(v.name, info, names,
                                          [self.type_from_expr(f.type, tparams) for f in v.fields], v.span)
                    if v.name in info.variants or self.top_value(v.name) is not None:
                        self.error("E0213", v.span, f"constructor `{v.name}` is already defined")
                        continue
                    info.variants[v.name] = variant
                    self.typed.values[v.name] = CtorSym(variant)
                info.compute_hash()
        for sym in list(self.typed.type_names.values()):
            if isinstance(sym, AliasSym):
                self.resolve_alias(sym, sym.expr.span)

    def resolve_alias(self, sym: AliasSym, span: Span) -> Type:
        if sym.resolved is not None:
            return sym.resolved
        if sym.resolving:
            self.error("E0223", span, f"type `{sym.name}` contains itself")
            return ERROR
        sym.resolving = True
        sym.resolved = self.type_from_expr(sym.expr, {p: TParam(p) for p in sym.params})
        if isinstance(sym.resolved, TRecord) and not sym.params:
            sym.resolved = TRecord(sym.resolved.fields, alias=sym.name)
        sym.resolving = False
        return sym.resolved

    def type_from_expr(self, texpr: n.TypeExpr, tparams: dict[str, Type]) -> Type:
        if isinstance(texpr, n.RecordTypeExpr):
            fields: dict[str, Type] = {}
            for name, ftype, span in texpr.fields:
                if name in fields:
                    self.error("E0214", span, f"field `{name}` appears twice in the record type")
                fields[name] = self.type_from_expr(ftype, tparams)
            return TRecord(tuple(sorted(fields.items())))
        if isinstance(texpr, n.FunctionTypeExpr):
            return TFun(tuple(self.type_from_expr(p, tparams) for p in texpr.params),
                        self.type_from_expr(texpr.result, tparams))
        name, args = texpr.name, [self.type_from_expr(a, tparams) for a in texpr.args]
        arity = {"List": 1, "Map": 2}.get(name, 0)
        if name in tparams and not args:
            return tparams[name]
        if name in builtins.PRIMITIVES or name in ("Unit", "Response", "List", "Map"):
            if len(args) != arity:
                self.error("E0222", texpr.span, f"`{name}` takes {arity} type argument{'s' * (arity != 1)}, "
                                                f"found {len(args)}")
                return ERROR
            if name == "Map" and contains_function(args[0]):
                self.error("E0218", texpr.span)
            return TCon(name, tuple(args))
        sym = self.lookup_type(name)
        if sym is None:
            self.error("E0202", texpr.span, f"unknown type `{name}`")
            return ERROR
        if len(args) != len(sym.params):
            self.error("E0222", texpr.span, f"`{name}` takes {len(sym.params)} type argument"
                                            f"{'s' * (len(sym.params) != 1)}, found {len(args)}")
            return ERROR
        if isinstance(sym, UnionInfo):
            return TCon(name, tuple(args), sym)
        return substitute(self.resolve_alias(sym, texpr.span), dict(zip(sym.params, args)))

    def declare_values(self) -> None:
        for item in self.typed.module.items:
            if isinstance(item, n.FunctionDecl):
                if self.top_value(item.name) is not None and not isinstance(self.top_value(item.name), FunctionSym) \
                        or item.name in self.typed.values or item.name in self.imported_values:
                    self.error("E0213", item.name_span, f"`{item.name}` is already defined")
                    continue
                sym = self.function_signature(item)
                self.typed.values[item.name] = sym
                self.typed.functions.append(sym)
            elif isinstance(item, n.Binding):
                if item.name in self.typed.values or item.name in self.imported_values \
                        or (self.prelude and item.name in self.prelude.ctors):
                    self.error("E0213", item.name_span, f"`{item.name}` is already defined")
                    continue
                declared = self.type_from_expr(item.type, {}) if item.type is not None else None
                self.typed.values[item.name] = ConstSym(item.name, self.module_name, declared, item)

    def function_signature(self, decl: n.FunctionDecl) -> FunctionSym:
        tparams = {p: TParam(p) for p in decl.type_params}
        params = []
        for p in decl.params:
            if p.type is None:
                self.error("E0215", p.span, f"parameter `{p.name}` of function `{decl.name}` needs a type")
                params.append(TVar())
            else:
                params.append(self.type_from_expr(p.type, tparams))
        result = self.type_from_expr(decl.result, tparams) if decl.result is not None else TVar()
        effects = frozenset(name for name, _ in decl.uses or ())
        return FunctionSym(decl.name, self.module_name, list(decl.type_params), TFun(tuple(params), result),
                           effects, decl, state="unchecked")

    # ------------------------------------------------------------ module
    def check_module(self) -> TypedModule:
        self.declare_types()
        self.declare_values()
        self.scopes = [{}]
        for item in self.typed.module.items:
            if isinstance(item, n.FunctionDecl):
                sym = self.typed.values.get(item.name)
                if isinstance(sym, FunctionSym) and sym.decl is item:
                    self.check_function(sym)
            elif isinstance(item, n.Binding):
                sym = self.typed.values.get(item.name)
                if isinstance(sym, ConstSym) and sym.decl is item:
                    self.check_const(sym)
            elif isinstance(item, n.ApiDecl):
                self.check_api(item)
        self.check_initialisation_cycles()
        return self.typed

    def check_initialisation_cycles(self) -> None:
        """E0216: a constant whose initialiser reaches itself, directly or through function bodies."""
        uses: dict[int, set] = {}

        def refs_of(node) -> set:
            found = set()
            for sub in walk(node):
                sym = self.typed.refs.get(id(sub))
                if isinstance(sym, (ConstSym, FunctionSym)) and sym.module == self.module_name and sym.decl:
                    found.add(sym)
            return found

        def reaches(start: ConstSym) -> bool:
            seen, stack = set(), list(refs_of(start.decl.value))
            while stack:
                sym = stack.pop()
                if sym is start:
                    return True
                if id(sym) in seen:
                    continue
                seen.add(id(sym))
                body = sym.decl.value if isinstance(sym, ConstSym) else sym.decl.body
                if id(sym) not in uses:
                    uses[id(sym)] = refs_of(body)
                stack.extend(uses[id(sym)])
            return False

        for sym in self.typed.values.values():
            if isinstance(sym, ConstSym) and sym.state == "done" and not sym.cyclic and reaches(sym):
                self.error("E0216", sym.decl.name_span,
                           f"constant `{sym.name}` depends on its own value through the functions it calls",
                           "compute the value without referring back to the constant")

    def check_const(self, sym: ConstSym) -> Type:
        if sym.state == "done":
            return sym.type
        if sym.state == "checking":
            self.error("E0216", sym.decl.name_span, f"constant `{sym.name}` refers to itself")
            sym.cyclic = True
            sym.type = sym.type or TVar()
            return sym.type
        sym.state = "checking"
        saved_scopes, saved_fn = self.scopes, self.fn_stack
        self.scopes, self.fn_stack = [{}], [{"kind": "const", "result": None}]
        found = self.infer(sym.decl.value, sym.type)
        self.scopes, self.fn_stack = saved_scopes, saved_fn
        if sym.type is not None:
            self.expect(sym.type, found, sym.decl.value.span)
        else:
            sym.type = found
        sym.state = "done"
        return sym.type

    def check_function(self, sym: FunctionSym, nested: bool = False) -> None:
        if sym.state in ("done", "checking"):
            return
        sym.state = "checking"
        decl = sym.decl
        saved_scopes, saved_fn = self.scopes, self.fn_stack
        if not nested:
            self.scopes = [{}]
        self.scopes = self.scopes + [{}]
        if nested:
            self.scopes[-1][decl.name] = sym
        for p, t in zip(decl.params, sym.type.params):
            self.bind(p.name, Local(p.name, t, p.span), p.span, p)
        self.fn_stack = self.fn_stack + [{"kind": "function", "result": sym.type.result,
                                          "tparams": {p: TParam(p) for p in sym.type_params}}]
        self.check_body(decl.body, sym.type.result, is_api=False)
        self.scopes, self.fn_stack = saved_scopes, saved_fn
        sym.state = "done"

    def check_api(self, api: n.ApiDecl) -> None:
        params = self.check_route(api)
        request_alias = self.lookup_type(builtins.REQUEST_TYPE)
        request = substitute(self.resolve_alias(request_alias, api.span),
                             {request_alias.params[0]: TRecord(tuple(sorted((p, STRING) for p in params)))})
        self.scopes = [{}, {}]
        self.bind("request", Local("request", request, api.span), api.span, api)
        body_type = None
        if api.body_param is not None:
            if api.body_param.type is None:
                self.error("E0215", api.body_param.span, f"the request body `{api.body_param.name}` needs a type")
                body_type = TVar()
            else:
                body_type = self.type_from_expr(api.body_param.type, {})
                if contains_function(body_type):
                    self.error("E0203", api.body_param.type.span, "a request body cannot contain functions")
            self.bind(api.body_param.name, Local(api.body_param.name, body_type, api.body_param.span),
                      api.body_param.span, api.body_param)
        self.typed.routes.append(RouteInfo(api, api.method, api.path, params, body_type))
        self.fn_stack = [{"kind": "api", "result": RESPONSE}]
        self.check_body(api.body, RESPONSE, is_api=True)
        self.fn_stack = []

    def check_route(self, api: n.ApiDecl) -> list[str]:
        if api.method not in builtins.HTTP_METHODS:
            self.error("E0224", api.method_span, f"`{api.method}` is not an HTTP method",
                       "use GET, POST, PUT, PATCH or DELETE")
        params: list[str] = []
        if not api.path.startswith("/"):
            self.error("E0224", api.path_span, f"route path {api.path!r} must start with /")
            return params
        segments = api.path[1:].split("/")
        if segments[-1] == "":       # a trailing slash is ignored; "/" has no segments
            segments.pop()
        for seg in segments:
            if not seg:
                self.error("E0224", api.path_span, f"route path {api.path!r} has an empty segment")
            elif seg.startswith(":"):
                if not _PARAM_RE.match(seg):
                    self.error("E0224", api.path_span, f"path parameter {seg!r} is not a valid name")
                elif seg[1:] in params:
                    self.error("E0224", api.path_span, f"path parameter {seg!r} appears twice")
                else:
                    params.append(seg[1:])
            elif seg and not _SEGMENT_RE.match(seg):
                self.error("E0224", api.path_span, f"path segment {seg!r} has characters a path cannot hold")
        return params

    # ------------------------------------------------------------ blocks and statements
    def check_body(self, body: n.Block, result: Type, is_api: bool) -> None:
        found = self.check_block(body, result, tail=True)
        if is_api:
            if not self.ends_in_respond(body):
                self.error("E0221", self.last_span(body), "this handler does not end with `respond` on every path")
            return
        self.expect(result, found, self.last_span(body), " in the function's result")

    def last_span(self, block: n.Block) -> Span:
        return block.stmts[-1].span if block.stmts else block.span

    def ends_in_respond(self, node) -> bool:
        if isinstance(node, n.Block):
            return bool(node.stmts) and self.ends_in_respond(node.stmts[-1])
        if isinstance(node, n.Respond):
            return True
        if isinstance(node, n.ExprStmt):
            return self.ends_in_respond(node.expr)
        if isinstance(node, n.If):
            return self.ends_in_respond(node.then) and self.ends_in_respond(node.otherwise)
        if isinstance(node, n.Match):
            return all(self.ends_in_respond(arm.body) for arm in node.arms)
        return False

    def check_block(self, block: n.Block, expected: Type | None, tail: bool) -> Type:
        self.scopes.append({})
        result: Type = UNIT
        last = len(block.stmts) - 1
        for i, stmt in enumerate(block.stmts):
            is_last = i == last
            if isinstance(stmt, n.Binding):
                declared = self.type_from_expr(stmt.type, self.type_params()) if stmt.type is not None else None
                found = self.infer(stmt.value, declared)
                if declared is not None:
                    self.expect(declared, found, stmt.value.span)
                self.bind(stmt.name, Local(stmt.name, declared or found, stmt.name_span), stmt.name_span, stmt)
                if is_last:
                    self.error("E0226", stmt.span, "the block ends with a binding, so it has no value")
                    result = ERROR
            elif isinstance(stmt, n.FunctionDecl):
                sym = self.function_signature(stmt)
                self.bind(stmt.name, sym, stmt.name_span, stmt)
                self.check_function(sym, nested=True)
                if is_last:
                    self.error("E0226", stmt.span, "the block ends with a function declaration, so it has no value")
                    result = ERROR
            elif isinstance(stmt, (n.Return, n.Respond)):
                result = self.check_exit(stmt, tail and is_last)
            else:
                found = self.infer(stmt.expr, expected if is_last else None, tail=tail and is_last)
                if is_last:
                    result = found
                elif not self.has_effect_call(stmt.expr) and not self.ends_in_respond(stmt.expr):
                    self.error("E0231", stmt.span, "the value of this expression is never used")
        self.scopes.pop()
        return result

    def type_params(self) -> dict[str, Type]:
        """Type parameters of the enclosing generic functions, usable in local annotations."""
        out: dict[str, Type] = {}
        for ctx in self.fn_stack:
            out.update(ctx.get("tparams", {}))
        return out

    def has_effect_call(self, expr) -> bool:
        """Whether evaluating expr may perform an effect (so discarding its value is meaningful)."""
        for node in walk(expr):
            if isinstance(node, n.Await):
                return True
            if isinstance(node, n.Call):
                sym = self.typed.refs.get(id(node.callee))
                if isinstance(sym, FunctionSym) and sym.effects:
                    return True
        return False

    def check_exit(self, stmt: n.Return | n.Respond, tail: bool) -> Type:
        ctx = self.fn_stack[-1] if self.fn_stack else {"kind": "const"}
        if isinstance(stmt, n.Respond):
            if ctx["kind"] != "api":
                self.error("E0220", stmt.span, "`respond` is only allowed in an `api` handler")
            elif not tail:
                self.error("E0220", stmt.span, "`respond` must be the last statement of the handler")
            found = self.infer(stmt.expr, RESPONSE)
            self.expect(RESPONSE, found, stmt.expr.span, " in `respond`")
            return RESPONSE
        if ctx["kind"] not in ("function", "lambda") or not tail:
            self.error("E0219", stmt.span)
        found = self.infer(stmt.expr, ctx.get("result"))
        if ctx.get("result") is None:
            return found
        self.expect(ctx["result"], found, stmt.expr.span, " in `return`")
        return ctx["result"]

    # ------------------------------------------------------------ expressions
    def infer(self, e, expected: Type | None = None, tail: bool = False) -> Type:
        method = getattr(self, "infer_" + type(e).__name__)
        t = method(e, expected, tail)
        self.typed.types[id(e)] = t
        return t

    def infer_IntLit(self, e, expected, tail):
        return NUMBER

    def infer_DecimalLit(self, e, expected, tail):
        return DECIMAL

    def infer_StringLit(self, e, expected, tail):
        return STRING

    def infer_BoolLit(self, e, expected, tail):
        return BOOLEAN

    def infer_Name(self, e: n.Name, expected, tail):
        sym = self.lookup(e.id)
        if sym is None:
            if e.id in builtins.NAMESPACES:
                self.error("E0232", e.span, f"`{e.id}` is a namespace, not a value")
            else:
                self.error("E0201", e.span, f"unknown name `{e.id}`")
            return ERROR
        self.typed.refs[id(e)] = sym
        return self.value_type(sym, e.span)

    def value_type(self, sym: ValueSym, span: Span) -> Type:
        if isinstance(sym, Local):
            return sym.type
        if isinstance(sym, ConstSym):
            return self.check_const(sym)
        if isinstance(sym, CtorSym):
            v = sym.variant
            if v.name in builtins.PARSE_ONLY_CONSTRUCTORS:
                self.error("E0230", span)
            fresh = {p: TVar() for p in v.union.params}
            union_type = TCon(v.union.name, tuple(fresh[p] for p in v.union.params), v.union)
            if not v.field_types:
                return union_type
            return TFun(tuple(substitute(t, fresh) for t in v.field_types), union_type)
        return self.instantiate(sym, span)

    def instantiate(self, sym: FunctionSym, span: Span) -> Type:
        if sym.decl is not None and sym.decl.result is None:  # the result type is inferred from the body
            if sym.state == "unchecked" and self.scopes and sym.module == self.module_name \
                    and sym.name in self.typed.values:
                self.check_function(sym)
            elif sym.state == "checking":
                self.error("E0229", span, f"`{sym.name}` calls itself, so its return type must be written")
        fresh = {p: TVar() for p in sym.type_params}
        return substitute(sym.type, fresh)

    def infer_ListLit(self, e: n.ListLit, expected, tail):
        elem: Type = TVar()
        exp = prune(expected) if expected is not None else None
        if isinstance(exp, TCon) and exp.name == "List":
            elem = exp.args[0]
        for item in e.items:
            self.expect(elem, self.infer(item, elem), item.span, " in list element")
        return list_of(elem)

    def infer_RecordLit(self, e: n.RecordLit, expected, tail):
        exp = prune(expected) if expected is not None else None
        fields: dict[str, Type] = {}
        for key, value, span in e.fields:
            hint = exp.get(key) if isinstance(exp, TRecord) else None
            t = self.infer(value, hint)
            if key in fields:
                self.error("E0214", span, f"field `{key}` appears twice in the record")
            fields[key] = t
        return TRecord(tuple(sorted(fields.items())))

    def infer_Block(self, e: n.Block, expected, tail):
        return self.check_block(e, expected, tail)

    def infer_If(self, e: n.If, expected, tail):
        cond = self.infer(e.cond, BOOLEAN)
        if not self.unify(BOOLEAN, cond):
            self.error("E0208", e.cond.span, f"the condition has type {show(resolve(cond))}, not boolean")
        then = self.check_block(e.then, expected, tail)
        other = self.infer(e.otherwise, expected, tail)
        if not self.unify(then, other):
            self.error("E0209", e.otherwise.span, f"`if` branches have different types: {show(resolve(then))} "
                                                  f"and {show(resolve(other))}")
        return then

    def infer_Match(self, e: n.Match, expected, tail):
        subject = self.infer(e.subject)
        result: Type | None = None
        rows: list[list[pt.Pat]] = []
        for arm in e.arms:
            self.scopes.append({})
            pat = self.check_pattern(arm.pattern, subject)
            if isinstance(arm.body, (n.Return, n.Respond)):
                t = self.check_exit(arm.body, tail)
            else:
                t = self.infer(arm.body, expected if result is None else result, tail)
            self.scopes.pop()
            if result is None:
                result = t
            elif not self.unify(result, t):
                self.error("E0203", arm.body.span, f"match arms have different types: {show(resolve(result))} "
                                                   f"and {show(resolve(t))}")
            if pat is not None:
                if not pt.useful(rows, [pat], [subject]):
                    self.error("E0211", arm.pattern.span, "this arm can never match: earlier arms cover it")
                rows.append([pat])
        if len(rows) == len(e.arms):
            gaps = pt.missing(rows, [subject])
            if gaps:
                shown = ", ".join(w[0] for w in gaps)
                keyword = Span(e.span.line, e.span.column, e.span.line, e.span.column + len("match"))
                self.error("E0210", keyword, f"`match` does not cover: {shown}",
                           f"add arms for {shown}, or a final `_ => ...`")
        return result if result is not None else TVar()

    def infer_Lambda(self, e: n.Lambda, expected, tail):
        exp = prune(expected) if expected is not None else None
        hinted = exp.params if isinstance(exp, TFun) and len(exp.params) == len(e.params) else None
        self.scopes.append({})
        params = []
        failed = False
        for i, p in enumerate(e.params):
            t = self.type_from_expr(p.type, self.type_params()) if p.type is not None else (hinted[i] if hinted else TVar())
            if p.type is not None and hinted and not self.unify(hinted[i], t):
                self.expect(hinted[i], t, p.span)
                failed = True
            params.append(t)
            self.bind(p.name, Local(p.name, t, p.span), p.span, p)
        result = self.type_from_expr(e.result, self.type_params()) if e.result is not None else (
            exp.result if isinstance(exp, TFun) else TVar())
        self.fn_stack.append({"kind": "lambda", "result": result})
        if isinstance(e.body, n.Block):
            body = self.check_block(e.body, result, tail=True)
            span = self.last_span(e.body)
        else:
            body = self.infer(e.body, result)
            span = e.body.span
        self.fn_stack.pop()
        self.scopes.pop()
        self.expect(result, body, span, " in the lambda's result")
        return ERROR if failed else TFun(tuple(params), result)

    def infer_Field(self, e: n.Field, expected, tail):
        if isinstance(e.obj, n.Name) and self.lookup(e.obj.id) is None and e.obj.id in builtins.NAMESPACES:
            qualified = f"{e.obj.id}.{e.name}"
            sym = self.prelude.functions.get(qualified)
            if sym is None:
                self.error("E0201", e.span, f"`{e.obj.id}` has no function `{e.name}`")
                return TVar()
            self.typed.refs[id(e)] = sym
            return self.instantiate(sym, e.span)
        obj = prune(self.infer(e.obj))
        if obj == ERROR:
            return ERROR
        if isinstance(obj, TRecord):
            t = obj.get(e.name)
            if t is None:
                fields = ", ".join(k for k, _ in obj.fields) or "none"
                self.error("E0206", e.name_span, f"no field `{e.name}` on {show(obj)}", f"its fields are: {fields}")
                return ERROR
            return t
        if isinstance(obj, TVar):
            self.error("E0216", e.obj.span, f"the type of this value must be known to read `.{e.name}`",
                       "annotate the parameter or binding with its record type")
            return TVar()
        self.error("E0206", e.name_span, f"{show(resolve(obj))} has no field `{e.name}`",
                   "only records have fields; use `match` on unions")
        return TVar()

    def infer_Index(self, e: n.Index, expected, tail):
        obj = prune(self.infer(e.obj))
        index = self.infer(e.index, NUMBER)
        if isinstance(obj, TCon) and obj.name == "List":
            self.expect(NUMBER, index, e.index.span, " in list index")
            return obj.args[0]
        if isinstance(obj, TVar):
            elem = TVar()
            self.unify(obj, list_of(elem))
            self.expect(NUMBER, index, e.index.span, " in list index")
            return elem
        self.error("E0228", e.span, f"cannot index a value of type {show(resolve(obj))}")
        return TVar()

    def infer_Call(self, e: n.Call, expected, tail):
        callee = self.infer(e.callee)
        fn = prune(callee)
        if fn == ERROR:
            for a in e.args:
                self.infer(a)
            return ERROR
        if isinstance(fn, TVar):
            fn_type = TFun(tuple(TVar() for _ in e.args), TVar())
            self.unify(fn, fn_type)
            fn = fn_type
        if not isinstance(fn, TFun):
            sym = self.typed.refs.get(id(e.callee))
            what = f"`{sym.variant.name}` takes no arguments" if isinstance(sym, CtorSym) else \
                f"a value of type {show(resolve(fn))} cannot be called"
            self.error("E0204" if isinstance(sym, CtorSym) else "E0205", e.span, what)
            for a in e.args:
                self.infer(a)
            return TVar()
        if len(fn.params) != len(e.args):
            name = self.callee_name(e)
            self.error("E0204", e.span, f"{name} takes {len(fn.params)} argument{'s' * (len(fn.params) != 1)}, "
                                        f"but {len(e.args)} {'were' if len(e.args) != 1 else 'was'} given")
            for a in e.args:
                self.infer(a)
            return fn.result
        for i, (param, arg) in enumerate(zip(fn.params, e.args)):
            found = self.infer(arg, param)
            self.expect(param, found, arg.span, f" in argument {i + 1} of {self.callee_name(e)}")
        self.check_builtin_constraints(e)
        return fn.result

    def callee_name(self, e: n.Call) -> str:
        sym = self.typed.refs.get(id(e.callee))
        if isinstance(sym, FunctionSym):
            return f"`{sym.name}`"
        if isinstance(sym, CtorSym):
            return f"`{sym.variant.name}`"
        return "the function"

    def check_builtin_constraints(self, e: n.Call) -> None:
        sym = self.typed.refs.get(id(e.callee))
        if not isinstance(sym, FunctionSym) or sym.builtin is None:
            return
        if sym.builtin in builtins.DATA_ONLY or sym.builtin == "json":
            arg = e.args[-1]
            if contains_function(self.typed.types[id(arg)]):
                self.error("E0203", arg.span, f"`{sym.builtin}` needs data, and this value contains a function")
        if sym.builtin in builtins.ORDERED_ONLY:
            elem = prune(self.typed.types[id(e.args[0])])
            elem = prune(elem.args[0]) if isinstance(elem, TCon) and elem.args else elem
            if elem not in (NUMBER, STRING) and not isinstance(elem, TVar):
                self.error("E0217", e.args[0].span, f"List.sort needs number or string elements, "
                                                    f"found {show(resolve(elem))}")
        if sym.builtin in ("Map.set", "Map.empty", "Map.get", "Map.has", "Map.remove"):
            result = prune(self.typed.types.get(id(e.args[0])) if e.args else TVar())
            if isinstance(result, TCon) and result.name == "Map" and contains_function(result.args[0]):
                self.error("E0218", e.span)

    def infer_Unary(self, e: n.Unary, expected, tail):
        t = self.infer(e.operand)
        if e.op == "!":
            if not self.unify(BOOLEAN, t):
                self.error("E0207", e.span, f"`!` needs a boolean, found {show(resolve(t))}")
            return BOOLEAN
        pt_ = prune(t)
        if isinstance(pt_, TVar):
            self.unify(pt_, NUMBER)
            return NUMBER
        if pt_ == ERROR:
            return ERROR
        if pt_ not in (NUMBER, DECIMAL):
            self.error("E0207", e.span, f"unary `-` needs a number or Decimal, found {show(resolve(t))}")
            return ERROR
        return pt_

    def infer_Binary(self, e: n.Binary, expected, tail):
        op = e.op
        if op in ("&&", "||"):
            for side in (e.left, e.right):
                t = self.infer(side, BOOLEAN)
                if not self.unify(BOOLEAN, t):
                    self.error("E0207", side.span, f"`{op}` needs boolean operands, found {show(resolve(t))}")
            return BOOLEAN
        left = self.infer(e.left)
        right = self.infer(e.right, left)
        if op in ("==", "!="):
            if not self.unify(left, right):
                self.error("E0207", e.op_span, f"`{op}` compares values of one type, found "
                                               f"{show(resolve(left))} and {show(resolve(right))}")
            return BOOLEAN
        allowed = {"+": (NUMBER, STRING, DECIMAL), "-": (NUMBER, DECIMAL), "*": (NUMBER, DECIMAL),
                   "/": (NUMBER,), "%": (NUMBER,), "<": (NUMBER, STRING), "<=": (NUMBER, STRING),
                   ">": (NUMBER, STRING), ">=": (NUMBER, STRING)}[op]
        l, r = prune(left), prune(right)
        if isinstance(l, TVar) and isinstance(r, TVar):
            self.unify(l, NUMBER)
        elif isinstance(l, TVar) or isinstance(r, TVar):
            self.unify(l, r)
        l, r = prune(left), prune(right)
        ordering = op in ("<", "<=", ">", ">=")
        if ERROR in (l, r):
            return BOOLEAN if ordering else ERROR
        if l != r or l not in allowed:
            code = "E0217" if ordering and l == r else "E0207"
            hint = None
            if l == r == DECIMAL and op in ("/", "%"):
                hint = "use Decimal.div(a, b), which returns a Result"
            elif l == r == DECIMAL and ordering:
                hint = "use Decimal.compare(a, b), which returns -1, 0 or 1"
            message = (f"`{op}` cannot order values of type {show(resolve(l))}" if code == "E0217" else
                       f"`{op}` cannot be applied to {show(resolve(l))} and {show(resolve(r))}")
            self.error(code, e.op_span, message, hint)
            return BOOLEAN if ordering else ERROR
        return BOOLEAN if ordering else l

    def infer_Await(self, e: n.Await, expected, tail):
        return self.infer(e.expr, expected)

    # ------------------------------------------------------------ patterns
    def check_pattern(self, p: n.Pattern, t: Type) -> pt.Pat | None:
        """Bind the pattern's names in the current scope; return its analysis form (None if ill-typed)."""
        if isinstance(p, n.PWild):
            return pt.WILD
        if isinstance(p, n.PName):
            sym = self.lookup(p.name)
            if isinstance(sym, CtorSym):
                return self.check_ctor_pattern(p, p.name, [], t)
            self.bind(p.name, Local(p.name, t, p.span), p.span, p)
            return pt.WILD
        if isinstance(p, n.PCtor):
            return self.check_ctor_pattern(p, p.name, p.args, t)
        if isinstance(p, n.PLit):
            lit_type = {"number": NUMBER, "Decimal": DECIMAL, "string": STRING, "boolean": BOOLEAN}[p.kind]
            if not self.unify(t, lit_type):
                self.error("E0212", p.span, f"a {p.kind} literal cannot match a value of type {show(resolve(t))}")
                return None
            if p.kind == "boolean":
                return pt.Ctor("true" if p.value else "false", ())
            if p.kind == "Decimal":
                from decimal import Decimal
                return pt.Lit(("Decimal", Decimal(p.value)))
            return pt.Lit((p.kind, p.value))
        # record pattern
        rt = prune(t)
        if isinstance(rt, TVar):
            self.error("E0216", p.span, "the type of the matched value must be known to use a record pattern")
            return None
        if not isinstance(rt, TRecord):
            self.error("E0212", p.span, f"a record pattern cannot match a value of type {show(resolve(rt))}")
            return None
        given: dict[str, pt.Pat] = {}
        ok = True
        for entry in p.fields:
            name, sub, span = entry
            ft = rt.get(name)
            if ft is None:
                self.error("E0206", span, f"no field `{name}` on {show(resolve(rt))}")
                ok = False
                continue
            if name in given:
                self.error("E0214", span, f"field `{name}` appears twice in the pattern")
            if sub is None:
                self.bind(name, Local(name, ft, span), span, entry)
                given[name] = pt.WILD
            else:
                sp = self.check_pattern(sub, ft)
                ok = ok and sp is not None
                given[name] = sp
        if not ok:
            return None
        return pt.Ctor("{...}", tuple(given.get(k, pt.WILD) for k, _ in rt.fields))

    def bind_pattern_names(self, patterns: list) -> None:
        """After a pattern error, still bind the names it introduces (as errors) to avoid cascades."""
        sink, self.sink = self.sink, DiagnosticSink()
        for sub in patterns:
            self.check_pattern(sub, ERROR)
        self.sink = sink
        return None

    def check_ctor_pattern(self, p, name: str, args: list, t: Type) -> pt.Pat | None:
        sym = self.lookup(name)
        if not isinstance(sym, CtorSym):
            self.error("E0212", p.span, f"`{name}` is not a constructor")
            return self.bind_pattern_names(args)
        v = sym.variant
        fresh = {q: TVar() for q in v.union.params}
        union_type = TCon(v.union.name, tuple(fresh[q] for q in v.union.params), v.union)
        if not self.unify(t, union_type):
            self.error("E0212", p.span, f"`{name}` is a constructor of {v.union.name}, "
                                        f"but the value has type {show(resolve(t))}")
            return self.bind_pattern_names(args)
        if len(args) != len(v.field_types):
            self.error("E0212", p.span, f"`{name}` has {len(v.field_types)} field"
                                        f"{'s' * (len(v.field_types) != 1)}, the pattern gives {len(args)}")
            return self.bind_pattern_names(args)
        subs = [self.check_pattern(a, substitute(ft, fresh)) for a, ft in zip(args, v.field_types)]
        if any(s is None for s in subs):
            return None
        return pt.Ctor(name, tuple(subs))
