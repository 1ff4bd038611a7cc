"""Parser behaviour: desugaring, spans, look-ahead tokens and error recovery."""

from __future__ import annotations

from dataclasses import fields

import pytest

from mtpscript.compiler import nodes as n
from mtpscript.compiler.diagnostics import DiagnosticSink, Span
from mtpscript.compiler.parser import parse
from mtpscript.compiler.visitor import walk


def parse_ok(text: str) -> n.Module:
    sink = DiagnosticSink()
    module = parse(text, "t.mtp", sink)
    assert sink.items == []
    return module


def shape(node):
    """A span-free structural dump of an AST."""
    if isinstance(node, n.Node):
        return (type(node).__name__,) + tuple(shape(getattr(node, f.name)) for f in fields(node)
                                              if f.name not in ("span", "name_span", "op_span", "piped"))
    if isinstance(node, (list, tuple)):
        return tuple(shape(x) for x in node if not isinstance(x, Span))
    return node


def body_expr(text: str):
    module = parse_ok(f"const v = {text}\n")
    return shape(module.items[0].value)


@pytest.mark.parametrize("piped, direct", [
    ("xs |> f", "f(xs)"),
    ("xs |> f(1, 2)", "f(xs, 1, 2)"),
    ("a |> b |> c", "c(b(a))"),
    ("xs |> List.map((x) => x + 1) |> List.length", "List.length(List.map(xs, (x) => x + 1))"),
    ("1 + 2 |> f", "f(1 + 2)"),
    ("a || b |> f", "f(a || b)"),
])
def test_pipeline_desugars_to_the_same_call(piped, direct):
    assert body_expr(piped) == body_expr(direct)


def test_precedence_matches_the_spec():
    assert body_expr("1 + 2 * 3 == 7 && !x || y") == body_expr("(((1 + (2 * 3)) == 7) && (!x)) || y")
    assert body_expr("-a.b(c)[0]") == body_expr("-(((a.b)(c))[0])")


@pytest.mark.parametrize("text", ["(x) => x + 1", "(x: number): number => { x + 1 }", "function (x) { x }"])
def test_three_lambda_forms(text):
    assert isinstance(parse_ok(f"const f = {text}\n").items[0].value, n.Lambda)


def test_keywords_are_names_after_dot_and_before_colon():
    module = parse_ok("const r = { type: 1, match: 2 }\nconst t = r.type + r.match\n")
    assert [f[0] for f in module.items[0].value.fields] == ["type", "match"]
    assert module.items[1].value.left.name == "type"


def test_negative_literal_pattern_after_newline():
    module = parse_ok("const s = match n {\n  0 => \"zero\"\n  -1 => \"minus\"\n  _ => \"other\"\n}\n")
    arms = module.items[0].value.arms
    assert [a.pattern.value for a in arms[:2]] == [0, -1]


def test_every_node_span_lies_inside_the_source():
    text = ("type T = A | B(number)\nfunction f(t: T): number {\n  match t { A => 0, B(n) => n * 2 }\n}\n"
            "api GET \"/x/:id\" uses { Log } {\n  Log.info(\"x\", request.params.id)\n  respond json([1, 2])\n}\n")
    lines = text.splitlines()
    module = parse_ok(text)
    for node in walk(module):
        s = node.span
        assert 1 <= s.line <= s.end_line <= len(lines)
        assert (s.line, s.column) <= (s.end_line, s.end_column)


def test_syntax_errors_in_separate_declarations_are_all_reported():
    sink = DiagnosticSink()
    module = parse("function a(): number { 1 + }\nfunction b(): number { 2 }\nconst c = [1, 2\n"
                   "function d(): number { ) }\n", "t.mtp", sink)
    assert [(d.code, d.span.line, d.span.column) for d in sink.items] == [
        ("E0004", 1, 28), ("E0005", 3, 16), ("E0004", 4, 24)]
    assert [item.name for item in module.items] == ["b"]


def test_rejections_do_not_cascade_into_syntax_errors():
    sink = DiagnosticSink()
    parse("function f(n: number): number {\n  while (n > 0) { n-- }\n  n\n}\n", "t.mtp", sink)
    assert [(d.code, d.span.line, d.span.column) for d in sink.items] == [("E0108", 2, 3)]
