"use strict";
// MTPScript runtime prelude: linked in front of every lowered program.
// Every program is lowered twice (spec/execution.md section 12): the fast tier ($tier 1)
// runs first and bails out ($bail) on anything it cannot finish exactly; the precise
// tier ($tier 2) then reruns the request. Helpers below serve both tiers.
// Value representation (spec/execution.md section 11):
//   number -> BigInt in the precise tier, in the fast tier a Number within ±(2^51 - 1);
//   boolean, string -> themselves; Unit -> null;
//   Decimal -> {$d: canonical string}; List -> Array; record -> plain object;
//   union value -> [descriptor, ...fields] (an Array whose first element is a $Variant; a
//   List never holds one); Map -> {$m: [[key, value], ...]} in key order;
//   closure -> JS function with $id (code identity) and $env (captured values).
// Every helper below is pure except for the gas counter $G, the depth counter $D
// and calls into the host namespace $host (conversions, Map key order, Json, Hash, effects).

// `var`: QuickJS tests every read of a closure `let` for its temporal dead zone, and
// the gas and depth counters are read on every region and call (3 % of `fib`, 5 % of `tree`).
var $G = 0, $L = 1, $D = 0, $tier = 2;
const $DEPTH = 1000;
const $MAX = 9223372036854775807n, $MIN = -9223372036854775808n;

function $Stop(status, body) { this.status = status; this.body = body; }
function $Bail() {}
const $BAIL = new $Bail();
function $bail() { throw $BAIL; }
// A stop ends the request in the precise tier; the fast tier bails out instead (its gas
// figure at that point is not the precise one).
function $stop(body, status) {
  if ($tier === 1) throw $BAIL;
  throw new $Stop(status === undefined ? 500 : status, body);
}
function $gx() { $stop('{"error":"GasExhausted","gasLimit":' + $L + ',"gasUsed":' + $G + '}'); }
// Charge n units; the lowering inlines this as `($G += n) >= $L && $gx()`.
function $c(n) { if (($G += n) >= $L) $gx(); }
function $sur(size) { const n = Math.floor(size / 16); if (n > 0) $c(n); }

// ---- int64
function $chk(r) { if (r > $MAX || r < $MIN) $stop('{"error":"IntegerOverflow"}'); return r; }
function $add(a, b) { return $chk(a + b); }
function $sub(a, b) { return $chk(a - b); }
function $mul(a, b) { return $chk(a * b); }
function $div(a, b) { if (b === 0n) $stop('{"error":"DivisionByZero"}'); return $chk(a / b); }
function $mod(a, b) { if (b === 0n) $stop('{"error":"DivisionByZero"}'); return a % b; }
function $neg(a) { return typeof a === "number" ? -a : $chk(-a); }
// Fast tier: Number division, exact for safe integers (a zero divisor bails out).
function $idiv(a, b) { if (b === 0) $bail(); return (a - a % b) / b; }
function $imod(a, b) { if (b === 0) $bail(); return a % b; }
// An integer (Number or BigInt, exact) in the current tier's representation.
// BigInt bounds: this QuickJS misorders some BigInt/Number comparisons when both are
// negative (-9223372036854775808n < -9007199254740991 is false), so none are mixed here.
function $int(x) {
  if ($tier === 2) return BigInt(x);
  if (typeof x === "number") return x;
  if (x > 2251799813685247n || x < -2251799813685247n) $bail();   // the fast range, ±(2^51 - 1)
  return Number(x);
}

