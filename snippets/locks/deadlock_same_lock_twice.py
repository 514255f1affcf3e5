from multiprocessing import Lock, Process


def write_log(lock, text):
    with lock:
        print(text)


def task(lock):
    with lock:
        print("拿到锁了，接着写日志")
        write_log(lock, "日志：一切正常")
    print("锁已经释放")


if __name__ == "__main__":
    lock = Lock()
    p = Process(target=task, args=(lock,))
    p.start()
    p.join()
    print("主进程结束")
