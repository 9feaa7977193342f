"""`echolot serve`: the small HTTP endpoint behind the links in delivered digests.

It exposes exactly three things: GET /feedback/{token} (a confirmation page: mail scanners that
follow links must not record reactions), POST /feedback/{token} (records the reaction and
spends the token), GET /digest/{token} (the full digest a message links to), plus /healthz.
No API docs, no listing, no ids: a request without a valid, unexpired, unspent signed token
gets a short refusal and nothing else.

Answers: 200 recorded or shown, 403 forged or unknown token, 409 already used, 410 expired,
422 an unknown reaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import psycopg2.extensions
from fastapi import FastAPI, Form, Query
from fastapi.responses import HTMLResponse, PlainTextResponse
from markupsafe import escape

from echolot.store import delivery as store
from routing import feedback
from routing.channels.base import REACTION_LABELS, REACTIONS

Connect = Callable[[], psycopg2.extensions.connection]

_STATUS = {"forged": 403, "used": 409, "expired": 410}
_REFUSALS = {
    "forged": "This link is not valid.",
    "used": "This link has already been used. Thank you for your feedback.",
    "expired": "This link has expired.",
}
_HEADERS = {
    # The token is in the URL: keep it out of caches, referrers and frames.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; form-action 'self'; frame-ancestors 'none'",
}
_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Echolot feedback</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;">
{body}
</body></html>"""


def create_app(connect: Connect, settings: feedback.FeedbackSettings) -> FastAPI:
    """The endpoint; `connect` opens a database connection (one per request, closed after)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, title="Echolot feedback")

    @contextmanager
    def cursor() -> Iterator[store.Cursor]:
        conn = connect()
        try:
            with conn, conn.cursor() as cur:
                yield cur
        finally:
            conn.close()

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok", headers=_HEADERS)

    @app.get("/feedback/{token}", response_class=HTMLResponse)
    def confirm(token: str, reaction: Annotated[str, Query()] = "useful") -> HTMLResponse:
        if reaction not in REACTIONS:
            return _page("Unknown reaction.", 422)
        with cursor() as cur:
            verdict, _ = feedback.check(cur, settings, token)
        if verdict != "ok":
            return _page(_REFUSALS[verdict], _STATUS[verdict])
        label = REACTION_LABELS["en"][reaction]  # type: ignore[index]
        buttons = "".join(
            f'<button type="submit" name="reaction" value="{r}" style="margin:0 8px 8px 0;'
            f'padding:8px 14px;font-size:15px;{"font-weight:bold;" if r == reaction else ""}">'
            f"{escape(REACTION_LABELS['en'][r])}</button>"
            for r in REACTIONS
        )
        return _page(
            f"<p>Record <strong>{escape(label)}</strong> for this finding?</p>"
            f'<form method="post" action="/feedback/{escape(token)}">{buttons}</form>'
            '<p style="color:#6b7280;font-size:13px;">Each link records one reaction.</p>',
            200,
            raw=True,
        )

    @app.post("/feedback/{token}", response_class=HTMLResponse)
    def record(token: str, reaction: Annotated[str, Form()]) -> HTMLResponse:
        if reaction not in REACTIONS:
            return _page("Unknown reaction.", 422)
        with cursor() as cur:
            verdict = feedback.record(cur, settings, token, reaction)
        if verdict != "ok":
            return _page(_REFUSALS[verdict], _STATUS[verdict])
        return _page("Thank you: your feedback was recorded.", 200)

    @app.get("/digest/{token}", response_class=HTMLResponse)
    def show_digest(token: str) -> HTMLResponse:
        verdict, token_id = feedback.verify(settings, "digest", token)
        if verdict != "ok" or token_id is None:
            return _page(_REFUSALS[verdict], _STATUS[verdict])
        with cursor() as cur:
            digest = store.digest_for_link(cur, token_id)
        if digest is None:
            return _page(_REFUSALS["forged"], 403)
        return HTMLResponse(digest["body_html"], headers=_HEADERS)

    return app


def _page(body: str, status: int, raw: bool = False) -> HTMLResponse:
    content = body if raw else f"<p>{escape(body)}</p>"
    return HTMLResponse(_PAGE.format(body=content), status_code=status, headers=_HEADERS)


def serve(connect: Connect, settings: feedback.FeedbackSettings, host: str, port: int) -> None:
    """Run the endpoint until interrupted (uvicorn, one process)."""
    import uvicorn

    uvicorn.run(create_app(connect, settings), host=host, port=port, log_level="info",
                access_log=False)  # fmt: skip  # access logs would record every token
