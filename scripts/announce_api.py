"""Tell the developer when ``make dev``'s API first answers, and how long ``make dev`` took.

``make dev`` ends in the foreground server (``make serve``), so it cannot print its own time the
way ``make test`` does; it starts this beside the server instead. It polls ``/health`` and prints
one line when the API answers, then exits; it gives up silently when the ``make`` that started it
is gone (the server failed to start, or Ctrl-C). Standard library only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.request

POLL_SECONDS = 0.2
GIVE_UP_SECONDS = 120.0


def answers(url: str) -> bool:
    """Whether ``url`` answers 2xx right now."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - http only
            return 200 <= int(response.status) < 300
    except OSError:
        return False


def alive(pid: int) -> bool:
    """Whether process ``pid`` still exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str] | None = None) -> int:
    """Wait for ``/health``; print the elapsed time since ``--since`` once it answers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--since", type=float, required=True, help="start, seconds since epoch")
    parser.add_argument("--while-pid", type=int, required=True, help="stop when it ends")
    args = parser.parse_args(argv)
    base = f"http://127.0.0.1:{args.port}"
    deadline = time.monotonic() + GIVE_UP_SECONDS
    try:
        while time.monotonic() < deadline and alive(args.while_pid):
            if answers(f"{base}/health"):
                elapsed = time.time() - args.since
                print(f"make dev: {elapsed:.1f}s, the seeded API answers on {base}", flush=True)
                return 0
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole of make dev, this too
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
