"""One module per provider, each exposing ``build(settings) -> Provider``.

The factory imports the configured module by name, so an SDK is imported only when its
provider is the one configured.
"""
