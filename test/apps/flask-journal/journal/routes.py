import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from journal import db
from journal.models import Entry, User

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    page = request.args.get("page", 1, type=int)
    query = current_user.entries.select().order_by(Entry.written_at.desc())
    entries = db.paginate(query, page=page, per_page=current_app.config["ENTRIES_PER_PAGE"], error_out=False)
    return render_template("index.html", entries=entries)


@bp.route("/entries", methods=["POST"])
@login_required
def add_entry():
    body = (request.form.get("body") or "").strip()
    if not body:
        flash("An empty entry was not saved.")
    else:
        db.session.add(Entry(body=body, mood=request.form.get("mood") or None, author=current_user))
        db.session.commit()
    return redirect(url_for("main.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    if request.method == "POST":
        user = db.session.scalar(sa.select(User).where(User.email == request.form.get("email", "")))
        if user is None or not user.check_password(request.form.get("password", "")):
            flash("Wrong email or password.")
            return redirect(url_for("main.login"))
        login_user(user, remember=bool(request.form.get("remember")))
        return redirect(request.args.get("next") or url_for("main.index"))
    return render_template("login.html")


@bp.route("/register", methods=["GET", "POST"])
def register():
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        if db.session.scalar(sa.select(User).where(User.email == email)) is not None:
            flash("That email already has an account.")
            return redirect(url_for("main.register"))
        user = User(email=email)
        user.set_password(request.form.get("password", ""))
        db.session.add(user)
        db.session.commit()
        flash("Account created; sign in.")
        return redirect(url_for("main.login"))
    return render_template("register.html")


@bp.route("/logout")
def logout():
    logout_user()
    return redirect(url_for("main.login"))
