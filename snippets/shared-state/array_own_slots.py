from multiprocessing import Array, Process

N = 20_000


def add(arr, i):
    for _ in range(N):
        arr[i] += 1


if __name__ == "__main__":
    arr = Array("i", 3, lock=False)
    procs = [Process(target=add, args=(arr, i)) for i in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print(f"每格：{arr[:]}")
    print(f"总数：{sum(arr)}")
