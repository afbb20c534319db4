"""The one place the web application is assembled from the rooms' routers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from accounts.csrf import SameOriginForCookies
from accounts.session_api import ServerSessions
from accounts.session_api import router as session_router
from intake.api import router as intake_router
from intake.clinic_api import router as clinic_router
from intake.transfer_bulk import router as bulk_router
from ledger.certificates.endpoints import public as certificates_public
from ledger.certificates.endpoints import router as certificates_router
from ledger.records.endpoints import router as records_router
from ledger.reports.endpoints import router as reports_router
from ledger.residents.endpoints import router as ledger_router
from ledger.schedule.master_store import load_into_process
from ledger.transfers.endpoints import router as transfer_router
from models.db import session_scope
from models.settings import get_settings
from models.storage import keep_files_private
from notices.endpoints import notice_router
from review_ui.admin_screens import router as admin_screens_router
from review_ui.api import router as review_router
from review_ui.certificate_screens import router as certificate_screens_router
from review_ui.field_grid_routes import api as field_grid_router
from review_ui.field_grid_routes import screens as field_grid_screens_router
from review_ui.follow_up_routes import api as follow_up_router
from review_ui.follow_up_routes import screens as follow_up_screens_router
from review_ui.notice_screens import router as notice_screens_router
from review_ui.screens import (
    STATIC_DIR,
    LoginRequired,
    ScreenForbidden,
    forbidden_page,
    login_redirect,
)
from review_ui.screens import router as screens_router
from workers.dispatch import render_notices_after_commit
from yoshin.access_log import hide_query_strings
from yoshin.body_limits import JsonDepthLimit
from yoshin.security_headers import SecurityHeaders


def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """Say what is wrong with a request without echoing what was sent: a refused body may
    hold a My Number or a person's health data, and error answers end up in logs."""
    problems = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type")}
                for e in error.errors()]
    return JSONResponse({"detail": problems}, status_code=422)


def _out_of_range(request: Request, error: DataError) -> JSONResponse:
    """A value the database cannot hold (an id beyond 32 bits, say) is the caller's error;
    SQLite would have taken it, PostgreSQL refuses it. Nothing of the value is echoed."""
    return JSONResponse({"detail": "a value in the request is out of range"}, status_code=422)


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    """The server judges doses with the master as the city holds it (the products an
    administrator added included), read once when it starts. An app started where there is
    no database yet (its schema read by a tool) does not create one.

    Everything the process holds once started (its modules, the app, the master) is then
    kept out of the garbage collector's full collections: each one went over all of it and
    stopped every request of the process for up to 0.2 s under load."""
    settings = get_settings()
    if settings.database_url is not None or (settings.resolved_home / "yoshin.db").exists():
        with session_scope() as session:
            load_into_process(session)
    gc.collect()
    gc.freeze()
    yield


def create_app() -> FastAPI:
    keep_files_private()
    hide_query_strings()  # before the first request is logged
    settings = get_settings()
    docs = settings.api_docs
    app = FastAPI(title="Yoshin", summary="予診票 intake, review and the vaccination ledger",
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
                  lifespan=_lifespan)
    app.add_middleware(JsonDepthLimit)  # innermost: after the cross-site refusal
    app.add_middleware(SameOriginForCookies)
    app.add_middleware(ServerSessions, https_only=settings.secure_cookies)
    app.add_middleware(SecurityHeaders, https_only=settings.secure_cookies)
    if settings.trusted_proxies:  # outermost: who the client is, before anything asks
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    for router in (session_router, intake_router, review_router, ledger_router, records_router,
                   reports_router, transfer_router, bulk_router, clinic_router,
                   certificates_router, certificates_public, certificate_screens_router,
                   admin_screens_router, follow_up_router, follow_up_screens_router,
                   field_grid_router, field_grid_screens_router,
                   notice_router(queue=render_notices_after_commit), notice_screens_router,
                   screens_router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # FastAPI's decorator makes the same add_exception_handler call; it is typed to take a
    # handler of one exception class, where Starlette's signature wants one for any Exception.
    app.exception_handler(RequestValidationError)(_invalid_request)
    app.exception_handler(DataError)(_out_of_range)
    app.exception_handler(LoginRequired)(login_redirect)
    app.exception_handler(ScreenForbidden)(forbidden_page)

    @app.get("/health", tags=["session"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
