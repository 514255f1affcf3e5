import time
from multiprocessing import Pool, current_process


def square(n):
    time.sleep(0.1 * n)
    return n * n


def on_result(value):
    print(f"回调收到 {value}，在 {current_process().name} 里运行")


if __name__ == "__main__":
    with Pool(processes=3) as pool:
        results = [
            pool.apply_async(square, (n,), callback=on_result) for n in [3, 1, 2]
        ]
        print("任务都提交了，主进程接着往下走")
        print([r.get() for r in results])
