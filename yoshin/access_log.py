"""The server's access log without query strings.

A query string can carry personal data (a resident's name searched with `?q=`, a birth date
in a report filter), and an access log is kept longer and read by more people than the
ledger's own audit log, which records such reads properly. So uvicorn's access log lines
keep the method, the path and the status, and never what follows `?`.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


class WithoutQueryStrings(logging.Filter):
    """Cuts the query string from the path of an access log record (uvicorn logs the client,
    the method, the path with its query, the HTTP version and the status as the record's
    arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def hide_query_strings() -> None:
    """Install the filter on uvicorn's access logger (once; safe to call again)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, WithoutQueryStrings) for f in logger.filters):
        logger.addFilter(WithoutQueryStrings())
