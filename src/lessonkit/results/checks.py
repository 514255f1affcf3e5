"""Decide whether a run went the way its fence says it should."""

from __future__ import annotations

from lessonkit.running.limits import ResourceLimits
from lessonkit.running.options import RunOptions, Spelling, fence_spelling
from lessonkit.running.runner import TRACEBACK_BYTES, ExampleResult

TRACEBACK_MARKER = TRACEBACK_BYTES.decode()
"""Printed by Python for an uncaught exception, in the main process or any child."""


def find_problem(result: ExampleResult, options: RunOptions, spell: Spelling = fence_spelling) -> str | None:
    """Return what went wrong with *result*, or None when it is what the fence declares.

    *spell* writes the options the message suggests, as the user's front end takes them.
    ``expect`` and ``returncode`` apply only under ``expect_methods``; under the other
    methods a run must exit 0 and print no traceback.
    """
    method = result.start_method.value
    declared = options.expects_under(result.start_method)
    returncode = options.returncode if declared else 0
    expect = options.expect if declared else None
    elsewhere = ""
    if not declared:
        methods = " ".join(m.value for m in options.expect_methods or ())
        elsewhere = f" (the block's {spell('expect', '...')} applies under {methods} only)"
    if result.limit is not None:
        used, allowed = ResourceLimits().describe_over(result.limit, result.limit_used, result.limit_allowed)
        what = {
            "max_memory": f"used {used} of memory, limit {allowed}, and was killed with all its processes",
            "max_processes": f"had {used} alive at once, limit {allowed}, and was killed with all of them",
            "max_file_size": f"wrote a file of {used}, limit {allowed}; writing more failed (File too large)",
        }[result.limit]
        return (
            f"under {method} it {what}. Make it use less, "
            f"or raise the limit for this block with {spell(result.limit, '...')}"
        )
    if options.stuck_after is not None:
        if result.stuck:
            return _check_output(result, expect, elsewhere, spell)
        stuck = spell("stuck_after", f"{options.stuck_after:g}")
        if result.timed_out:
            ended = f"was still running after {options.timeout:g} s without ever being stuck"
        elif result.left_running:
            ended = "exited, leaving processes running,"
        else:
            ended = f"exited with code {result.returncode} after {result.duration:.1f} s"
        return (
            f"under {method} it {ended}, but {stuck} says it hangs: that none of its processes "
            f"runs for {options.stuck_after:g} s. Make it hang in every run, or remove {stuck}"
        )
    if result.stuck:
        return (
            f"under {method} it got stuck: none of its processes ran for {result.stuck:g} s, each waiting "
            f"for another (a deadlock?). Fix it, or if it is meant to hang, declare "
            f"{spell('stuck_after', '2')}"
        )
    if result.timed_out:
        return (
            f"under {method} it was still running after {options.timeout:g} s and was killed "
            f"with all its child processes. Make it finish sooner, or raise {spell('timeout', 'SECONDS')}"
        )
    if result.left_running:
        left = "; ".join(_describe_left(process) for process in result.left) or "unknown processes"
        return (
            f"under {method} the main process exited, but processes it started kept running "
            f"and were killed: {left}. Join or terminate them before the main process exits"
        )
    if result.returncode != returncode:
        return (
            f"under {method} the main process exited with code {result.returncode}, "
            f"but {returncode} is expected{elsewhere}. Fix the example, or declare the "
            f"exit code with {spell('returncode', str(result.returncode))}"
        )
    return _check_output(result, expect, elsewhere, spell)


def _check_output(result: ExampleResult, expect: str | None, elsewhere: str, spell: Spelling) -> str | None:
    """Return what is wrong with the output: the ``expect`` text missing, or an undeclared traceback."""
    method = result.start_method.value
    if expect is not None:
        if expect not in result.output:
            return (
                f"under {method} the output does not contain {spell('expect', expect)}. "
                "Fix the example or the expect text"
            )
        return None
    if TRACEBACK_MARKER in result.output or result.traceback_after_cut:
        return (
            f"under {method} a process printed a traceback{elsewhere}. A child's crash leaves the "
            f"exit code at 0, so the output is checked too. Fix the example, or add "
            f"{spell('expect', 'TEXT')} naming the error the lesson means to show"
        )
    return None


def _describe_left(process: dict[str, object]) -> str:
    command = process.get("command") or process.get("name")
    detached = ", detached into its own session" if process.get("detached") else ""
    return f"pid {process.get('pid')} ({command}{detached})"
