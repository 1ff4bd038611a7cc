"""The QuickJS execution path: lowered program bytecode + one sealed VM per request.

`Program.from_check(result)` lowers and compiles once; `Program.handle(request,
gas_limit, host)` runs one request in a fresh SealedVM: dispatch (runtime/dispatch.py),
decode the typed body, call `$main` in the VM, and turn its outcome into a Response.
Host functions the VM may call (Decimal arithmetic, Map key order, Json, Hash and the
effects) run here, in Python, on the shared value library (stdlib/).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from mtpscript.compiler.lowering import lower_program
from mtpscript.compiler.modules import CheckResult
from mtpscript.stdlib import decimal128, hashing, json_codec
from mtpscript.stdlib import cbor as cbor_codec
from mtpscript.stdlib.errors import MtpRuntimeError

from . import dispatch
from .engine import GuestError, SealedVM, compile_js
from .wire import from_wire, sort_key_hex, to_wire


@dataclass
class Outcome:
    response: dispatch.Response
    gas_used: int


def _hash_of(v: Any) -> str:
    return f"{hashing.fnv1a64(cbor_codec.encode(v)):016x}"


# name -> Python function over stdlib values (each returns a value or raises MtpRuntimeError)
HOST_FUNCTIONS = {
    "Decimal.add": decimal128.add,
    "Decimal.sub": decimal128.sub,
    "Decimal.mul": decimal128.mul,
    "Decimal.neg": decimal128.neg,
    "Decimal.div": decimal128.div,
    "Decimal.round": decimal128.round,
    "Decimal.compare": decimal128.compare,
    "Decimal.fromString": decimal128.from_string,
    "Decimal.fromNumber": decimal128.from_number,
    "Map.key": sort_key_hex,
    "Json.parse": json_codec.parse,
    "Json.from": json_codec.json_from,
    "Hash.sha256": lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest(),
    "Hash.fnv1a64": lambda s: f"{hashing.fnv1a64(s.encode('utf-8')):016x}",
    "Hash.cbor": lambda v: cbor_codec.encode(v).hex(),
    "Hash.of": _hash_of,
}


class _Bridge:
    """The single host function `$host.call(name, wireArgs)` installed in every VM."""

    def __init__(self, host):
        self.host = host

    def call(self, name: str, args_json: str) -> str:
        args = [from_wire(a) for a in json.loads(args_json)]
        try:
            fn = HOST_FUNCTIONS.get(name)
            result = fn(*args) if fn is not None else self.host.perform(name, tuple(args))
        except MtpRuntimeError as err:
            return json.dumps({"stop": err.to_json(), "status": 500})
        return json.dumps({"ok": to_wire(result)})


class Program:
    def __init__(self, check: CheckResult, js: str, bytecode: bytes):
        self.check = check
        self.js = js
        self.bytecode = bytecode
        self.routes = [route for path in check.order if check.modules[path].checked
                       for route in check.modules[path].checked.typed.routes]

    @classmethod
    def from_check(cls, check: CheckResult) -> "Program":
        js = lower_program(check)
        return cls(check, js, compile_js(js, "program.js"))

    def handle(self, request: dispatch.Request, gas_limit: int, host) -> Outcome:
        selected = dispatch.select_route(self.routes, request.method, request.path)
        if selected is None:
            return Outcome(dispatch.error_response("NotFound", 404, method=request.method, path=request.path), 0)
        route, params = selected
        try:
            request_value = dispatch.request_value(route, params, request)
            if route.body_type is not None:
                typed_body = dispatch.decode_body(route.body_type, request.body)
        except dispatch.BadRequest as bad:
            return Outcome(dispatch.error_response("BadRequest", 400, field=bad.field, message=bad.message), 0)
        wire = to_wire(request_value)
        if route.body_type is not None:
            wire["r"]["$typedBody"] = to_wire(typed_body)
        with SealedVM() as vm:
            vm.install_host("$host", {"call": _Bridge(host).call})
            vm.run_bytecode(self.bytecode)
            try:
                raw = vm.call("$main", self.routes.index(route), json.dumps(wire), gas_limit)
            except GuestError as err:
                if err.kind == "MemoryExhausted":
                    return Outcome(dispatch.error_response("MemoryExhausted"), 0)
                raise
        outcome = json.loads(raw)
        headers = {"content-type": outcome["type"]}
        return Outcome(dispatch.Response(outcome["status"], headers, outcome["body"].encode("utf-8")), outcome["gas"])
