"""The plain-tuple view of a contribution keeps pace with its table."""

from participation.contributions.models import Contribution, ContributionRow
from participation.db import table_of


def test_contribution_row_has_the_tables_columns_in_their_order():
    # The queue reads SELECT contribution.* straight into ContributionRow._make(row).
    assert ContributionRow._fields == tuple(table_of(Contribution).columns.keys())
