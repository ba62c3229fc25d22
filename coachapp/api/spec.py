"""The glue between a route and its models: ``@api_route`` registers one operation.

A view declares its inputs as annotated parameters and its answer as a dict of models::

    @api_route("POST", "/coaches/<id>/blocked-slots", op="createBlockedSlot", tag="availability",
               status=201, returns={"blocked_slot": BlockedSlot, "conflicts": list[Session]},
               answer="The blocked slot and the sessions it puts in conflict.")
    def create_blocked_slot(id: CoachId, body: BlockedSlotIn): ...

Path parameters are validated with their annotated type, ``query`` with its model over the query
string, ``body`` with its model over the JSON object (``BodyModel | None``: the body may be left
out). The view returns the answer's fields as models; they are validated into the answer's shape
and sent as JSON with ``status``. ``openapi.document`` describes every registered operation from
the same declarations.

Input failures become the contract's errors, naming the field as ``windows[0].end_time``: a body
that is not a JSON object, or a value of the wrong JSON type, is 400 ``bad_request``; a missing or
invalid value is 422 ``validation_error``; an id that cannot name anything is 404 ``not_found``.
"""

from __future__ import annotations

import functools
import inspect
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from flask import jsonify, request
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)

from ..services.errors import BadRequest, DomainError, NotFound, ValidationFailed
from . import bp
from .idempotency import idempotent as _idempotent

_JSON_TYPES = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
    "list_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
}


