"""The LLM layer: one small provider interface and its implementations."""
