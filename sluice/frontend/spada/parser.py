"""Text -> `ast.Kernel`: the Lark LALR parser, the newline post-lexer and the tree builder."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from sluice.errors import SluiceError, SluiceSyntaxError
from sluice.frontend.spada import ast
from sluice.frontend.spada.diagnostics import Reporter
from sluice.grammars import lalr_parser
from sluice.sourcefile import read_source

_OPEN = {"LPAR", "LSQB"}
_CLOSE = {"RPAR", "RSQB"}
# A statement separator right before these tokens is noise: `}\nelse`, `)\n{`, `x\n}`.
_SWALLOW_NL_BEFORE = {"LBRACE", "RBRACE", "ELSE", "$END"}


class _Separators:
    """Turns newlines and ';' into one `_NL` separator where a statement can end.

    Newlines inside () and [] continue the line; runs of separators collapse; a block
    comment that spans lines separates like a newline.
    """

    always_accept = ("_NL", "SEMI", "BLOCK_COMMENT")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        pending: Token | None = None
        seen_any = False
        for tok in stream:
            if tok.type == "BLOCK_COMMENT":
                if "\n" not in tok.value:
                    continue
                tok = Token.new_borrow_pos("_NL", "\n", tok)
            elif tok.type == "SEMI":
                tok = Token.new_borrow_pos("_NL", ";", tok)
            if tok.type == "_NL":
                if depth == 0 and seen_any and pending is None:
                    pending = tok
                continue
            if pending is not None and tok.type not in _SWALLOW_NL_BEFORE:
                yield pending
            pending = None
            if tok.type in _OPEN:
                depth += 1
            elif tok.type in _CLOSE:
                depth = max(0, depth - 1)
            seen_any = True
            yield tok


def _versioned(tok: Token) -> Token:
    """E1: `name#n` is the identifier (name, n); `name#0` is `name`, `name#007` is `name#7`."""
    base, sep, version = tok.value.partition("#")
    if sep:
        n = int(version)
        tok = Token.new_borrow_pos(tok.type, base if n == 0 else f"{base}#{n}", tok)
    return tok


@functools.cache
def _lark() -> Lark:
    grammar = (Path(__file__).with_name("grammar.lark")).read_text()
    return lalr_parser(
        grammar,
        "spada",
        lexer="basic",
        postlex=_Separators(),
        lexer_callbacks={"NAME": _versioned},
        propagate_positions=True,
        maybe_placeholders=True,
    )


def _pos(meta_or_tok) -> ast.Pos:
    if isinstance(meta_or_tok, Token):
        return ast.Pos(meta_or_tok.line or 0, meta_or_tok.column or 0, max(1, len(meta_or_tok)))
    if getattr(meta_or_tok, "empty", True):
        return ast.NOPOS
    length = 1
    if meta_or_tok.end_line == meta_or_tok.line:
        length = max(1, meta_or_tok.end_column - meta_or_tok.column)
    return ast.Pos(meta_or_tok.line, meta_or_tok.column, length)


_ROUTE_KEYS = ("hops", "channel", "count")


@v_args(meta=True)
class _Builder(Transformer):
    """Parse tree -> AST. Checks the few things the grammar leaves open (route keys...)."""

    def __init__(self, rep: Reporter) -> None:
        super().__init__()
        self.rep = rep

    def _err(self, msg: str, where, hint: str | None = None) -> SluiceError:
        pos = where if isinstance(where, ast.Pos) else _pos(where)
        return self.rep.error(SluiceSyntaxError, msg, pos, hint)

    # ---- kernel
    def start(self, meta, c):
        return c[0]

    def kernel(self, meta, c):
        name, params, *rest = c
        body = rest[-1]
        args = tuple(a for a in rest[:-1] if a is not None)
        return ast.Kernel(
            name, params or (), args, body, file=self.rep.file, source=self.rep.source,
            pos=_pos(meta),
        )

    def _bare(self, tok: Token, what: str) -> str:
        """E1: kernel names, parameters and arguments carry no `#` version."""
        if "#" in tok.value:
            raise self._err(
                f"{what} '{tok.value}' cannot carry a version", tok,
                f"versions (#n) are for fields, streams, variables and completions: "
                f"write '{tok.value.partition('#')[0]}'",
            )
        return str(tok)

    def kernel_name(self, meta, c):
        return self._bare(c[0], "the kernel name")

    def kernel_params(self, meta, c):
        return tuple(ast.Param(self._bare(t, "parameter"), pos=_pos(t))
                     for t in c if t is not None)

    def arg(self, meta, c):
        annots = tuple(a for a in c if isinstance(a, str) and not isinstance(a, Token))
        typ = next(a for a in c if isinstance(a, ast.Node))
        name = c[-1]
        self._bare(name, "argument")
        for i, a in enumerate(annots):
            if a in annots[:i]:
                raise self._err(f"annotation '{a}' repeated on argument '{name}'", meta)
        if "readonly" in annots and "writeonly" in annots:
            raise self._err(
                f"argument '{name}' is both readonly and writeonly", meta,
                "keep one: readonly for inputs from the host, writeonly for outputs",
            )
        return ast.Arg(typ, str(name), annots, pos=_pos(name))

    def annotation(self, meta, c):
        return str(c[0].value)

    def kernel_body(self, meta, c):
        return tuple(c)

    # ---- types
    def scalar_type(self, meta, c):
        return ast.ScalarType(str(c[0]), pos=_pos(c[0]))

    def array_type(self, meta, c):
        return ast.ArrayType(c[0], c[1], pos=_pos(meta))

    def stream_type(self, meta, c):
        return ast.StreamType(c[0], c[1], pos=_pos(meta))

    def stream_array_type(self, meta, c):
        return ast.StreamArrayType(c[0], c[1], pos=_pos(meta))

    # ---- subgrids
    def subgrid(self, meta, c):
        self._no_receive(c[1])
        return ast.Subgrid(c[0], c[1], pos=_pos(meta))

    def loop_vars(self, meta, c):
        return tuple(c)

    def loop_var(self, meta, c):
        return ast.LoopVar(c[0], str(c[1]), pos=_pos(c[1]))

    def ranges(self, meta, c):
        return tuple(c)

    def _no_receive(self, ranges) -> None:
        """A `receive(s)` inside brackets is the foreach sugar of E11e and nothing else."""
        for r in ranges or ():
            if isinstance(r, ast.ReceiveGen):
                raise self._err(
                    "receive(...) in a range list is only allowed in a foreach", r.pos,
                    "write foreach i16 k, f32 v in [0:N], receive(s) { ... }",
                )

    def range(self, meta, c):
        return ast.Range(c[0], c[1], c[2], pos=_pos(meta))

    # ---- blocks
    def place(self, meta, c):
        return ast.Place(c[0], tuple(f for f in c[1:] if f is not None), pos=_pos(meta))

    def field(self, meta, c):
        ext, typ, name = c
        return ast.Field(typ, str(name), ext is not None, pos=_pos(name))

    def dataflow(self, meta, c):
        return ast.Dataflow(c[0], tuple(s for s in c[1:] if s is not None), pos=_pos(meta))

    def stream_decl(self, meta, c):
        return ast.StreamDecl(c[0], str(c[1]), c[2], pos=_pos(c[1]))

    def relative_stream(self, meta, c):
        return ast.RelativeStream(c[0], c[1], c[2], pos=_pos(meta))

    def routing(self, meta, c):
        got: dict[str, object] = {}
        for key, value, tok in c:
            if key not in _ROUTE_KEYS:
                raise self._err(
                    f"unknown routing key '{key}'", tok,
                    "a routing block takes hops = ..., channel = ... and count = ...",
                )
            if key in got:
                raise self._err(f"routing key '{key}' given twice", tok, "keep one of them")
            got[key] = value
        return ast.Routing(**got, pos=_pos(meta))

    def route_item(self, meta, c):
        tok, value = c
        key = str(tok)
        if isinstance(value, ast.Name) and value.id == "auto":
            value = ast.Auto(pos=value.pos)
        elif key == "hops" and not isinstance(value, tuple):
            raise self._err(
                "hops must be 'auto' or a list of unit steps", meta,
                "write hops = [(1, 0), (1, 0)] or hops = auto",
            )
        elif key != "hops" and isinstance(value, tuple):
            raise self._err(f"'{key}' takes 'auto' or an integer, not a list", meta)
        return key, value, tok

    def hop_list(self, meta, c):
        return tuple(h for h in c if h is not None)

    def hop(self, meta, c):
        return (c[0], c[1])

    def extern_stream(self, meta, c):
        return ast.ExternStream(str(c[0]), pos=_pos(meta))

    # ---- collective multistreams (E2)
    def multistream_decl(self, meta, c):
        return ast.StreamDecl(ast.StreamType(c[0], None, pos=c[0].pos), str(c[1]), c[2],
                              pos=_pos(c[1]))

    def collective_source(self, meta, c):
        spelling, rx, ry, opts = c
        kind = "broadcast" if spelling.startswith("broadcast") else "reduce"
        return ast.CollectiveStream(kind, spelling, rx, ry, opts, pos=_pos(meta))

    def coll_kind(self, meta, c):
        return str(c[0])

    def coll_op(self, meta, c):
        return str(c[0])

    def coll_options(self, meta, c):
        return tuple(c)

    def coll_option(self, meta, c):
        return ast.CollectiveOption(str(c[0]), c[1], pos=_pos(c[0]))

    def collective_call(self, meta, c):
        return ast.CollectiveCall(c[0], c[1], c[2], pos=_pos(meta))

    def compute(self, meta, c):
        return ast.Compute(c[0], c[1], pos=_pos(meta))

    def phase(self, meta, c):
        return ast.Phase(tuple(c), pos=_pos(meta))

    def meta_for(self, meta, c):
        self._no_receive(c[1])
        return ast.MetaFor(c[0], c[1], tuple(c[2:]), pos=_pos(meta))

    # ---- statements
    def block(self, meta, c):
        return tuple(s for s in c if s is not None)

    def local_decl(self, meta, c):
        return ast.LocalDecl(c[0], str(c[1]), c[2], pos=_pos(c[1]))

    def assign(self, meta, c):
        return ast.Assign(c[0], str(c[1]), c[2], pos=_pos(meta))

    def assign_op(self, meta, c):
        return str(c[0])

    comp_op = shift_op = add_op = mul_op = unary_op = assign_op

    def ref(self, meta, c):
        name = ast.Name(str(c[0]), pos=_pos(c[0]))
        if c[1] is None:
            return name
        return ast.Subscript(name, c[1], pos=_pos(meta))

    def send(self, meta, c):
        return ast.Send(c[0], c[1], pos=_pos(meta))

    def receive(self, meta, c):
        return ast.Receive(c[0], c[1], pos=_pos(meta))

    def close(self, meta, c):
        if str(c[1]) != "close":
            raise self._err(
                f"streams have no method '{c[1]}'", c[1], "the only stream method is close()"
            )
        return ast.Close(c[0], pos=_pos(meta))

    def for_stmt(self, meta, c):
        self._no_receive(c[1])
        return ast.For(c[0], c[1], c[2], pos=_pos(meta))

    def map_stmt(self, meta, c):
        self._no_receive(c[1])
        return ast.Map(c[0], c[1], c[2], pos=_pos(meta))

    def foreach(self, meta, c):
        vars_, *gens, body = c
        gens = tuple(g for g in gens if g is not None)
        vars_, gens = self._unmix(vars_, gens, meta)
        if len(gens) == 2 and type(gens[0]) is type(gens[1]):
            raise self._err(
                "a foreach takes one receive(...) generator and at most one range", meta,
                "write foreach i16 k, f32 v in [0:N], receive(s) { ... }",
            )
        if not any(isinstance(g, ast.ReceiveGen) for g in gens):
            raise self._err(
                "a foreach needs a receive(stream) generator", meta,
                "use `for` for a loop over a range only",
            )
        return ast.Foreach(vars_, gens, body, pos=_pos(meta))

    def _unmix(self, vars_, gens, meta):
        """E11e: `foreach ... in [0:K, receive(s)]` means `in [0:K], receive(s)`; the receive
        item binds the variable at its position in the list, wherever it stands."""
        mixed = [g for g in gens if isinstance(g, tuple)
                 and any(isinstance(r, ast.ReceiveGen) for r in g)]
        if not mixed:
            return vars_, gens
        items = mixed[0]
        recvs = [i for i, r in enumerate(items) if isinstance(r, ast.ReceiveGen)]
        if len(gens) > 1 or len(recvs) > 1:
            raise self._err(
                "a foreach takes one receive(...) generator and at most one range", meta,
                "write foreach i16 k, f32 v in [0:N, receive(s)] { ... }",
            )
        if len(vars_) != len(items):
            return vars_, gens  # the variable count check reports it
        at = recvs[0]
        ranges = tuple(r for i, r in enumerate(items) if i != at)
        order = [v for i, v in enumerate(vars_) if i != at] + [vars_[at]]
        out = ((ranges,) if ranges else ()) + (items[at],)
        return tuple(order), out

    def receive_gen(self, meta, c):
        return ast.ReceiveGen(c[0], pos=_pos(meta))

    def async_block(self, meta, c):
        return ast.Async(c[0], pos=_pos(meta))

    def if_stmt(self, meta, c):
        cond, then, other = c
        if isinstance(other, ast.If):
            other = (other,)
        return ast.If(cond, then, other, pos=_pos(meta))

    def await_op(self, meta, c):
        return ast.Await(c[0], pos=_pos(meta))

    def await_name(self, meta, c):
        if str(c[0]) == "all":  # `await all` spells `awaitall` (E12.4)
            return ast.AwaitAll(pos=_pos(meta))
        return ast.AwaitName(str(c[0]), pos=_pos(c[0]))

    def completion(self, meta, c):
        return ast.Completion(str(c[0]), c[1], pos=_pos(c[0]))

    def awaitall(self, meta, c):
        return ast.AwaitAll(pos=_pos(meta))

    # ---- expressions
    def expr_list(self, meta, c):
        return tuple(c)

    def ternary(self, meta, c):
        return ast.Ternary(c[0], c[1], c[2], pos=_pos(meta))

    def or_op(self, meta, c):
        return ast.Binary("or", c[0], c[1], pos=_pos(meta))

    def and_op(self, meta, c):
        return ast.Binary("and", c[0], c[1], pos=_pos(meta))

    def not_op(self, meta, c):
        return ast.Unary("not", c[0], pos=_pos(meta))

    def comparison(self, meta, c):
        return ast.Binary(str(c[1]), c[0], c[2], pos=_pos(meta))

    def binop(self, meta, c):
        return ast.Binary(str(c[1]), c[0], c[2], pos=_pos(meta))

    def binop_or(self, meta, c):
        return ast.Binary("|", c[0], c[1], pos=_pos(meta))

    def binop_xor(self, meta, c):
        return ast.Binary("^", c[0], c[1], pos=_pos(meta))

    def binop_and(self, meta, c):
        return ast.Binary("&", c[0], c[1], pos=_pos(meta))

    def unary(self, meta, c):
        return ast.Unary(str(c[0]), c[1], pos=_pos(meta))

    def power(self, meta, c):
        return ast.Binary("**", c[0], c[1], pos=_pos(meta))

    def subscript(self, meta, c):
        return ast.Subscript(c[0], c[1], pos=_pos(meta))

    def attribute(self, meta, c):
        return ast.Attribute(c[0], str(c[1]), pos=_pos(meta))

    def call(self, meta, c):
        return ast.Call(str(c[0]), c[1] or (), pos=_pos(meta))

    def cast(self, meta, c):
        return ast.Call(c[0].name, (c[1],), pos=_pos(meta))

    def name(self, meta, c):
        return ast.Name(str(c[0]), pos=_pos(c[0]))

    def int_lit(self, meta, c):
        return ast.IntLit(int(str(c[0]), 0) if str(c[0])[:2].lower() == "0x" else int(c[0]),
                          pos=_pos(c[0]))

    def float_lit(self, meta, c):
        return ast.FloatLit(float(c[0]), pos=_pos(c[0]))

    def str_lit(self, meta, c):
        try:
            text = str(c[0])[1:-1].encode().decode("unicode_escape")
        except UnicodeDecodeError as e:  # a truncated \x, \u or \N escape
            raise self._err(f"invalid escape in string {c[0]}: {e.reason}", c[0],
                            'escape with \\\\, \\", \\n, \\t or \\xXX') from None
        return ast.StrLit(text, pos=_pos(c[0]))

    def true_lit(self, meta, c):
        return ast.BoolLit(True, pos=_pos(meta))

    def false_lit(self, meta, c):
        return ast.BoolLit(False, pos=_pos(meta))


# Human names for terminals in "expected ..." hints.
_TERMINAL_NAMES = {
    "_NL": "end of statement (newline or ';')",
    "$END": "end of file",
    "NAME": "a name",
    "INT": "an integer",
    "FLOAT": "a number",
    "STRING": "a string",
    "AUG_OP": "an assignment operator",
    "EXTERN": "'extern'",
}


def _describe(term: str) -> str:
    if term in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[term]
    for t in _lark().terminals:
        if t.name == term and t.pattern.type == "str":
            return repr(t.pattern.value)
    return term.lower()


def _expected_hint(expected: set[str]) -> str | None:
    types = {t for t in expected if _describe(t).strip("'") in ast.SCALAR_TYPES}
    names = sorted({_describe(t) for t in expected - types})
    if types:  # ten type keywords say less than one word
        names.append("a type")
    if not names:
        return None
    if len(names) > 8:
        names = names[:8] + ["..."]
    return "expected " + ", ".join(names)


def _unclosed_bracket(text: str, bad: Token) -> Token | None:
    """The innermost '(' or '[' still open at `bad`, if it opened on an earlier line."""
    stack: list[Token] = []
    try:
        for tok in _lark().lex(text):
            if tok.start_pos >= bad.start_pos:
                break
            if tok.type in _OPEN:
                stack.append(tok)
            elif tok.type in _CLOSE and stack:
                stack.pop()
    except UnexpectedInput:
        return None
    if stack and bad.type not in _CLOSE and (stack[-1].line or 0) < (bad.line or 0):
        return stack[-1]
    return None


def _syntax_error(err: UnexpectedInput, rep: Reporter, text: str) -> SluiceSyntaxError:
    line, col = err.line, err.column
    if isinstance(err, UnexpectedCharacters):
        ch = text[err.pos_in_stream] if 0 <= err.pos_in_stream < len(text) else "?"
        msg = f"unexpected character {ch!r}"
        hint = _expected_hint(set(err.allowed or ()))
        if ch == "#" and text[err.pos_in_stream - 1:err.pos_in_stream].isalnum():
            msg = "a version '#n' follows a name, not a number"
            hint = "write name#n with a name that starts with a letter or '_'"
        length = 1
    elif isinstance(err, UnexpectedToken) and set(err.expected) == {"$END"}:
        tok = err.token
        start = tok.start_pos if isinstance(tok.start_pos, int) else 0
        while start < len(text) and text[start] in " \t\r\n;":
            start += 1
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        msg = "unexpected text after the end of the kernel"
        hint = "a file holds one kernel: remove this text or put it in another file"
        length = 1
    elif isinstance(err, UnexpectedToken) and err.token.type != "$END":
        tok = err.token
        opener = _unclosed_bracket(text, tok)
        if opener is not None:
            # The newline after an unclosed '(' was swallowed: blame the bracket, not the
            # token lines later.
            closer = ")" if opener.type == "LPAR" else "]"
            msg = f"'{opener}' is never closed"
            hint = f"add the missing '{closer}'"
            line, col, length = opener.line, opener.column, 1
        else:
            shown = "end of statement" if tok.type == "_NL" else repr(str(tok))
            msg = f"unexpected {shown}"
            hint = _expected_hint(set(err.expected))
            length = max(1, len(str(tok))) if tok.type != "_NL" else 1
            line, col = tok.line or line, tok.column or col
    else:
        lines = text.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
        msg = "unexpected end of file"
        expected = set(getattr(err, "expected", ()) or ()) - {"_NL"}
        hint = _expected_hint(expected) or "a block is not closed: add the missing '}'"
        length = 1
    if not isinstance(line, int) or line < 1:
        line, col = 1, 1
    pos = ast.Pos(line, max(1, col), length)
    return rep.error(SluiceSyntaxError, msg, pos, hint)  # type: ignore[return-value]


def parse_source(text: str, filename: str | None = None) -> ast.Kernel:
    """Parse `.sptl` source text into an `ast.Kernel` (raises SluiceSyntaxError)."""
    rep = Reporter(text, filename)
    try:
        tree = _lark().parse(text)
    except UnexpectedEOF as err:
        raise _syntax_error(err, rep, text) from None
    except UnexpectedInput as err:
        raise _syntax_error(err, rep, text) from None
    try:
        return _Builder(rep).transform(tree)
    except VisitError as err:
        if isinstance(err.orig_exc, SluiceError):
            raise err.orig_exc from None
        raise


def parse_file(path: str | Path) -> ast.Kernel:
    """Parse a `.sptl` file; errors name the file."""
    p = Path(path)
    return parse_source(read_source(p), str(p))
