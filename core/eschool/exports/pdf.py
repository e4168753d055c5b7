"""PDF from the portal's own HTML (WeasyPrint), offline: shipped fonts, no network, no user-given URLs.

Pages to print are ordinary templates extending ``exports/print.html`` (A4, the shipped DejaVu
fonts, tables that repeat their header on each page). ``pdf_response`` renders them to a download.
WeasyPrint needs the system's Pango library; where it is missing, ``pdf_available()`` is false and
``pdf_response`` answers 503 with a message saying what to install (the HTML page still prints from
the browser), instead of failing with a 500.
"""
from __future__ import annotations

import logging
import mimetypes
from functools import lru_cache
from pathlib import Path

from flask import Response, abort, current_app
from flask_babel import gettext as _

from eschool.exports.xlsx import attachment_headers

log = logging.getLogger(__name__)

#: The base URL the printed HTML is resolved against; the fetcher maps its /static/ paths to files.
PRINT_BASE = "http://eschool.invalid/"


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system library it needs (Pango) is not installed here."""


@lru_cache(maxsize=1)
def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: the Pango library is missing
        log.warning("PDF output is not available: %s", error)
        return None
    return weasyprint


def pdf_available() -> bool:
    return _weasyprint() is not None


def _static_file(path: str, static_dirs: list[str]) -> Path | None:
    for folder in static_dirs:
        base = Path(folder).resolve()
        candidate = (base / path).resolve()
        if candidate.is_relative_to(base) and candidate.is_file():
            return candidate
    return None


def _fetcher_class(weasyprint):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PortalStaticFetcher(URLFetcher):
        """Serves ``/static/...`` from the portal's static folders and inline ``data:`` URLs; refuses
        everything else (no HTTP, no file paths a text could name)."""

        def __init__(self, static_dirs):
            super().__init__(allowed_protocols=("http", "data"))
            self.static_dirs = static_dirs

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(PRINT_BASE + "static/"):
                relative = url[len(PRINT_BASE + "static/"):].split("?")[0].split("#")[0]
                found = _static_file(relative, self.static_dirs)
                if found:
                    mime = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body=found.read_bytes(), headers={"Content-Type": mime})
            raise ValueError(f"not fetched when printing: {url}")

    return PortalStaticFetcher


def pdf_bytes(html: str, static_dirs: list[str] | None = None) -> bytes:
    """The PDF of this HTML. ``static_dirs``: where ``/static/`` resolves (default: the app's)."""
    weasyprint = _weasyprint()
    if weasyprint is None:
        raise PdfUnavailable("WeasyPrint (and the system's Pango library) is needed for PDF output")
    if static_dirs is None:
        static_dirs = current_app.config.get("ESCHOOL_STATIC_DIRS", [])
    fetcher = _fetcher_class(weasyprint)(static_dirs)
    return weasyprint.HTML(string=html, base_url=PRINT_BASE, url_fetcher=fetcher).write_pdf()


def pdf_response(filename: str, html: str) -> Response:
    """A download of the PDF of ``html`` (a page rendered from a template extending
    ``exports/print.html``); 503 with a clear message where PDF output is not installed."""
    if not filename.lower().endswith(".pdf"):
        filename += ".pdf"
    try:
        body = pdf_bytes(html)
    except PdfUnavailable:
        abort(503, description=_("PDF output is not installed on this server (WeasyPrint and the Pango "
                                 "library). Use the printable page instead."))
    return Response(body, mimetype="application/pdf", headers=attachment_headers(filename))
