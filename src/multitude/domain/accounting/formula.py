"""Value equations: the small, safe expression language a network uses to value each contribution.

A formula is one line such as ``if action == "transfer" then value * 4 else value * 2`` or
``hours * rate * (if skill in ["design", "code"] then 1.5 else 1)``. Everything about the language
lives here: a tokenizer, a precedence-climbing parser that builds a small AST, a static type check,
and a compiler that turns the AST into a tree of Python closures, built once in `parse()`.

Nothing is ever evaluated with ``eval``, ``exec``, ``compile`` or the ``ast`` module: a formula can
reach only the operations written below. Arithmetic is Decimal only, always in the pinned context
`CONTEXT`, so a formula gives the same result on every machine whatever the caller's decimal context.

Grammar, lowest precedence first (``if`` inside a larger expression needs parentheses)::

    expr    := 'if' expr 'then' expr 'else' expr | binary
    binary  := or < and < not < (== != < <= > >=, not chainable) < in/not in [list] < + - < * / < unary -
    primary := number | "text" | true | false | name | name '(' expr, ... ')' | '(' expr ')'
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DecimalException,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Any, NamedTuple, TypeAlias, TypeVar, cast

__all__ = ["CONTEXT", "MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "Formula", "FormulaError", "parse"]

MAX_LENGTH = 1000
MAX_NODES = 256
MAX_DEPTH = 40
MAX_DIGITS = 40  # in one number literal
MAX_TEXT = 200  # characters in one text literal

CONTEXT = Context(
    prec=50, rounding=ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999, traps=[InvalidOperation, DivisionByZero, Overflow]
)

Value: TypeAlias = Decimal | str | bool
Env: TypeAlias = Mapping[str, Value]
_Fn: TypeAlias = Callable[[Env], Value]
_Num: TypeAlias = Callable[[Env], Decimal]
_Bool: TypeAlias = Callable[[Env], bool]

NUMBER, TEXT, BOOL = "number", "text", "bool"
_KINDS = (NUMBER, TEXT, BOOL)
_KEYWORDS = frozenset({"if", "then", "else", "and", "or", "not", "in", "true", "false"})
_FUNCTIONS = ("abs", "ceil", "floor", "max", "min", "round")


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
class _Literal:
    value: Value
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Name:
    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Unary:
    op: str  # "-" or "not"
    operand: _Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Binary:
    op: str
    left: _Node
    right: _Node
    pos: int  # of the operator
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Member:
    negated: bool
    left: _Node
    items: tuple[_Literal, ...]
    pos: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _If:
    condition: _Node
    then: _Node
    other: _Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Call:
    name: str
    args: tuple[_Node, ...]
    start: int
    end: int


_Node: TypeAlias = _Literal | _Name | _Unary | _Binary | _Member | _If | _Call
_N = TypeVar("_N", bound=_Node)

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

    def formula(self) -> _Node:
        if self.tok.kind == "end":
            raise FormulaError("the formula is empty", 0)
        node = self.expr()
        if self.tok.kind != "end":
            raise FormulaError(f"unexpected '{self.tok.text}'", self.tok.pos)
        return node

    def expr(self) -> _Node:
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
        return self.node(_If(condition, then, other, start, other.end))

    def binary(self, min_precedence: int) -> _Node:
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
            left = self.node(_Binary(tok.text, left, right, tok.pos, left.start, right.end))
            if precedence == _COMPARE and _PRECEDENCE.get(self.tok.text) == _COMPARE:
                raise FormulaError("comparisons cannot be chained: write 'a < b and b < c'", self.tok.pos)

    def operand(self, min_precedence: int) -> _Node:
        tok = self.tok
        if tok.text not in ("not", "-"):
            return self.primary()
        if tok.text == "not" and min_precedence > _NOT:
            raise FormulaError("put 'not ...' in parentheses here", tok.pos)
        self.advance()
        self.enter(tok.pos)
        inner = self.binary(_NOT) if tok.text == "not" else self.operand(_NEGATE)
        self.depth -= 1
        return self.node(_Unary(tok.text, inner, tok.pos, inner.end))

    def primary(self) -> _Node:
        tok = self.tok
        if tok.kind in ("number", "text") or tok.text in ("true", "false"):
            self.advance()
            value = tok.value if tok.value is not None else tok.text == "true"
            return self.node(_Literal(value, tok.pos, tok.end))
        if tok.text == "if":
            raise FormulaError(
                "an 'if' inside a larger expression needs parentheses: (if ... then ... else ...)", tok.pos
            )
        if tok.kind == "word" and tok.text not in _KEYWORDS:
            self.advance()
            if self.tok.text == "(":
                return self.call(tok)
            return self.node(_Name(tok.text, tok.pos, tok.end))
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

    def call(self, name: _Token) -> _Node:
        self.enter(self.advance().pos)
        args: list[_Node] = []
        if self.tok.text != ")":
            args.append(self.expr())
            while self.tok.text == ",":
                self.advance()
                args.append(self.expr())
        close = self.expect(")")
        self.depth -= 1
        return self.node(_Call(name.text, tuple(args), name.pos, close.end))

    def membership(self, left: _Node) -> _Node:
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
        return self.node(_Member(negated, left, tuple(items), tok.pos, left.start, close.end))

    def item(self) -> _Literal:
        tok = self.tok
        if tok.text == "-" and self.tokens[self.at + 1].kind == "number":
            self.advance()
            number = self.advance()
            return self.node(_Literal(CONTEXT.minus(cast(Decimal, number.value)), tok.pos, number.end))
        if tok.kind in ("number", "text") or tok.text in ("true", "false"):
            return cast(_Literal, self.primary())
        raise FormulaError("list items must be plain numbers, texts, true or false", tok.pos)


# --- compiler: type check, then closures -----------------------------------------------------------------------

_ARITHMETIC: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": CONTEXT.add,
    "-": CONTEXT.subtract,
    "*": CONTEXT.multiply,
}
_COMPARISONS = cast(
    dict[str, Callable[[Any, Any], bool]],
    {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge},
)


def _kind_of(value: Value) -> str:
    return BOOL if isinstance(value, bool) else TEXT if isinstance(value, str) else NUMBER


def _got(kinds: tuple[str, ...], wanted: str) -> str:
    return "got " + " and ".join(dict.fromkeys(kind for kind in kinds if kind != wanted))


def _arithmetic_error(error: DecimalException, snippet: str, pos: int) -> FormulaError:
    problem = "number too large" if isinstance(error, Overflow) else "too many digits"
    return FormulaError(f"{problem} in '{snippet}'", pos)


def _constant(value: Value) -> _Fn:
    return lambda env: value


def _guarded2(fn: Callable[[Decimal, Decimal], Decimal], left: _Num, right: _Num, snippet: str, pos: int) -> _Num:
    def run(env: Env) -> Decimal:
        try:
            return fn(left(env), right(env))
        except DecimalException as error:
            raise _arithmetic_error(error, snippet, pos) from None

    return run


def _divide(left: _Num, right: _Num, snippet: str, pos: int) -> _Num:
    def run(env: Env) -> Decimal:
        dividend, divisor = left(env), right(env)
        if not divisor:
            raise FormulaError(f"division by zero in '{snippet}'", pos)
        try:
            return CONTEXT.divide(dividend, divisor)
        except DecimalException as error:
            raise _arithmetic_error(error, snippet, pos) from None

    return run


def _guarded1(fn: Callable[[Decimal], Decimal], arg: _Num, snippet: str, pos: int) -> _Num:
    def run(env: Env) -> Decimal:
        try:
            return fn(arg(env))
        except DecimalException as error:
            raise _arithmetic_error(error, snippet, pos) from None

    return run


def _compare(fn: Callable[[Any, Any], bool], left: _Fn, right: _Fn) -> _Bool:
    return lambda env: fn(left(env), right(env))


def _both(left: _Bool, right: _Bool) -> _Bool:
    return lambda env: left(env) and right(env)


def _either(left: _Bool, right: _Bool) -> _Bool:
    return lambda env: left(env) or right(env)


def _negation(operand: _Bool) -> _Bool:
    return lambda env: not operand(env)


def _choice(condition: _Bool, then: _Fn, other: _Fn) -> _Fn:
    return lambda env: then(env) if condition(env) else other(env)


def _member(left: _Fn, items: frozenset[Value], negated: bool) -> _Bool:
    if negated:
        return lambda env: left(env) not in items
    return lambda env: left(env) in items


def _extreme(pick: Callable[[list[Decimal]], Decimal], args: list[_Num]) -> _Num:
    return lambda env: pick([arg(env) for arg in args])


def _rounding(places: int) -> Callable[[Decimal], Decimal]:
    quantum = Decimal((0, (1,), -places))
    return lambda x: x.quantize(quantum, rounding=ROUND_HALF_EVEN, context=CONTEXT)


_UNARY_FUNCTIONS: dict[str, Callable[[Decimal], Decimal]] = {
    "abs": CONTEXT.abs,
    "floor": lambda x: x.to_integral_value(rounding=ROUND_FLOOR, context=CONTEXT),
    "ceil": lambda x: x.to_integral_value(rounding=ROUND_CEILING, context=CONTEXT),
}


class _Compiler:
    def __init__(self, text: str, declared: Mapping[str, str]) -> None:
        self.text = text
        self.declared = declared
        self.used: dict[str, str] = {}

    def snippet(self, node: _Node) -> str:
        source = self.text[node.start : node.end]
        return source if len(source) <= 60 else source[:57] + "..."

    def typed(self, node: _Node, kind: str, need: str, pos: int) -> _Fn:
        got, fn = self.compile(node)
        if got != kind:
            raise FormulaError(f"{need}, got {got}", pos)
        return fn

    def number(self, node: _Node, need: str, pos: int) -> _Num:
        return cast(_Num, self.typed(node, NUMBER, need, pos))

    def compile(self, node: _Node) -> tuple[str, _Fn]:
        match node:
            case _Literal(value=value):
                return _kind_of(value), _constant(value)
            case _Name(name=name):
                if name not in self.declared:
                    known = ", ".join(sorted(self.declared)) or "none"
                    raise FormulaError(f"unknown variable '{name}' (known: {known})", node.start)
                self.used[name] = self.declared[name]
                return self.declared[name], cast(_Fn, operator.itemgetter(name))
            case _Unary(op="not", operand=operand):
                return BOOL, _negation(cast(_Bool, self.typed(operand, BOOL, "'not' needs a bool", node.start)))
            case _Unary(operand=operand):
                arg = self.number(operand, "'-' needs a number", node.start)
                return NUMBER, _guarded1(CONTEXT.minus, arg, self.snippet(node), node.start)
            case _Binary():
                return self.binary(node)
            case _Member(left=left, items=items):
                kind, fn = self.compile(left)
                for item in items:
                    if _kind_of(item.value) != kind:
                        raise FormulaError(
                            f"'in' compares {kind} with a list item of type {_kind_of(item.value)}", item.start
                        )
                return BOOL, _member(fn, frozenset(item.value for item in items), node.negated)
            case _If(condition=condition, then=then, other=other):
                test = cast(_Bool, self.typed(condition, BOOL, "the condition after 'if' must be a bool", node.start))
                then_kind, then_fn = self.compile(then)
                other_kind, other_fn = self.compile(other)
                if then_kind != other_kind:
                    raise FormulaError(f"'then' gives {then_kind} but 'else' gives {other_kind}", node.start)
                return then_kind, _choice(test, then_fn, other_fn)
            case _Call():
                return NUMBER, self.call(node)

    def binary(self, node: _Binary) -> tuple[str, _Fn]:
        op = node.op
        (left_kind, left), (right_kind, right) = self.compile(node.left), self.compile(node.right)
        kinds = (left_kind, right_kind)
        if op in ("and", "or"):
            if kinds != (BOOL, BOOL):
                raise FormulaError(f"'{op}' needs bools, {_got(kinds, BOOL)}", node.pos)
            left_bool, right_bool = cast(_Bool, left), cast(_Bool, right)
            return BOOL, _both(left_bool, right_bool) if op == "and" else _either(left_bool, right_bool)
        if op in ("==", "!="):
            if left_kind != right_kind:
                raise FormulaError(
                    f"'{op}' needs two values of the same type, got {left_kind} and {right_kind}", node.pos
                )
            return BOOL, _compare(_COMPARISONS[op], left, right)
        if kinds != (NUMBER, NUMBER):
            raise FormulaError(f"'{op}' needs numbers, {_got(kinds, NUMBER)}", node.pos)
        if op in _COMPARISONS:
            return BOOL, _compare(_COMPARISONS[op], left, right)
        left_number, right_number, snippet = cast(_Num, left), cast(_Num, right), self.snippet(node)
        if op == "/":
            return NUMBER, _divide(left_number, right_number, snippet, node.start)
        return NUMBER, _guarded2(_ARITHMETIC[op], left_number, right_number, snippet, node.start)

    def call(self, node: _Call) -> _Num:
        name, args, count = node.name, node.args, len(node.args)
        if name not in _FUNCTIONS:
            raise FormulaError(f"unknown function '{name}' (known: {', '.join(_FUNCTIONS)})", node.start)
        if name in ("min", "max"):
            if count < 2:
                raise FormulaError(f"'{name}' takes at least 2 arguments, got {count}", node.start)
            numbers = [self.number(arg, f"'{name}' needs numbers", arg.start) for arg in args]
            return _extreme(min if name == "min" else max, numbers)
        wanted = 2 if name == "round" else 1
        if count != wanted:
            raise FormulaError(f"'{name}' takes {wanted} argument{'s' * (wanted > 1)}, got {count}", node.start)
        arg = self.number(args[0], f"'{name}' needs a number", args[0].start)
        if name != "round":
            return _guarded1(_UNARY_FUNCTIONS[name], arg, self.snippet(node), node.start)
        places = self.text[args[1].start : args[1].end]
        if not (isinstance(args[1], _Literal) and places.isdigit() and int(places) <= 18):
            raise FormulaError("the second argument of 'round' must be a whole number from 0 to 18", args[1].start)
        return _guarded1(_rounding(int(places)), arg, self.snippet(node), node.start)


# --- linearity ------------------------------------------------------------------------------------------------
# A formula is *proportional* to a variable x when f(x) = f(1)·x whatever the other variables
# (e.g. `value * 2`, `hours * rate`, `if action == "transfer" then value * 4 else value * 2`).
# Summing such a formula over many contributions needs only the sum of x, not each x: tallies
# use this to add up in the database instead of grouping by every distinct value.

_ZERO, _CONST, _LINEAR, _OTHER = "zero", "const", "linear", "other"


def _sum_shape(a: str, b: str) -> str:
    if _OTHER in (a, b):
        return _OTHER
    if a == _ZERO:
        return b
    if b == _ZERO:
        return a
    return a if a == b else _OTHER  # const + linear is affine, not proportional


def _shape(node: _Node, x: str) -> str:
    """zero, const (no x), linear (proportional to x) or other."""
    match node:
        case _Literal(value=value):
            return _ZERO if isinstance(value, Decimal) and value == 0 else _CONST
        case _Name(name=name):
            return _LINEAR if name == x else _CONST
        case _Unary(op="-", operand=operand):
            return _shape(operand, x)
        case _Binary(op="+" | "-", left=left, right=right):
            return _sum_shape(_shape(left, x), _shape(right, x))
        case _Binary(op="*", left=left, right=right):
            a, b = _shape(left, x), _shape(right, x)
            if _ZERO in (a, b):
                return _ZERO
            if a == _CONST or b == _CONST:
                return b if a == _CONST else a
            return _OTHER
        case _Binary(op="/", left=left, right=right):
            a, b = _shape(left, x), _shape(right, x)
            return a if b == _CONST and a != _OTHER else _OTHER
        case _If(condition=condition, then=then, other=other):
            if _shape(condition, x) != _CONST:
                return _OTHER
            a, b = _shape(then, x), _shape(other, x)
            if a == b or _ZERO in (a, b):
                return a if b == _ZERO else b
            return _OTHER
        case _:  # comparisons, logic, membership, functions: proportional only when free of x
            return _CONST if x not in _names(node) else _OTHER


def _names(node: _Node) -> set[str]:
    match node:
        case _Name(name=name):
            return {name}
        case _Literal():
            return set()
        case _Unary(operand=operand):
            return _names(operand)
        case _Binary(left=left, right=right):
            return _names(left) | _names(right)
        case _Member(left=left):
            return _names(left)
        case _If(condition=condition, then=then, other=other):
            return _names(condition) | _names(then) | _names(other)
        case _Call(args=args):
            return set().union(*(_names(arg) for arg in args))


# --- the public face -------------------------------------------------------------------------------------------

_KEY = object()
_PYTHON_TYPES: dict[str, type] = {TEXT: str, BOOL: bool}


def _checked_value(name: str, kind: str, value: object) -> Value:
    if kind == NUMBER:
        if isinstance(value, Decimal) and value.is_finite():
            return Decimal(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, Decimal):
            raise FormulaError(f"variable '{name}' must be a finite number, got {value}")
        raise FormulaError(f"variable '{name}' must be a number (Decimal or int), got {type(value).__name__}")
    if kind == TEXT and isinstance(value, str):
        return str(value)
    if kind == BOOL and isinstance(value, bool):
        return value
    expected = "text (str)" if kind == TEXT else "a bool (True or False)"
    raise FormulaError(f"variable '{name}' must be {expected}, got {type(value).__name__}")


class Formula:
    """A parsed, type-checked, compiled formula; immutable, and made only by `parse()`."""

    __slots__ = ("_kinds", "_numbers", "_others", "_run", "proportional_to", "result_type", "text", "variables")
    text: str
    variables: frozenset[str]  # the variable names the formula actually uses
    proportional_to: frozenset[str]  # number variables x with f(x) = f(1)·x, whatever the others
    result_type: str
    _kinds: dict[str, str]
    _numbers: tuple[str, ...]
    _others: tuple[tuple[str, type], ...]
    _run: _Fn

    def __init__(self, key: object, text: str, kinds: Mapping[str, str], result_type: str, run: _Fn,
                 proportional_to: frozenset[str] = frozenset()) -> None:
        if key is not _KEY:
            raise TypeError("a Formula is made by parse()")
        init = object.__setattr__
        init(self, "text", text)
        init(self, "variables", frozenset(kinds))
        init(self, "proportional_to", proportional_to)
        init(self, "result_type", result_type)
        init(self, "_kinds", dict(sorted(kinds.items())))
        init(self, "_numbers", tuple(name for name, kind in sorted(kinds.items()) if kind == NUMBER))
        init(
            self,
            "_others",
            tuple((name, _PYTHON_TYPES[kind]) for name, kind in sorted(kinds.items()) if kind != NUMBER),
        )
        init(self, "_run", run)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Formula is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Formula is immutable")

    def __repr__(self) -> str:
        return f"Formula({self.text!r}, result_type={self.result_type!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Formula):
            return NotImplemented
        return (self.text, self.result_type, self._kinds) == (other.text, other.result_type, other._kinds)

    def __hash__(self) -> int:
        return hash((self.text, self.result_type, tuple(self._kinds.items())))

    def evaluate(self, env: Mapping[str, Decimal | str | bool]) -> Decimal | str | bool:
        """The formula's value for these variables; a FormulaError if one is missing, mistyped or arithmetic fails."""
        for name in self._numbers:
            value = env.get(name)
            if not isinstance(value, Decimal) or not value.is_finite():
                env = self._checked(env)
                break
        else:
            for name, python_type in self._others:
                if type(env.get(name)) is not python_type:
                    env = self._checked(env)
                    break
        result = self._run(env)
        if not result and isinstance(result, Decimal):
            return CONTEXT.plus(result)  # never a negative zero
        return result

    def _checked(self, env: Mapping[str, object]) -> dict[str, Value]:
        checked: dict[str, Value] = {}
        for name, kind in self._kinds.items():
            if name not in env:
                raise FormulaError(f"missing variable '{name}'")
            checked[name] = _checked_value(name, kind, env[name])
        return checked


def parse(text: str, variables: Mapping[str, str], *, result_type: str = "number") -> Formula:
    """Parse, type-check and compile `text`, whose variables have the declared types ("number", "text", "bool")."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"a formula is at most {MAX_LENGTH} characters")
    if result_type not in _KINDS:
        raise FormulaError(f"unknown result type {result_type!r} (use number, text or bool)")
    for name, kind in variables.items():
        if kind not in _KINDS:
            raise FormulaError(f"variable {name!r} has unknown type {kind!r} (use number, text or bool)")
    tree = _Parser(_tokenize(text)).formula()
    compiler = _Compiler(text, variables)
    kind, run = compiler.compile(tree)
    if kind != result_type:
        raise FormulaError(f"the formula gives {kind}, expected {result_type}", tree.start)
    proportional = frozenset(
        name for name, kind in compiler.used.items() if kind == NUMBER and _shape(tree, name) == _LINEAR
    )
    return Formula(_KEY, text, compiler.used, result_type, run, proportional)
