"""Normalises and checks Creatio instance and identity URLs (valid host names, no link-local or
cloud-metadata targets); explains what to fix when one is unusable."""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from app.adapters.creatio.errors import InvalidCreatioUrl

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
        notes = (
            f"Removed '{removed}' from the end of the instance URL: Casebridge finds the OData root itself.",
        )
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


def cloud_token_endpoint(instance_url: str) -> str | None:
    """The token endpoint of a Creatio cloud site (`<site>-is.creatio.com`), None for other hosts."""
    base = default_identity_base(instance_url)
    return None if base.endswith("/0") else f"{base}/connect/token"


def check_discovered_endpoint(url: object, document_url: str) -> str:
    """A `token_endpoint` read from a discovery document, or InvalidCreatioUrl saying why it is not used:
    https (http only on loopback when the document came over http), no metadata or link-local host, and
    no loopback address advertised by a host that is not loopback itself (an internal address behind a
    proxy)."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidCreatioUrl("it has no token_endpoint")
    source = urlsplit(document_url)
    loopback_source = is_loopback(source.hostname or "")
    try:
        base, path = _checked_base(url.strip(), "token endpoint", source.scheme == "http" and loopback_source)
    except InvalidCreatioUrl as exc:
        raise InvalidCreatioUrl(f"its token_endpoint {url[:200]!r} is not usable: {exc.message}") from exc
    if is_loopback(urlsplit(base).hostname or "") and not loopback_source:
        raise InvalidCreatioUrl(f"its token_endpoint {url[:200]!r} is a loopback address of that server")
    return base + path


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


EXAMPLE = "https://mycompany.creatio.com"
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)
METADATA_IPS = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),
    }
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def checked_host(hostname: str | None, label: str) -> str:
    """The lower-case host; rejects missing, malformed, link-local and cloud-metadata hosts."""
    host = (hostname or "").rstrip(".")
    if not host:
        raise InvalidCreatioUrl(f"The {label} has no host name. Enter it like {EXAMPLE}.")
    ip = _parse_ip(host)
    if ip is None:
        _check_hostname(host, label)
        host = _ascii_host(host)
        if host in METADATA_HOSTS:
            raise InvalidCreatioUrl(
                f"The {label} points at a cloud metadata service ({host}); use the Creatio address."
            )
        return host
    _check_ip(ip, label)
    return str(ip)


def _parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address in `host` (IPv4-mapped IPv6 unwrapped), or None for a host name."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _check_hostname(host: str, label: str) -> None:
    """Reject host names with invalid characters and numeric hosts not written as a.b.c.d."""
    labels = _ascii_host(host).split(".")
    if not all(_LABEL.match(part) for part in labels):
        raise InvalidCreatioUrl(
            f"The {label} has an invalid host name '{host[:100]}'. Enter it like {EXAMPLE}."
        )
    if labels[-1].isdigit() or labels[-1].startswith("0x"):
        raise InvalidCreatioUrl(
            f"The {label} has an unusual numeric host '{host}'; write IP addresses as a.b.c.d."
        )


def _check_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, label: str) -> None:
    """Reject metadata, link-local, unspecified and multicast addresses."""
    if ip in METADATA_IPS:
        raise InvalidCreatioUrl(
            f"The {label} points at a cloud metadata service ({ip}); use the Creatio address."
        )
    if ip.is_link_local:
        raise InvalidCreatioUrl(
            f"The {label} uses a link-local address ({ip}), which is not allowed. Use the Creatio host name."
        )
    if ip.is_unspecified or ip.is_multicast:
        raise InvalidCreatioUrl(f"The {label} uses the address {ip}, which cannot be a Creatio server.")


def _ascii_host(host: str) -> str:
    """The IDNA (punycode) form of an internationalised host name; '' when it cannot be encoded."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def is_loopback(host: str) -> bool:
    """True for localhost names and loopback addresses (127.0.0.0/8, ::1)."""
    ip = _parse_ip(host)
    if ip is not None:
        return ip.is_loopback
    return host == "localhost" or host.endswith(".localhost")
