from multiprocessing import Process

print("导入模块")


def task(name):
    print(name, "在运行")


if __name__ == "__main__":
    print("主进程开始")
    for name in ["子进程1", "子进程2"]:
        p = Process(target=task, args=(name,))
        p.start()
        p.join()
    print("主进程结束")
