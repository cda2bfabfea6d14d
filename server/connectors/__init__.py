"""Connectors: the domain's marketplace protocols implemented over the real Wix and Allegro clients.

`build_connectors(...)` gives the `MarketplaceConnectors` the web process keeps on `app.state`.
Each call builds the account's HTTP clients with its limiter and closes them afterwards: these are
rare, human-triggered calls (test an account, auto-map, connect); the sync worker keeps its own
long-lived clients.
"""
