"""The production entry point: `uvicorn participation.asgi:app`."""

from participation.app import create_app

app = create_app()