// ---- calls: tail calls return a $TC marker that the nearest non-tail call unwinds
function $TC(f, a) { this.f = f; this.a = a; }
function $tc(f, a) { return new $TC(f, a); }
function $deep() { $stop('{"error":"DepthExceeded","limit":' + $DEPTH + '}'); }
function $unwind(r) { while (r instanceof $TC) r = r.f(...r.a); return r; }
// Non-tail calls by arity (no rest/spread on the common paths); the general form last.
function $call0(f) { if (++$D > $DEPTH) $deep(); let r = f(); if (r instanceof $TC) r = $unwind(r); $D--; return r; }
function $call1(f, a) { if (++$D > $DEPTH) $deep(); let r = f(a); if (r instanceof $TC) r = $unwind(r); $D--; return r; }
function $call2(f, a, b) {
  if (++$D > $DEPTH) $deep(); let r = f(a, b); if (r instanceof $TC) r = $unwind(r); $D--; return r;
}
function $call3(f, a, b, c) {
  if (++$D > $DEPTH) $deep(); let r = f(a, b, c); if (r instanceof $TC) r = $unwind(r); $D--; return r;
}
function $call(f, ...a) { if (++$D > $DEPTH) $deep(); let r = f(...a); if (r instanceof $TC) r = $unwind(r); $D--; return r; }
function $clo(f, id, env) { f.$id = id; f.$env = env; return f; }
// A closure the lowering knows never returns a tail-call marker.
function $cloPlain(f, id, env) { f.$plain = true; return $clo(f, id, env); }
// A library function calling back into guest code: a non-tail call (spec/execution.md section 3).
// $CALL_COST is defined by the lowering from Annex A.
function $cb1(f, a) {
  if (($G += $CALL_COST) >= $L) $gx();
  if (++$D > $DEPTH) $deep(); let r = f(a); if (r instanceof $TC) r = $unwind(r); $D--; return r;
}

// ---- unions
// Values are immutable: a nullary variant has one instance (`unit`), which patterns test
// by identity.
function $Variant(union, name, names) { this.u = union; this.n = name; this.k = names; this.unit = [this]; }
function $mk(desc, fields) { return fields.length === 0 ? desc.unit : [desc].concat(fields); }
// Whether an Array is a union value (else it is a List).
function $isUnion(a) { return a.length > 0 && a[0] instanceof $Variant; }

// ---- strings (positions and lengths count code points)
// Surcharge and length cap before allocating (spec/execution.md section 4); caps set by the lowering.
function $cat(a, b) {
  const n = a.length + b.length;
  $sur(n);
  if (n > $STRING_MAX) $stop('{"error":"StringTooLong","limit":' + $STRING_MAX + '}');
  return a + b;
}
function $listCap(n) { if (n > $LIST_MAX) $stop('{"error":"ListTooLong","limit":' + $LIST_MAX + '}'); }
function $cpLength(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) i++;
    n++;
  }
  return n;
}
function $cpOffset(s, cp) {   // UTF-16 offset of code point index cp (clamped)
  let i = 0;
  while (cp > 0 && i < s.length) {
    const c = s.charCodeAt(i);
    i += (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) ? 2 : 1;
    cp--;
  }
  return i;
}
function $utf8len(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xD800 && c <= 0xDBFF) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

// ---- value nesting (spec/execution.md section 4.1): every traversal of a value carries the
// nesting level d of the value in hand (1 for the value traversed) and stops the request when
// it reaches a composite (list, record, Map, union value with fields, closure) with d > $NEST.
const $NEST = 256;
function $tooDeep() { $stop('{"error":"ValueTooDeep","limit":' + $NEST + '}'); }

