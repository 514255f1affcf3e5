from multiprocessing import Process


def task(i):
    print(f"子进程{i} 在运行")


if __name__ == "__main__":
    processes = []
    for i in range(3):
        p = Process(target=task, args=(i,))
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
    print("主：全部结束")
