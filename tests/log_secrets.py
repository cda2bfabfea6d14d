"""A pytest plugin that fails the run when a seeded secret appears in any log record.

It puts one handler on the root logger at DEBUG (and the root logger at DEBUG) for the whole run,
so every record of every test, fixture and library is seen, whatever `LOG_LEVEL` says. Each record
is checked when it is emitted (its message, its exception and stack text, and its extra fields)
against `tests.seeded_secrets.known_secrets()`; only the hits are kept, with the test that was
running. At the end `pytest_sessionfinish` reports the hits by secret name (never the value) and
sets a failing exit status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.seeded_secrets import known_secrets

_STANDARD_FIELDS = frozenset(vars(logging.makeLogRecord({})))
_WORKER_KEY = "stockbridge_secret_leaks"


@dataclass(frozen=True)
class Leak:
    """One log record that carried a secret."""

    secret_name: str
    logger: str
    test: str


def _record_text(record: logging.LogRecord, formatter: logging.Formatter) -> str:
    """Everything a log sink could write for a record."""
    parts = [record.getMessage()]
    if record.exc_info:
        parts.append(formatter.formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_FIELDS}
    if extras:
        parts.append(repr(extras))
    return "\n".join(parts)


class _SecretWatchHandler(logging.Handler):
    """Checks each record against the registered secrets; keeps only the hits."""

    def __init__(self, plugin: SecretLogWatch) -> None:
        super().__init__(level=logging.DEBUG)
        self.plugin = plugin
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = _record_text(record, self._formatter)
        except Exception:
            text = repr(vars(record))
        for name, value in known_secrets().items():
            if value and value in text:
                self.plugin.leaks.append(Leak(name, record.name, self.plugin.current_test))


@dataclass
class SecretLogWatch:
    """The plugin object: installs the handler, tracks the running test, judges at the end."""

    leaks: list[Leak] = field(default_factory=list)
    current_test: str = "(outside any test)"
    _handler: _SecretWatchHandler | None = None
    _root_level: int = logging.WARNING

    def install(self) -> None:
        """Watch the root logger at DEBUG."""
        root = logging.getLogger()
        self._root_level = root.level
        self._handler = _SecretWatchHandler(self)
        root.addHandler(self._handler)
        root.setLevel(logging.DEBUG)

    def ensure_installed(self) -> None:
        """Put the handler and the DEBUG level back if something reconfigured logging."""
        root = logging.getLogger()
        if self._handler is not None and self._handler not in root.handlers:
            root.addHandler(self._handler)
        root.setLevel(logging.DEBUG)

    def uninstall(self) -> None:
        """Stop watching and put the root level back."""
        root = logging.getLogger()
        if self._handler is not None:
            root.removeHandler(self._handler)
        root.setLevel(self._root_level)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item):  # type: ignore[no-untyped-def]
        """Remember which test's records are being checked."""
        self.current_test = item.nodeid
        self.ensure_installed()
        yield
        self.current_test = "(outside any test)"

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """xdist controller: take in the hits a worker reported when it finished."""
        for name, logger, test in getattr(node, "workeroutput", {}).get(_WORKER_KEY, []):
            self.leaks.append(Leak(name, logger, test))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Fail the run if any record carried a secret (an xdist worker hands its hits to the
        controller instead, which fails the run: a worker's own exit status is not used)."""
        self.uninstall()
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[_WORKER_KEY] = [
                [leak.secret_name, leak.logger, leak.test] for leak in self.leaks
            ]
            return
        if not self.leaks:
            return
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        seen = sorted({(leak.secret_name, leak.logger, leak.test) for leak in self.leaks})
        if reporter is not None:
            reporter.write_sep("=", "seeded secrets found in logs", red=True, bold=True)
            for name, logger, test in seen:
                reporter.write_line(f"{name} logged by {logger!r} during {test}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
