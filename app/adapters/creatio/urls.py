"""Normalises and checks Creatio instance and identity URLs; explains what to fix when one is unusable."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from app.adapters.creatio.errors import InvalidCreatioUrl
from app.adapters.creatio.hosts import EXAMPLE, checked_host, is_loopback

logger = logging.getLogger(__name__)

_CLOUD_HOST = re.compile(r"^([a-z0-9][a-z0-9-]*)\.creatio\.com$")
_IDENTITY_SUFFIXES = ("/connect/token", "/.well-known/openid-configuration")


@dataclass(frozen=True)
class CheckedUrl:
    """A usable URL plus notes about anything that was changed while normalising it."""

    url: str
    notes: tuple[str, ...] = ()


def normalize_instance_url(raw: str, *, allow_insecure_loopback: bool = False) -> str:
    """The instance URL as `scheme://host[:port][/path]`, no trailing slash; raises InvalidCreatioUrl."""
    return check_instance_url(raw, allow_insecure_loopback=allow_insecure_loopback).url


def normalize_identity_url(raw: str, *, allow_insecure_loopback: bool = False) -> str:
    """The identity base URL (token endpoint = base + '/connect/token'); raises InvalidCreatioUrl."""
    return check_identity_url(raw, allow_insecure_loopback=allow_insecure_loopback).url


def check_instance_url(raw: str, *, allow_insecure_loopback: bool = False) -> CheckedUrl:
    """Like normalize_instance_url, but also reports a removed '/0...' or '/odata...' suffix."""
    base, path = _checked_base(raw, "Creatio instance URL", allow_insecure_loopback)
    segments = [s for s in path.split("/") if s]
    cut = _suffix_start(segments)
    notes: tuple[str, ...] = ()
    if cut is not None:
        removed = "/" + "/".join(segments[cut:])
        segments = segments[:cut]
        notes = (f"Removed '{removed}' from the end of the instance URL: Casebridge adds '/0/odata' itself.",)
        logger.info("Creatio instance URL: removed the suffix %r", removed)
    return CheckedUrl(base + "".join("/" + s for s in segments), notes)


def check_identity_url(raw: str, *, allow_insecure_loopback: bool = False) -> CheckedUrl:
    """Like normalize_identity_url, but also reports a removed '/connect/token' suffix."""
    base, path = _checked_base(raw, "identity service URL", allow_insecure_loopback)
    path = "/" + "/".join(s for s in path.split("/") if s) if path.strip("/") else ""
    for suffix in _IDENTITY_SUFFIXES:
        if path.lower().endswith(suffix):
            path = path[: -len(suffix)]
            note = f"Removed '{suffix}' from the end of the identity URL: enter only its base address."
            logger.info("Creatio identity URL: removed the suffix %r", suffix)
            return CheckedUrl(base + path, (note,))
    return CheckedUrl(base + path)


def default_identity_base(instance_url: str) -> str:
    """`https://<site>-is.creatio.com` for a cloud site `https://<site>.creatio.com`, else `<instance>/0`."""
    parts = urlsplit(instance_url)
    match = _CLOUD_HOST.match(parts.hostname or "")
    is_plain_cloud = parts.scheme == "https" and parts.port is None and not parts.path.strip("/")
    if match and is_plain_cloud and not match.group(1).endswith("-is"):
        return f"https://{match.group(1)}-is.creatio.com"
    return f"{instance_url.rstrip('/')}/0"


def _suffix_start(segments: list[str]) -> int | None:
    """Index of a pasted '/0[/...]' or trailing '/odata[/...]' suffix in the path, if any."""
    lowered = [s.lower() for s in segments]
    if "0" in lowered:
        return lowered.index("0")
    if "odata" in lowered:
        return lowered.index("odata")
    return None


def _checked_base(raw: str, label: str, allow_loopback: bool) -> tuple[str, str]:
    """Validate `raw`; return (`scheme://host[:port]`, path) or raise InvalidCreatioUrl."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        raise InvalidCreatioUrl(f"Enter the {label}, for example {EXAMPLE}.")
    if any(ch.isspace() for ch in text):
        raise InvalidCreatioUrl(f"The {label} must not contain spaces. Enter it like {EXAMPLE}.")
    if "://" not in text:
        hint = f"https://{text}" if ":" not in text and "@" not in text else EXAMPLE
        raise InvalidCreatioUrl(f"The {label} must start with https://, for example {hint}.")
    parts = _split(text, label)
    host = checked_host(parts.hostname, label)
    _check_scheme(parts.scheme.lower(), host, label, allow_loopback)
    port = _checked_port(parts, label)
    origin = f"{parts.scheme.lower()}://{_host_for_url(host)}{port}"
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise InvalidCreatioUrl(
            f"The {label} must not contain '?' or '#' parts (copied from a browser tab?). "
            f"Enter only the site address, for example {origin}."
        )
    return origin, parts.path.rstrip("/")


def _split(text: str, label: str) -> SplitResult:
    """urlsplit that rejects user info and unknown schemes with a clear message."""
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise InvalidCreatioUrl(f"The {label} is not a valid URL. Enter it like {EXAMPLE}.") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidCreatioUrl(f"The {label} must start with https://, for example {EXAMPLE}.")
    if "@" in parts.netloc:
        raise InvalidCreatioUrl(
            f"The {label} must not contain a user name or password (the part before '@'). "
            "Enter the OAuth client id and secret in their own fields."
        )
    return parts


def _check_scheme(scheme: str, host: str, label: str, allow_loopback: bool) -> None:
    """Require https; http only for loopback hosts when development mode allows it."""
    if scheme == "https":
        return
    if is_loopback(host) and allow_loopback:
        return
    extra = (
        " (http:// is accepted only for a local instance while Casebridge runs in development mode)"
        if is_loopback(host)
        else ""
    )
    raise InvalidCreatioUrl(
        f"The {label} must use https://, not http://{extra}. Creatio cloud sites use https."
    )


def _checked_port(parts: SplitResult, label: str) -> str:
    """':<port>' when a non-default port is given, '' otherwise."""
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidCreatioUrl(
            f"The {label} has an invalid port. Enter it like {EXAMPLE} or https://host:8443."
        ) from exc
    default = 443 if parts.scheme.lower() == "https" else 80
    return f":{port}" if port is not None and port != default else ""


def _host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host
