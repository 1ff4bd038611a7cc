"""Fusible list pipelines: the fast tier's one-loop form of nested list calls.

A pipeline is a chain of `List.map` / `List.filter` calls over a list, optionally
ending in `List.fold` or `List.length`, as `|>` writes it:

    List.range(0, n) |> List.map((x) => x * 3) |> List.filter((x) => x % 2 == 0)
                     |> List.fold(0, (acc, x) => acc + x)

where every callback is a lambda written in the call whose body calls nothing (so it
performs no effect, reads no call depth and returns no tail-call marker: its only way
to stop is a bail-out, after which the precise tier reruns the request), and so does
a fold's initial value. The fast tier then runs all the callbacks in one loop, element
by element (the one-expression ones written in place), without building the
intermediate lists (or the `List.range` source), and charges what the separate calls
would have charged once the loop has counted the elements (spec/execution.md §12
rule 7). A lone `List.map` whose callback is one expression runs as such a loop too.
`fusible_pipeline` finds these chains; analysis only: the lowering emits the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import nodes as n
from .visitor import walk

STAGES = ("List.map", "List.filter")
SINK = "List.fold"
COUNT = "List.length"           # a last step without a callback: the number of elements
SOURCE = "List.range"
OUTERMOST = (*STAGES, SINK, COUNT)    # the library functions a pipeline can end in


@dataclass(frozen=True)
class Step:
    """One call of the chain: its library function and the call node."""
    builtin: str
    call: n.Call

    @property
    def callback(self) -> n.Lambda:
        return self.call.args[-1]


@dataclass(frozen=True)
class Pipeline:
    """`source` (a list expression, or the `List.range` call when `from_range`) and the
    steps applied to it, innermost (first to run) first."""
    source: n.Node
    from_range: bool
    steps: tuple[Step, ...]


def fusible_pipeline(e: n.Call, builtin_of: Callable[[n.Node], str | None]) -> Pipeline | None:
    """The pipeline whose outermost call is `e` when fusing it saves at least one list,
    or is a lone `List.map` whose callback is written in place (a loop filling a list of
    known length beats the native `Array.prototype.map` calling a closure);
    `builtin_of(callee)` names the library function a callee denotes, or None."""
    steps: list[Step] = []
    node: n.Node = e
    while isinstance(node, n.Call) and _is_step(node, builtin_of, sink_allowed=not steps):
        steps.append(Step(builtin_of(node.callee), node))
        node = node.args[0]
    from_range = isinstance(node, n.Call) and builtin_of(node.callee) == SOURCE
    lone_map = len(steps) == 1 and steps[0].builtin == "List.map" and written_in_place(steps[0].callback)
    if len(steps) + from_range < 2 and not lone_map:
        return None
    return Pipeline(node, from_range, tuple(reversed(steps)))


def written_in_place(callback: n.Lambda) -> bool:
    """Whether the loop writes the callback's body in place of a call: its body is one
    expression (not a block, `if` or `match`, which lower to statements)."""
    return not isinstance(callback.body, (n.Block, n.If, n.Match))


def _is_step(e: n.Call, builtin_of, sink_allowed: bool) -> bool:
    """A map or filter (or, as the last step, a length, or a fold) whose callback is a
    lambda calling nothing. A fold's initial value must call nothing either: the loop
    computes it before the callbacks of the steps below, which may stop the request
    first, so it must not be able to perform an effect."""
    name = builtin_of(e.callee)
    if sink_allowed and name == COUNT:
        return True
    if not (name in STAGES or (sink_allowed and name == SINK)):
        return False
    callback = e.args[-1]
    if not isinstance(callback, n.Lambda):
        return False
    return not any(_calls(x) for x in ([callback.body, e.args[1]] if name == SINK else [callback.body]))


def _calls(e: n.Node) -> bool:
    """Whether `e` contains a call, an `await` or a closure."""
    return any(isinstance(x, (n.Call, n.Await, n.Lambda, n.FunctionDecl)) for x in walk(e))
