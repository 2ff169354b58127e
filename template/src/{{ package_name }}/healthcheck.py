"""Is this container's process healthy? Exit 0 or 1: the Dockerfile's ``HEALTHCHECK``.

``python -m <package>.healthcheck`` asks ``GET http://127.0.0.1:$PORT/healthz`` (``PORT``
default 8000), or, in the container of a process type that answers its health on a port of
its own, the port its ``<PROCESS>_HEALTH_PORT`` variable names (not ``0``); it exits 0 on a
200, 1 otherwise.
The standard library only, and no settings read: it starts fast and stays up while the
service's own configuration or dependencies are broken.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_S = 3.0
HEALTH_PORT = "_HEALTH_PORT"  # the suffix of a process type's own health port variable


def url() -> str:
    for name, value in sorted(os.environ.items()):
        own_port = value.strip()
        if name.endswith(HEALTH_PORT) and own_port not in ("", "0"):
            return f"http://127.0.0.1:{own_port}/healthz"
    port = os.environ.get("PORT", "").strip() or "8000"
    return f"http://127.0.0.1:{port}/healthz"


def main() -> int:
    try:
        with urllib.request.urlopen(url(), timeout=TIMEOUT_S) as response:  # noqa: S310
            healthy = response.status == 200
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"unhealthy: {url()}: {exc}", file=sys.stderr)
        return 1
    if not healthy:
        print(f"unhealthy: {url()}: status {response.status}", file=sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
