"""Everything the checker knows without reading user code, declared in one place.

* PRELUDE: built-in types written in MTPScript itself (Option, Result, Json, the
  error types), parsed with the ordinary parser.
* SIGNATURES: the standard library of LANGUAGE.md section 12, as MTPScript
  function types with the effect each function needs (None for pure ones).
* RESPONSE_FUNCTIONS: `json`, `status`, `text`, the constructors of a response.
* Request<Params> (in PRELUDE): the type of `request` in an `api` handler (section 11).
"""

from __future__ import annotations

PRIMITIVES = ("number", "boolean", "string", "Decimal")
EFFECTS = ("DbRead", "DbWrite", "HttpOut", "Log", "Async")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

PRELUDE = """
type Option<T> = Some(T) | None
type Result<T, E> = Ok(T) | Err(E)
type Json = JsonNull | JsonBool(boolean) | JsonInt(number) | JsonDecimal(Decimal)
          | JsonString(string) | JsonArray(List<Json>) | JsonObject(Map<string, Json>)
type DecimalError = DivisionByZero | Overflow | InvalidDecimal(string)
type JsonError { message: string, offset: number }
type DbError { code: string, message: string }
type HttpError { message: string }
type HttpResponse { status: number, body: string }
type Request<Params> { params: Params, query: Map<string, string>, headers: Map<string, string>, body: Json }
"""

# Constructors that user code may match on but never build.
PARSE_ONLY_CONSTRUCTORS = {"JsonNull"}

# "Namespace.name" -> (type parameters, function type, effect or None)
SIGNATURES: dict[str, tuple[str, str, str | None]] = {
    # List
    "List.length": ("T", "(List<T>) => number", None),
    "List.get": ("T", "(List<T>, number) => Option<T>", None),
    "List.append": ("T", "(List<T>, T) => List<T>", None),
    "List.concat": ("T", "(List<T>, List<T>) => List<T>", None),
    "List.map": ("A, B", "(List<A>, (A) => B) => List<B>", None),
    "List.filter": ("T", "(List<T>, (T) => boolean) => List<T>", None),
    "List.fold": ("T, A", "(List<T>, A, (A, T) => A) => A", None),
    "List.range": ("", "(number, number) => List<number>", None),
    "List.reverse": ("T", "(List<T>) => List<T>", None),
    "List.sort": ("T", "(List<T>) => List<T>", None),          # T must be number or string
    "List.join": ("", "(List<string>, string) => string", None),
    "List.contains": ("T", "(List<T>, T) => boolean", None),
    # String
    "String.length": ("", "(string) => number", None),
    "String.slice": ("", "(string, number, number) => string", None),
    "String.split": ("", "(string, string) => List<string>", None),
    "String.contains": ("", "(string, string) => boolean", None),
    "String.startsWith": ("", "(string, string) => boolean", None),
    "String.toUpper": ("", "(string) => string", None),
    "String.toLower": ("", "(string) => string", None),
    "String.fromNumber": ("", "(number) => string", None),
    "String.toNumber": ("", "(string) => Option<number>", None),
    # Map
    "Map.empty": ("K, V", "() => Map<K, V>", None),
    "Map.set": ("K, V", "(Map<K, V>, K, V) => Map<K, V>", None),
    "Map.get": ("K, V", "(Map<K, V>, K) => Option<V>", None),
    "Map.remove": ("K, V", "(Map<K, V>, K) => Map<K, V>", None),
    "Map.has": ("K, V", "(Map<K, V>, K) => boolean", None),
    "Map.keys": ("K, V", "(Map<K, V>) => List<K>", None),
    "Map.values": ("K, V", "(Map<K, V>) => List<V>", None),
    "Map.size": ("K, V", "(Map<K, V>) => number", None),
    # Option and Result
    "Option.map": ("A, B", "(Option<A>, (A) => B) => Option<B>", None),
    "Option.unwrapOr": ("T", "(Option<T>, T) => T", None),
    "Option.isSome": ("T", "(Option<T>) => boolean", None),
    "Result.map": ("A, B, E", "(Result<A, E>, (A) => B) => Result<B, E>", None),
    "Result.mapErr": ("T, E, F", "(Result<T, E>, (E) => F) => Result<T, F>", None),
    "Result.unwrapOr": ("T, E", "(Result<T, E>, T) => T", None),
    "Result.isOk": ("T, E", "(Result<T, E>) => boolean", None),
    # Number
    "Number.toString": ("", "(number) => string", None),
    "Number.abs": ("", "(number) => number", None),
    "Number.min": ("", "(number, number) => number", None),
    "Number.max": ("", "(number, number) => number", None),
    # Decimal
    "Decimal.fromString": ("", "(string) => Result<Decimal, DecimalError>", None),
    "Decimal.fromNumber": ("", "(number) => Decimal", None),
    "Decimal.toString": ("", "(Decimal) => string", None),
    "Decimal.add": ("", "(Decimal, Decimal) => Decimal", None),
    "Decimal.sub": ("", "(Decimal, Decimal) => Decimal", None),
    "Decimal.mul": ("", "(Decimal, Decimal) => Decimal", None),
    "Decimal.div": ("", "(Decimal, Decimal) => Result<Decimal, DecimalError>", None),
    "Decimal.round": ("", "(Decimal, number) => Decimal", None),
    "Decimal.compare": ("", "(Decimal, Decimal) => number", None),
    # Json
    "Json.parse": ("", "(string) => Result<Json, JsonError>", None),
    "Json.stringify": ("T", "(T) => string", None),
    "Json.from": ("T", "(T) => Json", None),
    # Hash
    "Hash.sha256": ("", "(string) => string", None),
    "Hash.fnv1a64": ("", "(string) => string", None),
    "Hash.cbor": ("T", "(T) => string", None),
    "Hash.of": ("T", "(T) => string", None),
    # Effects (section 5): each needs its namespace in `uses { ... }`
    "DbRead.query": ("", "(string, List<Json>) => Result<List<Json>, DbError>", "DbRead"),
    "DbWrite.exec": ("", "(string, List<Json>) => Result<number, DbError>", "DbWrite"),
    "HttpOut.get": ("", "(string) => Result<HttpResponse, HttpError>", "HttpOut"),
    "HttpOut.post": ("", "(string, string) => Result<HttpResponse, HttpError>", "HttpOut"),
    "Log.debug": ("T", "(string, T) => Unit", "Log"),
    "Log.info": ("T", "(string, T) => Unit", "Log"),
    "Log.warn": ("T", "(string, T) => Unit", "Log"),
    "Log.error": ("T", "(string, T) => Unit", "Log"),
}

# Functions whose type parameter must be a data type (no functions inside).
DATA_ONLY = {"Json.stringify", "Json.from", "Hash.cbor", "Hash.of", "Log.debug", "Log.info",
             "Log.warn", "Log.error"}
# Functions whose element type must be number or string.
ORDERED_ONLY = {"List.sort"}

NAMESPACES = frozenset(name.split(".")[0] for name in SIGNATURES)

RESPONSE_FUNCTIONS: dict[str, tuple[str, str, None]] = {
    "json": ("T", "(T) => Response", None),
    "status": ("", "(number, Response) => Response", None),
    "text": ("", "(string) => Response", None),
}

# In an `api` handler `request` has type Request<{ p1: string, ... }>, one field per
# `:param` path segment (Request is declared in PRELUDE).
REQUEST_TYPE = "Request"