class ApiInput(BaseModel):
    """A request body or query: unknown fields are ignored and null means left out (a required
    field sent as null is missing), unless the model sets ``keeps_null``."""

    model_config = ConfigDict(extra="ignore")
    keeps_null: typing.ClassVar[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _null_is_left_out(cls, data: Any) -> Any:
        if isinstance(data, dict) and not cls.keeps_null:
            return {k: v for k, v in data.items() if v is not None}
        return data


class ApiOutput(BaseModel):
    """A response shape, built from rows (attributes) with ``of``; instants in ``zone``."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, row: Any, zone=None, **extra: Any):
        """This shape of ``row`` (an object or a dict), ``extra`` fields over its attributes."""
        source = _Merged(row, extra) if extra else row
        return cls.model_validate(source, context={"zone": zone})


class _Merged:
    def __init__(self, row: Any, extra: dict):
        self._row, self._extra = row, extra

    def __getattr__(self, name: str) -> Any:
        if name in self._extra:
            return self._extra[name]
        return getattr(self._row, name)


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not part.startswith("function-"):
            out += f".{part}" if out else part
    return out


def refusal(exc: ValidationError, name: str | None = None) -> DomainError:
    """The contract's error for the first thing wrong in ``exc``: a plain message and the field
    (``windows[0].end_time``; ``name`` for a lone value), which ``errors.with_field`` joins."""
    error = exc.errors(include_url=False)[0]
    loc = tuple(error["loc"]) + tuple((error.get("ctx") or {}).get("at", ()))
    field = _field_path(loc) or name
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "not_found":  # a path's own id names the resource itself, not a field
        field = None if field == "id" else field
        return NotFound(
            f"no such {field or 'resource'} {ctx.get('value', '')}".strip(), field=field
        )
    if kind in _JSON_TYPES:
        return BadRequest(f"must be {_JSON_TYPES[kind]}", field=field)
    if kind == "wrong_type":
        return BadRequest(error["msg"], field=field)
    if kind == "missing":
        return ValidationFailed("is required", field=field)
    return ValidationFailed(_plain(kind, error["msg"], ctx), field=field)


def _plain(kind: str, message: str, ctx: dict) -> str:
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    if kind == "too_long":
        return f"must have at most {ctx['max_length']} items"
    if kind in ("literal_error", "enum"):
        return f"must be {ctx['expected']}"
    if kind == "string_unicode":
        return "is not valid Unicode text"
    return message[:1].lower() + message[1:]


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def json_object(optional: bool = False) -> dict[str, Any]:
    """The request body as a JSON object; 400 when it is not one.

    ``optional`` reads an empty body as ``{}``. The content type is not checked: a client that
    forgets ``Content-Type: application/json`` but sends JSON is understood.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        if optional:
            return {}
        raise BadRequest("The request body must be a JSON object.")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    return data


def parse(model: type[BaseModel], data: Any) -> Any:
    """``data`` validated into ``model``; the contract's error for the first thing wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise refusal(exc) from None


@dataclass
class Operation:
    """One documented operation: what ``openapi.document`` needs to describe it."""

    method: str
    rule: str
    op_id: str
    tag: str
    summary: str
    description: str | None
    status: int
    answer: str
    envelope: type[BaseModel] | None
    path: dict[str, Any] = field(default_factory=dict)
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    body_required: bool = True
    errors: tuple[int, ...] = ()
    conflicts: str | None = None
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)
    idempotent: bool = False
    public: bool = False


OPERATIONS: list[Operation] = []
"""Every operation registered with ``api_route``, in the order the routes declare them."""


def _optional(annotation: Any) -> tuple[Any, bool]:
    """``(X, True)`` for ``X | None``, else ``(annotation, False)``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def _envelope(name: str, returns: dict[str, Any] | None) -> type[BaseModel] | None:
    """The answer's shape: each field required, but one typed ``X | None`` is left out when
    None."""
    if returns is None:
        return None
    fields = {}
    for key, annotation in returns.items():
        _inner, optional = _optional(annotation)
        fields[key] = (
            (annotation, Field(None, exclude_if=lambda v: v is None))
            if optional
            else (annotation, ...)
        )
    return create_model(name, **fields)


def api_route(
    method: str,
    rule: str,
    *,
    op: str,
    tag: str,
    answer: str,
    status: int = 200,
    returns: dict[str, Any] | None = None,
    errors: tuple[int, ...] = (),
    conflicts: str | None = None,
    links: dict[str, tuple[str, ...]] | None = None,
    idempotent: bool = False,
    public: bool = False,
):
    """Register ``view`` at ``rule`` (under ``/api/v1``) and document it as ``op``.

    ``returns`` names the answer's fields and their models (``status`` 204: none);
    ``errors`` adds statuses the view's services can refuse with (401, and 400/413/422 for a
    body, 422 for a query, 404 for a path parameter are added by themselves); ``conflicts``
    lists the 409 codes; ``links`` maps a JSON pointer in the answer to the operations whose
    ``id`` it is; ``idempotent`` honours and documents ``Idempotency-Key``.
    """

    def register(view):
        hints = typing.get_type_hints(view, include_extras=True)
        doc = inspect.cleandoc(view.__doc__ or "").split("\n\n", 1)
        operation = Operation(
            method=method,
            rule=rule,
            op_id=op,
            tag=tag,
            summary=doc[0].replace("\n", " "),
            description=doc[1].replace("\n", " ") if len(doc) > 1 else None,
            status=status,
            answer=answer,
            envelope=_envelope(op[0].upper() + op[1:] + "Answer", returns),
            errors=errors,
            conflicts=conflicts,
            links=links or {},
            idempotent=idempotent,
            public=public,
        )
        for name in inspect.signature(view).parameters:
            if name == "query":
                operation.query = hints[name]
            elif name == "body":
                operation.body, optional = _optional(hints[name])
                operation.body_required = not optional
            else:
                operation.path[name] = hints[name]
        adapters = {name: TypeAdapter(kind) for name, kind in operation.path.items()}

        @functools.wraps(view)
        def endpoint(**kwargs):
            args = {}
            for name, adapter in adapters.items():
                try:
                    args[name] = adapter.validate_python(kwargs[name])
                except ValidationError as exc:
                    raise refusal(exc, name) from None
            if operation.query is not None:
                args["query"] = parse(operation.query, request.args.to_dict(flat=True))
            if operation.body is not None:
                data = json_object(optional=not operation.body_required)
                args["body"] = parse(operation.body, data)
            result = view(**args)
            if operation.envelope is None:
                return ("", status) if result is None else (jsonify(result), status)
            answer_ = operation.envelope.model_validate(result)
            response = jsonify(answer_.model_dump(mode="json"))
            response.status_code = status
            return response

        wrapped = _idempotent(endpoint) if idempotent else endpoint
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        OPERATIONS.append(operation)
        return view

    return register
