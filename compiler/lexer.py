"""Lexer: source text -> tokens named after the terminals of grammar.lark.

The terminal definitions in grammar.lark are normative; this module compiles
them into one scanner and adds what a grammar cannot: recovery from bad
characters, recognition of JavaScript tokens MTPScript rejects (so that
compiler/rejections.py can explain them), contextual keywords (a keyword after
`.` or before `:` is a plain name) and the ARROW_LPAREN look-ahead.
"""

from __future__ import annotations

import re
from importlib import resources

from lark import Token

from .diagnostics import DiagnosticSink, Span

GRAMMAR_TEXT = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")

# Token kinds the lexer emits that are not grammar terminals; rejections.py consumes them.
FORBIDDEN_OP = "FORBIDDEN_OP"      # === !== += ++ ?. ?? ... ** & ^ ~ << >> ?
REGEX = "REGEX"                    # /pattern/flags in operand position
QUOTED = "QUOTED"                  # 'text' or `text`
EXP_NUMBER = "EXP_NUMBER"          # 1e5, 2.5E-3
RADIX_NUMBER = "RADIX_NUMBER"      # 0x1F, 0b101, 0o17

# ">>" is deliberately absent: it closes nested type arguments, as in List<List<number>>.
_FORBIDDEN_OPS = ["===", "!==", "<<=", "**=", "&&=", "||=", "??=", "...",
                  "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "++", "--", "**", "?.", "??",
                  "<<", "&", "^", "~", "?", "@", "#"]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"0[xXbBoO][0-9A-Za-z_]+|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`", re.S)
_REGEX = re.compile(r"/(?![*/])(?:[^/\\\n\[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[A-Za-z]*")

# After one of these token types an operand is complete, so `/` is division, not a regex.
_OPERAND_END = {"NAME", "INT", "DECIMAL", "STRING", "BOOL", "RPAR", "RSQB", "RBRACE", QUOTED, REGEX}


def build_tables(terminals):
    """From Lark TerminalDefs: (keyword -> terminal, punctuation -> terminal, master scanner)."""
    keywords: dict[str, str] = {}
    punct: list[tuple[str, str]] = []
    for term in terminals:
        name = term.name
        if name in ("NAME", "INT", "DECIMAL", "STRING", "COMMENT") or name.startswith("__"):
            continue
        pattern = term.pattern
        if pattern.type == "str" and _WORD.fullmatch(pattern.value):
            keywords[pattern.value] = name
        elif pattern.type == "str":
            punct.append((pattern.value, name))
        else:  # alternations of words, e.g. BIND_KW: "const" | "let"
            for word in re.findall(r"[A-Za-z_]+", pattern.value):
                if re.fullmatch(pattern.value, word):
                    keywords[word] = name
    punct += [(op, FORBIDDEN_OP) for op in _FORBIDDEN_OPS]
    punct.sort(key=lambda p: -len(p[0]))
    return keywords, dict(punct), build_scanner(punct)


def build_scanner(punct: list[tuple[str, str]]) -> re.Pattern:
    """One master regular expression; the name of the matching group says what was found."""
    parts = [("sp", r"[ \t\r\n]+"), ("lc", r"//[^\n]*"), ("bc", r"/\*.*?\*/"), ("ubc", r"/\*"),
             ("word", _WORD.pattern), ("num", _NUMBER.pattern), ("str", _STRING.pattern),
             ("ustr", r'"[^\n]*'), ("quoted", _QUOTED.pattern), ("uquoted", r"['`]"),
             ("punct", "|".join(re.escape(op) for op, _ in punct)), ("other", r".")]
    return re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in parts), re.S)


def tokenize(text: str, sink: DiagnosticSink, tables) -> list[Token]:
    """Scan `text` into tokens; bad input is reported to `sink` and skipped, never raised.

    `tables` comes from build_tables() over the grammar's terminals.
    """
    keywords, punct_kinds, scanner = tables
    tokens: list[Token] = []
    append = tokens.append
    line, line_start, pos, n = 1, 0, 0, len(text)
    match = scanner.match
    while pos < n:
        m = match(text, pos)
        group, value = m.lastgroup, m.group()
        start, pos = pos, m.end()
        col = start - line_start + 1
        if group == "sp" or group == "lc" or group == "bc":
            newlines = value.count("\n")
            if newlines:
                line += newlines
                line_start = start + value.rfind("\n") + 1
            continue
        if group == "word":
            kind = keywords.get(value, "NAME")
            if kind != "NAME" and _is_plain_name_context(tokens, text, pos):
                kind = "NAME"
        elif group == "punct":
            kind = punct_kinds[value]
            if value[0] == "/" and (not tokens or tokens[-1].type not in _OPERAND_END):
                regex = _REGEX.match(text, start)
                if regex:
                    value, kind, pos = regex.group(), REGEX, regex.end()
        elif group == "num":
            if value[:2].lower() in ("0x", "0b", "0o"):
                kind = RADIX_NUMBER
            elif "e" in value or "E" in value:
                kind = EXP_NUMBER
            else:
                kind = "DECIMAL" if "." in value else "INT"
                _check_number_range(kind, value, tokens, Span(line, col, line, col + len(value)), sink)
        elif group == "str":
            kind = "STRING"
            if "\\" in value or not value.isprintable():
                _check_string(value, line, col, sink)
        elif group == "quoted":
            kind = QUOTED
        elif group == "ustr":
            sink.error("E0002", Span(line, col, line, col + len(value)))
            value, kind = '""', "STRING"   # keep parsing as if the string were closed
        elif group == "ubc":
            sink.error("E0003", Span(line, col, line, col + 2))
            break
        elif group == "uquoted":
            sink.error("E0002", Span(line, col, line, col + 1))
            continue
        else:
            sink.error("E0001", Span(line, col, line, col + 1),
                       f"unexpected character {value!r}" if value.isprintable() else
                       f"unexpected character U+{ord(value):04X}")
            if value == "\n":
                line, line_start = line + 1, pos
            continue
        newlines = value.count("\n") if kind == QUOTED else 0
        end_line = line + newlines
        end_col = (len(value) - value.rfind("\n")) if newlines else col + len(value)
        append(Token(kind, value, start, line, col, end_line, end_col, start + len(value)))
        if newlines:
            line, line_start = end_line, start + value.rfind("\n") + 1
    _mark_lookahead_tokens(tokens)
    return tokens


