"""The syntax of value-equation formulas: tokens, the tree a formula parses into, and the
precedence-climbing parser that builds it, with limits on length, size and nesting.

Grammar, lowest precedence first (``if`` inside a larger expression needs parentheses)::

    expr    := 'if' expr 'then' expr 'else' expr | binary
    binary  := or < and < not < (== != < <= > >=, not chainable) < in/not in [list] < + - < * / < unary -
    primary := number | "text" | true | false | name | name '(' expr, ... ')' | '(' expr ')'

Nothing here evaluates anything; `formula` type-checks a tree and compiles it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import NamedTuple, TypeAlias, TypeVar, cast

__all__ = [
    "CONTEXT",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "Binary",
    "Call",
    "FormulaError",
    "If",
    "Literal",
    "Member",
    "Name",
    "Node",
    "Unary",
    "Value",
    "parse_tree",
]

MAX_LENGTH = 1000
MAX_NODES = 256
MAX_DEPTH = 40
MAX_DIGITS = 40  # in one number literal
MAX_TEXT = 200  # characters in one text literal

CONTEXT = Context(
    prec=50, rounding=ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999, traps=[InvalidOperation, DivisionByZero, Overflow]
)

Value: TypeAlias = Decimal | str | bool

_KEYWORDS = frozenset({"if", "then", "else", "and", "or", "not", "in", "true", "false"})
FUNCTIONS = ("abs", "ceil", "floor", "max", "min", "round")


class FormulaError(ValueError):
    """What is wrong with a formula; `position` is the 0-based character offset (or None)."""

    position: int | None
    message: str

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message if position is None else f"{message} (at character {position})")
        self.message = message
        self.position = position

    def __reduce__(self) -> tuple[type[FormulaError], tuple[str, int | None]]:
        return (FormulaError, (self.message, self.position))


# --- tokens ----------------------------------------------------------------------------------------------------


class _Token(NamedTuple):
    kind: str  # "number", "text", "word", "op" or "end"
    text: str  # the source slice; only "word" and "op" tokens can equal a keyword or an operator
    pos: int
    end: int
    value: Decimal | str | None = None


_SPACE = frozenset(" \t\r\n")
_DIGITS = frozenset("0123456789")
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_WORD = _WORD_START | _DIGITS
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",")
_BAD_CHARACTER = {
    "=": "a single '=' is not an operator: compare with '=='",
    "!": "'!' is not an operator: write 'not' or '!='",
    "'": "texts go in double quotes",
}


def _skip(text: str, i: int, allowed: frozenset[str]) -> int:
    while i < len(text) and text[i] in allowed:
        i += 1
    return i


def _read_text(text: str, start: int) -> tuple[str, int]:
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == '"':
            if len(chars) > MAX_TEXT:
                raise FormulaError(f"a text is at most {MAX_TEXT} characters", start)
            return "".join(chars), i + 1
        if c == "\\":
            escaped = text[i + 1 : i + 2]
            if not escaped:
                break
            if escaped not in ('"', "\\"):
                raise FormulaError('in a text, a backslash may only come before " or \\', i)
            c, i = escaped, i + 1
        chars.append(c)
        i += 1
    raise FormulaError("unterminated text: the closing '\"' is missing", start)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        c, start = text[i], i
        if c in _SPACE:
            i += 1
        elif c in _DIGITS:
            i = _skip(text, i, _DIGITS)
            if text[i : i + 1] == ".":
                if text[i + 1 : i + 2] not in _DIGITS:
                    raise FormulaError("a number needs digits after its '.'", i)
                i = _skip(text, i + 1, _DIGITS)
            source = text[start:i]
            if len(source) - source.count(".") > MAX_DIGITS:
                raise FormulaError(f"a number has at most {MAX_DIGITS} digits", start)
            tokens.append(_Token("number", source, start, i, Decimal(source)))
        elif c == '"':
            value, i = _read_text(text, i)
            tokens.append(_Token("text", text[start:i], start, i, value))
        elif c in _WORD_START:
            i = _skip(text, i, _WORD)
            tokens.append(_Token("word", text[start:i], start, i))
        else:
            op = next((op for op in _OPERATORS if text.startswith(op, i)), None)
            if op is None:
                raise FormulaError(_BAD_CHARACTER.get(c, f"unexpected character {c!r}"), i)
            i += len(op)
            tokens.append(_Token("op", op, start, i))
    tokens.append(_Token("end", "", len(text), len(text)))
    return tokens


# --- syntax tree -----------------------------------------------------------------------------------------------
# Every node knows its source span [start, end), so evaluation errors can quote the sub-expression.


@dataclass(frozen=True, slots=True)
class Literal:
    value: Value
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "not"
    operand: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node
    pos: int  # of the operator
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Member:
    negated: bool
    left: Node
    items: tuple[Literal, ...]
    pos: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class If:
    condition: Node
    then: Node
    other: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]
    start: int
    end: int


Node: TypeAlias = Literal | Name | Unary | Binary | Member | If | Call
_N = TypeVar("_N", bound=Node)

# --- parser ----------------------------------------------------------------------------------------------------

_PRECEDENCE = {"or": 1, "and": 2, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 6, "-": 6, "*": 7, "/": 7}
_NOT, _COMPARE, _IN, _NEGATE = 3, 4, 5, 8


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.nodes = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.at]

    def advance(self) -> _Token:
        tok = self.tokens[self.at]
        self.at += 1
        return tok

    def at_in(self) -> bool:
        return self.tok.text == "in" or (self.tok.text == "not" and self.tokens[self.at + 1].text == "in")

    def expect(self, text: str) -> _Token:
        if self.tok.text != text:
            raise FormulaError(f"expected '{text}'", self.tok.pos)
        return self.advance()

    def node(self, node: _N) -> _N:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FormulaError(f"a formula has at most {MAX_NODES} parts (values, names, operators)", node.start)
        return node

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"a formula nests at most {MAX_DEPTH} levels deep", pos)

    def formula(self) -> Node:
        if self.tok.kind == "end":
            raise FormulaError("the formula is empty", 0)
        node = self.expr()
        if self.tok.kind != "end":
            raise FormulaError(f"unexpected '{self.tok.text}'", self.tok.pos)
        return node

    def expr(self) -> Node:
        if self.tok.text != "if":
            return self.binary(0)
        start = self.advance().pos
        self.enter(start)
        condition = self.expr()
        self.expect("then")
        then = self.expr()
        self.expect("else")
        other = self.expr()
        self.depth -= 1
        return self.node(If(condition, then, other, start, other.end))

    def binary(self, min_precedence: int) -> Node:
        left = self.operand(min_precedence)
        while True:
            tok = self.tok
            if self.at_in():
                if min_precedence > _IN:
                    return left
                left = self.membership(left)
                if self.at_in():
                    raise FormulaError("'in' cannot be chained: join the tests with 'and'", self.tok.pos)
                continue
            precedence = _PRECEDENCE.get(tok.text)
            if precedence is None or precedence < min_precedence:
                return left
            self.advance()
            right = self.binary(precedence + 1)
            left = self.node(Binary(tok.text, left, right, tok.pos, left.start, right.end))
            if precedence == _COMPARE and _PRECEDENCE.get(self.tok.text) == _COMPARE:
                raise FormulaError("comparisons cannot be chained: write 'a < b and b < c'", self.tok.pos)

    def operand(self, min_precedence: int) -> Node:
        tok = self.tok
        if tok.text not in ("not", "-"):
            return self.primary()
        if tok.text == "not" and min_precedence > _NOT:
            raise FormulaError("put 'not ...' in parentheses here", tok.pos)
        self.advance()
        self.enter(tok.pos)
        inner = self.binary(_NOT) if tok.text == "not" else self.operand(_NEGATE)
        self.depth -= 1
        return self.node(Unary(tok.text, inner, tok.pos, inner.end))

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind in ("number", "text") or tok.text in ("true", "false"):
            self.advance()
            value = tok.value if tok.value is not None else tok.text == "true"
            return self.node(Literal(value, tok.pos, tok.end))
        if tok.text == "if":
            raise FormulaError(
                "an 'if' inside a larger expression needs parentheses: (if ... then ... else ...)", tok.pos
            )
        if tok.kind == "word" and tok.text not in _KEYWORDS:
            self.advance()
            if self.tok.text == "(":
                return self.call(tok)
            return self.node(Name(tok.text, tok.pos, tok.end))
        if tok.text == "(":
            self.advance()
            self.enter(tok.pos)
            inner = self.expr()
            close = self.expect(")")
            self.depth -= 1
            return dataclasses.replace(inner, start=tok.pos, end=close.end)  # the span keeps its parentheses
        if tok.text == "[":
            raise FormulaError("a list [...] can only follow 'in' or 'not in'", tok.pos)
        if tok.kind == "end":
            raise FormulaError("unexpected end of formula", tok.pos)
        raise FormulaError(f"expected a value, got '{tok.text}'", tok.pos)

    def call(self, name: _Token) -> Node:
        self.enter(self.advance().pos)
        args: list[Node] = []
        if self.tok.text != ")":
            args.append(self.expr())
            while self.tok.text == ",":
                self.advance()
                args.append(self.expr())
        close = self.expect(")")
        self.depth -= 1
        return self.node(Call(name.text, tuple(args), name.pos, close.end))

    def membership(self, left: Node) -> Node:
        tok = self.advance()
        negated = tok.text == "not"
        if negated:
            self.advance()
        if self.tok.text != "[":
            operator_text = "not in" if negated else "in"
            raise FormulaError(f'\'{operator_text}\' needs a list such as ["a", "b"]', self.tok.pos)
        self.advance()
        items = [self.item()]
        while self.tok.text == ",":
            self.advance()
            items.append(self.item())
        close = self.expect("]")
        return self.node(Member(negated, left, tuple(items), tok.pos, left.start, close.end))

    def item(self) -> Literal:
        tok = self.tok
        if tok.text == "-" and self.tokens[self.at + 1].kind == "number":
            self.advance()
            number = self.advance()
            return self.node(Literal(CONTEXT.minus(cast(Decimal, number.value)), tok.pos, number.end))
        if tok.kind in ("number", "text") or tok.text in ("true", "false"):
            return cast(Literal, self.primary())
        raise FormulaError("list items must be plain numbers, texts, true or false", tok.pos)


def parse_tree(text: str) -> Node:
    """The tree of a formula (of at most MAX_LENGTH characters); FormulaError naming what is wrong."""
    return _Parser(_tokenize(text)).formula()
