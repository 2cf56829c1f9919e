"""The peer of the agent-turn benchmark: the same chat turn through the OpenAI Agents SDK.

`POST /chat {"message": ...}` runs one `agents.Agent` with one function tool that returns
a small fixed result, against the OpenAI-compatible model at `SCRIPTED_BASE_URL` (the
benchmark's zero-latency scripted server), and answers `{"reply": final_output}`.

Served by `omnify-bench` as `uvicorn agents_sdk_app:app --app-dir evals/bench` (one
worker, the SDK's usual deployment). Tracing is off so no spans leave the machine.
"""

import os

from agents import (
    Agent,
    OpenAIChatCompletionsModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)
from fastapi import FastAPI
from openai import AsyncOpenAI
from pydantic import BaseModel

set_tracing_disabled(True)


@function_tool
def get_marketing_performance() -> dict:
    """Spend, revenue and ROAS of the connected ad platforms for the last 7 days."""
    # As cheap as a tool can be: a small fixed result.
    return {
        "platform": "meta",
        "date_range": {"since": "2026-11-18", "until": "2026-11-24"},
        "spend": 12450.32,
        "revenue": 48210.77,
        "roas": 3.87,
    }


client = AsyncOpenAI(base_url=os.environ["SCRIPTED_BASE_URL"], api_key="bench")
agent = Agent(
    name="Omnify peer",
    instructions="You answer marketers' questions about their ad performance using the tools.",
    model=OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=client),
    tools=[get_marketing_performance],
)

app = FastAPI()


class ChatBody(BaseModel):
    message: str


@app.post("/chat")
async def chat(body: ChatBody) -> dict:
    result = await Runner.run(agent, body.message)
    return {"reply": result.final_output}
