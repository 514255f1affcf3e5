import time
from multiprocessing import Process, Queue, current_process


def consumer(tasks, results):
    got = []
    while True:
        n = tasks.get()
        if n is None:
            break
        got.append(n)
        time.sleep(0.05)
    print(f"{current_process().name} 拿到 {got}")
    results.put(sum(got))


if __name__ == "__main__":
    tasks, results = Queue(), Queue()
    names = ["消费者1", "消费者2"]
    workers = [
        Process(target=consumer, args=(tasks, results), name=name) for name in names
    ]
    for w in workers:
        w.start()
    for n in range(1, 7):
        tasks.put(n)
    for _ in workers:
        tasks.put(None)
    total = results.get() + results.get()
    for w in workers:
        w.join()
    print(f"总和：{total}")
