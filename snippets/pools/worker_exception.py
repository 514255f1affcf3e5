from multiprocessing import Pool


def divide(n):
    return 10 / n


if __name__ == "__main__":
    with Pool(processes=2) as pool:
        result = pool.apply_async(divide, (0,))
        try:
            result.get()
        except ZeroDivisionError as e:
            print("get() 抛出了", repr(e))
        print(pool.map(divide, [5, 2]))
        print(pool.map(divide, [5, 0, 2]))
        print("这一行不会打印")
