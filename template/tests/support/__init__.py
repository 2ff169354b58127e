"""Helpers the tests share: servers, fakes, probes, databases."""
