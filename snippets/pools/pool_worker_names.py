import time
from multiprocessing import Pool, current_process


def task(n):
    time.sleep(0.1)
    return f"任务{n} 由 {current_process().name} 完成"


if __name__ == "__main__":
    print("主进程的名字：", current_process().name)
    with Pool(processes=2) as pool:
        for line in pool.map(task, range(4)):
            print(line)
