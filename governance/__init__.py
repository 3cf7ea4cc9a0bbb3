"""governance: member democracy for NHS foundation trusts, co-operatives and mutuals."""

__version__ = "0.1.0"
