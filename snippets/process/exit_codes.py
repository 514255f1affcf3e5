import sys
from multiprocessing import Process


def finish():
    print("finish: 正常返回")


def fail():
    print("fail: 抛出异常")
    raise ValueError("出错了")


def leave():
    print("leave: 调用 sys.exit(3)")
    sys.exit(3)


if __name__ == "__main__":
    for target in (finish, fail, leave):
        p = Process(target=target, name=target.__name__)
        p.start()
        p.join()
        print(f"主：{p.name} 的 exitcode = {p.exitcode}")
