import time
from multiprocessing import Process


def task(name):
    print(f"{name} is running")
    time.sleep(2)
    p = Process(target=task, args=("子进程2",))
    p.start()


if __name__ == "__main__":
    p = Process(target=task, args=("子进程1",))
    p.daemon = True
    p.start()
    print("主")
