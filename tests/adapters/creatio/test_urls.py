"""Instance/identity URL normalisation, validation messages and the derived endpoints."""

from __future__ import annotations

import pytest

from app.adapters.creatio import (
    CreatioInstance,
    InvalidCreatioUrl,
    check_identity_url,
    check_instance_url,
    default_identity_base,
    normalize_identity_url,
    normalize_instance_url,
)
from app.domain.creatio_platforms import PlatformChoice
from tests.support.fake_creatio import SECRET

GOOD_INSTANCE_URLS = [
    ("https://acme.creatio.com", "https://acme.creatio.com"),
    ("  https://acme.creatio.com/  ", "https://acme.creatio.com"),
    ("https://ACME.Creatio.com///", "https://acme.creatio.com"),
    ("HTTPS://acme.creatio.com:443/", "https://acme.creatio.com"),
    ("https://acme.creatio.com/0", "https://acme.creatio.com"),
    ("https://acme.creatio.com/0/", "https://acme.creatio.com"),
    ("https://acme.creatio.com/0/odata", "https://acme.creatio.com"),
    ("https://acme.creatio.com/0/odata/Case", "https://acme.creatio.com"),
    ("https://acme.creatio.com/odata/", "https://acme.creatio.com"),
    ("https://crm.example.org:8443/creatio/", "https://crm.example.org:8443/creatio"),
    ("https://crm.example.org/creatio/0/Shell", "https://crm.example.org/creatio"),
    ("https://10.1.2.3", "https://10.1.2.3"),
    ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
    ("https://localhost:5002", "https://localhost:5002"),
]


@pytest.mark.parametrize(("raw", "expected"), GOOD_INSTANCE_URLS)
def test_good_instance_urls_are_normalised(raw: str, expected: str) -> None:
    assert normalize_instance_url(raw) == expected


BAD_INSTANCE_URLS = [
    ("", "Enter the Creatio instance URL, for example https://mycompany.creatio.com."),
    ("   ", "Enter the Creatio instance URL"),
    ("acme.creatio.com", "must start with https://, for example https://acme.creatio.com."),
    ("ftp://acme.creatio.com", "must start with https://"),
    ("http://acme.creatio.com", "must use https://, not http://"),
    ("https://acme .creatio.com", "must not contain spaces"),
    ("https://user:pw@acme.creatio.com", "must not contain a user name or password"),
    ("https://acme.creatio.com/?x=1", "must not contain '?' or '#'"),
    (
        "https://acme.creatio.com/0/Shell/#Section/Case",
        "Enter only the site address, for example https://acme.creatio.com.",
    ),
    ("https://169.254.169.254/latest", "points at a cloud metadata service (169.254.169.254)"),
    ("https://[fd00:ec2::254]", "points at a cloud metadata service (fd00:ec2::254)"),
    ("https://metadata.google.internal", "points at a cloud metadata service (metadata.google.internal)"),
    ("https://169.254.10.20", "uses a link-local address (169.254.10.20)"),
    ("https://[fe80::1]", "uses a link-local address (fe80::1)"),
    ("https://[::ffff:169.254.169.254]", "cloud metadata service (169.254.169.254)"),
    ("https://0.0.0.0", "cannot be a Creatio server"),
    ("https://2852039166", "write IP addresses as a.b.c.d"),
    ("https://0xa9.0xfe.0xa9.0xfe", "write IP addresses as a.b.c.d"),
    ("https://acme_site!.creatio.com", "has an invalid host name"),
    ("https://acme.creatio.com:99999", "has an invalid port"),
    ("https://", "has no host name"),
    (
        "http://localhost:5002",
        "(http:// is accepted only for a local instance while Casebridge runs in development mode)",
    ),
]


@pytest.mark.parametrize(("raw", "message"), BAD_INSTANCE_URLS)
def test_bad_instance_urls_explain_what_to_fix(raw: str, message: str) -> None:
    with pytest.raises(InvalidCreatioUrl) as info:
        normalize_instance_url(raw)
    assert message in info.value.message
    assert str(info.value) == info.value.message


def test_userinfo_password_is_not_echoed() -> None:
    with pytest.raises(InvalidCreatioUrl) as info:
        normalize_instance_url("https://admin:hunter2@acme.creatio.com")
    assert "hunter2" not in info.value.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://localhost:5002/", "http://localhost:5002"),
        ("http://127.0.0.1:8100", "http://127.0.0.1:8100"),
        ("http://[::1]:8100", "http://[::1]:8100"),
    ],
)
def test_http_is_allowed_only_for_loopback_in_development(raw: str, expected: str) -> None:
    assert normalize_instance_url(raw, allow_insecure_loopback=True) == expected
    with pytest.raises(InvalidCreatioUrl):
        normalize_instance_url(raw)


