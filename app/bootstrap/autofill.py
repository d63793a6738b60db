"""Wires the field auto-fill: mapping files, extractor (LLM with offline fallback), lookups and audit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AsyncExitStack

import httpx

from app.adapters.creatio import CreatioClient
from app.adapters.creatio.lookups import CreatioLookups
from app.db.engine import SessionFactory
from app.db.stores.autofill_audit import AutofillAuditStore
from app.extraction.fallback import FallbackExtractor
from app.extraction.mapping import FieldMapping, MappingProblem
from app.extraction.mapping_loader import load_mapping
from app.extraction.offline import OfflineExtractor
from app.extraction.prompts import PromptError, PromptSet
from app.extraction.types import Extractor
from app.pipeline.autofill.fill import AutofillSetup, FieldAutofill
from app.pipeline.autofill.lookups import LookupCache, LookupPort
from app.ports.external import NoAutofill
from app.settings import Settings

logger = logging.getLogger(__name__)


class LookupsOfClient:
    """The LookupPort of the current Creatio client (the same object while the client does not change)."""

    def __init__(self, current_client: Callable[[], CreatioClient | None]) -> None:
        self._current = current_client
        self._for: CreatioClient | None = None
        self._port: CreatioLookups | None = None

    def __call__(self) -> LookupPort | None:
        client = self._current()
        if client is None:
            return None
        if client is not self._for:
            self._for, self._port = client, CreatioLookups(client)
        return self._port


def build_extractor(
    settings: Settings, mapping: FieldMapping, stack: AsyncExitStack, http: httpx.AsyncClient | None = None
) -> tuple[Extractor, str | None]:
    """The LLM extractor (offline as fallback) when a key is configured, else the offline one."""
    offline = OfflineExtractor(mapping)
    prompts = _prompts(settings)
    if settings.llm_api_key is None or prompts is None:
        return offline, prompts.version if prompts else None
    from app.adapters.llm import LlmConfig, LlmExtractor, build_openai_client, resolve_mode

    config = LlmConfig(
        api_key=settings.llm_api_key,
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        mode=resolve_mode(settings.llm_mode, settings.llm_base_url),
        timeout_seconds=settings.llm_timeout_seconds,
        max_reasks=settings.llm_max_retries,
        http_retries=settings.llm_http_retries,
        prompt_token_budget=settings.llm_prompt_token_budget,
    )
    client = build_openai_client(config, http)
    stack.push_async_callback(client.close)
    logger.info("LLM extractor", extra={"model": config.model, "mode": config.mode})
    return FallbackExtractor(LlmExtractor(client, config, mapping, prompts), offline), prompts.version


def build_autofill(
    settings: Settings,
    current_client: Callable[[], CreatioClient | None],
    sessions: SessionFactory | None,
    stack: AsyncExitStack,
    llm_http: httpx.AsyncClient | None = None,
) -> AutofillSetup:
    mapping = load_mapping(settings.field_mappings_dir)
    if not mapping.files:
        logger.info(
            "no field mapping files: field auto-fill is off", extra={"dir": str(settings.field_mappings_dir)}
        )
        return AutofillSetup(mapping, NoAutofill())
    if not mapping.ok:
        problems = [str(p) for p in mapping.problems] or ["the mapping files define no fields"]
        for problem in problems:
            logger.error(
                "field mapping problem: field auto-fill is off until it is fixed", extra={"problem": problem}
            )
        return AutofillSetup(mapping, NoAutofill(), problems=problems)
    extractor, prompt_version = build_extractor(settings, mapping, stack, llm_http)
    lookups = LookupCache(LookupsOfClient(current_client), settings.lookup_cache_seconds)
    audit = AutofillAuditStore(sessions) if sessions is not None else None
    service = FieldAutofill(mapping, extractor, lookups, audit)
    logger.info(
        "field auto-fill on",
        extra={"fields": [f.name for f in mapping.fields], "extractor": extractor.info.kind},
    )
    return AutofillSetup(mapping, service, service, prompt_version)


def _prompts(settings: Settings) -> PromptSet | None:
    try:
        return PromptSet(settings.prompts_dir)
    except PromptError as exc:
        if settings.llm_api_key is not None:
            logger.error(
                "prompt templates unusable: using the offline extractor", extra={"problem": str(exc)}
            )
        return None


__all__ = ["MappingProblem", "build_autofill", "build_extractor"]
