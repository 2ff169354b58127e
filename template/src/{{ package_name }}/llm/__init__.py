"""The LLM layer: the gateway (the one door to a model), prompts, the cache, the providers."""
