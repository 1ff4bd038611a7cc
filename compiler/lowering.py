"""JS lowering: effect-checked IR -> one readable, deterministic JavaScript program.

The output is the program lowered twice (spec/execution.md section 12), linked with
the runtime prelude it uses (compiler/linker.py):

* the **precise tier** charges gas in pre-order exactly as spec/execution.md says
  (every charged node lowers to `(($G += cost) >= $L && $gx(), <node>)`), keeps
  every `number` as a BigInt and checks every operation;
* the **fast tier** keeps `number` as a JS Number (any value outside ±(2^51 − 1)
  bails out), charges the summed cost of each region (a stretch of
  nodes that run exactly when its first one does) once at the region's start, and
  bails out on every stop (gas, depth, runtime error). Counted self tail loops
  (compiler/loops.py) and recursion bounded by a decreasing parameter also get a
  copy without overflow checks and gas tests, or without depth tests, run when a
  test on entry shows it cannot need them. Chains of `List.map`/`filter`/`fold` whose
  lambdas call nothing (compiler/pipelines.py) run as one loop, and a self call tests
  its callee's trivial base case itself (compiler/base_cases.py) and, when it fails,
  runs the callee's other branch in place (one level of the recursion unrolled).

`$main` runs the fast tier and, if it bails, reruns the request in the precise
tier with the effects already performed replayed; the response is always the
precise tier's. Union descriptors are shared; each tier has its own functions,
constants (initialised by its `$init`) and route handlers. Tail calls return a
`$TC` marker (or, for self calls of a named function, jump back to the top of its
loop); non-tail calls unwind markers and enforce the depth limit. The same IR
always gives byte-identical JS.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from mtpscript.stdlib import decimal128

from . import base_cases, gas, linker, loops, nodes as n, pipelines
from .checker import ConstSym, CtorSym, FunctionSym, Local, TypedModule
from .modules import CheckResult
from .types import BOOLEAN, DECIMAL, NUMBER, STRING, TCon, prune
from .visitor import children, walk

CTOR_ROWS = {"Some": "Some", "None": "None", "Ok": "Ok", "Err": "Err"}
BUILTIN_UNIONS = {"Option", "Result", "Json", "DecimalError"}
NUMBER_OPS = {"+": "$add", "-": "$sub", "*": "$mul", "/": "$div", "%": "$mod"}
FAST_NUMBER_OPS = {"/": "$idiv", "%": "$imod"}     # + - * are inlined in the fast tier
BATCHED_CALLBACKS = {"List.map", "List.filter", "List.fold"}   # callback last; see $callbacks
# Fast tier (spec/execution.md section 11): every number a value holds lies in
# ±FAST_INTEGER, so an intermediate result of + - * on up to four of them stays within
# ±EXACT_INTEGER, where doubles are exact, and needs no check of its own.
FAST_INTEGER = 2**51 - 1
FAST_RANGE = (-FAST_INTEGER, FAST_INTEGER)    # what the fast tier knows of any number
EXACT_INTEGER = 2**53
EXACT_OPERATORS = {"+", "-", "*", "<", "<=", ">", ">=", "==", "!="}   # exact operands will do
INT32_MAX = 2**31 - 1
# A double r (rounded from an integer) lies in ±FAST_INTEGER iff r * r < 2^102: written
# as the shortest decimal that reads back as 2^102 (spec/execution.md section 11).
FAST_SQUARE_BOUND = "5.070602400912918e30"
# A region's start: statement, expression, inlined (see past_base_inliner), inlined and prepaid.
_REGION = re.compile("\x00([SEIP])(\\d+)\x00")
_BASE_CALL = re.compile("\x01(\\d+)\x01")           # a base tested self call (see inline_base_calls)
# In an inlined branch: a JSON string literal, a property read (`.$d`) or key (`{ $d: `),
# all left alone, or a name (group 1).
_STRING_OR_NAME = re.compile(r'"(?:[^"\\]|\\.)*"|\.[\w$]+|[\w$]+(?=:)|([\w$]+)')
INLINED_BRANCH_MAX = 1024     # longest branch (characters of JS) inlined at a base tested call
_LOCAL = re.compile(r"v_[\w$]+")     # the JS name of a local (see bind_local)
_CALLED = re.compile(r"([\w$]+)\s*\(")     # what a piece of JS calls (and keywords such as `if (`)
_GAS_FREE_CALLS = {"if", "for", "return", "Error", "$bail", "$gx", "$deep", "$idiv", "$imod"}
_SIMPLE_ARGUMENT = re.compile(r"v_[\w$]+|\$c\d+|-?\d+")    # a local, a temporary or an int: read freely
_JS_COMPARISON = {"==": "===", "!=": "!=="}
_TEMP = re.compile(r"\$c\d+\b")           # a computed_once temporary ...
_TEMP_ASSIGNED = re.compile(r"\((\$c\d+) = ")   # ... and where one is assigned
DECIMAL_OPS = {"+": "$dadd", "-": "$dsub", "*": "$dmul"}


class LoweringError(Exception):
    """A construct this lowering does not support yet (reported, never a traceback)."""


def _js_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=True)


@dataclass(frozen=True)
class _BaseCall:
    """Fast tier, a base tested self call (`base_tested_call`) until `inline_base_calls`
    writes it out: the call, its arguments' names, the region it is made in and the region
    of the base case's value."""
    call: str
    names: list[str]
    region: int
    value_region: int


@dataclass
class _Frame:
    """The function or lambda being lowered."""
    names: dict[int, str] = field(default_factory=dict)     # id(Local/FunctionSym) -> JS name
    self_sym: FunctionSym | None = None                     # named function whose self tail calls loop
    loop_params: list[str] = field(default_factory=list)
    returns_marker: bool = False                            # some tail call returns a $TC marker
    loops: bool = False                                     # some self tail call jumps to the top
    may_loop: bool = False                                  # ... may (a self call not surely non-tail)
    depth_param: bool = False                               # fast tier: the call depth is the parameter $d
    root_region: int | None = None                          # fast tier: the region the body starts in
    entry_branches: list[int] = field(default_factory=list) # fast tier: the branch regions of its tail if/match
    bounds: dict[int, tuple[int, int]] = field(default_factory=dict)   # fast tier: id(Local) -> known range
    computed: dict[tuple, tuple[str, tuple[int, int]]] = field(default_factory=dict)   # see computed_once
    temps: list[str] = field(default_factory=list)          # fast tier: its `$c` temporaries
    unchecked: bool = False                                 # fast tier: a counted loop's unchecked copy
    self_calls: list[dict[int, tuple[int, int]]] = field(default_factory=list)   # see `decreasing_arguments`
    depth_free: bool = False                                # fast tier: a `$n` body (see `depth_free_body`)
    result_range: tuple[int, int] = FAST_RANGE              # ... what its self calls return
    returns: list[tuple[int, int]] = field(default_factory=list)   # ... the ranges it returns
    base: base_cases.BaseCase | None = None                 # fast tier: a base case its self calls test
    base_line: tuple[int, str] | None = None                # ... its test's statement, and the `k` copy's
    past_base: tuple[int, int] | None = None                # ... the statements of the branch after it fails
    base_calls: list[_BaseCall] = field(default_factory=list)   # ... its self calls that test it


