"""Tell a Python 2 program from a broken one, and convert it to Python 3 with the 2to3 fixers.

Old lessons were written for Python 2: ``print "hello", os.getpid()``, ``except Exception, e:``,
``xrange``, ``d.iteritems()``. Python 3 rejects the first two and fails at run time on the
others. Whether such a program is Python 2 or simply broken is decided by parsing it, never
with regular expressions over the text: the Python 2 grammar and the standard 2to3 fixers are
fissix's, the maintained fork of lib2to3 (which Python 3.13 removed).

Code is **Python 2** when Python 3 does not parse it, the Python 2 grammar does, and the fixers'
result parses as Python 3. Code that Python 3 parses is **Python 3**, unless it uses names that
only Python 2 has and that the fixers convert (``xrange``, ``.iteritems()``, ``.func_name``,
``import Queue`` ...) and that the program does not define itself: then it would fail at run
time, and it is Python 2 written with Python 3's syntax (``print(x)`` was valid Python 2 too).

Only the standard fix set's conversions are made, and 2to3's limits are kept: ``print x,``
becomes ``print(x, end=' ')``, which leaves a space before the next newline where Python 2
left none, and ``/`` between integers is not changed (Python 2 divided them to an integer).
"""

from __future__ import annotations

import ast
import difflib
import io
import sys
import threading
from dataclasses import dataclass
from functools import cache
from itertools import chain

from fissix import fixer_base, pygram, pytree, refactor
from fissix.fixes import fix_imports, fix_imports2, fix_methodattrs, fix_urllib
from fissix.pgen2 import driver, token, tokenize
from fissix.pgen2.parse import ParseError
from fissix.pgen2.tokenize import TokenError

syms = pygram.python_symbols

Where = tuple[int, int]
"""A place in the original code: line (1-based) and column (0-based)."""
Unreadable = ParseError | TokenError | SyntaxError
"""Why the Python 2 grammar does not read some code."""

FIXERS = tuple(
    name for name in refactor.get_fixers_from_package("fissix.fixes") if name != "fissix.fixes.fix_import"
)
"""The standard 2to3 fix set (2to3 skips the explicit fixers, ``idioms``, ``ws_comma`` ..., by itself).

Without ``import``, which turns ``import foo`` into ``from . import foo`` when a ``foo.py`` lies
next to the file in a package: a lesson's program is one file, in no package.
"""

DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "apply": ("apply(f, args) → f(*args)", "apply(f, args) → f(*args)"),
    "asserts": (
        "self.assertEquals() and the other old unittest names → self.assertEqual() ...",
        "self.assertEquals() 等 unittest 旧方法名 → self.assertEqual() 等",
    ),
    "basestring": ("basestring → str", "basestring → str"),
    "dict": (
        "d.iteritems() → d.items(), d.keys() → list(d.keys()) (dictionary methods)",
        "d.iteritems() → d.items()，d.keys() → list(d.keys())（字典方法）",
    ),
    "except": ("except E, e → except E as e", "except E, e → except E as e"),
    "exec": ("exec statement → exec() function", "exec 语句 → exec() 函数"),
    "execfile": (
        "execfile(name) → exec(compile(open(name).read(), name, 'exec'))",
        "execfile(name) → exec(compile(open(name).read(), name, 'exec'))",
    ),
    "exitfunc": ("sys.exitfunc = f → atexit.register(f)", "sys.exitfunc = f → atexit.register(f)"),
    "filter": (
        "filter(f, xs) → list(filter(f, xs)) (a list, as in Python 2)",
        "filter(f, xs) → list(filter(f, xs))（和 Python 2 一样得到列表）",
    ),
    "funcattrs": (
        "f.func_name → f.__name__ (and the other func_* attributes)",
        "f.func_name → f.__name__（其他 func_* 属性同样）",
    ),
    "future": (
        "from __future__ import ... removed (Python 3 always does so)",
        "删去 from __future__ import ...（Python 3 本来如此）",
    ),
    "getcwdu": ("os.getcwdu() → os.getcwd()", "os.getcwdu() → os.getcwd()"),
    "has_key": ("d.has_key(k) → k in d", "d.has_key(k) → k in d"),
    "imports": (
        "Python 2 module names → Python 3's (Queue → queue, cPickle → pickle ...)",
        "Python 2 的模块名 → Python 3 的模块名（Queue → queue、cPickle → pickle 等）",
    ),
    "imports2": (
        "Python 2 module names → Python 3's (anydbm, whichdb → dbm)",
        "Python 2 的模块名 → Python 3 的模块名（anydbm、whichdb → dbm）",
    ),
    "input": (
        "input() → eval(input()) (Python 2's input() evaluated what was typed)",
        "input() → eval(input())（Python 2 的 input() 会对输入求值）",
    ),
    "intern": ("intern(s) → sys.intern(s)", "intern(s) → sys.intern(s)"),
    "isinstance": (
        "isinstance(x, (int, int)) → isinstance(x, int) (a type repeated by the other changes)",
        "isinstance(x, (int, int)) → isinstance(x, int)（去掉其他修改留下的重复类型）",
    ),
    "itertools": (
        "itertools.imap, izip, ifilter → map, zip, filter",
        "itertools.imap、izip、ifilter → map、zip、filter",
    ),
    "itertools_imports": (
        "from itertools import imap, izip ... → names Python 3 has built in are no longer imported",
        "from itertools import imap, izip 等 → 不再导入 Python 3 内置的名字",
    ),
    "long": ("long → int", "long → int"),
    "map": (
        "map(f, xs) → list(map(f, xs)) (a list, as in Python 2)",
        "map(f, xs) → list(map(f, xs))（和 Python 2 一样得到列表）",
    ),
    "metaclass": ("__metaclass__ = M → class C(metaclass=M)", "__metaclass__ = M → class C(metaclass=M)"),
    "methodattrs": (
        "m.im_func, m.im_self, m.im_class → m.__func__, m.__self__, m.__self__.__class__",
        "m.im_func、m.im_self、m.im_class → m.__func__、m.__self__、m.__self__.__class__",
    ),
    "ne": ("<> → !=", "<> → !="),
    "next": ("it.next() → next(it)", "it.next() → next(it)"),
    "nonzero": ("__nonzero__ → __bool__", "__nonzero__ → __bool__"),
    "numliterals": ("0777 → 0o777, 10L → 10 (number literals)", "0777 → 0o777，10L → 10（数字字面量）"),
    "operator": (
        "operator.isCallable(), operator.sequenceIncludes() ... → Python 3's equivalents",
        "operator.isCallable()、operator.sequenceIncludes() 等 → Python 3 的等价写法",
    ),
    "paren": ("[x for x in 1, 2] → [x for x in (1, 2)]", "[x for x in 1, 2] → [x for x in (1, 2)]"),
    "print": ("print statement → print() function", "print 语句 → print() 函数"),
    "raise": ("raise E, message → raise E(message)", "raise E, message → raise E(message)"),
    "raw_input": ("raw_input() → input()", "raw_input() → input()"),
    "reduce": ("reduce() → functools.reduce()", "reduce() → functools.reduce()"),
    "reload": ("reload(m) → importlib.reload(m)", "reload(m) → importlib.reload(m)"),
    "renames": ("sys.maxint → sys.maxsize", "sys.maxint → sys.maxsize"),
    "repr": ("`x` → repr(x)", "`x` → repr(x)"),
    "sorted": (
        "sorted(xs, cmp) and xs.sort(cmp) → key=cmp_to_key(cmp) (Python 3 has no cmp argument)",
        "sorted(xs, cmp) 和 xs.sort(cmp) → key=cmp_to_key(cmp)（Python 3 没有 cmp 参数）",
    ),
    "standarderror": ("StandardError → Exception", "StandardError → Exception"),
    "sys_exc": (
        "sys.exc_type, sys.exc_value, sys.exc_traceback → sys.exc_info()[0], [1], [2]",
        "sys.exc_type、sys.exc_value、sys.exc_traceback → sys.exc_info()[0]、[1]、[2]",
    ),
    "tabs": (
        "tabs in indentation → spaces (Python 2 read a tab as reaching the next multiple of 8 columns)",
        "缩进里的制表符 → 空格（Python 2 把制表符算到下一个 8 的倍数列）",
    ),
    "throw": ("g.throw(E, message) → g.throw(E(message))", "g.throw(E, message) → g.throw(E(message))"),
    "tuple_params": (
        "def f((a, b)) → def f(xxx_todo_changeme) and (a, b) = xxx_todo_changeme in its body",
        "def f((a, b)) → def f(xxx_todo_changeme)，函数体里 (a, b) = xxx_todo_changeme（元组参数）",
    ),
    "types": (
        "types.StringType, types.IntType ... → bytes, int ...",
        "types.StringType、types.IntType 等 → bytes、int 等",
    ),
    "unicode": ("unicode → str, u'...' → '...'", "unicode → str，u'...' → '...'"),
    "urllib": (
        "urllib, urllib2 functions → urllib.request, urllib.parse, urllib.error",
        "urllib、urllib2 的函数 → urllib.request、urllib.parse、urllib.error",
    ),
    "xrange": (
        "xrange() → range() (and range() → list(range()) where Python 2 made a list)",
        "xrange() → range()（Python 2 得到列表之处 range() → list(range())）",
    ),
    "xreadlines": (
        "for line in f.xreadlines() → for line in f",
        "for line in f.xreadlines() → for line in f",
    ),
    "zip": (
        "zip(a, b) → list(zip(a, b)) (a list, as in Python 2)",
        "zip(a, b) → list(zip(a, b))（和 Python 2 一样得到列表）",
    ),
}
"""Each fixer of :data:`FIXERS`, by name: what it changes, in English and in Chinese."""