// ---- structural equality (spec/execution.md section 4: composites visited are surcharged)
// The walk is depth first, left to right, stopping at the first difference; the nesting check
// of a composite on the left comes right after its visit is counted, before its shape is
// compared (runtime/reference.py `_equal` walks in exactly this order).
let $visits = 0;
function $eqv(a, b, d) {   // no identity shortcut for composites: gas must not depend on sharing
  const t = typeof a;
  if (t !== "object" && t !== "function") return a === b;
  if (a === null || b === null) return a === b;
  if (t === "function") {
    $visits++;
    if (d > $NEST) $tooDeep();
    if (a.$id !== b.$id) return false;
    return $eqList(a.$env, b.$env, d + 1, 0);
  }
  if (Array.isArray(a)) {
    if ($isUnion(a)) {
      if (a.length > 1) { $visits++; if (d > $NEST) $tooDeep(); }
      if (a[0].u !== b[0].u || a[0].n !== b[0].n) return false;
      return $eqList(a, b, d + 1, 1);
    }
    $visits++; if (d > $NEST) $tooDeep(); return $eqList(a, b, d + 1, 0);
  }
  if (a.$d !== undefined) return a.$d === b.$d;
  $visits++;
  if (d > $NEST) $tooDeep();
  d++;
  if (a.$m !== undefined) {
    if (a.$m.length !== b.$m.length) return false;
    for (let i = 0; i < a.$m.length; i++) {
      if (!$eqv(a.$m[i][0], b.$m[i][0], d) || !$eqv(a.$m[i][1], b.$m[i][1], d)) return false;
    }
    return true;
  }
  const keys = Object.keys(a).sort();
  for (let i = 0; i < keys.length; i++) if (!$eqv(a[keys[i]], b[keys[i]], d)) return false;
  return true;
}
function $eqList(a, b, d, from) {   // d: the nesting level of the elements compared from index `from`
  if (a.length !== b.length) return false;
  for (let i = from; i < a.length; i++) if (!$eqv(a[i], b[i], d)) return false;
  return true;
}
function $eq(a, b) { $visits = 0; const r = $eqv(a, b, 1); $sur($visits); return r; }

// ---- lists
function $idx(xs, i) {
  if (i < 0 || i >= xs.length) {
    $stop('{"error":"IndexOutOfBounds","index":' + i + ',"length":' + xs.length + '}');
  }
  return xs[Number(i)];
}
function $list(xs) { $sur(xs.length); return xs; }

// ---- canonical JSON (spec/runtime.md section 4)
function $jstr(s) { return JSON.stringify(s); }
// d (in $jobj, $jarr) is the nesting level of the members; $enc(v, d) as in section 4.1.
function $jobj(keys, get, d) {
  keys.sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    if (i) out += ",";
    out += $jstr(keys[i]) + ":" + $enc(get(keys[i]), d);
  }
  return out + "}";
}
function $jarr(xs, d) {
  let out = "[";
  for (let i = 0; i < xs.length; i++) { if (i) out += ","; out += $enc(xs[i], d); }
  return out + "]";
}
function $enc(v, d) {
  switch (typeof v) {
    case "bigint": case "number": return String(v);
    case "string": return $jstr(v);
    case "boolean": return v ? "true" : "false";
  }
  if (v === null) return "null";
  if (Array.isArray(v) && !$isUnion(v)) { if (d > $NEST) $tooDeep(); return $jarr(v, d + 1); }
  if (v.$d !== undefined) return v.$d;
  if (Array.isArray(v)) {
    const dv = v[0], f = v.slice(1);
    if (f.length === 0) return dv.u === "Option" || dv.u === "Json" ? "null" : $jstr(dv.n);
    if (d > $NEST) $tooDeep();
    d++;
    if (dv.u === "Option" || dv.u === "Json") return $enc(f[0], d);
    if (dv.u === "Result") return '{"' + (dv.n === "Ok" ? "ok" : "err") + '":' + $enc(f[0], d) + "}";
    let payload;
    if (dv.k !== null) payload = $jobj(dv.k.slice(), (k) => f[dv.k.indexOf(k)], d);
    else payload = f.length === 1 ? $enc(f[0], d) : $jarr(f, d);
    return "{" + $jstr(dv.n) + ":" + payload + "}";
  }
  if (d > $NEST) $tooDeep();
  if (v.$m !== undefined) {
    const m = v.$m;
    if (m.length === 0 || typeof m[0][0] === "string") {
      const byKey = {};
      for (let i = 0; i < m.length; i++) byKey[m[i][0]] = m[i][1];
      return $jobj(m.map((e) => e[0]), (k) => byKey[k], d + 1);
    }
    let out = "[";   // [key, value] pairs: the pair is the Map's own structure, not a value
    for (let i = 0; i < m.length; i++) out += (i ? ",[" : "[") + $enc(m[i][0], d + 1) + "," + $enc(m[i][1], d + 1) + "]";
    return out + "]";
  }
  return $jobj(Object.keys(v), (k) => v[k], d + 1);
}

