"""Cohort rules: measures over a whole population of records, by group, with trends and reports.

spec and run load cohort-rule files and count records into groups; representation, ethnicity and
stats compare groups with a population; trend follows findings quarter by quarter; report and svg
print the results.
"""

from ..rulefiles import COHORT_FOLDER
from .run import CohortReport, CohortRun, GroupResult, finish, group_finding, key_of, run_cohort
from .spec import (
    MIN_EXPECTED, CohortRule, CohortRuleSpec, GroupMeasure, GroupTerm, Measure, Population,
    load_cohort_file, load_cohort_rules, select_rules,
)

__all__ = [
    "COHORT_FOLDER", "MIN_EXPECTED", "CohortReport", "CohortRule", "CohortRuleSpec", "CohortRun",
    "GroupMeasure", "GroupResult", "GroupTerm", "Measure", "Population", "finish", "group_finding",
    "key_of", "load_cohort_file", "load_cohort_rules", "run_cohort", "select_rules",
]
