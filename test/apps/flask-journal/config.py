import os

basedir = os.path.abspath(os.path.dirname(__file__))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY") or "change-me-in-production"
    # Heroku-style URLs say postgres://, which SQLAlchemy 2 no longer accepts.
    SQLALCHEMY_DATABASE_URI = (os.environ.get("DATABASE_URL") or "").replace("postgres://", "postgresql://", 1) or (
        "sqlite:///" + os.path.join(basedir, "journal.db")
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or 25)
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS") is not None
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    JOURNAL_ADMINS = [a for a in (os.environ.get("JOURNAL_ADMINS") or "").split(",") if a]
    ENTRIES_PER_PAGE = 20
