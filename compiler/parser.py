"""Parser: tokens -> AST (compiler/nodes.py), with error recovery.

The grammar is compiler/grammar.lark, run by Lark's LALR(1) parser with an
inline transformer that builds AST nodes directly (no parse tree). The token
stream is split into top-level items and each item is parsed on its own, so a
syntax error in one declaration does not hide errors in the next.
"""

from __future__ import annotations

import json
from functools import lru_cache

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput
from lark.lexer import Lexer

from . import nodes as n
from .visitor import children
from .diagnostics import DiagnosticSink, Span
from .lexer import GRAMMAR_TEXT, build_tables, tokenize
from .rejections import reject, span_of

# Tokens that only delimit; the transformer drops them after using them for spans.
_PUNCT = {"LPAR", "RPAR", "ARROW_LPAREN", "LBRACE", "RBRACE", "LSQB", "RSQB", "COMMA", "SEMICOLON",
          "COLON", "DOT", "EQUAL", "ARROW", "IMPORT", "FROM", "TYPE", "FUNCTION", "USES", "API",
          "RETURN", "RESPOND", "IF", "ELSE", "MATCH", "AWAIT", "BAR", "BIND_KW", "LT", "GT"}
_ITEM_KEYWORDS = {"IMPORT", "TYPE", "FUNCTION", "BIND_KW", "API", "SENSITIVE"}


def _span(children) -> Span:
    first, last = children[0], children[-1]
    if isinstance(first, Token):
        line, column = first.line, first.column
    else:
        line, column = first.span[0], first.span[1]
    if isinstance(last, Token):
        return Span(line, column, last.end_line, last.end_column)
    return Span(line, column, last.span[2], last.span[3])


def _significant(children) -> list:
    return [c for c in children if not (isinstance(c, Token) and c.type in _PUNCT)]


def _decode_string(tok: Token) -> str:
    try:
        return json.loads(tok.value)
    except ValueError:  # the lexer already reported E0006
        return tok.value[1:-1]


def _uses(node) -> list[tuple[str, Span]] | None:
    return node if isinstance(node, list) else None


class _ListLexer(Lexer):
    """Feeds Lark a token list that compiler/lexer.py and rejections.py prepared."""
    __future_interface__ = 2

    def __init__(self, lexer_conf):
        pass

    def lex(self, lexer_state, parser_state):
        return iter(lexer_state.text)


class _Spanned(list):
    """A list of children that is itself a child (parameters, uses, type arguments)."""

    def __init__(self, items, span: Span):
        super().__init__(items)
        self.span = span


class _Uses(_Spanned):
    """A parsed `uses { ... }` clause."""


class _Params(_Spanned):
    """A parsed parameter list."""


class _TypeParams(_Spanned):
    """`<A, B>` after a declared name."""


class _TypeArgs(_Spanned):
    """`<T, U>` after a type name."""


