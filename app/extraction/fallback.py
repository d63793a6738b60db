"""Uses the LLM extractor and falls back to the offline one when it fails (never blocks a handoff)."""

from __future__ import annotations

import logging
from dataclasses import replace

from app.domain.transcript import Transcript
from app.extraction.offline import OfflineExtractor
from app.extraction.types import Attempt, Extraction, Extractor, ExtractorInfo

logger = logging.getLogger(__name__)


class ExtractionFailed(Exception):
    """The primary extractor gave no usable answer; `attempts` are the requests it spent on trying."""

    def __init__(self, reason: str, attempts: tuple[Attempt, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


class FallbackExtractor:
    def __init__(self, primary: Extractor, fallback: OfflineExtractor) -> None:
        self._primary = primary
        self._fallback = fallback

    @property
    def info(self) -> ExtractorInfo:
        return replace(self._primary.info, fallback="offline")

    async def extract(self, transcript: Transcript) -> Extraction:
        try:
            return await self._primary.extract(transcript)
        except ExtractionFailed as exc:
            reason, attempts = exc.reason, exc.attempts
        except Exception as exc:  # any LLM failure falls back; it must never block the handoff
            reason, attempts = f"{type(exc).__name__}: {str(exc)[:200]}", ()
        logger.warning(
            "LLM extraction failed; using the offline extractor",
            extra={"reason": reason, "conversation": transcript.conversation_external_id},
        )
        offline = await self._fallback.extract(transcript)
        info = self._primary.info
        return replace(
            offline,
            model=info.model,
            prompt_version=info.prompt_version,
            attempts=attempts,
            fallback_reason=reason,
        )
