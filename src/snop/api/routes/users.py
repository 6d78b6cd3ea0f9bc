"""Users and their API tokens (an admin; a user makes and revokes their own tokens)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from snop.api.deps import PLANNERS, store, writer
from snop.api.responses import SnopJSON
from snop.model.limits import MAX_ID, MAX_KEY_LENGTH
from snop.model.vocabulary import Role
from snop.services import users
from snop.services.context import Actor, UnitOfWork

router = APIRouter(prefix="/api", tags=["users"])
Store = Annotated[UnitOfWork, Depends(store)]
Admin = Annotated[Actor, Depends(writer(Role.ADMIN))]
# the services let a user manage their own tokens, an admin anyone's
TokenHolder = Annotated[Actor, Depends(writer(*PLANNERS, Role.ADMIN))]


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    password: str = Field(min_length=1, max_length=users.MAX_PASSWORD)


class NewToken(BaseModel):
    label: str = Field(default="api", max_length=MAX_KEY_LENGTH)


@router.get("/users", summary="The users and their roles (an admin)")
def user_list(uow: Store, actor: Admin) -> Any:
    return SnopJSON(users.list_users(uow, actor))


@router.post("/users", summary="Add a user (an admin)")
def add(body: NewUser, uow: Store, actor: Admin) -> Any:
    return SnopJSON(
        users.add_user(uow, actor, body.name, [str(r) for r in body.roles], body.password)
    )


@router.post("/users/{name}/tokens", summary="A new API token, shown once")
def token(name: str, body: NewToken, uow: Store, actor: TokenHolder) -> Any:
    return SnopJSON(users.create_token(uow, actor, name, body.label))


@router.delete("/users/{name}/tokens/{token_id}", summary="Revoke an API token")
def revoke(
    name: str, token_id: Annotated[int, Path(ge=1, le=MAX_ID)], uow: Store, actor: TokenHolder
) -> Any:
    users.revoke_token(uow, actor, name, token_id)
    return SnopJSON({"user": name, "token": token_id, "revoked": True})
