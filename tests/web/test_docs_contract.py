"""The documentation a newcomer reads stays inside the repository and matches what the app serves:
docs/api.md names exactly the operations of GET /api/v1/openapi.json, and every link in the README
and docs/ points at a file the repository holds (nothing under ../shared)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)|<img[^>]*\bsrc=\"([^\"]+)\"")
OPERATION = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/api/v1/[^`]*)`", re.MULTILINE)


def test_docs_api_md_lists_every_operation_the_app_serves(client):
    document = client.get("/api/v1/openapi.json").get_json()
    served = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    listed = set(OPERATION.findall((ROOT / "docs" / "api.md").read_text()))
    assert served - listed == set(), "served but not in docs/api.md"
    assert listed - served == set(), "in docs/api.md but not served"


def test_links_in_the_readme_and_docs_stay_in_the_repository():
    broken = []
    for doc in DOCS:
        text = doc.read_text()
        if "../shared" in text or "shared/spec" in text:
            broken.append(f"{doc.relative_to(ROOT)}: mentions ../shared")
        for match in LINK.finditer(text):
            target = (match.group(1) or match.group(2)).split("#", 1)[0]
            if not target or re.match(r"[a-z]+:", target):  # an anchor, or http(s)/mailto
                continue
            path = (doc.parent / target).resolve()
            if not path.is_relative_to(ROOT) or not path.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
    assert broken == []


def test_the_api_package_names_its_contract_inside_the_repository():
    import coachapp.api

    assert "shared/" not in coachapp.api.__doc__
    assert "docs/api.md" in coachapp.api.__doc__
