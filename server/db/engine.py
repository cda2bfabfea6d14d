"""StockBridge's Piccolo engine: PostgreSQL whose transactions always give their connection back.

Piccolo's `PostgresTransaction.__aexit__` rolls back (or commits) and only then releases the
connection to the pool, and its `__aenter__` takes a connection before BEGIN without giving it
back when BEGIN fails. When the server has dropped the connection (a restart, a failover,
`pg_terminate_backend`), the rollback or BEGIN raises and the release never happens: the pool
loses that slot for good, and once every slot is lost each `pool.acquire()` waits forever, so a
worker hangs on its next query (and closing the pool hangs too). Here the release (and the reset
of the current-transaction context) happens whatever BEGIN, the rollback or the commit raised;
asyncpg's pool replaces a closed connection with a new one on its next acquire.
"""

from __future__ import annotations

from types import TracebackType

from piccolo.engine.postgres import PostgresEngine, PostgresTransaction


class ReleasingTransaction(PostgresTransaction):
    """A transaction that releases its connection even when starting or ending it fails."""

    async def __aenter__(self) -> PostgresTransaction:
        """Take a connection and BEGIN; if BEGIN fails (a dropped connection), give it back."""
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()  # type: ignore[no-untyped-call]
        try:
            self.transaction = self.connection.transaction()
            await self.begin()  # type: ignore[no-untyped-call]
        except BaseException:
            if self.engine.pool:
                await self.engine.pool.release(self.connection)
            else:
                await self.connection.close()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        """Roll back on an exception, else commit; release the connection in any case."""
        if self._parent:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
        finally:
            await self._give_back()
        return exception is None

    async def _give_back(self) -> None:
        """Release the connection to the pool (or close it) and leave the transaction context."""
        try:
            if self.engine.pool:
                await self.engine.pool.release(self.connection)
            else:
                await self.connection.close()
        finally:
            self.engine.current_transaction.reset(self.context)


class StockBridgeEngine(PostgresEngine):
    """`PostgresEngine` whose transactions are `ReleasingTransaction`s."""

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        """A new (or, nested, the enclosing) transaction."""
        return ReleasingTransaction(engine=self, allow_nested=allow_nested)
