from multiprocessing import Process, Queue


def child(q):
    q.put("x" * 5_000_000)
    print("子进程：放好了，函数结束")


if __name__ == "__main__":
    q = Queue()
    print("主进程：先 get，再 join")
    p = Process(target=child, args=(q,))
    p.start()
    data = q.get()
    p.join()
    print(f"主进程：拿到 {len(data)} 个字符")
    print(f"子进程的退出码：{p.exitcode}")
