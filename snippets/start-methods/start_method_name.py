import multiprocessing
from multiprocessing import Process, current_process


def task():
    print(current_process().name, "用的启动方式：", multiprocessing.get_start_method())


if __name__ == "__main__":
    print("主进程用的启动方式：", multiprocessing.get_start_method())
    p = Process(target=task)
    p.start()
    p.join()
