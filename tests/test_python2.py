"""Python 2 lessons: told from broken code by fissix's Python 2 grammar, converted by its 2to3 fixers.

The programs are written the way old Chinese multiprocessing tutorials were: ``print "hello",
os.getpid()``, ``print x,``, ``except Exception, e:``, ``xrange``, ``d.iteritems()``,
``f.func_name``. Everything here parses and converts in milliseconds, with the real library;
one converted program runs under the current interpreter (``slow``).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest
from fissix import refactor

from lessonkit.importing.python2 import DESCRIPTIONS, FIXERS, Python2Error, python2_signs, upgrade

TUTORIAL = """\
# -*- coding: utf-8 -*-
import os
from multiprocessing import Process

def info(title):
    print title
    print 'module name:', __name__
    print 'process id:', os.getpid()

def f(name):
    info('function f')
    print 'hello', name

if __name__ == '__main__':
    for i in xrange(3):
        print i,
    print
    d = {'a': 1}
    for k, v in d.iteritems():
        print k, v
    print f.func_name
    try:
        p = Process(target=f, args=('bob',))
        p.start()
        p.join()
    except Exception, e:
        print >>sys.stderr, e
"""
"""A lesson's program as a Python 2 tutorial wrote it."""

PYTHON3 = """\
import queue
from multiprocessing import Process, Queue


class Node:
    def __init__(self, value):
        self.value = value
        self.next = None


def worker(q, name):
    q.put(f"hello {name}")


if __name__ == "__main__":
    q = Queue()
    p = Process(target=worker, args=(q, "bob"))
    p.start()
    print(q.get(), end="")
    p.join()
    try:
        q.get_nowait()
    except queue.Empty as e:
        print("empty", e)
    d = {"a": 1}
    print(d.keys(), list(map(str, range(3))), worker.__name__)
    head = Node(1)
    head.next = Node(2)
    print(head.next.value, next(iter([1])))
    namespace = {}
    exec("x = 1", namespace)
"""
"""A Python 3 lesson: ``Queue`` of multiprocessing, a ``.next`` of its own, exec() and print(end=...)."""


def test_the_signs_of_a_python2_lesson_name_each_construct_and_line():
    assert python2_signs(TUTORIAL) == [
        "line 6: print statement",
        "line 7: print statement",
        "line 8: print statement",
        "line 12: print statement",
        "line 15: xrange (Python 3: range)",
        "line 16: print x, (trailing comma)",
        "line 17: print statement (a bare print)",
        "line 19: .iteritems (Python 3: .items())",
        "line 20: print statement",
        "line 21: print statement",
        "line 21: .func_name (Python 3: .__name__)",
        "line 26: except E, e",
        "line 27: print >>f, ... (print to a file)",
    ]


@pytest.mark.parametrize(
    ("code", "sign"),
    [
        ("import os\nprint 'hello', os.getpid()\n", "line 2: print statement"),
        ("x = 1\nprint x,\n", "line 2: print x, (trailing comma)"),
        ("try:\n    pass\nexcept Exception, e:\n    pass\n", "line 3: except E, e"),
        ('raise ValueError, "bad value"\n', "line 1: raise E, message"),
        ('exec "x = 1"\n', "line 1: exec statement"),
        ("x = `1`\n", "line 1: backticks `x` (repr)"),
        ("b = 1 <> 2\n", "line 1: <> (not equal)"),
        ("import os\nos.chmod('a.txt', 0777)\n", "line 2: octal number 0777"),
        ("n = 10L\n", "line 1: long integer 10L"),
        ("s = ur'a'\n", "line 1: ur'...' string"),
        ("def f((a, b)):\n    return a\n", "line 1: tuple parameter (a, b)"),
        ("x = [i for i in 1, 2]\n", "line 1: for x in 1, 2 in a comprehension (a tuple without parentheses)"),
        (  # Python 2 read a tab as 8 columns
            "if True:\n\tx = 1\n        y = 2\n",
            "line 3: inconsistent use of tabs and spaces in indentation in Python 3, "
            "which the Python 2 grammar reads",
        ),
    ],
)
def test_python2_syntax_is_a_sign(code: str, sign: str):
    with pytest.raises(SyntaxError):
        ast.parse(code)
    assert python2_signs(code) == [sign]
    assert ast.parse(upgrade(code).code)


