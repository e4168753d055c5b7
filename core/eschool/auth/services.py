"""Account rules: creating users, passwords, roles, logging in, API tokens. No Flask here."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections import Counter

from flask import has_app_context
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError, SqliteDatabase, chunked

from eschool.auth.models import ApiToken, RoleAssignment, User
from eschool.auth.passwords import dummy_check, hash_password, needs_rehash, verify_password
from eschool.auth.roles import ROLES
from eschool.db import Compiled, db, utcnow
from eschool.ops.security import security_event

MIN_PASSWORD = 8
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,150}$")


class AccountError(ValueError):
    """Bad input for an account; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError("password", _l("at least %(count)d characters", count=MIN_PASSWORD))
    if password.isdigit() or password.isalpha():
        raise AccountError("password", _l("mix letters with digits or signs"))


def generate_password() -> str:
    """A password to hand out on a slip: readable, with digits; changed at first login."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(10))
        if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
            return pw


def create_user(username: str, full_name: str, password: str | None = None, email: str | None = None,
                phone: str | None = None, must_change_password: bool = True, locale: str = "") -> User:
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise AccountError("username", _l("3-150 Latin letters, digits or . _ @ -"))
    if not (full_name or "").strip():
        raise AccountError("full_name", _l("required"))
    if password is not None:
        check_password_strength(password)
    email = (email or "").strip().lower() or None  # logins by e-mail compare in lower case
    try:
        with db.atomic():
            user = User.create(username=username, full_name=full_name.strip(), email=email,
                               phone=(phone or None), locale=locale,
                               password_hash=hash_password(password) if password else "",
                               must_change_password=must_change_password)
    except IntegrityError as exc:
        taken = "username"
        if email and User.get_or_none(User.email == email):
            taken = "email"
        elif phone and User.get_or_none(User.phone == phone):
            taken = "phone"
        raise AccountError(taken, _l("already taken")) from exc
    _announce_created([user])
    return user


def _announce_created(users: list[User]) -> None:
    """``eschool_on_user_created`` for each new account (region scope: accounts belong to the region)."""
    if not has_app_context():
        return
    from eschool.plugins.services import fire_event, listens, scope_for_region

    if listens("user_created"):
        for user in users:
            fire_event("user_created", scope_for_region(), user=user)


def set_password(user: User, password: str, must_change: bool = False, how: str | None = None) -> None:
    """Set a password; a password handed out by someone else must be changed at first login. ``how`` goes
    to the security log (``own``, ``reset_link``; by default ``handed_out`` or ``set``)."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.save(only=[User.password_hash, User.must_change_password])
    security_event("password_set", account_id=user.id, how=how or ("handed_out" if must_change else "set"))
    # a new password ends the user's sessions (``end_sessions``) and API tokens too
    end_sessions(user)
    ApiToken.update(revoked_at=utcnow()).where((ApiToken.user == user) & ApiToken.revoked_at.is_null()).execute()


def end_sessions(user: User) -> int:
    """End every page session of the account: its session epoch moves on, and a session that carries
    another epoch than the account's is refused (``active_user``). Logging out and every password change
    (one's own, an administrator's, the forgotten-password link) call this. Returns the new epoch, also
    set on ``user`` (the session that changed the password stores it to stay logged in)."""
    User.update(session_epoch=User.session_epoch + 1).where(User.id == user.id).execute()
    user.session_epoch = User.select(User.session_epoch).where(User.id == user.id).scalar()
    return user.session_epoch


def change_own_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash or "", current or ""):
        raise AccountError("current_password", _l("does not match"))
    if current == new:
        raise AccountError("new_password", _l("must differ from the current one"))
    set_password(user, new, must_change=False, how="own")


def find_login(login: str) -> User | None:
    """A user by username, e-mail or phone."""
    login = (login or "").strip()
    if not login:
        return None
    return User.get_or_none((User.username == login) | (User.email == login.lower()) | (User.phone == login))


#: After this many wrong passwords in a row an account is locked for LOCKOUT_MINUTES.
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15


def login_for_log(login: str | None) -> str:
    """A typed login as the security log keeps it: trimmed, at most 64 characters (never the password)."""
    return (login or "").strip()[:64]


def login_failed(login: str | None, reason: str, via: str) -> None:
    """Log a failed login (``reason``: ``wrong_password``, ``locked``, ``rate_limited``; ``via``: ``form`` or
    ``api``); it also counts in the ``eschool_failed_logins_total`` metric."""
    security_event("login_failed", login=login_for_log(login), reason=reason, via=via)


