"""The typed, effect-checked IR the front end hands to later stages."""

from __future__ import annotations

import hashlib

from mtpscript.compiler import nodes as n
from mtpscript.compiler.modules import check_source
from mtpscript.compiler.types import show

PROGRAM = """\
type Color = Red | Green | Custom(string)
type Tree<T> = Leaf(T) | Node(Tree<T>, Tree<T>)

function save(n: number): Result<number, DbError> uses { DbWrite, Log } {
  Log.info("save", n)
  DbWrite.exec("insert", [JsonInt(n)])
}
function twice(n: number): number { n * 2 }
function both(n: number): number uses { DbWrite, Log, HttpOut } {
  save(twice(n)) |> Result.unwrapOr(0)
}
api GET "/a/:id" uses { Async, Log } {
  const r = await HttpOut.get("https://x.example")
  Log.debug("got", request.params.id)
  respond json(Result.isOk(r))
}
"""


def checked():
    result = check_source(PROGRAM, "prog.mtp")
    assert result.diagnostics == []
    return result.modules["prog.mtp"].checked


def test_effect_sets_of_every_function_and_route():
    ir = checked()
    decls = {getattr(d, "name", None) or f"{d.method} {d.path}": d for d in ir.typed.module.items}
    summary = {name: (sorted(ir.of(d).declared), sorted(ir.of(d).used)) for name, d in decls.items()
               if isinstance(d, (n.FunctionDecl, n.ApiDecl))}
    assert summary == {
        "save": (["DbWrite", "Log"], ["DbWrite", "Log"]),
        "twice": ([], []),
        "both": (["DbWrite", "HttpOut", "Log"], ["DbWrite", "Log"]),
        "GET /a/:id": (["Async", "Log"], ["Async", "Log"]),
    }


def test_every_expression_has_a_resolved_type():
    ir = checked()
    both = next(d for d in ir.typed.module.items if getattr(d, "name", "") == "both")
    call = both.body.stmts[0].expr
    assert call.piped and show(ir.typed.type_of(call)) == "number"
    assert show(ir.typed.type_of(call.args[0])) == "Result<number, DbError>"


def test_union_content_hash_is_sha256_of_the_canonical_variant_list():
    ir = checked()
    hashes = {u.name: u.content_hash for u in ir.typed.unions}
    assert hashes["Color"] == hashlib.sha256(b"Color<>|Red()|Green()|Custom(string)").hexdigest()[:16]
    assert hashes["Tree"] == hashlib.sha256(b"Tree<T>|Leaf(T)|Node(Tree<T>,Tree<T>)").hexdigest()[:16]


def test_routes_carry_their_path_parameters():
    ir = checked()
    [route] = ir.typed.routes
    assert (route.method, route.path, route.params, route.body_type) == ("GET", "/a/:id", ["id"], None)
