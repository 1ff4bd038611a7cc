"""Request/response plumbing (runtime/dispatch.py), on its own and through the reference interpreter."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from types import SimpleNamespace

import pytest

from mtpscript.compiler import gas
from mtpscript.compiler.modules import check_source
from mtpscript.runtime import dispatch
from mtpscript.runtime.dispatch import BadRequest, Request, Response, decode_body, error_response, select_route, \
    split_target
from mtpscript.runtime.reference import run_reference
from mtpscript.stdlib.values import NONE, MtpMap, Record, Variant, some

O = gas.op_cost
L = gas.stdlib_cost
sur = gas.surcharge


@lru_cache(maxsize=None)
def program(src: str):
    result = check_source(src)
    assert result.ok, [d.message for d in result.diagnostics]
    return result


def run(src, method, target, body=b"", headers=None, limit=10_000_000):
    return run_reference(program(src), Request.from_target(method, target, headers, body), limit)


# ---------------------------------------------------------------- pure plumbing
def test_split_target():
    assert split_target("/a/b?x=1&y=2") == ("/a/b", {"x": "1", "y": "2"})
    assert split_target("/a?x=1&x=2&&flag") == ("/a", {"x": "2", "flag": ""})
    assert split_target("/a?na%20me=v%C3%A9+w") == ("/a", {"na me": "v\u00e9+w"})
    assert split_target("/plain") == ("/plain", {})


def routes(*specs):
    out = []
    for spec in specs:
        method, path = spec.split(" ")
        params = [seg[1:] for seg in path.split("/") if seg.startswith(":")]
        out.append(SimpleNamespace(method=method, path=path, params=params, name=spec))
    return out


def test_select_route_specificity():
    rs = routes("GET /users/:id", "GET /users/me", "GET /a/:x/c", "GET /a/b/:y", "POST /users/:id", "GET /")
    pick = lambda method, path: (lambda r: r and (r[0].name, r[1]))(select_route(rs, method, path))
    assert pick("GET", "/users/me") == ("GET /users/me", {})
    assert pick("GET", "/users/42") == ("GET /users/:id", {"id": "42"})
    assert pick("GET", "/a/b/c") == ("GET /a/b/:y", {"y": "c"})      # literal wins at the first difference
    assert pick("GET", "/a/z/c") == ("GET /a/:x/c", {"x": "z"})
    assert pick("POST", "/users/me") == ("POST /users/:id", {"id": "me"})
    assert pick("GET", "/users/42/") == ("GET /users/:id", {"id": "42"})   # trailing slash ignored
    assert pick("GET", "/users/a%2Fb%20c") == ("GET /users/:id", {"id": "a/b c"})
    assert pick("GET", "/") == ("GET /", {})
    assert pick("GET", "/users//x") is None
    assert pick("DELETE", "/users/42") is None
    assert pick("get", "/users/42") is None
    assert pick("GET", "/users") is None
    assert pick("GET", "users/42") is None


def test_error_response_and_envelope():
    r = error_response("NotFound", 404, method="GET", path="/x")
    assert (r.status, r.headers) == (404, {"content-type": "application/json"})
    assert r.body == b'{"error":"NotFound","method":"GET","path":"/x"}'
    assert error_response("InvalidStatus", 500, status=700).body == b'{"error":"InvalidStatus","status":700}'
    resp = Response(200, {"content-type": "text/plain; charset=utf-8"}, "h\u00e9".encode())
    digest = hashlib.sha256("h\u00e9".encode()).hexdigest()
    assert resp.envelope(7, 100) == (
        '{"body":"h\u00e9","gasLimit":100,"gasUsed":7,"headers":{"content-type":"text/plain; charset=utf-8"},'
        f'"sha256":"{digest}","status":200}}').encode()


TYPES = """
type Item { name: string, amount: Decimal, qty: number, note: Option<string> }
type Order { items: List<Item>, tags: Map<string, boolean>, paid: Result<number, string> }
type Shape = Dot | Circle(number) | Rect(number, number) | Named(w: number, h: number)
type Nest = End | More(Nest)
api POST "/order" (body: Order) { respond json(body) }
api POST "/shape" (body: List<Shape>) { respond json(body) }
api POST "/nest" (body: Nest) { respond text("ok") }
api POST "/json" (body: Json) { respond json(body) }
"""


def body_type(path: str):
    for route in program(TYPES).modules["input.mtp"].checked.typed.routes:
        if route.path == path:
            return route.body_type
    raise KeyError(path)


def bad(path: str, data) -> tuple[str, str]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    with pytest.raises(BadRequest) as info:
        decode_body(body_type(path), raw)
    return info.value.field, info.value.message


GOOD_ORDER = {"items": [{"name": "a", "amount": 1.50, "qty": 2, "note": "n"}, {"name": "b", "amount": 3, "qty": 1}],
              "tags": {"x": True}, "paid": {"ok": 5}}


def test_decode_body_good():
    value = decode_body(body_type("/order"), json.dumps(GOOD_ORDER).encode())
    from decimal import Decimal
    assert value == Record({
        "items": (Record({"name": "a", "amount": Decimal("1.5"), "qty": 2, "note": some("n")}),
                  Record({"name": "b", "amount": Decimal(3), "qty": 1, "note": NONE})),
        "tags": MtpMap.from_pairs([("x", True)]),
        "paid": Variant("Result", "Ok", (5,)),
    })
    shapes = decode_body(body_type("/shape"), b'["Dot", {"Circle": 2}, {"Rect": [1, 2]}, {"Named": {"w": 3, "h": 4}}]')
    assert shapes == (Variant("Shape", "Dot"), Variant("Shape", "Circle", (2,)), Variant("Shape", "Rect", (1, 2)),
                      Variant("Shape", "Named", (3, 4), ("w", "h")))


def test_decode_body_errors_name_the_field():
    order = json.loads(json.dumps(GOOD_ORDER))
    order["items"].append({"name": "c", "amount": "x", "qty": 1})
    assert bad("/order", order) == ("$.items[2].amount", "expected a number, found a string")
    order["items"][2] = {"name": "c", "amount": 1, "qty": 1.5}
    assert bad("/order", order) == ("$.items[2].qty", "expected an integer, found a decimal number")
    order["items"][2] = {"name": "c", "amount": 1}
    assert bad("/order", order) == ("$.items[2].qty", "missing field")
    order["items"][2] = {"name": "c", "amount": 1, "qty": 1, "extra": 0, "a-b": 1}
    assert bad("/order", order) == ('$.items[2]["a-b"]', "unknown field")
    assert bad("/order", {**GOOD_ORDER, "paid": {"maybe": 1}})[0] == "$.paid"
    assert bad("/order", {**GOOD_ORDER, "tags": {"x": 1}}) == ("$.tags.x", "expected a boolean, found an integer")
    assert bad("/shape", ["Circle"])[0] == "$[0]"
    assert bad("/shape", [{"Rect": [1]}]) == ("$[0].Rect", "expected an array of 2 values, found 1")
    assert bad("/shape", [{"Named": {"w": 1}}]) == ("$[0].Named.h", "missing field")
    assert bad("/order", b'{"items": [], "items": []}') == ("$", "invalid JSON: duplicate key at byte 14")
    assert bad("/order", b"")[0] == "$"
    assert bad("/order", b"[1,")[0] == "$"


def test_decode_deep_nesting():
    depth = 100
    data = '{"More":' * depth + '"End"' + "}" * depth
    value = decode_body(body_type("/nest"), data.encode())
    for _ in range(depth):
        value = value.fields[0]
    assert value == Variant("Nest", "End")


def test_decode_nesting_beyond_the_value_limit_is_a_bad_request():
    depth = 500
    data = '{"More":' * depth + '"End"' + "}" * depth
    with pytest.raises(BadRequest) as bad:
        decode_body(body_type("/nest"), data.encode())
    assert bad.value.field.startswith("$.More.More.")


def test_request_value():
    route = SimpleNamespace(method="GET", path="/u/:id", params=["id"])
    req = Request("GET", "/u/7", {"q": "1"}, {"X-Token": "t", "Accept": "a"}, b'{"k": [1, 2.5]}')
    value = dispatch.request_value(route, {"id": "7"}, req)
    assert value["params"] == Record({"id": "7"})
    assert value["query"] == MtpMap.from_pairs([("q", "1")])
    assert value["headers"] == MtpMap.from_pairs([("x-token", "t"), ("accept", "a")])
    assert value["body"].name == "JsonObject"
    empty = dispatch.request_value(route, {"id": "7"}, Request("GET", "/u/7"))
    assert empty["body"] == Variant("Json", "JsonNull", ())
    with pytest.raises(BadRequest) as info:
        dispatch.request_value(route, {"id": "7"}, Request("GET", "/u/7", body=b"{oops"))
    assert info.value.field == "$"


# ---------------------------------------------------------------- through the interpreter
ROUTES = """
type Item { name: string, amount: Decimal, qty: number }
type Order { items: List<Item> }
const GREETING: string = "hi"
api GET "/users/me" { respond text("me") }
api GET "/users/:id" { respond json({ id: request.params.id }) }
api GET "/a/:x/c" { respond text("first " + request.params.x) }
api GET "/a/b/:y" { respond text("second " + request.params.y) }
api GET "/q" {
  respond json({ x: Map.get(request.query, "x"), token: Map.get(request.headers, "x-token"),
                 missing: Map.get(request.query, "nope") })
}
api POST "/orders" (order: Order) {
  respond status(201, json({ count: List.length(order.items), first: List.get(order.items, 0), raw: request.body }))
}
api POST "/raw" { respond json(request.body) }
api GET "/hello" { respond text(GREETING) }
"""
INIT = O("binding") + O("literal")


def text_of(out) -> str:
    return out.response.body.decode()


def test_not_found_is_refused_before_any_guest_code():
    out = run(ROUTES, "GET", "/nowhere?x=1")
    assert (out.response.status, text_of(out)) == (404, '{"error":"NotFound","method":"GET","path":"/nowhere"}')
    assert out.gas_used == 0
    out = run(ROUTES, "PUT", "/users/me")
    assert out.response.status == 404


def test_params_and_specificity():
    assert text_of(run(ROUTES, "GET", "/users/me")) == "me"
    out = run(ROUTES, "GET", "/users/j%C3%B6rg")
    assert text_of(out) == '{"id":"j\u00f6rg"}'
    assert out.gas_used == INIT + O("respond") + L("json") + O("record") + O("field") + O("field") + O("read") \
        + sur(len(out.response.body))
    assert text_of(run(ROUTES, "GET", "/a/b/c")) == "second c"
    assert text_of(run(ROUTES, "GET", "/a/z/c")) == "first z"


def test_query_and_headers():
    out = run(ROUTES, "GET", "/q?x=1&x=2", headers={"X-Token": "secret"})
    assert text_of(out) == '{"missing":null,"token":"secret","x":"2"}'


def test_typed_body():
    good = b'{"items": [{"name": "a", "amount": 2.50, "qty": 1}]}'
    out = run(ROUTES, "POST", "/orders", body=good)
    assert out.response.status == 201
    assert json.loads(text_of(out)) == {"count": 1, "first": {"amount": 2.5, "name": "a", "qty": 1},
                                        "raw": {"items": [{"amount": 2.5, "name": "a", "qty": 1}]}}
    bad_body = b'{"items": [{"name": "a", "amount": 1, "qty": 1}, {"name": "b", "amount": 1, "qty": 1},' \
               b' {"name": "c", "amount": "1", "qty": 1}]}'
    out = run(ROUTES, "POST", "/orders", body=bad_body)
    assert out.response.status == 400
    assert text_of(out) == ('{"error":"BadRequest","field":"$.items[2].amount",'
                            '"message":"expected a number, found a string"}')
    assert out.gas_used == 0


def test_untyped_body():
    assert text_of(run(ROUTES, "POST", "/raw", body=b'{"a": [null, 1.50]}')) == '{"a":[null,1.5]}'
    assert text_of(run(ROUTES, "POST", "/raw")) == "null"
    out = run(ROUTES, "POST", "/raw", body=b'{"a": 1, "a": 2}')
    assert out.response.status == 400
    assert json.loads(text_of(out))["field"] == "$"


def test_constants_and_text():
    out = run(ROUTES, "GET", "/hello")
    assert (out.response.status, out.response.headers, text_of(out)) == (
        200, {"content-type": "text/plain; charset=utf-8"}, "hi")
    assert out.gas_used == INIT + O("respond") + L("text") + O("read")
