import multiprocessing
from multiprocessing import Process

message = "原来的值"


def show():
    print("子进程看到：", message)


if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    print("启动方式：", multiprocessing.get_start_method())
    message = "主进程改过的值"
    p = Process(target=show)
    p.start()
    p.join()
