"""The console's Jinja environment (autoescape always on, strict undefined) and its static files."""

from __future__ import annotations

import errno
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar.file_system import BaseLocalFileSystem
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import PathType
from litestar.types.file_types import FileInfo

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


# stat() errors that only say no file has this name: a path through a file, a name too long, a symlink loop.
NO_SUCH_NAME = frozenset({errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP})


class StaticFileSystem(BaseLocalFileSystem):
    """Litestar's local file system, except that a path no file can have is not found (404). Litestar lets
    stat()'s ValueError for a NUL in the path escape, and turns the OSErrors above into a 500."""

    async def info(self, path: PathType, **kwargs: Any) -> FileInfo:
        if "\x00" in str(path):
            raise FileNotFoundError(errno.ENOENT, "no such file", str(path))
        try:
            return await super().info(path, **kwargs)
        except OSError as exc:
            if exc.errno in NO_SUCH_NAME:
                raise FileNotFoundError(errno.ENOENT, "no such file", str(path)) from exc
            raise


def static_router() -> Router:
    return create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        file_system=StaticFileSystem(),
        include_in_schema=False,
        name="static",
    )
