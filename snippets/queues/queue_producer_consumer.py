import time
from multiprocessing import Process, Queue


def producer(q):
    for i in range(1, 4):
        print(f"生产者做好了 包子{i}")
        q.put(f"包子{i}")
        time.sleep(0.1)
    q.put(None)


if __name__ == "__main__":
    q = Queue()
    p = Process(target=producer, args=(q,))
    p.start()
    while True:
        item = q.get()
        if item is None:
            break
        print(f"主进程吃掉了 {item}")
    p.join()
    print("主进程：生产者结束了，没有包子了")
