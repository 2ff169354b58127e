"""The service package: see README.md for its layout."""
