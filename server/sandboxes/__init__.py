"""Local stand-ins for the marketplaces: small Litestar apps with in-memory state.

`common` holds what every sandbox shares (fault injection, rate-limit windows, request counters, an
admin router and an in-process transport); one sub-package per marketplace builds its app on it.
"""
