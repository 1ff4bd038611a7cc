"""Diagnostics: the stable error-code registry, the Diagnostic record and its renderers.

Every error the front end can report has a code here with a title and a one-line
default hint. Codes never change meaning once published; spec/diagnostics.md lists
them and a unit test keeps that list and this registry identical.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import NamedTuple

# code -> (title, default hint)
CODES: dict[str, tuple[str, str]] = {
    # ---- E00xx lexical and syntax
    "E0001": ("unexpected character", "remove the character; MTPScript source is ASCII outside string literals and comments"),
    "E0002": ("unterminated string literal", "close the string with a double quote on the same line"),
    "E0003": ("unterminated block comment", "close the comment with */"),
    "E0004": ("syntax error", "check the construct against spec/grammar.md"),
    "E0005": ("unexpected end of input", "a bracket, block or declaration is not closed"),
    "E0006": ("invalid escape sequence", "valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX"),
    "E0007": ("integer literal out of range", "number is a signed 64-bit integer: -9223372036854775808 to 9223372036854775807"),
    "E0008": ("Decimal literal out of range", "a Decimal has at most 34 significant digits and at most 28 digits after the point"),
    "E0009": ("source is not valid UTF-8 text", "save the file as UTF-8 without NUL bytes"),
    "E0010": ("strings use double quotes", "write \"text\"; single quotes and template literals do not exist"),
    "E0011": ("unsupported number literal", "write integers in decimal digits and Decimals as 12.50"),
    "E0012": ("unsupported operator", "MTPScript has no bitwise, optional-chaining, spread or exponent operators"),
    "E0013": ("expression nested too deeply", "name intermediate results with `const`, or build the value with a function"),
    # ---- E01xx targeted rejections (LANGUAGE.md section 3)
    "E0101": ("`class` is not supported", "declare a record type with `type Name { field: T }` and functions over it"),
    "E0102": ("`this` is not supported", "pass the value as a parameter"),
    "E0103": ("`new` is not supported", "call a constructor or function directly, e.g. `Some(x)` or `Map.empty()`"),
    "E0104": ("`eval` is not supported", "code cannot be built at run time; write the logic as a function"),
    "E0105": ("the `Function` constructor is not supported", "write a lambda `(x) => ...` or a named function"),
    "E0106": ("`try`/`catch`/`finally` is not supported", "return a `Result<T, E>` and `match` on `Ok`/`Err`"),
    "E0107": ("`throw` is not supported", "return `Err(...)` from a function whose type is `Result<T, E>`"),
    "E0108": ("loops are not supported", "use recursion (tail calls cost 0 gas) or List.map/filter/fold"),
    "E0109": ("`switch` is not supported", "use `match value { pattern => result, ... }`"),
    "E0110": ("`var` is not supported", "use `const` (or `let`; both are immutable)"),
    "E0111": ("assignment is not supported", "bindings are immutable: introduce a new `const` with the new value"),
    "E0112": ("compound assignment is not supported", "bindings are immutable: write `const next = x + 1`"),
    "E0113": ("`++`/`--` are not supported", "bindings are immutable: write `x + 1` into a new binding"),
    "E0114": ("`null` does not exist", "use `Option<T>`: `None` for no value, `Some(x)` for a value"),
    "E0115": ("`undefined` does not exist", "use `Option<T>`: `None` for no value, `Some(x)` for a value"),
    "E0116": ("`typeof` is not supported", "types are static; use a union and `match` to distinguish cases"),
    "E0117": ("`instanceof` is not supported", "use a union and `match` on its constructors"),
    "E0118": ("`delete` is not supported", "values are immutable; build a new record or use Map.remove"),
    "E0119": ("the `in` operator is not supported", "use Map.has(m, key) or List.contains(xs, x)"),
    "E0120": ("`===` and `!==` are not supported", "use `==` / `!=`, which compare structurally"),
    "E0121": ("number literals with exponents are not supported", "write the value out in full; there are no floats, a literal with '.' is a Decimal"),
    "E0122": ("getters and setters are not supported", "use a plain function that takes the record"),
    "E0123": ("generators are not supported", "build a List with List.range/map, or use recursion"),
    "E0124": ("labels are not supported", "there are no loops to label; use recursion"),
    "E0125": ("`with` is not supported", "name the record and access its fields with `r.field`"),
    "E0126": ("regular expression literals are not supported", "use String.contains/startsWith/split or write a matching function"),
    "E0127": ("dynamic `import()` is not supported", "use a static `import { name } from \"./file.mtp\"` at the top of the file"),
    "E0128": ("`require` is not supported", "use a static `import { name } from \"./file.mtp\"` at the top of the file"),
    "E0129": ("global mutation is not supported", "top-level bindings are immutable constants; pass state as parameters"),
    "E0130": ("reflection is not supported", "Object, Reflect, Proxy and globalThis do not exist; use records, Map and match"),
    "E0131": ("`Date` is not supported", "time is not observable; take timestamps as request input"),
    "E0132": ("`Math` is not supported", "randomness is not observable; use Number.abs/min/max, and derive values from request input"),
    "E0133": ("timers are not supported", "there is no event loop; effects run synchronously, use `await` under `uses { Async }`"),
    "E0134": ("`async` functions and promises are not supported", "declare `uses { Async }` and `await` the effect call"),
    "E0135": ("`export` is not needed", "every top-level declaration can be imported; remove `export`"),
    "E0136": ("the conditional operator `?:` is not supported", "use `if (c) { a } else { b }`"),
    "E0137": ("default parameter values are not supported", "pass every argument explicitly, or write a wrapper function"),
    # ---- E02xx names and types
    "E0201": ("unknown name", "declare it with `const`, as a parameter or a function, or import it"),
    "E0202": ("unknown type", "declare it with `type`, import it, or use a built-in type"),
    "E0203": ("type mismatch", "change the expression or the annotation so the types agree"),
    "E0204": ("wrong number of arguments", "pass exactly the parameters the function declares"),
    "E0205": ("not a function", "only functions and constructors can be called"),
    "E0206": ("unknown field", "use one of the fields the record type declares"),
    "E0207": ("operator cannot be applied to these types", "both operands must have the same type the operator accepts; there is no implicit coercion"),
    "E0208": ("condition is not a boolean", "compare explicitly, e.g. `n != 0`"),
    "E0209": ("`if` branches have different types", "make both branches produce the same type"),
    "E0210": ("`match` is not exhaustive", "add arms for the missing patterns, or a final `_ => ...`"),
    "E0211": ("unreachable `match` arm", "remove the arm; earlier arms already cover every value it matches"),
    "E0212": ("pattern does not fit the matched type", "use constructors, literals and fields of the type being matched"),
    "E0213": ("duplicate definition", "rename one of the definitions"),
    "E0214": ("duplicate field", "each field name may appear only once"),
    "E0215": ("missing type annotation", "parameters of named functions and api bodies need a type, e.g. `(x: number)`"),
    "E0216": ("cannot infer a type", "add a type annotation"),
    "E0217": ("ordering is only defined on number and string", "compare Decimals with Decimal.compare(a, b)"),
    "E0218": ("Map keys cannot be functions", "key the Map by a string, number or other data value"),
    "E0219": ("`return` is only allowed in tail position", "make the `return` the last statement of the function, or drop it"),
    "E0220": ("`respond` is only allowed as the last statement of an `api` handler", "end the handler (or a tail branch of it) with `respond ...`"),
    "E0221": ("an `api` handler must end with `respond`", "end every path of the handler with `respond json(...)`, `respond status(...)` or `respond text(...)`"),
    "E0222": ("wrong number of type arguments", "give the type exactly the type parameters it declares"),
    "E0223": ("recursive record type", "records are structural and cannot contain themselves; use a union such as `type Tree = Leaf | Node(Tree, Tree)`"),
    "E0224": ("invalid route", "write `api GET \"/path/:param\"` with a method GET, POST, PUT, PATCH or DELETE and a path starting with /"),
    "E0225": ("ambiguous route", "two routes match the same requests; change one path or method"),
    "E0226": ("block has no value", "end the block with an expression"),
    "E0227": ("infinite type", "a value cannot contain itself; check the recursion"),
    "E0228": ("cannot index this value", "index a List with a number: `xs[i]`, or use List.get for an Option"),
    "E0229": ("recursive function needs a return type", "annotate the return type, e.g. `function f(n: number): number`"),
    "E0230": ("`JsonNull` cannot be constructed", "JsonNull only arises from Json.parse; use Option for absent values"),
    "E0231": ("unused expression value", "this statement computes a value that is thrown away; bind it with `const` or remove it"),
    "E0232": ("not a value", "this name is a module or effect namespace; call one of its functions, e.g. `List.length(xs)`"),
    # ---- E03xx effects
    "E0301": ("effect not declared", "add the effect to the function's `uses { ... }` clause"),
    "E0302": ("callee uses an effect that is not declared", "add the callee's effects to this function's `uses { ... }` clause"),
    "E0303": ("lambdas must be pure", "move the effectful call into a named function with `uses { ... }`"),
    "E0304": ("`await` needs the Async effect", "add `Async` to the `uses { ... }` clause"),
    "E0305": ("unknown effect", "built-in effects are DbRead, DbWrite, HttpOut, Log and Async"),
    "E0306": ("effect listed twice", "list each effect once"),
    "E0307": ("an effectful function cannot be used as a value", "call it directly; only pure functions can be passed around"),
    "E0308": ("`await` applies to an effect call", "write `await HttpOut.get(url)`; pure values need no await"),
    # ---- E04xx modules
    "E0401": ("imported file not found", "the path is relative to the importing file, e.g. \"./money.mtp\""),
    "E0402": ("import cycle", "move the shared declarations into a third module that both import"),
    "E0403": ("unknown export", "import a name the module declares at top level"),
    "E0404": ("invalid import path", "imports are static relative paths ending in .mtp, e.g. \"./money.mtp\""),
    "E0405": ("union declared with different variants", "unions with the same name must have identical variant lists in every linked module"),
    "E0406": ("imports must come first", "move the import to the top of the file"),
}


class Span(NamedTuple):
    """A source range; lines and columns are 1-based, columns count code points, end is exclusive.

    A named tuple (not a dataclass): the parser makes one per AST node, so creation speed matters."""

    line: int
    column: int
    end_line: int
    end_column: int

    def to(self, other: "Span") -> "Span":
        return Span(self.line, self.column, other.end_line, other.end_column)


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span
    file: str = ""
    hint: str = ""
    severity: str = "error"

    def with_file(self, file: str) -> "Diagnostic":
        return Diagnostic(self.code, self.message, self.span, file, self.hint, self.severity)

    def sort_key(self):
        return (self.file, self.span.line, self.span.column, self.code, self.message)

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "line": self.span.line,
            "column": self.span.column,
            "endLine": self.span.end_line,
            "endColumn": self.span.end_column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


def diag(code: str, span: Span, message: str | None = None, hint: str | None = None) -> Diagnostic:
    """Build a diagnostic; message and hint default to the registry's title and hint."""
    title, default_hint = CODES[code]
    return Diagnostic(code, message or title, span, hint=default_hint if hint is None else hint)


