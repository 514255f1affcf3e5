import time
from multiprocessing import Process, current_process


def task():
    print(f"子进程里：current_process().name = {current_process().name}")
    time.sleep(0.5)


def show(when, p):
    state = f"is_alive()={p.is_alive()} exitcode={p.exitcode}"
    print(f"{when}：name={p.name} pid={p.pid} {state}")


if __name__ == "__main__":
    print(f"主进程里：current_process().name = {current_process().name}")
    p = Process(target=task)
    show("start 之前", p)
    p.start()
    show("start 之后", p)
    p.join()
    show("join 之后", p)
