import logging

from flask import Flask
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from config import Config

db = SQLAlchemy()
migrate = Migrate()
login = LoginManager()
login.login_view = "main.login"
login.login_message = "Sign in to see your journal."
mail = Mail()


def create_app(config_class=Config):
    app = Flask(__name__)
    app.config.from_object(config_class)

    db.init_app(app)
    migrate.init_app(app, db)
    login.init_app(app)
    mail.init_app(app)

    from journal.routes import bp

    app.register_blueprint(bp)

    if not app.debug and not app.testing:
        # Flask's default handler writes to stderr; the platform collects it.
        app.logger.setLevel(logging.INFO)
        app.logger.info("journal starting")
    return app


from journal import models  # noqa: E402,F401  (models register with the metadata)
