from multiprocessing import Process, Queue


def child(q):
    q.put("x" * 5_000_000)
    print("子进程：放好了，函数结束")


if __name__ == "__main__":
    q = Queue()
    print("主进程：先 join，再 get")
    p = Process(target=child, args=(q,))
    p.start()
    p.join()
    data = q.get()
    print(f"主进程：拿到 {len(data)} 个字符")
