"""The LLM extractor: its settings and OpenAI client (any OpenAI-compatible server), the prompt rendered,
asked through instructor in the configured mode (modes.py) and the answer validated."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, SecretStr
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from app.adapters.llm.modes import INSTRUCTOR_MODES, LlmMode
from app.adapters.llm.usage import REFUSED, TRUNCATED, AttemptRecorder, error_text
from app.domain.transcript import Transcript
from app.extraction.fallback import ExtractionFailed
from app.extraction.mapping import FieldMapping
from app.extraction.normalise import normalise
from app.extraction.prompts import PromptSet
from app.extraction.response_model import build_response_model, to_values
from app.extraction.types import Attempt, Extraction, ExtractorInfo


@dataclass(frozen=True)
class LlmConfig:
    api_key: SecretStr = field(repr=False)
    model: str
    base_url: str | None = None
    mode: LlmMode = "tools"  # resolve a setting with modes.resolve_mode
    timeout_seconds: float = 30.0
    max_reasks: int = 2  # instructor's re-asks after a validation error (2 means up to 3 requests)
    http_retries: int = 1  # the openai SDK's own retries of 408/429/5xx and connection errors
    prompt_token_budget: int = 6000


def build_openai_client(config: LlmConfig, http: httpx.AsyncClient | None = None) -> openai.AsyncOpenAI:
    """The SDK owns HTTP retries; instructor (in LlmExtractor) owns validation re-asks."""
    return openai.AsyncOpenAI(
        api_key=config.api_key.get_secret_value(),
        base_url=config.base_url,
        timeout=config.timeout_seconds,
        max_retries=config.http_retries,
        http_client=http,
    )


class LlmExtractor:
    def __init__(
        self, client: openai.AsyncOpenAI, config: LlmConfig, mapping: FieldMapping, prompts: PromptSet
    ) -> None:
        # instructor logs failed attempts with the model's answer (customer text) at ERROR; the fallback
        # logs a summary without it instead.
        logging.getLogger("instructor").setLevel(logging.CRITICAL)
        self._client = instructor.from_openai(client, mode=INSTRUCTOR_MODES[config.mode])
        self._config = config
        self._mapping = mapping
        self._prompts = prompts
        self._response_model = build_response_model(mapping)

    @property
    def info(self) -> ExtractorInfo:
        return ExtractorInfo("llm", model=self._config.model, prompt_version=self._prompts.version)

    @property
    def response_model(self) -> type[BaseModel]:
        return self._response_model

    async def extract(self, transcript: Transcript) -> Extraction:
        """Raises ExtractionFailed (with the attempts made) when no valid answer came back."""
        prompt = self._prompts.render(self._mapping, transcript, self._config.prompt_token_budget)
        recorder = AttemptRecorder(secret=self._config.api_key.get_secret_value())
        conversation = normalise("\n".join(m.text for m in transcript.messages))
        started = time.perf_counter()
        try:
            answers, _completion = await self._client.chat.completions.create_with_completion(
                model=self._config.model,
                messages=cast(Any, prompt.messages),
                response_model=self._response_model,
                max_retries=self._reasks(recorder),
                context={"transcript": conversation},
                hooks=recorder.hooks(),
                temperature=0,
            )
        except IncompleteOutputException as exc:
            raise ExtractionFailed(TRUNCATED, recorder.attempts) from exc
        except InstructorRetryException as exc:
            reason = _retry_reason(exc, recorder.attempts, self._config)
            raise ExtractionFailed(reason, recorder.attempts) from exc
        except (openai.OpenAIError, ValueError) as exc:
            reason = _request_failed(exc, self._config)
            raise ExtractionFailed(reason, recorder.attempts) from exc
        return Extraction(
            values=to_values(answers, self._mapping),
            extractor="llm",
            model=self._config.model,
            prompt_version=prompt.version,
            attempts=recorder.attempts,
            latency_ms=round((time.perf_counter() - started) * 1000),
        )

    def _reasks(self, recorder: AttemptRecorder) -> AsyncRetrying:
        """instructor's re-asks after an invalid answer, but none after a refusal."""
        return AsyncRetrying(
            stop=stop_after_attempt(self._config.max_reasks + 1),
            retry=retry_if_exception(lambda exc: _reaskable(exc) and not recorder.refused),
            reraise=True,
        )


def _reaskable(exc: BaseException) -> bool:
    """What instructor re-asks on: an answer that did not parse or validate (pydantic's ValidationError,
    JSONDecodeError and instructor's parsing errors are all ValueErrors)."""
    return isinstance(exc, ValueError)


def _retry_reason(exc: InstructorRetryException, attempts: tuple[Attempt, ...], config: LlmConfig) -> str:
    cause = exc.__cause__
    while isinstance(cause, InstructorRetryException) and cause.__cause__ is not None:
        cause = cause.__cause__
    if isinstance(cause, openai.OpenAIError):
        return _request_failed(cause, config)
    last = attempts[-1].error if attempts and attempts[-1].error else type(exc).__name__
    if last.startswith(REFUSED):
        return last
    return f"no valid answer after {len(attempts)} attempts: {last}"


def _request_failed(exc: Exception, config: LlmConfig) -> str:
    """The error, and for a refused request what to change: the server may not support the mode."""
    reason, mode = error_text(exc, config.api_key.get_secret_value()), config.mode
    if isinstance(exc, openai.BadRequestError):
        others = ", ".join(m for m in INSTRUCTOR_MODES if m != mode)
        reason += (
            f" (asked in mode {mode}: if the server or model does not support it, set CASEBRIDGE_LLM_MODE "
            f"to one of {others}; docs/local-model.md)"
        )
    return reason