// ---- responses
function $Resp(status, type, body) { this.status = status; this.type = type; this.body = body; }
function $json(v) { const body = $enc(v, 1); $sur($utf8len(body)); return new $Resp(200, "application/json", body); }
function $text(s) { return new $Resp(200, "text/plain; charset=utf-8", s); }
function $status(code, r) {
  if (code < 100 || code > 599) $stop('{"error":"InvalidStatus","status":' + code + '}');
  return new $Resp(code, r.type, r.body);
}

// ---- entry: run one request, return the outcome as a JSON string for the host:
// {status, type, body, gas, tier} (tier: 1 fast, 2 precise; for tests and benchmarks).
// `fast` and `precise` are [handler, init] of the two tiers (`fast` null: precise only).
function $entry(fast, precise, request, gasLimit) {
  $effects = [];
  if (fast !== null) {
    try {
      return $run(1, fast, request, gasLimit);
    } catch (e) {
      if (e !== $BAIL) throw e;
    }
  }
  return $run(2, precise, request, gasLimit);
}
function $run(tier, code, request, gasLimit) {
  $tier = tier; $G = 0; $L = gasLimit; $D = 0; $effectsSeen = 0;
  try {
    const value = $fromWire(JSON.parse(request), 1);
    code[1]();
    let r = code[0](value);            // the handler runs at depth 0
    while (r instanceof $TC) r = r.f(...r.a);
    return JSON.stringify({ status: Number(r.status), type: r.type, body: r.body, gas: $G, tier: tier });
  } catch (e) {
    if (e instanceof $Stop) return JSON.stringify({ status: e.status, type: "application/json", body: e.body, gas: $G, tier: tier });
    throw e;
  }
}

