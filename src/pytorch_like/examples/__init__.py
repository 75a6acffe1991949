"""Runnable examples: ``python -m pytorch_like.examples.<name>``."""
