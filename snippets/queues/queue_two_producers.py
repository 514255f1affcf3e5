import time
from multiprocessing import Process, Queue


def producer(q, name):
    for i in range(4):
        q.put(f"{name}{i}")
        time.sleep(0.05)
    q.put(None)


if __name__ == "__main__":
    q = Queue()
    producers = [Process(target=producer, args=(q, name)) for name in "AB"]
    for p in producers:
        p.start()
    received = []
    finished = 0
    while finished < 2:
        item = q.get()
        if item is None:
            finished += 1
        else:
            received.append(item)
    for p in producers:
        p.join()
    print("收到的顺序：", " ".join(received))
    print("A 的东西：", " ".join(x for x in received if x.startswith("A")))
    print("B 的东西：", " ".join(x for x in received if x.startswith("B")))