@dataclass
class DiagnosticSink:
    """Collects diagnostics for one file, dropping exact duplicates."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, d: Diagnostic) -> None:
        if d not in self.items:
            self.items.append(d)

    def error(self, code: str, span: Span, message: str | None = None, hint: str | None = None) -> None:
        self.add(diag(code, span, message, hint))


def render_text(d: Diagnostic, source_lines: list[str] | None, colour: bool = False) -> str:
    """Render one diagnostic rustc/Elm style: header, location, source line with carets, hint."""
    red, blue, bold, reset = ("\x1b[31m", "\x1b[34m", "\x1b[1m", "\x1b[0m") if colour else ("", "", "", "")
    out = [f"{bold}{red}{d.severity}[{d.code}]{reset}{bold}: {d.message}{reset}",
           f"  {blue}-->{reset} {d.file}:{d.span.line}:{d.span.column}"]
    if source_lines is not None and 1 <= d.span.line <= len(source_lines):
        text = source_lines[d.span.line - 1].rstrip("\r\n").expandtabs(1)
        gutter = str(d.span.line)
        pad = " " * len(gutter)
        width = (d.span.end_column - d.span.column) if d.span.end_line == d.span.line else len(text) - d.span.column + 1
        width = max(1, width)
        out += [f"{blue}{pad} |{reset}", f"{blue}{gutter} |{reset} {text}",
                f"{blue}{pad} |{reset} {' ' * (d.span.column - 1)}{red}{'^' * width}{reset}"]
    if d.hint:
        out.append(f"  {blue}= hint:{reset} {d.hint}")
    return "\n".join(out)


def render_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([d.as_json() for d in diagnostics], indent=2, ensure_ascii=False)
