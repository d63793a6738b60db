"""Host safety rules for Creatio URLs: valid names, no link-local or cloud-metadata targets."""

from __future__ import annotations

import ipaddress
import re

from app.adapters.creatio.errors import InvalidCreatioUrl

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
