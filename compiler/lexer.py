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
_SPACE = re.compile(r"[ \t\r\n]+")
_LINE_COMMENT = re.compile(r"//[^\n]*")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`", re.S)
_REGEX = re.compile(r"/(?![*/])(?:[^/\\\n\[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[A-Za-z]*")

# After one of these token types an operand is complete, so `/` is division, not a regex.
_OPERAND_END = {"NAME", "INT", "DECIMAL", "STRING", "BOOL", "RPAR", "RSQB", "RBRACE", QUOTED, REGEX}


def build_tables(terminals) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """From Lark TerminalDefs: (keyword -> terminal, [(punctuation, terminal)] longest first)."""
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
    return keywords, punct


def _make_token(kind: str, value: str, pos: int, line: int, col: int, end_line: int, end_col: int) -> Token:
    return Token(kind, value, pos, line, col, end_line, end_col, pos + len(value))


def tokenize(text: str, sink: DiagnosticSink, tables) -> list[Token]:
    """Scan `text` into tokens; bad input is reported to `sink` and skipped, never raised.

    `tables` comes from build_tables() over the grammar's terminals.
    """
    keywords, punct = tables
    tokens: list[Token] = []
    pos, line, line_start, n = 0, 1, 0, len(text)

    def emit(kind: str, value: str, start: int) -> None:
        nonlocal line, line_start
        col = start - line_start + 1
        newlines = value.count("\n")
        end_line = line + newlines
        end_col = (len(value) - value.rfind("\n")) if newlines else col + len(value)
        tokens.append(_make_token(kind, value, start, line, col, end_line, end_col))
        if newlines:
            line, line_start = end_line, start + value.rfind("\n") + 1

    def here(length: int = 1) -> Span:
        col = pos - line_start + 1
        return Span(line, col, line, col + length)

    def skip(value: str) -> None:
        nonlocal pos, line, line_start
        newlines = value.count("\n")
        if newlines:
            line += newlines
            line_start = pos + value.rfind("\n") + 1
        pos += len(value)

    while pos < n:
        ch = text[pos]
        if ch in " \t\r\n":
            skip(_SPACE.match(text, pos).group())
            continue
        if ch == "/" and text.startswith("//", pos):
            skip(_LINE_COMMENT.match(text, pos).group())
            continue
        if ch == "/" and text.startswith("/*", pos):
            m = _BLOCK_COMMENT.match(text, pos)
            if m is None:
                sink.error("E0003", here(2))
                break
            skip(m.group())
            continue
        if ch == "/" and (not tokens or tokens[-1].type not in _OPERAND_END):
            m = _REGEX.match(text, pos)
            if m:
                emit(REGEX, m.group(), pos)
                pos = m.end()
                continue
        if ch.isascii() and (ch.isalpha() or ch == "_"):
            word = _WORD.match(text, pos).group()
            kind = keywords.get(word, "NAME")
            if kind != "NAME" and _is_plain_name_context(tokens, text, pos + len(word)):
                kind = "NAME"
            emit(kind, word, pos)
            pos += len(word)
            continue
        if "0" <= ch <= "9":
            value = _NUMBER.match(text, pos).group()
            if value[:2].lower() in ("0x", "0b", "0o"):
                kind = RADIX_NUMBER
            elif "e" in value or "E" in value:
                kind = EXP_NUMBER
            else:
                kind = "DECIMAL" if "." in value else "INT"
                _check_number_range(kind, value, tokens, here(len(value)), sink)
            emit(kind, value, pos)
            pos += len(value)
            continue
        if ch == '"':
            m = _STRING.match(text, pos)
            if m is None:
                rest = text[pos:text.find("\n", pos) if "\n" in text[pos:] else n]
                sink.error("E0002", here(len(rest)))
                emit("STRING", '""', pos)  # keep parsing as if the string were closed
                skip(rest)
                continue
            bad = _BAD_ESCAPE.search(m.group())
            if bad:
                col = pos - line_start + 1 + bad.start()
                sink.error("E0006", Span(line, col, line, col + len(bad.group())),
                           f"invalid escape sequence {bad.group()!r}")
            emit("STRING", m.group(), pos)
            pos = m.end()
            continue
        if ch in "'`":
            m = _QUOTED.match(text, pos)
            if m is None:
                sink.error("E0002", here())
                skip(ch)
                continue
            emit(QUOTED, m.group(), pos)
            pos = m.end()
            continue
        for op, kind in punct:
            if text.startswith(op, pos):
                emit(kind, op, pos)
                pos += len(op)
                break
        else:
            sink.error("E0001", here(), f"unexpected character {ch!r}" if ch.isprintable() else
                       f"unexpected character U+{ord(ch):04X}")
            skip(ch)
    _mark_lookahead_tokens(tokens)
    return tokens


_BAD_ESCAPE = re.compile(r'\\(?!["\\/bfnrt]|u[0-9a-fA-F]{4}).?')
INT64_MAX = 2**63 - 1


def _check_number_range(kind: str, value: str, tokens: list[Token], span: Span, sink: DiagnosticSink) -> None:
    """E0007/E0008 for literals no number or Decimal can hold."""
    if kind == "INT":
        negated = bool(tokens) and tokens[-1].type == "MINUS"
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