@pytest.mark.parametrize(
    ("code", "sign"),
    [
        ("for i in xrange(3):\n    print(i)\n", "line 1: xrange (Python 3: range)"),
        ("name = raw_input()\n", "line 1: raw_input (Python 3: input)"),
        ("def f():\n    pass\nprint(f.func_name)\n", "line 3: .func_name (Python 3: .__name__)"),
        ("d = {}\nfor k, v in d.iteritems():\n    print(k, v)\n", "line 2: .iteritems (Python 3: .items())"),
        ("d = {}\nprint(d.has_key('a'))\n", "line 2: .has_key (Python 3: in)"),
        ("s = unicode(1)\n", "line 1: unicode (Python 3: str)"),
        ("print(isinstance('a', basestring))\n", "line 1: basestring (Python 3: str)"),
        ("import sys\nprint(sys.maxint)\n", "line 2: .maxint (Python 3: .maxsize)"),
        ("import Queue\n", "line 1: module Queue (Python 3: queue)"),
        ("print(reduce(lambda a, b: a + b, [1, 2]))\n", "line 1: reduce (Python 3: functools.reduce)"),
        ("import sys\nprint >>sys.stderr, 'error'\n", "line 2: print >>f, ... (print to a file)"),
    ],
)
def test_python2_names_that_fail_at_run_time_are_signs_in_python3_syntax(code: str, sign: str):
    ast.parse(code)
    assert python2_signs(code) == [sign]


def test_python2_names_in_python3_syntax_are_converted_and_print_stays_a_call():
    result = upgrade("for i in xrange(2):\n    print('item', i)\n")
    assert result.code == "for i in range(2):\n    print('item', i)\n"  # not print(('item', i))
    assert result.changes_en == [
        "xrange() → range() (and range() → list(range()) where Python 2 made a list) (line 1)"
    ]


def test_python3_code_has_no_signs_and_is_left_as_it_is():
    assert python2_signs(PYTHON3) == []
    assert upgrade(PYTHON3).code == PYTHON3
    assert upgrade(PYTHON3).changes == []


@pytest.mark.parametrize(
    "code",
    [
        "xrange = range\nfor i in xrange(3):\n    print(i)\n",  # the program's own xrange
        "def unicode(x):\n    return str(x)\nprint(unicode(1))\n",
        "class Table:\n    def iteritems(self):\n        return []\nprint(Table().iteritems())\n",
        "match 1:\n    case 1:\n        print(xrange(3))\n",  # newer than Python 2's grammar: not Python 2
        "print\n",  # a bare print does nothing in Python 3, but fails nothing
        "",
    ],
)
def test_python3_code_without_python2_failures_has_no_signs(code: str):
    assert python2_signs(code) == []
    assert upgrade(code).code == code


@pytest.mark.parametrize(
    ("code", "line"),
    [
        ("for i in range(3)\n    print i\n", 1),  # no colon, in Python 2 as in Python 3
        ("print 'hello\n", 1),
        ("def f(:\n    pass\n", 1),
        ("if True:\n    x = 1\n  y = 2\n", 3),
        ("x = 1\nf() = x\n", 2),  # the Python 2 grammar reads it, Python 2 rejects it
        ("async = 1\n", 1),
    ],
)
def test_broken_code_has_no_signs_and_does_not_upgrade(code: str, line: int):
    assert python2_signs(code) == []
    with pytest.raises(Python2Error, match=f"^neither Python 3 nor Python 2: line {line}: "):
        upgrade(code)


def test_python2_code_broken_elsewhere_shows_its_signs_but_does_not_upgrade():
    code = "print 'hello'\nf() = 1\n"
    assert python2_signs(code) == ["line 1: print statement"]
    message = r"^Python 2 that does not convert to Python 3: line 2: .* \(line 1: print statement\)$"
    with pytest.raises(Python2Error, match=message):
        upgrade(code)


