import multiprocessing

message = "原来的值"


def show(method):
    print(f"{method}：子进程看到 {message}")


if __name__ == "__main__":
    message = "主进程改过的值"
    for method in ["fork", "spawn"]:
        ctx = multiprocessing.get_context(method)
        p = ctx.Process(target=show, args=(method,))
        p.start()
        p.join()