class AccountLocked(Exception):
    """Too many wrong passwords: the account refuses every login until ``until`` (UTC)."""

    def __init__(self, until: dt.datetime):
        super().__init__(f"locked until {until}")
        self.until = until


def authenticate(login: str, password: str, names=None) -> User | None:
    """The user if the password is right. Wrong passwords are counted; the fifth in a row locks the
    account for 15 minutes (``AccountLocked``), even against the right password, so guessing is slow.

    Nothing tells an account from a login name that is no account: ``names`` (the app's
    ``ratelimit.LoginLimiter``) counts and locks such names the same way, and every answer costs one
    password hash check, a locked one included."""
    user = find_login(login)
    if user is None or not user.is_active or not user.password_hash:
        # spend the same time as a real check so timing does not reveal usernames
        dummy_check(password)
        if names is not None:
            already = names.unknown_locked_until(login)
            until = already or names.unknown_failed(login)
            if until is not None:
                if already is None:  # this attempt locked the name (logged as an account's lock is)
                    security_event("account_locked", login=login_for_log(login), until=until)
                raise AccountLocked(until)
        return None
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        dummy_check(password)  # the same time as any other answer
        raise AccountLocked(user.locked_until)
    if not verify_password(user.password_hash, password or ""):
        failed = (user.failed_logins or 0) + 1
        locked = now + dt.timedelta(minutes=LOCKOUT_MINUTES) if failed >= MAX_FAILED_LOGINS else None
        User.update(failed_logins=0 if locked else failed, locked_until=locked).where(User.id == user.id).execute()
        if locked:
            security_event("account_locked", login=login_for_log(login), account_id=user.id, until=locked)
            raise AccountLocked(locked)
        return None
    user.last_login_at, user.failed_logins, user.locked_until = now, 0, None
    changed = [User.last_login_at, User.failed_logins, User.locked_until]
    if needs_rehash(user.password_hash):  # a hash of an earlier release: today's method from now on
        user.password_hash = hash_password(password)
        changed.append(User.password_hash)
    user.save(only=changed)
    return user


_USER_BY_ID = Compiled(lambda user_id: User.select().where(User.id == user_id).limit(1), "int")


def active_user(user_id, epoch=None) -> User | None:
    """The session's user (every page request: db.Compiled), if the account is active and the session was
    made at the account's current session epoch (``end_sessions``): a session from before a logout or a
    password change, or one with no epoch at all, is refused."""
    try:
        found = _USER_BY_ID.run(int(user_id))
    except (TypeError, ValueError):
        return None
    user = found[0] if found else None
    if user is None or not user.is_active or epoch is None or epoch != user.session_epoch:
        return None
    return user


def _check_role(role: str, roles: dict, level: str) -> None:
    """The role exists and is held at this level (a class-level role may be held at the school too)."""
    if role not in roles:
        raise AccountError("role", _l("unknown role '%(role)s' (known: %(known)s)", role=role, known=", ".join(sorted(roles))))
    if level not in roles[role].levels and not (level == "school" and "class" in roles[role].levels):
        raise AccountError("role", _l("'%(role)s' is held at %(levels)s level, not %(level)s", role=role, levels="/".join(roles[role].levels), level=level))


def grant_role(user: User, role: str, municipality=None, school=None, class_group_id: int | None = None,
               allowed_roles: dict | None = None) -> RoleAssignment:
    _check_role(role, allowed_roles or ROLES,
                "class" if class_group_id else "school" if school else "municipality" if municipality else "region")
    assignment, _ = RoleAssignment.get_or_create(user=user, role=role, municipality=municipality, school=school,
                                                 class_group_id=class_group_id)
    return assignment


