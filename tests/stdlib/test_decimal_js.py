"""Differential tests: Decimal arithmetic in the VM (``compiler/decimal.js``) against
``mtpscript.stdlib.decimal128`` (normative).

The VM is built as the product builds it: the prelude text the lowering links in front
of every program (compiler/prelude.js, then decimal.js), compiled with ``compile_js``
and run in a ``SealedVM``. A small harness, ``$decimalCases(json)``, evaluates a batch of cases
and returns one line per case, so thousands of cases cost one VM call:

* ``add``/``sub``/``mul``/``neg``/``round`` -> the canonical string of the result;
* ``div`` -> ``ok <quotient>`` or ``err <DecimalError variant>``;
* ``cmp`` -> ``n <integer>`` (the result must be a BigInt, as the host path returns);
* a request stop (``$stop``) -> ``stop <status> <body>``.

Python computes the same lines from ``decimal128`` (a ``MtpRuntimeError`` becomes the
stop the host path produces: ``dispatch.runtime_error_response``). The ``$host``
namespace installed in the VM fails the test if any Decimal operation still reaches
the host. Cases: Hypothesis-generated domain values (1-34 digits, scale 0-28, signs,
zeros, values near 10^34, boundaries of the Number fast path), fixed edge cases
(carries, ties, tiny results, overflow) and the operands of the ``dq*.decTest``
add/subtract/multiply/divide/compare vectors that lie in the domain.
"""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mtpscript.compiler.linker import PRELUDE
from mtpscript.runtime import dispatch
from mtpscript.runtime.engine import SealedVM, compile_js
from mtpscript.stdlib import decimal128 as D
from mtpscript.stdlib.errors import MtpRuntimeError

from test_stdlib_decimal_vectors import _num, _usable, read_cases

DECIMAL_JS = resources.files("mtpscript.compiler").joinpath("decimal.js").read_text(encoding="utf-8")

HARNESS = r"""
function $decimalCase(c) {
  const op = c[0], a = { $d: c[1] }, b = { $d: c[2] };
  try {
    switch (op) {
      case "add": return $dadd(a, b).$d;
      case "sub": return $dsub(a, b).$d;
      case "mul": return $dmul(a, b).$d;
      case "neg": return $dneg(a).$d;
      case "round": return $Decimal_round(a, BigInt(c[2])).$d;
      case "cmp": {
        const r = $Decimal_compare(a, b);
        return typeof r === "bigint" ? "n " + r : "not a BigInt: " + typeof r;
      }
      case "div": {
        const r = $Decimal_div(a, b);
        if (r[0] === $V_Ok) return "ok " + r[1].$d;
        if (r[0] === $V_Err && r[1][0].u === "DecimalError") return "err " + r[1][0].n;
        return "bad result";
      }
    }
    return "unknown op " + op;
  } catch (e) {
    if (e instanceof $Stop) return "stop " + e.status + " " + e.body;
    return "threw " + String(e);
  }
}
function $decimalCases(json) { return JSON.parse(json).map($decimalCase).join("\n"); }
// The fast tier (a prelude with $tier/$int): numbers are Numbers and a stop bails out.
function $decimalFastTier() {
  $tier = 1;
  try {
    const out = [typeof $Decimal_compare({ $d: "2" }, { $d: "1.5" }), String($Decimal_compare({ $d: "-1" }, { $d: "0" })),
                 $Decimal_round({ $d: "2.675" }, 2).$d];
    try { $dadd({ $d: "9999999999999999999999999999999999" }, { $d: "1" }); out.push("no stop"); }
    catch (e) { out.push(e === $BAIL ? "bail" : "threw " + String(e)); }
    try { $Decimal_round({ $d: "1" }, -1); out.push("no stop"); }
    catch (e) { out.push(e === $BAIL ? "bail" : "threw " + String(e)); }
    return out.join(" ");
  } finally { $tier = 2; }
}
// The prelude's aliases (Decimal.add/sub/mul in guest code) must reach decimal.js too.
function $decimalAliases() {
  return $Decimal_add === $dadd && $Decimal_sub === $dsub && $Decimal_mul === $dmul
    && $dadd({ $d: "0.1" }, { $d: "0.2" }).$d === "0.3";
}
"""

