from multiprocessing import Manager, Process, active_children, current_process


def work(d, names, i):
    name = current_process().name
    d[name] = i * 10
    names.append(name)


if __name__ == "__main__":
    with Manager() as manager:
        print(f"子进程：{[p.name for p in active_children()]}")
        d = manager.dict()
        names = manager.list()
        print(f"d 的类型：{type(d).__name__}")
        procs = [
            Process(target=work, args=(d, names, i), name=f"p{i}") for i in range(2)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(f"d = {dict(sorted(d.items()))}")
        print(f"names = {list(names)}")
