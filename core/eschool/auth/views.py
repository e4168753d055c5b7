"""Logging in and out, and changing one's password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from eschool.auth import idle, ratelimit, services
from eschool.auth.permissions import AUTHENTICATED, public, require
from eschool.ops.security import security_event
from eschool.web.converters import stored_int
from eschool.web.services import is_local_path

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    login = StringField(_l("Login, e-mail or phone"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))])


def _fresh_session() -> None:
    """Start a new session (nothing carried over from before), keeping only the language chosen."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def start_session(user) -> None:
    """Log ``user`` in with a new session (the login form, an accepted invitation): nothing carried over
    but the language, bound to the account's session epoch, seen now."""
    _fresh_session()
    session.permanent = True
    login_user(user)
    _bind_session(user)


def _bind_session(user) -> None:
    """The session belongs to the account's current session epoch (a logout or a password change moves it
    on and ends the session) and is seen now, so the idle limit holds from the first request."""
    session["epoch"] = user.session_epoch
    idle.seen(session)


def _safe_next(target: str | None) -> str:
    if is_local_path(target):
        return target
    return url_for("web.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        limiter, address = ratelimit.limiter(), ratelimit.client_address()
        wait = limiter.retry_after(address)
        if wait is not None:  # too many failures from this address: the password is not even checked
            services.login_failed(form.login.data, "rate_limited", "form")
            form.password.errors.append(_("Too many failed logins from your network: try again in %(minutes)s min.",
                                          minutes=ratelimit.minutes(wait)))
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}
        try:
            user = services.authenticate(form.login.data, form.password.data, names=limiter)
        except services.AccountLocked as exc:
            limiter.failed(address)
            services.login_failed(form.login.data, "locked", "form")
            form.password.errors.append(_("Too many wrong passwords: this account is locked until %(time)s.",
                                          time=format_datetime(exc.until, "short")))
            return render_template("auth/login.html", form=form), 429
        if user is None:
            limiter.failed(address)
            services.login_failed(form.login.data, "wrong_password", "form")
            form.password.errors.append(_("Wrong login or password."))
        else:
            start_session(user)
            security_event("login_succeeded", account_id=user.id, via="form")
            if user.must_change_password:
                flash(_("You were given this password. Choose your own now."), "info")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" or not form.errors else 400


@bp.post("/logout")
@require(AUTHENTICATED)
def logout():
    services.end_sessions(current_user)  # every session of the account ends, a copied cookie's too
    logout_user()
    _fresh_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("web.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@require(AUTHENTICATED)
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current_password.data, form.new_password.data)
        except services.AccountError as exc:
            target = getattr(form, exc.field, form.new_password)
            target.errors.append(str(exc.message))
        else:
            _bind_session(current_user)  # the other sessions ended; this one goes on at the new epoch
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("web.dashboard"))
    return render_template("auth/change_password.html", form=form), 200 if not form.errors else 400


@bp.post("/account/role")
@require(AUTHENTICATED)
def switch_role():
    """Act in another of one's roles (a teacher who is also a parent); only one's own roles."""
    from eschool.auth.permissions import all_assignments

    chosen = request.form.get("assignment", type=stored_int)
    if chosen not in {a.id for a in all_assignments(current_user)}:
        flash(_("Choose one of your own roles."), "error")
        return redirect(url_for("web.dashboard")), 303
    session["active_role"] = chosen
    return redirect(url_for("web.dashboard"))


# ------------------------------------------------------------------ forgotten passwords


class ForgotForm(FlaskForm):
    login = StringField(_l("Login, e-mail or phone"), validators=[DataRequired(), Length(max=254)])


class ResetForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))])


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    """Self-service reset by e-mail where the region allows it; elsewhere the school administrator sets
    a new password. The answer never tells whether the login exists."""
    from flask import current_app

    from eschool.notifications import services as notifications
    from eschool.notifications.audiences import Audience

    by_email = current_app.extensions["eschool"].region.rules["password_reset"] == "email"
    form = ForgotForm()
    if by_email and form.validate_on_submit():
        limiter = ratelimit.limiter()
        wait = limiter.reset_wait(ratelimit.client_address())
        if wait is not None:  # too many requests from this address, whatever the login
            form.login.errors.append(_("Too many password reset requests from your network: try again in "
                                       "%(minutes)s min.", minutes=ratelimit.minutes(wait)))
            return render_template("auth/forgot.html", form=form, by_email=by_email), 429, {"Retry-After": str(wait)}
        user = services.find_login(form.login.data)
        security_event("password_reset_requested", login=services.login_for_log(form.login.data),
                       account_id=user.id if user is not None else None)
        # past the account's letters per hour nothing is sent, and the answer stays the same (ratelimit.py)
        if user is not None and user.is_active and user.email and limiter.reset_letter_allowed(user.id):
            link = url_for("auth.reset_password", token=services.reset_token(user), _external=True)
            # queued (urgent: no quiet hours), retried, and kept for the administrator if it never goes
            notifications.notify(Audience.users(user.id), "account.password_reset", {"link": link})
        flash(_("If this account has an e-mail address, a letter with a link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form, by_email=by_email)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    try:
        services.user_for_reset(token)
    except services.LinkExpired:
        return render_template("errors/error.html", status=410,
                               message=_("The link has expired. Ask for a new one.")), 410
    except services.LinkInvalid:
        return render_template("errors/error.html", status=400,
                               message=_("The link is not valid or was used already.")), 400
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.new_password.data)
        except services.AccountError as exc:
            form.new_password.errors.append(str(exc.message))
        else:
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 200 if not form.errors else 400