OPS = {"add": D.add, "sub": D.sub, "mul": D.mul}


def _host_must_not_be_called(*args):
    raise AssertionError(f"a Decimal operation reached the host: {args!r}")


assert DECIMAL_JS in PRELUDE, "the lowering links decimal.js after the prelude"


@pytest.fixture(scope="module")
def vm():
    # one function scope, as linked programs are (the prelude's counters are its `var`s)
    bytecode = compile_js(f"(function () {{\n{PRELUDE}\n{HARNESS}\n"
                          "Object.assign(globalThis, { $decimalCases, $decimalFastTier, $decimalAliases });\n})();",
                          "decimal_test.js")
    host = {name: _host_must_not_be_called for name in ("call", "dadd", "dsub", "dmul", "ddiv")}
    with SealedVM(wall_clock_seconds=120.0) as machine:
        machine.install_host("$host", host)
        machine.run_bytecode(bytecode)
        yield machine


def _stop(err: MtpRuntimeError) -> str:
    response = dispatch.runtime_error_response(err)
    return f"stop {response.status} {response.body.decode('utf-8')}"


def expected(op: str, a: str, b: str) -> str:
    x = Decimal(a)
    try:
        if op in OPS:
            return D.to_string(OPS[op](x, Decimal(b)))
        if op == "neg":
            return D.to_string(D.neg(x))
        if op == "round":
            return D.to_string(D.round(x, int(b)))
        if op == "cmp":
            return f"n {D.compare(x, Decimal(b))}"
        r = D.div(x, Decimal(b))
        return f"ok {D.to_string(r.fields[0])}" if r.name == "Ok" else f"err {r.fields[0].name}"
    except MtpRuntimeError as err:
        return _stop(err)


RUN_COUNTS: dict[str, int] = {}


def check(vm, cases: list[tuple[str, str, str]], counter: str | None = None) -> int:
    """Run the cases in the VM and compare every line with decimal128; return the count."""
    got = vm.call("$decimalCases", json.dumps(cases)).split("\n")
    assert len(got) == len(cases)
    bad = [f"{op}({a}, {b}): js {g!r}, python {e!r}"
           for (op, a, b), g in zip(cases, got) if g != (e := expected(op, a, b))]
    assert not bad, f"{len(bad)} of {len(cases)} differ, e.g.:\n" + "\n".join(bad[:20])
    if counter is not None:
        RUN_COUNTS[counter] = RUN_COUNTS.get(counter, 0) + len(cases)
    return len(cases)


def text(d: Decimal) -> str:
    return D.to_string(D.canonical(d))


# -- strategies ------------------------------------------------------------------------------

def _edge_coefficients(n: int) -> list[int]:
    return [c for c in (0, 1, 5, 10 ** (n - 1), 5 * 10 ** (n - 1), 10 ** n - 1, 10 ** n - 5, 10 ** n - 50) if c >= 0]


@st.composite
def domain_text(draw, max_digits: int = 34):
    """The canonical text of a domain value: 1..max_digits digits, scale 0..28, either sign."""
    n = draw(st.integers(1, max_digits))
    coef = draw(st.one_of(st.integers(0, 10 ** n - 1), st.sampled_from(_edge_coefficients(n))))
    scale = draw(st.integers(0, 28))
    sign = draw(st.integers(0, 1))
    return text(Decimal((sign, tuple(map(int, str(coef))), -scale)))


# Around the Number fast path's limits: 15/16/17-digit coefficients, 2^52 and 2^53.
_FAST_EDGES = [2 ** 52 - 1, 2 ** 52, 2 ** 52 + 1, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 1, 10 ** 15 - 1, 10 ** 15,
               10 ** 16 - 1, 94906265, 94906266, 67108864, 3 * 10 ** 7]


@st.composite
def fast_edge_text(draw):
    coef = draw(st.sampled_from(_FAST_EDGES)) + draw(st.integers(-2, 2))
    scale = draw(st.integers(0, 28))
    sign = draw(st.integers(0, 1))
    return text(Decimal((sign, tuple(map(int, str(abs(coef)))), -scale)))


