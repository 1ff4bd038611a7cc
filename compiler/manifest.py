"""The snapshot manifest: what a runtime needs to know about a program besides its bytecode.

`build_manifest(check_result, js)` describes the routes (method, path, parameters,
declared effects, sensitivity, request body type), the unions the body types use, the
gas-table hash, the union content hashes and the source hash. Types are written as
JSON (`type_to_json`) and read back into checker types (`TypeReader`) so a host can
validate request bodies without the source. spec/snapshot.md documents the schema.
"""

from __future__ import annotations

import hashlib
import os

from . import gas
from .modules import CheckResult
from .types import TCon, TFun, TParam, TRecord, Type, UnionInfo, VariantInfo, prune, resolve


def type_to_json(t: Type, unions: dict[str, UnionInfo]) -> object:
    """A JSON description of a data type; unions met on the way are collected in `unions`."""
    t = prune(t)
    if isinstance(t, TRecord):
        return {"record": {name: type_to_json(ft, unions) for name, ft in t.fields}}
    if isinstance(t, TParam):
        return {"param": t.name}
    if isinstance(t, TFun):
        raise ValueError("function types have no manifest form")
    if isinstance(t, TCon):
        if t.union is not None and t.union.module == "<prelude>":   # Option, Result, Json, ...
            return {"builtin": t.name, "args": [type_to_json(a, unions) for a in t.args]}
        if t.union is not None:
            if t.union.name not in unions:
                unions[t.union.name] = t.union
                for v in t.union.variants.values():
                    for ft in v.field_types:
                        type_to_json(ft, unions)
            return {"union": t.name, "args": [type_to_json(a, unions) for a in t.args]}
        if t.args:
            return {t.name: [type_to_json(a, unions) for a in t.args]}
        return t.name
    raise ValueError(f"unresolved type {t!r}")


def union_to_json(u: UnionInfo, unions: dict[str, UnionInfo]) -> dict:
    return {"params": list(u.params), "hash": u.content_hash,
            "variants": [{"name": v.name,
                          "fields": [{"name": name, "type": type_to_json(ft, unions)}
                                     for name, ft in zip(v.field_names, v.field_types)]}
                         for v in u.variants.values()]}


class TypeReader:
    """Rebuilds checker types from manifest JSON (unions shared by name)."""

    def __init__(self, unions_json: dict):
        self.unions_json = unions_json
        self.unions: dict[str, UnionInfo] = {}

    def union(self, name: str) -> UnionInfo:
        if name not in self.unions:
            spec = self.unions_json[name]
            info = UnionInfo(name, list(spec["params"]), "<snapshot>", content_hash=spec["hash"])
            self.unions[name] = info
            for v in spec["variants"]:
                info.variants[v["name"]] = VariantInfo(v["name"], info, [f["name"] for f in v["fields"]],
                                                       [self.read(f["type"]) for f in v["fields"]])
        return self.unions[name]

    def read(self, j: object) -> Type:
        if isinstance(j, str):
            return TCon(j)
        if "record" in j:
            return TRecord(tuple(sorted((k, self.read(v)) for k, v in j["record"].items())))
        if "param" in j:
            return TParam(j["param"])
        if "union" in j:
            return TCon(j["union"], tuple(self.read(a) for a in j["args"]), self.union(j["union"]))
        if "builtin" in j:
            from .modules import prelude
            return TCon(j["builtin"], tuple(self.read(a) for a in j["args"]), prelude().type_names[j["builtin"]])
        (name, args), = j.items()
        return TCon(name, tuple(self.read(a) for a in args))


def source_hash(result: CheckResult) -> str:
    """SHA-256 over every linked module: relative path, NUL, source, NUL, in sorted order."""
    base = os.path.dirname(result.order[-1]) if result.order else ""
    digest = hashlib.sha256()
    for path in sorted(result.order, key=lambda p: os.path.relpath(p, base)):
        digest.update(os.path.relpath(path, base).replace(os.sep, "/").encode() + b"\0")
        digest.update(result.modules[path].text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def build_manifest(result: CheckResult, entry: str) -> dict:
    """The manifest of a checked program whose entry module is `entry`."""
    unions: dict[str, UnionInfo] = {}
    routes = []
    union_hashes = {}
    for path in result.order:
        checked = result.modules[path].checked
        for u in checked.typed.unions:
            union_hashes[u.name] = u.content_hash
        for route in checked.typed.routes:
            body = type_to_json(resolve(route.body_type), unions) if route.body_type is not None else None
            routes.append({"method": route.method, "path": route.path, "params": list(route.params),
                           "effects": sorted(checked.of(route.decl).declared),
                           "sensitive": route.decl.sensitive, "bodyType": body})
    described: dict[str, dict] = {}
    while len(described) < len(unions):
        for name in sorted(set(unions) - set(described)):
            described[name] = union_to_json(unions[name], unions)
    return {"entry": os.path.basename(entry), "routes": routes, "unions": described,
            "unionHashes": dict(sorted(union_hashes.items())), "gasTableHash": gas.table_hash(),
            "sourceHash": source_hash(result)}
