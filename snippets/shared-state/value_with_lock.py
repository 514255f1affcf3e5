from multiprocessing import Process, Value

N = 20_000


def add(v):
    for _ in range(N):
        with v.get_lock():
            v.value += 1


if __name__ == "__main__":
    v = Value("i", 0)
    procs = [Process(target=add, args=(v,)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print(f"期望：{3 * N}")
    print(f"实际：{v.value}")
