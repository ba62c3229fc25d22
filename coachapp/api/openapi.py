"""The OpenAPI 3.1 description of the JSON API, served at ``GET /api/v1/openapi.json``.

Generated from the operations ``spec.api_route`` registered and the pydantic models they name:
paths, parameters, request bodies, answers and every error an operation can give. A test compares
it with the app's URL map.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter

from . import models
from .spec import OPERATIONS, Operation

API = "/api/v1"


ERROR_TEXT = {
    400: "Malformed JSON, a body that is not an object, or a field of the wrong type.",
    401: "No API token, or one that is not valid (unknown, revoked or expired).",
    403: "A valid token without the right to do this.",
    404: "No such resource (or an id that is not a number).",
    409: "The current state forbids it.",
    413: "payload_too_large: the request body is over 1 MiB (it is not read).",
    422: "Well-formed but invalid input; the message names the field.",
}
IDEMPOTENT_409 = (
    "request_in_progress (the first request with this Idempotency-Key has not finished; "
    "retry in a moment)"
)
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: the same key from the same user with the same body within 24 hours "
        "answers the first successful (2xx) response again, with the header "
        "Idempotent-Replayed: true, and creates nothing new. The same key with another body or "
        "path is 422 naming Idempotency-Key. A refused request (4xx) keeps no answer, so the key "
        "may be sent again with a corrected body. 1 to 255 printable ASCII characters, no spaces."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}
REF = "#/components/schemas/{model}"
INLINE = {"ErrorDetail"}
"""Models written out where they are used rather than named (like every enum)."""


def _inline(node: Any, schemas: dict[str, Any]) -> Any:
    """``node`` with each reference to an enum or an ``INLINE`` model replaced by its schema."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if name in schemas and (name in INLINE or "enum" in schemas[name]):
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return _inline({**schemas[name], **rest}, schemas)
        return {key: _inline(value, schemas) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, schemas) for value in node]
    return node


def _clean(node: Any) -> Any:
    """Drop pydantic's generated titles (the names are in the refs and the properties) and null
    defaults (a field left out is null); docstrings become plain descriptions."""
    if isinstance(node, dict):
        if isinstance(node.get("title"), str):
            del node["title"]
        if "default" in node and node["default"] is None:
            del node["default"]
        if isinstance(node.get("description"), str):  # a docstring: one line, no markup
            node["description"] = " ".join(node["description"].replace("``", "").split())
        for value in node.values():
            _clean(value)
    elif isinstance(node, list):
        for value in node:
            _clean(value)
    return node


class _Builder:
    """Collects the component schemas while the operations are described."""

    def __init__(self):
        self.schemas: dict[str, Any] = {}

    def schema(self, kind: Any, mode: str) -> dict:
        out = TypeAdapter(kind).json_schema(mode=mode, ref_template=REF)
        self.schemas.update(_clean(out.pop("$defs", {})))
        return _clean(out)

    def parameters(self, op: Operation) -> list[dict]:
        found = []
        for name, kind in op.path.items():
            schema = self.schema(kind, "validation")
            found.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "description": schema.pop("description", f"The {name}."),
                    "schema": schema,
                }
            )
        if op.query is not None:
            query = self.schema(op.query, "validation")
            for name, schema in query["properties"].items():
                if schema.get("default", 0) is None:
                    del schema["default"]
                found.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in query.get("required", []),
                        "description": schema.pop("description", ""),
                        "schema": schema,
                    }
                )
        if op.idempotent:
            found.append(IDEMPOTENCY_KEY)
        return found

    def responses(self, op: Operation) -> dict:
        success: dict[str, Any] = {"description": op.answer}
        if op.envelope is not None:
            schema = self.schema(op.envelope, "serialization")
            success["content"] = {"application/json": {"schema": schema}}
        elif op.status != 204:
            success["content"] = {"application/json": {"schema": {"type": "object"}}}
        if op.links:
            success["links"] = {
                target[0].upper() + target[1:]: {
                    "operationId": target,
                    "parameters": {"id": f"$response.body#{pointer}"},
                }
                for pointer, targets in op.links.items()
                for target in targets
            }
        codes = set(op.errors)
        if not op.public:
            codes.add(401)
        if op.body is not None:
            codes |= {400, 413, 422}
        if op.query is not None:
            codes.add(422)
        if op.path:
            codes.add(404)
        conflicts = [
            text for text in (op.conflicts, IDEMPOTENT_409 if op.idempotent else None) if text
        ]
        if conflicts:
            codes.add(409)
        answers = {str(op.status): success}
        for code in sorted(codes):
            text = ERROR_TEXT[code]
            if code == 409 and conflicts:
                text = f"The current state forbids it: {', '.join(conflicts)}."
            answers[str(code)] = {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
            }
        return answers

    def operation(self, op: Operation) -> dict:
        out: dict[str, Any] = {"summary": op.summary, "operationId": op.op_id, "tags": [op.tag]}
        if op.description:
            out["description"] = op.description
        parameters = self.parameters(op)
        if parameters:
            out["parameters"] = parameters
        if op.body is not None:
            out["requestBody"] = {
                "required": op.body_required,
                "content": {"application/json": {"schema": self.schema(op.body, "validation")}},
            }
        out["responses"] = self.responses(op)
        if op.public:
            out["security"] = []
        return out


def _template(rule: str) -> str:
    return API + re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    builder = _Builder()
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(_template(op.rule), {})[op.method.lower()] = builder.operation(op)
    error = builder.schema(models.Error, "serialization")
    named = builder.schemas
    paths = _inline(paths, named)
    schemas = {
        name: _inline(schema, named)
        for name, schema in named.items()
        if name not in INLINE and "enum" not in schema
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "coachapp JSON API",
            "version": "1.0.0",
            "description": (
                "Availability, bookings and sessions of a gym's coaches. Ids are strings; "
                "datetimes are ISO 8601 with the coach's offset; dates YYYY-MM-DD; weekly times "
                "HH:MM in the coach's zone; day_of_week 0 = Sunday … 6 = Saturday. Every error "
                'is {"error": {"code", "message"}}.'
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `flask --app wsgi users token EMAIL`.",
                }
            },
            "schemas": {**schemas, "Error": _inline(error, named)},
        },
    }
