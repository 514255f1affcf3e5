import time
from multiprocessing import Pool


def work(n):
    time.sleep(n / 10)
    return n


if __name__ == "__main__":
    with Pool(processes=3) as pool:
        for n in pool.imap_unordered(work, [3, 1, 2]):
            print("收到", n)
    print("全部收到")