class BuildAst(Transformer):
    """Inline LALR callbacks: one method per grammar rule or alias."""

    # ---- items
    def import_decl(self, c):
        names = [(t.value, span_of(t)) for t in c if isinstance(t, Token) and t.type == "NAME"]
        path_tok = next(t for t in c if isinstance(t, Token) and t.type == "STRING")
        return n.Import(_span(c), names, _decode_string(path_tok), span_of(path_tok))

    def type_params(self, c):
        return _TypeParams((t.value for t in _significant(c)), _span(c))

    def _type_head(self, c):
        sig = _significant(c)
        name_tok = sig[0]
        params = sig[1] if len(sig) > 1 and isinstance(sig[1], _TypeParams) else []
        rest = sig[1 + (len(sig) > 1 and isinstance(sig[1], _TypeParams)):]
        return name_tok, list(params), rest

    def union_decl(self, c):
        name_tok, params, rest = self._type_head(c)
        variants = []
        for v in rest:
            variants.extend(v if isinstance(v, list) else [v])
        return n.UnionDecl(_span(c), name_tok.value, params, variants, span_of(name_tok))

    def alias_decl(self, c):
        name_tok, params, rest = self._type_head(c)
        return n.AliasDecl(_span(c), name_tok.value, params, rest[0], span_of(name_tok))

    record_decl = alias_decl

    def first_variant(self, c):
        return _significant(c)[0]

    def first_bare_variants(self, c):
        sig = _significant(c)
        return _Spanned([n.Variant(span_of(sig[0]), sig[0].value, []), sig[1]], _span(c))

    def variant_bare(self, c):
        return n.Variant(_span(c), c[0].value, [])

    def variant_fields(self, c):
        sig = _significant(c)
        return n.Variant(_span(c), sig[0].value, sig[1:])

    def positional_field(self, c):
        return n.VariantField(_span(c), None, _significant(c)[0])

    def named_field(self, c):
        sig = _significant(c)
        return n.VariantField(_span(c), sig[0].value, sig[1])

    def function_decl(self, c):
        sig = _significant(c)
        name_tok = sig[0]
        type_params = next((s for s in sig if isinstance(s, _TypeParams)), [])
        params = next((s for s in sig if isinstance(s, _Params)), [])
        uses = next((s for s in sig if isinstance(s, _Uses)), None)
        result = next((s for s in sig[1:-1] if not isinstance(s, list) and not isinstance(s, Token)), None)
        return n.FunctionDecl(_span(c), name_tok.value, list(type_params), list(params), result,
                              list(uses) if uses is not None else None, sig[-1], span_of(name_tok))

    def params(self, c):
        return _Params(_significant(c), _span(c))

    def param(self, c):
        sig = _significant(c)
        return n.Param(_span(c), sig[0].value, sig[1] if len(sig) > 1 else None)

    def return_type(self, c):
        return _significant(c)[0]

    def uses(self, c):
        return _Uses(((t.value, span_of(t)) for t in _significant(c) if t.type == "NAME"), _span(c))

    def binding(self, c):
        sig = _significant(c)
        name_tok = sig[0]
        type_ = sig[1] if len(sig) == 3 else None
        return n.Binding(_span(c), name_tok.value, type_, sig[-1], span_of(name_tok))

    def item(self, c):
        return _significant(c)[0]

    def api_decl(self, c):
        sig = _significant(c)
        sensitive = sig[0].type == "SENSITIVE"
        if sensitive:
            sig = sig[1:]
        method_tok, path_tok = sig[0], sig[1]
        body_param = next((s for s in sig[2:] if isinstance(s, n.Param)), None)
        uses = next((s for s in sig if isinstance(s, _Uses)), None)
        return n.ApiDecl(_span(c), sensitive, method_tok.value, span_of(method_tok), _decode_string(path_tok),
                         span_of(path_tok), body_param, list(uses) if uses is not None else None, sig[-1])

    def body_param(self, c):
        sig = _significant(c)
        return n.Param(_span(sig), sig[0].value, sig[1] if len(sig) > 1 else None)

    # ---- types
    def function_type(self, c):
        sig = _significant(c)
        return n.FunctionTypeExpr(_span(c), sig[:-1], sig[-1])

    def named_type(self, c):
        sig = _significant(c)
        return n.TypeName(_span(c), sig[0].value, list(sig[1]) if len(sig) > 1 else [])

    def type_args(self, c):
        return _TypeArgs(_significant(c), _span(c))

    def record_type(self, c):
        return n.RecordTypeExpr(_span(c), _significant(c))

    def record_type_field(self, c):
        sig = _significant(c)
        return (sig[0].value, sig[1], _span(c))

    # ---- statements and blocks
    def block(self, c):
        return n.Block(_span(c), _significant(c))

    block_expr = block

    def statement(self, c):
        return _significant(c)[0]

    def expr_stmt(self, c):
        return n.ExprStmt(_span(c), _significant(c)[0])

    def return_stmt(self, c):
        return n.Return(_span(c), _significant(c)[0])

    def respond_stmt(self, c):
        return n.Respond(_span(c), _significant(c)[0])

    # ---- expressions
    def pipeline(self, c):
        left, _, right = c
        if isinstance(right, n.Call):
            return n.Call(_span(c), right.callee, [left, *right.args], piped=True)
        return n.Call(_span(c), right, [left], piped=True)

    def binary(self, c):
        left, op, right = c
        return n.Binary(_span(c), op.value, left, right, span_of(op))

    def unary(self, c):
        return n.Unary(_span(c), c[0].value, c[1])

    def await_expr(self, c):
        return n.Await(_span(c), c[1])

    def call(self, c):
        sig = _significant(c)
        return n.Call(_span(c), sig[0], sig[1:])

    def field(self, c):
        return n.Field(_span(c), c[0], c[2].value, span_of(c[2]))

    def index(self, c):
        sig = _significant(c)
        return n.Index(_span(c), sig[0], sig[1])

    def int_lit(self, c):
        return n.IntLit(_span(c), int(c[0].value))

    def decimal_lit(self, c):
        return n.DecimalLit(_span(c), c[0].value)

    def string_lit(self, c):
        return n.StringLit(_span(c), _decode_string(c[0]))

    def bool_lit(self, c):
        return n.BoolLit(_span(c), c[0].value == "true")

    def name(self, c):
        return n.Name(_span(c), c[0].value)

    def primary(self, c):  # "(" expr ")"
        return _significant(c)[0]

    def list_lit(self, c):
        return n.ListLit(_span(c), _significant(c))

    def record_lit(self, c):
        return n.RecordLit(_span(c), _significant(c))

    def record_field(self, c):
        sig = _significant(c)
        key = _decode_string(sig[0]) if sig[0].type == "STRING" else sig[0].value
        return (key, sig[1], span_of(sig[0]))

    def if_expr(self, c):
        sig = _significant(c)
        return n.If(_span(c), sig[0], sig[1], sig[2])

    def match_expr(self, c):
        sig = _significant(c)
        return n.Match(_span(c), sig[0], sig[1:])

    def match_arm(self, c):
        sig = _significant(c)
        return n.Arm(_span(c), sig[0], sig[1])

    def arrow_lambda(self, c):
        sig = _significant(c)
        params = next((s for s in sig if isinstance(s, _Params)), [])
        result = sig[-2] if len(sig) >= 2 and not isinstance(sig[-2], _Params) else None
        return n.Lambda(_span(c), list(params), result, sig[-1])

    function_lambda = arrow_lambda

    # ---- patterns
    def wildcard_pat(self, c):
        return n.PWild(_span(c))

    def name_pat(self, c):
        return n.PName(_span(c), c[0].value)

    def ctor_pat(self, c):
        sig = _significant(c)
        return n.PCtor(_span(c), sig[0].value, sig[1:])

    def record_pat(self, c):
        return n.PRecord(_span(c), _significant(c))

    def field_pat(self, c):
        sig = _significant(c)
        return (sig[0].value, sig[1] if len(sig) > 1 else None, _span(c))

    def int_pat(self, c):
        return n.PLit(_span(c), "number", int(c[-1].value) * (-1 if len(c) == 2 else 1))

    def decimal_pat(self, c):
        return n.PLit(_span(c), "Decimal", ("-" if len(c) == 2 else "") + c[-1].value)

    def string_pat(self, c):
        return n.PLit(_span(c), "string", _decode_string(c[0]))

    def bool_pat(self, c):
        return n.PLit(_span(c), "boolean", c[0].value == "true")


