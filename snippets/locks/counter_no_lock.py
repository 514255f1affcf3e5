import time
from multiprocessing import Process


def read_count():
    with open("count.txt") as f:
        return int(f.read())


def write_count(n):
    with open("count.txt", "r+") as f:
        f.write(f"{n:04d}")


def add_one(times):
    for _ in range(times):
        n = read_count()
        time.sleep(0.01)
        write_count(n + 1)


if __name__ == "__main__":
    with open("count.txt", "w") as f:
        f.write("0000")
    ps = [Process(target=add_one, args=(10,)) for _ in range(3)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    total = read_count()
    print(f"应该是 30，实际是 {total}")
    print("有更新丢失" if total < 30 else "没有更新丢失")
