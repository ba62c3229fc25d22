"""The app as ``wsgi.py`` builds it, plus ``GET /bench/hello`` for the web benchmark only.

``/bench/hello`` returns a constant text through the same app (request hooks, security headers,
session handling) without touching the database: the ceiling a page's throughput is compared
with. ``/bench/hello-user`` does the same for a logged-in user: the session cookie and the user's
row, what every page of a logged-in user pays before it does anything of its own. Served as ``gunicorn bench.bench_wsgi:app`` by ``bench/bench_web.py``; never in production.
"""

from flask_login import current_user, login_required

from coachapp import create_app

app = create_app()


@app.get("/bench/hello")
def hello():
    """Hello, world: the app's fixed cost per request, with no database work."""
    return "Hello, world!\n"


@app.get("/bench/hello-user")
@login_required
def hello_user():
    """Hello for the logged-in user: the floor of every logged-in page (cookie, user's row)."""
    return f"Hello, {current_user.name}!\n"