NAMES = {
    "xrange": "range",
    "raw_input": "input",
    "unicode": "str",
    "unichr": "chr",
    "basestring": "str",
    "long": "int",
    "execfile": "exec",
    "reduce": "functools.reduce",
    "apply": "f(*args)",
    "intern": "sys.intern",
    "reload": "importlib.reload",
    "StandardError": "Exception",
    "imap": "map",
    "izip": "zip",
    "ifilter": "filter",
    "ifilterfalse": "filterfalse",
    "izip_longest": "zip_longest",
}
"""Names only Python 2 has (a builtin or a name in itertools), with their Python 3 counterparts."""

ATTRIBUTES = {
    **{
        name: f"{module}.{name}"
        for old in ("urllib2", "urllib")  # urllib's own wins: urllib.urlopen and urllib2.urlopen differ
        for module, members in fix_urllib.MAPPING[old]
        for name in members
    },
    **{
        f"func_{name}": f".__{name}__"
        for name in ("name", "code", "defaults", "globals", "doc", "closure", "dict")
    },
    **{name: f".{new}" for name, new in fix_methodattrs.MAP.items()},
    "iteritems": ".items()",
    "iterkeys": ".keys()",
    "itervalues": ".values()",
    "viewitems": ".items()",
    "viewkeys": ".keys()",
    "viewvalues": ".values()",
    "has_key": "in",
    "next": "next(it)",
    "maxint": ".maxsize",
    "getcwdu": ".getcwd()",
    "exc_type": ".exc_info()[0]",
    "exc_value": ".exc_info()[1]",
    "exc_traceback": ".exc_info()[2]",
    "exitfunc": "atexit.register()",
    "xreadlines": "the file itself",
    "imap": "map",
    "izip": "zip",
    "ifilter": "filter",
    "ifilterfalse": ".filterfalse",
    "izip_longest": ".zip_longest",
}
"""Attributes only Python 2 has: of functions, methods, dictionaries, ``sys``, ``os``, ``itertools`` ..."""

MODULES = {
    name: new
    for name, new in {**fix_imports.MAPPING, **fix_imports2.MAPPING, "urllib2": "urllib.request"}.items()
    if name not in sys.stdlib_module_names  # dbm is in both: the fixer's dbm → dbm.ndbm is no sign
}
"""Modules only Python 2 has, with their Python 3 names (the fixers' own tables)."""

PYTHON2_MODULES = {*MODULES, "itertools"}
"""Modules whose names imported with ``from`` are not the program's own (``from itertools import imap``)."""


class Python2Error(ValueError):
    """The code is neither Python 3 nor Python 2 that converts to Python 3; the message says where."""