// ---- host bridge: values cross as "wire" JSON (runtime/wire.py is the Python side)
// Both directions check the nesting limit (section 4.1): the host never sees a value nested
// deeper than $NEST, and a value from the host that is deeper stops the request.
function $wireList(xs, d) {   // d: the nesting level of the elements
  const r = new Array(xs.length);
  for (let i = 0; i < xs.length; i++) r[i] = $toWire(xs[i], d);
  return r;
}
function $toWire(v, d) {
  switch (typeof v) {
    case "bigint": case "number": return { n: String(v) };
    case "string": case "boolean": return v;
    case "function": $stop('{"error":"NotData"}');
  }
  if (v === null) return null;
  if (v.$d !== undefined) return { d: v.$d };
  if (Array.isArray(v) && $isUnion(v)) {
    if (v.length > 1 && d > $NEST) $tooDeep();
    return { u: v[0].u, v: v[0].n, k: v[0].k, f: $wireList(v.slice(1), d + 1) };
  }
  if (d > $NEST) $tooDeep();
  if (Array.isArray(v)) return $wireList(v, d + 1);
  if (v.$m !== undefined) return { m: v.$m.map((e) => [$toWire(e[0], d + 1), $toWire(e[1], d + 1)]) };
  const r = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) r[keys[i]] = $toWire(v[keys[i]], d + 1);
  return { r: r };
}
const $descriptors = {};
function $descriptorFor(u, n, k) {
  const key = u + "." + n;
  if (!(key in $descriptors)) $descriptors[key] = new $Variant(u, n, k);
  return $descriptors[key];
}
function $unwireList(ws, d) {   // d: the nesting level of the elements
  const r = new Array(ws.length);
  for (let i = 0; i < ws.length; i++) r[i] = $fromWire(ws[i], d);
  return r;
}
function $fromWire(w, d) {
  if (w === null || typeof w === "string" || typeof w === "boolean") return w;
  if (w.n !== undefined) return $int(BigInt(w.n));
  if (w.d !== undefined) return { $d: w.d };
  if (w.u !== undefined) {
    if (w.f.length > 0 && d > $NEST) $tooDeep();
    return $mk($descriptorFor(w.u, w.v, w.k), $unwireList(w.f, d + 1));
  }
  if (d > $NEST) $tooDeep();
  if (Array.isArray(w)) return $unwireList(w, d + 1);
  if (w.m !== undefined) {
    const entries = w.m.map((e) => [$fromWire(e[0], d + 1), $fromWire(e[1], d + 1)]);
    return { $m: entries, $k: w.k };
  }
  const r = {};
  const keys = Object.keys(w.r);
  for (let i = 0; i < keys.length; i++) r[keys[i]] = $fromWire(w.r[keys[i]], d + 1);
  return r;
}
function $reply(text) {
  const reply = JSON.parse(text);
  if (reply.stop !== undefined) $stop(reply.stop, reply.status);
  return $fromWire(reply.ok, 1);
}
function $hostCall(name, args) { return $reply($host.call(name, JSON.stringify($wireList(args, 1)))); }
// Effects are performed once per request: the precise tier, rerunning a request the fast
// tier gave up on, replays the replies of the effects the fast tier already performed
// (the same calls in the same order: the program is deterministic).
let $effects = [], $effectsSeen = 0;
function $eff(name, args) {
  const wire = JSON.stringify($wireList(args, 1));
  if ($effectsSeen < $effects.length) {
    const done = $effects[$effectsSeen++];
    if (done[0] !== name || done[1] !== wire) throw new Error("internal: effect replay diverged");
    return $reply(done[2]);
  }
  const text = $host.call(name, wire);
  $effects.push([name, wire, text]);
  $effectsSeen++;
  return $reply(text);
}

// ---- Decimal: arithmetic in compiler/decimal.js (linked after this prelude); conversions in the host
function $Decimal_fromString(s) { return $hostCall("Decimal.fromString", [s]); }
function $Decimal_fromNumber(n) { return $hostCall("Decimal.fromNumber", [n]); }
function $Decimal_toString(d) { return d.$d; }

// ---- Option / Result
const $V_None = $descriptorFor("Option", "None", null), $V_Some = $descriptorFor("Option", "Some", null);
const $V_Ok = $descriptorFor("Result", "Ok", null), $V_Err = $descriptorFor("Result", "Err", null);
const $NONE = $mk($V_None, []);
function $some(x) { return [$V_Some, x]; }
function $Option_map(o, f) { return o[0] === $V_Some ? $some($cb1(f, o[1])) : o; }
function $Option_unwrapOr(o, d) { return o[0] === $V_Some ? o[1] : d; }
function $Option_isSome(o) { return o[0] === $V_Some; }
function $Result_map(r, f) { return r[0] === $V_Ok ? [$V_Ok, $cb1(f, r[1])] : r; }
function $Result_mapErr(r, f) { return r[0] === $V_Err ? [$V_Err, $cb1(f, r[1])] : r; }
function $Result_unwrapOr(r, d) { return r[0] === $V_Ok ? r[1] : d; }
function $Result_isOk(r) { return r[0] === $V_Ok; }

// ---- Number
function $Number_toString(n) { return String(n); }
function $Number_abs(n) { return n < 0 ? $neg(n) : n; }
function $Number_min(a, b) { return a < b ? a : b; }
function $Number_max(a, b) { return a > b ? a : b; }

