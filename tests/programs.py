"""Small programs of the tests' own, shared by the tests that run them (never the real site's examples)."""

JOINED = """\
from multiprocessing import Process


def child():
    print("the child's line")


if __name__ == "__main__":
    p = Process(target=child)
    p.start()
    p.join()
    print("the main line")
"""
"""No race: one possible output."""
