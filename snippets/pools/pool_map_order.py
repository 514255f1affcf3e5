import time
from multiprocessing import Pool


def square(n):
    time.sleep(0.1 * (4 - n))
    print(f"算完 {n}")
    return n * n


if __name__ == "__main__":
    with Pool(processes=3) as pool:
        print(pool.map(square, [1, 2, 3]))
