"""Every file under cassettes/ is free of secrets: client secrets, tokens, API keys, auth headers, JWTs.

The scanner reads each file as text and, for YAML/JSON files, also every string of the parsed document
(YAML folds long lines and escapes quotes; the parsed strings do not).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cassettes import CASSETTE_ROOT, CLIENT_SECRET, CREATIO_CASSETTE_DIR, WRONG_SECRET

KNOWN_TEST_SECRETS = (CLIENT_SECRET, WRONG_SECRET)
PLACEHOLDERS = frozenset({"", "XXXXXXXX", "XXXXXXXX-OTHER", "***"})
_Q = r"""\\?["']"""  # a quote, possibly escaped inside a YAML/JSON string

PATTERNS: dict[str, re.Pattern[str]] = {
    "OpenAI-style API key": re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),
    "Authorization header": re.compile(rf"(?im)(^|[{{,\s]){_Q}?(proxy-)?authorization{_Q}?\s*:"),
    "Set-Cookie header": re.compile(rf"(?im)(^|[{{,\s]){_Q}?set-cookie{_Q}?\s*:"),
    "Bearer credential": re.compile(r"\bBearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    "Basic credential": re.compile(r"\bBasic\s+[A-Za-z0-9+/=]{8,}"),
}
# Fields whose value must be a placeholder (form `name=value` or JSON `"name": "value"`).
SECRET_FIELDS = re.compile(
    rf"(?i)\b(client_secret|access_token|refresh_token|id_token|password)"
    rf"(?:=([^&\s\"'\\]*)|{_Q}\s*:\s*{_Q}([^\"'\\]*))"
)
# The repository's before-stop hook; scrubbed placeholders must never match it either.
STOP_HOOK = re.compile(
    r'(sk-[A-Za-z0-9]{20,}|client_secret=[^&*X<"]{6,}|"access_token": ?"[A-Za-z0-9._-]{20,})'
)


def find_secrets(text: str) -> list[str]:
    """What looks like a secret in `text`: descriptions with line numbers, never the secret itself."""

    def line(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    found = [
        f"line {line(text.index(secret))}: a test client secret"
        for secret in KNOWN_TEST_SECRETS
        if secret in text
    ]
    found += [f"line {line(m.start())}: {name}" for name, rx in PATTERNS.items() for m in rx.finditer(text)]
    for match in SECRET_FIELDS.finditer(text):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if value not in PLACEHOLDERS:
            found.append(
                f"line {line(match.start())}: {match.group(1)} with a real value ({len(value)} chars)"
            )
    found += [
        f"line {line(m.start())}: matches the before-stop hook's pattern" for m in STOP_HOOK.finditer(text)
    ]
    return found


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{key}:"
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, bytes):
        yield node.decode("utf-8", errors="replace")
    elif isinstance(node, str):
        yield node


def scan_file(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    findings = find_secrets(text)
    parsed: Any = None
    try:
        if path.suffix in (".yaml", ".yml"):
            parsed = yaml.safe_load(text)
        elif path.suffix == ".json":
            parsed = json.loads(text)
    except (yaml.YAMLError, ValueError):
        findings.append("not parseable, so only scanned as raw text: fix or remove it")
    for string in _strings(parsed):
        findings += [f"in a parsed string, {finding}" for finding in find_secrets(string)]
    return findings


def scan(root: Path) -> dict[str, list[str]]:
    """Findings per file (relative path) under `root`, recursively; files without findings are left out."""
    results = {str(p.relative_to(root)): scan_file(p) for p in sorted(root.rglob("*")) if p.is_file()}
    return {name: findings for name, findings in results.items() if findings}


def test_committed_cassettes_have_no_secrets() -> None:
    creatio = sorted(CREATIO_CASSETTE_DIR.glob("*.yaml"))
    assert creatio, "no Creatio cassettes found: run `make record-cassettes`"
    assert scan(CASSETTE_ROOT) == {}


def test_committed_cassettes_point_at_creatio_test_only() -> None:
    for path in sorted(CREATIO_CASSETTE_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        for interaction in data["interactions"]:
            assert interaction["request"]["uri"].startswith("https://creatio.test/"), path.name
        assert not re.search(r"127\.0\.0\.1|localhost", path.read_text()), path.name


TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJjbGllbnRfaWQiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
PLANTED = {
    "test client secret in a form body": f"body: grant_type=client_credentials&client_secret={CLIENT_SECRET}",
    "wrong test secret anywhere": f"note: {WRONG_SECRET}",
    "OpenAI key": 'body: \'{"api_key": "sk-proj-abcdefghijklmnopqrstuvwx"}\'',
    "client_secret form value": "body: grant_type=client_credentials&client_secret=hunter2hunter2",
    "short client_secret form value": "body: client_secret=abc&client_id=a",
    "client_secret JSON value": 'body: \'{"client_secret": "hunter2hunter2"}\'',
    "access_token compact": 'string: \'{"access_token":"abcdefghijklmnopqrstuvwxyz0123"}\'',
    "access_token with space": 'string: \'{"access_token": "abcdefghijklmnopqrstuvwxyz0123"}\'',
    "access_token escaped in YAML": 'string: "{\\"access_token\\": \\"abcdefghijklmnop\\"}"',
    "refresh_token": 'string: \'{"refresh_token":"r-123456"}\'',
    "authorization header": "headers:\n  authorization:\n  - Basic Y2xpZW50OnNlY3JldA==\n",
    "Authorization header in JSON": 'headers: {"Authorization": ["x"]}',
    "bearer credential": "note: Bearer abcdef.ghijkl.mnopqr",
    "JWT": f"string: '{TOKEN}'",
    "set-cookie": "headers:\n  Set-Cookie:\n  - BPMCSRF=abc\n",
}


@pytest.mark.parametrize("planted", PLANTED.values(), ids=PLANTED.keys())
def test_scanner_finds_a_planted_secret(tmp_path: Path, planted: str) -> None:
    cassette = tmp_path / "creatio" / "planted.yaml"
    cassette.parent.mkdir()
    cassette.write_text(planted + "\n")
    (tmp_path / "clean.yaml").write_text("interactions: []\n")

    assert list(scan(tmp_path)) == ["creatio/planted.yaml"]


def test_scanner_finds_a_secret_in_any_file_type(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text(f"secret={CLIENT_SECRET}\n")
    (tmp_path / "data.json").write_text(json.dumps({"body": '{"access_token": "abcdefghijklmnopqrstu"}'}))

    assert set(scan(tmp_path)) == {"notes.txt", "data.json"}


def test_scanner_accepts_the_scrubbed_placeholders(tmp_path: Path) -> None:
    (tmp_path / "scrubbed.yaml").write_text(
        "interactions:\n"
        "- request:\n"
        "    body: grant_type=client_credentials&client_id=casebridge-cassettes&client_secret=XXXXXXXX\n"
        "  response:\n"
        '    body: {string: \'{"access_token":"***","expires_in":3600,"token_type":"Bearer"}\'}\n'
        "- request:\n"
        "    body: grant_type=client_credentials&client_id=x&client_secret=XXXXXXXX-OTHER\n"
        "  response:\n"
        '    body: {string: \'{"error":"invalid_client"}\'}\n'
    )

    assert scan(tmp_path) == {}
