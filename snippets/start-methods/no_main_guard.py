from multiprocessing import Process

print("运行模块顶层的代码，__name__ =", __name__)


def task():
    print("子进程在运行")


p = Process(target=task)
p.start()
p.join()
print("主进程结束")
