"""The console's Jinja environment (autoescape always on, strict undefined) and its static files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

WEB_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def when(value: datetime | None) -> str:
    """A timestamp as admins read it: UTC, to the second."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(value: object) -> str:
    """An OData timestamp string (e.g. Creatio's CreatedOn) shown like `when`."""
    try:
        return when(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value or "—")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def environment() -> Environment:
    # Customer text is only ever a variable, escaped on output; never template source.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["percent"] = percent
    env.filters["iso"] = iso
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment()))


def static_router() -> Router:
    return create_static_files_router(
        path="/static", directories=[STATIC_DIR], include_in_schema=False, name="static"
    )
