"""The first process of every run: start the example, watch all it starts, and leave nothing behind.

This file runs on its own (``python -I -S supervisor.py --status-fd N LIMITS -- python NAME.py``),
inside the sandbox when there is one, so it imports nothing but the standard library.

It makes itself a child subreaper, so every process the example starts stays its
descendant, even one that double-forks and calls ``setsid()``. It lists those descendants
from ``/proc`` every ``POLL`` seconds while their number or memory changes, less often
(up to ``QUIET_POLL``) while they do not, and at once when a child exits; and:

- kills them all when they use more memory together, or are more, than the limits allow;
- kills them all when the run's time is up;
- with ``--stuck-after S`` (S > 0), kills them all once none of them has run for S seconds: every
  one waiting for another (a lock, a pipe, a join), none asleep for a set time (``time.sleep``
  wakes by itself), no CPU time added, none started or ended. A deadlock looks like that, however
  slowly a loaded machine got the run to it;
- once the main process has exited, gives the rest ``grace`` seconds to finish, then
  names and kills whatever is left. multiprocessing's own helpers (the resource tracker,
  the forkserver) exit by themselves once the main process has gone, but on a loaded
  machine they may not be scheduled in time, so while nothing else is left they get
  ``HELPER_GRACE`` times as long: what they print on the way out (a leaked-semaphore
  warning) is part of the output a learner sees.

With ``--input-fd N`` the example's stdin is its terminal, and the supervisor writes a byte
to descriptor N each time a process of the run waits to read a line from it (``/proc/PID/syscall``
shows ``read`` on descriptor 0): the runner then types the next line into the terminal, after the
prompt, as a learner would.

It writes what happened, as a Python literal, to the status pipe (a descriptor the example never
inherits, so it cannot forge it) and exits 0.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import resource
import signal
import sys
import termios
import time
from types import SimpleNamespace

POLL = 0.025
"""Seconds between two looks at the run's processes while they change."""

HELPER_GRACE = 5
"""How many times ``grace`` multiprocessing's helpers get to exit after the main process."""

_HELPERS = (
    b"from multiprocessing.resource_tracker import main",
    b"from multiprocessing.forkserver import main",
)
"""What the command line of a helper multiprocessing starts (``python -c ...``) holds."""

QUIET_POLL = 0.2
"""The longest wait between two looks, reached while nothing changes (examples mostly sleep)."""

_MEMORY_STEP = 16 * 1024 * 1024
"""Memory changes smaller than this do not count as a change."""

_PR_SET_CHILD_SUBREAPER = 36
_PAGE = os.sysconf("SC_PAGE_SIZE")

_READ_SYSCALL = {"x86_64": b"0", "aarch64": b"63", "arm64": b"63", "riscv64": b"63"}.get(os.uname().machine)
"""The number of the ``read`` system call, as ``/proc/PID/syscall`` shows it, on this machine."""

ProcessTable = dict[int, tuple[int, bool, int | None]]
"""``pid -> (parent pid, alive, resident bytes where the table knows them)``."""


def _arguments(argv: list[str]) -> SimpleNamespace:
    """Parse ``--name value ... -- command...`` (argparse alone would add 17 ms to every run)."""
    split = argv.index("--")
    names = {
        "--status-fd": int,
        "--poll": float,
        "--timeout": float,
        "--grace": float,
        "--max-memory": int,
        "--max-processes": int,
        "--max-file-size": int,
        "--input-fd": int,
        "--stuck-after": float,
    }
    values: dict[str, object] = {"poll": POLL, "input_fd": -1, "stuck_after": 0.0}
    options = argv[:split]
    for name, value in zip(options[::2], options[1::2], strict=True):
        values[name.removeprefix("--").replace("-", "_")] = names[name](value)
    missing = {name.removeprefix("--").replace("-", "_") for name in names} - set(values)
    if missing:
        raise SystemExit(f"supervisor: missing {', '.join(sorted(missing))}")
    return SimpleNamespace(**values, command=argv[split + 1 :])


def _become_subreaper() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _take_terminal() -> None:
    """Start a new session whose controlling terminal is the run's terminal, as a shell does."""
    try:
        os.setsid()
    except OSError:  # already a session leader (started directly, in a new session)
        pass
    if os.isatty(1):
        try:
            fcntl.ioctl(1, termios.TIOCSCTTY, 0)
        except OSError:
            pass