@dataclass(frozen=True)
class Change:
    """What one fixer changed, and where."""

    fixer: str
    """The fixer's name: ``print``, ``except``, ``funcattrs`` ... (``tabs``: indentation's tabs as spaces)."""
    lines: tuple[int, ...]
    """The lines it changed, in the original code (1-based)."""
    en: str
    """The change in English: ``print statement → print() function``."""
    zh: str
    """The change in Chinese: ``print 语句 → print() 函数``."""

    def text(self, language: str = "en") -> str:
        """Return the change with its lines in *language* (``zh`` or ``en``).

        ``print statement → print() function (lines 3, 5)``, ``print 语句 → print() 函数（第 3、5 行）``.
        """
        if language == "zh":
            return f"{self.zh}（第 {'、'.join(map(str, self.lines))} 行）" if self.lines else self.zh
        if not self.lines:
            return self.en
        return f"{self.en} ({'lines' if len(self.lines) > 1 else 'line'} {', '.join(map(str, self.lines))})"

    def __str__(self) -> str:
        return self.text("en")


@dataclass(frozen=True)
class Upgrade:
    """Code converted to Python 3, and what the conversion changed."""

    code: str
    """The Python 3 code (the code itself when it is Python 3 already)."""
    changes: list[Change]
    """One per fixer that changed something, in the order of their first lines."""

    @property
    def changes_en(self) -> list[str]:
        return [change.text("en") for change in self.changes]

    @property
    def changes_zh(self) -> list[str]:
        return [change.text("zh") for change in self.changes]


@dataclass
class _Conversion:
    original: pytree.Base
    """The code's tree in the Python 2 grammar, before the fixers."""
    converted: pytree.Base
    starts: set[Where]
    """Where the nodes the fixers changed start (line, column)."""
    code: str
    changes: list[Change]
    tree: ast.Module | None
    """The converted code's syntax tree, or None when it does not parse as Python 3."""
    error: SyntaxError | None
    """Why the converted code does not parse as Python 3, or None."""


def _first_line(node: pytree.Base) -> int:
    """Return the line *node* starts on in the original code (0 when all of it is new)."""
    before = ""
    for leaf in node.leaves():
        if leaf.lineno:
            return leaf.lineno - ((before + leaf.prefix).count("\n") - node.prefix.count("\n"))
        before += leaf.prefix + leaf.value
    return 0


def _changed_lines(old: str, new: str, start: int) -> list[int]:
    """Return the first line of each part of *old* (which starts on line *start*) that differs in *new*."""
    matcher = difflib.SequenceMatcher(None, old.split("\n"), new.split("\n"), autojunk=False)
    return [start + max(i1 - (i1 == i2), 0) for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"]


def _order(change: Change) -> tuple[int, str]:
    return (change.lines[0] if change.lines else 0, change.fixer)


def _change(name: str, lines: set[int]) -> Change:
    en, zh = DESCRIPTIONS.get(name, (f"2to3's {name} fixer", f"2to3 的 {name} 修正"))
    return Change(fixer=name, lines=tuple(sorted(lines)), en=en, zh=zh)


class _Tool(refactor.RefactoringTool):
    """The standard fixers, each recording where it changes something."""

    def __init__(self) -> None:
        super().__init__(list(FIXERS))
        self.lock = threading.Lock()
        self.lines: dict[str, set[int]] = {}
        """The lines each fixer changed, by fixer."""
        self.starts: set[Where] = set()
        """Where the nodes the fixers changed start (line, column): ``reduce`` stays ``reduce``."""
        for fixer in chain(self.pre_order, self.post_order):
            fixer.transform = self._recording(fixer)

    def _recording(self, fixer: fixer_base.BaseFix):
        name = type(fixer).__module__.rsplit(".fix_", 1)[-1]
        transform = fixer.transform

        def recorded(node: pytree.Base, results: dict) -> pytree.Base | None:
            root = node
            while root.parent is not None:
                root = root.parent
            before, old, start = str(root), str(node)[len(node.prefix) :], _first_line(node)
            first = next(node.leaves(), None)
            new = transform(node, results)
            result = node if new is None else new
            text = str(result)[len(result.prefix) :]
            if text != old or str(root) != before:  # touch_import changes the tree, not the node
                lines = self.lines.setdefault(name, set())
                if start:
                    lines.update(_changed_lines(old, text, start) or [start])
                if first is not None and first.lineno:
                    self.starts.add((first.lineno, first.column))
            return new

        return recorded

    def convert(self, tree: pytree.Base, features: frozenset[str]) -> tuple[list[Change], set[Where]]:
        """Convert *tree* in place; return what changed, and where the changed nodes start."""
        with self.lock:
            self.lines, self.starts = {}, set()
            tree.future_features = features
            self.refactor_tree(tree, "<lesson>")
            changes = [_change(name, lines) for name, lines in self.lines.items()]
            starts = self.starts
        return sorted(changes, key=_order), starts


@cache
def _tool() -> _Tool:
    return _Tool()


@cache
def _grammar(print_statement: bool, exec_statement: bool):
    grammar = pygram.python_grammar.copy()
    for keyword, kept in (("print", print_statement), ("exec", exec_statement)):
        if not kept:
            del grammar.keywords[keyword]
    return grammar


def _parse3(code: str) -> ast.Module | SyntaxError:
    try:
        return ast.parse(code)
    except SyntaxError as error:
        return error


def _prints_to_file(tree: ast.Module) -> list[ast.BinOp]:
    """Return each ``print >>f, x`` of *tree*, which Python 3 reads as ``(print >> f), x``."""
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.RShift)
        and isinstance(node.left, ast.Name)
        and node.left.id == "print"
    ]


