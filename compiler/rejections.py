"""Targeted rejections: JavaScript constructs MTPScript forbids (LANGUAGE.md section 3).

Works on the token stream between the lexer and the parser. Each forbidden
construct is reported once with its own code and hint, then removed or replaced
by a neutral token so that parsing continues and later errors are still found;
the parser drops generic syntax errors on lines that already carry one of these.
"""

from __future__ import annotations

from lark import Token

from . import lexer
from .diagnostics import DiagnosticSink, Span

# Forbidden words whose whole statement is removed: word -> code.
_STATEMENT_WORDS = {"class": "E0101", "try": "E0106", "catch": "E0106", "finally": "E0106",
                    "throw": "E0107", "for": "E0108", "while": "E0108", "do": "E0108",
                    "switch": "E0109", "with": "E0125"}
# Forbidden words that are dropped from the stream.
_DROPPED_WORDS = {"new": "E0103", "typeof": "E0116", "delete": "E0118", "yield": "E0123",
                  "async": "E0134", "export": "E0135", "void": "E0116"}
# Forbidden binary operators: replaced by `==` so the expression still parses.
_OPERATOR_WORDS = {"instanceof": "E0117", "in": "E0119"}
# Forbidden names that parse as names: reported, left in place.
_NAME_WORDS = {"this": "E0102", "eval": "E0104", "Function": "E0105", "null": "E0114",
               "undefined": "E0115", "require": "E0128", "Object": "E0130", "Reflect": "E0130",
               "Proxy": "E0130", "globalThis": "E0130", "window": "E0130", "global": "E0130",
               "Date": "E0131", "Math": "E0132", "setTimeout": "E0133", "setInterval": "E0133",
               "setImmediate": "E0133", "clearTimeout": "E0133", "clearInterval": "E0133",
               "queueMicrotask": "E0133", "Promise": "E0134", "arguments": "E0130",
               "WeakRef": "E0130", "Symbol": "E0130"}
_COMPOUND = {"+=", "-=", "*=", "/=", "%=", "**=", "&=", "|=", "^=", "<<=", "&&=", "||=", "??="}

_CLOSERS = {"LPAR": "RPAR", "ARROW_LPAREN": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE"}


def span_of(tok: Token) -> Span:
    return Span(tok.line, tok.column, tok.end_line, tok.end_column)


def _replace(tok: Token, kind: str, value: str) -> Token:
    return Token.new_borrow_pos(kind, value, tok)


def _skip_group(tokens: list[Token], i: int) -> int:
    """If tokens[i] opens a bracket, the index after its match; else i."""
    if i >= len(tokens) or tokens[i].type not in _CLOSERS:
        return i
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].type in _CLOSERS:
            depth += 1
        elif tokens[j].type in ("RPAR", "RSQB", "RBRACE"):
            depth -= 1
            if depth == 0:
                return j + 1
    return len(tokens)


def _statement_extent(tokens: list[Token], i: int) -> int:
    """End index of the statement a forbidden keyword at tokens[i] begins (class/try/for/while/do/switch...)."""
    word, j, n = tokens[i].value, i + 1, len(tokens)
    if word == "class":
        while j < n and tokens[j].type != "LBRACE":
            j += 1
        return _skip_group(tokens, j)
    if j < n and tokens[j].type in ("LPAR", "ARROW_LPAREN"):
        j = _skip_group(tokens, j)                      # (condition), (init; test; step), catch (e)
        if word == "while" and i > 0 and tokens[i - 1].type == "RBRACE" and tokens[i - 1].line == tokens[i].line:
            return j + (j < n and tokens[j].type == "SEMICOLON")   # the tail of do { } while (c)
    if j < n and tokens[j].type == "LBRACE":
        j = _skip_group(tokens, j)
    elif j < n:
        j = _line_extent(tokens, j)                     # a body without braces: the rest of its line
    if j < n and tokens[j].type == "NAME" and tokens[j].value in ("catch", "finally", "while") \
            and (tokens[j].value != "while" or word == "do"):
        return _statement_extent(tokens, j)
    return j


def _line_extent(tokens: list[Token], i: int) -> int:
    """From tokens[i] to the end of its line (a trailing `;` included)."""
    line = tokens[i].line
    j = i
    while j < len(tokens) and tokens[j].line == line and tokens[j].type not in ("SEMICOLON", "RBRACE"):
        j = _skip_group(tokens, j) if tokens[j].type in _CLOSERS else j + 1
    return j + (j < len(tokens) and tokens[j].type == "SEMICOLON")


