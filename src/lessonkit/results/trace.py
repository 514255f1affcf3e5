"""What each process of one run did, built from the tracer's raw events.

Pure data: no MkDocs, no processes. The raw events come from
:mod:`lessonkit.running.tracer`; :func:`build_trace` turns them into the ``trace``
of ``outcomes.json``, which the timeline is drawn from:

- ``processes``: one entry per process, in the order they appeared: its name, its role
  (``main``, ``child`` or ``helper``), whether it was a daemon, its exit code, and what
  ended it early (``terminated_by``: ``main_end`` when ``multiprocessing`` stopped a daemon
  because the main process's code had finished, ``terminate()`` or ``kill()`` when a
  process called them), or None;
- ``events``: in time order, each with ``t`` (seconds since the main process started),
  the ``process`` it belongs to and its ``kind``: ``start`` (this process started
  ``child``), ``print`` (a line it wrote, ``text``, on ``stream``), ``join`` (``phase``
  begin or end, waiting for ``child``), ``terminate`` (this process stopped ``child``;
  ``reason`` ``main_end`` or ``call``) and ``exit`` (with ``exitcode``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lessonkit.running.output import apply_screen

HELPERS = {"forkserver": "forkserver", "resource_tracker": "resource tracker"}
"""Roles of the helper processes multiprocessing starts, and the names they are shown with."""

MAIN = "MainProcess"


def build_trace(
    events: Sequence[dict[str, Any]],
    returncode: int | None,
    output: str | None = None,
    *,
    stopped: float | None = None,
) -> dict[str, Any] | None:
    """Return the trace of one run, or None when it recorded nothing (tracing was off).

    Parameters:
        events: The tracer's events, as read back by the runner.
        returncode: The main process's exit code, as the supervisor saw it.
        output: The run's output. When given, it is the truth about what was printed: the
            ``print`` events become its lines, in its order, each with the process whose
            recorded write it matches (``null`` for a line no traced write explains, such
            as one a C extension wrote), and recorded lines that never reached the output
            (the process was killed first) are dropped.
        stopped: The run never ended: it was stopped (stuck, or at its timeout) this many seconds
            after its last traced event, so the main process's last event says so, at that time,
            instead of an exit code. None: it ended.
    """
    ordered = sorted(events, key=lambda event: event["t"])
    main_pid = next((e["pid"] for e in ordered if e["kind"] == "process" and e.get("role") == "main"), None)
    if main_pid is None:
        return None
    start = next(e["t"] for e in ordered if e["pid"] == main_pid)
    builder = _TraceBuilder(main_pid=main_pid, start=start)
    for event in ordered:
        builder.add(event)
    trace = builder.finish(returncode, stopped=stopped)
    if output is not None:
        trace["events"] = _aligned(trace["events"], output)
    for event in trace["events"]:  # ordered by nanoseconds: two events 0.1 ms apart keep their order
        event.pop("_ns", None)
    return trace


def _aligned(events: list[dict[str, Any]], output: str) -> list[dict[str, Any]]:
    """Return *events* with the print events replaced by the output's lines, attributed."""
    recorded = [e for e in events if e["kind"] == "print"]
    # A terminal shows a line's carriage returns and backspaces applied (unless screen="off").
    screens = [{e["text"].rstrip(), apply_screen(e["text"]).rstrip()} for e in recorded]
    used = [False] * len(recorded)
    prints = []
    previous = {"t": 0.0, "_ns": 0}  # the time of the latest line so far: output order is time order
    for line in output.splitlines():
        match = next((i for i in range(len(recorded)) if not used[i] and line.rstrip() in screens[i]), None)
        if match is None:
            prints.append({**previous, "process": None, "kind": "print", "text": line, "stream": None})
            continue
        used[match] = True
        if recorded[match]["_ns"] > previous["_ns"]:
            previous = {"t": recorded[match]["t"], "_ns": recorded[match]["_ns"]}
        prints.append({**recorded[match], **previous, "text": line})
    others = [e for e in events if e["kind"] != "print"]
    return sorted(others + prints, key=lambda event: event["_ns"])


