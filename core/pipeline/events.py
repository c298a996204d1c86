"""What the pipeline tells its caller while it runs, for progress displays."""

from __future__ import annotations

from pydantic import BaseModel


class StageEvent(BaseModel):
    """The pipeline started a stage of a story."""

    story_id: str
    stage: str
