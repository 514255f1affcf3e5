from multiprocessing import Manager, Process


def work(d):
    d["count"] = 1
    d["names"].append("子进程")


if __name__ == "__main__":
    with Manager() as manager:
        d = manager.dict(count=0, names=[])
        p = Process(target=work, args=(d,))
        p.start()
        p.join()
        print(f"count = {d['count']}")
        print(f"names = {d['names']}")
