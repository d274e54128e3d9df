"""OpenAPI 3.1 description of the public API v1 (served at /api/v1/openapi.json)."""
from __future__ import annotations

_ERROR = {
    "type": "object",
    "required": ["error", "message", "fields"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "attempts_left": {"type": "integer"},
        "retry_after_s": {"type": "integer"},
    },
}
_SOURCE_KEYS = ["page_url", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term",
                "utm_content", "gclid", "yclid", "fbclid"]


def _err(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json_body(schema_ref: str) -> dict:
    return {"required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def document(prefix: str) -> dict:
    sub_id = {"name": "submission_id", "in": "path", "required": True, "schema": {"type": "string"}}
    common = {"400": _err("Malformed body or bad token"), "413": _err("Body too large"),
              "403": _err("Origin not allowed"), "429": _err("Rate limited (see Retry-After)")}
    return {
        "openapi": "3.1.0",
        "info": {"title": "flask-phonecapture public API", "version": "1"},
        "servers": [{"url": prefix.rstrip("/") + "/api/v1"}],
        "paths": {
            "/forms/{form_id}": {"get": {
                "summary": "Public configuration of one form, with a signed submit token",
                "parameters": [{"name": "form_id", "in": "path", "required": True, "schema": {"type": "string"},
                                "example": "callback"}],
                "responses": {"200": {"description": "Form config", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/FormConfig"}}}},
                    "404": _err("Unknown form"), "403": _err("Origin not allowed")}}},
            "/submissions": {"post": {
                "summary": "Submit a phone number; an SMS code is sent",
                "requestBody": _json_body("Submission"),
                "responses": {"201": {"description": "Stored, code sent", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/SubmissionCreated"}}}},
                    "404": _err("Unknown form"), "422": _err("Field errors"), **common}}},
            "/submissions/{submission_id}/verify": {"post": {
                "summary": "Check the SMS code",
                "parameters": [sub_id],
                "requestBody": _json_body("VerifyRequest"),
                "responses": {"200": {"description": "Verified", "content": {"application/json": {
                    "schema": {"type": "object", "required": ["status"],
                               "properties": {"status": {"const": "verified"}}}}}},
                    "404": _err("Unknown submission"), "409": _err("Already verified, and this is not its code"),
                    "410": _err("Expired, locked, or the number was erased (error: erased)"), "422": _err("Wrong code (attempts_left)"), **common}}},
            "/submissions/{submission_id}/resend": {"post": {
                "summary": "Send a new code",
                "parameters": [sub_id],
                "responses": {"202": {"description": "Sent", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["status", "resend_after_s"],
                    "properties": {"status": {"type": "string"}, "resend_after_s": {"type": "integer"}}}}}},
                    "404": _err("Unknown submission"), "409": _err("Already verified"),
                    "410": _err("Form no longer available, or the number was erased (error: erased)"), **common}}},
            "/events": {"post": {
                "summary": "Count a widget event (aggregated; no per-visitor rows)",
                "requestBody": _json_body("Event"),
                "responses": {"204": {"description": "Counted"}, "404": _err("Unknown form"),
                              "422": _err("Unknown event"), **common}}},
        },
        "components": {"schemas": {
            "Error": _ERROR,
            "Submission": {
                "type": "object", "required": ["form_id", "token", "phone"],
                "additionalProperties": False,
                "properties": {
                    "form_id": {"type": "string", "example": "callback"}, "token": {"type": "string"},
                    "phone": {"type": "string", "maxLength": 40, "example": "8 912 345-67-89"},
                    "name": {"type": ["string", "null"], "maxLength": 100},
                    "country": {"type": ["string", "null"], "maxLength": 2},
                    "consents": {"type": "object", "additionalProperties": {"type": "boolean"}},
                    "source": {"type": "object", "properties": {
                        **{k: {"type": ["string", "null"]} for k in _SOURCE_KEYS},
                        "first_touch": {"type": ["object", "null"]}}},
                    "hp": {"type": ["string", "null"]},
                    "elapsed_ms": {"type": ["integer", "null"], "minimum": 0},
                }},
            "SubmissionCreated": {"type": "object", "required": ["id", "status", "resend_after_s"],
                                  "properties": {"id": {"type": "string"}, "status": {"type": "string"},
                                                 "resend_after_s": {"type": "integer"}}},
            "VerifyRequest": {"type": "object", "required": ["code"],
                              "properties": {"code": {"type": "string"}}},
            "Event": {"type": "object", "required": ["form_id", "event"], "properties": {
                "form_id": {"type": "string"},
                "event": {"enum": ["impression", "open", "close", "submit_error", "submit", "verified"]},
                "page_url": {"type": "string"}, "source": {"type": "object"}}},
            "FormConfig": {"type": "object", "required": ["id", "mode", "texts", "token", "consents"],
                           "properties": {"id": {"type": "string"}, "texts": {"type": "object"},
                                          "mode": {"enum": ["popup", "inline", "slidein", "exit_intent", "button"]},
                                          "token": {"type": "string"}, "consents": {"type": "array"},
                                          "countries": {"type": "array"}}},
        }},
    }
