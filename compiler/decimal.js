// MTPScript Decimal arithmetic inside the VM (linked after compiler/prelude.js; the
// lowering calls $dadd/$dsub/$dmul/$dneg for operators, $Decimal_* for the library
// functions). Normative: stdlib/decimal128.py.
//
// Representation: a Decimal is {$d: s}, s the canonical plain string (no exponent, no
// trailing fractional zeros, no "-0", at most 34 significant digits, scale 0..28).
// Internally a value is a signed integer coefficient c and a scale k (value c * 10^-k):
// c is a Number when it has at most 15 digits (exact in a double), else a BigInt.
//
// Rounding: add, sub, mul and div compute the exact result (div: the quotient to 28
// places plus the remainder), then round it ONCE, half-even, to the scale
// min(28, 34 - n), n = digits of the integer part (0 when |r| < 1). A result with
// |r| >= 10^34 after rounding overflows: add/sub/mul stop the request with
// {"error":"DecimalOverflow"} (status 500), div returns Err(Overflow).
// Number fast paths are taken only when every intermediate is an exact integer
// below 2^53 and no rounding is needed; everything else goes through BigInt.

const $DMAX_DIGITS = 34, $DMAX_SCALE = 28;
const $DPOW = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const $DPOWN = [];   // 10n ** i for i in 0..64 (the largest used: 10^63)
for (let i = 0, p = 1n; i <= 64; i++, p *= 10n) $DPOWN.push(p);
const $DSAFE = 4503599627370496;   // 2^52: sums of two values below it stay below 2^53

// ---- parsing: canonical string -> coefficient (Number or BigInt) and scale
let $dk = 0;   // scale of the value most recently parsed by $dcoef
function $dcoef(s) {
  const dot = s.indexOf(".");
  let digits = s;
  if (dot < 0) $dk = 0;
  else { $dk = s.length - dot - 1; digits = s.slice(0, dot) + s.slice(dot + 1); }
  const n = digits.charCodeAt(0) === 45 ? digits.length - 1 : digits.length;   // 45 = "-"
  return n <= 15 ? Number(digits) : BigInt(digits);
}

// ---- formatting: exact coefficient and scale (0..28) -> canonical string
function $dtext(c, k) {           // c: Number below 2^53 or BigInt; |c| < 10^(34 + k)
  if (c == 0) return "0";         // 0, -0 or 0n
  const neg = c < 0;
  let s = String(neg ? -c : c);
  if (k > 0) {
    let end = s.length;
    while (k > 0 && s.charCodeAt(end - 1) === 48) { end--; k--; }
    s = s.slice(0, end);
    if (k > 0) {
      if (s.length <= k) s = "0".repeat(k - s.length + 1) + s;
      s = s.slice(0, s.length - k) + "." + s.slice(s.length - k);
    }
  }
  return neg ? "-" + s : s;
}

// ---- rounding: exact BigInt c * 10^-k (k >= 0) -> canonical string, or null on overflow
function $dround(c, k) {
  const neg = c < 0n;
  let m = neg ? -c : c;
  if (m === 0n) return "0";
  const len = String(m).length;
  const intDigits = len > k ? len - k : 0;
  if (intDigits > $DMAX_DIGITS) return null;
  const t = Math.min($DMAX_SCALE, $DMAX_DIGITS - intDigits);
  if (k > t) {
    m = $dhalfEven(m, $DPOWN[k - t], false);
    k = t;
    if (m >= $DPOWN[$DMAX_DIGITS + k]) return null;   // the rounding carried into a 35th digit
  }
  return $dtext(neg ? -m : m, k);
}
// m / d rounded half-even (m >= 0, d > 0); sticky: a nonzero part below m was dropped
function $dhalfEven(m, d, sticky) {
  const q = m / d, r = m - q * d, twice = 2n * r;
  if (twice > d || (twice === d && (sticky || (q & 1n) === 1n))) return q + 1n;
  return q;
}

function $dbig(c) { return typeof c === "bigint" ? c : BigInt(c); }
function $dresult(s) {
  if (s === null) $stop('{"error":"DecimalOverflow"}');
  return { $d: s };
}