def test_http_to_a_real_host_stays_rejected_in_development() -> None:
    with pytest.raises(InvalidCreatioUrl) as info:
        normalize_instance_url("http://acme.creatio.com", allow_insecure_loopback=True)
    assert "must use https://" in info.value.message


def test_stripped_suffix_is_reported() -> None:
    checked = check_instance_url("https://acme.creatio.com/0/odata/")
    assert checked.url == "https://acme.creatio.com"
    assert checked.notes == (
        "Removed '/0/odata' from the end of the instance URL: Casebridge finds the OData root itself.",
    )
    assert check_instance_url("https://acme.creatio.com").notes == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://acme-is.creatio.com/", "https://acme-is.creatio.com"),
        ("https://acme-is.creatio.com/connect/token", "https://acme-is.creatio.com"),
        ("https://acme.creatio.com/0/connect/token/", "https://acme.creatio.com/0"),
        ("https://acme.creatio.com/0", "https://acme.creatio.com/0"),
        ("https://is.example.org/.well-known/openid-configuration", "https://is.example.org"),
        ("https://is.example.org//identity//", "https://is.example.org/identity"),
    ],
)
def test_identity_urls(raw: str, expected: str) -> None:
    assert normalize_identity_url(raw) == expected


def test_identity_suffix_is_reported_and_checks_apply() -> None:
    assert check_identity_url("https://acme-is.creatio.com/connect/token").notes == (
        "Removed '/connect/token' from the end of the identity URL: enter only its base address.",
    )
    with pytest.raises(InvalidCreatioUrl) as info:
        normalize_identity_url("http://169.254.169.254/connect/token")
    assert "identity service URL" in info.value.message


@pytest.mark.parametrize(
    ("instance", "expected"),
    [
        ("https://acme.creatio.com", "https://acme-is.creatio.com"),
        ("https://dev-acme.creatio.com", "https://dev-acme-is.creatio.com"),
        ("https://crm.example.org", "https://crm.example.org/0"),
        ("https://crm.example.org/creatio", "https://crm.example.org/creatio/0"),
        ("https://a.b.creatio.com", "https://a.b.creatio.com/0"),
        ("https://acme.creatio.com:8443", "https://acme.creatio.com:8443/0"),
        ("http://127.0.0.1:8100", "http://127.0.0.1:8100/0"),
    ],
)
def test_default_identity_base(instance: str, expected: str) -> None:
    assert default_identity_base(instance) == expected


def test_connection_endpoints_and_repr() -> None:
    conn = CreatioInstance("https://acme.creatio.com/", "cid", SECRET)
    assert conn.instance_url == "https://acme.creatio.com"
    assert conn.cloud_token_endpoint == "https://acme-is.creatio.com/connect/token"
    assert (conn.odata_root, conn.token_endpoint) == (None, None)  # detected and discovered when used
    assert conn.odata_root_candidates == (
        "https://acme.creatio.com/0/odata",
        "https://acme.creatio.com/odata",
    )
    custom = CreatioInstance("https://crm.example.org", "cid", SECRET, "https://is.example.org/")
    assert (custom.identity_url, custom.cloud_token_endpoint) == ("https://is.example.org", None)
    assert SECRET not in repr(conn)
    assert SECRET not in str(conn)
    assert "cid" in repr(conn)


@pytest.mark.parametrize(
    ("platform", "root"),
    [("netframework", "https://crm.example.org/0/odata"), ("netcore", "https://crm.example.org/odata")],
)
def test_a_chosen_platform_fixes_the_odata_root_over_a_stored_one(
    platform: PlatformChoice, root: str
) -> None:
    stored = "https://crm.example.org/elsewhere/odata"
    conn = CreatioInstance("https://crm.example.org", "cid", SECRET, platform=platform, odata_root=stored)
    assert (conn.odata_root, conn.odata_root_candidates) == (root, (root,))
    auto = CreatioInstance("https://crm.example.org", "cid", SECRET, odata_root=stored)
    assert auto.odata_root_candidates == (stored,)


def test_connection_from_input_normalises_and_validates() -> None:
    conn = CreatioInstance.from_input(" https://acme.creatio.com/0/ ", " cid ", f" {SECRET} ", "  ")
    assert (conn.instance_url, conn.client_id, conn.client_secret, conn.identity_url) == (
        "https://acme.creatio.com",
        "cid",
        SECRET,
        None,
    )
    with pytest.raises(InvalidCreatioUrl):
        CreatioInstance.from_input("http://acme.creatio.com", "cid", SECRET)
