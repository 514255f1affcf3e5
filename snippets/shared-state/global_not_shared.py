from multiprocessing import Process, current_process

counter = 0
names = []


def work():
    global counter
    counter += 1
    names.append(current_process().name)
    print(f"{current_process().name}：counter = {counter}，names = {names}")


if __name__ == "__main__":
    for _ in range(2):
        p = Process(target=work)
        p.start()
        p.join()
    print(f"主进程：counter = {counter}，names = {names}")