_ESCAPE_OR_CONTROL = re.compile(r'\\(u[0-9a-fA-F]{4}|.?)|[\x00-\x1f]')


def _check_string(value: str, line: int, col: int, sink: DiagnosticSink) -> None:
    """E0006 for bad escapes and unpaired surrogate escapes, E0001 for raw control characters."""
    pending_high = None   # column of a \uD800-\uDBFF escape still waiting for its low half
    for m in _ESCAPE_OR_CONTROL.finditer(value, 1, len(value) - 1):
        at = col + m.start()
        text = m.group()
        if not text.startswith("\\"):
            sink.error("E0001", Span(line, at, line, at + 1),
                       f"control character U+{ord(text):04X} in a string literal", "write it as an escape, e.g. \\t")
            continue
        is_unicode = text[1:2] == "u" and len(text) == 6
        low = is_unicode and 0xDC00 <= int(text[2:], 16) <= 0xDFFF
        if pending_high is not None and not (low and m.start() == pending_high[1]):
            sink.error("E0006", Span(line, pending_high[0], line, pending_high[0] + 6), "unpaired surrogate escape")
            pending_high = None
        if is_unicode:
            code = int(text[2:], 16)
            if 0xD800 <= code <= 0xDBFF:
                pending_high = (at, m.end())
            elif low and pending_high is None:
                sink.error("E0006", Span(line, at, line, at + 6), "unpaired surrogate escape")
            else:
                pending_high = None
        elif text[1:2] not in ('"', "\\", "/", "b", "f", "n", "r", "t"):
            sink.error("E0006", Span(line, at, line, at + len(text)), f"invalid escape sequence {text!r}")
    if pending_high is not None:
        sink.error("E0006", Span(line, pending_high[0], line, pending_high[0] + 6), "unpaired surrogate escape")
INT64_MAX = 2**63 - 1


def _check_number_range(kind: str, value: str, tokens: list[Token], span: Span, sink: DiagnosticSink) -> None:
    """E0007/E0008 for literals no number or Decimal can hold."""
    if kind == "INT":
        negated = bool(tokens) and tokens[-1].type == "MINUS" and (   # unary minus only
            len(tokens) < 2 or tokens[-2].type not in _OPERAND_END)
        if int(value) > INT64_MAX + negated:
            sink.error("E0007", span, f"integer literal {value} does not fit in a 64-bit signed number")
        return
    whole, frac = value.split(".")
    digits = (whole + frac).lstrip("0") or "0"
    if len(digits) > 34 or len(frac) > 28:
        sink.error("E0008", span, f"Decimal literal {value} has {len(digits)} significant digits and scale {len(frac)}")


def _is_plain_name_context(tokens: list[Token], text: str, after: int) -> bool:
    """A keyword right after `.` or right before a single `:` is used as a field name."""
    if tokens and tokens[-1].type == "DOT":
        return True
    rest = text[after:after + 64].lstrip(" \t")
    return rest.startswith(":") and not rest.startswith("::")


_OPENERS = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE"}
# A "(" right after one of these is a call or constructor argument list, never a lambda.
_CALLEE_END = {"NAME", "RPAR", "RSQB", "FUNCTION", "GT"}


def _mark_lookahead_tokens(tokens: list[Token]) -> None:
    """Retype tokens whose role needs look-ahead beyond LALR(1).

    "(" becomes ARROW_LPAREN when it opens a lambda parameter list or function type:
    its matching ")" is followed by "=>" or ":" (a lambda's return type) and it does
    not follow a callee. "-" becomes NEG when it is the sign of a literal pattern.
    """
    stack: list[int] = []
    for i, tok in enumerate(tokens):
        if tok.type == "MINUS" and i + 2 < len(tokens) and tokens[i + 1].type in ("INT", "DECIMAL") \
                and tokens[i + 2].type == "ARROW":
            tokens[i] = Token.new_borrow_pos("NEG", "-", tok)
        elif tok.type in _OPENERS:
            stack.append(i)
        elif tok.type in ("RPAR", "RSQB", "RBRACE") and stack:
            j = stack.pop()
            if tokens[j].type != "LPAR" or i + 1 >= len(tokens):
                continue
            follower = tokens[i + 1].type
            before = tokens[j - 1].type if j > 0 else None
            if follower in ("ARROW", "COLON") and before not in _CALLEE_END:
                tokens[j] = Token.new_borrow_pos("ARROW_LPAREN", "(", tokens[j])
