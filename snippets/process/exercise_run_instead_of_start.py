from multiprocessing import Process, current_process


def task():
    print(f"task 在 {current_process().name} 里运行")


if __name__ == "__main__":
    p = Process(target=task)
    p.run()
    print(f"主：run() 返回了，pid={p.pid} exitcode={p.exitcode}")
    p.start()
    p.join()
    print(f"主：join() 返回了，exitcode={p.exitcode}")
