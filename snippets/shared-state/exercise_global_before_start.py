from multiprocessing import Process

names = ["模块"]


def show():
    print(f"子进程看到：{names}")


if __name__ == "__main__":
    names.append("主进程")
    p = Process(target=show)
    p.start()
    p.join()
    print(f"主进程看到：{names}")
