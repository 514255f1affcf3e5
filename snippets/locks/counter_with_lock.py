import time
from multiprocessing import Lock, Process, current_process


def read_count():
    with open("count.txt") as f:
        return int(f.read())


def write_count(n):
    with open("count.txt", "r+") as f:
        f.write(f"{n:04d}")


def add_one(lock, times):
    name = current_process().name
    for _ in range(times):
        with lock:
            n = read_count()
            time.sleep(0.01)
            write_count(n + 1)
            print(f"{name}: {n} -> {n + 1}")


if __name__ == "__main__":
    with open("count.txt", "w") as f:
        f.write("0000")
    lock = Lock()
    ps = [Process(target=add_one, args=(lock, 3)) for _ in range(3)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    print(f"应该是 9，实际是 {read_count()}")
