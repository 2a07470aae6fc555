from journal import create_app, db
from journal.models import Entry, User

app = create_app()


@app.shell_context_processor
def make_shell_context():
    return {"db": db, "User": User, "Entry": Entry}
