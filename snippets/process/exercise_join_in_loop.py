import time
from multiprocessing import Process


def task(i):
    print(f"子进程{i} 开始")
    time.sleep(0.1)
    print(f"子进程{i} 结束")


if __name__ == "__main__":
    for i in range(3):
        p = Process(target=task, args=(i,))
        p.start()
        p.join()
    print("主：全部结束")
