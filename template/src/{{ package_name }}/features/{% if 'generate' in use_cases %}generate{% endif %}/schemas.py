"""The JSON some templates answer with: a template names its model in ``schema:``.

A template without ``schema:`` answers text. One with it answers JSON validated against the
model here (``llm/structured.py``), returned in the job's result as ``data``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ProductDescription(BaseModel):
    title: str = Field(description="The product's name as a shop headline")
    description: str = Field(description="The description, about 80 words")
    bullet_points: list[str] = Field(description="Three to five short selling points")


SCHEMAS: dict[str, type[BaseModel]] = {"product_description": ProductDescription}
