from multiprocessing import Pipe, Process


def child(conn):
    numbers = conn.recv()
    print(f"子进程收到 {numbers}，算出和 {sum(numbers)}")
    conn.send(sum(numbers))
    conn.close()


if __name__ == "__main__":
    parent_conn, child_conn = Pipe()
    p = Process(target=child, args=(child_conn,))
    p.start()
    print("主进程发出 [1, 2, 3]")
    parent_conn.send([1, 2, 3])
    answer = parent_conn.recv()
    print(f"主进程收到回答 {answer}")
    p.join()