@lru_cache(maxsize=1)
def _lark() -> Lark:
    # cache=True keeps the analysed LALR tables in the temp directory, keyed by a
    # hash of the grammar and Lark's version: a warm start costs ~20 ms, not ~130 ms.
    return Lark(GRAMMAR_TEXT, parser="lalr", lexer=_ListLexer, start="item", transformer=BuildAst(),
                keep_all_tokens=True, maybe_placeholders=False, cache=True)


@lru_cache(maxsize=1)
def _lexer_tables():
    return build_tables(_lark().terminals)


@lru_cache(maxsize=1)
def _terminal_defs() -> dict[str, object]:
    return {t.name: t for t in _lark().terminals}


@lru_cache(maxsize=None)
def _describe_terminal(name: str) -> str:
    special = {"NAME": "a name", "INT": "a number", "DECIMAL": "a Decimal", "STRING": "a string",
               "BOOL": "true or false", "ARROW_LPAREN": "(", "$END": "end of file"}
    if name in special:
        return special[name]
    term = _terminal_defs().get(name)
    if term is not None and term.pattern.type == "str":
        return term.pattern.value
    return name.lower()


def _split_items(tokens: list[Token], at_column_1: bool = False) -> list[list[Token]]:
    """Split where an item keyword begins a declaration: at brace depth 0, or with
    `at_column_1` also at any line start (to recover from a missing closing brace)."""
    items: list[list[Token]] = []
    depth = 0
    for i, tok in enumerate(tokens):
        starts = tok.type in _ITEM_KEYWORDS and (depth == 0 or at_column_1 and tok.column == 1)
        if starts and tok.type == "FUNCTION":  # a lambda `function (x) {...}` is not an item
            starts = i + 1 < len(tokens) and tokens[i + 1].type == "NAME"
        if starts and tok.type == "API" and i > 0 and tokens[i - 1].type == "SENSITIVE":
            starts = False
        if starts or not items:
            items.append([])
            depth = 0
        items[-1].append(tok)
        if tok.type == "LBRACE":
            depth += 1
        elif tok.type == "RBRACE":
            depth = max(0, depth - 1)
    return items


