from multiprocessing import Process

message = "原来的值"


def show():
    print("子进程看到：", message)


if __name__ == "__main__":
    message = "主进程改过的值"
    print("主进程看到：", message)
    p = Process(target=show)
    p.start()
    p.join()