values = st.one_of(domain_text(), domain_text(max_digits=17), fast_edge_text())
pairs = st.one_of(
    st.tuples(values, values),
    values.map(lambda a: (a, a)),                                            # x - x, x / x
    values.map(lambda a: (a, D.to_string(D.neg(Decimal(a))))),               # x + -x
    st.tuples(values, st.sampled_from(["2", "0.5", "3", "7", "0.1", "10", "-1", "0",
                                       "0.0007", "0.99", "1.1", "0.000011", "10.1"])),   # div: sticky ties
)
# No shrinking: a failure already lists the differing cases of its batch, and shrinking
# batches of hundreds of cases takes minutes.
BATCH = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck),
                 phases=[Phase.explicit, Phase.reuse, Phase.generate])


@BATCH
@given(st.lists(pairs, min_size=50, max_size=100))
def test_add_sub_mul_div_cmp_match_decimal128(vm, batch):
    cases = [(op, a, b) for a, b in batch for op in ("add", "sub", "mul", "div", "cmp")]
    check(vm, cases, "hypothesis")


@BATCH
@given(st.lists(st.tuples(values, st.integers(0, 28)), min_size=50, max_size=100))
def test_neg_and_round_match_decimal128(vm, batch):
    check(vm, [c for a, s in batch for c in (("neg", a, "0"), ("round", a, str(s)))], "hypothesis")


# -- fixed edge cases --------------------------------------------------------------------------

NINES = "9" * 34
TINY = "0." + "0" * 27 + "1"           # 10^-28
EDGE_VALUES = [
    "0", "1", "-1", "0.5", "-0.5", "1.5", "2.5", "0.05", "999.95", "-999.95", "0.01", "1.0001",
    NINES, "-" + NINES, "1" + "0" * 33, "5" + "0" * 33, "999999999999999999999999999999999.5",
    "99999999999999999999999999999999.95", "0.9999999999999999999999999999", TINY, "-" + TINY,
    "0.0000000000000000000000000005", "0.0000000000000000000000000015", "0.00000000000001",
    "0.00000000000005", "0.000000000000015", "1234567890123456789012345678.901234",
    "4503599627370496", "9007199254740992", "9007199254740993", "999999999999999", "1000000000000000",
    "0.999999999999999", "3", "7", "0.3", "0.7", "1.0000000000000000000000000001",
]


def test_edge_grid(vm, vector_counts):
    assert all(text(Decimal(v)) == v for v in EDGE_VALUES)   # canonical domain values
    cases = [(op, a, b) for a in EDGE_VALUES for b in EDGE_VALUES for op in ("add", "sub", "mul", "div", "cmp")]
    cases += [(op, a, str(s)) for a in EDGE_VALUES for s in (0, 1, 2, 14, 27, 28) for op in ("round",)]
    cases += [("neg", a, "0") for a in EDGE_VALUES]
    n = check(vm, cases)
    counts = vector_counts.setdefault("decimal.js differential", {})
    counts.update({"edge grid": n, "hypothesis": RUN_COUNTS.get("hypothesis", 0)})


@pytest.mark.parametrize("op, a, b, line", [
    ("add", NINES, "1", 'stop 500 {"error":"DecimalOverflow"}'),
    ("add", NINES, "0.5", 'stop 500 {"error":"DecimalOverflow"}'),       # rounds up to 10^34
    ("add", NINES, "0.49", NINES),
    ("sub", "-" + NINES, "0.5", 'stop 500 {"error":"DecimalOverflow"}'),
    ("mul", NINES, "2", 'stop 500 {"error":"DecimalOverflow"}'),
    ("add", "999.95", "0.05", "1000"),
    ("mul", TINY, "0.5", "0"),                                            # tie: even is 0
    ("mul", TINY, "1.5", "0.0000000000000000000000000002"),               # tie: even is 2
    ("mul", TINY, "0.4", "0"),                                            # tiny result: zero, no error
    ("mul", "-" + TINY, "0.1", "0"),                                      # never "-0"
    ("sub", "1.5", "1.5", "0"),
    ("div", "1", "0", "err DivisionByZero"),
    ("div", "0", "0", "err DivisionByZero"),
    ("div", NINES, TINY, "err Overflow"),
    ("div", "1", "3", "ok 0.3333333333333333333333333333"),
    ("div", "-2", "3", "ok -0.6666666666666666666666666667"),
    ("div", "0", "-7", "ok 0"),
    # 7 integer digits: 27 places, the dropped digit is 5 and the remainder is not zero
    ("div", "5206.72", "0.0007", "ok 7438171.428571428571428571428571429"),
    ("div", "8513491", "0.99", "ok 8599485.858585858585858585858585859"),
    ("cmp", "1.50", "1.5", "n 0"),
    ("round", "2.5", "0", "2"),
    ("round", "-3.5", "0", "-4"),
    ("round", "1.5", "-1", 'stop 500 {"error":"DecimalScaleOutOfRange","scale":-1}'),
    ("round", "1.5", "29", 'stop 500 {"error":"DecimalScaleOutOfRange","scale":29}'),
])
def test_known_results(vm, op, a, b, line):
    a = text(Decimal(a))
    assert vm.call("$decimalCases", json.dumps([(op, a, b)])) == line
    assert expected(op, a, b) == line