class _TraceBuilder:
    def __init__(self, *, main_pid: int, start: int) -> None:
        self.start = start
        self.names: dict[int, str] = {main_pid: MAIN}
        self.processes: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.lines: dict[tuple[int, str], str] = {}
        self.main_end: int | None = None
        self.called: dict[str, str] = {}
        self.last = start
        self._process(MAIN, "main", daemon=False)

    def _seconds(self, t: int) -> float:
        return round((t - self.start) / 1e9, 4)

    def _process(self, name: str, role: str, daemon: bool = False) -> dict[str, Any]:
        if name not in self.processes:
            self.processes[name] = {
                "name": name,
                "role": role,
                "daemon": daemon,
                "exitcode": None,
                "terminated_by": None,
            }
        return self.processes[name]

    def _name(self, pid: int) -> str:
        if pid not in self.names:
            self.names[pid] = f"pid {pid}"
            self._process(self.names[pid], "child")
        return self.names[pid]

    def _event(self, t: int, process: str, kind: str, **fields: Any) -> None:
        self.events.append({"t": self._seconds(t), "_ns": t, "process": process, "kind": kind, **fields})

    def add(self, event: dict[str, Any]) -> None:
        kind, pid, t = event["kind"], event["pid"], event["t"]
        self.last = max(self.last, t)
        if kind == "process" and event.get("role") in HELPERS:
            self.names[pid] = HELPERS[event["role"]]
            self._process(self.names[pid], "helper")
        elif kind == "start":
            child = str(event.get("child"))
            if isinstance(event.get("child_pid"), int):
                self.names[event["child_pid"]] = child
            self._process(child, self._child_role(event), daemon=bool(event.get("daemon")))
            self._event(t, self._name(pid), "start", child=child, daemon=bool(event.get("daemon")))
        elif kind == "bootstrap":
            name = str(event.get("name"))
            self.names[pid] = name
            self._process(name, self._child_role(event), daemon=bool(event.get("daemon")))
        elif kind == "write" and isinstance(event.get("text"), str):
            self._write(pid, str(event.get("stream", "stdout")), event["text"], t)
        elif kind == "join":
            waiter, child = self._name(pid), str(event.get("child"))
            phase = "end" if event.get("phase") == "end" else "begin"
            self._event(t, waiter, "join", child=child, phase=phase)
        elif kind == "reaped":
            self._reaped(event, pid, t)
        elif kind in ("terminate", "kill"):
            child = str(event.get("child"))
            self.called[child] = f"{kind}()"
            self._event(t, self._name(pid), "terminate", child=child, reason="call", how=f"{kind}()")
        elif kind == "main_end" and pid in self.names and self.names[pid] == MAIN:
            self.main_end = t
        elif kind == "exit":
            name = self._name(pid)
            self._flush(pid, t)
            self.processes[name]["exitcode"] = event.get("exitcode")
            self._event(t, name, "exit", exitcode=event.get("exitcode"))

    @staticmethod
    def _child_role(event: dict[str, Any]) -> str:
        """A started process is a helper when it is a ``Manager``'s server, else a child."""
        return "helper" if event.get("helper") == "manager" else "child"

    def _write(self, pid: int, stream: str, text: str, t: int) -> None:
        """Split what a process wrote into lines; a line counts when its newline is written."""
        pending = self.lines.pop((pid, stream), "") + text
        *complete, rest = pending.split("\n")
        for line in complete:
            self._event(t, self._name(pid), "print", text=line, stream=stream)
        if rest:
            self.lines[(pid, stream)] = rest

    def _flush(self, pid: int, t: int) -> None:
        """Count what a process wrote without a final newline, when it ends."""
        for owner, stream in [key for key in self.lines if key[0] == pid]:
            self._event(t, self._name(pid), "print", text=self.lines.pop((owner, stream)), stream=stream)

    def _reaped(self, event: dict[str, Any], pid: int, t: int) -> None:
        """A parent learnt a child's exit code: the only record of a child killed by a signal."""
        child = str(event.get("child"))
        exitcode = event.get("exitcode")
        record = self._process(child, "child")
        if not isinstance(exitcode, int) or exitcode >= 0 or record["exitcode"] is not None:
            return
        if child in self.called:
            record["terminated_by"] = self.called[child]
        elif event.get("at_exit") and record["daemon"]:
            when = self.main_end if self.main_end is not None else t
            self._event(when, self._name(pid), "terminate", child=child, reason="main_end")
            record["terminated_by"] = "main_end"
        record["exitcode"] = exitcode
        self._event(t, child, "exit", exitcode=exitcode)

    def finish(self, returncode: int | None, *, stopped: float | None = None) -> dict[str, Any]:
        for pid in {owner for owner, _ in self.lines}:
            name = self._name(pid)
            if (self.processes[name]["exitcode"] or 0) >= 0:
                self._flush(pid, self.last)  # flushed as the process exited
            # A process killed by a signal never flushed it: that text was not printed.
        self.lines.clear()
        self.processes[MAIN]["exitcode"] = returncode
        if stopped is not None:  # after everything it printed, when it was stopped
            self._event(self.last + max(1, int(stopped * 1e9)), MAIN, "exit", exitcode=None, stopped=True)
        else:
            self._event(self.last, MAIN, "exit", exitcode=returncode)
        self.events.sort(key=lambda event: event["_ns"])  # stable: same-time events keep their order
        return {"processes": list(self.processes.values()), "events": self.events}