def _expand_tabs(code: str) -> tuple[str, list[int]]:
    """Return *code* with the tabs of its indentation as spaces, and the lines changed.

    Python 2 reads a tab in indentation as reaching the next multiple of 8 columns; Python 3
    rejects indentation that mixes tabs and spaces inconsistently (TabError). Only the lines
    that start a statement change: a string's or a comment's lines keep their tabs.
    """
    lines = code.split("\n")
    changed = []
    starting = True
    for kind, _, (row, _), _, _ in tokenize.generate_tokens(io.StringIO(code).readline):
        if kind in (token.NL, token.COMMENT, token.INDENT, token.DEDENT, token.ENDMARKER):
            continue
        if starting:
            line = lines[row - 1]
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            if "\t" in indent:
                lines[row - 1] = indent.expandtabs(8) + line[len(indent) :]
                changed.append(row)
        starting = kind == token.NEWLINE
    return "\n".join(lines), changed


def _convert(code: str, python3: ast.Module | None) -> _Conversion | Unreadable:
    """Parse *code* with the Python 2 grammar and run the fixers (and expand tabs if Python 3 needs it).

    *python3* is the code's tree when Python 3 parses it: then ``print`` and ``exec`` are
    functions, except that ``print >>f, x`` makes ``print`` a statement (``print(a, b)``
    then prints a tuple, as Python 2 did).

    Returns:
        The conversion, or why the Python 2 grammar does not parse *code*.
    """
    conversion = _convert_once(code, python3)
    if isinstance(conversion, _Conversion) and isinstance(conversion.error, TabError):
        expanded, lines = _expand_tabs(code if code.endswith("\n") else code + "\n")
        again = _convert_once(expanded if code.endswith("\n") else expanded[:-1], python3)
        if isinstance(again, _Conversion) and lines:
            again.changes = sorted([*again.changes, _change("tabs", set(lines))], key=_order)
            return again
    return conversion


def _convert_once(code: str, python3: ast.Module | None) -> _Conversion | Unreadable:
    source = code if code.endswith("\n") else code + "\n"
    features = refactor._detect_future_features(source)
    print_statement = "print_function" not in features
    if python3 is not None:
        print_statement = print_statement and bool(_prints_to_file(python3))
    grammars = [_grammar(print_statement, python3 is None)]
    if python3 is not None and print_statement:
        grammars.append(_grammar(False, False))
    for grammar in grammars:
        try:
            tree = driver.Driver(grammar, convert=pytree.convert).parse_string(source)
        except (ParseError, TokenError, SyntaxError) as error:
            failure = error
            continue
        break
    else:
        return failure
    original = tree.clone()
    changes, starts = _tool().convert(tree, features)
    converted = str(tree)
    if not code.endswith("\n") and converted.endswith("\n"):
        converted = converted[:-1]
    parsed = _parse3(converted)
    return _Conversion(
        original=original,
        converted=tree,
        starts=starts,
        code=converted,
        changes=changes,
        tree=parsed if isinstance(parsed, ast.Module) else None,
        error=parsed if isinstance(parsed, SyntaxError) else None,
    )


