"""Gas: the Annex A cost table and the mapping from IR operations to its rows.

spec/execution.md is the normative description; this module is its data. Costs are
always read from the shipped Annex A CSV (compiler/annex_a_gas.csv is a link to
spec/annex-a-gas-v5.1.csv), never restated here.
"""

from __future__ import annotations

import csv
import hashlib
import io
from functools import lru_cache
from importlib import resources

TABLE_FILE = "annex_a_gas.csv"
SURCHARGE_UNIT = 16      # one extra unit per 16 units of data size (spec/execution.md section 4)
DEPTH_LIMIT = 1000       # nested non-tail calls (spec/execution.md section 5)
MAX_LIST_LENGTH = 1_000_000      # deterministic caps (spec/execution.md section 4)
MAX_STRING_LENGTH = 4_194_304    # UTF-16 code units
DEFAULT_GAS_LIMIT = 10_000_000
MAX_GAS_LIMIT = 2_000_000_000

# IR operation -> Annex A opcode (spec/execution.md section 3).
OP_ROWS: dict[str, str] = {
    "literal": "OP_STACK_PUSH",
    "read": "OP_STACK_PUSH",
    "binding": "OP_VAR_DECL",
    "function_decl": "OP_FUNC_DECL",
    "lambda": "OP_FUNC_DECL",
    "neg": "OP_NEG",
    "not": "OP_LNOT",
    "+": "OP_ADD",
    "concat": "OP_STR_CONCAT",
    "-": "OP_SUB",
    "*": "OP_MUL",
    "/": "OP_DIV",
    "%": "OP_MOD",
    "<": "OP_LT",
    "<=": "OP_LE",
    ">": "OP_GT",
    ">=": "OP_GE",
    "==": "OP_EQ",
    "!=": "OP_NE",
    "&&": "OP_LAND",
    "||": "OP_LOR",
    "if": "OP_IF_ELSE",
    "match": "OP_MATCH",
    "match_case": "OP_MATCH_CASE",
    "call": "OP_FUNC_CALL",
    "Some": "OP_OPTION_SOME",
    "None": "OP_OPTION_NONE",
    "Ok": "OP_RESULT_OK",
    "Err": "OP_RESULT_ERR",
    "ctor": "OP_UNION_CREATE",
    "field": "OP_PROP_ACCESS",
    "index": "OP_ARRAY_ACCESS",
    "record": "OP_OBJECT_NEW",
    "list": "OP_ARRAY_NEW",
    "await": "OP_EFFECT_PERFORM",
    "respond": "OP_HTTP_RESPONSE",
}

# Standard library function -> Annex A opcode.
STDLIB_ROWS: dict[str, str] = {
    "List.length": "OP_PROP_ACCESS", "List.get": "OP_ARRAY_ACCESS", "List.append": "OP_ARRAY_PUSH",
    "List.concat": "OP_ARRAY_SLICE", "List.map": "OP_ARRAY_NEW", "List.filter": "OP_ARRAY_NEW",
    "List.fold": "OP_ARRAY_ACCESS", "List.range": "OP_ARRAY_NEW", "List.reverse": "OP_ARRAY_REVERSE",
    "List.sort": "OP_ARRAY_SORT", "List.join": "OP_ARRAY_JOIN", "List.contains": "OP_IN",
    "String.length": "OP_PROP_ACCESS", "String.slice": "OP_STR_SLICE", "String.split": "OP_STR_SPLIT",
    "String.contains": "OP_STR_SEARCH", "String.startsWith": "OP_STR_SEARCH",
    "String.toUpper": "OP_STR_FORMAT", "String.toLower": "OP_STR_FORMAT",
    "String.fromNumber": "OP_STR_FORMAT", "String.toNumber": "OP_STR_FORMAT",
    "Map.empty": "OP_OBJECT_NEW", "Map.set": "OP_PROP_ASSIGN", "Map.get": "OP_PROP_ACCESS",
    "Map.remove": "OP_DELETE", "Map.has": "OP_IN", "Map.keys": "OP_OBJECT_KEYS",
    "Map.values": "OP_OBJECT_VALUES", "Map.size": "OP_PROP_ACCESS",
    "Option.map": "OP_UNION_MATCH", "Option.unwrapOr": "OP_UNION_MATCH", "Option.isSome": "OP_UNION_MATCH",
    "Result.map": "OP_UNION_MATCH", "Result.mapErr": "OP_UNION_MATCH", "Result.unwrapOr": "OP_UNION_MATCH",
    "Result.isOk": "OP_UNION_MATCH",
    "Number.toString": "OP_STR_FORMAT", "Number.abs": "OP_NEG", "Number.min": "OP_LT", "Number.max": "OP_GT",
    "Decimal.fromString": "OP_STR_FORMAT", "Decimal.fromNumber": "OP_STACK_PUSH",
    "Decimal.toString": "OP_STR_FORMAT", "Decimal.add": "OP_ADD", "Decimal.sub": "OP_SUB",
    "Decimal.mul": "OP_MUL", "Decimal.div": "OP_DIV", "Decimal.round": "OP_DIV", "Decimal.compare": "OP_LT",
    "Json.parse": "OP_JSON_PARSE", "Json.stringify": "OP_JSON_STRINGIFY", "Json.from": "OP_OBJECT_NEW",
    "Hash.sha256": "OP_CRYPTO_SHA256", "Hash.fnv1a64": "OP_CRYPTO_MD5", "Hash.cbor": "OP_JSON_STRINGIFY",
    "Hash.of": "OP_CRYPTO_MD5",
    "DbRead.query": "OP_DB_QUERY", "DbWrite.exec": "OP_DB_WRITE",
    "HttpOut.get": "OP_HTTP_GET", "HttpOut.post": "OP_HTTP_POST",
    "Log.debug": "OP_LOG_DEBUG", "Log.info": "OP_LOG_INFO", "Log.warn": "OP_LOG_WARN", "Log.error": "OP_LOG_ERROR",
    "json": "OP_JSON_STRINGIFY", "text": "OP_STR_FORMAT", "status": "OP_STACK_PUSH",
}


def table_bytes() -> bytes:
    return resources.files(__package__).joinpath(TABLE_FILE).read_bytes()


@lru_cache(maxsize=1)
def table() -> dict[str, int]:
    """Annex A: opcode -> cost in beta-reduction units."""
    rows = csv.DictReader(io.StringIO(table_bytes().decode("utf-8")))
    return {row["opcode"]: int(row["cost_beta_units"]) for row in rows}


def table_hash() -> str:
    """SHA-256 of the Annex A bytes (recorded in snapshot manifests)."""
    return hashlib.sha256(table_bytes()).hexdigest()


def op_cost(op: str) -> int:
    """Cost of an IR operation (a key of OP_ROWS)."""
    return table()[OP_ROWS[op]]


def stdlib_cost(name: str) -> int:
    """Cost of a standard library function or response constructor."""
    return table()[STDLIB_ROWS[name]]


def surcharge(size: int) -> int:
    return size // SURCHARGE_UNIT
