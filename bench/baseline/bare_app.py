"""The floor: a bare FastAPI app taking the same JSON POST as `/v1/chat`, under uvicorn."""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class ChatRequest(BaseModel):
    message: str


class ChatResponse(BaseModel):
    conversation_id: str
    reply: str


@app.get("/readyz")
async def readyz() -> dict[str, str]:
    return {"status": "ready"}


@app.post("/v1/chat")
async def chat(body: ChatRequest) -> ChatResponse:
    return ChatResponse(conversation_id="c", reply=f"you said {body.message!r}")
