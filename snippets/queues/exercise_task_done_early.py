import time
from multiprocessing import JoinableQueue, Process


def worker(q):
    while True:
        task = q.get()
        q.task_done()
        time.sleep(0.1)
        print(f"处理完 {task}")


if __name__ == "__main__":
    q = JoinableQueue()
    for i in range(1, 4):
        q.put(f"任务{i}")
    p = Process(target=worker, args=(q,), daemon=True)
    p.start()
    q.join()
    print("主进程：所有任务都处理完了")
