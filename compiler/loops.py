"""Counted self tail loops: the fast tier's bound on what a loop can compute.

A self tail loop (a function whose only self call is a tail call, lowered to a JS
`for (;;)`) is *counted* when its body is

    [const bindings]  if (i REL b) { ... } else { f(..., i - s, ..., acc + e, ...) }

(the self call in either branch, the other branch free of it; or the same as a
`match (i REL b) { true => ..., false => ... }`), where `i` is a `number`
parameter stepping by a literal `s >= 1` towards `b` (a literal or a parameter the loop
passes on unchanged), and every other parameter is passed on unchanged or is a number
accumulator: its new value adds and subtracts terms of which `acc` is exactly one and
the others read no accumulator (`acc + i * i`, `x - acc + 1`), so |acc| grows by at most
their magnitude each run.
The loop then runs at most |i - b| + 1 times, so from the parameters' values on entry
the fast tier bounds the magnitude of every number the body computes (spec/execution.md
§12 rule 6). `counted_loop` finds such a loop; `CountedLoop.entry_test` writes the
JavaScript that computes the bound. Analysis only: the lowering emits the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import nodes as n
from .checker import FunctionSym, Local, TypedModule
from .types import NUMBER, prune
from .visitor import walk

BOUND_LIMIT = 2**50      # below the fast range, 2^51 - 1, with room for the rounding of the bound's own doubles
MAX_BOUNDED_NODES = 24   # larger bodies are not versioned (the entry test would grow with them)
_ARITHMETIC = ("+", "-", "*", "/", "%")
# The comparisons `i REL b` under which the loop may go on, per direction of the step.
_CONTINUES = {-1: (">", ">=", "!="), 1: ("<", "<=", "!=")}


@dataclass
class CountedLoop:
    """A counted loop: the roles of its parameters and the magnitude bounds of its numbers."""
    induction: int                  # index of the parameter `i`
    step: int                       # +s or -s
    relation: str                   # `i relation b` holds while the loop goes on
    limit: n.Node                   # `b`: an IntLit or a Name of an unchanged parameter
    accumulators: dict[int, list[n.Node]]  # parameter index -> the terms of its increment
    magnitudes: list[n.Node]        # every + - * node whose value the test must bound
    _decl: n.FunctionDecl
    _typed: TypedModule
    _bindings: dict[int, n.Node]    # id(Local) of each `const` in the body -> its value

    def entry_test(self, params: list[str], gas_per_run: int) -> tuple[list[str], str]:
        """(statements, condition) in JS, given the parameters' JS names on entry: the
        condition holds when the loop surely ends within the gas limit (`$g`, `$L`: the
        loop's local gas counter and the limit; each run of the body charges at most
        `gas_per_run`) and no number it computes leaves ±BOUND_LIMIT. The statements
        assign the temporaries `$t` (runs), `$m0` (the bound of `i`) and `$mK`
        (accumulator K's bound), all `var`s of the function."""
        bounds = _Bounds(self, params)
        i, b = params[self.induction], bounds.js(self.limit)
        stmts = [f"$t = Math.abs({i} - {b}) + 1;",
                 f"$m0 = Math.max(Math.abs({i}), {bounds.magnitude(self.limit)}) + {abs(self.step)};"]
        for k, increment in self.accumulators.items():
            step = " + ".join(bounds.magnitude(term) for term in increment)
            stmts.append(f"$m{k + 1} = Math.abs({params[k]}) + $t * ({step});")
        tests = []
        if self.relation == "!=":       # the loop reaches b only from the right side
            tests.append(f"{i} {'>=' if self.step < 0 else '<='} {b}")
        if gas_per_run:
            tests.append(f"$g + ($t + 1) * {gas_per_run} < $L")
        tests += [f"{bounds.magnitude(e)} <= {BOUND_LIMIT}" for e in self.magnitudes]
        tests += [f"$m{k + 1} <= {BOUND_LIMIT}" for k in self.accumulators]
        return stmts, " && ".join(tests) or "true"

    def temporaries(self) -> list[str]:
        return ["$t", "$m0", *(f"$m{k + 1}" for k in self.accumulators)]


class _Bounds:
    """JS expressions for the magnitude bound of a loop body's number expressions."""

    def __init__(self, loop: CountedLoop, params: list[str]):
        self.loop, self.params = loop, params
        typed = loop._typed
        self.refs = typed.refs
        self.index = {id(typed.binders[id(p)]): k for k, p in enumerate(loop._decl.params)}

    def js(self, e) -> str:
        """A literal or an unchanged parameter, as JS."""
        if isinstance(e, n.IntLit):
            return str(e.value)
        return self.params[self.index[id(self.refs[id(e)])]]

    def magnitude(self, e) -> str:
        if isinstance(e, n.IntLit):
            return str(abs(e.value))
        if isinstance(e, n.Name):
            sym = id(self.refs[id(e)])
            if sym in self.loop._bindings:
                return self.magnitude(self.loop._bindings[sym])
            k = self.index[sym]
            if k == self.loop.induction:
                return "$m0"
            if k in self.loop.accumulators:
                return f"$m{k + 1}"
            return f"Math.abs({self.params[k]})"
        if isinstance(e, n.Unary):
            return self.magnitude(e.operand)
        left = self.magnitude(e.left)
        if e.op in ("/", "%"):          # |a / b| and |a % b| are at most |a|
            return left
        return f"({left} {e.op if e.op == '*' else '+'} {self.magnitude(e.right)})"


def counted_loop(decl: n.FunctionDecl, sym: FunctionSym, typed: TypedModule) -> CountedLoop | None:
    """The counted loop `decl` is, if it is one (see the module docstring), else None."""
    params = {id(typed.binders[id(p)]): k for k, p in enumerate(decl.params)}
    body = decl.body
    *lets, last = body.stmts
    calls = [x for x in walk(body) if isinstance(x, n.Call)]
    if (not all(isinstance(s, n.Binding) for s in lets) or not isinstance(last, (n.ExprStmt, n.Return))
            or any(isinstance(x, (n.Lambda, n.FunctionDecl, n.Await)) for x in walk(body)) or len(calls) != 1):
        return None
    call = calls[0]
    exit_test = _exit_test(last.expr, call)
    if typed.refs.get(id(call.callee)) is not sym or exit_test is None:
        return None
    cond, loops_on = exit_test
    # The loop goes on while `cond` is `loops_on`: as `i relation b`.
    if not (isinstance(cond, n.Binary) and cond.op in n.NEGATED_COMPARISON
            and prune(typed.types[id(cond.left)]) == NUMBER):
        return None
    relation = cond.op if loops_on else n.NEGATED_COMPARISON[cond.op]

    def param_of(e) -> int | None:
        return params.get(id(typed.refs.get(id(e)))) if isinstance(e, n.Name) else None

    def unchanged(k: int) -> bool:
        return param_of(call.args[k]) == k

    left, right = param_of(cond.left), param_of(cond.right)
    if left is not None and not unchanged(left):
        induction, limit = left, cond.right
    elif right is not None and not unchanged(right):
        induction, limit, relation = right, cond.left, n.MIRRORED_COMPARISON[relation]
    else:
        return None
    if not (isinstance(limit, n.IntLit) or (param_of(limit) is not None and unchanged(param_of(limit)))):
        return None
    step_arg = call.args[induction]
    if not (isinstance(step_arg, n.Binary) and step_arg.op in ("+", "-") and param_of(step_arg.left) == induction
            and isinstance(step_arg.right, n.IntLit) and step_arg.right.value >= 1):
        return None
    step = step_arg.right.value * (1 if step_arg.op == "+" else -1)
    if relation not in _CONTINUES[1 if step > 0 else -1] or (relation == "!=" and abs(step) != 1):
        return None
    accumulators: dict[int, list[n.Node]] = {}
    for k, arg in enumerate(call.args):
        if k == induction or unchanged(k):
            continue
        increment = _increment(arg, k, param_of)
        if increment is None or prune(typed.types[id(arg)]) != NUMBER:
            return None
        accumulators[k] = increment
    bindings = {id(typed.binders[id(x)]): x.value for x in walk(body) if isinstance(x, n.Binding)}
    loop = CountedLoop(induction, step, relation, limit, accumulators, [], decl, typed, bindings)
    loop.magnitudes = [x for x in walk(body) if isinstance(x, n.Binary) and x.op in ("+", "-", "*")
                       and prune(typed.types[id(x)]) == NUMBER]
    if len(loop.magnitudes) > MAX_BOUNDED_NODES or not _bounded(loop, typed, param_of):
        return None
    return loop


def _exit_test(tail, call: n.Call) -> tuple[n.Node, bool] | None:
    """(cond, v) when `tail` is `if (cond) {…} else {…}` or `match (cond) { true => …,
    false => … }` (either arm `_`) with `call` ending the branch or arm taken when `cond`
    is v and not in the other."""
    def ends_in_call(x) -> bool:
        if isinstance(x, n.Block):
            x = x.stmts[-1]
        return (x.expr if isinstance(x, (n.ExprStmt, n.Return)) else x) is call

    if isinstance(tail, n.If) and isinstance(tail.otherwise, n.Block):
        branches = [(True, tail.then), (False, tail.otherwise)]
    elif isinstance(tail, n.Match) and len(tail.arms) == 2:
        values = [a.pattern.value if isinstance(a.pattern, n.PLit) and a.pattern.kind == "boolean" else None
                  for a in tail.arms]
        if values[0] is None or values[1] == values[0]:
            return None
        branches = [(values[0], tail.arms[0].body), (not values[0], tail.arms[1].body)]
    else:
        return None
    taken = [v for v, body in branches if ends_in_call(body)]
    return ((tail.cond if isinstance(tail, n.If) else tail.subject), taken[0]) if len(taken) == 1 else None


def _increment(arg, k: int, param_of) -> list[n.Node] | None:
    """The terms other than `acc` when `arg` is a sum or difference of terms of which
    parameter `k` (`acc`) is exactly one: then |acc'| <= |acc| + the terms' magnitudes."""
    terms, stack = [], [arg]
    while stack:
        e = stack.pop()
        if isinstance(e, n.Binary) and e.op in ("+", "-"):
            stack += [e.left, e.right]
        else:
            terms.append(e)
    rest = [t for t in terms if param_of(t) != k]
    return rest if len(rest) == len(terms) - 1 and rest else None


def _bounded(loop: CountedLoop, typed: TypedModule, param_of) -> bool:
    """Whether every arithmetic node of the body has a magnitude bound: literals, number
    parameters, number bindings of such expressions, unary minus, + - * / %; and no
    increment reads an accumulator (its bound would grow faster than linearly). A
    binding's value reads only names bound before it, so following them ends."""
    def ok(e, accumulators_allowed: bool) -> bool:
        if isinstance(e, n.IntLit):
            return abs(e.value) < BOUND_LIMIT
        if isinstance(e, n.Name):
            sym = typed.refs.get(id(e))
            if id(sym) in loop._bindings:
                return ok(loop._bindings[id(sym)], accumulators_allowed)
            k = param_of(e)
            return (isinstance(sym, Local) and k is not None and prune(typed.types[id(e)]) == NUMBER
                    and (accumulators_allowed or k not in loop.accumulators))
        if isinstance(e, n.Unary) and e.op == "-":
            return ok(e.operand, accumulators_allowed)
        if isinstance(e, n.Binary) and e.op in _ARITHMETIC:
            return ok(e.left, accumulators_allowed) and ok(e.right, accumulators_allowed)
        return False

    return (all(ok(term, False) for terms in loop.accumulators.values() for term in terms)
            and all(ok(x, True) for x in walk(loop._decl.body)
                    if isinstance(x, n.Binary) and x.op in _ARITHMETIC and prune(typed.types[id(x)]) == NUMBER))
