"""Every run is contained: nothing outlives it, nothing in it reaches the builder, limits hold.

Each test reproduces one escape found on main before runs were sandboxed. Tests that
need the sandbox skip, saying why, where bubblewrap cannot run; CI sets
``LESSONKIT_REQUIRE_SANDBOX=1``, which turns that skip into a failure.
"""

from __future__ import annotations

import os
import resource
import socket
import textwrap
import uuid

import pytest
from support import ROOT, marked_processes

from lessonkit.results.checks import find_problem
from lessonkit.running.limits import ResourceLimits
from lessonkit.running.options import RunOptions
from lessonkit.running.runner import ExampleResult, run_example
from lessonkit.running.sandbox import Isolation, sandbox_support
from lessonkit.running.start_method import StartMethod

pytestmark = pytest.mark.slow  # runs programs or builds sites


def _sandbox_or_skip() -> None:
    support = sandbox_support()
    if support.available:
        return
    if os.environ.get("LESSONKIT_REQUIRE_SANDBOX") == "1":
        pytest.fail(f"LESSONKIT_REQUIRE_SANDBOX=1 but examples cannot be sandboxed: {support.reason}")
    pytest.skip(f"examples cannot be sandboxed here: {support.reason}")


@pytest.fixture(params=[Isolation.REQUIRED, Isolation.OFF], ids=["sandbox", "unisolated"])
def isolation(request: pytest.FixtureRequest) -> Isolation:
    """Both ways a run can go: in the sandbox, and directly under the supervisor alone."""
    if request.param is Isolation.REQUIRED:
        _sandbox_or_skip()
    return request.param


@pytest.fixture
def sandboxed() -> Isolation:
    """Only in the sandbox: what it alone can promise."""
    _sandbox_or_skip()
    return Isolation.REQUIRED


def run_marked(code: str, isolation: Isolation, **kwargs) -> tuple[ExampleResult, str]:
    """Run *code*, marking each of its processes (see ``marked_processes``); return result and mark."""
    marker = f"lkmark_{uuid.uuid4().hex[:12]}"
    source = f"import os as _os\n_os.environ['LESSONKIT_TEST_MARK'] = {marker!r}\n" + textwrap.dedent(code)
    kwargs.setdefault("timeout", 20)
    kwargs.setdefault("start_method", StartMethod.FORK)
    result = run_example(source, filename=f"{marker}.py", isolation=isolation, **kwargs)
    return result, marker


def options(**kwargs) -> RunOptions:
    return RunOptions(start_methods=(StartMethod.FORK,), timeout=20, **kwargs)


def test_a_classic_double_fork_daemon_fails_the_run_and_is_killed(isolation: Isolation) -> None:
    code = """
        import os, sys, time

        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                devnull = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(devnull, fd)
                time.sleep(600)
            os._exit(0)
        print("main exits, the daemon lives on", flush=True)
    """
    result, marker = run_marked(code, isolation)
    assert result.left_running and not result.timed_out, result
    assert result.returncode == 0
    assert [process for process in result.left if process["detached"]], result.left
    assert marked_processes(marker) == []
    problem = find_problem(result, options())
    assert problem is not None and "detached into its own session" in problem


@pytest.mark.parametrize("detach", ["os.setsid()", "os.setpgid(0, 0)"])
def test_a_detached_child_of_a_hanging_main_dies_at_the_timeout(isolation: Isolation, detach: str) -> None:
    code = f"""
        import os, time

        if os.fork() == 0:
            {detach}
            time.sleep(600)
        time.sleep(600)
    """
    result, marker = run_marked(code, isolation, timeout=2)
    assert result.timed_out and result.returncode is None
    assert marked_processes(marker) == []


