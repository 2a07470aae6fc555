FLASK_APP=journal_app.py