class Lowering:
    def __init__(self, result: CheckResult, instrument: bool = True, fast_tier: bool = True):
        self.result = result
        self.instrument = instrument
        self.fast_tier = fast_tier
        self.fast = False                           # lowering the fast tier right now
        self.base = os.path.dirname(result.order[-1]) if result.order else ""
        self.modules = [result.modules[p].checked for p in result.order if result.modules[p].checked]
        self.global_names: dict[int, str] = {}      # id(top-level FunctionSym/ConstSym) -> JS name
        self.descriptors: dict[tuple[str, str], str] = {}
        self.nullaries: set[str] = set()
        self.out: list[str] = []
        self.counter = 0
        self.frame = _Frame()
        self.typed: TypedModule | None = None
        self.marker_functions: set[int] = set()     # id(FunctionSym) of functions that may return a $TC
        self.region_costs: list[int] = []           # fast tier: summed gas of each region
        self.region_parent: list[int | None] = []   # enclosing region (None: a function body)
        self.region_calls: list[bool] = []          # a call may run between the region's start and now
        self.region_prepaid: list[list[int]] = []   # per region: functions whose entry charge it prepays
        self.local_gas_regions: set[int] = set()    # regions charging the loop-local counter $g
        self.untested_regions: set[int] = set()     # ... without testing it (counted loops' copies)
        self.depth_free_regions: set[int] = set()   # regions of `$n` bodies: no depth test
        self.inlined_calls: list[tuple[int, int, int]] = []   # see inline_base_calls
        self.entry_charges: dict[int, int] = {}     # id(FunctionSym) -> entry charge its callers prepay
        self.region = -1
        self.intervals: dict[int, tuple[int, int]] = {}   # fast tier: id(Binary) -> range of its value
        self.repeated: set[int] = set()     # fast tier: id(Binary) of arithmetic computed more than once
        self.exact_operands: set[int] = set()   # fast tier: id(operand) of + - * or a comparison

    def name_globals(self, prefix: str) -> None:
        """JS names of the top-level functions and constants for one tier."""
        for mi, checked in enumerate(self.modules):
            for name, sym in checked.typed.values.items():
                if isinstance(sym, FunctionSym):
                    self.global_names[id(sym)] = f"{prefix}f{mi}_{name}"
                elif isinstance(sym, ConstSym):
                    self.global_names[id(sym)] = f"{prefix}k{mi}_{name}"

    # ------------------------------------------------------------ helpers
    def fresh(self, base: str) -> str:
        self.counter += 1
        return f"{base}${self.counter}"

    def charged(self, cost: int, js: str) -> str:
        """`js` preceded by a gas charge (pre-order; fast tier: added to the current region)."""
        prefix = self.charge_cost(cost, expr=True)
        return f"({prefix}{js})" if prefix else js

    def charge_cost(self, cost: int, expr: bool) -> str:
        """The charge of `cost` as an expression prefix or a statement; in the fast tier the
        cost is added to the current region instead and "" returned."""
        if not cost or not self.instrument:
            return ""
        if self.fast:
            self.region_costs[self.region] += cost
            return ""
        return f"($G += {cost}) >= $L && $gx(), " if expr else f"if (($G += {cost}) >= $L) $gx(); "

    def charge(self, op: str) -> str:
        """A statement charging IR operation `op` ("" when not instrumenting or in the fast tier)."""
        return self.charge_cost(gas.op_cost(op), expr=False)

    # Fast-tier regions: a region's cost is charged by one placeholder at its start,
    # rendered once the region has been lowered (`render_regions`).
    def open_region(self, kind: str, inherited: int = 0, root: bool = False) -> str:
        """Start a new region (fast tier) and return its placeholder ("" otherwise).

        `inherited`: cost deferred from the enclosing region (`take_deferrable`); `root`:
        the region starts a function body, so it runs only when the function is called."""
        if not self.fast:
            return ""
        self.region_costs.append(inherited)
        self.region_parent.append(None if root else self.region)
        self.region_calls.append(False)
        self.region_prepaid.append([])
        self.region = len(self.region_costs) - 1
        return f"\x00{kind}{self.region}\x00"

    def region_expr(self, lower, root: bool = False) -> str:
        """`lower()` as a conditionally evaluated expression: its own region in the fast tier."""
        saved = self.region
        token = self.open_region("E", root=root)
        js = lower()
        self.region = saved
        return f"({token}{js})" if token else js

    def mark_call(self) -> None:
        """A call (which may reach an effect) is lowered into the current region."""
        r = self.region if self.fast else None
        while r is not None and not self.region_calls[r]:
            self.region_calls[r] = True
            r = self.region_parent[r]

    def take_deferrable(self) -> int:
        """At a branch in tail position: the cost of the current region so far, moved out
        of it to be charged at the start of each branch instead. Allowed only while no call
        can have run since the region started: deferring a charge past pure code changes
        nothing observable (a bail-out reruns the request), past a call it could."""
        if not self.fast or self.region_calls[self.region]:
            return 0
        cost, self.region_costs[self.region] = self.region_costs[self.region], 0
        return cost

    def render_regions(self, js: str) -> str:
        self.fast = False
        own = [cost + sum(self.entry_charges[f] for f in prepaid)
               for cost, prepaid in zip(self.region_costs, self.region_prepaid)]
        moved = [0] * len(own)      # what inlined calls prepay, and their base values refund
        for region, value, branch in self.inlined_calls:
            moved[region] += own[branch]
            moved[value] -= own[branch]

        def start(m: re.Match) -> str:
            kind, region = m.group(1), int(m.group(2))
            expr, inlined = kind != "S", kind in "IP"
            cost = 0 if kind == "P" else own[region] if inlined else own[region] + moved[region]
            test = ""
            if self.region_prepaid[region] and region not in self.depth_free_regions:   # a self call of `$r`
                # (inlined: the region runs one call deeper than the `$d` of the body it is in)
                limit = gas.DEPTH_LIMIT - inlined
                test = f"$d >= {limit} && $deep(), " if expr else f"if ($d >= {limit}) $deep(); "
            if cost < 0 and self.instrument:    # a refund: no test
                charge = f"$G -= {-cost}{', ' if expr else '; '}"
            else:
                charge = self.charge_cost(cost, expr)
            if region in self.untested_regions and charge:
                charge = f"$g += {cost}{', ' if expr else '; '}"
            elif region in self.local_gas_regions:
                charge = charge.replace("$G", "$g")
            return charge + test
        return _REGION.sub(start, js)

    # Fast tier, a recursive function with a `$r` body: its self calls prepay the charge
    # every call of it starts with (its root region's, else the least of its tail
    # branches'), and its entry wrapper charges it for outside callers. A leaf call of a
    # recursive function then often charges nothing itself. Charging earlier never
    # changes a response: it can only make the fast tier stop, and so bail out, sooner.
    def prepay_entry(self, sym: FunctionSym) -> None:
        """A self call in the current region: prepay `sym`'s entry charge, and test at the
        region's start that the call stays within the depth limit (its depth is `$d + 1`)."""
        self.region_prepaid[self.region].append(id(sym))

    @staticmethod
    def entry_charge_statement(charge: int) -> str:
        """The entry wrapper's charge for callers outside the function (who do not prepay)."""
        return f"if (($G += {charge}) >= $L) $gx(); " if charge else ""

    def note_entry_branch(self, parent: int, tail: bool) -> None:
        """The region just opened is a branch of the tail if/match of a function body."""
        if self.fast and tail and parent == self.frame.root_region:
            self.frame.entry_branches.append(self.region)

    def take_entry_charge(self, frame: _Frame) -> int:
        """Move the charge every run of `frame`'s body starts with out of it; returns it."""
        root = frame.root_region
        if frame.loops:      # a self tail call re-enters the body without a caller to prepay
            entry = []
        elif self.region_costs[root] or not frame.entry_branches:
            entry = [root]
        else:
            entry = frame.entry_branches
        charge = min((self.region_costs[r] for r in entry), default=0)
        for r in entry:
            self.region_costs[r] -= charge
        if frame.base_calls:     # what a run of the body that takes the base case charges
            if frame.base.branch >= len(frame.entry_branches):
                raise LoweringError("internal: a base case is not a branch of the body's tail")
            base_cost = self.region_costs[root] + self.region_costs[frame.entry_branches[frame.base.branch]]
            for call in frame.base_calls:
                self.region_costs[call.value_region] = base_cost
        return charge

    def type_of(self, e) -> object:
        return prune(self.typed.types[id(e)])

    def descriptor(self, variant) -> str:
        key = (variant.union.name, variant.name)
        if key not in self.descriptors:
            names = variant.field_names if any(variant.field_names) else None
            self.descriptors[key] = f"$V_{variant.union.name}_{variant.name}"
            self.out.append(f"const {self.descriptors[key]} = $descriptorFor({_js_string(variant.union.name)}, "
                            f"{_js_string(variant.name)}, {json.dumps(names)});")
        return self.descriptors[key]

    def name_of(self, sym) -> str:
        if id(sym) in self.frame.names:
            return self.frame.names[id(sym)]
        if id(sym) in self.global_names:
            return self.global_names[id(sym)]
        for frame_names in self.outer_names:
            if id(sym) in frame_names:
                return frame_names[id(sym)]
        raise LoweringError(f"internal: unbound symbol {getattr(sym, 'name', sym)!r}")

    def bind_local(self, node, base: str) -> str:
        sym = self.typed.binders[id(node)]
        js = self.fresh("v_" + base)
        self.frame.names[id(sym)] = js
        return js

    # ------------------------------------------------------------ program
    def lower(self) -> str:
        precise = self.lower_tier("p", fast=False)
        tiers = [precise]
        if self.fast_tier:
            tiers.insert(0, self.render_regions(self.lower_tier("", fast=True)))
        fast_entry = "[$routes[index], $init]" if self.fast_tier else "null"
        # A handler that never reads `request` (nor its typed body) is not given one:
        # decoding the request is then skipped (the host has validated it already).
        reads = ", ".join("true" if self.reads_request(route.decl) else "false"
                          for checked in self.modules for route in checked.typed.routes)
        program = [f"const $CALL_COST = {gas.op_cost('call')};",
                f"const $LIST_MAX = {gas.MAX_LIST_LENGTH}, $STRING_MAX = {gas.MAX_STRING_LENGTH};",
                "// ---- union descriptors", *self.out, *tiers,
                f"const $readsRequest = [{reads}];",
                "function $main(index, request, gasLimit) {",
                f"  return $entry({fast_entry}, [p$routes[index], p$init], $readsRequest[index] ? request : \"null\", gasLimit);",
                "}", "globalThis.$main = $main;"]
        return linker.link("\n".join(program))

    def lower_tier(self, prefix: str, fast: bool) -> str:
        """One tier's functions, constants, `{prefix}$init` and `{prefix}$routes`."""
        self.fast = fast
        self.intervals = {}
        self.name_globals(prefix)
        self.outer_names: list[dict[int, str]] = []
        body: list[str] = [f"// ---- {'fast' if fast else 'precise'} tier"]
        inits: list[str] = []
        routes: list[str] = []
        for checked in self.modules:
            self.typed = checked.typed
            self.repeated = self.repeated_arithmetic(checked.typed.module) if fast else set()
            self.uses = Counter(id(sym) for sym in checked.typed.refs.values())
            for item in checked.typed.module.items:
                if isinstance(item, n.FunctionDecl):
                    sym = checked.typed.values[item.name]
                    body.append(self.function(item, sym, self.global_names[id(sym)]))
                elif isinstance(item, n.Binding):
                    sym = checked.typed.values[item.name]
                    js = self.global_names[id(sym)]
                    self.frame = _Frame()
                    # Evaluated on first read, or by $init in declaration order (spec/execution.md section 7).
                    region = self.open_region("S", root=True)
                    init = f"{region}{self.charge('binding')}{js}$v = {self.expr(item.value)}; {js}$ready = true;"
                    init = " ".join(self.scratch([init], self.frame))
                    body.append(f"let {js}$v, {js}$ready = false;\n"
                                f"function {js}() {{\n"
                                f"  if (!{js}$ready) {{ {init} }}\n"
                                f"  return {js}$v;\n}}")
                    inits.append(f"  {js}();")
            for route in checked.typed.routes:
                name = f"{prefix}$route{len(routes)}"
                routes.append(name)
                body.append(self.handler(route.decl, name))
        body += [f"function {prefix}$init() {{", *inits, "}", f"const {prefix}$routes = [{', '.join(routes)}];"]
        return "\n".join(body)

    def function(self, decl: n.FunctionDecl, sym: FunctionSym, js_name: str) -> str:
        saved = self.frame
        if saved.names:
            self.outer_names.append(saved.names)
        self.frame = _Frame(self_sym=sym)
        params = [self.bind_local(p, p.name) for p in decl.params]
        # Closures made in one iteration of a self tail loop keep that iteration's
        # parameters: then each iteration copies them into fresh bindings.
        fresh_bindings = any(isinstance(x, (n.Lambda, n.FunctionDecl)) for x in walk(decl.body))
        self.frame.loop_params = [p + "$in" for p in params] if fresh_bindings else params
        self.frame.names[id(sym)] = js_name
        self.frame.may_loop = self.may_call_itself_in_tail_position(decl, sym)
        # Fast tier, a recursive function that never returns a $TC marker: its body is
        # `{js_name}$r`, which keeps the call depth in a parameter (see `pin_depth`).
        self.frame.depth_param = self.fast and id(sym) not in self.marker_functions and any(
            isinstance(x, n.Call) and self.direct_target(x.callee) is sym for x in walk(decl.body))
        if self.frame.depth_param:
            self.frame.base = base_cases.base_case(decl, self.typed)
        saved_region = self.region
        entry_names = dict(self.frame.names)
        stmts, regions = self.body_statements(decl)
        local_gas = self.fast and self.frame.loops and self.calls_nothing_charging(stmts)
        counted: list[str] = []
        if local_gas:
            self.local_gas_regions.update(regions)
            stmts = self.writing_gas_back(stmts)
            if not fresh_bindings:
                counted = self.counted_copy(decl, sym, params, entry_names)
        if self.frame.returns_marker:
            self.marker_functions.add(id(sym))
        body_frame = self.frame
        loops, loop_params, depth_param = body_frame.loops, body_frame.loop_params, body_frame.depth_param
        entry_charge = self.take_entry_charge(body_frame) if depth_param else 0
        self.entry_charges[id(sym)] = entry_charge
        depth_free = self.depth_free_body(decl, sym, js_name, entry_names, entry_charge) if depth_param else None
        self.frame = saved
        self.region = saved_region
        if saved.names:
            self.outer_names.pop()
        entry_params = loop_params if loops else params
        if depth_param:
            # The entry keeps the global depth $D exact for its caller: the body sets $D
            # only right before the calls it makes.
            call = f"{js_name}$r({', '.join([*entry_params, '$d0'])})"
            if depth_free:
                test, body = depth_free
                call = f"{test} ? {js_name}$n({', '.join(entry_params)}) : {call}"
            entry = (f"function {js_name}({', '.join(entry_params)}) {{\n"
                     f"  {self.entry_charge_statement(entry_charge)}"
                     f"const $d0 = $D, $r = {call};\n"
                     f"  $D = $d0;\n  return $r;\n}}\n{depth_free[1] if depth_free else ''}")
            head = f"{entry}function {js_name}$r({', '.join([*entry_params, '$d'])}) {{\n"
        else:
            head = f"function {js_name}({', '.join(entry_params)}) {{\n"
        if not loops:
            past_base = self.past_base_copy(f"{js_name}$r", [*entry_params, "$d"], stmts, body_frame)
            return head + "\n".join("  " + s for s in self.scratch(stmts, body_frame)) + "\n}" + past_base
        copy = "".join(f"    let {p} = {p}$in;\n" for p in params) if fresh_bindings else ""
        body = "\n".join("    " + s for s in stmts)
        scratch = "".join(f"  {s}\n" for s in self.scratch(stmts + counted, body_frame)[:-len(stmts + counted)])
        if local_gas:
            scratch += "  var $g = $G;\n"
        counted_loop = "".join(f"  {s}\n" for s in counted)
        return f"{head}{scratch}{counted_loop}  for (;;) {{\n{copy}{body}\n  }}\n}}"

    def depth_free_body(self, decl: n.FunctionDecl, sym: FunctionSym, js_name: str,
                        entry_names: dict[int, str], entry_charge: int) -> tuple[str, str] | None:
        """Fast tier, a `$r` body whose only calls are non-tail self calls that all pass
        some parameter `p` as `p - k` (k >= 1) where `p >= c` is known: from an entry
        value p0 they nest at most p0 - c + 1 deep. Returns the entry's test of that and a
        copy of the body, `{js_name}$n`, that keeps and tests no depth; None for other
        bodies. The copy is lowered under hypotheses (`depth_free_attempt`), tried in turn."""
        frame = self.frame
        if frame.loops or not frame.self_calls or any(
                isinstance(x, (n.Lambda, n.FunctionDecl, n.Await)) or (isinstance(x, n.Call) and not isinstance(
                    self.direct_target(x.callee), CtorSym) and self.direct_target(x.callee) is not sym)
                for x in walk(decl.body)):
            return None
        params = [self.typed.binders[id(p)] for p in decl.params]
        results = [(0, FAST_INTEGER), FAST_RANGE] if prune(sym.type.result) == NUMBER else [FAST_RANGE]
        for p in sorted(set.intersection(*(set(call) for call in frame.self_calls))):
            compared = sorted({h for s, h in self.compared_literals(decl.body) if s is params[p]} - {0})
            for hypothesis, result in itertools.product([0, *compared, None], results):
                self.frame = self.copy_frame(frame, entry_names, depth_free=True, result_range=result)
                found = self.depth_free_attempt(decl, params[p], p, hypothesis)
                if found is not None:
                    stmts, regions, test = found
                    self.depth_free_regions.update(regions)
                    if self.take_entry_charge(self.frame) != entry_charge:    # the same nodes, so never
                        raise LoweringError(f"internal: the entry charge of {js_name}$n differs")
                    body = "\n".join("  " + x for x in self.scratch(stmts, self.frame))
                    params = self.frame.loop_params
                    past_base = self.past_base_copy(f"{js_name}$n", params, stmts, self.frame)
                    return test, f"function {js_name}$n({', '.join(params)}) {{\n{body}\n}}{past_base}\n"
        return None

    @staticmethod
    def copy_frame(body: _Frame, entry_names: dict[int, str], **kind) -> _Frame:
        """A fresh frame to lower another copy of `body`'s function: the same parameters
        (`entry_names`: its names before the body was lowered), and `kind` (see _Frame)."""
        return _Frame(names=dict(entry_names), self_sym=body.self_sym, loop_params=body.loop_params,
                      depth_param=body.depth_param, may_loop=body.may_loop, base=body.base, **kind)

    def depth_free_attempt(self, decl: n.FunctionDecl, param: Local, p: int,
                           hypothesis: int | None) -> tuple[list[str], range, str] | None:
        """Lower the `$n` copy in the current frame assuming `param >= hypothesis` (when
        not None; the entry tests it) and that every self call returns a value in
        `frame.result_range`. Both must hold of every self call it makes (its argument
        for `param`, the values the body returns), and `param` must rank the calls:
        (statements, regions, the entry's test) if so, else None."""
        frame = self.frame
        if hypothesis is not None:
            frame.bounds[id(param)] = (hypothesis, FAST_INTEGER)
        stmts, regions = self.body_statements(decl)
        calls = frame.self_calls
        if not all(p in call for call in calls):
            return None
        least = min(call[p][0] for call in calls)
        lo, hi = frame.result_range
        if (least <= -FAST_INTEGER
                or (hypothesis is not None and any(call[p][0] - call[p][1] < hypothesis for call in calls))
                or any(r[0] < lo or r[1] > hi for r in frame.returns)):
            return None
        name = frame.loop_params[p]
        test = f"{name} <= {gas.DEPTH_LIMIT - 1 + least} - $d0"
        return stmts, regions, test if hypothesis is None else f"{name} >= {hypothesis} && {test}"

    def compared_literals(self, body: n.Block) -> list[tuple[object, int]]:
        """(symbol, value) for each comparison of a name with an int literal in the fast range in `body`."""
        found = []
        for x in walk(body):
            if isinstance(x, n.Binary) and x.op in n.NEGATED_COMPARISON:
                for name, lit in ((x.left, x.right), (x.right, x.left)):
                    if isinstance(name, n.Name) and isinstance(lit, n.IntLit) and abs(lit.value) <= FAST_INTEGER:
                        found.append((self.typed.refs.get(id(name)), lit.value))
        return found

    def parameter_indexes(self) -> dict[int, int]:
        """id(parameter Local) -> its position, for the function whose body is being lowered."""
        return {id(self.typed.binders[id(p)]): k for k, p in enumerate(self.frame.self_sym.decl.params)}

    def decreasing_arguments(self, e: n.Call) -> dict[int, tuple[int, int]]:
        """Fast tier, a non-tail self call: for each argument `p - k` (p the parameter in
        that position, k >= 1 a literal), p's index -> (the least value p is known to have
        here, -FAST_INTEGER if none, k)."""
        params = [self.typed.binders[id(p)] for p in self.frame.self_sym.decl.params]
        found = {}
        for j, arg in enumerate(e.args):
            if (isinstance(arg, n.Binary) and arg.op == "-" and isinstance(arg.left, n.Name)
                    and self.typed.refs.get(id(arg.left)) is params[j]
                    and isinstance(arg.right, n.IntLit) and arg.right.value >= 1):
                found[j] = (self.interval(arg.left)[0], arg.right.value)
        return found

    def body_statements(self, decl: n.FunctionDecl) -> tuple[list[str], range]:
        """The statements of a function body in the current frame, and its regions."""
        first_region = len(self.region_costs)
        stmts: list[str] = [self.open_region("S", root=True)]
        self.frame.root_region = self.region
        self.tail_block(decl.body, stmts, tail=True)
        return self.inline_base_calls(stmts, self.frame), range(first_region, len(self.region_costs))

    @staticmethod
    def writing_gas_back(stmts: list[str]) -> list[str]:
        """A local-gas loop's statements, each return writing `$g` back to `$G` first."""
        return [f"return $G = $g, {x[len('return '):]}" if x.startswith("return ") else x for x in stmts]

    def counted_copy(self, decl: n.FunctionDecl, sym: FunctionSym, params: list[str],
                     entry_names: dict[int, str]) -> list[str]:
        """Fast tier, a local-gas self tail loop that is a counted loop (compiler/loops.py):
        statements that run a copy of it without overflow checks or gas tests when its
        entry test passes (its `for (;;)` only returns or bails out), else []."""
        loop = loops.counted_loop(decl, sym, self.typed)
        if loop is None:
            return []
        checked = self.frame
        self.frame = self.copy_frame(checked, entry_names, unchecked=True)
        stmts, regions = self.body_statements(decl)
        self.local_gas_regions.update(regions)
        self.untested_regions.update(regions)
        # Each region runs at most once per run of the body: their sum bounds a run's gas.
        per_run = sum(self.region_costs[r] for r in regions) if self.instrument else 0
        setup, test = loop.entry_test(params, per_run)
        checked.temps += [t for t in loop.temporaries() + self.frame.temps if t not in checked.temps]
        self.frame = checked
        return [*setup, f"if ({test}) for (;;) {{", *("  " + x for x in self.writing_gas_back(stmts)), "}"]

    @staticmethod
    def scratch(stmts: list[str], frame: _Frame) -> list[str]:
        """`stmts` with the fast tier's scratch register `$u` declared, if they use it, and
        `frame`'s temporaries (`computed_once`): locals of each function (the value of an
        inline check or call lives in `$u` for a moment, never across an evaluation). A
        `var`: QuickJS checks every read of a `let` for its temporal dead zone, which costs
        3-6 % on call-heavy code."""
        names = (["$u"] if any("$u" in x for x in stmts) else []) + frame.temps
        return [f"var {', '.join(names)};", *stmts] if names else stmts

    @staticmethod
    def prefixed(prefix: str, js: str) -> str:
        return f"({prefix}{js})" if prefix else js

    def pin_depth(self, args: list[str], depth: str) -> tuple[list[str], str]:
        """In a `$r` body: set the global depth $D to `depth` once the arguments of a call
        are evaluated (they may contain recursive calls), right before the call. Returns the
        arguments and a prefix for a call without any."""
        if not (self.fast and self.frame.depth_param):
            return args, ""
        if args:
            return [*args[:-1], f"($u = {args[-1]}, $D = {depth}, $u)"], ""
        return args, f"$D = {depth}, "

    def reads_request(self, api: n.ApiDecl) -> bool:
        """Whether the handler refers to `request` or to its typed body parameter."""
        typed = next(c.typed for c in self.modules if any(r.decl is api for r in c.typed.routes))
        syms = {id(typed.binders[id(api)])}
        if api.body_param is not None:
            syms.add(id(typed.binders[id(api.body_param)]))
        return any(isinstance(x, n.Name) and id(typed.refs.get(id(x))) in syms for x in walk(api.body))

    def handler(self, api: n.ApiDecl, js_name: str) -> str:
        self.frame = _Frame()
        request = self.bind_local(api, "request")
        stmts: list[str] = [self.open_region("S", root=True)]
        if api.body_param is not None:
            body = self.bind_local(api.body_param, api.body_param.name)
            stmts.append(f"const {body} = {request}.$typedBody;")
        self.tail_block(api.body, stmts, tail=True)
        return f"function {js_name}({request}) {{\n" + "\n".join("  " + s for s in self.scratch(stmts, self.frame)) + "\n}"

    # ------------------------------------------------------------ statements
    def tail_block(self, block: n.Block, out: list[str], tail: bool) -> None:
        """Statements that compute `block` and return its value (tail: calls may be tail calls)."""
        for stmt in block.stmts[:-1]:
            self.statement(stmt, out)
        last = block.stmts[-1]
        if isinstance(last, n.Respond):
            out.append(f"return {self.respond(last)};")
        elif isinstance(last, (n.ExprStmt, n.Return)):
            self.tail_expr(last.expr, out, tail)
        else:  # unreachable after checking (E0226)
            raise LoweringError("block ends with a declaration")

    def statement(self, stmt, out: list[str]) -> None:
        if isinstance(stmt, n.Binding):
            value = self.expr(stmt.value)
            js = self.bind_local(stmt, stmt.name)
            if self.fast and self.type_of(stmt.value) == NUMBER:
                self.frame.bounds[id(self.typed.binders[id(stmt)])] = self.interval(stmt.value)
            out.append(f"{self.charge('binding')}const {js} = {value};")
        elif isinstance(stmt, n.FunctionDecl):
            sym = self.typed.binders[id(stmt)]
            js = self.fresh("f_" + stmt.name)
            self.frame.names[id(sym)] = js
            if self.instrument:
                out.append(self.charge("function_decl"))
            out.append(self.function(stmt, sym, js))
            env = self.captured(stmt)
            out.append(f"$clo({js}, {_js_string(self.code_id(stmt))}, [{', '.join(env)}]);")
        elif isinstance(stmt, n.ExprStmt):
            out.append(f"{self.expr(stmt.expr)};")
        else:
            raise LoweringError("`return`/`respond` outside tail position")

    def tail_expr(self, e, out: list[str], tail: bool) -> None:
        if isinstance(e, n.If):
            if self.instrument:
                out.append(self.charge("if"))
            cond = self.expr(e.cond)
            base = self.passes_base_test(e.cond)
            if base:
                self.frame.base_line = (len(out), f"if ({'false' if self.frame.base.holds else 'true'}) {{")
            out.append(f"if ({cond}) {{")
            saved = self.region
            deferred = self.take_deferrable()
            for holds, branch in ((True, e.then), (False, e.otherwise)):
                if not holds:
                    self.region = saved
                    out.append("} else {")
                start = len(out)
                out.append(self.open_region("S", deferred))
                self.note_entry_branch(saved, tail)
                lower = self.tail_expr if isinstance(branch, n.If) else self.tail_block
                self.knowing(e.cond, holds, lambda: lower(branch, out, tail))
                if base and holds != self.frame.base.holds:
                    self.frame.past_base = (start, len(out))
            out.append("}")
            self.region = saved
        elif isinstance(e, n.Match):
            self.match_statements(e, out, tail)
        elif isinstance(e, n.Block):
            out.append("{")
            self.tail_block(e, out, tail)
            out.append("}")
        elif tail and isinstance(e, n.Call) and self.is_tail_callable(e):
            self.tail_call(e, out)
        else:
            out.append(f"return {self.expr(e)};")
            if self.frame.depth_free and self.type_of(e) == NUMBER:
                self.frame.returns.append(self.interval(e))

    def respond(self, stmt: n.Respond) -> str:
        return self.charged(gas.op_cost("respond"), self.expr(stmt.expr))

    # ------------------------------------------------------------ match
    def match_statements(self, e: n.Match, out: list[str], tail: bool) -> None:
        charge, subject = self.charge("match"), self.expr(e.subject)
        # Fast tier: a subject that is a local is tested and destructured in place (the
        # tests and bindings all run before the arm's body, so a self tail loop that
        # reassigns it cannot interfere).
        if not (self.fast and _LOCAL.fullmatch(subject)):
            value, subject = subject, self.fresh("$s")
            out.append(f"{charge}const {subject} = {value};")
        saved = self.region
        # Fast tier: the (pure) pattern tests are charged at the start of the arm that is
        # taken: arm i's region inherits the match_case charges of arms 1..i (and arm 0's
        # together with the cost of the enclosing region so far when that is deferrable).
        out.append(self.charge("match_case"))
        deferred = self.take_deferrable()
        tests = 0
        based = len(e.arms) == 2 and self.passes_base_test(e.arms[0].pattern)
        for i, arm in enumerate(e.arms):
            binds: list[str] = []
            test = self.pattern(arm.pattern, subject, binds)
            if i and self.instrument:
                if self.fast:
                    tests += gas.op_cost("match_case")
                else:
                    out.append(self.charge("match_case"))
            # The checker proved the match exhaustive: reaching the last arm, it matches.
            exhaustive_last = self.fast and i == len(e.arms) - 1
            if not exhaustive_last and self.passes_base_test(arm.pattern):
                self.frame.base_line = (len(out), "if (false) {")
            out.append("{" if exhaustive_last else f"if ({test}) {{")
            start = len(out)
            out.append(self.open_region("S", deferred + tests))
            self.note_entry_branch(saved, tail)
            out.extend(binds)
            if isinstance(arm.body, n.Respond):
                out.append(f"return {self.respond(arm.body)};")
            elif isinstance(arm.body, n.Return):
                self.tail_expr(arm.body.expr, out, tail)
            else:
                self.tail_expr(arm.body, out, tail)
            if based and i == 1:
                self.frame.past_base = (start, len(out))
            out.append("}")
            self.region = saved
        self.region = saved
        out.append('throw new Error("unreachable: non-exhaustive match");')

    def bind_pattern_local(self, node, name: str, value: str, binds: list[str]) -> None:
        """Bind a name a pattern introduces to `value` (a read of the matched value). Fast
        tier, in a body that never reassigns its locals (no self tail loop), a name read
        at most once reads `value` where it is used instead of a `const`."""
        sym = self.typed.binders[id(node)]
        if self.fast and not self.frame.may_loop and self.uses[id(sym)] <= 1:
            self.frame.names[id(sym)] = value
        else:
            binds.append(f"const {self.bind_local(node, name)} = {value};")

    def may_call_itself_in_tail_position(self, decl: n.FunctionDecl, sym: FunctionSym) -> bool:
        """Whether some self call of `decl` is not surely a non-tail one (an operand, an
        argument, an element or a field value, whose value the body goes on to use)."""
        used = {id(c) for x in walk(decl.body)
                if isinstance(x, (n.Binary, n.Unary, n.Call, n.ListLit, n.RecordLit, n.Field, n.Index))
                for c in children(x)}
        return any(isinstance(x, n.Call) and self.direct_target(x.callee) is sym and id(x) not in used
                   for x in walk(decl.body))

    def pattern(self, p, value: str, binds: list[str]) -> str:
        if isinstance(p, n.PWild):
            return "true"
        if isinstance(p, n.PName):
            sym = self.typed.binders.get(id(p))
            if isinstance(sym, Local) and id(p) in self.typed.binders:
                self.bind_pattern_local(p, p.name, value, binds)
                return "true"
            return f"{value} === {self.nullary(self.lookup_ctor(p.name).variant)}"
        if isinstance(p, n.PCtor):
            ctor = self.lookup_ctor(p.name)
            if not p.args:
                return f"{value} === {self.nullary(ctor.variant)}"
            tests = [f"{value}[0] === {self.descriptor(ctor.variant)}"]
            for i, sub in enumerate(p.args):
                t = self.pattern(sub, f"{value}[{i + 1}]", binds)
                if t != "true":
                    tests.append(t)
            return " && ".join(tests)
        if isinstance(p, n.PLit):
            if p.kind == "number":
                if self.fast and abs(p.value) > FAST_INTEGER:
                    return "false"      # no fast-tier number can equal it
                return f"{value} === {self.int_literal(p.value)}"
            if p.kind == "Decimal":
                return f"{value}.$d === {_js_string(self.decimal_text(p.value))}"
            if p.kind == "string":
                return f"{value} === {_js_string(p.value)}"
            return f"{value} === {'true' if p.value else 'false'}"
        tests = []
        for entry in p.fields:
            name, sub, _ = entry
            access = f"{value}[{_js_string(name)}]"
            if sub is None:
                self.bind_pattern_local(entry, name, access, binds)
            else:
                t = self.pattern(sub, access, binds)
                if t != "true":
                    tests.append(t)
        return " && ".join(tests) or "true"

    def lookup_ctor(self, name: str) -> CtorSym:
        from .modules import prelude
        for checked in self.modules:
            sym = checked.typed.values.get(name)
            if isinstance(sym, CtorSym):
                return sym
        sym = prelude().ctors.get(name)
        if sym is None:
            raise LoweringError(f"internal: unknown constructor {name}")
        return sym

    # ------------------------------------------------------------ calls
    def direct_target(self, callee) -> object:
        """The symbol a callee names directly (function, constructor, builtin), else None."""
        sym = self.typed.refs.get(id(callee))
        if isinstance(sym, (FunctionSym, CtorSym)):
            return sym
        return None

    def is_tail_callable(self, e: n.Call) -> bool:
        sym = self.direct_target(e.callee)
        if isinstance(sym, CtorSym) or (isinstance(sym, FunctionSym) and sym.builtin is not None):
            return False
        return True

    def tail_call(self, e: n.Call, out: list[str]) -> None:
        sym = self.direct_target(e.callee)
        callee = self.name_of(sym) if sym is not None else self.expr(e.callee)   # JS evaluates it first
        args = [self.expr(a) for a in e.args]
        if sym is not None and sym is self.frame.self_sym:
            self.frame.loops = True
            out.append(f"{{ {self.rebind_loop_params(e.args, args)}continue; }}")
            return
        self.frame.returns_marker = True
        out.append(f"return $tc({callee}, [{', '.join(args)}]);")

    def rebind_loop_params(self, arg_nodes: list, args: list[str]) -> str:
        """Statements that give a self tail loop's parameters the new arguments, as if all at
        once. Fast tier, call-free arguments (pure: their stops all bail out): each goes
        straight into its parameter, in an order where no argument still to come reads a
        parameter already assigned; arguments left in a cycle go through temporaries."""
        params = self.frame.loop_params
        pending, direct = list(range(len(args))), []
        if self.fast and not any(isinstance(x, n.Call) for a in arg_nodes for x in walk(a)):
            index = self.parameter_indexes()
            reads = [{index[id(self.typed.refs.get(id(x)))] for x in walk(a)
                      if isinstance(x, n.Name) and id(self.typed.refs.get(id(x))) in index} for a in arg_nodes]
            ready = True
            while ready:
                ready = next((j for j in pending if not any(j in reads[k] for k in pending if k != j)), None)
                if ready is not None:
                    pending.remove(ready)
                    direct.append(ready)
                ready = ready is not None
            if not self.computed_in_order(args, pending + direct):
                pending, direct = list(range(len(args))), []
        temps = {k: self.fresh("$a") for k in pending}
        return ("".join(f"const {temps[k]} = {args[k]}; " for k in pending)
                + "".join(f"{params[j]} = {args[j]}; " for j in direct if args[j] != params[j])
                + "".join(f"{params[k]} = {temps[k]}; " for k in pending))

    def call(self, e: n.Call) -> str:
        sym = self.direct_target(e.callee)
        if self.fast and isinstance(sym, FunctionSym) and sym.builtin in pipelines.OUTERMOST:
            pipe = pipelines.fusible_pipeline(e, self.builtin_of)
            if pipe is not None:
                return self.fused_pipeline(pipe)
        callee = self.expr(e.callee) if sym is None else None    # JS evaluates it first
        if (self.fast and isinstance(sym, FunctionSym) and sym.builtin in BATCHED_CALLBACKS
                and isinstance(e.args[-1], n.Lambda)):
            # A lambda written as the callback: the library prepays its entry region too.
            args = [self.expr(a) for a in e.args[:-1]]
            fn, prepaid = self.lambda_(e.args[-1], prepay=True)
            args += [fn, str(prepaid)] if prepaid else [fn]
        else:
            args = [self.expr(a) for a in e.args]
        if isinstance(sym, CtorSym):
            return self.construct(sym, args)
        if isinstance(sym, FunctionSym) and sym.builtin is not None:
            return self.builtin_call(sym.builtin, args, e)
        callee = self.name_of(sym) if sym is not None else callee
        self.mark_call()
        cost = gas.op_cost("call")
        if self.fast and self.frame.depth_param and sym is self.frame.self_sym:
            self.prepay_entry(sym)
            self.frame.self_calls.append(self.decreasing_arguments(e))
            if self.frame.depth_free:
                self.intervals[id(e)] = self.frame.result_range
                target, extra = f"{callee}$n", []
            else:
                target, extra = f"{callee}$r", ["$d + 1"]
            if self.frame.base is not None:
                target += "k" if self.frame.base_line is not None else ""
                return self.charged(cost, self.base_tested_call(args, lambda a: f"{target}({', '.join(a + extra)})"))
            return self.charged(cost, f"{target}({', '.join(args + extra)})")
        if self.fast and isinstance(sym, FunctionSym) and id(sym) not in self.marker_functions:
            # A function that never returns a $TC marker: called directly (depth counted inline).
            if self.frame.depth_param:
                args, prefix = self.pin_depth(args, f"$d + 1, $d >= {gas.DEPTH_LIMIT} && $deep()")
                return self.charged(cost, self.prefixed(prefix, f"{callee}({', '.join(args)})"))
            return self.charged(cost, f"(++$D > {gas.DEPTH_LIMIT} && $deep(), $u = {callee}({', '.join(args)}), $D--, $u)")
        helper = f"$call{len(args)}" if len(args) <= 3 else "$call"
        args, prefix = self.pin_depth(args, "$d")
        return self.charged(cost, self.prefixed(prefix, f"{helper}({', '.join([callee, *args])})"))

    # ------------------------------------------------------------ fast-tier base cases
    def base_tested_call(self, args: list[str], call) -> str:
        """Fast tier, a self call of a function with a base case (compiler/base_cases.py):
        the arguments evaluated in order, the base case's test made here, and its value
        taken instead of `call(arguments)` when the test holds. The value's region charges
        what a run of the callee taking the base case charges beyond the entry charge the
        caller prepays (`take_entry_charge` sets it once the callee's body is lowered),
        less what the call prepays when it is written in (`inline_base_calls`)."""
        base, names, binds = self.frame.base, [], []
        for arg in args:
            if _SIMPLE_ARGUMENT.fullmatch(arg):
                names.append(arg)
            else:
                temp = self.fresh("$b")
                self.frame.temps.append(temp)
                binds.append(f"{temp} = {arg}")
                names.append(temp)
        index = self.parameter_indexes()
        saved = self.region
        token = self.open_region("E")
        value_region, self.region = self.region, saved
        value = f"({token}{self.base_value(base.value, names, index)})"
        if base.subject is None:
            test = self.base_test(base.test, names, index)
            test = test if base.holds else f"!{test}"
        else:
            test = f"({self.pattern(base.test, names[base.subject], [])})"
        self.frame.base_calls.append(_BaseCall(call(names), names, saved, value_region))
        return f"({''.join(b + ', ' for b in binds)}{test} ? {value} : \x01{len(self.frame.base_calls) - 1}\x01)"

    def inline_base_calls(self, stmts: list[str], frame: _Frame) -> list[str]:
        """A body's statements with its base tested self calls written out (`stmts` marks
        them `\\x01k\\x01`, `frame.base_calls[k]`). When the body's `k` copy returns one
        expression `X` once its base test fails, each is that branch inlined: one level of
        the recursion unrolled, whose own self calls stay calls (spec/execution.md section
        12, rule 8); else each is the call. The region of an inlined call prepays the
        branch region's cost, which the base case's value refunds: `inlined_calls` holds
        (that region, the value's region, the branch region) for `render_regions`."""
        calls = frame.base_calls
        found = self.past_base_inliner(stmts, frame)
        if found is None:
            return [_BASE_CALL.sub(lambda m: calls[int(m.group(1))].call, x) for x in stmts]
        inline, branch = found

        def inlined(k: int) -> str:
            self.inlined_calls.append((calls[k].region, calls[k].value_region, branch))
            return inline(calls[k].names)
        return [_BASE_CALL.sub(lambda m: inlined(int(m.group(1))), x) for x in stmts]

    def past_base_inliner(self, stmts: list[str], frame: _Frame):
        """For `inline_base_calls`: a function of a call's arguments' names giving the
        branch the `k` copy takes as an expression, and the branch's region. The
        expression starts the body's regions one call deeper (the branch's prepaid: only
        its depth test), then `X` reads the parameters from the arguments, has its
        temporaries renamed apart from the caller's (`$u` is never live across an
        evaluation) and its depth `$d + 1`. None when the branch is more than `return X;`
        (or `X` makes a closure, or is longer than INLINED_BRANCH_MAX)."""
        if frame.base_line is None or frame.past_base is None or any(stmts[1:frame.base_line[0]]):
            return None
        start, end = frame.past_base
        token, result = stmts[start:end] if end - start == 2 else (None, "")
        if not (result.startswith("return ") and result.endswith(";")):
            return None
        value = _BASE_CALL.sub(lambda m: frame.base_calls[int(m.group(1))].call, result[len("return "):-1])
        if len(value) > INLINED_BRANCH_MAX or "function" in value or "=>" in value:
            return None
        deeper = "".join(_REGION.sub(lambda m: f"\x00{kind}{m.group(2)}\x00", js)
                         for kind, js in (("I", stmts[0]), ("P", token), ("I", value)))
        used = {m.group(1) for m in _STRING_OR_NAME.finditer(value)}
        renamed = {t: f"{t}_i" for t in frame.temps if t in used}
        frame.temps += renamed.values()
        params = [frame.names[id(self.typed.binders[id(p)])] for p in frame.self_sym.decl.params]

        def inlined(names: list[str]) -> str:
            names = [x if re.fullmatch(r"[\w$]+", x) else f"({x})" for x in names]
            new = {**renamed, **dict(zip(params, names)), "$d": "($d + 1)"}
            js = _STRING_OR_NAME.sub(lambda m: new.get(m.group(1), m.group(0)), deeper)
            return f"({js.replace('($d + 1) + 1', '$d + 2')})"
        return inlined, int(_REGION.fullmatch(token).group(2))

    def passes_base_test(self, test) -> bool:
        """Whether `test` (a condition or pattern being lowered) is the base case's test of
        a body that gets a `k` copy: the body with that test made to fail, which the base
        tested self calls (whose test failed) call. A body that may loop gets none."""
        base = self.frame.base
        return self.fast and base is not None and test is base.test and not self.frame.may_loop

    def past_base_copy(self, name: str, params: list[str], stmts: list[str], frame: _Frame) -> str:
        """`{name}k`, the copy of the body `stmts` of function `name` that base tested self
        calls call: its base case's test replaced by one that fails (on a line of its own
        after the body; "" if it has none)."""
        if frame.base_line is None:
            return ""
        at, line = frame.base_line
        body = "\n".join("  " + x for x in self.scratch([*stmts[:at], line, *stmts[at + 1:]], frame))
        return f"\nfunction {name}k({', '.join(params)}) {{\n{body}\n}}"

    def base_value(self, e, names: list[str], index: dict[int, int]) -> str:
        """A base case's value (a literal, a parameter or a nullary constructor) in JS,
        the parameters being `names`."""
        if isinstance(e, n.IntLit):
            return self.int_literal(e.value)
        if isinstance(e, n.BoolLit):
            return "true" if e.value else "false"
        sym = self.typed.refs.get(id(e))
        if id(sym) in index:
            return names[index[id(sym)]]
        return self.nullary(sym.variant)

    def base_test(self, e, names: list[str], index: dict[int, int]) -> str:
        """A base case's condition (a comparison of number parameters and literals) in JS."""
        if isinstance(e, n.Unary):
            return f"!{self.base_test(e.operand, names, index)}"
        left, right = (self.base_value(x, names, index) for x in (e.left, e.right))
        return f"({left} {_JS_COMPARISON.get(e.op, e.op)} {right})"

    def builtin_of(self, callee) -> str | None:
        """The library function `callee` names directly, else None."""
        sym = self.direct_target(callee)
        return sym.builtin if isinstance(sym, FunctionSym) else None

    def fused_pipeline(self, pipe: pipelines.Pipeline) -> str:
        """Fast tier, a fusible pipeline (compiler/pipelines.py): one loop over its source
        calling each step's callback on each element in turn, with the charges of the
        separate calls (the call cost and prepaid entry charge of every callback, the size
        surcharge of every list), made before the loop where the count is already known."""
        if pipe.from_range:
            params, values = ["$a", "$b"], [self.expr(a) for a in pipe.source.args]
            head = ["const $n = $b > $a ? $b - $a : 0;", "if ($n > $LIST_MAX) $bail();"]
            loop, element = "for (let $i = $a; $i < $b; $i++) {", "$i"
            before, after = ["$sur($n);"], []
            self.charge_cost(gas.stdlib_cost(pipelines.SOURCE), expr=True)
        else:
            params, values = ["$xs"], [self.expr(pipe.source)]
            head = ["const $n = $xs.length;"]
            loop, element = "for (let $j = 0; $j < $n; $j++) {", "$xs[$j]"
            before, after = [], []
        body, count, result, local = [f"let $x = {element};"], "$n", "$out", []
        for k, step in enumerate(pipe.steps):
            self.mark_call()
            self.charge_cost(gas.stdlib_cost(step.builtin), expr=True)
            if step.builtin == pipelines.COUNT:
                result = count
                continue
            if step.builtin == pipelines.SINK:
                params.append("$init")
                values.append(self.expr(step.call.args[1]))
            args = ["$acc", "$x"] if step.builtin == pipelines.SINK else ["$x"]
            callback, prepaid = self.inlined_callback(step.callback, args, local)
            if callback is None:
                fn, prepaid = self.lambda_(step.callback, prepay=True)
                params.append(f"$f{k}")
                values.append(fn)
                callback = f"$f{k}({', '.join(args)})"
            charges = before if count == "$n" else after
            charges.append(f"$c(($CALL_COST + {prepaid}) * {count});")
            if step.builtin == "List.map":
                body.append(f"$x = {callback};")
            elif step.builtin == "List.filter":
                count = f"$k{k}"
                head.append(f"let {count} = 0;")
                body.append(f"if (!{callback}) continue; {count}++;")
            else:
                head.append("let $acc = $init;")
                body.append(f"$acc = {callback};")
                result = "$acc"
            after.append(f"$sur({count});")
        if local:
            head.insert(0, f"var {', '.join(local)};")
        if result == "$out" and count == "$n":       # no filter: the list's length is known
            head.append("const $out = new Array($n);")
            body.append(f"$out[{'$i - $a' if pipe.from_range else '$j'}] = $x;")
        elif result == "$out":
            head.append("const $out = [];")
            body.append("$out.push($x);")
        walked = [loop, *("  " + x for x in body), "}"]
        if any(step.builtin != pipelines.COUNT for step in pipe.steps):
            # Every callback runs one level deeper than the pipeline, as under the library calls.
            head.append(f"if ($n && $D >= {gas.DEPTH_LIMIT}) $deep();")
        else:
            walked = []           # `List.range(a, b) |> List.length`: nothing to run per element
        code = [*head, *before, *walked, *after, f"return {result};"]
        values, prefix = self.pin_depth(values, "$d")
        fn = f"(({', '.join(params)}) => {{\n" + "\n".join("  " + x for x in code) + "\n})"
        return self.prefixed(prefix, f"{fn}({', '.join(values)})")

    def inlined_callback(self, e: n.Lambda, args: list[str], local: list[str]) -> tuple[str | None, int]:
        """A fused pipeline's callback written in place when its body is one expression
        (not a block, `if` or `match`): (the JS applying it to `args`, its prepaid entry
        charge), with its parameters, temporaries and scratch register added to `local`
        (an inlined body assigns each before reading it); else (None, 0). The closure it
        replaces is still charged for."""
        if not pipelines.written_in_place(e):
            return None, 0
        params, (_, returned), frame, prepaid = self.lambda_body(e, prepay=True)   # its root region: all prepaid
        self.charge_cost(gas.op_cost("lambda"), expr=True)
        used = [*params, *frame.temps, *(["$u"] if "$u" in returned else [])]
        local += [x for x in used if x not in local]
        binds = "".join(f"{p} = {a}, " for p, a in zip(params, args))
        return f"({binds}{returned[len('return '):-1]})", prepaid

    def construct(self, sym: CtorSym, args: list[str]) -> str:
        v = sym.variant
        op = CTOR_ROWS.get(v.name, "ctor") if v.union.name in ("Option", "Result") else "ctor"
        if not args:
            return self.charged(gas.op_cost(op), self.nullary(v))
        return self.charged(gas.op_cost(op), f"[{', '.join([self.descriptor(v), *args])}]")

    def nullary(self, variant) -> str:
        """The one instance of a nullary variant (`$mk` makes no other): patterns test it
        by identity."""
        desc = self.descriptor(variant)
        name = "$N" + desc[2:]
        if name not in self.nullaries:
            self.nullaries.add(name)
            self.out.append(f"const {name} = $mk({desc}, []);")
        return name

    def builtin_call(self, name: str, args: list[str], e: n.Call) -> str:
        cost = gas.stdlib_cost(name)
        effect = self.typed.refs[id(e.callee)].effects
        self.mark_call()      # effects, and library functions that call back into guest code
        if effect:
            return self.charged(cost, f"$eff({_js_string(name)}, [{', '.join(args)}])")
        fn = "$" + name.replace(".", "_")
        args, prefix = self.pin_depth(args, "$d")      # callbacks run one level deeper
        return self.charged(cost, self.prefixed(prefix, f"{fn}({', '.join(args)})"))

    # ------------------------------------------------------------ expressions
    def expr(self, e) -> str:
        return getattr(self, "expr_" + type(e).__name__)(e)

    def int_literal(self, value: int) -> str:
        """An int literal: a BigInt in the precise tier; in the fast tier a Number, or a
        bail-out where the value lies outside the fast range."""
        if not self.fast:
            return f"{value}n"
        return str(value) if abs(value) <= FAST_INTEGER else "$bail()"

    def expr_IntLit(self, e: n.IntLit) -> str:
        return self.charged(gas.op_cost("literal"), self.int_literal(e.value))

    def decimal_text(self, text: str) -> str:
        """The canonical form of a Decimal literal (exact: the lexer bounds its digits)."""
        return decimal128.to_string(Decimal(text))

    def expr_DecimalLit(self, e: n.DecimalLit) -> str:
        return self.charged(gas.op_cost("literal"), f"{{ $d: {_js_string(self.decimal_text(e.text))} }}")

    def expr_StringLit(self, e: n.StringLit) -> str:
        return self.charged(gas.op_cost("literal"), _js_string(e.value))

    def expr_BoolLit(self, e: n.BoolLit) -> str:
        return self.charged(gas.op_cost("literal"), "true" if e.value else "false")

    def expr_Name(self, e: n.Name) -> str:
        sym = self.typed.refs[id(e)]
        if isinstance(sym, CtorSym):
            v = sym.variant
            if v.field_types:
                params = [f"$p{i}" for i in range(len(v.field_types))]
                fn = f"(({', '.join(params)}) => {self.region_expr(lambda: self.construct(sym, params), root=True)})"
                return self.charged(gas.op_cost("read"), f"$clo({fn}, {_js_string('ctor:' + v.union.name + '.' + v.name)}, [])")
            return self.construct(sym, [])
        if isinstance(sym, FunctionSym):
            if sym.builtin is not None:
                return self.builtin_value(sym)
            env = self.captured(sym.decl) if id(sym) not in self.global_names else []
            return self.charged(gas.op_cost("read"),
                                f"$clo({self.name_of(sym)}, {_js_string(self.code_id(sym.decl))}, [{', '.join(env)}])")
        if isinstance(sym, ConstSym):
            self.mark_call()      # the first read runs the initialiser
            _, prefix = self.pin_depth([], "$d")
            return self.charged(gas.op_cost("read"), self.prefixed(prefix, f"{self.name_of(sym)}()"))
        return self.charged(gas.op_cost("read"), self.name_of(sym))

    def expr_ListLit(self, e: n.ListLit) -> str:
        return self.charged(gas.op_cost("list"), f"$list([{', '.join(self.expr(x) for x in e.items)}])")

    def expr_RecordLit(self, e: n.RecordLit) -> str:
        fields = ", ".join(f"{_js_string(k)}: {self.expr(v)}" if k != "__proto__" else f"[{_js_string(k)}]: {self.expr(v)}"
                           for k, v, _ in e.fields)
        return self.charged(gas.op_cost("record"), f"{{ {fields} }}")

    def value_block(self, stmts_of) -> str:
        out: list[str] = []
        stmts_of(out)
        return "(() => {\n" + "\n".join("  " + s for s in out) + "\n})()"

    def expr_Block(self, e: n.Block) -> str:
        if len(e.stmts) == 1 and isinstance(e.stmts[0], n.ExprStmt):
            return self.expr(e.stmts[0].expr)
        return self.value_block(lambda out: self.tail_block(e, out, tail=False))

    def expr_If(self, e: n.If) -> str:
        cost = gas.op_cost("if")
        prefix = self.charge_cost(cost, expr=True)
        cond = self.expr(e.cond)
        then = self.knowing(e.cond, True, lambda: self.region_expr(lambda: self.expr_Block(e.then)))
        otherwise = self.knowing(e.cond, False, lambda: self.region_expr(
            lambda: self.expr_If(e.otherwise) if isinstance(e.otherwise, n.If) else self.expr_Block(e.otherwise)))
        return f"({prefix}({cond} ? {then} : {otherwise}))" if prefix else f"({cond} ? {then} : {otherwise})"

    def expr_Match(self, e: n.Match) -> str:
        return self.value_block(lambda out: self.match_statements(e, out, tail=False))

    def expr_Lambda(self, e: n.Lambda) -> str:
        return self.lambda_(e)[0]

    def lambda_(self, e: n.Lambda, prepay: bool = False) -> tuple[str, int]:
        """The closure for `e`, and (fast tier, `prepay`) the charge of its entry region,
        left out of its body for the caller to pay: `List.map`, `List.filter` and
        `List.fold` pay it with the call cost of all their callbacks."""
        params, stmts, body_frame, prepaid = self.lambda_body(e, prepay)
        make = "$clo" if body_frame.returns_marker else "$cloPlain"
        env = self.captured(e)
        fn = f"(({', '.join(params)}) => {{\n" + "\n".join("  " + s for s in self.scratch(stmts, body_frame)) + "\n})"
        return self.charged(gas.op_cost("lambda"), f"{make}({fn}, {_js_string(self.code_id(e))}, [{', '.join(env)}])"), prepaid

    def lambda_body(self, e: n.Lambda, prepay: bool) -> tuple[list[str], list[str], _Frame, int]:
        """`e`'s parameters' JS names, its body's statements and frame, and its prepaid
        entry charge (see `lambda_`)."""
        saved = self.frame
        self.outer_names.append(saved.names)
        self.frame = _Frame()
        params = [self.bind_local(p, p.name) for p in e.params]
        saved_region = self.region
        stmts: list[str] = [self.open_region("S", root=True)]
        self.frame.root_region = self.region
        if isinstance(e.body, n.Block):
            self.tail_block(e.body, stmts, tail=True)
        else:
            self.tail_expr(e.body, stmts, tail=True)
        body_frame = self.frame
        prepaid = self.take_entry_charge(body_frame) if prepay else 0
        self.frame = saved
        self.region = saved_region
        self.outer_names.pop()
        return params, stmts, body_frame, prepaid

    def code_id(self, node) -> str:
        """A stable identity for a function's code: module (relative to the entry module's
        directory, so it does not depend on how the path was spelled), line and column."""
        s = node.span
        module = os.path.relpath(self.typed.module.path, self.base).replace(os.sep, "/")
        return f"{module}:{s.line}:{s.column}"

    def captured(self, node) -> list[str]:
        """JS names of the locals and nested functions `node` captures, in order of first use.

        These are a closure's environment for structural equality (spec/runtime.md section 2).
        """
        inner = set()
        for sub in walk(node):
            binders = [sub, *sub.fields] if isinstance(sub, n.PRecord) else [sub]   # `{ y }` binds y
            for binder in binders:
                sym = self.typed.binders.get(id(binder))
                if sym is not None:
                    inner.add(id(sym))
        if isinstance(node, n.FunctionDecl) and id(node) in self.typed.binders:
            inner.add(id(self.typed.binders[id(node)]))
        names: list[str] = []
        for sub in walk(node):
            if isinstance(sub, n.Name):
                sym = self.typed.refs.get(id(sub))
                nested_fn = isinstance(sym, FunctionSym) and sym.builtin is None and id(sym) not in self.global_names
                if (isinstance(sym, Local) or nested_fn) and id(sym) not in inner:
                    js = self.name_of(sym)
                    if js not in names:
                        names.append(js)
        return names

    def expr_Call(self, e: n.Call) -> str:
        return self.call(e)

    def builtin_value(self, sym: FunctionSym) -> str:
        """A library function used as a value: a closure whose call charges the library row."""
        fn = "$" + sym.builtin.replace(".", "_")
        body = self.region_expr(lambda: self.charged(gas.stdlib_cost(sym.builtin), f"{fn}(...a)"), root=True)
        return self.charged(gas.op_cost("read"), f"$clo(((...a) => {body}), {_js_string('builtin:' + sym.builtin)}, [])")

    def expr_Field(self, e: n.Field) -> str:
        sym = self.typed.refs.get(id(e))
        if isinstance(sym, FunctionSym):
            return self.builtin_value(sym)
        return self.charged(gas.op_cost("field"), f"{self.expr(e.obj)}[{_js_string(e.name)}]")

    def expr_Index(self, e: n.Index) -> str:
        return self.charged(gas.op_cost("index"), f"$idx({self.expr(e.obj)}, {self.expr(e.index)})")

    def expr_Unary(self, e: n.Unary) -> str:
        if e.op == "!":
            return self.charged(gas.op_cost("not"), f"!{self.expr(e.operand)}")
        if self.type_of(e) == DECIMAL:
            return self.charged(gas.op_cost("neg"), f"$dneg({self.expr(e.operand)})")
        if self.fast:    # the fast range is symmetric
            return self.charged(gas.op_cost("neg"), f"(-({self.expr(e.operand)}))")
        return self.charged(gas.op_cost("neg"), f"$neg({self.expr(e.operand)})")

    def expr_Binary(self, e: n.Binary) -> str:
        op = e.op
        if op in ("&&", "||"):
            prefix = self.charge_cost(gas.op_cost(op), expr=True)
            left = self.expr(e.left)
            right = self.knowing(e.left, op == "&&", lambda: self.region_expr(lambda: self.expr(e.right)))
            return f"({prefix}({left} {op} {right}))" if prefix else f"({left} {op} {right})"
        if self.fast and op in EXACT_OPERATORS:
            self.exact_operands.update(id(x) for x in (e.left, e.right) if id(x) not in self.repeated)
        left, right = self.expr(e.left), self.expr(e.right)
        if op in ("==", "!="):
            if self.type_of(e.left) in (NUMBER, STRING, BOOLEAN):   # no composites: no surcharge
                return self.charged(gas.op_cost(op), f"({left} {'===' if op == '==' else '!=='} {right})")
            return self.charged(gas.op_cost(op), f"{'!' if op == '!=' else ''}$eq({left}, {right})")
        operand = self.type_of(e.left)
        if op in ("<", "<=", ">", ">="):
            if operand == STRING:
                return self.charged(gas.op_cost(op), f"($scmp({left}, {right}) {op} 0)")
            return self.charged(gas.op_cost(op), f"({left} {op} {right})")
        if operand == STRING:
            return self.charged(gas.op_cost("concat"), f"$cat({left}, {right})")
        if operand == DECIMAL:
            return self.charged(gas.op_cost(op), f"{DECIMAL_OPS[op]}({left}, {right})")
        if operand != NUMBER and not isinstance(operand, TCon):
            raise LoweringError(f"internal: operator {op} on {operand}")
        if not self.fast:
            return self.charged(gas.op_cost(op), f"{NUMBER_OPS[op]}({left}, {right})")
        lower = self.division if op in FAST_NUMBER_OPS else self.checked_arithmetic
        return self.charged(gas.op_cost(op), self.computed_once(e, lambda: lower(e, left, right)))

    # ------------------------------------------------------------ fast-tier common arithmetic
    def arithmetic_key(self, e) -> tuple | None:
        """What a `number` expression computes, when it is arithmetic on locals and literals
        only (so its value cannot change while a function body runs), else None."""
        if isinstance(e, n.IntLit):
            return ("literal", e.value)
        if isinstance(e, n.Name):
            sym = self.typed.refs.get(id(e))
            return ("local", id(sym)) if isinstance(sym, Local) else None
        if isinstance(e, n.Binary) and e.op in NUMBER_OPS and self.type_of(e) == NUMBER:
            left, right = self.arithmetic_key(e.left), self.arithmetic_key(e.right)
            return (e.op, left, right) if left and right else None
        return None

    def repeated_arithmetic(self, module: n.Module) -> set[int]:
        """The arithmetic nodes whose value another node of the same function body (nested
        functions and lambdas are bodies of their own) also computes."""
        found: set[int] = set()

        def body(root) -> None:
            nodes: dict[tuple, list[int]] = {}
            stack = [root]
            while stack:
                node = stack.pop()
                for child in children(node):
                    if isinstance(child, (n.Lambda, n.FunctionDecl)):
                        body(child)
                    else:
                        stack.append(child)
                key = self.arithmetic_key(node) if isinstance(node, n.Binary) else None
                if key is not None:
                    nodes.setdefault(key, []).append(id(node))
            found.update(i for ids in nodes.values() if len(ids) > 1 for i in ids)
        for item in module.items:
            body(item)
        return found

    @staticmethod
    def calls_nothing_charging(stmts: list[str]) -> bool:
        """Whether a loop body's JS calls nothing that could read or charge the gas counter
        `$G` (only the bail-outs and the helpers that divide), so that it may charge a
        local copy, `$g`, written back as it returns: QuickJS updates a local faster than
        the closure variable. A bail-out needs no write-back: the request reruns."""
        return all(name in _GAS_FREE_CALLS for x in stmts for name in _CALLED.findall(x))

    @staticmethod
    def computed_in_order(args: list[str], order: list[int]) -> bool:
        """Whether evaluating `args` in `order` (not their lowering order) reads no
        `computed_once` temporary before the argument that assigns it."""
        assigned_at = {t: p for p, k in enumerate(order) for t in _TEMP_ASSIGNED.findall(args[k])}
        return all(assigned_at.get(t, p) <= p for p, k in enumerate(order) for t in _TEMP.findall(args[k]))

    def computed_once(self, e: n.Binary, lower) -> str:
        """`lower()`, the fast-tier JS of arithmetic `e`; when the function body computes the
        same value elsewhere, the first occurrence in a region keeps it in a temporary and
        later ones in that region (which run after it: a region runs straight through) read
        it. Each occurrence is still charged (the caller charges `e`'s own cost, and its
        operands were lowered, and so charged, already)."""
        if id(e) not in self.repeated:
            return lower()
        slot = (self.arithmetic_key(e), self.region)
        if slot in self.frame.computed:
            temp, self.intervals[id(e)] = self.frame.computed[slot]
            return temp
        js = lower()
        temp = f"$c{len(self.frame.temps) + 1}"
        self.frame.temps.append(temp)
        self.frame.computed[slot] = (temp, self.intervals[id(e)])
        return f"({temp} = {js})"

    # ------------------------------------------------------------ fast-tier ranges
    # Doubles are exact while a result lies within ±EXACT_INTEGER, and a rounded result
    # never lies within ±FAST_INTEGER (spec/execution.md section 11). What the lowering
    # knows of each operand's range (literals, and the conditions of the branches it is
    # in) decides which check a result needs: none, one bound, or both. An operand of
    # `+ - *` or of a comparison (`exact_operands`) needs none while it is exact.
    def checked_arithmetic(self, e: n.Binary, left: str, right: str) -> str:
        (a, b), (c, d) = self.interval(e.left), self.interval(e.right)
        corners = {"+": (a + c, b + d), "-": (a - d, b - c)}.get(e.op) or (
            min(a * c, a * d, b * c, b * d), max(a * c, a * d, b * c, b * d))
        lo, hi = corners
        js = f"({left}) {e.op} ({right})"
        if id(e) in self.exact_operands and -EXACT_INTEGER <= lo and hi <= EXACT_INTEGER:
            self.intervals[id(e)] = (lo, hi)
            return f"({js})"
        self.intervals[id(e)] = (max(lo, -FAST_INTEGER), min(hi, FAST_INTEGER))
        if (lo >= -FAST_INTEGER and hi <= FAST_INTEGER) or self.frame.unchecked:
            return f"({js})"
        # One bound: compared with the int32 bound first, which QuickJS does on its fast
        # path when the result is an int32 (a comparison with a double never is).
        if lo >= -FAST_INTEGER:
            test = f"($u = {js}) <= {INT32_MAX} || $u <= {FAST_INTEGER}"
        elif hi <= FAST_INTEGER:
            test = f"($u = {js}) >= -{INT32_MAX} || $u >= -{FAST_INTEGER}"
        else:
            test = f"($u = {js}) * $u < {FAST_SQUARE_BOUND}"
        return f"(({test}) ? $u : $bail())"

    def division(self, e: n.Binary, left: str, right: str) -> str:
        """`/` or `%` in the fast tier: inline when the divisor is known not to be 0 (and,
        for `/`, is a literal or a local, maybe negated: it is read twice), else the
        bailing-out helper. The result never leaves the range of the dividend."""
        (a, b), (c, d) = self.interval(e.left), self.interval(e.right)
        if e.op == "%":
            largest = max(abs(c), abs(d), 1) - 1    # |a % b| < |b|, with the sign of a
            self.intervals[id(e)] = (max(a, -largest) if a < 0 else 0, min(b, largest) if b > 0 else 0)
        else:
            largest = max(abs(a), abs(b))
            self.intervals[id(e)] = (-largest, largest)
        if not (c > 0 or d < 0):
            return f"{FAST_NUMBER_OPS[e.op]}({left}, {right})"
        if e.op == "%":
            return f"(({left}) % ({right}))"
        divisor = e.right.operand if isinstance(e.right, n.Unary) and e.right.op == "-" else e.right
        if isinstance(divisor, (n.IntLit, n.Name)):     # exact: $u - $u % b is a multiple of b
            return f"((($u = {left}) - $u % ({right})) / ({right}))"
        return f"$idiv({left}, {right})"

    def interval(self, e) -> tuple[int, int]:
        """The range a fast-tier `number` expression's value is known to lie in."""
        if isinstance(e, n.IntLit) and abs(e.value) <= FAST_INTEGER:
            return (e.value, e.value)
        if isinstance(e, n.Name):
            return self.frame.bounds.get(id(self.typed.refs.get(id(e))), FAST_RANGE)
        if isinstance(e, n.Unary) and e.op == "-":
            lo, hi = self.interval(e.operand)
            return (-hi, -lo)
        return self.intervals.get(id(e), FAST_RANGE)

    def knowing(self, cond, holds: bool, lower):
        """`lower()` with what `cond` evaluating to `holds` says about number locals."""
        if not self.fast:
            return lower()
        saved = self.frame.bounds
        self.frame.bounds = dict(saved)
        self.learn(cond, holds)
        try:
            return lower()
        finally:
            self.frame.bounds = saved

    def learn(self, cond, holds: bool) -> None:
        """Narrow `self.frame.bounds` by `cond` evaluating to `holds`."""
        if isinstance(cond, n.Unary) and cond.op == "!":
            self.learn(cond.operand, not holds)
        elif isinstance(cond, n.Binary) and cond.op in ("&&", "||"):
            if holds == (cond.op == "&&"):      # both sides took the same value
                self.learn(cond.left, holds)
                self.learn(cond.right, holds)
        elif (isinstance(cond, n.Binary) and cond.op in n.NEGATED_COMPARISON
              and self.type_of(cond.left) == NUMBER):
            op = cond.op if holds else n.NEGATED_COMPARISON[cond.op]
            self.narrow(cond.left, op, self.interval(cond.right))
            self.narrow(cond.right, n.MIRRORED_COMPARISON[op], self.interval(cond.left))

    def narrow(self, e, op: str, other: tuple[int, int]) -> None:
        """Record that local `e` (if it is one) satisfies `e op x` for some x in `other`."""
        sym = self.typed.refs.get(id(e)) if isinstance(e, n.Name) else None
        if not isinstance(sym, Local):
            return
        lo, hi = self.frame.bounds.get(id(sym), FAST_RANGE)
        if op in ("<", "<=", "=="):
            hi = min(hi, other[1] - (op == "<"))
        if op in (">", ">=", "=="):
            lo = max(lo, other[0] + (op == ">"))
        if op == "!=" and other[0] == other[1]:     # an end of the range excluded
            lo, hi = lo + (lo == other[0]), hi - (hi == other[0])
        self.frame.bounds[id(sym)] = (lo, hi)

    def expr_Await(self, e: n.Await) -> str:
        return self.charged(gas.op_cost("await"), self.expr(e.expr))


def lower_program(result: CheckResult, instrument: bool = True, fast_tier: bool = True) -> str:
    """The JavaScript program for a checked program (raises LoweringError for unsupported constructs).

    `instrument=False` leaves out the gas charges (library surcharges remain); it exists
    only to measure what instrumentation costs (benchmarks/vm_speed.py). `fast_tier=False`
    emits only the precise tier (tests use it to check that tier on its own).
    """
    return Lowering(result, instrument, fast_tier).lower()
