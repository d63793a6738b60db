"""The live self-test of a saved Creatio connection (`casebridge creatio check`, the console's *Check write
access*): every request shape Casebridge sends, through the same adapter code the sync, Creatio to chat and
the reconciliation use, each step timed and, on failure, shown with Creatio's own answer. Only with `write`
does it create records (marked `Casebridge self-test <UTC time>`), and it deletes them again afterwards."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID, uuid4

import httpx

from app.adapters.creatio import CreatioClient, CreatioError, CreatioInstance
from app.adapters.creatio.case_reader import CreatioCaseReader
from app.adapters.creatio.crm import CreatioCrm
from app.adapters.creatio.lookups import CreatioLookups, read_pick_lists
from app.crm_connection.recorded_http import Answer, AnswerRecorder
from app.domain.case import ActivityDraft, CaseChanges, CaseDraft, CustomerIdentity
from app.domain.creatio_ids import lookup_guid
from app.domain.crm_connection import ConnectionSettings
from app.pipeline.crm_to_chat.reconcile import INITIAL_LOOKBACK, ReconcileConfig
from app.ports.errors import PipelineError
from app.settings import Settings

StepStatus = Literal["passed", "failed", "skipped"]
MARKER = "Casebridge self-test"
SEARCH_EMAIL = "casebridge-self-test@example.invalid"  # RFC 2606: never anybody's address
SEARCH_PHONE = "+15550100000"  # a 555-01xx number: reserved for fiction
WRITES = "not run: it writes to Creatio (run `casebridge creatio check --write`)"
# The steps, in the order they run and are reported.
AUTH = "token"
ROOT = "OData root"
OWNER = "owner lookup by name"
GROUP = "group lookup by name"
STATUSES = "status lookup by name"
PICK_LISTS = "pick lists"
BY_EMAIL = "contact search by email"
BY_PHONE = "contact search by phone"
BATCH = "$batch create"
PATCH = "PATCH case status"
READ = "case and activities read"
POLL = "reconciliation poll"
DELETE = "test records deleted"
STEP_NAMES = (
    AUTH,
    ROOT,
    OWNER,
    GROUP,
    STATUSES,
    PICK_LISTS,
    BY_EMAIL,
    BY_PHONE,
    BATCH,
    PATCH,
    READ,
    POLL,
    DELETE,
)
STATUS_LABELS: dict[StepStatus, str] = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}


@dataclass(frozen=True)
class SelfTestOptions:
    """The process settings the checked requests depend on (as `serve` and `casebridge worker` use them)."""

    reopen_status_name: str = "Reopened"
    reply_type_names: tuple[str, ...] = ("Email",)
    page_size: int = ReconcileConfig.page_size

    @classmethod
    def from_settings(cls, settings: Settings) -> SelfTestOptions:
        return cls(settings.reopen_status_name, settings.reply_activity_type_names)


@dataclass(frozen=True)
class StepResult:
    name: str
    status: StepStatus
    elapsed_ms: float
    detail: str
    answer: str | None = None  # Creatio's answer to the failed request: status and (cut) body


@dataclass(frozen=True)
class Leftover:
    """A record the self-test created and could not delete: an admin deletes it by hand."""

    entity_set: str
    id: UUID
    problem: str


@dataclass(frozen=True)
class SelfTestReport:
    instance_url: str
    odata_root: str | None
    started_at: datetime
    write: bool
    marker: str
    steps: tuple[StepResult, ...]
    leftovers: tuple[Leftover, ...]

    @property
    def ok(self) -> bool:
        return not self.leftovers and all(step.status != "failed" for step in self.steps)

    def text(self) -> str:
        """The report as lines of plain text, fit to paste into a bug report (it holds no secrets)."""
        mode = f'with writes, marked "{self.marker}"' if self.write else "read-only"
        lines = [
            f"Casebridge self-test of {self.instance_url} at {_iso(self.started_at)} ({mode})",
            f"OData root: {self.odata_root or 'not found'}",
        ]
        width = max(len(step.name) for step in self.steps)
        for step in self.steps:
            elapsed = f"{step.elapsed_ms:6.0f} ms"
            lines.append(f"{STATUS_LABELS[step.status]}  {step.name:<{width}}  {elapsed}  {step.detail}")
            if step.answer:
                lines.append(f"      Creatio answered: {step.answer}")
        if self.leftovers:
            lines.append("Left in Creatio: delete these by hand:")
            lines += [f"  {item.entity_set} {item.id} ({item.problem})" for item in self.leftovers]
        failed = sum(1 for step in self.steps if step.status == "failed")
        skipped = sum(1 for step in self.steps if step.status == "skipped")
        verdict = "PASSED" if self.ok else "FAILED"
        lines.append(f"{verdict}: {len(self.steps)} steps, {failed} failed, {skipped} skipped")
        return "\n".join(lines)


class StepFailed(Exception):
    """A request worked, but what came back is not what Casebridge relies on."""


class StepSkipped(Exception):
    """Nothing to check in this step (the message says why)."""


@dataclass
class _Created:
    contact: UUID = field(default_factory=uuid4)
    case: UUID = field(default_factory=uuid4)
    activities: tuple[UUID, UUID] = field(default_factory=lambda: (uuid4(), uuid4()))
    batch_sent: bool = False
    case_created: bool = False


async def run_self_test(
    instance: CreatioInstance,
    settings: ConnectionSettings,
    http: httpx.AsyncClient,
    options: SelfTestOptions,
    *,
    write: bool,
    max_concurrency: int = 8,
) -> SelfTestReport:
    """Run every step against the connection; never raises for what Creatio answers."""
    recorder = AnswerRecorder((instance.client_secret,))
    async with recorder.client(http) as recorded:
        client = CreatioClient(instance, recorded, max_concurrency=max_concurrency)
        run = _SelfTest(client, settings, options, recorder, write)
        await run.all()
    return SelfTestReport(
        instance.instance_url,
        client.odata_root,
        run.started_at,
        write,
        run.marker,
        tuple(run.steps),
        tuple(run.leftovers),
    )


class _SelfTest:
    def __init__(
        self,
        client: CreatioClient,
        settings: ConnectionSettings,
        options: SelfTestOptions,
        recorder: AnswerRecorder,
        write: bool,
    ) -> None:
        self.client = client
        self.settings = settings
        self.options = options
        self.recorder = recorder
        self.write = write
        self.crm = CreatioCrm(client)
        self.reader = CreatioCaseReader(client, cache_seconds=0)
        self.started_at = datetime.now(UTC).replace(microsecond=0)
        self.marker = f"{MARKER} {_iso(self.started_at)}"
        self.steps: list[StepResult] = []
        self.leftovers: list[Leftover] = []
        self.created = _Created()

    async def all(self) -> None:
        for name, gate in ((AUTH, self.token), (ROOT, self.odata_root)):
            if not await self.step(name, gate):
                for later in STEP_NAMES[STEP_NAMES.index(name) + 1 :]:
                    self.skip(later, f"not run: the {name} step failed")
                return
        await self.step(OWNER, self.owner)
        await self.step(GROUP, self.group)
        await self.step(STATUSES, self.statuses)
        await self.step(PICK_LISTS, self.pick_lists)
        await self.step(BY_EMAIL, self.contact_by_email)
        await self.step(BY_PHONE, self.contact_by_phone)
        if not self.write:
            self.skip(BATCH, WRITES)
            self.skip(PATCH, WRITES)
            await self.step(READ, self.read_existing_case)
            await self.step(POLL, self.reconciliation_poll)
            self.skip(DELETE, WRITES)
            return
        try:
            if await self.step(BATCH, self.batch_create):
                await self.step(PATCH, self.patch_status)
                await self.step(READ, self.read_created_case)
            else:
                self.skip(PATCH, f"not run: the {BATCH} step failed")
                self.skip(READ, f"not run: the {BATCH} step failed")
            await self.step(POLL, self.reconciliation_poll)
        finally:
            if self.created.batch_sent:
                await self.step(DELETE, self.delete_created)
            else:
                self.skip(DELETE, "nothing was created")

    async def step(self, name: str, action: Callable[[], Awaitable[str]]) -> bool:
        mark, started = len(self.recorder.answers), time.perf_counter()
        answer: Answer | None = None
        status: StepStatus = "failed"
        try:
            detail, status = await action(), "passed"
        except StepSkipped as exc:
            detail, status = str(exc), "skipped"
        except StepFailed as exc:
            detail = str(exc)
        except (CreatioError, PipelineError) as exc:
            detail = exc.message
            answer = _failed_answer(self.recorder.since(mark))
        except Exception as exc:  # a surprise is a failed step, reported like the others
            detail = f"{type(exc).__name__}: {exc}"
            answer = _failed_answer(self.recorder.since(mark))
        elapsed_ms = (time.perf_counter() - started) * 1000
        shown = self.recorder.redact(answer.describe()) if answer else None
        self.steps.append(StepResult(name, status, elapsed_ms, self.recorder.redact(detail), shown))
        return status == "passed"

    def skip(self, name: str, why: str) -> None:
        self.steps.append(StepResult(name, "skipped", 0.0, why))

    # The steps: each returns what it found, or raises.

    async def token(self) -> str:
        endpoint = await self.client.token_endpoint()
        await self.client.authenticate()
        return f"a token was issued by {endpoint.url} ({endpoint.source})"

    async def odata_root(self) -> str:
        found = await self.client.detect_odata_root()
        return f"OData 4 answers at {found.root}"

    async def owner(self) -> str:
        return await self.by_name("Contact", self.settings.default_owner_id, "default case owner")

    async def group(self) -> str:
        return await self.by_name("SysAdminUnit", self.settings.default_group_id, "default case group")

    async def statuses(self) -> str:
        status_id = self.settings.resolved_status_id
        resolved = (
            await self.by_name("CaseStatus", status_id, "resolved status")
            if status_id
            else "no resolved status is saved"
        )
        name = self.options.reopen_status_name
        reopen = await self.crm.status_id_by_name(name)
        if reopen is None:
            raise StepFailed(
                f"{resolved}; but no CaseStatus is named {name!r}, so a case cannot be reopened: set "
                "CASEBRIDGE_REOPEN_STATUS_NAME to a status Creatio has"
            )
        return f"{resolved}; reopen status {name!r} is {reopen}"

    async def by_name(self, entity_set: str, record_id: UUID | None, what: str) -> str:
        """The saved GUID's record, then the same record looked up by its name (as the auto-fill does)."""
        if record_id is None:
            raise StepSkipped(f"no {what} is saved: nothing to look up")
        row = await self.client.get(entity_set, record_id, select=["Id", "Name"])
        if row is None:
            raise StepFailed(f"the saved {what} {record_id} is not a {entity_set} record (any more)")
        name = str(row.get("Name") or "")
        found = (await CreatioLookups(self.client).ids_by_name(entity_set, [name]))[name]
        if record_id not in found:
            raise StepFailed(
                f"{entity_set} {record_id} is named {name!r}, but a search by that name missed it"
            )
        return f"{what} {name!r} found by name ({len(found)} {entity_set} record(s) with that name)"

    async def pick_lists(self) -> str:
        lists = await read_pick_lists(self.client)
        counts = (len(lists.owners), len(lists.groups), len(lists.statuses))
        return "{} owners, {} groups, {} statuses, by name".format(*counts)

    async def contact_by_email(self) -> str:
        found = await self.crm.find_contact(CustomerIdentity(None, SEARCH_EMAIL, None), ("email",))
        return _search_result(found, SEARCH_EMAIL)

    async def contact_by_phone(self) -> str:
        found = await self.crm.find_contact(CustomerIdentity(None, None, SEARCH_PHONE), ("phone",))
        return _search_result(found, SEARCH_PHONE)

    async def batch_create(self) -> str:
        created, now = self.created, datetime.now(UTC)
        case = CaseDraft(
            id=created.case,
            subject=self.marker,
            symptoms=f"{self.marker}: created by Casebridge's self-test, which deletes it again at once. "
            "If you still see it, the self-test could not delete it: delete it by hand.",
            contact_id=created.contact,
            owner_id=self.settings.default_owner_id,
            group_id=self.settings.default_group_id,
        )
        customer, ai = created.activities
        activities = [
            ActivityDraft(
                customer,
                created.case,
                "customer",
                f"{self.marker} (customer)",
                "A customer message of the self-test.",
                now,
                created.contact,
            ),
            ActivityDraft(
                ai,
                created.case,
                "ai",
                f"{self.marker} (AI)",
                "An AI reply of the self-test.",
                now,
                created.contact,
            ),
        ]
        contact = (created.contact, CustomerIdentity(self.marker, None, None))
        created.batch_sent = True
        ref = await self.crm.create_case(case, activities, new_contact=contact, verify_existing=False)
        created.case_created = True
        number = f" (number {ref.number})" if ref.number else ""
        return (
            f"one $batch created Contact {created.contact}, Case {created.case}{number} and Activities "
            f"{', '.join(map(str, created.activities))}, all with Casebridge's ids"
        )

    async def patch_status(self) -> str:
        status_id = self.settings.resolved_status_id
        if status_id is None:
            status_id = await self.crm.status_id_by_name(self.options.reopen_status_name)
        if status_id is None:
            return "no resolved or reopen status is known: nothing to set (see the status lookup)"
        case_id = self.created.case
        await self.crm.update_case(case_id, CaseChanges(status_id=status_id), [], verify_existing=False)
        row = await self.client.get("Case", case_id, select=["Id", "StatusId"])
        written = lookup_guid(row.get("StatusId")) if row else None
        if written != status_id:
            raise StepFailed(
                f"Creatio accepted the PATCH, but the case's status is {written}, not {status_id}"
            )
        status = await self.reader.status(status_id)
        shown = repr(status.name) if status else str(status_id)
        return f"status of Case {case_id} set to {shown} and read back"

    async def read_created_case(self) -> str:
        detail, ids = await self.read_case(self.created.case)
        missing = set(self.created.activities) - ids
        if missing:
            raise StepFailed(f"{detail}; but not the self-test's activities {sorted(map(str, missing))}")
        return detail

    async def read_existing_case(self) -> str:
        page = await self.client.list("Case", select=["Id"], orderby="CreatedOn desc", top=1)
        existing = lookup_guid(page.items[0].get("Id")) if page.items else None
        detail, _ids = await self.read_case(existing or uuid4())
        return detail if existing else f"{detail} (no case exists yet: a made-up Id was asked for)"

    async def read_case(self, case_id: UUID) -> tuple[str, set[UUID]]:
        """What the console's timeline and the Creatio-to-chat check read of a case."""
        state = await self.reader.read_case(case_id)
        rows = await self.client.list_case_activities(case_id, select=["Id", "Title"], limit=100)
        type_ids = await self.reader.activity_type_ids(self.options.reply_type_names)
        replies = await self.reader.replies(case_id, type_ids)
        ids = {i for row in rows if (i := lookup_guid(row.get("Id"))) is not None}
        status = f", status {state.status.name!r}" if state and state.status else ""
        found = f"Case {case_id}{status}" if state else f"no Case {case_id}"
        types = ", ".join(self.options.reply_type_names)
        return f"{found}: {len(rows)} activities (Case/Id eq), {len(replies)} replies of types {types}", ids

    async def reconciliation_poll(self) -> str:
        since, size = datetime.now(UTC) - INITIAL_LOOKBACK, self.options.page_size
        type_ids = await self.reader.activity_type_ids(self.options.reply_type_names)
        activities = await self.reader.changed_activities(since, type_ids, top=size, skip=0)
        cases = await self.reader.changed_cases(since, top=size, skip=0)
        detail = f"in the last hour {len(activities)} replies and {len(cases)} chat cases changed"
        if self.created.case_created and len(cases) < size:
            if not any(change.id == self.created.case for change in cases):
                raise StepFailed(f"{detail}, but the self-test's case {self.created.case} is not among them")
            detail += ", the self-test's case among them"
        return detail

    async def delete_created(self) -> str:
        """What of the self-test's records exists, deleted: activities, then the case, then the contact
        (each record before the ones it points at)."""
        created = self.created
        targets = (
            ("Activity", created.activities),
            ("Case", (created.case,)),
            ("Contact", (created.contact,)),
        )
        deleted: list[str] = []
        for entity_set, ids in targets:
            mark = len(self.recorder.answers)
            try:
                existing = await self.client.existing_ids(entity_set, ids)
            except CreatioError as exc:
                self.leftovers += [self.leftover(entity_set, i, mark, exc) for i in ids]
                continue
            for record_id in (i for i in ids if i in existing):
                mark = len(self.recorder.answers)
                try:
                    await self.client.delete(entity_set, record_id)
                except CreatioError as exc:
                    self.leftovers.append(self.leftover(entity_set, record_id, mark, exc))
                else:
                    deleted.append(f"{entity_set} {record_id}")
        if self.leftovers:
            kept = ", ".join(f"{item.entity_set} {item.id}" for item in self.leftovers)
            raise StepFailed(f"could not delete {kept} (Creatio's answers are listed below)")
        if not deleted:
            return "nothing of the self-test's records exists: nothing to delete"
        return f"deleted {', '.join(deleted)}; nothing is left behind"

    def leftover(self, entity_set: str, record_id: UUID, mark: int, exc: CreatioError) -> Leftover:
        answer = _failed_answer(self.recorder.since(mark))
        problem = answer.describe() if answer else exc.message
        return Leftover(entity_set, record_id, self.recorder.redact(problem))


def _search_result(found: UUID | None, value: str) -> str:
    if found is None:
        return f"the query works; no contact has {value}"
    return f"the query works; contact {found} has {value}"


def _failed_answer(answers: list[Answer]) -> Answer | None:
    """The answer that explains a failure: the last error status, else the last answer (a 200 that is not
    what was expected, such as a login page or a `$batch` with a failed part)."""
    errors = [answer for answer in answers if answer.status >= 400]
    return errors[-1] if errors else (answers[-1] if answers else None)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
