"""Hypothesis strategy: small, WELL-TYPED MTPScript programs for the differential test.

Generation is type-directed: ``Gen.expr(t, env, depth)`` produces the source text of
an expression of type ``t`` whose free names all come from the typed environment
``env``.  A program is

    1-2 user unions (some recursive, e.g. ``Tree = Leaf(number) | Node(Tree, Tree)``)
    0-2 record shapes (structural, used through literals, field access, patterns)
    0-2 top-level constants (sometimes in reverse dependency order: execution.md section 7)
    0-3 plain helper functions (some returning closures that capture their params)
    0-4 recursive templates: tail countdowns (n up to 5,000), counted loops (up or down,
        number accumulators near the fast tier's bounds), mutual tail and non-tail
        recursion, tail calls through a closure parameter, non-tail linear recursion
        and non-tail recursion through library callbacks (depth sometimes just below,
        at or above the 1,000 limit), walkers over recursive unions, tail-recursive
        builders of union values, closure factories over large data, a generic
        ``twice<T>``
    api GET "/t" [uses { Log }] { bindings, nested (recursive) functions, Log
        statements, then respond json({...}) / status(...) / text(...), possibly
        from the branches of an if or the arms of a match }

Expressions cover int64 arithmetic (with values near the limits, so overflow and
division by zero happen), comparisons, booleans, strings and concatenation,
if/else, blocks with const/let bindings (occasionally shadowing), records and field
access, lists and the List library (indexing sometimes out of bounds), match on
unions / Option / Result / records / literals (always exhaustive and never
unreachable: a small copy of the checker's usefulness algorithm decides whether a
final ``_`` is needed), lambdas (all three forms, capturing), closure equality,
pipelines (also into lambdas), Decimal, Map, Json (parse, constructors, match) and
a few String/Number/Hash functions; library functions and constructors used as
values.  Names are fresh (v1, p2, ...) except for deliberate shadowing.

Known-broken constructs are generated only when the flag below is True.  Every flag
that is False names the reproducer in /tmp/mtp-diff-bugs/ that made us turn it off.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

# --------------------------------------------------------------------------- flags
# (True = generated.  A flag set to False must name its bug file in /tmp/mtp-diff-bugs/.)
GEN_DEEP_VALUES = True         # builders of union values up to 3,000 deep (else 150, never nested),
                               #   often right at the value nesting limit (spec/execution.md section 4.1),
                               #   and Json texts nested around Json.parse's limit
GEN_DEEP_NON_TAIL = True       # non-tail recursion beyond the 1,000 depth limit
GEN_CALLBACK_RECURSION = True  # recursion through List.map/fold callbacks
GEN_CLOSURE_EQUALITY = True    # `==` between closures / library functions used as values
GEN_INT64_EXTREMES = True      # literals near +-2^63 (overflow paths)
GEN_UNICODE_STRINGS = True     # non-ASCII and astral (surrogate pair) string literals
GEN_JSON_HASH = True           # Json.stringify / Hash.of / Hash.fnv1a64 in expressions
GEN_LOG_EFFECT = True          # `Log.info(...)` statements in the handler (uses { Log })
GEN_SHADOWING = True           # block bindings that shadow an outer local
GEN_STATUS_TEXT = True         # respond status(...) / text(...) / branching responds
GEN_TOP_CONSTS = True          # top-level constants (static initialisation)
GEN_DECIMAL = True             # Decimal literals, + - * and the Decimal library
GEN_MAPS = True                # Map<number|string, V> values and the Map library
GEN_JSON = True                # Json values: constructors, Json.from, Json.parse, match on Json
GEN_COMMON_ARITH = True        # the same arithmetic on locals twice in one expression, and in both
                               #   arguments of a self tail call (the fast tier computes it once)
GEN_COUNTED_LOOPS = True       # counted tail loops (execution.md section 12 rule 6): counting down or
                               #   up by 1-3, exits by < <= > >= == != (either side), number
                               #   accumulators with increments near the 2^52 bound of the entry test
GEN_PIPELINES = True           # `|>` chains of List.map / List.filter over a range or a list, some
                               #   ending in List.fold or List.length, with lambdas calling nothing
                               #   (the fast tier fuses them into one loop: execution.md §12 rule 7)
GEN_LIST_DOUBLING = True       # tail loops whose list accumulator may double each step (acc used twice).
                               #   Was BUG (surcharge after allocation): fixed by pre-allocation
                               #   surcharges and the 1,000,000-element cap (spec/execution.md §4, §6)
GEN_CALLEE_CAPTURE_ORDER = True   # inside a closure body, a call whose callee and arguments both read
                                  # captured variables (`g(List.length(a))`).  Was BUG (reference, capture
                                  # order; fixed): /tmp/mtp-diff-bugs/closure_capture_order.mtp
GEN_CONST_FORWARD_REFS = True   # a constant reading one declared after it.  Was BUG (QuickJS path;
                                #   fixed): /tmp/mtp-diff-bugs/const_forward_ref.mtp

MAX_NODES = 160                # expression nodes per program (keeps programs < 60 lines)

# --------------------------------------------------------------------------- types
INT = ("int",)
BOOL = ("bool",)
STR = ("str",)
DEC = ("dec",)
JSON = ("json",)


def LIST(t):
    return ("list", t)


def OPT(t):
    return ("opt", t)


def RES(t, e):
    return ("res", t, e)


def REC(fields):
    return ("rec", tuple(sorted(fields)))


def UN(name):
    return ("union", name)


def FN(params, ret):
    return ("fn", tuple(params), ret)


def MAP(k, v):
    return ("map", k, v)


FN_TYPES = [FN((INT,), INT), FN((INT, INT), INT), FN((STR,), STR), FN((INT,), BOOL), FN((STR,), INT),
            FN((INT,), OPT(INT))]

# Library functions usable as values, by type (decision 3 of runtime/reference.py).
LIB_VALUES = {
    FN((INT,), INT): ["Number.abs"],
    FN((INT, INT), INT): ["Number.min", "Number.max"],
    FN((STR,), STR): ["String.toUpper", "String.toLower"],
    FN((STR,), INT): ["String.length"],
    FN((INT,), OPT(INT)): ["Some"],              # a constructor used as a value
}

INT64_MAX = 2**63 - 1
EXTREME_INTS = [INT64_MAX, -INT64_MAX - 1, INT64_MAX - 1, -INT64_MAX, 2**62, -(2**62), 3037000499,
                3037000500, 4294967296, 2**53 + 1, -(2**53) - 1,
                # the edges of the fast tier's range and of exact doubles (spec/execution.md
                # section 11): five fast numbers may pass 2^53, four may not
                2**51 - 1, -(2**51 - 1), 2**51, -(2**51), 450359962737050, 47453132, 47453133,
                2**53 - 1, -(2**53 - 1), 2**53 - 2, 2**52, -(2**52), 94906265, 94906266]
ASCII_STRINGS = ["", "a", "b", "ab", "hello", "A B", "x\\ny", "q\\\"t", "0", "-12", "42",
                 "the quick brown fox jumps", "0123456789abcdef0123"]
JSON_TEXTS = ['null', 'true', '[1, 2.50, "x", null]', '{"a": 1, "b": [null, {"c": false}]}', '{"a":1,"a":2}',
              '9223372036854775808', '-9223372036854775808', '-0', '1.0e3', '"\\u00e9\\ud83d\\ude00"', '[',
              '', '  {"k": {"k": {}}}  ', '0.1', '12345678901234567890.123', '[[[[]]]]', '{"": ""}']
# Json.parse accepts 127 nested arrays/objects: a value nested 255 levels (spec/execution.md 4.1)
DEEP_JSON_TEXTS = ["[" * 127 + "1" + "]" * 127, "[" * 128 + "]" * 128, '{"a":' * 127 + "[]" + "}" * 127,
                   "[" * 127 + "]" * 127, "[" * 3000 + "]" * 3000]
# builder arguments at the value nesting limit (a builder's value is nested n + 1 levels or so)
NESTING_EDGES = [126, 127, 128, 254, 255, 256, 257, 258]
DECIMALS = ["1.50", "0.1", "2.25", "12.345", "0.0000000000000000000000000001", "1.0", "0.5", "3.14159",
            "99999999999999999999999999999999.99", "1234567890123456789012345678.9012", "0.00"]
UNICODE_STRINGS = ["\uFFFD", "\\uFF5A", "\\u0001\\u2028", "\\u007f", "\u00e9t\u00e9", "\\u00e9", "\U0001F600", "a\\uD83D\\uDE00b", "\u4e2d\u6587", "\u00df"]


def is_data(t, unions) -> bool:
    k = t[0]
    if k == "fn":
        return False
    if k in ("list", "opt"):
        return is_data(t[1], unions)
    if k == "res":
        return is_data(t[1], unions) and is_data(t[2], unions)
    if k == "rec":
        return all(is_data(ft, unions) for _, ft in t[1])
    if k == "map":
        return is_data(t[2], unions)
    return True          # primitives; user unions only have data fields


def has_typevar_leaf(t) -> bool:
    """Whether a leaf of t may be written with an under-determined literal ([] / None / Ok / Err)."""
    return t[0] in ("list", "opt", "res", "map")


# --------------------------------------------------------------------------- patterns
# A pattern is ("w",) (wildcard or variable), ("c", name, args) or ("l", value).
WILD = ("w",)


def constructors(t, unions):
    k = t[0]
    if k == "union":
        return [(c.name, list(c.fields)) for c in unions[t[1]].variants]
    if k == "opt":
        return [("Some", [t[1]]), ("None", [])]
    if k == "res":
        return [("Ok", [t[1]]), ("Err", [t[2]])]
    if k == "bool":
        return [("true", []), ("false", [])]
    if k == "rec":
        return [("{}", [ft for _, ft in t[1]])]
    if k == "json":
        return [("JsonNull", []), ("JsonBool", [BOOL]), ("JsonInt", [INT]), ("JsonDecimal", [DEC]),
                ("JsonString", [STR]), ("JsonArray", [LIST(JSON)]), ("JsonObject", [MAP(STR, JSON)])]
    return None


def _specialize(rows, name, arity):
    out = []
    for row in rows:
        head = row[0]
        if head[0] == "w":
            out.append([WILD] * arity + row[1:])
        elif head[0] == "c" and head[1] == name:
            out.append(list(head[2]) + row[1:])
    return out


def useful(rows, vector, types, unions) -> bool:
    """Maranget usefulness: does some value match `vector` but no row of `rows`?"""
    if not vector:
        return not rows
    head, ty, rest = vector[0], types[0], types[1:]
    if head[0] == "c":
        sub = next(fs for name, fs in constructors(ty, unions) if name == head[1])
        return useful(_specialize(rows, head[1], len(head[2])), list(head[2]) + vector[1:], sub + rest, unions)
    if head[0] == "l":
        rows2 = [r[1:] for r in rows if r[0][0] == "w" or (r[0][0] == "l" and r[0][1] == head[1])]
        return useful(rows2, vector[1:], rest, unions)
    domain = constructors(ty, unions)
    used = {r[0][1] for r in rows if r[0][0] == "c"}
    if domain is not None and all(name in used for name, _ in domain):
        return any(useful(_specialize(rows, name, len(sub)), [WILD] * len(sub) + vector[1:], sub + rest, unions)
                   for name, sub in domain)
    return useful([r[1:] for r in rows if r[0][0] == "w"], vector[1:], rest, unions)


# --------------------------------------------------------------------------- program model
@dataclass
class Variant:
    name: str
    fields: tuple
    names: tuple | None = None     # named fields (JSON encodes them as an object)


@dataclass
class Union:
    name: str
    variants: list


@dataclass
class Env:
    """Typed environment: later entries shadow earlier ones.

    `level` is the closure nesting depth: 0 is the top level (functions, constants),
    1 the body of a top-level function or of the handler, and each lambda or nested
    function body adds one.  An entry whose level is between 1 and level - 1 is
    captured by the closure whose body is being generated.
    """
    entries: tuple = ()
    level: int = 0

    def add(self, name, t, kind="local"):
        return Env(self.entries + ((name, t, kind, self.level),), self.level)

    def enter(self):
        return Env(self.entries, self.level + 1)

    def visible(self):
        seen = {}
        for name, t, kind, _ in self.entries:
            seen[name] = (t, kind)
        return seen

    def captured(self, name) -> bool:
        lvl = None
        for nm, _, _, level in self.entries:
            if nm == name:
                lvl = level
        return lvl is not None and 0 < lvl < self.level

    def without_captures(self):
        return Env(tuple(e for e in self.entries if e[3] == 0 or e[3] >= self.level), self.level)

    def of_type(self, t, kinds=None):
        return [n for n, (ty, k) in self.visible().items() if ty == t and (kinds is None or k in kinds)]


@dataclass
class FnInfo:
    params: tuple
    ret: tuple
    bound: int | None = None       # first argument is a recursion counter bounded by this
    builder: bool = False          # returns a value nested as deep as its first argument


class Gen:
    def __init__(self, draw):
        self.draw = draw
        self.counter = 0
        self.nodes = 0
        self.unions: dict[str, Union] = {}
        self.records: list = []
        self.fninfo: dict[str, FnInfo] = {}
        self.allow_bounded = True
        self.twice: str | None = None
        self.uses_log = False
        self.templates: list[str] = []      # recursive functions worth calling from the handler
        self.factories: list = []           # (name, type of 2nd param) of closure factories
        self.fn_types = list(FN_TYPES)
        self.lib_values = {t: list(v) for t, v in LIB_VALUES.items()}

    # ---------------------------------------------------------------- drawing helpers
    def i(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def flip(self, percent):
        """True with roughly `percent`% probability (shrinks to False)."""
        return self.i(0, 99) < percent

    def pick(self, seq):
        return seq[self.i(0, len(seq) - 1)]

    def choose(self, options):
        """options: list of (weight, thunk); the first option is what shrinking prefers."""
        options = [(w, f) for w, f in options if w > 0]
        total = sum(w for w, _ in options)
        r = self.i(0, total - 1)
        for w, f in options:
            if r < w:
                return f()
            r -= w
        raise AssertionError

    def fresh(self, prefix="v"):
        self.counter += 1
        return f"{prefix}{self.counter}"

    # ---------------------------------------------------------------- types
    def tname(self, t) -> str:
        k = t[0]
        if k == "int":
            return "number"
        if k == "bool":
            return "boolean"
        if k == "str":
            return "string"
        if k == "dec":
            return "Decimal"
        if k == "json":
            return "Json"
        if k == "map":
            return f"Map<{self.tname(t[1])}, {self.tname(t[2])}>"
        if k == "list":
            return f"List<{self.tname(t[1])}>"
        if k == "opt":
            return f"Option<{self.tname(t[1])}>"
        if k == "res":
            return f"Result<{self.tname(t[1])}, {self.tname(t[2])}>"
        if k == "rec":
            return "{ " + ", ".join(f"{f}: {self.tname(ft)}" for f, ft in t[1]) + " }"
        if k == "union":
            return t[1]
        if k == "fn":
            return "(" + ", ".join(self.tname(p) for p in t[1]) + ") => " + self.tname(t[2])
        raise AssertionError(t)

    def simple_types(self):
        return [INT, BOOL, STR]

    def random_type(self, data=False, nested=True):
        pool = [(6, lambda: INT), (3, lambda: BOOL), (4, lambda: STR)]
        if nested:
            pool.append((3, lambda: LIST(self.random_type(data, nested=False) if self.flip(40) else INT)))
            pool.append((2, lambda: OPT(self.pick([INT, STR] + [r for r in self.records
                                                                 if not data or is_data(r, self.unions)]))))
            pool.append((1, lambda: RES(self.pick([INT, STR]), self.pick([STR, INT]))))
            if GEN_MAPS:
                pool.append((2, lambda: MAP(self.pick([INT, STR]), self.pick([INT, STR, BOOL, LIST(INT)]))))
        if GEN_DECIMAL:
            pool.append((2, lambda: DEC))
        if GEN_JSON:
            pool.append((2, lambda: JSON))
        if self.records:
            pool.append((2, lambda: self.pick([r for r in self.records if not data or is_data(r, self.unions)]
                                              or [INT])))
        if self.unions:
            pool.append((3, lambda: UN(self.pick(list(self.unions)))))
        if not data:
            pool.append((2, lambda: self.pick(self.fn_types)))
        return self.choose(pool)

    # ---------------------------------------------------------------- literals and leaves
    def int_lit(self) -> str:
        def extreme():
            v = self.pick(EXTREME_INTS)
            return f"({v})" if v < 0 else str(v)
        return self.choose([
            (6, lambda: str(self.i(0, 10))),
            (2, lambda: f"(-{self.i(1, 10)})"),
            (2, lambda: str(self.i(11, 100000))),
            (2 if GEN_INT64_EXTREMES else 0, extreme),
        ])

    def json_parse(self) -> str:
        texts = JSON_TEXTS + DEEP_JSON_TEXTS if GEN_DEEP_VALUES else JSON_TEXTS
        text = self.pick(texts).replace("\\", "\\\\").replace('"', '\\"')
        return f'Result.unwrapOr(Json.parse("{text}"), JsonInt(0))'

    def dec_lit(self) -> str:
        v = self.pick(DECIMALS)
        return f"(-{v})" if self.flip(20) else v

    def str_lit(self) -> str:
        pool = ASCII_STRINGS + (UNICODE_STRINGS if GEN_UNICODE_STRINGS else [])
        return '"' + self.pick(pool) + '"'

    def leaf(self, t, env, known=False) -> str:
        """A minimal expression of type t (no recursion into compound generators)."""
        self.nodes += 1
        vars_ = [n for n in env.of_type(t) if self.fninfo.get(n) is None or self.fninfo[n].bound is None]
        opts = []
        if vars_:
            opts.append((4, lambda: self.pick(vars_)))
        k = t[0]
        if k == "int":
            opts.append((5, self.int_lit))
        elif k == "bool":
            opts.append((5, lambda: self.pick(["true", "false"])))
        elif k == "str":
            opts.append((5, self.str_lit))
        elif k == "dec":
            opts.append((5, self.dec_lit))
        elif k == "json":
            opts.append((3, lambda: f"Json.from({self.leaf(self.pick([INT, STR, BOOL, DEC, LIST(INT)]), env, True)})"))
            opts.append((2, lambda: self.pick([f"JsonInt({self.int_lit()})", f"JsonString({self.str_lit()})",
                                               "JsonBool(true)", f"JsonDecimal({self.dec_lit()})"])))
            opts.append((2, self.json_parse))
        elif k == "map":
            if not known:
                opts.append((1, lambda: "Map.empty()"))
            opts.append((3, lambda: f"Map.set(Map.empty(), {self.leaf(t[1], env)}, {self.leaf(t[2], env, known)})"))
        elif k == "list":
            if not known:
                opts.append((1, lambda: "[]"))
            opts.append((3, lambda: "[" + self.leaf(t[1], env, known) + "]"))
        elif k == "opt":
            if not known:
                opts.append((1, lambda: "None"))
            opts.append((3, lambda: f"Some({self.leaf(t[1], env, known)})"))
        elif k == "res":
            opts.append((2, lambda: f"Ok({self.leaf(t[1], env, known)})"))
            opts.append((2, lambda: f"Err({self.leaf(t[2], env, known)})"))
        elif k == "rec":
            opts.append((5, lambda: self.record_lit(t, env, 0, known)))
        elif k == "union":
            opts.append((5, lambda: self.ctor_app(t[1], env, 0, known, base_only=True)))
        elif k == "fn":
            opts.append((4, lambda: self.lambda_(t, env, 0, annotate=True)))
            if t in self.lib_values:
                opts.append((1, lambda: self.pick(self.lib_values[t])))
        return self.choose(opts)

    # ---------------------------------------------------------------- expressions
    def expr(self, t, env, d, known=False) -> str:
        if d <= 0 or self.nodes >= MAX_NODES:
            return self.leaf(t, env, known)
        self.nodes += 1
        k = t[0]
        opts = [(8, lambda: self.leaf(t, env, known))]
        # generic forms
        opts += [
            (3, lambda: self.if_(t, env, d, known)),
            (2, lambda: self.block(t, env, d, known)),
            (3, lambda: self.match_(t, env, d, known)),
            (4, lambda: self.call_fn(t, env, d, known)),
            (2, lambda: self.field_access(t, env, d)),
            (2, lambda: self.index(t, env, d)),
            (1, lambda: f"Option.unwrapOr({self.expr(OPT(t), env, d - 1, known)}, {self.expr(t, env, d - 1, known)})"),
            (1, lambda: f"Result.unwrapOr({self.expr(RES(t, STR), env, d - 1, known)}, "
                        f"{self.expr(t, env, d - 1, known)})"),
            (1, lambda: self.fold(t, env, d, known)),
            (1, lambda: self.invoke_lambda(t, env, d, known)),
        ]
        if self.twice and t in (INT, STR):
            opts.append((1, lambda: f"{self.twice}({self.expr(FN((t,), t), env, d - 1)}, {self.expr(t, env, d - 1)})"))
        if k == "int":
            opts += [
                (10, lambda: self.arith(env, d)),
                (1 if GEN_INT64_EXTREMES else 0, self.tricky_arith),
                (2, lambda: self.list_var_length(env, d)),
                (2, lambda: f"(-{self.expr(INT, env, d - 1)})"),
                (2, lambda: f"List.length({self.expr(LIST(self.random_type(nested=False)), env, d - 1)})"),
                (1, lambda: f"String.length({self.expr(STR, env, d - 1)})"),
                (2, lambda: f"{self.pick(['Number.abs'])}({self.expr(INT, env, d - 1)})"),
                (2, lambda: f"{self.pick(['Number.min', 'Number.max'])}({self.expr(INT, env, d - 1)}, "
                            f"{self.expr(INT, env, d - 1)})"),
                (1, lambda: f"Option.unwrapOr(String.toNumber({self.expr(STR, env, d - 1)}), {self.int_lit()})"),
                (2 if GEN_PIPELINES else 0, lambda: self.list_chain(env, d, fold=True)),
            ]
            if GEN_DECIMAL:
                opts.append((1, lambda: f"Decimal.compare({self.expr(DEC, env, d - 1)}, {self.expr(DEC, env, d - 1)})"))
            if GEN_MAPS:
                opts.append((1, lambda: f"Map.size({self.expr(self.map_type(), env, d - 1)})"))
        elif k == "bool":
            opts += [
                (5, lambda: f"({self.expr(INT, env, d - 1)} {self.pick(['<', '<=', '>', '>='])} "
                            f"{self.expr(INT, env, d - 1)})"),
                (2, lambda: f"({self.expr(STR, env, d - 1)} {self.pick(['<', '<=', '>', '>='])} "
                            f"{self.expr(STR, env, d - 1)})"),
                (5, lambda: self.equality(env, d)),
                (3, lambda: f"({self.expr(BOOL, env, d - 1)} {self.pick(['&&', '||'])} {self.expr(BOOL, env, d - 1)})"),
                (2, lambda: f"(!{self.expr(BOOL, env, d - 1)})"),
                (1, lambda: f"Option.isSome({self.expr(OPT(self.random_type(nested=False)), env, d - 1)})"),
                (1, lambda: f"Result.isOk({self.expr(RES(INT, STR), env, d - 1)})"),
                (1, lambda: self.contains(env, d)),
                (1, lambda: f"{self.pick(['String.contains', 'String.startsWith'])}({self.expr(STR, env, d - 1)}, "
                            f"{self.expr(STR, env, d - 1)})"),
            ]
            if GEN_DECIMAL:
                opts.append((1, lambda: f"Result.isOk(Decimal.div({self.expr(DEC, env, d - 1)}, "
                                        f"{self.expr(DEC, env, d - 1)}))"))
            if GEN_MAPS:
                opts.append((1, lambda: self.map_query("Map.has", env, d)))
            if GEN_CLOSURE_EQUALITY:
                opts.append((3, lambda: self.closure_eq(env, d)))
                if self.factories:
                    opts.append((4, lambda: self.factory_eq(env, d)))
        elif k == "str":
            opts += [
                (8, lambda: f"({self.expr(STR, env, d - 1)} + {self.expr(STR, env, d - 1)})"),
                (2, lambda: f"{self.pick(['Number.toString', 'String.fromNumber'])}({self.expr(INT, env, d - 1)})"),
                (1, lambda: f"String.slice({self.expr(STR, env, d - 1)}, {self.small_int(env, d)}, "
                            f"{self.small_int(env, d)})"),
                (1, lambda: f"{self.pick(['String.toUpper', 'String.toLower'])}({self.expr(STR, env, d - 1)})"),
                (1, lambda: f"List.join({self.expr(LIST(STR), env, d - 1)}, {self.str_lit()})"),
            ]
            if GEN_DECIMAL:
                opts.append((1, lambda: f"Decimal.toString({self.expr(DEC, env, d - 1)})"))
            if GEN_JSON_HASH:
                opts.append((1, lambda: f"{self.pick(['Json.stringify', 'Hash.of'])}"
                                        f"({self.expr(self.random_type(data=True), env, d - 1)})"))
                opts.append((1, lambda: f"Hash.fnv1a64({self.expr(STR, env, d - 1)})"))
        elif k == "list":
            el = t[1]
            opts += [
                (6, lambda: "[" + ", ".join(self.expr(el, env, d - 1, known) for _ in range(self.i(1, 4))) + "]"),
                (3, lambda: self.list_map(el, env, d, known)),
                (2, lambda: f"List.filter({self.expr(t, env, d - 1, True)}, {self.fn_arg(FN((el,), BOOL), env, d)})"),
                (2, lambda: f"List.append({self.expr(t, env, d - 1, known)}, {self.expr(el, env, d - 1, known)})"),
                (2, lambda: f"List.concat({self.expr(t, env, d - 1, known)}, {self.expr(t, env, d - 1, known)})"),
                (1, lambda: f"List.reverse({self.expr(t, env, d - 1, known)})"),
            ]
            if el == INT:
                opts.append((3, lambda: f"List.range({self.small_int(env, d)}, {self.small_int(env, d)})"))
                opts.append((2 if GEN_PIPELINES else 0, lambda: self.list_chain(env, d, fold=False)))
            opts.append((1, lambda: f"List.map(List.range(0, {self.i(14, 70)}), "
                                    f"{self.fn_arg(FN((INT,), el), env, d)})"))
            if el in (INT, STR):
                opts.append((1, lambda: f"List.sort({self.expr(t, env, d - 1, known)})"))
            if el == STR:
                opts.append((1, lambda: f"String.split({self.expr(STR, env, d - 1)}, {self.str_lit()})"))
            if GEN_MAPS and el in (INT, STR):
                opts.append((1, lambda: f"Map.keys({self.expr(self.map_type(key=el), env, d - 1)})"))
            if GEN_MAPS and el in (INT, STR, BOOL, LIST(INT)):
                opts.append((1, lambda: f"Map.values({self.expr(self.map_type(value=el), env, d - 1)})"))
        elif k == "rec":
            opts.append((6, lambda: self.record_lit(t, env, d, known)))
        elif k == "dec":
            opts += [
                (6, lambda: f"({self.expr(DEC, env, d - 1)} {self.pick(['+', '-', '*'])} {self.expr(DEC, env, d - 1)})"),
                (1, lambda: f"(-{self.expr(DEC, env, d - 1)})"),
                (2, lambda: f"Decimal.{self.pick(['add', 'sub', 'mul'])}({self.expr(DEC, env, d - 1)}, "
                            f"{self.expr(DEC, env, d - 1)})"),
                (2, lambda: f"Decimal.fromNumber({self.expr(INT, env, d - 1)})"),
                (1, lambda: f"Decimal.round({self.expr(DEC, env, d - 1)}, {self.small_int(env, d)})"),
                (1, lambda: f"Result.unwrapOr(Decimal.div({self.expr(DEC, env, d - 1)}, {self.expr(DEC, env, d - 1)}), "
                            f"{self.dec_lit()})"),
                (1, lambda: f"Result.unwrapOr(Decimal.fromString({self.expr(STR, env, d - 1)}), {self.dec_lit()})"),
            ]
        elif k == "json":
            opts += [
                (4, lambda: f"Json.from({self.expr(self.random_type(data=True), env, d - 1, True)})"),
                (2, lambda: f"JsonArray({self.expr(LIST(JSON), env, d - 1, True)})"),
                (2, lambda: f"JsonObject({self.expr(MAP(STR, JSON), env, d - 1, True)})"),
                (2, self.json_parse),
                (1, lambda: f"Result.unwrapOr(Json.parse({self.expr(STR, env, d - 1)}), JsonBool(false))"),
            ]
        elif k == "map":
            opts += [
                (5, lambda: f"Map.set({self.expr(t, env, d - 1, known)}, {self.expr(t[1], env, d - 1)}, "
                            f"{self.expr(t[2], env, d - 1, known)})"),
                (2, lambda: f"Map.remove({self.expr(t, env, d - 1, known)}, {self.expr(t[1], env, d - 1)})"),
                (2, lambda: f"List.fold({self.expr(LIST(t[1]), env, d - 1, True)}, {self.expr(t, env, d - 1, True)}, "
                            f"{self.fn_arg(FN((t, t[1]), t), env, d)})"),
            ]
        elif k == "union":
            opts.append((8, lambda: self.ctor_app(t[1], env, d, known)))
        elif k == "opt":
            opts += [
                (4, lambda: f"Some({self.expr(t[1], env, d - 1, known)})"),
                (1 if not known else 0, lambda: "None"),
                (3, lambda: f"List.get({self.expr(LIST(t[1]), env, d - 1, known)}, {self.small_int(env, d)})"),
                (2, lambda: self.option_map(t, env, d, known)),
            ]
            if t[1] == INT:
                opts.append((1, lambda: f"String.toNumber({self.expr(STR, env, d - 1)})"))
            if GEN_MAPS and t[1] in (INT, STR, BOOL, LIST(INT)):
                opts.append((2, lambda: self.map_query("Map.get", env, d, value=t[1])))
        elif k == "res":
            opts += [
                (3, lambda: f"Ok({self.expr(t[1], env, d - 1, known)})"),
                (3, lambda: f"Err({self.expr(t[2], env, d - 1, known)})"),
                (1, lambda: f"Result.map({self.expr(RES(INT, t[2]), env, d - 1, True)}, "
                            f"{self.fn_arg(FN((INT,), t[1]), env, d)})"),
                (1, lambda: f"Result.mapErr({self.expr(RES(t[1], STR), env, d - 1, True)}, "
                            f"{self.fn_arg(FN((STR,), t[2]), env, d)})"),
            ]
        elif k == "fn":
            opts += [
                (6, lambda: self.lambda_(t, env, d, annotate=True)),
            ]
        if k != "fn" and t not in (INT, BOOL, STR):
            opts.append((2, lambda: self.pipeline(t, env, d, known)))
        elif k in ("int", "bool", "str"):
            opts.append((1, lambda: self.pipeline(t, env, d, known)))
        return self.choose(opts)

    def map_type(self, key=None, value=None):
        return MAP(key or self.pick([INT, STR]), value or self.pick([INT, STR, BOOL, LIST(INT)]))

    def map_query(self, fn, env, d, value=None):
        mt = self.map_type(value=value)
        return f"{fn}({self.expr(mt, env, d - 1)}, {self.expr(mt[1], env, d - 1)})"

    def small_int(self, env, d):
        """A small number expression (list bounds, slice bounds, indices)."""
        return self.choose([
            (6, lambda: str(self.i(0, 5))),
            (1, lambda: f"(-{self.i(1, 3)})"),
            (2, lambda: f"({self.expr(INT, env, d - 1)} % {self.i(2, 30)})"),
            (1, lambda: str(self.i(6, 120))),
        ])

    def list_var_length(self, env, d):
        lists = [n for n, (ty, _) in env.visible().items() if ty[0] == "list"]
        if not lists:
            return self.arith(env, d)
        return f"List.length({self.pick(lists)})"

    def tricky_arith(self):
        a = self.pick(EXTREME_INTS + [0, 1, -1])
        b = self.pick(EXTREME_INTS + [0, 1, -1, 2, -2])
        lit = lambda v: f"({v})" if v < 0 else str(v)
        return f"({lit(a)} {self.pick(['+', '-', '*', '/', '%'])} {lit(b)})"

    def arith(self, env, d):
        if GEN_COMMON_ARITH and self.flip(12):
            return self.common_arith(env)
        op = self.pick(["+", "-", "*", "/", "%", "+", "-", "*"])
        a = self.expr(INT, env, d - 1)
        b = self.expr(INT, env, d - 1)
        return f"({a} {op} {b})"

    def simple_arith(self, env) -> str:
        """Arithmetic on one local (or literal) and a literal."""
        vars_ = [n for n in env.of_type(INT) if self.fninfo.get(n) is None]
        base = self.pick(vars_) if vars_ and self.flip(80) else self.int_lit()
        return f"({base} {self.pick(['+', '-', '*', '%'])} {self.i(1, 9)})"

    def common_arith(self, env) -> str:
        s = self.simple_arith(env)
        return self.pick([f"({s} + {s})", f"({s} * {s})", f"({s} - ({s} * 2))", f"(({s} + 1) * {s})",
                          f"(({s} / 3) + {s})"])

    def if_(self, t, env, d, known):
        c = self.expr(BOOL, env, d - 1)
        a = self.expr(t, env, d - 1, known)
        if self.flip(20):
            c2 = self.expr(BOOL, env, d - 1)
            b = self.expr(t, env, d - 1, known)
            e = self.expr(t, env, d - 1, known)
            return f"(if ({c}) {{ {a} }} else if ({c2}) {{ {b} }} else {{ {e} }})"
        b = self.expr(t, env, d - 1, known)
        return f"(if ({c}) {{ {a} }} else {{ {b} }})"

    # ---------------------------------------------------------------- blocks and statements
    def statements(self, env, d, scope_names, max_stmts=2, allow_log=False):
        """Binding / nested function statements; returns (list of text, new env)."""
        out = []
        for _ in range(self.i(0, max_stmts)):
            kind = self.choose([
                (6, lambda: "bind"),
                (2, lambda: "fn"),
                (1, lambda: "rec"),
                (1 if allow_log and GEN_LOG_EFFECT else 0, lambda: "log"),
            ])
            if kind == "bind":
                ty = self.random_type()
                name = None
                if GEN_SHADOWING and self.flip(8):
                    cands = [n for n in env.of_type(INT, kinds={"local"}) + env.of_type(STR, kinds={"local"})
                             if n not in scope_names]
                    if cands:
                        name = self.pick(cands)
                name = name or self.fresh("v")
                if self.flip(30):
                    out.append(f"let {name}: {self.tname(ty)} = {self.expr(ty, env, d - 1)}")
                else:
                    out.append(f"const {name} = {self.expr(ty, env, d - 1, known=True)}")
                scope_names.add(name)
                env = env.add(name, ty, "local")
            elif kind == "fn":
                ft = self.pick(self.fn_types)
                name = self.fresh("h")
                params = [self.fresh("p") for _ in ft[1]]
                inner = env.enter()
                for p, pt in zip(params, ft[1]):
                    inner = inner.add(p, pt, "param")
                body = self.expr(ft[2], inner, d - 1)
                ps = ", ".join(f"{p}: {self.tname(pt)}" for p, pt in zip(params, ft[1]))
                out.append(f"function {name}({ps}): {self.tname(ft[2])} {{ {body} }}")
                scope_names.add(name)
                env = env.add(name, ft, "fn")
                self.fninfo[name] = FnInfo(ft[1], ft[2])
            elif kind == "rec":
                # nested tail-recursive loop capturing the enclosing scope
                name, i, acc = self.fresh("loop"), self.fresh("i"), self.fresh("acc")
                inner = env.enter().add(i, INT, "param").add(acc, INT, "param")
                step = self.with_bounded(False, lambda: self.expr(INT, inner, 2))
                base = acc
                outs = [(nm, inf) for nm, inf in self.callables(INT, inner) if inf.bound is not None]
                if outs and self.flip(30):      # a tail call out of the loop into another function
                    nm, inf = self.pick(outs)
                    base = f"{nm}({', '.join(self.args_for(nm, inf, inner, 2))})"
                out.append(f"function {name}({i}: number, {acc}: number): number {{ "
                           f"if ({i} <= 0) {{ {base} }} else {{ {name}({i} - 1, {step}) }} }}")
                scope_names.add(name)
                env = env.add(name, FN((INT, INT), INT), "fn")
                self.fninfo[name] = FnInfo((INT, INT), INT, bound=5000)
            else:
                self.uses_log = True
                out.append(f"Log.{self.pick(['info', 'debug', 'warn', 'error'])}({self.str_lit()}, "
                           f"{self.expr(self.random_type(data=True), env, d - 1)})")
        return out, env

    def block(self, t, env, d, known):
        stmts, env2 = self.statements(env, d, set())
        if not stmts:
            stmts, env2 = self.statements(env, d, set(), max_stmts=1)
        res = self.expr(t, env2, d - 1, known)
        return "{ " + "; ".join(stmts + [res]) + " }" if stmts else f"{{ {res} }}"

    # ---------------------------------------------------------------- calls
    def with_bounded(self, allowed, thunk):
        old = self.allow_bounded
        self.allow_bounded = allowed and old
        try:
            return thunk()
        finally:
            self.allow_bounded = old

    def args_for(self, name, info, env, d):
        args = []
        for idx, pt in enumerate(info.params):
            if idx == 0 and info.bound is not None:
                bound = info.bound
                args.append(self.choose([
                    (3, lambda: str(self.i(0, 12))),
                    (3, lambda: str(self.i(0, bound))),
                    (2, lambda: str(self.i(max(0, bound - 600), bound))),
                    (2, lambda: str(min(bound, self.pick([331, 332, 333, 334, 497, 498, 499, 500, 501, 502,
                                                          997, 998, 999, 1000, 1001, 1002])))),
                    (3 if GEN_DEEP_VALUES and info.builder else 0,
                     lambda: str(min(bound, self.pick(NESTING_EDGES)))),
                    (1, lambda: f"Number.min({self.expr(INT, env, d - 1)}, {bound})"),
                ]))
            elif info.builder and not GEN_DEEP_VALUES:     # no builder call nested in another
                args.append(self.with_bounded(False, lambda: self.expr(pt, env, d - 1, known=has_typevar_leaf(pt))))
            else:
                args.append(self.expr(pt, env, d - 1, known=has_typevar_leaf(pt)))
        return args

    def callables(self, t, env):
        vis = env.visible()
        out = []
        for name, (ty, kind) in vis.items():
            if ty[0] == "fn" and ty[2] == t:
                info = self.fninfo.get(name)
                if info is not None and info.bound is not None and not self.allow_bounded:
                    continue
                out.append((name, info or FnInfo(ty[1], ty[2])))
        return out

    def arg_env(self, env, callee):
        """The environment for the arguments of a call of `callee` (None: a lambda expression).

        Without GEN_CALLEE_CAPTURE_ORDER, when the callee reads a captured variable the
        arguments may not read captured variables (see closure_capture_order.mtp).
        """
        if GEN_CALLEE_CAPTURE_ORDER or env.level < 2:
            return env
        if callee is None or env.captured(callee):
            return env.without_captures()
        return env

    def call_fn(self, t, env, d, known):
        cands = self.callables(t, env)
        if not cands:
            return self.expr(t, env, d - 1, known)
        name, info = self.pick(cands)
        return f"{name}({', '.join(self.args_for(name, info, self.arg_env(env, name), d))})"

    def pipeline(self, t, env, d, known):
        cands = [(n, i) for n, i in self.callables(t, env) if i.bound is None]
        if not cands:
            return self.expr(t, env, d - 1, known)
        name, info = self.pick(cands)
        args = self.args_for(name, info, self.arg_env(env, name), d)
        first = f"({args[0]})"
        if len(args) == 1 and self.flip(50):
            return f"({first} |> {name})"
        if len(args) == 1 and self.flip(30):
            lam = self.lambda_(FN(info.params, t), env, d - 1, annotate=True)
            return f"({first} |> {lam})"
        return f"({first} |> {name}({', '.join(args[1:])}))"

    def invoke_lambda(self, t, env, d, known):
        pt = self.pick([INT, STR])
        lam = self.lambda_(FN((pt,), t), env, d - 1, annotate=True, known=known)
        return f"{lam}({self.expr(pt, self.arg_env(env, None), d - 1)})"

    def field_access(self, t, env, d):
        recs = [r for r in self.records if any(ft == t for _, ft in r[1])]
        if not recs:
            return self.expr(t, env, d - 1)
        r = self.pick(recs)
        f = self.pick([f for f, ft in r[1] if ft == t])
        return f"({self.expr(r, env, d - 1, known=True)}).{f}"

    def index(self, t, env, d):
        xs = self.expr(LIST(t), env, d - 1, known=True)
        i = self.choose([(10, lambda: "0"), (2, lambda: str(self.i(1, 2))), (1, lambda: self.small_int(env, d)),
                         (1, lambda: self.expr(INT, env, d - 1))])
        return f"({xs})[{i}]"

    def fold(self, t, env, d, known):
        el = self.random_type(nested=False)
        xs = self.expr(LIST(el), env, d - 1, known=True)
        init = self.expr(t, env, d - 1, known=True)
        f = self.fn_arg(FN((t, el), t), env, d)
        return f"List.fold({xs}, {init}, {f})"

    def list_map(self, el, env, d, known):
        src = self.random_type(nested=False)
        return f"List.map({self.expr(LIST(src), env, d - 1, True)}, {self.fn_arg(FN((src,), el), env, d)})"

    # List.range bounds for pipelines: empty, short and long ranges, one past the length
    # limit, and ranges whose elements (or the literal itself) pass the fast range or 2^53 - 1.
    PIPELINE_RANGES = [(0, 0), (3, 1), (0, 5), (-4, 40), (0, 2000), (0, 1_000_001),
                       (2**51 - 4, 2**51 + 1), (-(2**51) - 1, -(2**51) + 3),
                       (2**53 - 6, 2**53 - 1), (2**53 - 3, 2**53 + 2), (-(2**53) + 1, -(2**53) + 4)]

    def list_chain(self, env, d, fold: bool):
        """`source |> List.map(...) |> List.filter(...) [|> List.fold(...) or List.length]`:
        one to three steps over a range or a number list, lambdas on their element,
        captured numbers and literals near the fast tier's bounds; a step sometimes calls
        a function (then the chain is fused only above or below it)."""
        captured = env.of_type(INT)[:3]

        def body(names, depth):
            arith = self.counted_arith(names + captured, depth)
            return f"Number.abs({arith})" if self.flip(10) else arith

        def range_source():
            lo, hi = self.pick(self.PIPELINE_RANGES)
            lo = str(lo) if lo >= 0 else f"(-{-lo})"
            return f"List.range({self.pick([lo, self.small_int(env, d)])}, {hi})"

        chain = [self.choose([(3, range_source), (2, lambda: self.expr(LIST(INT), env, d - 1, True))])]
        for _ in range(self.i(1, 3) - fold):
            x = self.fresh("x")
            if self.flip(60):
                chain.append(f"List.map(({x}: number) => {body([x], 2)})")
            else:
                op = self.pick(["<", "<=", ">", ">=", "==", "!="])
                chain.append(f"List.filter(({x}: number) => {body([x], 1)} {op} {body([x], 1)})")
        if fold and self.flip(25):
            chain.append("List.length")
        elif fold:
            acc, x = self.fresh("acc"), self.fresh("x")
            chain.append(f"List.fold({self.pick(['0', '1', str(2**52)])}, "
                         f"({acc}: number, {x}: number) => {body([acc, x], 2)})")
        return "(" + " |> ".join(chain) + ")"

    def option_map(self, t, env, d, known):
        src = self.pick([INT, STR])
        return f"Option.map({self.expr(OPT(src), env, d - 1, True)}, {self.fn_arg(FN((src,), t[1]), env, d)})"

    def contains(self, env, d):
        el = self.random_type(nested=False)
        return f"List.contains({self.expr(LIST(el), env, d - 1, True)}, {self.expr(el, env, d - 1)})"

    def equality(self, env, d):
        ty = self.random_type()
        op = self.pick(["==", "!="])
        a = self.expr(ty, env, d - 1, known=True)
        b = a if self.flip(25) else self.expr(ty, env, d - 1, known=True)
        return f"({a} {op} {b})"

    def closure_eq(self, env, d):
        ft = self.pick(self.fn_types)
        a = self.expr(ft, env, d - 1)
        b = a if self.flip(50) else self.expr(ft, env, d - 1)
        return f"({a} {self.pick(['==', '==', '!='])} {b})"

    # ---------------------------------------------------------------- functions as values
    def lambda_(self, ft, env, d, annotate, known=False):
        """A lambda of function type `ft`; `known`: its result's type must follow from its
        body alone (nothing around it gives the type: an immediately invoked lambda)."""
        params = [self.fresh("x") for _ in ft[1]]
        inner = env.enter()
        for p, pt in zip(params, ft[1]):
            inner = inner.add(p, pt, "param")
        form = self.choose([(6, lambda: "arrow"), (2, lambda: "arrow_ret"), (2, lambda: "function")])
        if annotate or form != "arrow":
            ps = ", ".join(f"{p}: {self.tname(pt)}" for p, pt in zip(params, ft[1]))
        else:
            ps = ", ".join(params)
        if form == "function":
            stmts, inner2 = self.statements(inner, d, set(params), max_stmts=1) if d > 0 else ([], inner)
            body = self.expr(ft[2], inner2, d - 1, known)
            if self.flip(30):
                body = "return " + body
            return f"(function ({ps}) {{ {'; '.join(stmts + [body])} }})"
        body = self.expr(ft[2], inner, d - 1, known)
        if form == "arrow_ret":
            return f"(({ps}): {self.tname(ft[2])} => {body})"
        return f"(({ps}) => {body})"

    def fn_arg(self, ft, env, d):
        """A function argument of a library higher-order function (types flow from the left)."""
        vars_ = [n for n in env.of_type(ft) if self.fninfo.get(n) is None or self.fninfo[n].bound is None]
        return self.choose([
            (6, lambda: self.lambda_(ft, env, d - 1, annotate=self.flip(40))),
            (2 if vars_ else 0, lambda: self.pick(vars_)),
            (1 if ft in self.lib_values else 0, lambda: self.pick(self.lib_values[ft])),
        ])

    # ---------------------------------------------------------------- data
    def record_lit(self, t, env, d, known):
        fields = list(t[1])
        order = self.draw(st.permutations(fields))
        parts = []
        for f, ft in order:
            key = f'"{f}"' if self.flip(15) else f
            val = self.expr(ft, env, d - 1, known) if d > 0 else self.leaf(ft, env, known)
            parts.append(f"{key}: {val}")
        return "{ " + ", ".join(parts) + " }"

    def ctor_app(self, uname, env, d, known, base_only=False):
        u = self.unions[uname]
        variants = [v for v in u.variants if not any(ft == UN(uname) for ft in v.fields)] if base_only or d <= 1 \
            else u.variants
        v = self.pick(variants)
        if not v.fields:
            return v.name
        args = []
        for ft in v.fields:
            if base_only or d <= 0:
                args.append(self.leaf(ft, env, known))
            else:
                args.append(self.expr(ft, env, d - 1, known))
        return f"{v.name}({', '.join(args)})"

    # ---------------------------------------------------------------- match
    def pattern(self, ty, depth, bound):
        """Returns (pattern repr, source text, bindings list[(name, type)])."""
        k = ty[0]
        opts = [(3, lambda: (WILD, "_", [])), (2, lambda: self.var_pat(ty))]
        if depth > 0:
            if k == "int":
                opts.append((5, lambda: self.lit_pat(self.pick([0, 1, 2, 3, -1, 7, 10, INT64_MAX]))))
            elif k == "str":
                opts.append((5, lambda: self.lit_pat(self.pick(["", "a", "ab", "hello", "0"]), string=True)))
            elif k == "dec":
                opts.append((5, lambda: self.dec_pat()))
            elif k == "json":
                opts.append((8, lambda: self.ctor_pat(ty, depth, bound)))
            elif k == "bool":
                opts.append((5, lambda: self.bool_pat()))
            elif k in ("union", "opt", "res"):
                opts.append((8, lambda: self.ctor_pat(ty, depth, bound)))
            elif k == "rec":
                opts.append((5, lambda: self.rec_pat(ty, depth, bound)))
        return self.choose(opts)

    def dec_pat(self):
        text = self.pick(["1.5", "1.50", "0.1", "2.25", "-0.5", "0.0", "1.0"])
        from decimal import Decimal
        return ("l", ("dec", Decimal(text))), text, []

    def bool_pat(self):
        v = self.pick(["true", "false"])
        return ("c", v, ()), v, []

    def var_pat(self, ty):
        name = self.fresh("b")
        return WILD, name, [(name, ty)]

    def lit_pat(self, v, string=False):
        if string:
            return ("l", v), f'"{v}"', []
        return ("l", v), str(v), []

    def ctor_pat(self, ty, depth, bound):
        name, fields = self.pick(constructors(ty, self.unions))
        if not fields:
            return ("c", name, ()), name, []
        subs = [self.pattern(ft, depth - 1, bound) for ft in fields]
        binds = [b for s in subs for b in s[2]]
        return ("c", name, tuple(s[0] for s in subs)), f"{name}({', '.join(s[1] for s in subs)})", binds

    def rec_pat(self, ty, depth, bound):
        fields = list(ty[1])
        reprs, texts, binds = [], [], []
        for f, ft in fields:
            if not self.flip(60):
                reprs.append(WILD)
                continue
            if f not in bound and self.flip(40):
                bound.add(f)
                reprs.append(WILD)
                texts.append(f)
                binds.append((f, ft))
            else:
                s = self.pattern(ft, depth - 1, bound)
                reprs.append(s[0])
                texts.append(f"{f}: {s[1]}")
                binds += s[2]
        return ("c", "{}", tuple(reprs)), "{ " + ", ".join(texts) + " }" if texts else "{}", binds

    def match_(self, t, env, d, known):
        pool = [(3, lambda: INT), (2, lambda: STR), (1, lambda: BOOL), (2, lambda: OPT(self.pick([INT, STR]))),
                (1, lambda: RES(INT, STR)), (1 if GEN_DECIMAL else 0, lambda: DEC),
                (2 if GEN_JSON else 0, lambda: JSON)]
        if self.unions:
            pool.append((6, lambda: UN(self.pick(list(self.unions)))))
        if self.records:
            pool.append((2, lambda: self.pick(self.records)))
        sty = self.choose(pool)
        scrut = self.expr(sty, env, d - 1, known=True)
        rows, arms = [], []
        want = self.i(1, 4)
        for _ in range(want * 2):
            if len(arms) >= want:
                break
            p, text, binds = self.pattern(sty, 2, set())
            if useful(rows, [p], [sty], self.unions):
                rows.append([p])
                arms.append((text, binds))
        if useful(rows, [WILD], [sty], self.unions):
            arms.append(self.pick([("_", []), self.var_pat(sty)[1:]]))
        out = []
        for text, binds in arms:
            inner = env
            for name, bt in binds:
                inner = inner.add(name, bt, "local")
            out.append(f"{text} => {self.expr(t, inner, d - 1, known)}")
        sep = self.pick([", ", ", | "])
        return f"(match ({scrut}) {{ {sep.join(out)} }})"

    # ---------------------------------------------------------------- declarations
    def declare_unions(self):
        count = self.i(1, 2)
        lines = []
        for ui in range(count):
            uname = f"U{ui}"
            letter = "ABCDEFGH"
            nvar = self.i(2, 4)
            variants = []
            self.unions[uname] = Union(uname, variants)   # visible to itself (recursion)
            field_pool = [INT, STR, BOOL, OPT(INT), LIST(INT), UN(uname)] + [UN(f"U{j}") for j in range(ui)]
            for vi in range(nvar):
                vname = f"{letter[vi]}{ui}"
                nf = self.i(0, 2)
                if vi == 0:      # the base variant never refers to its own union
                    fields = tuple(self.pick([f for f in field_pool if f != UN(uname)]) for _ in range(nf))
                elif vi == 1 and self.flip(70):
                    fields = (UN(uname), UN(uname)) if self.flip(50) else (INT, UN(uname))
                else:
                    fields = tuple(self.pick(field_pool) for _ in range(nf))
                names = None
                if fields and self.flip(25):
                    names = tuple(f"f{j}" for j in range(len(fields)))
                variants.append(Variant(vname, fields, names))
            def show(v):
                if not v.fields:
                    return v.name
                if v.names:
                    return f"{v.name}(" + ", ".join(f"{n}: {self.tname(ft)}" for n, ft in zip(v.names, v.fields)) + ")"
                return f"{v.name}(" + ", ".join(self.tname(ft) for ft in v.fields) + ")"
            lines.append(f"type {uname} = " + " | ".join(show(v) for v in variants))
        return lines

    def declare_records(self):
        lines = []
        for ri in range(self.i(0, 2)):
            names = ["a", "b", "c", "d"][: self.i(1, 3)]
            fields = []
            for nm in names:
                ft = self.choose([(4, lambda: INT), (2, lambda: STR), (2, lambda: BOOL), (1, lambda: LIST(INT)),
                                  (1, lambda: OPT(INT)),
                                  (1 if self.unions else 0, lambda: UN(self.pick(list(self.unions)))),
                                  (1, lambda: FN((INT,), INT))])
                fields.append((nm, ft))
            r = REC(fields)
            if r not in self.records:
                self.records.append(r)
                if self.flip(50):
                    lines.append(f"type R{ri} {self.tname(r)}")
        return lines

    def helper(self, env):
        name = self.fresh("f")
        params = [(self.fresh("p"), self.random_type()) for _ in range(self.i(1, 2))]
        ret = self.choose([(4, lambda: self.random_type()), (3, lambda: self.pick(self.fn_types))])
        inner = env.enter()
        for p, pt in params:
            inner = inner.add(p, pt, "param")
        body = self.expr(ret, inner, self.i(1, 3), known=True)
        if self.flip(15):
            body = "return " + body
        ps = ", ".join(f"{p}: {self.tname(pt)}" for p, pt in params)
        annot = "" if self.flip(20) else f": {self.tname(ret)}"
        self.fninfo[name] = FnInfo(tuple(pt for _, pt in params), ret)
        return f"function {name}({ps}){annot} {{ {body} }}", env.add(name, FN([pt for _, pt in params], ret), "fn")

    def template(self, env):
        """A recursive function (or pair).  Returns (lines, env)."""
        kinds = [(4, "countdown"), (2, "mutual"), (2, "closure_loop"), (3 if GEN_DEEP_NON_TAIL else 1, "non_tail"),
                 (2 if GEN_CALLBACK_RECURSION else 0, "callback"), (1, "twice"),
                 (2 if GEN_CLOSURE_EQUALITY else 0, "factory"), (3 if GEN_COUNTED_LOOPS else 0, "counted")]
        rec_unions = [u for u in self.unions.values()
                      if any(UN(u.name) in v.fields for v in u.variants)]
        if rec_unions:
            kinds.append((4, "walker"))
            kinds.append((2, "builder"))
        kind = self.choose([(w, (lambda k=k: k)) for w, k in kinds])
        old = self.allow_bounded
        self.allow_bounded = False
        try:
            return getattr(self, "t_" + kind)(env, rec_unions)
        finally:
            self.allow_bounded = old

    def t_countdown(self, env, _):
        name, n, acc = self.fresh("tc"), self.fresh("n"), self.fresh("acc")
        ty = self.choose([(5, lambda: INT), (2, lambda: STR), (1, lambda: LIST(INT))])
        inner = env.enter().add(n, INT, "param").add(acc, ty, "param")
        if ty == LIST(INT) and not GEN_LIST_DOUBLING:      # acc used once: linear growth
            no_acc = env.enter().add(n, INT, "param")
            step = self.choose([
                (3, lambda: f"List.append({acc}, {self.expr(INT, no_acc, 2)})"),
                (2, lambda: f"List.concat({acc}, {self.expr(LIST(INT), no_acc, 1, known=True)})"),
                (2, lambda: f"List.concat({self.expr(LIST(INT), no_acc, 1, known=True)}, {acc})"),
                (1, lambda: f"List.reverse({acc})"),
                (1, lambda: f"List.filter({acc}, {self.fn_arg(FN((INT,), BOOL), no_acc, 2)})"),
                (1, lambda: f"List.map({acc}, {self.fn_arg(FN((INT,), INT), no_acc, 2)})"),
                (1, lambda: self.expr(LIST(INT), no_acc, 2, known=True)),
            ])
        elif ty == INT and GEN_COMMON_ARITH and self.flip(25):
            # `n - 1` in both arguments: the fast tier computes it once, and must then
            # assign the parameters in an order that reads it only after computing it
            step = f"{acc} + ({n} - 1) * {self.expr(INT, inner, 1)}"
        else:
            step = self.expr(ty, inner, 2, known=True)
        stop = self.pick([f"{n} <= 0", f"{n} < 1", f"0 >= {n}"])
        body = self.pick([
            f"if ({stop}) {{ {acc} }} else {{ {name}({n} - 1, {step}) }}",
            f"if ({stop}) {{ return {acc} }} else {{ return {name}({n} - 1, {step}) }}",
            f"match ({stop}) {{ true => {acc}, false => {name}({n} - 1, {step}) }}",
            f"match ({stop}) {{ true => return {acc}, false => return {name}({n} - 1, {step}) }}",
        ])
        self.fninfo[name] = FnInfo((INT, ty), ty, bound=5000)
        t = FN((INT, ty), ty)
        return [f"function {name}({n}: number, {acc}: {self.tname(ty)}): {self.tname(ty)} {{ {body} }}"], \
            env.add(name, t, "fn")

    MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
    # Magnitudes around the fast tier's bounds: 2^31, the entry test's 2^50, the fast
    # range's 2^51 - 1, 2^53.
    COUNTED_LITERALS = [0, 1, 2, 3, 7, 1000, 65537, 2**31 - 1, 2**31, 2**26, 2**45,
                        2**50 - 1, 2**50, 2**50 + 1, 2**51 - 1, 2**51, 2**52, 2**53 - 1]

    def counted_arith(self, names, depth):
        """Arithmetic on `names` and literals (no calls): what a counted loop may compute."""
        if depth == 0 or self.flip(35):
            if self.flip(60):
                return self.pick(names)
            v = self.pick(self.COUNTED_LITERALS)
            return f"(-{v})" if v and self.flip(15) else str(v)
        op = self.pick(["+", "+", "-", "*", "/", "%"])
        return f"({self.counted_arith(names, depth - 1)} {op} {self.counted_arith(names, depth - 1)})"

    def t_counted(self, env, _):
        """A counted self tail loop: its first parameter (the recursion counter callers
        bound) counts down to a literal, or, through an inner loop, a counter counts up
        to it; number accumulators grow by arithmetic on the counter, an unchanged
        parameter `c` and literals."""
        name, n, c = self.fresh("cl"), self.fresh("n"), self.fresh("c")
        accs = [self.fresh("acc") for _ in range(self.i(1, 2))]
        step = self.i(1, 3)
        up = self.flip(40)
        loop, i = (self.fresh("up"), self.fresh("i")) if up else (name, n)
        limit = n if up else str(self.pick([0, 0, 1, 5]))
        # (condition, the loop goes on when it is true)
        exits = [(">=", False), (">", False), ("<", True), ("<=", True)] if up else \
                [("<=", False), ("<", False), (">", True), (">=", True)]
        if step == 1 and limit in (n, "0"):    # reached from the side the counter starts on
            exits += [("==", False), ("!=", True)]
        op, goes_on = self.pick(exits)
        cond = f"{i} {op} {limit}" if self.flip(70) else f"{limit} {self.MIRROR[op]} {i}"
        names = [i, c] + accs
        lets = []
        if self.flip(30):
            x = self.fresh("x")
            lets.append(f"const {x} = {self.counted_arith([i, c], 2)};")
            names.append(x)
        increments = [self.counted_arith([nm for nm in names if nm not in accs], 2) for _ in accs]
        args = [f"{i} {'+' if up else '-'} {step}"] + ([limit] if up else []) + [c]
        args += [self.pick([f"{a} + {e}", f"{e} + {a}", f"{a} - {e}"]) for a, e in zip(accs, increments)]
        base = self.counted_arith(names, 2)
        again = f"{loop}({', '.join(args)})"
        then, other = (again, base) if goes_on else (base, again)
        params = [f"{i}: number"] + ([f"{limit}: number"] if up else []) + [f"{c}: number"]
        params += [f"{a}: number" for a in accs]
        lines = [f"function {loop}({', '.join(params)}): number {{ {' '.join(lets)} "
                 f"if ({cond}) {{ {then} }} else {{ {other} }} }}"]
        outer = [f"{n}: number", f"{c}: number"] + [f"{a}: number" for a in accs]
        if up:
            start = self.pick(["0", f"{n} - 2"] + (["1"] if op not in ("==", "!=") else []))
            lines.append(f"function {name}({', '.join(outer)}): number {{ "
                         f"{loop}({start}, {n}, {c}, {', '.join(accs)}) }}")
        self.fninfo[name] = FnInfo((INT,) * (2 + len(accs)), INT, bound=3000)
        return lines, env.add(name, FN((INT,) * (2 + len(accs)), INT), "fn")

    def t_mutual(self, env, _):
        ev, od, n = self.fresh("ev"), self.fresh("od"), self.fresh("n")
        if self.flip(30):       # non-tail mutual recursion (depth limit)
            lines = [f"function {ev}({n}: number): number {{ if ({n} <= 0) {{ 0 }} else {{ 1 + {od}({n} - 1) }} }}",
                     f"function {od}({n}: number): number {{ if ({n} <= 0) {{ 1 }} else {{ {ev}({n} - 1) * 2 }} }}"]
            for nm in (ev, od):
                self.fninfo[nm] = FnInfo((INT,), INT, bound=1500 if GEN_DEEP_NON_TAIL else 900)
                env = env.add(nm, FN((INT,), INT), "fn")
            return lines, env
        lines = [f"function {ev}({n}: number): boolean {{ if ({n} <= 0) {{ true }} else {{ {od}({n} - 1) }} }}",
                 f"function {od}({n}: number): boolean {{ if ({n} <= 0) {{ false }} else {{ {ev}({n} - 1) }} }}"]
        for nm in (ev, od):
            self.fninfo[nm] = FnInfo((INT,), BOOL, bound=5000)
            env = env.add(nm, FN((INT,), BOOL), "fn")
        return lines, env

    def t_closure_loop(self, env, _):
        name, n, f, acc = self.fresh("tf"), self.fresh("n"), self.fresh("g"), self.fresh("acc")
        self.fninfo[name] = FnInfo((INT, FN((INT,), INT), INT), INT, bound=3000)
        body = self.pick([
            f"if ({n} <= 0) {{ {acc} }} else {{ {name}({n} - 1, {f}, {f}({acc})) }}",
            f"if ({n} <= 0) {{ {f}({acc}) }} else {{ {name}({n} - 1, {f}, {acc} + 1) }}",
        ])
        return [f"function {name}({n}: number, {f}: (number) => number, {acc}: number): number {{ {body} }}"], \
            env.add(name, FN((INT, FN((INT,), INT), INT), INT), "fn")

    def t_non_tail(self, env, _):
        name, n = self.fresh("nt"), self.fresh("n")
        ty = self.choose([(4, lambda: INT), (1, lambda: STR), (1, lambda: LIST(INT))])
        inner = env.enter().add(n, INT, "param")
        base = self.expr(ty, inner, 1, known=True)
        piece_t = INT if ty == LIST(INT) else ty
        piece = self.expr(piece_t, inner, 1)
        rec = f"{name}({n} - 1)"
        if ty == INT:
            op = self.pick(["+", "-", "*", "+"])
            step = f"({piece} {op} {rec})" if self.flip(50) else f"({rec} {op} {piece})"
        elif ty == STR:
            step = f"({rec} + {piece})"
        else:
            step = f"List.append({rec}, {piece})"
        self.fninfo[name] = FnInfo((INT,), ty, bound=1500 if GEN_DEEP_NON_TAIL else 900)
        # the base case's test, written as a self call can test it itself (spec/execution.md
        # section 12 rule 8) or, with `||`, not
        test = self.pick([f"{n} <= 0", f"0 >= {n}", f"!({n} > 0)", f"{n} < 1", f"{n} == 0 || {n} < 0"])
        return [f"function {name}({n}: number): {self.tname(ty)} {{ if ({test}) {{ {base} }} else {{ {step} }} }}"], \
            env.add(name, FN((INT,), ty), "fn")

    def t_callback(self, env, _):
        name, n, x, a, b = (self.fresh(p) for p in ("cb", "n", "x", "a", "b"))
        body = self.pick([
            f"List.fold(List.map([{n} - 1], ({x}: number) => {name}({x})), 1, ({a}: number, {b}: number) => {a} + {b})",
            f"List.fold([{n} - 1], {n}, ({a}: number, {b}: number) => {a} + {name}({b}))",
            f"Option.unwrapOr(Option.map(Some({n} - 1), {name}), 0) + 1",
        ])
        self.fninfo[name] = FnInfo((INT,), INT, bound=800)
        return [f"function {name}({n}: number): number {{ if ({n} <= 0) {{ 0 }} else {{ {body} }} }}"], \
            env.add(name, FN((INT,), INT), "fn")

    def t_factory(self, env, _):
        """A closure factory over (possibly large) data, for closure equality with surcharges."""
        name, a, b = self.fresh("mk"), self.fresh("a"), self.fresh("b")
        bt = self.pick([INT, FN((INT,), INT), STR])
        inner = env.enter().add(a, LIST(LIST(INT)), "param").add(b, bt, "param")
        y = self.fresh("y")
        body_env = inner.enter().add(y, INT, "param")
        size = f"List.length({a})"
        use_b = {"int": b, "str": f"String.length({b})", "fn": f"{b}({y})"}[bt[0]]
        forms = [
            (3, lambda: f"({size} + {use_b})"),
            (3, lambda: f"({use_b} - {size})"),
            (2, lambda: f"({self.expr(INT, body_env, 2)} + {size})"),
            (2, lambda: self.expr(INT, body_env, 2)),
        ]
        if bt[0] == "fn" and GEN_CALLEE_CAPTURE_ORDER:
            forms.append((3, lambda: f"{b}({size})"))
        lam = f"(({y}: number) => {self.choose(forms)})"
        self.factories.append((name, bt))
        self.fninfo[name] = FnInfo((LIST(LIST(INT)), bt), FN((INT,), INT))
        return [f"function {name}({a}: List<List<number>>, {b}: {self.tname(bt)}): (number) => number {{ {lam} }}"], \
            env.add(name, FN((LIST(LIST(INT)), bt), FN((INT,), INT)), "fn")

    def big_nested_list(self, env, d):
        n = self.pick([0, 1, 15, 16, 17, 31, 32, 40, 64])
        inner = self.pick(["[i]", "[i, i]", "[]", "[i % 3]"])
        return f"List.map(List.range(0, {n}), (i: number) => {inner})"

    def factory_eq(self, env, d):
        name, bt = self.pick(self.factories)
        big = self.big_nested_list(env, d)
        big2 = big if self.flip(60) else self.big_nested_list(env, d)
        b1 = self.expr(bt, env, d - 1)
        b2 = b1 if self.flip(50) else self.expr(bt, env, d - 1)
        lhs, rhs = f"{name}({big}, {b1})", f"{name}({big2}, {b2})"
        if self.flip(30):
            lhs, rhs = f"[{lhs}, {lhs}]", f"[{lhs}, {rhs}]"
        return f"({lhs} {self.pick(['==', '!='])} {rhs})"

    def t_twice(self, env, _):
        if self.twice:
            return self.t_countdown(env, _)
        self.twice = self.fresh("twice")
        return [f"function {self.twice}<T>(f: (T) => T, x: T): T {{ f(f(x)) }}"], env

    def t_walker(self, env, rec_unions):
        u = self.pick(rec_unions)
        name, t = self.fresh("walk"), self.fresh("t")
        arms = []
        for v in u.variants:
            names = [self.fresh("w") for _ in v.fields]
            parts = []
            for nm, ft in zip(names, v.fields):
                if ft == INT:
                    parts.append(nm)
                elif ft == UN(u.name):
                    parts.append(f"{name}({nm})")
                elif ft == STR:
                    parts.append(f"String.length({nm})")
                elif ft == BOOL:
                    parts.append(f"(if ({nm}) {{ 1 }} else {{ 0 }})")
                elif ft == OPT(INT):
                    parts.append(f"Option.unwrapOr({nm}, 0)")
                elif ft == LIST(INT):
                    parts.append(f"List.length({nm})")
                else:
                    parts.append("1")
            op = self.pick([" + ", " + ", " * ", " - "])
            val = op.join(parts) if parts else str(self.i(0, 3))
            pat = v.name + (f"({', '.join(names)})" if v.fields else "")
            arms.append(f"{pat} => {val}")
        self.fninfo[name] = FnInfo((UN(u.name),), INT)
        return [f"function {name}({t}: {u.name}): number {{ match {t} {{ {', '.join(arms)} }} }}"], \
            env.add(name, FN((UN(u.name),), INT), "fn")

    def t_builder(self, env, rec_unions):
        u = self.pick(rec_unions)
        name, n, acc = self.fresh("build"), self.fresh("n"), self.fresh("acc")
        v = self.pick([v for v in u.variants if UN(u.name) in v.fields])
        inner = env.enter().add(n, INT, "param")
        args, used = [], False
        for ft in v.fields:
            if ft == UN(u.name) and not used:
                args.append(acc)
                used = True
            elif ft == INT:
                args.append(self.pick([n, "1"]))
            else:
                args.append(self.leaf(ft, inner, known=True))
        step = f"{v.name}({', '.join(args)})"
        self.fninfo[name] = FnInfo((INT, UN(u.name)), UN(u.name), bound=3000 if GEN_DEEP_VALUES else 150,
                                   builder=True)
        return [f"function {name}({n}: number, {acc}: {u.name}): {u.name} {{ "
                f"if ({n} <= 0) {{ {acc} }} else {{ {name}({n} - 1, {step}) }} }}"], \
            env.add(name, FN((INT, UN(u.name)), UN(u.name)), "fn")

    # ---------------------------------------------------------------- the program
    def program(self) -> str:
        lines = []
        lines += self.declare_unions()
        for u in self.unions.values():
            for v in u.variants:
                if v.fields == (INT,):
                    ft = FN((INT,), UN(u.name))
                    if ft not in self.fn_types:
                        self.fn_types.append(ft)
                    self.lib_values.setdefault(ft, []).append(v.name)
        lines += self.declare_records()
        env = Env()
        fn_lines = []
        # recursive templates first so helpers and the handler can call them
        for _ in range(self.i(0, 4)):
            before = set(env.visible())
            more, env = self.template(env)
            fn_lines += more
            self.templates += [nm for nm in env.visible() if nm not in before]
        for _ in range(self.i(0, 3)):
            line, env = self.helper(env)
            fn_lines.append(line)
        const_lines = []
        if GEN_TOP_CONSTS:
            cenv = env
            for _ in range(self.i(0, 2)):
                name = self.fresh("K")
                ty = self.random_type()
                self.nodes = 0
                if self.flip(50):
                    const_lines.append(f"const {name}: {self.tname(ty)} = {self.expr(ty, cenv, 2)}")
                else:
                    const_lines.append(f"const {name} = {self.expr(ty, cenv, 2, known=True)}")
                cenv = cenv.add(name, ty, "const")
            if GEN_CONST_FORWARD_REFS and len(const_lines) > 1 and self.flip(50):
                const_lines.reverse()       # a constant read before its declaration is evaluated first
            env = cenv
        self.nodes = 0
        stmts, henv = self.statements(env.enter(), 3, set(), max_stmts=4, allow_log=True)
        resp = self.respond(henv)
        uses = " uses { Log }" if self.uses_log else ""
        body = "\n".join(f"  {s}" for s in stmts + [resp])
        return "\n".join(lines + fn_lines + const_lines + [f'api GET "/t"{uses} {{\n{body}\n}}']) + "\n"

    def template_call(self, env):
        """A call of one of the recursive templates (so deep recursion really happens)."""
        name = self.pick(self.templates)
        info = self.fninfo[name]
        args = self.args_for(name, info, env, 2)
        if len(info.params) == 1 and info.params[0][0] == "union":
            builders = [b for b in self.templates if self.fninfo[b].ret == info.params[0]
                        and self.fninfo[b].bound is not None]
            if builders and self.flip(70):
                b = self.pick(builders)
                args = [f"{b}({', '.join(self.args_for(b, self.fninfo[b], env, 2))})"]
        return f"{name}({', '.join(args)})", info.ret

    def json_payload(self, env):
        fields = []
        if self.templates:
            for j in range(self.i(0, 2)):
                call, ret = self.template_call(env)
                if is_data(ret, self.unions):
                    fields.append(f"t{j}: {call}")
        if self.factories and GEN_CLOSURE_EQUALITY and self.flip(60):
            fields.append(f"q0: {self.factory_eq(env, 3)}")
        for j in range(self.i(0 if fields else 1, 5)):
            ty = self.random_type(data=True)
            fields.append(f"r{j}: {self.expr(ty, env, 3)}")
        return "json({ " + ", ".join(fields) + " })"

    def response(self, env):
        if not GEN_STATUS_TEXT:
            return self.json_payload(env)
        return self.choose([
            (10, lambda: self.json_payload(env)),
            (1, lambda: f"status({self.pick(['200', '201', '404', '500', '599', '100', '99', '600', '-1'])}, "
                        f"{self.json_payload(env)})"),
            (1, lambda: f"text({self.expr(STR, env, 3)})"),
        ])

    def respond(self, env):
        if GEN_STATUS_TEXT and self.flip(8):
            return (f"if ({self.expr(BOOL, env, 2)}) {{ respond {self.response(env)} }} "
                    f"else {{ respond {self.response(env)} }}")
        if GEN_STATUS_TEXT and self.flip(6):
            sty = self.pick([INT, OPT(INT), BOOL] + [UN(u) for u in self.unions])
            scrut = self.expr(sty, env, 2, known=True)
            rows, arms = [], []
            for _ in range(self.i(1, 3)):
                p, text, binds = self.pattern(sty, 2, set())
                if useful(rows, [p], [sty], self.unions):
                    rows.append([p])
                    arms.append((text, binds))
            if useful(rows, [WILD], [sty], self.unions):
                arms.append(("_", []))
            out = []
            for text, binds in arms:
                inner = env
                for name, bt in binds:
                    inner = inner.add(name, bt, "local")
                out.append(f"{text} => respond {self.response(inner)}")
            return f"match ({scrut}) {{\n    " + ",\n    ".join(out) + "\n  }"
        return f"respond {self.response(env)}"


@st.composite
def programs(draw) -> str:
    """The source text of one well-typed MTPScript program with a single route GET /t."""
    return Gen(draw).program()


@st.composite
def gas_limits(draw) -> int:
    """Mostly large; sometimes small enough that GasExhausted happens."""
    kind = draw(st.integers(0, 99))
    if kind < 75:
        return draw(st.sampled_from([10_000_000, 2_000_000, 1_000_000]))
    if kind < 87:
        return draw(st.integers(1, 400))
    return draw(st.integers(400, 50_000))
