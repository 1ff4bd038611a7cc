"""AST node classes. Every node carries the Span of the source it came from.

The parser builds these; later stages read them and never mutate them, except
that the type checker records each expression's type in `TypedModule.types`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Span

# The comparison operators: the one that holds when `a op b` does not, and the one
# that holds of `b, a` when `a op b` does.
NEGATED_COMPARISON = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
MIRRORED_COMPARISON = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(eq=False, slots=True)
class Node:
    span: Span


# ---------------------------------------------------------------- type expressions
@dataclass(eq=False, slots=True)
class TypeName(Node):
    name: str
    args: list["TypeExpr"]


@dataclass(eq=False, slots=True)
class RecordTypeExpr(Node):
    fields: list[tuple[str, "TypeExpr", Span]]


@dataclass(eq=False, slots=True)
class FunctionTypeExpr(Node):
    params: list["TypeExpr"]
    result: "TypeExpr"


TypeExpr = TypeName | RecordTypeExpr | FunctionTypeExpr


# ---------------------------------------------------------------- declarations
@dataclass(eq=False, slots=True)
class Import(Node):
    names: list[tuple[str, Span]]
    path: str
    path_span: Span


@dataclass(eq=False, slots=True)
class VariantField(Node):
    name: str | None
    type: TypeExpr


@dataclass(eq=False, slots=True)
class Variant(Node):
    name: str
    fields: list[VariantField]


@dataclass(eq=False, slots=True)
class UnionDecl(Node):
    name: str
    params: list[str]
    variants: list[Variant]
    name_span: Span


@dataclass(eq=False, slots=True)
class AliasDecl(Node):
    """`type N = T` and `type N { ... }` (a record type is an alias of its shape)."""
    name: str
    params: list[str]
    type: TypeExpr
    name_span: Span


@dataclass(eq=False, slots=True)
class Param(Node):
    name: str
    type: TypeExpr | None


@dataclass(eq=False, slots=True)
class FunctionDecl(Node):
    name: str
    type_params: list[str]
    params: list[Param]
    result: TypeExpr | None
    uses: list[tuple[str, Span]] | None
    body: "Block"
    name_span: Span


@dataclass(eq=False, slots=True)
class Binding(Node):
    """`const`/`let` at top level or in a block; both are immutable."""
    name: str
    type: TypeExpr | None
    value: "Expr"
    name_span: Span


@dataclass(eq=False, slots=True)
class ApiDecl(Node):
    sensitive: bool
    method: str
    method_span: Span
    path: str
    path_span: Span
    body_param: Param | None
    uses: list[tuple[str, Span]] | None
    body: "Block"


Decl = Import | UnionDecl | AliasDecl | FunctionDecl | Binding | ApiDecl


@dataclass(eq=False, slots=True)
class Module(Node):
    path: str
    items: list[Decl]


# ---------------------------------------------------------------- statements
@dataclass(eq=False, slots=True)
class ExprStmt(Node):
    expr: "Expr"


@dataclass(eq=False, slots=True)
class Return(Node):
    expr: "Expr"


@dataclass(eq=False, slots=True)
class Respond(Node):
    expr: "Expr"


Stmt = Binding | FunctionDecl | ExprStmt | Return | Respond


@dataclass(eq=False, slots=True)
class Block(Node):
    stmts: list[Stmt]


# ---------------------------------------------------------------- expressions
@dataclass(eq=False, slots=True)
class IntLit(Node):
    value: int


@dataclass(eq=False, slots=True)
class DecimalLit(Node):
    text: str


@dataclass(eq=False, slots=True)
class StringLit(Node):
    value: str


@dataclass(eq=False, slots=True)
class BoolLit(Node):
    value: bool


@dataclass(eq=False, slots=True)
class Name(Node):
    id: str


@dataclass(eq=False, slots=True)
class ListLit(Node):
    items: list["Expr"]


@dataclass(eq=False, slots=True)
class RecordLit(Node):
    fields: list[tuple[str, "Expr", Span]]


@dataclass(eq=False, slots=True)
class If(Node):
    cond: "Expr"
    then: Block
    otherwise: "Block | If"


@dataclass(eq=False, slots=True)
class Arm(Node):
    pattern: "Pattern"
    body: "Expr"


@dataclass(eq=False, slots=True)
class Match(Node):
    subject: "Expr"
    arms: list[Arm]


@dataclass(eq=False, slots=True)
class Lambda(Node):
    params: list[Param]
    result: TypeExpr | None
    body: "Expr | Block"


@dataclass(eq=False, slots=True)
class Call(Node):
    callee: "Expr"
    args: list["Expr"]
    piped: bool = False   # built from `a |> f(...)`; the first argument was inserted


@dataclass(eq=False, slots=True)
class Field(Node):
    obj: "Expr"
    name: str
    name_span: Span


@dataclass(eq=False, slots=True)
class Index(Node):
    obj: "Expr"
    index: "Expr"


@dataclass(eq=False, slots=True)
class Unary(Node):
    op: str
    operand: "Expr"


@dataclass(eq=False, slots=True)
class Binary(Node):
    op: str
    left: "Expr"
    right: "Expr"
    op_span: Span


@dataclass(eq=False, slots=True)
class Await(Node):
    expr: "Expr"


Expr = (IntLit | DecimalLit | StringLit | BoolLit | Name | ListLit | RecordLit | Block | If | Match
        | Lambda | Call | Field | Index | Unary | Binary | Await)


# ---------------------------------------------------------------- patterns
@dataclass(eq=False, slots=True)
class PWild(Node):
    pass


@dataclass(eq=False, slots=True)
class PName(Node):
    """A bare name: binds a variable, or matches a nullary constructor such as `None`."""
    name: str


@dataclass(eq=False, slots=True)
class PCtor(Node):
    name: str
    args: list["Pattern"]


@dataclass(eq=False, slots=True)
class PRecord(Node):
    fields: list[tuple[str, "Pattern | None", Span]]


@dataclass(eq=False, slots=True)
class PLit(Node):
    """Literal pattern; `kind` is "number", "Decimal", "string" or "boolean"."""
    kind: str
    value: object


Pattern = PWild | PName | PCtor | PRecord | PLit
