"""The chat use case's probe."""

from ...support.probes import Probe

PROBE = Probe("chat", "/v1/chat", 200, json={"message": "hi"})