def test_upgrade_lists_each_fixers_change_with_its_lines_in_english_and_chinese():
    result = upgrade(TUTORIAL)
    assert [(change.fixer, change.lines) for change in result.changes] == [
        ("print", (6, 7, 8, 12, 16, 17, 20, 21, 27)),
        ("xrange", (15,)),
        ("dict", (19,)),
        ("funcattrs", (21,)),
        ("except", (26,)),
    ]
    assert result.changes_en[0] == (
        "print statement → print() function (lines 6, 7, 8, 12, 16, 17, 20, 21, 27)"
    )
    assert result.changes_en[3] == "f.func_name → f.__name__ (and the other func_* attributes) (line 21)"
    assert result.changes_en[4] == "except E, e → except E as e (line 26)"
    assert str(result.changes[4]) == result.changes_en[4]
    assert result.changes_zh[0] == "print 语句 → print() 函数（第 6、7、8、12、16、17、20、21、27 行）"
    assert result.changes_zh[4] == "except E, e → except E as e（第 26 行）"
    lines = result.code.split("\n")
    assert lines[11] == "    print('hello', name)"
    assert lines[15:17] == ["        print(i, end=' ')", "    print()"]
    assert lines[18:21] == ["    for k, v in d.items():", "        print(k, v)", "    print(f.__name__)"]
    assert lines[25:27] == ["    except Exception as e:", "        print(e, file=sys.stderr)"]
    assert python2_signs(result.code) == []


def test_future_print_function_keeps_print_calls():
    code = (
        "from __future__ import print_function\ntry:\n    pass\nexcept Exception, e:\n    print(e, end='')\n"
    )
    assert python2_signs(code) == ["line 4: except E, e"]
    result = upgrade(code)
    assert "print(e, end='')" in result.code
    assert [change.fixer for change in result.changes] == ["future", "except"]


def test_tabs_that_python2_read_as_8_columns_become_spaces():
    result = upgrade("if True:\n\tprint 1\n        print 2\n")
    assert result.code == "if True:\n        print(1)\n        print(2)\n"
    assert [(change.fixer, change.lines) for change in result.changes] == [("print", (2, 3)), ("tabs", (2,))]


def test_every_fixer_that_runs_is_described():
    tool = refactor.RefactoringTool(list(FIXERS))
    names = {type(fixer).__module__.rsplit(".fix_", 1)[-1] for fixer in tool.pre_order + tool.post_order}
    assert names == DESCRIPTIONS.keys() - {"tabs"}
    assert "print" in names and "import" not in names  # a lesson's program is in no package


RUNNABLE = """\
# -*- coding: utf-8 -*-
from multiprocessing import Pool, Process, Queue

def square(x):
    return x * x

def worker(q, name):
    q.put(u'你好, %s' % name)

if __name__ == '__main__':
    pool = Pool(2)
    print "squares:", pool.map(square, xrange(5))
    pool.close()
    pool.join()
    q = Queue()
    p = Process(target=worker, args=(q, 'bob'))
    p.start()
    print q.get()
    p.join()
    print "exit code:", p.exitcode
    for k, v in {'a': 1}.iteritems():
        print k, v
    print square.func_name
    for i in range(3):
        print i,
    print
    try:
        raise ValueError, "bad value"
    except ValueError, e:
        print "caught:", e
"""
"""A Python 2 program whose output does not depend on timing: results come back in order."""


@pytest.mark.slow  # runs a program
def test_a_converted_program_runs_under_python3(tmp_path):
    with pytest.raises(SyntaxError):
        ast.parse(RUNNABLE)
    program = tmp_path / "lesson.py"
    program.write_text(upgrade(RUNNABLE).code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(program)],
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # "0 1 2 " ends with a space where Python 2 printed none: 2to3's print(i, end=' ')
    assert done.stdout == (
        "squares: [0, 1, 4, 9, 16]\n你好, bob\nexit code: 0\na 1\nsquare\n0 1 2 \ncaught: bad value\n"
    )


def test_the_module_does_not_import_mkdocs():
    code = "import sys, lessonkit.importing.python2; print(sorted(m for m in sys.modules if 'mkdocs' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout == "[]\n"
