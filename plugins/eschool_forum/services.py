"""The forum's rules: who reads which board, who writes and moderates, and everything a post goes through.

Views and the API call only these functions. Reading rules (docs/forum.md):

* a school's board: that school's staff; with the audience ``all`` also its students and parents;
* a municipality's board: the staff of its schools, its municipal operators and the region's operators;
* the region's board: the staff of every school and every operator;

nobody else, whatever their role elsewhere. Moderators of a board are the people appointed to it and
those holding ``forum.moderate`` where the board is, provided they read it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import peewee
from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    SCHOOL_STAFF,
    Attachment,
    Audience,
    Municipality,
    RoleAssignment,
    School,
    Scope,
    User,
    attachments,
    db,
    has_permission,
    local_today,
    notify,
    region_tz,
    search,
    user_assignments,
    utcnow,
)
from eschool_forum.models import (
    AUDIENCES,
    LEVELS,
    Ban,
    Board,
    LogEntry,
    Moderator,
    Post,
    Reaction,
    ReadMark,
    Report,
    Revision,
    Subscription,
    Topic,
)

CODE = "forum"
READ, POST, MODERATE, MANAGE = "forum.read", "forum.post", "forum.moderate", "forum.manage"
FAMILY = ("student", "parent")
OPERATORS = ("municipal_operator", "region_operator")
REACTIONS = {"like": "👍", "thanks": "🙏", "agree": "✅", "idea": "💡"}
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.@-]{2,149})")
TOPIC_ACTIONS = ("pin", "unpin", "lock", "unlock", "move")
FILE_TYPES = {"pdf": "application/pdf", "doc": "application/msword",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
              "odt": "application/vnd.oasis.opendocument.text", "txt": "text/plain",
              "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
              "zip": "application/zip"}
MAX_FILES = 5


class ForumError(ValueError):
    """A change the rules refuse. ``field`` names what to fix; ``status`` is what the API answers."""

    def __init__(self, message, field: str | None = None, status: int = 400):
        super().__init__(str(message))
        self.message, self.field, self.status = message, field, status


def settings() -> dict:
    values = current_app.extensions["eschool"].plugins.settings.get(CODE, {})
    return {"posts_per_page": values.get("posts_per_page", 20), "topics_per_page": values.get("topics_per_page", 30)}


def region_code() -> str:
    return current_app.extensions["eschool"].region.code


# --------------------------------------------------------------------------- who reads what


@dataclass
class Reader:
    """What a user's roles (those they act with now) open in the forum."""

    user_id: int | None
    staff_schools: set = field(default_factory=set)
    family_schools: set = field(default_factory=set)
    staff_municipalities: set = field(default_factory=set)
    operator_municipalities: set = field(default_factory=set)
    region_operator: bool = False

    @property
    def anything(self) -> bool:
        return bool(self.staff_schools or self.family_schools or self.operator_municipalities
                    or self.region_operator)

    def reads(self, board: Board) -> bool:
        if board.level == "school":
            return board.school_id in self.staff_schools or (
                board.audience == "all" and board.school_id in self.family_schools)
        if board.level == "municipality":
            return (self.region_operator or board.municipality_id in self.operator_municipalities
                    or board.municipality_id in self.staff_municipalities)
        return self.region_operator or bool(self.operator_municipalities or self.staff_schools)

    def board_filter(self):
        """A condition on ``Board`` selecting exactly the boards this reader reads (``None``: none)."""
        conds = []
        if self.staff_schools:
            conds.append((Board.level == "school") & Board.school.in_(sorted(self.staff_schools)))
        if self.family_schools:
            conds.append((Board.level == "school") & (Board.audience == "all")
                         & Board.school.in_(sorted(self.family_schools)))
        if self.region_operator:
            conds.append(Board.level.in_(["municipality", "region"]))
        else:
            munis = sorted(self.staff_municipalities | self.operator_municipalities)
            if munis:
                conds.append((Board.level == "municipality") & Board.municipality.in_(munis))
            if self.staff_schools or self.operator_municipalities:
                conds.append(Board.level == "region")
        if not conds:
            return None
        result = conds[0]
        for cond in conds[1:]:
            result = result | cond
        return result


