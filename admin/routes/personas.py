"""Personas: the system prompts `/mode` offers, created, edited, ordered and disabled here."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import actions, queries
from admin.actions import PersonaInput
from admin.web import db_call, error, json, login_required, path_int, redirect, render


def _form_input(form: FormData) -> PersonaInput:
    order = str(form.get("sort_order") or "0").strip()
    return PersonaInput(
        name=str(form.get("name") or ""),
        system_prompt=str(form.get("system_prompt") or ""),
        enabled=form.get("enabled") == "on",
        sort_order=int(order) if order.lstrip("-").isdigit() else 0,
    )


def _json_input(body: Any) -> PersonaInput:
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    name, prompt = body.get("name"), body.get("system_prompt")
    enabled, order = body.get("enabled", True), body.get("sort_order", 0)
    if not isinstance(name, str) or not isinstance(prompt, str):
        raise ValueError("name and system_prompt are required strings")
    if not isinstance(enabled, bool) or not isinstance(order, int) or isinstance(order, bool):
        raise ValueError("enabled is a boolean and sort_order an integer")
    return PersonaInput(name, prompt, enabled, order)


@login_required()
async def personas_page(request: Request) -> Response:
    """The Personas page: the list and a form to add one."""
    rows = await db_call(request, queries.personas)
    return render(request, "personas.html", {"personas": rows, "page": "personas"})


@login_required()
async def personas_api(request: Request) -> Response:
    """Every persona as JSON."""
    return json(await db_call(request, queries.personas))


@login_required(edit=True)
async def create_persona(request: Request) -> Response:
    """Add a persona from the form."""
    try:
        await db_call(request, actions.create_persona, _form_input(await request.form()))
    except ValueError as exc:
        return error(request, 400, f"Not saved: {exc}.")
    return redirect(request, "/personas")


@login_required()
async def persona_page(request: Request) -> Response:
    """The edit form of one persona."""
    ident = path_int(request, "persona_id")
    persona = None if ident is None else await db_call(request, actions.get_persona, ident)
    if persona is None:
        return error(request, 404, "No such persona.")
    return render(request, "persona.html",
                  {"persona": persona, "persona_id": ident, "page": "personas"})


@login_required(edit=True)
async def update_persona(request: Request) -> Response:
    """Save the edit form of one persona."""
    ident = path_int(request, "persona_id")
    try:
        data = _form_input(await request.form())
        found = ident is not None and await db_call(request, actions.update_persona, ident, data)
    except ValueError as exc:
        return error(request, 400, f"Not saved: {exc}.")
    return redirect(request, "/personas") if found else error(request, 404, "No such persona.")


@login_required(edit=True)
async def delete_persona(request: Request) -> Response:
    """Delete a persona; users who chose it go back to the default prompt."""
    ident = path_int(request, "persona_id")
    found = ident is not None and await db_call(request, actions.delete_persona, ident)
    return redirect(request, "/personas") if found else error(request, 404, "No such persona.")


@login_required(edit=True)
async def create_persona_api(request: Request) -> Response:
    """Add a persona from a JSON object; answers with its id."""
    try:
        ident = await db_call(request, actions.create_persona, _json_input(await request.json()))
    except ValueError as exc:
        return error(request, 400, f"Bad request: {exc}")
    return json({"id": ident}, status_code=201)


@login_required(edit=True)
async def update_persona_api(request: Request) -> Response:
    """Replace a persona's fields from a JSON object."""
    ident = path_int(request, "persona_id")
    try:
        data = _json_input(await request.json())
        found = ident is not None and await db_call(request, actions.update_persona, ident, data)
    except ValueError as exc:
        return error(request, 400, f"Bad request: {exc}")
    return json({"id": ident}) if found else error(request, 404, "No such persona.")


def routes() -> list[Route]:
    """Persona routes."""
    return [
        Route("/personas", personas_page, methods=["GET"], name="personas"),
        Route("/personas", create_persona, methods=["POST"]),
        Route("/personas/{persona_id}", persona_page, methods=["GET"]),
        Route("/personas/{persona_id}", update_persona, methods=["POST"]),
        Route("/personas/{persona_id}/delete", delete_persona, methods=["POST"]),
        Route("/api/personas", personas_api, methods=["GET"]),
        Route("/api/personas", create_persona_api, methods=["POST"]),
        Route("/api/personas/{persona_id}", update_persona_api, methods=["POST"]),
    ]
