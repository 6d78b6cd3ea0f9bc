"""Files in and out: the executive pack as a download, the planning workbook exported as
.xlsx and imported from an upload (all or nothing, every problem listed)."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import Message

from snop.api.deps import current_actor, store, writer
from snop.api.errors import ApiError
from snop.io import WorkbookInvalid
from snop.io.jsonable import jsonable
from snop.model.limits import MAX_KEY_LENGTH
from snop.model.vocabulary import Role
from snop.services.context import Actor, UnitOfWork
from snop.services.pack import write_pack
from snop.services.plan_export import export_plan
from snop.services.workbook import import_workbook

router = APIRouter(prefix="/api", tags=["files"])
Reader = Annotated[Actor, Depends(current_actor)]
Store = Annotated[UnitOfWork, Depends(store)]
Key = Annotated[str | None, Query(max_length=MAX_KEY_LENGTH)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "xlsx": XLSX}
MAX_UPLOAD = 50 * 1024 * 1024  # bytes of an uploaded workbook
UPLOAD_FIELD = "file"


def _download(path: Path, folder: Path, fmt: str, name: str) -> FileResponse:
    """``path`` as an attachment named ``name``; ``folder`` is removed once it is sent."""
    return FileResponse(
        path,
        media_type=MEDIA[fmt],
        filename=name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get(
    "/pack",
    summary="The executive pack as a file: html, pdf (needs Chromium) or xlsx",
    response_class=FileResponse,
)
def pack(
    uow: Store,
    actor: Reader,
    format: Literal["html", "pdf", "xlsx"] = "html",
    cycle: Key = None,
    version: Key = None,
    scenario: Annotated[list[str] | None, Query(max_length=20)] = None,
    levers: bool = True,
) -> FileResponse:
    folder = Path(tempfile.mkdtemp(prefix="snop-pack-"))
    try:
        made = write_pack(
            uow,
            actor,
            folder / f"pack.{format}",
            format,
            cycle=cycle,
            version=version,
            scenarios=scenario,
            levers=levers,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _download(made.path, folder, format, f"snop-pack-{made.cycle}.{format}")


@router.get(
    "/workbook",
    summary="The stored workbook as .xlsx (what import reads), with the plan's sheets",
    response_class=FileResponse,
)
def export_workbook(uow: Store, actor: Reader) -> FileResponse:
    folder = Path(tempfile.mkdtemp(prefix="snop-export-"))
    try:
        export_plan(uow, actor, folder / "workbook.xlsx")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _download(folder / "workbook.xlsx", folder, "xlsx", "snop-workbook.xlsx")


@router.post(
    "/workbook",
    summary="Import an .xlsx workbook (multipart field 'file'): all of it or nothing",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {UPLOAD_FIELD: {"type": "string", "format": "binary"}},
                        "required": [UPLOAD_FIELD],
                    }
                }
            },
            "required": True,
        }
    },
)
async def import_upload(
    request: Request,
    uow: Store,
    actor: Annotated[
        Actor, Depends(writer(Role.DEMAND_PLANNER, Role.SUPPLY_PLANNER, Role.SOP_LEADER))
    ],
    replace_sales: bool = False,
) -> Any:
    # the caller is checked before a byte of the upload is read
    folder = Path(tempfile.mkdtemp(prefix="snop-import-"))
    try:
        path = await _save_upload(request, folder)
        try:
            result = await run_in_threadpool(
                partial(import_workbook, replace_sales=replace_sales, name=path.name),
                uow,
                actor,
                path,
            )
        except WorkbookInvalid as e:
            raise ApiError(422, str(e), UPLOAD_FIELD, problems=jsonable(e.problems)) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result


async def _save_upload(request: Request, folder: Path) -> Path:
    """The uploaded workbook, saved in ``folder`` under its own name (which the problems
    then name); 413 beyond :data:`MAX_UPLOAD` bytes, counted as they arrive."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD + 64 * 1024:
        raise ApiError(413, _too_large())
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(
            415, f"send the workbook as multipart/form-data in the field {UPLOAD_FIELD!r}"
        )
    if request._form is not None:  # read already, for the CSRF field of a session's form
        form = request._form
    else:
        limited = Request(request.scope, _counting(request.receive, MAX_UPLOAD + 64 * 1024))
        form = await limited.form(max_files=1, max_fields=10)
    upload = form.get(UPLOAD_FIELD)
    if not isinstance(upload, UploadFile):
        raise ApiError(422, f"send the workbook in the form field {UPLOAD_FIELD!r}", UPLOAD_FIELD)
    if upload.size is not None and upload.size > MAX_UPLOAD:
        raise ApiError(413, _too_large(), UPLOAD_FIELD)
    name = _safe_name(upload.filename or "workbook.xlsx")
    if not name.lower().endswith(".xlsx"):
        raise ApiError(422, f"{name}: upload an .xlsx workbook", UPLOAD_FIELD)
    path = folder / name
    with path.open("wb") as out:
        await run_in_threadpool(shutil.copyfileobj, upload.file, out)
    await upload.close()
    return path


def _too_large() -> str:
    return f"the upload is larger than {MAX_UPLOAD // (1024 * 1024)} MB"


def _safe_name(filename: str) -> str:
    """The file's own name without its folders, in plain characters."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")[:120]
    return cleaned or "workbook.xlsx"


def _counting(
    receive: Callable[[], Awaitable[Message]], limit: int
) -> Callable[[], Awaitable[Message]]:
    """``receive`` refusing (413) once the body passes ``limit`` bytes."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise ApiError(413, _too_large())
        return message

    return counted
