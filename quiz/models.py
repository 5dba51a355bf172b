"""Imports every model so SQLAlchemy's metadata (and Alembic) see the whole schema."""
from quiz.accounts.models import User, UserSession  # noqa: F401
from quiz.audit.models import AuditEntry, SecurityEvent  # noqa: F401
from quiz.attempts.models import Answer, Attempt, AttemptQuestion  # noqa: F401
from quiz.banks.models import Question, QuestionBank, QuestionOption, Topic  # noqa: F401
from quiz.jobs.models import Job  # noqa: F401
from quiz.contests.models import Contest, Division, DrawRule, EligibleUnit, PrizeTier, RosterEntry, Round  # noqa: F401
from quiz.rankings.models import PrizeChange, QuestionStat, Result, UnitResult  # noqa: F401
from quiz.units.models import Unit  # noqa: F401
