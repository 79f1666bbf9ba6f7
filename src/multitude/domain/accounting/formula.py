"""Value equations: the small, safe expression language a network uses to value each contribution.

A formula is one line such as ``if action == "transfer" then value * 4 else value * 2`` or
``hours * rate * (if skill in ["design", "code"] then 1.5 else 1)``. Its syntax is read by
`formula_syntax`; here live the static type check, the compiler that turns the tree into a tree
of Python closures (built once, in `parse()`), and what tallies need to know of a formula (the
variables it is proportional to).

Nothing is ever evaluated with ``eval``, ``exec``, ``compile`` or the ``ast`` module: a formula can
reach only the operations written below. Arithmetic is Decimal only, always in the pinned context
`CONTEXT`, so a formula gives the same result on every machine whatever the caller's decimal context.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, DecimalException, Overflow
from typing import Any, TypeAlias, cast

from multitude.domain.accounting import formula_syntax as syntax
from multitude.domain.accounting.formula_syntax import CONTEXT, MAX_DEPTH, MAX_LENGTH, MAX_NODES, FormulaError, Value

__all__ = ["CONTEXT", "MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "Formula", "FormulaError", "parse"]

Env: TypeAlias = Mapping[str, Value]
_Fn: TypeAlias = Callable[[Env], Value]
_Num: TypeAlias = Callable[[Env], Decimal]
_Bool: TypeAlias = Callable[[Env], bool]

NUMBER, TEXT, BOOL = "number", "text", "bool"
_KINDS = (NUMBER, TEXT, BOOL)


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

    def snippet(self, node: syntax.Node) -> str:
        source = self.text[node.start : node.end]
        return source if len(source) <= 60 else source[:57] + "..."

    def typed(self, node: syntax.Node, kind: str, need: str, pos: int) -> _Fn:
        got, fn = self.compile(node)
        if got != kind:
            raise FormulaError(f"{need}, got {got}", pos)
        return fn

    def number(self, node: syntax.Node, need: str, pos: int) -> _Num:
        return cast(_Num, self.typed(node, NUMBER, need, pos))

    def compile(self, node: syntax.Node) -> tuple[str, _Fn]:
        match node:
            case syntax.Literal(value=value):
                return _kind_of(value), _constant(value)
            case syntax.Name(name=name):
                if name not in self.declared:
                    known = ", ".join(sorted(self.declared)) or "none"
                    raise FormulaError(f"unknown variable '{name}' (known: {known})", node.start)
                self.used[name] = self.declared[name]
                return self.declared[name], cast(_Fn, operator.itemgetter(name))
            case syntax.Unary(op="not", operand=operand):
                return BOOL, _negation(cast(_Bool, self.typed(operand, BOOL, "'not' needs a bool", node.start)))
            case syntax.Unary(operand=operand):
                arg = self.number(operand, "'-' needs a number", node.start)
                return NUMBER, _guarded1(CONTEXT.minus, arg, self.snippet(node), node.start)
            case syntax.Binary():
                return self.binary(node)
            case syntax.Member(left=left, items=items):
                kind, fn = self.compile(left)
                for item in items:
                    if _kind_of(item.value) != kind:
                        raise FormulaError(
                            f"'in' compares {kind} with a list item of type {_kind_of(item.value)}", item.start
                        )
                return BOOL, _member(fn, frozenset(item.value for item in items), node.negated)
            case syntax.If(condition=condition, then=then, other=other):
                test = cast(_Bool, self.typed(condition, BOOL, "the condition after 'if' must be a bool", node.start))
                then_kind, then_fn = self.compile(then)
                other_kind, other_fn = self.compile(other)
                if then_kind != other_kind:
                    raise FormulaError(f"'then' gives {then_kind} but 'else' gives {other_kind}", node.start)
                return then_kind, _choice(test, then_fn, other_fn)
            case syntax.Call():
                return NUMBER, self.call(node)

    def binary(self, node: syntax.Binary) -> tuple[str, _Fn]:
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

    def call(self, node: syntax.Call) -> _Num:
        name, args, count = node.name, node.args, len(node.args)
        if name not in syntax.FUNCTIONS:
            raise FormulaError(f"unknown function '{name}' (known: {', '.join(syntax.FUNCTIONS)})", node.start)
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
        if not (isinstance(args[1], syntax.Literal) and places.isdigit() and int(places) <= 18):
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


def _shape(node: syntax.Node, x: str) -> str:
    """zero, const (no x), linear (proportional to x) or other."""
    match node:
        case syntax.Literal(value=value):
            return _ZERO if isinstance(value, Decimal) and value == 0 else _CONST
        case syntax.Name(name=name):
            return _LINEAR if name == x else _CONST
        case syntax.Unary(op="-", operand=operand):
            return _shape(operand, x)
        case syntax.Binary(op="+" | "-", left=left, right=right):
            return _sum_shape(_shape(left, x), _shape(right, x))
        case syntax.Binary(op="*", left=left, right=right):
            a, b = _shape(left, x), _shape(right, x)
            if _ZERO in (a, b):
                return _ZERO
            if a == _CONST or b == _CONST:
                return b if a == _CONST else a
            return _OTHER
        case syntax.Binary(op="/", left=left, right=right):
            a, b = _shape(left, x), _shape(right, x)
            return a if b == _CONST and a != _OTHER else _OTHER
        case syntax.If(condition=condition, then=then, other=other):
            if _shape(condition, x) != _CONST:
                return _OTHER
            a, b = _shape(then, x), _shape(other, x)
            if a == b or _ZERO in (a, b):
                return a if b == _ZERO else b
            return _OTHER
        case _:  # comparisons, logic, membership, functions: proportional only when free of x
            return _CONST if x not in _names(node) else _OTHER


def _names(node: syntax.Node) -> set[str]:
    match node:
        case syntax.Name(name=name):
            return {name}
        case syntax.Literal():
            return set()
        case syntax.Unary(operand=operand):
            return _names(operand)
        case syntax.Binary(left=left, right=right):
            return _names(left) | _names(right)
        case syntax.Member(left=left):
            return _names(left)
        case syntax.If(condition=condition, then=then, other=other):
            return _names(condition) | _names(then) | _names(other)
        case syntax.Call(args=args):
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
    tree = syntax.parse_tree(text)
    compiler = _Compiler(text, variables)
    kind, run = compiler.compile(tree)
    if kind != result_type:
        raise FormulaError(f"the formula gives {kind}, expected {result_type}", tree.start)
    proportional = frozenset(
        name for name, kind in compiler.used.items() if kind == NUMBER and _shape(tree, name) == _LINEAR
    )
    return Formula(_KEY, text, compiler.used, result_type, run, proportional)
