"""The /api/v1 router: includes one router per resource module in app/api/routes/."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.routes import choropleth

router = APIRouter(prefix="/api/v1")
router.include_router(choropleth.router)
