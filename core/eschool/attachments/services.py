"""Attachments: save an upload (size and type checked, a generated name outside the web root), open it,
delete it. Serving goes through ``attachments.views``, which asks the owner plugin whether the user
may read it (``eschool_attachment_readable``).

The low-level functions (:func:`read_upload`, :func:`store_bytes`, :func:`stored_path`,
:func:`remove_stored`) are shared with the homework files, which keep their own table and folder.
"""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from eschool.attachments.models import Attachment
from eschool.db import db

#: At most this many bytes per file unless the caller says otherwise (``ATTACHMENT_MAX_BYTES`` in the config).
MAX_BYTES = 10 * 1024 * 1024

#: The types accepted unless the caller gives its own: documents, pictures, sound and video, archives.
DEFAULT_TYPES = {
    "pdf": "application/pdf", "txt": "text/plain", "rtf": "application/rtf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
    "mp3": "audio/mpeg", "mp4": "video/mp4", "zip": "application/zip",
}
#: Pictures a page may show inline (``<img src="/files/12">``); everything else is sent as a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})


class AttachmentError(ValueError):
    """An upload the rules refuse; ``field`` names what to fix (``file``)."""

    def __init__(self, field: str, message):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def upload_root() -> Path:
    """``<instance>/uploads``: outside the web root (the portal serves no folder of it directly)."""
    return Path(current_app.instance_path) / "uploads"


def _folder(owner: str) -> Path:
    if not owner or not owner.replace("_", "").isalnum():
        raise ValueError(f"owner: '{owner}' is not a plugin code")
    folder = upload_root() / owner
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def read_upload(storage, types: dict[str, str], max_bytes: int) -> tuple[str, str, bytes]:
    """Check an upload (a werkzeug ``FileStorage`` or anything with ``filename`` and ``read``).

    Returns ``(original name, content type, data)``; raises :class:`AttachmentError` for a type not
    in ``types`` (extension -> content type), a file over ``max_bytes`` or an empty file. The content
    type comes from ``types``, never from the client.
    """
    name = Path(getattr(storage, "filename", "") or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in types:
        raise AttachmentError("file", _l("This type of file is not accepted: send %(types)s.",
                                         types=", ".join(sorted(types))))
    data = storage.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise AttachmentError("file", _l("The file is larger than %(size)s MB.", size=round(max_bytes / 1048576, 1)))
    if not data:
        raise AttachmentError("file", _l("The file is empty."))
    return name[:255], types[extension], data


def store_bytes(owner: str, data: bytes) -> str:
    """Write ``data`` under a generated name in the owner's folder; returns the name."""
    stored = secrets.token_hex(16)
    (_folder(owner) / stored).write_bytes(data)
    return stored


def stored_path(owner: str, stored_name: str) -> Path:
    """Where a stored file lives (the name is one :func:`store_bytes` generated, never a user's)."""
    if not stored_name.isalnum():
        raise ValueError("stored_name: not a generated name")
    return _folder(owner) / stored_name


def remove_stored(owner: str, stored_names) -> None:
    """Delete stored files (missing ones are ignored)."""
    for name in stored_names:
        stored_path(owner, name).unlink(missing_ok=True)


# --------------------------------------------------------------------------- the Attachment records


def save(owner: str, storage, *, record_id: int | None = None, school_id: int | None = None, user=None,
         types: dict[str, str] | None = None, max_bytes: int | None = None) -> Attachment:
    """Check and store an upload for ``owner`` (a plugin code); returns the :class:`Attachment`.

    ``record_id`` is the owner's record it belongs to, ``school_id`` the school where the owner
    plugin must be on for it to be served (``None``: anywhere). ``types`` (extension -> content
    type) and ``max_bytes`` narrow what is accepted; by default :data:`DEFAULT_TYPES` and the
    ``ATTACHMENT_MAX_BYTES`` config (10 MB). Raises :class:`AttachmentError` naming the field.
    """
    limit = max_bytes or current_app.config.get("ATTACHMENT_MAX_BYTES", MAX_BYTES)
    name, content_type, data = read_upload(storage, types or DEFAULT_TYPES, limit)
    stored = store_bytes(owner, data)
    try:
        return Attachment.create(owner=owner, record_id=record_id, school_id=school_id, stored_name=stored,
                                 original_name=name, content_type=content_type, size=len(data),
                                 uploaded_by=getattr(user, "id", None))
    except Exception:
        remove_stored(owner, [stored])
        raise


def get(attachment_id: int, owner: str | None = None) -> Attachment | None:
    """The attachment, or ``None`` (also when it belongs to another owner than ``owner``)."""
    row = Attachment.get_or_none(Attachment.id == attachment_id)
    if row is None or (owner is not None and row.owner != owner):
        return None
    return row


def open_file(attachment: Attachment) -> Path:
    """The stored file's path (read it, or hand it to ``send_file``)."""
    return stored_path(attachment.owner, attachment.stored_name)


def for_record(owner: str, record_id: int) -> list[Attachment]:
    return list(Attachment.select().where((Attachment.owner == owner) & (Attachment.record_id == record_id))
                .order_by(Attachment.id))


def delete(attachment: Attachment) -> None:
    """Delete the record, then its file (after the transaction, so a rollback keeps the file)."""
    attachment.delete_instance()
    remove_stored(attachment.owner, [attachment.stored_name])


def delete_for(owner: str, record_id: int) -> int:
    """Delete every attachment of one of the owner's records; returns how many."""
    rows = for_record(owner, record_id)
    if rows:
        with db.atomic():
            Attachment.delete().where(Attachment.id.in_([r.id for r in rows])).execute()
    remove_stored(owner, [r.stored_name for r in rows])
    return len(rows)


def readable(attachment: Attachment, user, registry=None) -> bool:
    """Whether ``user`` (maybe anonymous) may read it: the owner plugin must be on where the attachment
    is, and its ``eschool_attachment_readable`` must answer ``True``. No answer means no."""
    from eschool.plugins.services import is_enabled, scope_for_school
    from eschool.structure.models import School

    registry = registry or current_app.extensions["eschool"].plugins
    if attachment.owner != "core" and attachment.owner not in registry.infos:
        return False
    if attachment.school_id is not None:
        school = School.get_or_none(School.id == attachment.school_id)
        if school is None or not is_enabled(attachment.owner, scope_for_school(school)):
            return False
    for impl in registry.pm.hook.eschool_attachment_readable.get_hookimpls():
        if impl.plugin_name == attachment.owner:
            args = {"attachment": attachment, "user": user}
            return impl.function(**{k: args[k] for k in impl.argnames}) is True
    return False


def url(attachment: Attachment) -> str:
    """The page URL serving it (``/files/<id>``), fit for ``![picture](...)`` in rich text."""
    return f"/files/{attachment.id}"
