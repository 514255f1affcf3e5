import time
from concurrent.futures import ProcessPoolExecutor


def square(n):
    time.sleep(0.1)
    return n * n


def divide(n):
    return 10 / n


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=3) as executor:
        future = executor.submit(square, 10)
        print(future.result())
        print(list(executor.map(square, [1, 2, 3])))
        future = executor.submit(divide, 0)
        try:
            future.result()
        except ZeroDivisionError as e:
            print("主进程捕获到：", repr(e))
