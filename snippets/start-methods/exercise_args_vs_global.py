from multiprocessing import Process

message = "原来的值"


def show(text):
    print("参数：", text)
    print("全局变量：", message)


if __name__ == "__main__":
    message = "主进程改过的值"
    p = Process(target=show, args=(message,))
    p.start()
    p.join()