// ---- List
function $List_length(xs) { return $int(xs.length); }
function $List_get(xs, i) { return i >= 0 && i < xs.length ? $some(xs[Number(i)]) : $NONE; }
function $List_append(xs, x) { $sur(xs.length + 1); $listCap(xs.length + 1); return xs.concat([x]); }
function $List_concat(a, b) { $sur(a.length + b.length); $listCap(a.length + b.length); return a.concat(b); }
// The callbacks below are non-tail calls charged like $cb1, inlined in the loops. In the
// fast tier, $callbacks charges all n calls and checks the depth once, before the first:
// every callback runs at the same depth, and charging early only makes the fast tier
// bail out sooner (spec/execution.md section 12).
function $callbacks(n, prepaid) {   // prepaid: the entry charge of a lambda written in the call
  if (($G += ($CALL_COST + (prepaid | 0)) * n) >= $L) $gx();
  if (++$D > $DEPTH) $deep();
}
// In the fast tier a plain callback (a lambda that never returns a tail-call marker) is
// run by the frozen native Array.prototype.map/filter/reduce: it is given (x, i, xs) or
// (acc, x, i, xs) and reads only its declared parameters.
function $List_map(xs, f, prepaid) {
  let r = [];
  const n = xs.length;
  if ($tier === 1 && n) {
    $callbacks(n, prepaid);
    if (f.$plain) r = xs.map(f);
    else for (let i = 0; i < n; i++) { let v = f(xs[i]); if (v instanceof $TC) v = $unwind(v); r.push(v); }
    $D--;
  } else {
    for (let i = 0; i < n; i++) {
      if (($G += $CALL_COST) >= $L) $gx();
      if (++$D > $DEPTH) $deep(); let v = f(xs[i]); if (v instanceof $TC) v = $unwind(v); $D--;
      r.push(v);
    }
  }
  $sur(n);
  return r;
}
function $List_filter(xs, f, prepaid) {
  let r = [];
  const n = xs.length;
  if ($tier === 1 && n) {
    $callbacks(n, prepaid);
    if (f.$plain) r = xs.filter(f);
    else for (let i = 0; i < n; i++) { let v = f(xs[i]); if (v instanceof $TC) v = $unwind(v); if (v) r.push(xs[i]); }
    $D--;
  } else {
    for (let i = 0; i < n; i++) {
      if (($G += $CALL_COST) >= $L) $gx();
      if (++$D > $DEPTH) $deep(); let v = f(xs[i]); if (v instanceof $TC) v = $unwind(v); $D--;
      if (v) r.push(xs[i]);
    }
  }
  $sur(r.length);
  return r;
}
function $List_fold(xs, init, f, prepaid) {
  let acc = init;
  const n = xs.length;
  if ($tier === 1 && n) {
    $callbacks(n, prepaid);
    if (f.$plain) acc = xs.reduce(f, acc);
    else for (let i = 0; i < n; i++) { acc = f(acc, xs[i]); if (acc instanceof $TC) acc = $unwind(acc); }
    $D--;
  } else {
    for (let i = 0; i < n; i++) {
      if (($G += $CALL_COST) >= $L) $gx();
      if (++$D > $DEPTH) $deep(); let v = f(acc, xs[i]); if (v instanceof $TC) v = $unwind(v); $D--;
      acc = v;
    }
  }
  $sur(n);
  return acc;
}
function $List_range(a, b) {
  const n = b > a ? b - a : 0;
  if (n > $LIST_MAX) $stop('{"error":"ListTooLong","limit":' + $LIST_MAX + '}');
  $sur(Number(n));
  const r = [];
  for (let i = a; i < b; i++) r.push(i);
  return r;
}
function $List_reverse(xs) { const r = xs.slice().reverse(); $sur(r.length); return r; }
function $List_sort(xs) {
  const r = xs.slice();
  if (r.length && typeof r[0] === "string") r.sort($scmp);
  else r.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  $sur(r.length);
  return r;
}
function $List_join(xs, sep) { const r = xs.join(sep); $sur(r.length); return r; }
function $List_contains(xs, x) {
  $sur(xs.length);
  for (let i = 0; i < xs.length; i++) if ($eqv(xs[i], x, 1)) return true;   // no equality surcharge
  return false;
}