def test_the_builders_secrets_and_processes_are_out_of_reach(
    sandboxed: Isolation, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"ghp_{uuid.uuid4().hex}"
    monkeypatch.setenv("GITHUB_TOKEN", secret)
    code = f"""
        import os
        seen = []
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    seen.append(open(f"/proc/{{pid}}/environ", "rb").read())
                except OSError:
                    pass
        print("processes visible:", len(seen))
        print("secret found:", any({secret!r}.encode() in environ for environ in seen))
    """
    result, _ = run_marked(code, sandboxed)
    assert "secret found: False" in result.output, result.output
    assert secret not in result.output
    visible = int(result.output.split("processes visible: ")[1].split()[0])
    assert visible <= 4, "only the sandbox's own processes: its init, the supervisor, the example"


def test_a_local_service_of_the_builder_cannot_be_reached(sandboxed: Isolation) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        code = f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=3).close()
                print("connected")
            except OSError as error:
                print("refused:", type(error).__name__)
        """
        result, _ = run_marked(code, sandboxed)
    assert result.output.startswith("refused: ConnectionRefusedError"), result.output


def test_loopback_inside_the_sandbox_still_serves_a_manager(sandboxed: Isolation) -> None:
    code = """
        from multiprocessing.managers import SyncManager

        if __name__ == "__main__":
            with SyncManager(address=("127.0.0.1", 0)) as manager:
                shared = manager.list([1, 2])
                shared.append(3)
                print(list(shared))
    """
    result, _ = run_marked(code, sandboxed, start_method=StartMethod.SPAWN)
    assert (result.returncode, result.output) == (0, "[1, 2, 3]\n"), result.output


def test_the_system_is_read_only_and_the_home_is_private(sandboxed: Isolation) -> None:
    import sys
    from pathlib import Path

    home = Path.home()
    code = f"""
        import os, pathlib
        for path in ("/usr/lib/lessonkit-was-here", os.path.expanduser("~/ok"), "/tmp/ok", "ok"):
            try:
                pathlib.Path(path).write_text("x")
                print("wrote", path)
            except OSError as error:
                print("refused", path, error.strerror)
        home = {str(home)!r}
        print(sorted(os.listdir(home)) if os.path.isdir(home) else [])
        print(os.path.exists({str(ROOT)!r}))
    """
    result, _ = run_marked(code, sandboxed)
    lines = result.output.splitlines()
    assert lines[0] == "refused /usr/lib/lessonkit-was-here Read-only file system", result.output
    assert lines[1:4] == ["wrote ~/ok", "wrote /tmp/ok", "wrote ok"], result.output
    # The builder's home shows at most the way down to the Python installation, which is mounted.
    python_dirs = (
        [Path(sys.base_prefix).relative_to(home).parts[0]]
        if Path(sys.base_prefix).is_relative_to(home)
        else []
    )
    assert eval(lines[4]) == python_dirs, result.output
    assert lines[5] == "False", "the project's checkout is not mounted"


def test_a_child_allocating_4_gib_is_stopped_at_the_memory_limit(isolation: Isolation) -> None:
    code = """
        import time
        from multiprocessing import Process

        def hog():
            blocks = []
            for step in range(40):  # 40 x 100 MiB: never more than 4 GiB, even unlimited
                blocks.append(b"\\1" * (100 << 20))
                print("allocated", (step + 1) * 100, "MiB", flush=True)
                time.sleep(0.05)

        if __name__ == "__main__":
            p = Process(target=hog)
            p.start()
            p.join()
    """
    result, marker = run_marked(code, isolation)
    assert result.limit == "max_memory", result.output[-500:]
    assert result.limit_allowed == 1024**3 and result.limit_used > 1024**3
    assert "allocated 4000 MiB" not in result.output
    assert marked_processes(marker) == []
    problem = find_problem(result, options())
    # Just over the limit, both sizes are given in bytes, so that they never read alike.
    assert problem is not None, result.output[-500:]
    assert "of memory, limit 1 GiB" in problem or "of memory, limit 1,073,741,824 bytes" in problem, problem


def test_300_processes_are_stopped_at_the_process_limit(isolation: Isolation) -> None:
    code = """
        import time
        from multiprocessing import Process

        if __name__ == "__main__":
            for number in range(1, 301):
                Process(target=time.sleep, args=(30,), daemon=True).start()
                print("started", number, flush=True)
    """
    result, marker = run_marked(code, isolation)
    assert result.limit == "max_processes", result.output[-300:]
    assert result.limit_allowed == 64 and result.limit_used > 64
    assert "started 300" not in result.output
    assert marked_processes(marker) == []
    problem = find_problem(result, options())
    assert problem is not None and "processes alive at once, limit 64 processes" in problem, problem


def test_a_200_mib_file_is_cut_at_the_file_size_limit(isolation: Isolation) -> None:
    code = """
        with open("big.bin", "wb") as handle:
            for _ in range(200):
                handle.write(b"\\0" * (1 << 20))
        print("wrote 200 MiB")
    """
    limits = ResourceLimits(max_file_size=8 * 1024**2)
    result, _ = run_marked(code, isolation, limits=limits, start_method=StartMethod.SPAWN)
    assert result.limit == "max_file_size"
    assert result.limit_used == 8 * 1024**2
    assert "wrote 200 MiB" not in result.output and "File too large" in result.output
    problem = find_problem(result, options())
    assert problem is not None and "wrote a file of 8 MiB, limit 8 MiB" in problem, problem


def test_a_fence_can_raise_a_limit() -> None:
    from lessonkit.running.options import RunDefaults, parse_run_options

    defaults = RunDefaults(start_methods=(StartMethod.FORK,), timeout=5)
    raised = parse_run_options(
        {"max_memory": "2GiB", "max_processes": "200"}, returncode=0, defaults=defaults
    )
    assert raised.limits == ResourceLimits(max_memory=2 * 1024**3, max_processes=200)
    with pytest.raises(ValueError, match='max_memory="lots"'):
        parse_run_options({"max_memory": "lots"}, returncode=0, defaults=defaults)


def test_more_than_1024_open_descriptors_in_the_builder(isolation: Isolation) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1200
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"the hard limit on open files is {hard}; this test needs {wanted}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    opened = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        result, _ = run_marked("print('fine')", isolation)
    finally:
        for fd in opened:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert (result.returncode, result.output) == (0, "fine\n")


def test_the_terminal_is_80x24_and_controlling(isolation: Isolation) -> None:
    code = """
        import os, shutil
        print(os.get_terminal_size(), shutil.get_terminal_size())
        fd = os.open("/dev/tty", os.O_RDWR)
        print("controlling terminal:", os.isatty(fd))
    """
    result, _ = run_marked(code, isolation)
    assert result.output == (
        "os.terminal_size(columns=80, lines=24) os.terminal_size(columns=80, lines=24)\n"
        "controlling terminal: True\n"
    ), result.output


def test_no_path_of_the_builders_machine_is_printed(isolation: Isolation) -> None:
    import sys
    from pathlib import Path

    code = """
        import os, sys, tempfile
        print(sys.prefix, sys.exec_prefix, sys.executable)
        print(sys.path)
        print(os.environ["PATH"], os.environ["HOME"], os.getcwd(), tempfile.gettempdir())
        print(os.path.abspath(__file__))
    """
    result, marker = run_marked(code, isolation, repo_root=ROOT)
    leaks = [sys.base_prefix, sys.prefix, str(Path.home()), str(ROOT), "/tmp/lessonkit-", ".venv", "pyenv"]
    assert [leak for leak in leaks if leak in result.output] == [], result.output
    assert f"{marker}.py" in result.output.splitlines()[-1]


def test_the_supervisor_sees_the_same_processes_through_ps_as_on_macos(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import subprocess
    import sys
    import time

    from lessonkit.running import supervisor

    code = (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
        "time.sleep(30)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 10
        while not supervisor.descendants(child.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        through_proc = supervisor.descendants(child.pid, supervisor._proc_table())
        ps_table = supervisor._ps_table()
        assert len(through_proc) == 1
        assert supervisor.descendants(child.pid, ps_table) == through_proc
        monkeypatch.setattr(supervisor, "HAS_PROC", False)
        assert supervisor.memory_of([child.pid, *through_proc], 1, ps_table) > 1024**2
    finally:
        for pid in [child.pid, *supervisor.descendants(child.pid)]:
            os.kill(pid, 9)
        child.wait()


def test_the_example_inherits_no_descriptor_but_its_terminal(isolation: Isolation) -> None:
    code = """
        import os
        print(sorted(int(fd) for fd in os.listdir("/dev/fd")))
    """
    result, _ = run_marked(code, isolation)
    # 0-2 and the descriptor listdir itself opens: not the supervisor's report pipe, which
    # an example could otherwise use to forge its own verdict.
    assert eval(result.output) == [0, 1, 2, 3], result.output


def test_a_limit_message_never_shows_used_and_allowed_alike() -> None:
    limits = ResourceLimits()
    assert limits.describe_over("max_memory", int(1.3 * 1024**3), 1024**3) == ("1.3 GiB", "1 GiB")
    assert limits.describe_over("max_memory", 1024**3 + 4096, 1024**3) == (
        "1,073,745,920 bytes",
        "1,073,741,824 bytes",
    )
    assert limits.describe_over("max_processes", 65, 64) == ("65 processes", "64 processes")
