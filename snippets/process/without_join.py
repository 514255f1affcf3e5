import time
from multiprocessing import Process


def task(name):
    print(f"{name} 开始运行")
    time.sleep(0.5)
    print(f"{name} 运行结束")


if __name__ == "__main__":
    p = Process(target=task, args=("子进程1",))
    p.start()
    print("主：最后一行代码")
