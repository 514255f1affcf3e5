from multiprocessing import Manager, Process

N = 1_000


def add(d):
    for _ in range(N):
        d["count"] += 1


if __name__ == "__main__":
    with Manager() as manager:
        d = manager.dict(count=0)
        procs = [Process(target=add, args=(d,)) for _ in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(f"期望：{2 * N}")
        print(f"实际：{d['count']}")
