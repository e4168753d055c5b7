"""The WSGI entry for production: ``gunicorn 'eschool.wsgi:app'`` (configured from the environment)."""
from eschool import create_app

app = create_app()
