from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from participation.clock import utcnow
from participation.tenancy import CouncilOwned


class SimulatedSms(CouncilOwned, table=True):
    """What was typed into the SMS simulator and what the webhook answered.

    Only the simulator writes here; real SMS keep no text outside the contribution.
    """

    __tablename__ = "simulator_sms"

    id: int = Field(default=None, primary_key=True)
    #: Keyed hash of the simulated phone number, as for real senders.
    phone_key: str = Field(max_length=64, index=True)
    #: "in": typed by the person; "reply": the webhook's immediate answer.
    direction: str = Field(max_length=8)
    body: str = Field(default="")
    num_media: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
