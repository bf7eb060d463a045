"""The theme tags of the built-in rules and their names in words, for pages and charts a person reads."""

from __future__ import annotations

THEME_TITLES = {
    "ld-cause-of-death": "Learning disability as a cause of death",
    "ld-dnacpr-rationale": "Learning disability as a reason for DNACPR",
    "ld-dnacpr-background": "Learning disability listed as background in a DNACPR rationale",
    "dnacpr-process": "DNACPR decision-making process",
    "mca": "Mental Capacity Act",
    "transition": "Transition from children's to adults' services",
    "care-coordination": "Care co-ordination",
    "family-involvement": "Family involvement",
    "review-timeliness": "Review timeliness",
    "deterioration": "Recognising deterioration",
    "aspiration-pneumonia": "Aspiration pneumonia and dysphagia",
    "health-checks": "Annual health checks and health planning",
    "epilepsy": "Epilepsy",
    "constipation": "Constipation and bowel care",
    "sepsis": "Sepsis",
    "medical-examiner": "Medical examiner scrutiny",
    "coroner": "Referral to the coroner",
    "focused-review": "Focused reviews",
    "psychotropic-medication": "Psychotropic medication (STOMP)",
    "reasonable-adjustments": "Reasonable adjustments",
    "care-grading": "Grading of care",
    "ethnicity-representation": "Ethnicity and representation",
}


def theme_title(tag: str) -> str:
    """A theme's name in words; a tag this table does not know is written with spaces for its hyphens."""
    known = THEME_TITLES.get(tag)
    if known is not None:
        return known
    words = tag.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]
