"""The /api/v1 router: includes one router per resource module in app/api/routes/."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.routes import (
    choropleth,
    establishments,
    indicators,
    observations,
    opendata,
    policy,
    series,
)

router = APIRouter(prefix="/api/v1")
for module in (indicators, choropleth, establishments, series, observations, policy, opendata):
    router.include_router(module.router)
