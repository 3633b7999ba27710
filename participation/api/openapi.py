"""The OpenAPI 3.1 document of /api/v1, written by hand next to the code it describes.

tests/api/test_schemathesis.py has schemathesis generate requests from it and check that
every answer matches it, so the document and the endpoints cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from participation.settings import LANGUAGES, Settings

_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_PHASES = ["upcoming", "open", "closed", "results"]
_CHANNELS = ["web", "sms", "voice", "paper", "in_person"]
_SLUG = {"type": "string", "pattern": "^[a-z0-9-]{1,80}$"}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


_LANG_PARAMETER = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": "Language of the texts; falls back to the consultation's own language.",
    "schema": {"type": "string", "enum": list(LANGUAGES)},
}
_SLUG_PARAMETER = {"name": "slug", "in": "path", "required": True, "schema": _SLUG}

_CONSULTATION_FIELDS: dict[str, Any] = {
    "slug": {"type": "string"},
    "code": {"type": "string", "description": "Short code for SMS and phone"},
    "phase": {"type": "string", "enum": _PHASES},
    "locale": _TEXT_OR_NULL,
    "title": {"type": "string"},
    "summary": {"type": "string"},
    "opens_at": _NULLABLE_TIME,
    "closes_at": _NULLABLE_TIME,
    "results_published_at": _NULLABLE_TIME,
    "published_contributions": {"type": "integer", "minimum": 0},
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "detail"],
        "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
    },
    "ConsultationSummary": {
        "type": "object",
        "additionalProperties": False,
        "required": list(_CONSULTATION_FIELDS),
        "properties": _CONSULTATION_FIELDS,
    },
    "PollOption": {
        "type": "object",
        "additionalProperties": False,
        "required": ["position", "key", "label", "votes"],
        "properties": {
            "position": {"type": "integer", "minimum": 1, "maximum": 9},
            "key": _TEXT_OR_NULL,
            "label": {"type": "string"},
            "votes": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "Only once the results are published; null before.",
            },
        },
    },
    "Consultation": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            *_CONSULTATION_FIELDS,
            "body_markdown",
            "poll_question",
            "results_summary_markdown",
            "poll_options",
            "counting_rule",
        ],
        "properties": {
            **_CONSULTATION_FIELDS,
            "body_markdown": {"type": "string"},
            "poll_question": _TEXT_OR_NULL,
            "results_summary_markdown": _TEXT_OR_NULL,
            "poll_options": {"type": "array", "items": {"$ref": "#/components/schemas/PollOption"}},
            "counting_rule": {
                **_TEXT_OR_NULL,
                "description": "How the votes are counted (one vote per person, the latest "
                "answer counts, which voters count), in the language asked for; null "
                "without a poll.",
            },
        },
    },
    "ConsultationList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["consultations"],
        "properties": {
            "consultations": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ConsultationSummary"},
            }
        },
    },
    "Contribution": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "reference",
            "channel",
            "locale",
            "pseudonym",
            "text",
            "poll_answer",
            "created_at",
            "published_at",
            "answer",
            "answered_at",
        ],
        "properties": {
            "reference": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{4}$"},
            "channel": {"type": "string", "enum": _CHANNELS},
            "locale": {"type": "string"},
            "pseudonym": _TEXT_OR_NULL,
            "text": {"type": "string"},
            "poll_answer": {
                **_TEXT_OR_NULL,
                "description": "The poll option's key (yes, no, undecided) or position",
            },
            "created_at": {"type": "string", "format": "date-time"},
            "published_at": _NULLABLE_TIME,
            "answer": {**_TEXT_OR_NULL, "description": "The council's answer"},
            "answered_at": _NULLABLE_TIME,
        },
    },
    "ContributionPage": {
        "type": "object",
        "additionalProperties": False,
        "required": ["contributions", "next_after", "next"],
        "properties": {
            "contributions": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Contribution"},
            },
            "next_after": {
                "type": ["integer", "null"],
                "description": "Pass as `after` for the next page; null on the last page.",
            },
            "next": {**_TEXT_OR_NULL, "description": "The next page's path, or null"},
        },
    },
}


def document(settings: Settings) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{settings.council_name}: citizen participation (public data)",
            "version": "1.0.0",
            "description": (
                "Published consultations and published contributions, read-only. "
                "Nothing here identifies a person: no phone numbers, no addresses, no "
                "unpublished text. Licence of the texts: as stated by the council."
            ),
        },
        "servers": [{"url": settings.public_base_url}],
        "paths": {
            "/api/v1/consultations": {
                "get": {
                    "operationId": "listConsultations",
                    "summary": "Every published consultation, newest first",
                    "parameters": [_LANG_PARAMETER],
                    "responses": {
                        "200": _ok("ConsultationList", "The consultations"),
                        "400": _error_response("A parameter is not valid"),
                    },
                }
            },
            "/api/v1/consultations/{slug}": {
                "get": {
                    "operationId": "getConsultation",
                    "summary": "One consultation with its texts and poll",
                    "parameters": [_SLUG_PARAMETER, _LANG_PARAMETER],
                    "responses": {
                        "200": _ok("Consultation", "The consultation"),
                        "400": _error_response("A parameter is not valid"),
                        "404": _error_response("No published consultation with this slug"),
                    },
                }
            },
            "/api/v1/consultations/{slug}/contributions": {
                "get": {
                    "operationId": "listContributions",
                    "summary": "Published contributions, oldest first (keyset pagination)",
                    "parameters": [
                        _SLUG_PARAMETER,
                        {
                            "name": "after",
                            "in": "query",
                            "required": False,
                            "description": "Cursor: `next_after` of the previous page.",
                            "schema": {"type": "integer", "minimum": 0, "maximum": 2**53 - 1},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 100,
                                "default": 20,
                            },
                        },
                    ],
                    "responses": {
                        "200": _ok("ContributionPage", "One page of contributions"),
                        "400": _error_response("A parameter is not valid"),
                        "404": _error_response("No published consultation with this slug"),
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