def _syntax_error(err: UnexpectedInput, chunk: list[Token], sink: DiagnosticSink) -> None:
    tok = getattr(err, "token", None)
    expected = sorted({_describe_terminal(t) for t in getattr(err, "expected", ()) or ()})
    hint = ("expected " + ", ".join(expected[:8]) + (" ..." if len(expected) > 8 else "")) if expected else None
    if tok is None or tok.type == "$END":
        last = chunk[-1]
        sink.error("E0005", Span(last.end_line, last.end_column, last.end_line, last.end_column + 1),
                   f"unexpected end of input after `{last.value}`", hint and hint + " before the end")
        return
    idx = next((i for i, t in enumerate(chunk) if t is tok), None)
    prev = chunk[idx - 1] if idx else None
    if tok.type == "COLON" and prev is not None and prev.type == "NAME":
        sink.error("E0124", span_of(prev), f"`{prev.value}:` looks like a label")
        return
    sink.error("E0004", span_of(tok), f"unexpected `{tok.value}`", hint)


# Syntax nodes (expressions, statements, blocks, patterns) may nest at most this deep
# inside a declaration (spec/grammar.md): every later stage recurses over the tree.
MAX_SYNTAX_NESTING = 128


def _too_deep(item: n.Node) -> n.Node | None:
    """The first node (in source order) nested deeper than MAX_SYNTAX_NESTING, if any."""
    stack = [(item, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_SYNTAX_NESTING:
            return node
        stack.extend((child, depth + 1) for child in reversed(list(children(node))))
    return None


def _keep(item: n.Decl, sink: DiagnosticSink) -> bool:
    deep = _too_deep(item)
    if deep is None:
        return True
    sink.error("E0013", deep.span, f"this expression is nested more than {MAX_SYNTAX_NESTING} levels deep")
    return False


def parse_tokens(tokens: list[Token], path: str, sink: DiagnosticSink, quiet_lines: set[int] = frozenset()) -> n.Module:
    """Parse a cleaned token stream into a Module; items with syntax errors are left out.

    A generic syntax error is not reported in an item that already has a targeted
    rejection (on one of `quiet_lines`): the rejection is its cause.
    """
    items: list[n.Decl] = []
    parser = _lark()
    for chunk in _split_items(tokens):
        try:
            item = parser.parse(chunk)
        except UnexpectedInput:
            pass
        else:
            if _keep(item, sink):
                items.append(item)
            continue
        # A chunk that does not parse may swallow later declarations (a missing "}"):
        # split it again at every declaration keyword in column 1 and parse the pieces.
        for piece in _split_items(chunk, at_column_1=True):
            try:
                item = parser.parse(piece)
            except UnexpectedInput as err:
                if not any(line in quiet_lines for line in range(piece[0].line, piece[-1].end_line + 1)):
                    _syntax_error(err, piece, sink)
            else:
                if _keep(item, sink):
                    items.append(item)
    span = Span(1, 1, 1, 1) if not tokens else span_of(tokens[0]).to(span_of(tokens[-1]))
    return n.Module(span, path, items)


def parse(text: str, path: str, sink: DiagnosticSink) -> n.Module:
    """Source text -> Module. Every problem is reported to `sink`; nothing is raised."""
    tokens = tokenize(text, sink, _lexer_tables())
    tokens, rejected_lines = reject(tokens, sink)
    return parse_tokens(tokens, path, sink, rejected_lines)
