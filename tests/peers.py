"""Child server processes for the Python-side tests and benchmarks (moto_server, picolambda serve):
started on a free loopback port, retried when the port was taken meanwhile, waited for until they
answer, and always stopped."""

import socket
import subprocess
import time


def free_port():
    """A loopback TCP port free at the time of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChildServer:
    """A server child process on a free loopback port; `stop()` is idempotent.

    Subclasses say how to start it (`command(port)`, optionally `env`/`preexec_fn`) and how to
    tell it is up (`ready()`: True once it answers)."""

    name = "server"
    poll_interval = 0.05

    def __init__(self, logpath):
        self.logpath = logpath
        self.proc = None
        self.port = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self, port):
        raise NotImplementedError

    def env(self):
        return None

    def preexec_fn(self):
        return None

    def ready(self):
        raise NotImplementedError

    def start(self, timeout):
        last = "never started"
        # A port found free can be taken before the child binds it; try a few.
        for _attempt in range(3):
            self.port = free_port()
            # Servers log a line per request: to a file, not a pipe nobody drains.
            log = open(self.logpath, "ab")
            self.proc = subprocess.Popen(
                self.command(self.port),
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so a Ctrl-C at the terminal reaches us first and we stop it.
                start_new_session=True,
                preexec_fn=self.preexec_fn(),
            )
            log.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last = f"exited with status {self.proc.returncode}"
                    break
                if self.ready():
                    return
                time.sleep(self.poll_interval)
            else:
                last = f"did not answer on port {self.port} within {timeout:.0f} s"
            self.stop()
        raise RuntimeError(f"{self.name} {last}; see {self.logpath}")

    def stop(self):
        p, self.proc = self.proc, None
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)

    def listening(self):
        """Whether the port accepts a TCP connection."""
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False
