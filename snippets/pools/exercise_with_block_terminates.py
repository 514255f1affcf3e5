import time
from multiprocessing import Pool


def square(n):
    time.sleep(0.5)
    return n * n


def on_result(value):
    print("回调收到", value)


if __name__ == "__main__":
    with Pool(processes=3) as pool:
        for n in [1, 2, 3]:
            pool.apply_async(square, (n,), callback=on_result)
        print("任务都提交了")
    print("主进程结束")
