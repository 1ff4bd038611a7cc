"""Base cases a caller can test itself: the fast tier's leaf calls without a call.

A recursive function whose body is one tail `if` or `match` with a *trivial* branch,
taken on a comparison of the parameters and computing a literal, a parameter or a
nullary constructor, calls nothing and cannot fail on that branch:

    function fib(n: number): number { if (n < 2) { n } else { fib(n - 1) + fib(n - 2) } }
    function sum(t: Tree): number { match t { Leaf => 0, Node(l, v, r) => sum(l) + v + sum(r) } }

Half of the calls such a function makes to itself end there. In the fast tier a self
call then evaluates its arguments, makes the branch's test itself and, when it holds,
takes the branch's value (charging what the callee would have charged) instead of
calling (spec/execution.md section 12, rule 8). `base_case` finds the branch; analysis
only: the lowering writes the test and the value.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import nodes as n
from .checker import CtorSym, Local, TypedModule
from .types import NUMBER, prune


@dataclass(frozen=True)
class BaseCase:
    """The trivial branch of a function body's tail `if` or `match`.

    `branch`: its index among the body's tail branches (`then` 0, `else` 1; a match
    arm's index). `value`: what it computes. An `if`: `test` is the condition and the
    branch is taken when it evaluates to `holds`. A `match`: `test` is the arm's pattern
    and `subject` the index of the parameter the match is on."""
    branch: int
    value: n.Node
    test: n.Node
    holds: bool = True
    subject: int | None = None


def base_case(decl: n.FunctionDecl, typed: TypedModule) -> BaseCase | None:
    """The trivial branch of `decl`'s body (its only statement a tail `if` or `match`
    on its parameters), or None."""
    params = [typed.binders[id(p)] for p in decl.params]
    if len(decl.body.stmts) != 1 or not isinstance(decl.body.stmts[0], (n.ExprStmt, n.Return)):
        return None
    body = decl.body.stmts[0].expr
    if isinstance(body, n.If) and _is_test(body.cond, params, typed):
        for branch, block in enumerate((body.then, body.otherwise)):
            value = _only_value(block)
            if value is not None and _is_trivial(value, params, typed):
                return BaseCase(branch, value, body.cond, holds=branch == 0)
    if isinstance(body, n.Match) and body.arms:
        subject = _parameter_index(body.subject, params, typed)
        arm = body.arms[0]
        value = _only_value(arm.body)
        if (subject is not None and value is not None and _is_constant_pattern(arm.pattern, typed)
                and _is_trivial(value, params, typed)):
            return BaseCase(0, value, arm.pattern, subject=subject)
    return None


def _only_value(e) -> n.Node | None:
    """The expression a branch body computes when it is nothing but that expression."""
    while isinstance(e, n.Block):
        if len(e.stmts) != 1 or not isinstance(e.stmts[0], n.ExprStmt):
            return None
        e = e.stmts[0].expr
    return e


def _parameter_index(e, params: list, typed: TypedModule) -> int | None:
    sym = typed.refs.get(id(e)) if isinstance(e, n.Name) else None
    return next((k for k, p in enumerate(params) if p is sym), None)


def _is_trivial(e, params: list, typed: TypedModule) -> bool:
    """A literal, a parameter or a nullary constructor: a value that cannot fail."""
    if isinstance(e, (n.IntLit, n.BoolLit)):
        return True
    if _parameter_index(e, params, typed) is not None:
        return True
    sym = typed.refs.get(id(e)) if isinstance(e, n.Name) else None
    return isinstance(sym, CtorSym) and not sym.variant.field_names


def _is_test(e, params: list, typed: TypedModule) -> bool:
    """A comparison of number parameters and literals, maybe negated: a test whose cost
    the body's first region holds (the right operand of `&&` or `||` has a region of its
    own, which a run of the body charges only when it evaluates it)."""
    if isinstance(e, n.Unary) and e.op == "!":
        return _is_test(e.operand, params, typed)
    return (isinstance(e, n.Binary) and e.op in n.NEGATED_COMPARISON
            and all(prune(typed.types[id(x)]) == NUMBER
                    and (isinstance(x, n.IntLit) or _parameter_index(x, params, typed) is not None)
                    for x in (e.left, e.right)))


def _is_constant_pattern(p, typed: TypedModule) -> bool:
    """A pattern that binds nothing and tests one value: a nullary constructor or a
    number literal."""
    if isinstance(p, n.PName):
        return not isinstance(typed.binders.get(id(p)), Local)
    if isinstance(p, n.PCtor):
        return not p.args
    return isinstance(p, n.PLit) and p.kind == "number"
