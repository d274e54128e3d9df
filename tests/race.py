"""Simultaneous requests that meet in the middle: for tests of the locks that serialise them."""
import threading


def race(app, monkeypatch, module, name: str, path: str, bodies: list) -> list:
    """POST each of ``bodies`` to ``path`` from its own thread at once; every thread pauses right
    after its call of ``module.name`` (a lookup) until all have made theirs, so unguarded
    check-then-insert code races every time. A thread kept out by a lock never arrives: the
    pause then gives up after 1 s. Returns the responses in the order of ``bodies``."""
    barrier = threading.Barrier(len(bodies), timeout=1)
    original = getattr(module, name)

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return result

    monkeypatch.setattr(module, name, paused)
    responses = [None] * len(bodies)

    def post(i):
        responses[i] = app.test_client().post(path, json=bodies[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    monkeypatch.setattr(module, name, original)
    return responses