# ------------------------------------------------------------------ API tokens

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, days: int = 30, name: str = "") -> tuple[str, ApiToken]:
    """A new bearer token; the clear text is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    row = ApiToken.create(user=user, token_hash=_digest(token), name=name[:100],
                          expires_at=utcnow() + dt.timedelta(days=days))
    return token, row


_TOKEN_USER = Compiled(lambda digest: ApiToken.select(ApiToken, User).join(User)
                       .where(ApiToken.token_hash == digest).limit(1), "str")


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    found = _TOKEN_USER.run(_digest(token))  # every API request: its SQL is generated once (db.Compiled)
    row = found[0] if found else None
    if row is None or row.revoked_at is not None or row.expires_at < utcnow() or not row.user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.update(last_used_at=now).where(ApiToken.id == row.id).execute()
    user = row.user
    user._api_token_id = row.id
    return user


def revoke_token(user: User, token_id: int) -> bool:
    count = (ApiToken.update(revoked_at=utcnow())
             .where((ApiToken.id == token_id) & (ApiToken.user == user) & ApiToken.revoked_at.is_null())
             .execute())
    return bool(count)


_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                      "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True))


def _username_base(full_name: str) -> str:
    """"Соколова Анна Игоревна" -> "sokolova.ai": the login before any number is added."""
    parts = [p for p in (full_name or "").lower().split() if p]
    latin = ["".join(_TRANSLIT.get(ch, ch if ch.isascii() and ch.isalnum() else "") for ch in p) for p in parts]
    base = (latin[0] if latin else "user") + ("." + "".join(p[:1] for p in latin[1:3]) if len(latin) > 1 else "")
    return (base if len(base) >= 3 else base + "user")[:140]


def _candidate(base: str, n: int) -> str:
    return base if n == 1 else f"{base}.{n}"


def suggest_username(full_name: str) -> str:
    """A free login from a Russian name: "Соколова Анна Игоревна" -> "sokolova.ai" (then .2, .3 ...)."""
    base = _username_base(full_name)
    # Candidates are checked a hundred at a time in one indexed query (one query per candidate made an
    # import of many same-named parents quadratic: bench/run's contingent import).
    first = 1
    while True:
        candidates = [_candidate(base, n) for n in range(first, first + 100)]
        taken = {name for (name,) in User.select(User.username).where(User.username.in_(candidates)).tuples()}
        for candidate in candidates:
            if candidate not in taken:
                return candidate
        first += 100


def suggest_usernames(full_names: list[str]) -> list[str]:
    """Free logins for many new accounts, the very ones ``suggest_username`` would give if each account
    were made before the next name is asked for (an import's parents).

    Each name's candidates are looked up in windows, all names' together, 5,000 to a query; a
    name whose window held too few free logins gets one twice as wide in the next round, so a fresh
    school needs one round and a login used a thousand times over a few.
    """
    bases = [_username_base(name) for name in full_names]
    need = Counter(bases)
    free: dict[str, list[int]] = {base: [] for base in need}  # the numbers n whose login is free, ascending
    looked_up = dict.fromkeys(need, 0)
    width = {base: count + 10 for base, count in need.items()}
    short, names = set(need), []
    while short:
        windows = {base: range(looked_up[base] + 1, looked_up[base] + 1 + width[base]) for base in sorted(short)}
        taken = _taken_usernames([_candidate(base, n) for base, numbers in windows.items() for n in numbers])
        for base, numbers in windows.items():
            free[base].extend(n for n in numbers if _candidate(base, n) not in taken)
            looked_up[base], width[base] = numbers[-1], width[base] * 2
        short = {base for base in need if len(free[base]) < need[base]}
        if short:
            continue
        # hand them out in order: a login given to one name can be another's candidate ("ivanov 2" -> "ivanov.2")
        given, names, position = set(), [], dict.fromkeys(need, 0)
        for base in bases:
            i = position[base]
            while i < len(free[base]) and _candidate(base, free[base][i]) in given:
                i += 1
            if i == len(free[base]):
                short.add(base)
                break
            position[base] = i + 1
            given.add(_candidate(base, free[base][i]))
            names.append(_candidate(base, free[base][i]))
    return names


def _taken_usernames(candidates: list[str]) -> set[str]:
    """Which of the candidates are logins already: thousands to a query, the SQL written here (peewee's
    building of thousands of ``IN`` values cost more than the queries); PostgreSQL gets them as one array."""
    from eschool.db import pg_array, values_per_query

    postgres = not isinstance(db.obj, SqliteDatabase)
    column, table = User.username.column_name, User._meta.table_name
    taken = set()
    for chunk in chunked(candidates, values_per_query()):
        if postgres:
            sql, params = f'SELECT "{column}" FROM "{table}" WHERE "{column}" = ANY(%s::VARCHAR[])', [pg_array(chunk, str)]
        else:
            sql, params = f'SELECT "{column}" FROM "{table}" WHERE "{column}" IN ({", ".join("?" * len(chunk))})', chunk
        taken.update(name for (name,) in db.execute_sql(sql, params).fetchall())
    return taken


def create_users(people: list[dict]) -> list[User]:
    """Many accounts without a password at once (an import's parents), each as ``create_user`` makes it:
    ``people`` are ``{"username", "full_name", "email", "phone"}``; the same checks, the same stored
    values (e-mail in lower case, must change the password), a few statements for all of them."""
    from eschool.db import insert_rows

    now = utcnow()
    users = []
    for person in people:
        username = (person["username"] or "").strip()
        if not USERNAME.match(username):
            raise AccountError("username", _l("3-150 Latin letters, digits or . _ @ -"))
        if not (person["full_name"] or "").strip():
            raise AccountError("full_name", _l("required"))
        users.append(User(username=username, full_name=person["full_name"].strip(),
                          email=(person.get("email") or "").strip().lower() or None, phone=person.get("phone") or None,
                          locale="", password_hash="", must_change_password=True, created_at=now))
    try:
        with db.atomic():
            ids = insert_rows(User, [u.__data__ for u in users], key=("username",))
    except IntegrityError as exc:
        raise _taken(users) from exc
    for user, user_id in zip(users, ids, strict=True):
        user.id = user_id
    _announce_created(users)
    return users


def _taken(users: list[User]) -> AccountError:
    """Which of the new accounts' usernames, e-mails or phones another account holds."""
    for field in ("username", "email", "phone"):
        values = [getattr(u, field) for u in users if getattr(u, field)]
        column = getattr(User, field)
        for chunk in chunked(values, 500):
            if User.select().where(column.in_(chunk)).exists():
                return AccountError(field, _l("already taken"))
    return AccountError("username", _l("already taken"))


def grant_roles(users: list[User], role: str, school=None, allowed_roles: dict | None = None) -> None:
    """``grant_role`` to many accounts in one scope (a school, or the region): the assignments missing
    are made, in the order of ``users``; those already held stay as they are."""
    from eschool.db import any_of, insert_rows, values_per_query

    _check_role(role, allowed_roles or ROLES, "school" if school is not None else "region")
    held: set[int] = set()
    ids = [u.id for u in users]
    for chunk in chunked(ids, values_per_query()):
        held.update(uid for (uid,) in RoleAssignment.select(RoleAssignment.user).where(
            any_of(RoleAssignment.user, chunk) & (RoleAssignment.role == role)
            & RoleAssignment.municipality.is_null() & RoleAssignment.class_group_id.is_null()
            & ((RoleAssignment.school == school) if school is not None else RoleAssignment.school.is_null())).tuples())
    now = utcnow()
    rows = []
    for user_id in dict.fromkeys(ids):
        if user_id not in held:
            rows.append({"user": user_id, "role": role, "municipality": None, "school": school,
                         "class_group_id": None, "created_at": now})
    insert_rows(RoleAssignment, rows)


def issue_account(full_name: str, role: str, allowed_roles, email: str | None = None, **scope) -> tuple[User, str]:
    """A new account with a handed-out password (changed at first login) and its role in a scope.

    Returns the user and the password: show it once, on the credentials slip, and never store it.
    """
    password = generate_password()
    with db.atomic():
        user = create_user(suggest_username(full_name), full_name, password=password, email=email,
                           must_change_password=True)
        grant_role(user, role, allowed_roles=allowed_roles, **scope)
    return user, password


# ------------------------------------------------------------------ password reset by e-mail

RESET_SECONDS = 3600


class LinkExpired(Exception):
    """A signed link (password reset, invitation) that is too old."""


class LinkInvalid(Exception):
    """A signed link that was tampered with or already used."""


def _signer(salt: str):
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def load_signed(token: str, salt: str, max_age: int):
    from itsdangerous import BadSignature, SignatureExpired

    try:
        return _signer(salt).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkExpired() from exc
    except BadSignature as exc:
        raise LinkInvalid() from exc


def dump_signed(payload, salt: str) -> str:
    return _signer(salt).dumps(payload)


def reset_token(user: User) -> str:
    """A link that works for an hour and only until the password changes (it carries a piece of the hash)."""
    return dump_signed({"u": user.id, "h": user.password_hash[-16:]}, "password-reset")


def user_for_reset(token: str) -> User:
    data = load_signed(token, "password-reset", RESET_SECONDS)
    user = User.get_or_none(User.id == data.get("u"))
    if user is None or not user.is_active or user.password_hash[-16:] != data.get("h"):
        raise LinkInvalid()
    return user


def reset_password(token: str, password: str) -> User:
    user = user_for_reset(token)
    set_password(user, password, must_change=False, how="reset_link")
    User.update(failed_logins=0, locked_until=None).where(User.id == user.id).execute()
    return user