def _is(leaf: pytree.Base | None, kind: int, value: str | None = None) -> bool:
    return isinstance(leaf, pytree.Leaf) and leaf.type == kind and (value is None or leaf.value == value)


def _syntax_signs(tree: pytree.Base) -> list[tuple[int, int, str]]:
    """Return (line, column, sign) for each construct of *tree* that only Python 2's syntax has."""
    signs = []
    for node in tree.pre_order():
        sign = None
        children = node.children
        if node.type == syms.print_stmt:
            if any(_is(child, token.RIGHTSHIFT) for child in children):
                sign = "print >>f, ... (print to a file)"
            elif _is(children[-1], token.COMMA):
                sign = "print x, (trailing comma)"
            elif not (len(children) == 2 and _parenthesized(children[1])):
                sign = "print statement"  # print(x) reads the same in Python 3
        elif _is(node, token.NAME, "print") and getattr(node.parent, "type", None) == syms.simple_stmt:
            sign = "print statement (a bare print)"
        elif node.type == syms.exec_stmt:
            sign = "exec statement"
        elif node.type == syms.except_clause and any(_is(child, token.COMMA) for child in children):
            sign = "except E, e"
        elif node.type == syms.raise_stmt and any(_is(child, token.COMMA) for child in children):
            sign = "raise E, message"
        elif node.type == syms.atom and _is(children[0], token.BACKQUOTE):
            sign = "backticks `x` (repr)"
        elif _is(node, token.NOTEQUAL, "<>"):
            sign = "<> (not equal)"
        elif _is(node, token.NUMBER):
            digits = node.value
            if digits[-1] in "lL":
                sign = f"long integer {digits}"
            elif len(digits) > 1 and digits[0] == "0" and digits.isdigit() and digits.strip("0"):
                sign = f"octal number {digits}"
        elif _is(node, token.STRING) and node.value[:2].lower() == "ur":
            sign = "ur'...' string"
        elif node.type in (syms.tfpdef, syms.vfpdef):
            sign = "tuple parameter (a, b)"
        elif node.type == syms.comp_for and children[-1].type == syms.testlist_safe:
            sign = "for x in 1, 2 in a comprehension (a tuple without parentheses)"
        if sign:
            signs.append((node.get_lineno(), _column(node), sign))
    return signs


def _parenthesized(node: pytree.Base) -> bool:
    return node.type == syms.atom and _is(node.children[0], token.LPAR)


def _column(node: pytree.Base) -> int:
    leaf = next(node.leaves(), None)
    return leaf.column if leaf is not None else 0


def _module(name: str | None) -> str:
    return (name or "").split(".")[0]


def _bound(tree: ast.Module, imports: bool = True) -> set[str]:
    """Return the names *tree* defines, assigns or imports (not from a module only Python 2 has).

    Without *imports*, names imported with ``from`` do not count: in converted code, the
    fixers' own (``from functools import reduce``) are among them.
    """
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ImportFrom) and imports and _module(node.module) not in PYTHON2_MODULES:
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.asname for alias in node.names if alias.asname)
    return names


def _name_signs(conversion: _Conversion, bound: set[str]) -> list[tuple[int, int, str]]:
    """Return (line, column, sign) for each name only Python 2 has that the fixers changed.

    A name counts when the fixers replaced it, or changed the call it starts (``reduce(...)``
    gets an import), since they tell a module from a variable of the same name and an
    attribute from a name; and when the program does not define it itself (*bound*).
    """
    kept = {(leaf.lineno, leaf.column): leaf.value for leaf in conversion.converted.leaves() if leaf.lineno}
    signs = []
    for leaf in conversion.original.leaves():
        if leaf.type != token.NAME:
            continue
        name, where = leaf.value, (leaf.lineno, leaf.column)
        replaced = kept.get(where) != name
        if _is(leaf.prev_sibling, token.DOT):
            if replaced and name in ATTRIBUTES and name not in bound:
                signs.append((*where, f".{name} (Python 3: {ATTRIBUTES[name]})"))
        elif name in MODULES:
            if replaced:
                signs.append((*where, f"module {name} (Python 3: {MODULES[name]})"))
        elif name in NAMES and name not in bound and (replaced or where in conversion.starts):
            signs.append((*where, f"{name} (Python 3: {NAMES[name]})"))
    return signs


