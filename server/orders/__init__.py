"""Order import (DESIGN §6, issue 5): marketplace orders read, applied once, cursors moved.

`import_account(deps, account_id)` runs the account's marketplace importer (`registry`); the
Allegro one is `import_allegro_account` (journal pass, then a safety net over recently updated
checkout forms). Applying an order exactly once is the domain's (`server.domain.orders`); job
names and enqueuing are in `jobs`.
"""

from server.orders.allegro_import import import_allegro_account
from server.orders.deps import ImportOptions, ImportReport, OrderImportDeps
from server.orders.registry import IMPORTERS, import_account

__all__ = [
    "IMPORTERS",
    "ImportOptions",
    "ImportReport",
    "OrderImportDeps",
    "import_account",
    "import_allegro_account",
]
