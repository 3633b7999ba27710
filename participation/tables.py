"""Imports every table so SQLModel.metadata is complete (Alembic, tests, create_all)."""

from sqlmodel import SQLModel

from participation.accounts import models as _accounts  # noqa: F401
from participation.accounts import throttle as _throttle  # noqa: F401
from participation.accounts import totp as _totp  # noqa: F401
from participation.channels.sms import models as _sms  # noqa: F401
from participation.channels.voice import models as _voice  # noqa: F401
from participation.consultations import models as _consultations  # noqa: F401
from participation.contributions import models as _contributions  # noqa: F401
from participation.contributions import recordings as _recordings  # noqa: F401
from participation.councils import models as _councils  # noqa: F401
from participation.moderation import models as _moderation  # noqa: F401
from participation.operator import models as _operator  # noqa: F401
from participation.outbox import consent as _consent  # noqa: F401
from participation.outbox import models as _outbox  # noqa: F401
from participation.questionnaires import models as _questionnaires  # noqa: F401
from participation.results import models as _results  # noqa: F401
from participation.simulator import models as _simulator  # noqa: F401
from participation.sitepages import models as _sitepages  # noqa: F401
from participation.web import submissions as _submissions  # noqa: F401

metadata = SQLModel.metadata