// ---- String (positions and lengths in code points; ordering by code point)
function $scmp(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i), y = b.codePointAt(i);
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xFFFF) i++;
  }
  return a.length === b.length ? 0 : (a.length < b.length ? -1 : 1);
}
function $String_length(s) { return $int($cpLength(s)); }
function $String_slice(s, a, b) {
  const n = $cpLength(s);
  const clamp = (i) => (i < 0 ? 0 : i > n ? n : Number(i));
  const from = clamp(a), to = clamp(b);
  const r = to > from ? s.slice($cpOffset(s, Number(from)), $cpOffset(s, Number(to))) : "";
  $sur(r.length);
  return r;
}
function $String_split(s, sep) {
  $sur(s.length);
  if (sep === "") return Array.from(s);
  return s.split(sep);
}
function $String_contains(s, t) { $sur(s.length); return s.includes(t); }
function $String_startsWith(s, t) { $sur(s.length); return s.startsWith(t); }
function $String_toUpper(s) { const r = s.toUpperCase(); $sur(r.length); return r; }
function $String_toLower(s) { const r = s.toLowerCase(); $sur(r.length); return r; }
function $String_fromNumber(n) { return String(n); }
function $String_toNumber(s) {
  if (!/^-?[0-9]+$/.test(s)) return $NONE;
  const n = BigInt(s);
  return n > $MAX || n < $MIN ? $NONE : $some($int(n));
}

// ---- Map (entries kept in canonical key order; the host computes each key's sort key)
function $mapKey(k) { return $hostCall("Map.key", [k]); }
function $mapFind(m, key) {
  let lo = 0, hi = m.$k.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (m.$k[mid] < key) lo = mid + 1; else hi = mid; }
  return lo;
}
function $Map_empty() { return { $m: [], $k: [] }; }
function $Map_set(m, k, v) {
  const key = $mapKey(k), i = $mapFind(m, key);
  const entries = m.$m.slice(), keys = m.$k.slice();
  if (i < keys.length && keys[i] === key) entries[i] = [k, v];
  else { entries.splice(i, 0, [k, v]); keys.splice(i, 0, key); }
  return { $m: entries, $k: keys };
}
function $Map_get(m, k) {
  const key = $mapKey(k), i = $mapFind(m, key);
  return i < m.$k.length && m.$k[i] === key ? $some(m.$m[i][1]) : $NONE;
}
function $Map_has(m, k) { const key = $mapKey(k), i = $mapFind(m, key); return i < m.$k.length && m.$k[i] === key; }
function $Map_remove(m, k) {
  const key = $mapKey(k), i = $mapFind(m, key);
  if (!(i < m.$k.length && m.$k[i] === key)) return m;
  const entries = m.$m.slice(), keys = m.$k.slice();
  entries.splice(i, 1); keys.splice(i, 1);
  return { $m: entries, $k: keys };
}
function $Map_keys(m) { return m.$m.map((e) => e[0]); }
function $Map_values(m) { return m.$m.map((e) => e[1]); }
function $Map_size(m) { return $int(m.$m.length); }

// ---- Json and Hash
function $Json_stringify(v) { const s = $enc(v, 1); $sur($utf8len(s)); return s; }
function $Json_parse(s) { $sur($utf8len(s)); return $hostCall("Json.parse", [s]); }
function $Json_from(v) { return $hostCall("Json.from", [v]); }
function $hashed(hex) { $sur(hex.length); return hex; }   // surcharge: bytes of the hex output
function $Hash_sha256(s) { return $hashed($hostCall("Hash.sha256", [s])); }
function $Hash_fnv1a64(s) { return $hashed($hostCall("Hash.fnv1a64", [s])); }
function $Hash_cbor(v) { return $hashed($hostCall("Hash.cbor", [v])); }
function $Hash_of(v) { return $hashed($hostCall("Hash.of", [v])); }