def _stat(pid: str) -> tuple[int, str, str] | None:
    """Return (parent pid, state, name) of *pid*, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], name


def activity(pids: list[int]) -> tuple[frozenset[int], int, bool]:
    """Return what shows that *pids* are doing something: who they are, their CPU time in clock
    ticks (all threads), and whether one of them is running, waiting to run, or asleep for a set
    time (``time.sleep``: it wakes by itself, so a run that sleeps is not stuck)."""
    ticks, busy = 0, False
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                text = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        busy = busy or fields[0] == "R" or _sleeping(pid)
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return frozenset(pids), ticks, busy


def _sleeping(pid: int) -> bool:
    """Whether *pid* waits in the kernel for a timer (``nanosleep``), not for another process."""
    try:
        with open(f"/proc/{pid}/wchan", "rb") as handle:
            return b"nanosleep" in handle.read()
    except OSError:
        return False


def _proc_table() -> ProcessTable:
    table: ProcessTable = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(entry)) is not None:
            parent, state, _ = stat
            table[int(entry)] = (parent, state not in ("Z", "X"), None)
    return table


def _ps_table() -> ProcessTable:
    """The process table from ``ps``, where there is no ``/proc`` (macOS); sizes from its RSS."""
    import subprocess  # only here: it costs every run on Linux 5 ms to import

    lines = subprocess.run(
        ["ps", "-axo", "pid=,ppid=,stat=,rss="], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    table: ProcessTable = {}
    for line in lines:
        fields = line.split()
        if len(fields) == 4 and fields[0].isdigit() and fields[1].isdigit():
            rss = int(fields[3]) * 1024 if fields[3].isdigit() else 0
            table[int(fields[0])] = (int(fields[1]), not fields[2].startswith("Z"), rss)
    return table


def process_table() -> ProcessTable:
    """Return ``pid -> (parent, alive, resident bytes or None)`` of every visible process."""
    return _proc_table() if HAS_PROC else _ps_table()


HAS_PROC = os.path.isdir("/proc/self")
"""Linux lists processes in ``/proc``; elsewhere (macOS) ``ps`` does."""


def descendants(root: int, table: ProcessTable | None = None) -> list[int]:
    """Return the live (not zombie) descendants of *root*."""
    table = process_table() if table is None else table
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found: list[int] = []
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return [pid for pid in found if table[pid][1]]


def _resident(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _proportional(pid: int) -> int:
    """Return the process's proportional share of memory (shared pages split among sharers)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return _resident(pid)


def memory_of(pids: list[int], limit: int, table: ProcessTable | None = None) -> int:
    """Return the memory *pids* use together.

    The resident sizes are summed first, which is cheap but counts pages a forked child
    shares with its parent twice; only when that sum passes *limit* is the fairer
    proportional size (``Pss``) read.
    """
    if not HAS_PROC:
        return sum((table or {}).get(pid, (0, False, 0))[2] or 0 for pid in pids)
    total = sum(_resident(pid) for pid in pids)
    if total <= limit:
        return total
    return sum(_proportional(pid) for pid in pids)


def _is_helper(pid: int) -> bool:
    """Whether *pid* is one of multiprocessing's helpers: a resource tracker or a forkserver."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read()
    except OSError:
        return False
    return any(marker in command for marker in _HELPERS)


def _describe(pid: int, main_session: int | None) -> dict[str, object]:
    stat = _stat(str(pid))
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        command = ""
    try:
        session = os.getsid(pid)
    except OSError:
        session = None
    return {
        "pid": pid,
        "name": stat[2] if stat else "?",
        "command": command[:200],
        "detached": main_session is not None and session is not None and session != main_session,
    }


def kill_all(root: int) -> None:
    """SIGKILL every descendant of *root*, again until none is left (a dying process may fork)."""
    for _ in range(200):
        pids = descendants(root)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _reap(None)
        time.sleep(0.005)


def _reap(main: int | None) -> int | None:
    """Reap every exited child (adopted orphans too); return the main process's wait status."""
    status_of_main = None
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status_of_main
        if pid == 0:
            return status_of_main
        if pid == main:
            status_of_main = status


def _reading_terminal(pids: list[int]) -> tuple[int, bytes] | None:
    """Return a process of *pids* that waits in ``read`` on its stdin, or None.

    It comes with the number of bytes it has read so far (``rchar``), so the same process
    waiting again, after it read a line, is told apart from it still waiting for the last one.
    """
    for pid in pids:
        try:
            with open(f"/proc/{pid}/syscall", "rb") as handle:
                fields = handle.read().split()
            if len(fields) > 1 and fields[0] == _READ_SYSCALL and fields[1] == b"0x0":
                with open(f"/proc/{pid}/io", "rb") as handle:
                    return pid, handle.read().split(b"\n", 1)[0]
        except OSError:
            continue
    return None


def _wait_for_child(seconds: float) -> None:
    """Wait *seconds*, or less if a child exits first (SIGCHLD is blocked, so it waits for us)."""
    if hasattr(signal, "sigtimedwait"):
        signal.sigtimedwait([signal.SIGCHLD], seconds)
    else:  # macOS has no sigtimedwait
        time.sleep(seconds)