_WORDS = {
    "en": {
        "at": "{t:.3f} s: {what}",
        "start": "{process} starts {child}",
        "start_daemon": "{process} starts {child} (a daemon)",
        "print": "{process} prints “{text}”",
        "print_unknown": "a line no traced write explains: “{text}”",
        "join_begin": "{process} waits for {child} (join)",
        "join_end": "{child} has ended, so {process} stops waiting",
        "terminate_main_end": "{process}'s code has finished: multiprocessing terminates the daemon {child}",
        "terminate_call": "{process} calls {how} on {child}",
        "exit": "{process} exits with code {code}",
        "exit_signal": "{process} is ended by signal {signal} (exit code {code})",
        "stopped": "{process} never ends: the run is stopped with all its processes",
    },
    "zh": {
        "at": "{t:.3f} 秒：{what}",
        "start": "{process} 启动 {child}",
        "start_daemon": "{process} 启动 {child}（守护进程）",
        "print": "{process} 打印 “{text}”",
        "print_unknown": "一行无法对应到任何进程写出的内容：“{text}”",
        "join_begin": "{process} 等待 {child} 结束（join）",
        "join_end": "{child} 已结束，{process} 不再等待",
        "terminate_main_end": "{process} 的代码执行完毕，multiprocessing 终止守护进程 {child}",
        "terminate_call": "{process} 对 {child} 调用 {how}",
        "exit": "{process} 退出，退出码 {code}",
        "exit_signal": "{process} 被信号 {signal} 终止（退出码 {code}）",
        "stopped": "{process} 一直没有结束：这次运行连同所有进程一起被停止",
    },
}


def describe_events(trace: dict[str, Any], language: str) -> list[str]:
    """Return each event of *trace* as a sentence in *language* (``zh`` or ``en``), in time order.

    This is the timeline's text alternative, and what ``lessonkit run --trace`` prints.
    """
    words = _WORDS[language]
    sentences = []
    for event in trace["events"]:
        kind, process = event["kind"], event["process"]
        if kind == "start":
            what = words["start_daemon" if event.get("daemon") else "start"].format(
                process=process, child=event["child"]
            )
        elif kind == "print":
            key = "print" if process is not None else "print_unknown"
            what = words[key].format(process=process, text=event["text"])
        elif kind == "join":
            key = "join_begin" if event["phase"] == "begin" else "join_end"
            what = words[key].format(process=process, child=event["child"])
        elif kind == "terminate":
            key = "terminate_main_end" if event.get("reason") == "main_end" else "terminate_call"
            what = words[key].format(process=process, child=event["child"], how=event.get("how", ""))
        elif event.get("stopped"):
            what = words["stopped"].format(process=process)
        else:
            code = event.get("exitcode")
            key = "exit_signal" if isinstance(code, int) and code < 0 else "exit"
            what = words[key].format(
                process=process, code=code, signal=-code if isinstance(code, int) else ""
            )
        sentences.append(words["at"].format(t=event["t"], what=what))
    return sentences
