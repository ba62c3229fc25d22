"""The app as ``wsgi.py`` builds it, plus ``GET /bench/hello`` for the web benchmark only.

``/bench/hello`` returns a constant text through the same app (request hooks, security headers,
session handling) without touching the database: the ceiling a page's throughput is compared
with. Served as ``gunicorn bench.bench_wsgi:app`` by ``bench/bench_web.py``; never in production.
"""

from coachapp import create_app

app = create_app()


@app.get("/bench/hello")
def hello():
    """Hello, world: the app's fixed cost per request, with no database work."""
    return "Hello, world!\n"