def reader(user) -> Reader:
    """The user's reading rights, computed once per request."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return Reader(None)
    cache = g.setdefault("_forum_readers", {}) if has_request_context() else {}
    if user.id in cache:
        return cache[user.id]
    result = Reader(user.id)
    for a in user_assignments(user):
        if a.role in SCHOOL_STAFF and a.school_id:
            result.staff_schools.add(a.school_id)
            muni = getattr(a, "school_municipality_id", None)
            if muni is None:
                muni = School.select(School.municipality).where(School.id == a.school_id).scalar()
            result.staff_municipalities.add(muni)
        elif a.role in FAMILY and a.school_id:
            result.family_schools.add(a.school_id)
        elif a.role == "municipal_operator" and a.municipality_id:
            result.operator_municipalities.add(a.municipality_id)
        elif a.role == "region_operator":
            result.region_operator = True
    cache[user.id] = result
    return result


def can_read(user, board: Board) -> bool:
    return reader(user).reads(board)


def board_scope(board: Board) -> Scope:
    return Scope(region_code(), board.municipality_id if board.level == "municipality" else
                 (board.school.municipality_id if board.level == "school" else None),
                 board.school_id if board.level == "school" else None)


def is_moderator(user, board: Board) -> bool:
    """Appointed to the board, or holding ``forum.moderate`` where it is; always a reader of it."""
    if not can_read(user, board):
        return False
    cache = g.setdefault("_forum_mods", {}) if has_request_context() else {}
    key = (user.id, board.id)
    if key not in cache:
        cache[key] = (has_permission(user, MODERATE, board_scope(board))
                      or Moderator.select().where((Moderator.board == board) & (Moderator.user == user.id)).exists())
    return cache[key]


def moderated_board_ids(user) -> list[int]:
    """Every board the user moderates (for the moderation queue)."""
    cond = reader(user).board_filter()
    if cond is None:
        return []
    boards = list(Board.select(Board, School).join(School, peewee.JOIN.LEFT_OUTER).where(cond))
    appointed = {m.board_id for m in Moderator.select(Moderator.board).where(Moderator.user == user.id)}
    return [b.id for b in boards if b.id in appointed or has_permission(user, MODERATE, board_scope(b))]


def active_ban(user, board: Board) -> Ban | None:
    return (Ban.select().where((Ban.board == board) & (Ban.user == user.id) & Ban.lifted_at.is_null()
                               & (Ban.until > utcnow())).order_by(Ban.until.desc()).first())


def can_manage(user, level: str, school_id: int | None = None, municipality_id: int | None = None) -> bool:
    """May ``user`` create and edit boards at this level (``forum.manage`` there, and reading there)."""
    r = reader(user)
    if level == "school":
        return school_id in r.staff_schools and has_permission(
            user, MANAGE, Scope(region_code(), None, school_id) if school_id else None)
    if level == "municipality":
        return (r.region_operator or municipality_id in r.operator_municipalities) and has_permission(
            user, MANAGE, Scope(region_code(), municipality_id, None))
    return r.region_operator and has_permission(user, MANAGE, Scope(region_code()))


def manage_targets(user) -> dict:
    """Where the user may create boards: ``{"school": [School...], "municipality": [...], "region": bool}``."""
    r = reader(user)
    schools = [s for s in School.select().where(School.id.in_(sorted(r.staff_schools))).order_by(School.id)
               if can_manage(user, "school", school_id=s.id)] if r.staff_schools else []
    munis_q = Municipality.select().order_by(Municipality.name_ru)
    if not r.region_operator:
        munis_q = munis_q.where(Municipality.id.in_(sorted(r.operator_municipalities) or [0]))
    munis = [m for m in munis_q if can_manage(user, "municipality", municipality_id=m.id)]
    return {"school": schools, "municipality": munis, "region": can_manage(user, "region")}


def readers_of(board: Board, user_ids=None):
    """The active accounts that read ``board`` (a query of ``User``), optionally among ``user_ids``."""
    ra = RoleAssignment
    if board.level == "school":
        roles = list(SCHOOL_STAFF) + (list(FAMILY) if board.audience == "all" else [])
        cond = (ra.school == board.school_id) & ra.role.in_(roles)
    elif board.level == "municipality":
        cond = ((ra.role.in_(list(SCHOOL_STAFF))
                 & ra.school.in_(School.select(School.id).where(School.municipality == board.municipality_id)))
                | ((ra.role == "municipal_operator") & (ra.municipality == board.municipality_id))
                | (ra.role == "region_operator"))
    else:
        cond = (ra.role.in_(list(SCHOOL_STAFF)) & ra.school.is_null(False)) | ra.role.in_(list(OPERATORS))
    query = User.select(User.id, User.username).where(User.id.in_(ra.select(ra.user).where(cond))
                                                       & (User.is_active == True))  # noqa: E712
    if user_ids is not None:
        query = query.where(User.id.in_(sorted(set(user_ids)) or [0]))
    return query


# --------------------------------------------------------------------------- boards


def readable_boards(user):
    """The boards the user reads, by level (school, municipality, region), then position and title."""
    cond = reader(user).board_filter()
    if cond is None:
        return []
    order = peewee.Case(Board.level, (("school", 0), ("municipality", 1)), 2)
    return list(Board.select(Board, School, Municipality)
                .join(School, peewee.JOIN.LEFT_OUTER).switch(Board)
                .join(Municipality, peewee.JOIN.LEFT_OUTER).where(cond)
                .order_by(order, Board.position, Board.title, Board.id))


def get_board(user, board_id: int) -> Board | None:
    """A board the user reads, or ``None`` (missing and unreadable look the same)."""
    board = (Board.select(Board, School).join(School, peewee.JOIN.LEFT_OUTER)
             .where(Board.id == board_id).first())
    if board is None or not can_read(user, board):
        return None
    return board


def _board_fields(data: dict, level: str) -> dict:
    errors = {}
    title = (data.get("title") or "").strip()
    if not 3 <= len(title) <= 200:
        errors["title"] = _l("Give the board a title of 3 to 200 characters.")
    description = (data.get("description") or "").strip()
    if len(description) > 2000:
        errors["description"] = _l("At most 2000 characters.")
    subject = (data.get("subject") or "").strip()
    if len(subject) > 100:
        errors["subject"] = _l("At most 100 characters.")
    audience = data.get("audience") or "staff"
    if audience not in AUDIENCES or (level != "school" and audience != "staff"):
        errors["audience"] = _l("Students and parents may be let in only to a school's board.")
    try:
        position = int(data.get("position") or 100)
        if not 0 <= position <= 10000:
            raise ValueError
    except (TypeError, ValueError):
        errors["position"] = _l("Enter a whole number from 0 to 10000.")
        position = 100
    if errors:
        raise BoardErrors(errors)
    return {"title": title, "description": description, "subject": subject, "audience": audience,
            "position": position}


class BoardErrors(ForumError):
    """Several fields of a board refused at once (``fields``: field -> message)."""

    def __init__(self, fields: dict):
        first = next(iter(fields))
        super().__init__(fields[first], first)
        self.fields = fields


def create_board(user, data: dict) -> Board:
    """A new board where the user manages boards; ``data`` has ``level`` and the school or municipality."""
    level = data.get("level") or "school"
    if level not in LEVELS:
        raise BoardErrors({"level": _l("Choose the school, the municipality or the region.")})
    school_id = municipality_id = None
    try:
        if level == "school":
            school_id = int(data.get("school_id") or 0)
        elif level == "municipality":
            municipality_id = int(data.get("municipality_id") or 0)
    except (TypeError, ValueError):
        raise BoardErrors({f"{level}_id": _l("Choose where the board is.")}) from None
    if (level == "school" and not School.select().where(School.id == school_id).exists()) or (
            level == "municipality" and not Municipality.select().where(Municipality.id == municipality_id).exists()):
        raise BoardErrors({f"{level}_id": _l("Choose where the board is.")})
    if not can_manage(user, level, school_id=school_id, municipality_id=municipality_id):
        raise ForumError(_l("You may not create boards there."), f"{level}_id" if level != "region" else "level",
                         status=403)
    clean = _board_fields(data, level)
    with db.atomic():
        board = Board.create(level=level, school=school_id, municipality=municipality_id, created_by=user.id,
                             **clean)
        if data.get("moderators"):
            board = get_board(user, board.id) or board
            set_moderators(user, board, data["moderators"])  # a login refused: no board either
    return board


def update_board(user, board: Board, data: dict) -> Board:
    if not manages(user, board):
        raise ForumError(_l("You may not change this board."), status=403)
    current = {k: getattr(board, k) for k in ("title", "description", "subject", "audience", "position")}
    clean = _board_fields({**current, **{k: v for k, v in data.items() if k in current}}, board.level)
    with db.atomic():
        for key, value in clean.items():
            setattr(board, key, value)
        board.save()
        if data.get("moderators") is not None:
            set_moderators(user, board, data["moderators"])
    return board


def manages(user, board: Board) -> bool:
    return can_manage(user, board.level, school_id=board.school_id, municipality_id=board.municipality_id)


def moderators(board: Board) -> list[User]:
    return list(User.select().join(Moderator, on=(Moderator.user == User.id))
                .where(Moderator.board == board).order_by(User.full_name))


def set_moderators(user, board: Board, logins) -> list[User]:
    """Appoint exactly these accounts (logins, a list or a comma-separated text) as the board's moderators.

    Each must read the board; an unknown login or a non-reader is refused by name, nothing changed.
    """
    if isinstance(logins, str):
        logins = [part.strip() for part in re.split(r"[,\s]+", logins) if part.strip()]
    logins = list(dict.fromkeys(str(x).strip().lstrip("@") for x in logins if str(x).strip()))[:50]
    found = {u.username: u for u in readers_of(board).where(User.username.in_(logins or [""]))}
    missing = [x for x in logins if x not in found]
    if missing:
        raise BoardErrors({"moderators": _l("These accounts do not read this board: %(logins)s",
                                            logins=", ".join(missing))})
    with db.atomic():
        old = {m.user_id for m in Moderator.select().where(Moderator.board == board)}
        new = {u.id for u in found.values()}
        Moderator.delete().where((Moderator.board == board) & Moderator.user.not_in(sorted(new) or [0])).execute()
        for uid in sorted(new - old):
            Moderator.create(board=board, user=uid)
        if old != new:
            _log(board, user, "moderators", details=", ".join(sorted(found)))
    return list(found.values())


# --------------------------------------------------------------------------- topics and posts


def _clean_title(title) -> str:
    title = (title or "").strip() if isinstance(title, str) else ""
    if not 3 <= len(title) <= 200:
        raise ForumError(_l("Give the topic a title of 3 to 200 characters."), "title")
    return title


def _clean_body(body) -> str:
    body = (body or "").strip() if isinstance(body, str) else ""
    if not body:
        raise ForumError(_l("Write something."), "body")
    if len(body) > 20000:
        raise ForumError(_l("At most 20000 characters."), "body")
    return body


def may_write(user, board: Board, topic: Topic | None = None) -> str | None:
    """``None`` when the user may post here, else why not (a translated message)."""
    if not can_read(user, board):
        return _l("You do not read this board.")
    if not role_writes(user):
        return _l("Your role does not write on the forum.")
    ban = active_ban(user, board)
    if ban is not None:
        return _l("You are banned from this board until %(until)s.", until=_when(ban.until))
    if topic is not None and topic.locked and not is_moderator(user, board):
        return _l("The topic is closed: new posts are not accepted.")
    return None


def role_writes(user) -> bool:
    """Does a role the user acts in hold ``forum.post`` (where it holds it: the board's rules bound the rest)."""
    roles = set(current_app.extensions["eschool"].permissions.roles_with(POST))
    return any(a.role in roles for a in user_assignments(user))


def _when(instant: dt.datetime) -> str:
    from flask_babel import format_datetime

    return format_datetime(instant, "short")


def _check_write(user, board, topic=None):
    reason = may_write(user, board, topic)
    if reason is not None:
        raise ForumError(reason, status=403)


def _index(post: Post, topic: Topic, board: Board) -> None:
    if post.hidden:
        search.remove(CODE, post.id)
        return
    if board.level == "school":
        search.index(CODE, post.id, topic.title, post.body, school_id=board.school_id)
    elif board.level == "municipality":
        search.index(CODE, post.id, topic.title, post.body, municipality_id=board.municipality_id)
    else:
        search.index(CODE, post.id, topic.title, post.body)


def _attach(user, post: Post, board: Board, files) -> list[Attachment]:
    files = [f for f in (files or []) if getattr(f, "filename", "")]
    if len(files) > MAX_FILES:
        raise ForumError(_l("At most %(n)s files to a post.", n=MAX_FILES), "files")
    saved = []
    for storage in files:
        try:
            saved.append(attachments.save(CODE, storage, record_id=post.id, school_id=board.school_id, user=user,
                                          types=FILE_TYPES))
        except attachments.AttachmentError as exc:
            for row in saved:
                attachments.delete(row)
            raise ForumError(exc.message, "files") from exc
    return saved


def create_topic(user, board: Board, title, body, files=()) -> Topic:
    _check_write(user, board)
    title, body = _clean_title(title), _clean_body(body)
    now = utcnow()
    with db.atomic():
        topic = Topic.create(board=board, title=title, author=user.id, created_at=now, post_count=1, last_number=1,
                             last_post_at=now, last_author=user.id)
        post = Post.create(topic=topic, number=1, author=user.id, body=body, created_at=now)
        _attach(user, post, board, files)
        Board.update(topic_count=Board.topic_count + 1, post_count=Board.post_count + 1,
                     last_post_at=now).where(Board.id == board.id).execute()
        _index(post, topic, board)
        Subscription.get_or_create(user=user.id, topic=topic, board=None)
        ReadMark.create(user=user.id, topic=topic, last_number=1)
    _alert_new(user, board, topic, post, new_topic=True)
    return topic


def add_post(user, topic: Topic, body, files=()) -> Post:
    board = topic.board
    _check_write(user, board, topic)
    body = _clean_body(body)
    now = utcnow()
    with db.atomic():
        number = (Post.select(peewee.fn.MAX(Post.number)).where(Post.topic == topic).scalar() or 0) + 1
        post = Post.create(topic=topic, number=number, author=user.id, body=body, created_at=now)
        _attach(user, post, board, files)
        Topic.update(post_count=Topic.post_count + 1, last_number=number, last_post_at=now,
                     last_author=user.id).where(Topic.id == topic.id).execute()
        Board.update(post_count=Board.post_count + 1, last_post_at=now).where(Board.id == board.id).execute()
        _index(post, topic, board)
        Subscription.get_or_create(user=user.id, topic=topic, board=None)
        mark, _created = ReadMark.get_or_create(user=user.id, topic=topic)
        ReadMark.update(last_number=number).where(ReadMark.id == mark.id).execute()
    topic.post_count, topic.last_number, topic.last_post_at = topic.post_count + 1, number, now
    _alert_new(user, board, topic, post, new_topic=False)
    return post


def edit_post(user, post: Post, body) -> Post:
    """The author (while they may write there) or a moderator changes a post; the old text is kept."""
    topic, board = post.topic, post.topic.board
    moderator = is_moderator(user, board)
    if not moderator:
        if post.author_id != user.id or post.hidden:
            raise ForumError(_l("Only the author or a moderator edits a post."), status=403)
        _check_write(user, board, topic)
    body = _clean_body(body)
    if body == post.body:
        return post
    with db.atomic():
        Revision.create(post=post, body=post.body, edited_by=user.id, edited_at=post.edited_at or post.created_at)
        post.body, post.edited_at, post.edit_count = body, utcnow(), post.edit_count + 1
        post.save()
        _index(post, topic, board)
        if moderator and post.author_id != user.id:
            _log(board, user, "edit", topic=topic, post=post)
    _alert_mentions(user, board, topic, post)
    return post


def history(post: Post) -> list[Revision]:
    """Earlier texts of a post, newest first (the current text is the post itself)."""
    return list(Revision.select(Revision, User).join(User, peewee.JOIN.LEFT_OUTER, on=(Revision.edited_by == User.id))
                .where(Revision.post == post).order_by(Revision.id.desc()))


def may_see_history(user, post: Post) -> bool:
    return post.author_id == user.id or is_moderator(user, post.topic.board)


def get_topic(user, topic_id: int) -> Topic | None:
    topic = (Topic.select(Topic, Board, School).join(Board).join(School, peewee.JOIN.LEFT_OUTER)
             .where(Topic.id == topic_id).first())
    if topic is None or not can_read(user, topic.board):
        return None
    return topic


def get_post(user, post_id: int) -> Post | None:
    """A post the user may see (a hidden one only for moderators)."""
    post = (Post.select(Post, Topic, Board, School).join(Topic).join(Board).join(School, peewee.JOIN.LEFT_OUTER)
            .where(Post.id == post_id).first())
    if post is None or not can_read(user, post.topic.board):
        return None
    if post.hidden and not is_moderator(user, post.topic.board):
        return None
    return post


Author = User.alias("author")
LastAuthor = User.alias("last_author")


def topics_page(user, board: Board, page: int = 1, size: int | None = None) -> dict:
    """A page of a board's topics (pinned first, then by the newest post), each with ``unread``."""
    size = size or settings()["topics_per_page"]
    base = Topic.select().where(Topic.board == board)
    total = base.count()
    pages = max((total + size - 1) // size, 1)
    page = min(max(page, 1), pages)
    rows = list(Topic.select(Topic, Author, LastAuthor)
                .join(Author, peewee.JOIN.LEFT_OUTER, on=(Topic.author == Author.id)).switch(Topic)
                .join(LastAuthor, peewee.JOIN.LEFT_OUTER, on=(Topic.last_author == LastAuthor.id))
                .where(Topic.board == board)
                .order_by(Topic.pinned.desc(), Topic.last_post_at.desc(), Topic.id.desc())
                .paginate(page, size))
    marks = {}
    if rows and user is not None:
        marks = {m.topic_id: m.last_number for m in ReadMark.select(ReadMark.topic, ReadMark.last_number)
                 .where((ReadMark.user == user.id) & ReadMark.topic.in_([t.id for t in rows]))}
    for topic in rows:
        topic.read_upto = marks.get(topic.id, 0)
        topic.unread = topic.last_number > topic.read_upto
    return {"items": rows, "page": page, "pages": pages, "total": total, "size": size}


def _visible_posts(topic: Topic, include_hidden: bool):
    query = Post.select().where(Post.topic == topic)
    return query if include_hidden else query.where(Post.hidden == False)  # noqa: E712


def first_unread_page(user, topic: Topic, include_hidden: bool = False, size: int | None = None) -> int:
    size = size or settings()["posts_per_page"]
    mark = ReadMark.get_or_none((ReadMark.user == user.id) & (ReadMark.topic == topic))
    read = _visible_posts(topic, include_hidden).where(Post.number <= (mark.last_number if mark else 0)).count()
    return read // size + 1


def posts_page(user, topic: Topic, page: int = 1, size: int | None = None, mark_read: bool = True) -> dict:
    """A page of a topic's posts with their authors, files and reactions; moves the reader's unread marker.

    The number of queries does not depend on how many posts the page or the topic holds.
    """
    size = size or settings()["posts_per_page"]
    moderator = is_moderator(user, topic.board)
    base = _visible_posts(topic, moderator)
    total = base.count()
    pages = max((total + size - 1) // size, 1)
    page = min(max(page, 1), pages)
    posts = list(_visible_posts(topic, moderator).select(Post, Author)
                 .join(Author, peewee.JOIN.LEFT_OUTER, on=(Post.author == Author.id))
                 .order_by(Post.number).paginate(page, size))
    decorate(user, posts)
    if mark_read and posts and user is not None:
        upto = posts[-1].number if page < pages else topic.last_number
        mark_read_upto(user, topic, upto)
    return {"items": posts, "page": page, "pages": pages, "total": total, "size": size, "moderator": moderator}


def decorate(user, posts: list[Post]) -> None:
    """Attach ``files``, ``reactions`` ({kind: count}) and ``mine`` (the user's kinds) to each post."""
    ids = [p.id for p in posts]
    files, counts, mine = {}, {}, {}
    if ids:
        for row in (Attachment.select().where((Attachment.owner == CODE) & Attachment.record_id.in_(ids))
                    .order_by(Attachment.id)):
            files.setdefault(row.record_id, []).append(row)
        for row in (Reaction.select(Reaction.post, Reaction.kind, peewee.fn.COUNT(Reaction.id).alias("n"))
                    .where(Reaction.post.in_(ids)).group_by(Reaction.post, Reaction.kind).tuples()):
            counts.setdefault(row[0], {})[row[1]] = row[2]
        if user is not None:
            for post_id, kind in (Reaction.select(Reaction.post, Reaction.kind)
                                  .where(Reaction.post.in_(ids) & (Reaction.user == user.id)).tuples()):
                mine.setdefault(post_id, set()).add(kind)
    for post in posts:
        post.files = files.get(post.id, [])
        post.reactions = {k: counts.get(post.id, {}).get(k, 0) for k in REACTIONS}
        post.mine = mine.get(post.id, set())


def mark_read_upto(user, topic: Topic, number: int) -> None:
    """Move the user's marker of ``topic`` forward to post ``number`` (never back): one query when it is there."""
    mark = ReadMark.select(ReadMark.id, ReadMark.last_number).where(
        (ReadMark.user == user.id) & (ReadMark.topic == topic.id)).first()
    if mark is None:
        try:
            with db.atomic():
                ReadMark.create(user=user.id, topic=topic.id, last_number=number)
        except peewee.IntegrityError:
            pass
    elif mark.last_number < number:
        ReadMark.update(last_number=number).where(
            (ReadMark.id == mark.id) & (ReadMark.last_number < number)).execute()


def quote_text(post: Post) -> str:
    author = post.author.username if post.author_id else "?"
    lines = post.body.splitlines() or [""]
    return f"> @{author}:\n" + "\n".join("> " + line for line in lines) + "\n\n"


def react(user, post: Post, kind: str) -> bool:
    """Toggle the user's reaction ``kind`` on a post; returns whether it is now on."""
    if kind not in REACTIONS:
        raise ForumError(_l("Unknown reaction."), "kind")
    if not can_read(user, post.topic.board) or post.hidden:
        raise ForumError(_l("You do not read this board."), status=403)
    if active_ban(user, post.topic.board) is not None:
        raise ForumError(_l("You are banned from this board."), status=403)
    deleted = Reaction.delete().where((Reaction.post == post) & (Reaction.user == user.id)
                                      & (Reaction.kind == kind)).execute()
    if deleted:
        return False
    try:
        with db.atomic():
            Reaction.create(post=post, user=user.id, kind=kind)
    except peewee.IntegrityError:
        pass
    return True


# --------------------------------------------------------------------------- moderation


def _log(board, actor, action: str, topic=None, post=None, reason: str = "", details: str = "") -> None:
    LogEntry.create(board=board, topic_id=getattr(topic, "id", topic), post_id=getattr(post, "id", post),
                    actor=getattr(actor, "id", actor), action=action, reason=reason[:500], details=details[:500])


def _check_moderator(user, board):
    if not is_moderator(user, board):
        raise ForumError(_l("Only the board's moderators may do this."), status=403)


def _reason(reason, required: bool = True) -> str:
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if required and not reason:
        raise ForumError(_l("Give a reason."), "reason")
    if len(reason) > 500:
        raise ForumError(_l("At most 500 characters."), "reason")
    return reason


def hide_post(user, post: Post, reason) -> Post:
    topic, board = post.topic, post.topic.board
    _check_moderator(user, board)
    reason = _reason(reason)
    if post.hidden:
        raise ForumError(_l("The post is hidden already."), status=409)
    with db.atomic():
        post.hidden, post.hidden_reason, post.hidden_by = True, reason, user.id
        post.save()
        Topic.update(post_count=Topic.post_count - 1).where(Topic.id == topic.id).execute()
        Board.update(post_count=Board.post_count - 1).where(Board.id == board.id).execute()
        _index(post, topic, board)
        Report.update(resolved_at=utcnow(), resolved_by=user.id, resolution="hidden").where(
            (Report.post == post) & Report.resolved_at.is_null()).execute()
        _log(board, user, "hide", topic=topic, post=post, reason=reason)
    return post


def unhide_post(user, post: Post, reason="") -> Post:
    topic, board = post.topic, post.topic.board
    _check_moderator(user, board)
    reason = _reason(reason, required=False)
    if not post.hidden:
        raise ForumError(_l("The post is not hidden."), status=409)
    with db.atomic():
        post.hidden, post.hidden_reason, post.hidden_by = False, "", None
        post.save()
        Topic.update(post_count=Topic.post_count + 1).where(Topic.id == topic.id).execute()
        Board.update(post_count=Board.post_count + 1).where(Board.id == board.id).execute()
        _index(post, topic, board)
        _log(board, user, "unhide", topic=topic, post=post, reason=reason)
    return post


def moderate_topic(user, topic: Topic, action: str, reason="", board_id=None) -> Topic:
    """Pin, unpin, lock, unlock, or move a topic to another board the moderator also moderates."""
    board = topic.board
    _check_moderator(user, board)
    if action not in TOPIC_ACTIONS:
        raise ForumError(_l("Unknown action."), "action")
    reason = _reason(reason, required=False)
    with db.atomic():
        if action in ("pin", "unpin"):
            topic.pinned = action == "pin"
            topic.save()
            _log(board, user, action, topic=topic, reason=reason)
        elif action in ("lock", "unlock"):
            topic.locked = action == "lock"
            topic.save()
            _log(board, user, action, topic=topic, reason=reason)
        else:
            try:
                target = Board.get_or_none(Board.id == int(board_id or 0))
            except (TypeError, ValueError):
                target = None
            if target is None or target.id == board.id or not is_moderator(user, target):
                raise ForumError(_l("Choose another board you moderate."), "board_id")
            visible = topic.post_count
            topic.board = target
            topic.save()
            Board.update(topic_count=Board.topic_count - 1, post_count=Board.post_count - visible).where(
                Board.id == board.id).execute()
            Board.update(topic_count=Board.topic_count + 1, post_count=Board.post_count + visible,
                         last_post_at=peewee.fn.COALESCE(Board.last_post_at, topic.last_post_at)).where(
                Board.id == target.id).execute()
            Report.update(board=target).where(Report.post.in_(Post.select(Post.id).where(Post.topic == topic))
                                              ).execute()
            Subscription.delete().where(Subscription.topic == topic).where(
                Subscription.user.not_in(readers_of(target).select(User.id))).execute()
            for post in Post.select().where(Post.topic == topic):
                _index(post, topic, target)
            details = f"{board.title} → {target.title}"
            _log(board, user, "move", topic=topic, reason=reason, details=details)
            _log(target, user, "move", topic=topic, reason=reason, details=details)
    return topic


def report_post(user, post: Post, reason) -> Report:
    board = post.topic.board
    if not can_read(user, board) or post.hidden:
        raise ForumError(_l("You do not read this board."), status=403)
    reason = _reason(reason)
    if Report.select().where((Report.post == post) & (Report.reporter == user.id)
                             & Report.resolved_at.is_null()).exists():
        raise ForumError(_l("You have reported this post already; the moderators will look at it."), status=409)
    report = Report.create(post=post, board=board, reporter=user.id, reason=reason)
    mods = moderator_ids(board)
    if mods:
        notify(Audience.users(*mods), "forum.report",
               {"topic": post.topic.title, "board": board.title, "reason": reason},
               link=_link("forum.queue"), school_id=board.school_id)
    return report


def moderator_ids(board: Board) -> list[int]:
    """Who hears of a report: the appointed moderators, else those holding ``forum.moderate`` there."""
    appointed = [m.user_id for m in Moderator.select(Moderator.user).where(Moderator.board == board)]
    if appointed:
        return appointed
    ra = RoleAssignment
    registry = current_app.extensions["eschool"].permissions
    roles = list(registry.roles_with(MODERATE))
    if board.level == "school":
        cond = (ra.school == board.school_id) & ra.role.in_(roles)
    elif board.level == "municipality":
        cond = (ra.municipality == board.municipality_id) & ra.role.in_(roles) & ra.school.is_null()
    else:
        cond = ra.role.in_(roles) & ra.school.is_null() & ra.municipality.is_null()
    return sorted({r.user_id for r in ra.select(ra.user).where(cond)})


def queue(user) -> list[Report]:
    """Open reports on the boards the user moderates, oldest first."""
    ids = moderated_board_ids(user)
    if not ids:
        return []
    Reporter = User.alias("reporter")
    return list(Report.select(Report, Post, Topic, Board, Reporter, Author)
                .join(Post).join(Topic).switch(Report).join(Board)
                .switch(Report).join(Reporter, peewee.JOIN.LEFT_OUTER, on=(Report.reporter == Reporter.id))
                .switch(Post).join(Author, peewee.JOIN.LEFT_OUTER, on=(Post.author == Author.id))
                .where(Report.board.in_(ids) & Report.resolved_at.is_null())
                .order_by(Report.created_at, Report.id).limit(200))


def get_report(user, report_id: int) -> Report | None:
    report = Report.get_or_none(Report.id == report_id)
    if report is None or not is_moderator(user, report.board):
        return None
    return report


def resolve_report(user, report: Report, action: str, reason="") -> Report:
    if report.resolved_at is not None:
        raise ForumError(_l("This report has been dealt with already."), status=409)
    if action == "hide":
        hide_post(user, report.post, reason or report.reason)
        return Report.get_by_id(report.id)
    if action != "dismiss":
        raise ForumError(_l("Unknown action."), "action")
    _check_moderator(user, report.board)
    with db.atomic():
        report.resolved_at, report.resolved_by, report.resolution = utcnow(), user.id, "dismissed"
        report.save()
        _log(report.board, user, "dismiss", topic=report.post.topic_id, post=report.post_id,
             reason=_reason(reason, required=False))
    return report


def ban(user, board: Board, login, until, reason) -> Ban:
    """Keep an account from writing on a board until a date (the end of that local day)."""
    _check_moderator(user, board)
    login = (login or "").strip().lstrip("@") if isinstance(login, str) else ""
    target = User.get_or_none(User.username == login) if login else None
    if target is None:
        raise ForumError(_l("No account with this login."), "login")
    if target.id == user.id:
        raise ForumError(_l("You cannot ban yourself."), "login")
    if isinstance(until, str):
        try:
            until = dt.date.fromisoformat(until.strip())
        except ValueError:
            raise ForumError(_l("Enter a date as YYYY-MM-DD."), "until") from None
    if isinstance(until, dt.datetime):
        until = until.date()
    if not isinstance(until, dt.date):
        raise ForumError(_l("Enter a date as YYYY-MM-DD."), "until")
    if until < local_today():
        raise ForumError(_l("The end of a ban cannot be in the past."), "until")
    if until > local_today() + dt.timedelta(days=3660):
        raise ForumError(_l("At most ten years ahead."), "until")
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=region_tz())
    end = end.astimezone(dt.UTC).replace(tzinfo=None)
    reason = _reason(reason)
    with db.atomic():
        row = Ban.create(board=board, user=target, until=end, reason=reason, banned_by=user.id)
        _log(board, user, "ban", reason=reason, details=f"@{target.username} → {until.isoformat()}")
    return row


def lift_ban(user, row: Ban) -> Ban:
    _check_moderator(user, row.board)
    if row.lifted_at is not None:
        raise ForumError(_l("This ban has been lifted already."), status=409)
    with db.atomic():
        row.lifted_at = utcnow()
        row.save()
        _log(row.board, user, "unban", details=f"@{row.user.username}")
    return row


def bans(board: Board) -> list[Ban]:
    return list(Ban.select(Ban, User).join(User, on=(Ban.user == User.id))
                .where((Ban.board == board) & Ban.lifted_at.is_null() & (Ban.until > utcnow()))
                .order_by(Ban.until))


def log(user, board: Board | None = None, limit: int = 200) -> list[LogEntry]:
    """Moderation actions on the boards the user moderates (or one of them), newest first."""
    ids = [board.id] if board is not None and is_moderator(user, board) else (
        [] if board is not None else moderated_board_ids(user))
    if not ids:
        return []
    return list(LogEntry.select(LogEntry, Board, User).join(Board).switch(LogEntry)
                .join(User, peewee.JOIN.LEFT_OUTER, on=(LogEntry.actor == User.id))
                .where(LogEntry.board.in_(ids)).order_by(LogEntry.id.desc()).limit(limit))


# --------------------------------------------------------------------------- subscriptions and alerts


def subscribed(user, board: Board | None = None, topic: Topic | None = None) -> bool:
    cond = (Subscription.user == user.id)
    cond &= (Subscription.topic == topic.id) if topic is not None else (
        (Subscription.board == board.id) & Subscription.topic.is_null())
    return Subscription.select().where(cond).exists()


def subscribe(user, on: bool, board: Board | None = None, topic: Topic | None = None) -> bool:
    target_board = topic.board if topic is not None else board
    if not can_read(user, target_board):
        raise ForumError(_l("You do not read this board."), status=403)
    cond = (Subscription.user == user.id)
    cond &= (Subscription.topic == topic.id) if topic is not None else (
        (Subscription.board == board.id) & Subscription.topic.is_null())
    if on:
        if not Subscription.select().where(cond).exists():
            Subscription.create(user=user.id, topic=topic.id if topic else None, board=None if topic else board.id)
    else:
        Subscription.delete().where(cond).execute()
    return on


def _link(endpoint: str, **values) -> str:
    from flask import url_for

    try:
        return url_for(endpoint, **values)
    except RuntimeError:  # no request (a command): a path the portal resolves
        return ""


def mentioned_logins(body: str) -> list[str]:
    return list(dict.fromkeys(m.group(1).rstrip(".-") for m in MENTION.finditer(body or "")))[:20]


def _alert_mentions(user, board, topic, post) -> set[int]:
    logins = mentioned_logins(post.body)
    if not logins:
        return set()
    ids = {u.id for u in readers_of(board).where(User.username.in_(logins))} - {user.id}
    if ids:
        notify(Audience.users(*sorted(ids)), "forum.mention",
               {"topic": topic.title, "board": board.title, "author": user.full_name},
               link=_link("forum.post", post_id=post.id), school_id=board.school_id)
    return ids


def _alert_new(user, board, topic, post, new_topic: bool) -> None:
    """Mentions first; then subscribers of the topic (a reply) or of the board (a new topic), once each."""
    mentioned = _alert_mentions(user, board, topic, post)
    if new_topic:
        cond = (Subscription.board == board.id) & Subscription.topic.is_null()
    else:
        cond = Subscription.topic == topic.id
    wanted = {s.user_id for s in Subscription.select(Subscription.user).where(cond)} - mentioned - {user.id}
    if not wanted:
        return
    ids = sorted(u.id for u in readers_of(board, wanted))
    if ids:
        kind = "forum.topic" if new_topic else "forum.reply"
        notify(Audience.users(*ids), kind, {"topic": topic.title, "board": board.title, "author": user.full_name},
               link=_link("forum.post", post_id=post.id), school_id=board.school_id)


# --------------------------------------------------------------------------- search


def search_posts(user, text: str, limit: int = 50) -> list[dict]:
    """Posts matching ``text`` that the user may read (hidden ones never), best first."""
    text = (text or "").strip()[:200]
    cond = reader(user).board_filter()
    if not text or cond is None:
        return []
    scope = getattr(g, "scope", None) if has_request_context() else None
    if scope is not None and scope.level == "region":
        scope = None
    hits = search.query(CODE, text, scope=scope, limit=200)
    if not hits:
        return []
    rows = {p.id: p for p in Post.select(Post, Topic, Board).join(Topic).join(Board)
            .where(Post.id.in_([h.record_id for h in hits]) & (Post.hidden == False) & cond)}  # noqa: E712
    results = []
    for hit in hits:
        post = rows.get(hit.record_id)
        if post is not None:
            results.append({"post": post, "topic": post.topic, "board": post.topic.board, "excerpt": hit.excerpt})
        if len(results) >= limit:
            break
    return results


# --------------------------------------------------------------------------- attachments


def attachment_readable(attachment, user) -> bool:
    if not getattr(user, "is_authenticated", False) or attachment.record_id is None:
        return False
    post = (Post.select(Post, Topic, Board, School).join(Topic).join(Board).join(School, peewee.JOIN.LEFT_OUTER)
            .where(Post.id == attachment.record_id).first())
    if post is None or not can_read(user, post.topic.board):
        return False
    return not post.hidden or is_moderator(user, post.topic.board)


def recent_topics(user, limit: int = 5) -> list[Topic]:
    """The topics with the newest posts on the boards the user reads (the start page's widget)."""
    cond = reader(user).board_filter()
    if cond is None:
        return []
    rows = list(Topic.select(Topic, Board).join(Board).where(cond)
                .order_by(Topic.last_post_at.desc(), Topic.id.desc()).limit(limit))
    marks = {m.topic_id: m.last_number for m in ReadMark.select(ReadMark.topic, ReadMark.last_number)
             .where((ReadMark.user == user.id) & ReadMark.topic.in_([t.id for t in rows] or [0]))}
    for topic in rows:
        topic.unread = topic.last_number > marks.get(topic.id, 0)
    return rows


def unread_boards(user, boards: list[Board]) -> set[int]:
    """Which of these boards have a topic with posts the user has not read (one query)."""
    if not boards or user is None:
        return set()
    read = ReadMark.select(ReadMark.last_number).where((ReadMark.user == user.id) & (ReadMark.topic == Topic.id))
    rows = (Topic.select(Topic.board).distinct()
            .where(Topic.board.in_([b.id for b in boards])
                   & (Topic.last_number > peewee.fn.COALESCE(read, 0))))
    return {t.board_id for t in rows}
