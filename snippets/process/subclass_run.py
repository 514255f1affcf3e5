import time
from multiprocessing import Process


class Greeter(Process):
    def __init__(self, who):
        super().__init__()
        self.who = who

    def run(self):
        print(f"{self.name}：你好，{self.who}")
        time.sleep(0.2)
        print(f"{self.name}：再见，{self.who}")


if __name__ == "__main__":
    p = Greeter("小明")
    p.start()
    p.join()
    print(f"主：{p.name} 结束了，exitcode = {p.exitcode}")
