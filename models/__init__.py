"""Pydantic payloads shared by the API, workflows and activities. No import side effects."""