@dataclass
class _Reading:
    signs: list[str]
    conversion: _Conversion | None
    """None when the Python 2 grammar does not parse the code."""
    error: SyntaxError | None
    """Why Python 3 does not parse the code, or None when it does."""


def _read(code: str) -> _Reading:
    parsed = _parse3(code)
    python3 = parsed if isinstance(parsed, ast.Module) else None
    error = parsed if isinstance(parsed, SyntaxError) else None
    conversion = _convert(code, python3)
    if not isinstance(conversion, _Conversion):
        return _Reading([], None, error)
    if python3 is not None:
        bound = _bound(python3)
        found = [
            (node.lineno, node.col_offset, "print >>f, ... (print to a file)")
            for node in _prints_to_file(python3)
            if "print" not in bound
        ]
    else:
        found = _syntax_signs(conversion.original)
        if not found and conversion.tree is None:
            return _Reading([], conversion, error)  # 2to3 does not make it parse: not Python 2's syntax
        if not found:
            found = [(error.lineno or 0, 0, f"{error.msg} in Python 3, which the Python 2 grammar reads")]
        bound = _bound(conversion.tree, imports=False) if conversion.tree is not None else set()
    found += _name_signs(conversion, bound)
    return _Reading(
        list(dict.fromkeys(f"line {line}: {sign}" for line, _, sign in sorted(found))), conversion, error
    )


def python2_signs(code: str) -> list[str]:
    """Return why *code* reads as Python 2 (``line 3: print statement``), or [] when it does not.

    When Python 3 does not parse *code*: the constructs only Python 2's syntax has
    (``print x``, ``print x,``, ``print >>f, x``, ``except E, e``, ``raise E, message``,
    ``exec "..."``, backticks, ``<>``, ``0777``, ``10L``, ``ur''``, tuple parameters), and the
    names only Python 2 has (below); [] when the Python 2 grammar does not parse it either,
    or parses it but finds none of them and its conversion does not parse as Python 3: then
    it is simply broken.

    When Python 3 parses *code*: only what would fail at run time, which is ``print >>f, x``
    (a TypeError) and the names only Python 2 has that the 2to3 fixers replace: builtins
    (``xrange``, ``raw_input``, ``unicode``, ``basestring``, ``long`` ...), attributes
    (``.func_name``, ``.iteritems()``, ``.has_key()``, ``sys.maxint`` ...) and modules
    (``Queue``, ``cPickle`` ...), unless the program defines the name itself. What runs
    differently without failing is not a sign: a bare ``print`` (an empty line in Python 2,
    nothing in Python 3), ``print(a, b)`` (a tuple in Python 2), ``/`` between integers, and
    ``d.keys()`` (a list in Python 2).
    """
    return _read(code).signs


def upgrade(code: str) -> Upgrade:
    """Return *code* converted to Python 3 by the standard 2to3 fixers, and what they changed.

    Python 3 code comes back as it is, with no changes, unless :func:`python2_signs` finds
    names that would fail at run time: then it is converted too.

    Raises:
        Python2Error: The code is neither Python 3 nor Python 2, or its conversion does not
            parse as Python 3.
    """
    reading = _read(code)
    conversion, error = reading.conversion, reading.error
    if error is None and not reading.signs:
        return Upgrade(code=code, changes=[])
    if conversion is None:
        raise Python2Error(
            f"neither Python 3 nor Python 2: line {error.lineno}: {error.msg} "
            "(and the Python 2 grammar does not read it either)"
        )
    if conversion.error is not None:
        problem = conversion.error
        if not reading.signs:
            raise Python2Error(
                f"neither Python 3 nor Python 2: line {problem.lineno}: {problem.msg} "
                "(after 2to3's conversion too)"
            )
        raise Python2Error(
            f"Python 2 that does not convert to Python 3: line {problem.lineno}: {problem.msg} "
            f"in the converted code ({'; '.join(reading.signs)})"
        )
    return Upgrade(code=conversion.code, changes=conversion.changes)
