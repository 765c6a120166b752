"""The publishing endpoint: a read-only Starlette app serving each partner exactly its agreed picture.

Paths (one endpoint per agreement, under the partner's name)::

    GET /{partner}                                 landing page
    GET /{partner}/collections                     the collections this agreement has
    GET /{partner}/collections/{id}                one collection's description
    GET /{partner}/collections/{id}/items          ?limit=&offset= : one page, with a ``next`` link

TLS with ``CERT_REQUIRED`` (see :mod:`geo.sharing.serve`) refuses a client without a certificate of
our authority, or with an expired one, before any request is read; the app then asks the
:data:`Gate` whether that certificate belongs to this path's partner under an active agreement,
and refuses (403) otherwise. Every answer, refusals included, goes to the send log. The app sees
the store only through the callables it is given, and builds bodies only from a
:class:`~geo.sharing.picture.Picture` (an import contract forbids it the store and the event index).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from geo.errors import InputError, LimesError
from geo.sharing.agreement import Agreement
from geo.sharing.picture import Picture
from geo.sharing.publish import Body, collection, collections, items, landing, paging

GEOJSON: Final[str] = "application/geo+json"


class Refused(LimesError):
    """A request the endpoint answers with 403: the certificate is not this partner's, or the agreement is gone."""

    def __init__(self, reason: str, *, serial: str = "") -> None:
        super().__init__(reason)
        self.reason, self.serial = reason, serial


@dataclass(frozen=True, slots=True)
class Admission:
    """A request let in: the agreement (and its version) it is served under, and the certificate's serial."""

    agreement: Agreement
    version: int
    serial: str


@dataclass(frozen=True, slots=True)
class Sent:
    """One answer for the send log."""

    partner: str
    version: int | None
    path: str
    status: int
    items: int
    size_bytes: int
    cert_serial: str
    detail: str


Gate = Callable[[str, str | None], Admission]
"""``(partner in the path, the client certificate as PEM or None) -> Admission``; raises :class:`Refused`."""
Source = Callable[[Agreement, int], Picture]
"""``(agreement, version) -> Picture``: what that agreement lets its partner see now."""
Log = Callable[[Sent], None]


def client_cert(request: Request) -> str | None:
    """The client's certificate (PEM) from the ASGI TLS extension, as :mod:`geo.sharing.serve` puts it there."""
    chain = request.scope.get("extensions", {}).get("tls", {}).get("client_cert_chain") or []
    return chain[0] if chain else None


def share_app(*, gate: Gate, source: Source, log: Log) -> Starlette:
    """The endpoint for every agreement: ``gate`` admits, ``source`` builds the picture, ``log`` records."""

    async def answer(request: Request) -> Response:
        partner = request.path_params["partner"]
        path = request.url.path
        try:
            admission = await run_in_threadpool(gate, partner, client_cert(request))
        except Refused as refused:
            await run_in_threadpool(log, Sent(partner, None, path, 403, 0, 0, refused.serial, refused.reason))
            return JSONResponse({"error": "refused: this certificate may not read this endpoint"}, status_code=403)
        picture = await run_in_threadpool(source, admission.agreement, admission.version)
        base = f"{str(request.base_url).rstrip('/')}/{partner}"
        chosen = request.path_params.get("collection")
        status, body, media = 200, None, "application/json"
        try:
            if chosen is not None and path.endswith("/items"):
                limit, offset = paging(request.query_params.get("limit"), request.query_params.get("offset"))
                body, media = items(base, picture, chosen, limit=limit, offset=offset), GEOJSON
            elif chosen is not None:
                body = collection(base, picture, chosen)
            elif path.endswith("/collections"):
                body = collections(base, picture)
            else:
                body = landing(base, picture)
        except KeyError:
            status, detail = 404, f"no collection {chosen!r} under this agreement"
        except InputError as exc:
            status, detail = 400, str(exc)
        if body is None:
            await run_in_threadpool(log, Sent(partner, admission.version, path, status, 0, 0, admission.serial, detail))
            return JSONResponse({"error": detail}, status_code=status)
        return await _send(request, body, media, admission, log)

    return Starlette(routes=[Route("/{partner}", answer), Route("/{partner}/collections", answer),
                             Route("/{partner}/collections/{collection}", answer),
                             Route("/{partner}/collections/{collection}/items", answer)])


async def _send(request: Request, body: Body, media: str, admission: Admission, log: Log) -> Response:
    headers = {"ETag": body.etag, "Cache-Control": "no-store"}
    fresh = request.headers.get("if-none-match") == body.etag
    status = 304 if fresh else 200
    await run_in_threadpool(log, Sent(admission.agreement.partner, admission.version, request.url.path
                                      + (f"?{request.url.query}" if request.url.query else ""), status,
                                      0 if fresh else body.items, 0 if fresh else len(body.content), admission.serial,
                                      "not modified" if fresh else "sent"))
    if fresh:
        return Response(status_code=304, headers=headers)
    return Response(body.content, media_type=media, headers=headers)