def reject(tokens: list[Token], sink: DiagnosticSink) -> tuple[list[Token], set[int]]:
    """Report forbidden constructs; return the cleaned token list and the lines they were on."""
    out: list[Token] = []
    lines: set[int] = set()
    depth = 0
    parens: list[bool] = []    # one entry per open "(": is it a parameter list?
    binding_pending = None     # "TYPE" or "BIND_KW" while a declaration's `=` is still expected

    def report(code: str, tok: Token, message: str | None = None) -> None:
        sink.error(code, span_of(tok), message)
        lines.add(tok.line)

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind, value = tok.type, tok.value
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if kind == "LBRACE":
            depth += 1
            if binding_pending == "TYPE":   # `type Name { ... }` declares a record: no `=` follows
                binding_pending = None
        elif kind == "RBRACE":
            depth = max(0, depth - 1)
        elif kind in ("LPAR", "ARROW_LPAREN"):
            parens.append(kind == "ARROW_LPAREN" or bool(out) and (
                out[-1].type == "FUNCTION" or len(out) > 1 and out[-2].type == "FUNCTION"))
        elif kind == "RPAR" and parens:
            parens.pop()
        elif kind in ("BIND_KW", "TYPE"):
            binding_pending = kind
        if kind == "NAME" and nxt is not None and nxt.type == "COLON" and i + 2 < len(tokens) \
                and tokens[i + 2].value in ("for", "while", "do", "switch") \
                and (not out or out[-1].type in ("LBRACE", "RBRACE", "SEMICOLON") or out[-1].line < tok.line):
            report("E0124", tok, f"`{value}:` is a label")
            i += 2
            continue
        if kind == "NAME" and (not out or out[-1].type != "DOT") and (nxt is None or nxt.type != "COLON"):
            if value in _STATEMENT_WORDS:
                report(_STATEMENT_WORDS[value], tok)
                end = _line_extent(tokens, i + 1) if value == "throw" else _statement_extent(tokens, i)
                i = max(end, i + 1)
                continue
            if value in ("get", "set") and nxt is not None and nxt.type == "NAME" and out \
                    and out[-1].type in ("LBRACE", "COMMA") and i + 2 < len(tokens) and tokens[i + 2].type == "LPAR":
                report("E0122", tok)
                i = _statement_extent(tokens, i)
                continue
            if value in _DROPPED_WORDS:
                report(_DROPPED_WORDS[value], tok)
                i += 1
                continue
            if value in _OPERATOR_WORDS:
                report(_OPERATOR_WORDS[value], tok)
                out.append(_replace(tok, "EQEQ", "=="))
                i += 1
                continue
            if value == "var":
                report("E0110", tok)
                out.append(_replace(tok, "BIND_KW", "const"))
                binding_pending = "BIND_KW"
                i += 1
                continue
            if value in _NAME_WORDS:
                report(_NAME_WORDS[value], tok)
        elif kind == "IMPORT" and nxt is not None and nxt.type in ("LPAR", "ARROW_LPAREN"):
            report("E0127", tok)
            out.append(_replace(tok, "NAME", "import"))
            i += 1
            continue
        elif kind == "FUNCTION" and nxt is not None and nxt.type == "STAR":
            report("E0123", nxt)
            out.append(tok)
            i += 2
            continue
        elif kind == "EQUAL":
            if binding_pending:
                binding_pending = None
            elif parens and parens[-1]:
                report("E0137", tok)
                out.append(_replace(tok, "EQEQ", "=="))
                i += 1
                continue
            else:
                report("E0129" if depth == 0 else "E0111", tok)
                out.append(_replace(tok, "EQEQ", "=="))
                i += 1
                continue
        elif kind == lexer.FORBIDDEN_OP:
            if value in ("===", "!=="):
                report("E0120", tok, f"`{value}` is not supported")
                out.append(_replace(tok, "EQEQ" if value == "===" else "NOTEQ", value[:2]))
            elif value in _COMPOUND:
                report("E0129" if depth == 0 else "E0112", tok, f"compound assignment `{value}` is not supported")
                out.append(_replace(tok, "EQEQ", "=="))
            elif value in ("++", "--"):
                report("E0113", tok, f"`{value}` is not supported")
            elif value == "?":
                report("E0136", tok)
            else:
                report("E0012", tok, f"the operator `{value}` is not supported")
            i += 1
            continue
        elif kind == lexer.EXP_NUMBER:
            report("E0121", tok, f"number literal {value} uses an exponent")
            out.append(_replace(tok, "DECIMAL", "0.0"))
            i += 1
            continue
        elif kind == lexer.RADIX_NUMBER:
            report("E0011", tok, f"number literal {value} is not in decimal notation")
            out.append(_replace(tok, "INT", "0"))
            i += 1
            continue
        elif kind == lexer.REGEX:
            report("E0126", tok)
            out.append(_replace(tok, "STRING", '""'))
            i += 1
            continue
        elif kind == lexer.QUOTED:
            report("E0010", tok)
            out.append(_replace(tok, "STRING", '""'))
            i += 1
            continue
        out.append(tok)
        i += 1
    return out, lines
