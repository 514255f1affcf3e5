import time
from multiprocessing import Pool, current_process


def work(n):
    time.sleep(n / 10)
    return f"{n} 由 {current_process().name} 完成"


if __name__ == "__main__":
    with Pool(processes=1) as pool:
        for line in pool.imap_unordered(work, [3, 1, 2]):
            print(line)
