"""An API client that speaks as one user through a bearer token, as a script would."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from certbody.accounts.services import api_token_create

BASE = "/api/v1"


class Api:
    """Requests to /api/v1 with `Authorization: Bearer <key>`; every answer must be JSON."""

    def __init__(self, key: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def _json(self, response) -> Any:
        assert response["Content-Type"].startswith("application/json"), response.content[:300]
        return response.json()

    def get(self, path: str, params: dict | None = None, *, status: int | None = 200):
        response = self.client.get(BASE + path, params or {}, headers=self.headers)
        body = self._json(response)
        if status is not None:
            assert response.status_code == status, (response.status_code, body)
        return body

    def post(self, path: str, body: Any = None, *, status: int | None = 200, raw: str | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        response = self.client.post(BASE + path, data, content_type="application/json", headers=self.headers)
        payload = self._json(response)
        if status is not None:
            assert response.status_code == status, (response.status_code, payload)
        return payload

    def upload(self, path: str, data: dict, *, status: int | None = 200):
        response = self.client.post(BASE + path, data, headers=self.headers)  # multipart
        payload = self._json(response)
        if status is not None:
            assert response.status_code == status, (response.status_code, payload)
        return payload

    def status_of(self, method: str, path: str, body: Any = None) -> int:
        if method == "get":
            return self.client.get(BASE + path, headers=self.headers).status_code
        data = json.dumps(body if body is not None else {})
        return self.client.post(BASE + path, data, content_type="application/json", headers=self.headers).status_code


@pytest.fixture
def as_user(db):
    """as_user(user) -> Api speaking with a fresh token of that user."""

    def make(user) -> Api:
        _, key = api_token_create(user=user, name="tests", actor=user)
        return Api(key)

    return make