// ---- add / sub / mul
function $daddsub(x, y, negate) {
  const a = $dcoef(x), ka = $dk;
  const b = $dcoef(y), kb = $dk;
  const k = ka > kb ? ka : kb;
  if (typeof a === "number" && typeof b === "number" && k - ka < 16 && k - kb < 16) {
    const u = a * $DPOW[k - ka], v = negate ? -b * $DPOW[k - kb] : b * $DPOW[k - kb];
    // both below 2^52 (an inexact product would be >= 2^53): the sum is exact
    if (u < $DSAFE && u > -$DSAFE && v < $DSAFE && v > -$DSAFE) return { $d: $dtext(u + v, k) };
  }
  const A = $dbig(a) * $DPOWN[k - ka], B = $dbig(b) * $DPOWN[k - kb];
  return $dresult($dround(negate ? A - B : A + B, k));
}
function $dadd(a, b) { return $daddsub(a.$d, b.$d, false); }
function $dsub(a, b) { return $daddsub(a.$d, b.$d, true); }
function $dmul(x, y) {
  const a = $dcoef(x.$d), ka = $dk;
  const b = $dcoef(y.$d), kb = $dk;
  const k = ka + kb;
  if (typeof a === "number" && typeof b === "number" && k <= $DMAX_SCALE) {
    const p = a * b;   // exact when below 2^53 (an inexact product is >= 2^53)
    if (p < 9007199254740992 && p > -9007199254740992) return { $d: $dtext(p, k) };
  }
  return $dresult($dround($dbig(a) * $dbig(b), k));
}

// ---- div: Ok(quotient) | Err(DivisionByZero) | Err(Overflow)
function $ddivErr(name) { return $mk($V_Err, [$mk($descriptorFor("DecimalError", name, null), [])]); }
function $Decimal_div(x, y) {
  let a = $dbig($dcoef(x.$d)); const ka = $dk;
  let b = $dbig($dcoef(y.$d)); const kb = $dk;
  if (b === 0n) return $ddivErr("DivisionByZero");
  if (a === 0n) return $mk($V_Ok, [{ $d: "0" }]);
  const neg = (a < 0n) !== (b < 0n);
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  // q = (a * 10^kb) / (b * 10^ka); Q = floor(q * 10^28), R its remainder
  const num = a * $DPOWN[kb + $DMAX_SCALE], den = b * $DPOWN[ka];
  let q = num / den;
  const r = num - q * den;
  const len = q === 0n ? 0 : String(q).length;
  const intDigits = len > $DMAX_SCALE ? len - $DMAX_SCALE : 0;
  if (intDigits > $DMAX_DIGITS) return $ddivErr("Overflow");
  const t = Math.min($DMAX_SCALE, $DMAX_DIGITS - intDigits);
  if (t === $DMAX_SCALE) {   // round by the remainder
    const twice = 2n * r;
    if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  } else {                   // drop 28 - t more digits; the remainder is a sticky bit
    q = $dhalfEven(q, $DPOWN[$DMAX_SCALE - t], r !== 0n);
  }
  // a carry into a 35th digit cannot happen for domain operands; kept as a guard
  if (q >= $DPOWN[$DMAX_DIGITS + t]) return $ddivErr("Overflow");
  return $mk($V_Ok, [{ $d: $dtext(neg ? -q : q, t) }]);
}

// ---- neg, compare, round
function $dneg(a) {
  const s = a.$d;
  if (s === "0") return a;
  return { $d: s.charCodeAt(0) === 45 ? s.slice(1) : "-" + s };
}
// value * 10^k as offset binary: 10^63 + signed coefficient, 64 digits wide
function $dfixed(c, shift) { return String($DPOWN[63] + $dbig(c) * $DPOWN[shift]).padStart(64, "0"); }
// -1, 0 or 1 as a number of the running tier ($int), scanning every digit position
// without an early exit, like stdlib/decimal128.compare.
function $Decimal_compare(x, y) {
  const a = $dcoef(x.$d), ka = $dk;
  const b = $dcoef(y.$d), kb = $dk;
  const k = ka > kb ? ka : kb;
  const p = $dfixed(a, k - ka), q = $dfixed(b, k - kb);
  let res = 0;
  for (let i = 0; i < 64; i++) {
    const u = p.charCodeAt(i), v = q.charCodeAt(i);
    res += ((u > v) - (u < v)) * (res === 0);
  }
  return $int(res);
}
function $Decimal_round(x, scale) {   // scale: a BigInt or a safe-integer Number
  const s = Number(scale);            // no mixed BigInt/Number comparison
  if (s < 0 || s > 28) $stop('{"error":"DecimalScaleOutOfRange","scale":' + scale + "}");
  const c = $dcoef(x.$d), k = $dk;
  if (k <= s) return x;
  const m = $dbig(c);
  const r = $dhalfEven(m < 0n ? -m : m, $DPOWN[k - s], false);
  return { $d: $dtext(m < 0n ? -r : r, s) };
}
const $Decimal_add = $dadd, $Decimal_sub = $dsub, $Decimal_mul = $dmul;