def _start(command: list[str], max_file_size: int, terminal_stdin: bool) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, [])  # the example starts with no signal blocked
            if terminal_stdin:
                os.dup2(1, 0)  # the terminal: what the runner types there, the example reads
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_size, max_file_size))
            os.execvp(command[0], command)
        except BaseException as error:  # report and leave, whatever happened
            os.write(2, f"lessonkit: could not start {command[0]}: {error}\n".encode())
        finally:
            os._exit(127)
    return pid


def supervise(args: SimpleNamespace) -> dict[str, object]:
    """Run the command under watch and return what happened."""
    me = os.getpid()
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])  # delivered to sigtimedwait instead
    subreaper = _become_subreaper()
    _take_terminal()
    started = time.monotonic()
    typing = args.input_fd >= 0
    main = _start(args.command, args.max_file_size, typing)
    asked: object = None  # the wait the runner was last asked to type a line for
    deadline = started + args.timeout
    report: dict[str, object] = {"subreaper": subreaper, "outcome": "finished", "returncode": None}
    peak_memory = peak_processes = 0
    main_status: int | None = None
    main_exited_at: float | None = None
    main_session: int | None = None
    interval: float = args.poll
    last_state: tuple[int, int] = (0, 0)
    last_activity: tuple[frozenset[int], int, bool] | None = None
    active_at = started
    try:
        main_session = os.getsid(main)
    except OSError:
        pass
    while True:
        status = _reap(main)
        if status is not None and main_status is None:
            main_status = status
            main_exited_at = time.monotonic()
            report["returncode"] = os.waitstatus_to_exitcode(status)
        table = process_table()
        pids = descendants(me, table)
        now = time.monotonic()
        peak_processes = max(peak_processes, len(pids))
        if len(pids) > args.max_processes:
            report.update(outcome="limit", limit="max_processes", used=len(pids), allowed=args.max_processes)
            break
        memory = memory_of(pids, args.max_memory, table)
        peak_memory = max(peak_memory, memory)
        state = (len(pids), memory // _MEMORY_STEP)
        interval = args.poll if state != last_state else min(interval * 2, QUIET_POLL)
        last_state = state
        if memory > args.max_memory:
            report.update(outcome="limit", limit="max_memory", used=memory, allowed=args.max_memory)
            break
        if main_exited_at is not None:
            if not pids:
                break
            waited = now - main_exited_at
            helpers_only = waited > args.grace and all(_is_helper(pid) for pid in pids)
            if waited > args.grace and not (helpers_only and waited <= args.grace * HELPER_GRACE):
                report["outcome"] = "left_running"
                report["left"] = [_describe(pid, main_session) for pid in pids]
                break
        if args.stuck_after > 0 and main_exited_at is None:
            seen = activity(pids)
            if seen != last_activity or seen[2]:
                active_at, last_activity = now, seen
            elif now - active_at >= args.stuck_after:
                report.update(outcome="stuck", stuck=round(now - active_at, 2))
                break
            interval = min(interval, args.stuck_after / 4)
        if now >= deadline:
            report["outcome"] = "timed_out"
            break
        if typing:
            interval = args.poll  # a prompt waits for at most one look
            # Where /proc cannot tell (another architecture), every line is typed at once.
            waiting = _reading_terminal(pids) if _READ_SYSCALL is not None else "start"
            if waiting is not None and waiting != asked:
                os.write(args.input_fd, b"\n" if _READ_SYSCALL is not None else b"*")  # type
            asked = waiting  # asked again only once it has read and waits anew
        _wait_for_child(interval)
    kill_all(me)
    final = _reap(main)
    if main_status is None and final is not None:
        report["returncode"] = os.waitstatus_to_exitcode(final)
    report.update(peak_memory=peak_memory, peak_processes=peak_processes)
    return report


def main(argv: list[str] | None = None) -> int:
    """Entry point: supervise, write the status file, exit 0 (or 70 if supervision itself failed)."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    os.set_inheritable(args.status_fd, False)  # the example must not write our report
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        report = supervise(args)
    except Exception as error:  # reported through the status pipe
        report = {"outcome": "error", "error": f"{type(error).__name__}: {error}"}
        try:
            kill_all(os.getpid())
        except Exception:  # what could be killed was; the report says what failed
            pass
    with open(args.status_fd, "w", encoding="utf-8") as handle:
        handle.write(repr(report))  # a Python literal: json would add 10 ms to every run
    return 0 if report.get("outcome") != "error" else 70


if __name__ == "__main__":
    try:
        sys.exit(main())
    except OSError as error:
        if error.errno != errno.EPIPE:
            raise
