from multiprocessing import Process

if __name__ == "__main__":
    p = Process(target=lambda: print("lambda 在子进程里运行"))
    p.start()
    p.join()
    print("主进程结束")