def test_prelude_aliases_reach_decimal_js(vm):
    assert vm.call("$decimalAliases") is True


def test_fast_tier_numbers_and_stops(vm):
    assert vm.call("$decimalFastTier") == "number -1 2.68 bail bail"


# -- dq*.decTest vectors ---------------------------------------------------------------------

VECTOR_OPS = {"add": ("dqAdd", "add"), "subtract": ("dqSubtract", "sub"), "multiply": ("dqMultiply", "mul"),
              "divide": ("dqDivide", "div"), "compare": ("dqCompare", "cmp")}


def test_dectest_vector_operands(vm, vectors, vector_counts):
    """Every usable vector case whose operands are domain values, run in the VM and in
    decimal128 (whose results test_stdlib_decimal_vectors checks against the vectors)."""
    cases, per_op = [], {}
    for vop, (stem, op) in VECTOR_OPS.items():
        for _, case_op, operands, _, conds, ctx in read_cases(vectors / "decimal" / f"{stem}.decTest"):
            if case_op != vop or not _usable(ctx, conds):
                continue
            xs = [_num(o) for o in operands]
            if len(xs) != 2 or any(x is None or not D.in_domain(x) for x in xs):
                continue
            cases.append((op, text(xs[0]), text(xs[1])))
            per_op[op] = per_op.get(op, 0) + 1
    n = check(vm, cases)
    vector_counts.setdefault("decimal.js differential", {}).update({"vectors": n, **per_op})
    assert per_op.get("add", 0) > 500 and per_op.get("div", 0) > 200, per_op


# -- through the product path ------------------------------------------------------------------

E2E = """
api GET "/add" { respond json(1.10 + 2.205) }
api GET "/mul" { respond json(0.0000000000000000000000000001 * 1.5) }
api GET "/div" { respond json(Decimal.div(-2.0, 3.0)) }
api GET "/div0" { respond json(Decimal.div(1.0, 0.0)) }
api GET "/ovf" { respond json(Result.unwrapOr(Decimal.fromString("9999999999999999999999999999999999"), 0.0) + 0.5) }
"""


@pytest.mark.parametrize("route, status, body", [
    ("add", 200, b"3.305"), ("mul", 200, b"0.0000000000000000000000000002"),
    ("div", 200, b'{"ok":-0.6666666666666666666666666667}'), ("div0", 200, b'{"err":"DivisionByZero"}'),
    ("ovf", 500, b'{"error":"DecimalOverflow"}'),
])
def test_guest_programs_with_decimal_js_linked(route, status, body):
    """A compiled program served by runtime.vm.Program: the responses the host-bridge
    path gave before Decimal arithmetic moved into the VM."""
    from mtpscript.compiler.modules import check_source
    from mtpscript.runtime.reference import FixtureHost
    from mtpscript.runtime.vm import Program

    check_result = check_source(E2E, "decimal_js.mtp")
    assert check_result.ok, check_result.diagnostics
    outcome = Program.from_check(check_result).handle(dispatch.Request("GET", "/" + route), 10 ** 6, FixtureHost())
    assert (outcome.response.status, outcome.response.body) == (status, body)
