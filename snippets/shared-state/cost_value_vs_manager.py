import time
from multiprocessing import Lock, Manager, Process, Value

N = 2_000


def add_to_value(v):
    start = time.perf_counter()
    for _ in range(N):
        with v.get_lock():
            v.value += 1
    print(f"Value：{N} 次，用时 {time.perf_counter() - start:.3f} 秒")


def add_to_dict(d, lock):
    start = time.perf_counter()
    for _ in range(N):
        with lock:
            d["count"] += 1
    print(f"Manager 字典：{N} 次，用时 {time.perf_counter() - start:.3f} 秒")


if __name__ == "__main__":
    v = Value("i", 0)
    with Manager() as manager:
        d = manager.dict(count=0)
        lock = Lock()
        for target, args in [(add_to_value, (v,)), (add_to_dict, (d, lock))]:
            p = Process(target=target, args=args)
            p.start()
            p.join()
        print(f"结果：{v.value} 和 {d['count']}")
