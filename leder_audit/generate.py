"""Synthetic records of all three types, with a chosen share of known problems, for benchmarks and tests.

Every record is invented: names, NHS numbers and wording are drawn from small built-in lists with a
seeded random generator, so the same seed always gives the same file. A record either is clean or
carries exactly one problem from `PROBLEMS`; `problem_rate` is the chance that a record has one, and
the problem is then chosen evenly among those its record type can have.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any, Callable, Iterator

RECORD_TYPE_SHARES: tuple[tuple[str, float], ...] = (
    ("death_certificate", 0.4),
    ("dnacpr_decision", 0.3),
    ("mortality_review", 0.3),
)

PROBLEMS: dict[str, tuple[str, ...]] = {
    "death_certificate": ("ld_only_cause", "ld_underlying_cause", "ld_underlying_code", "no_scrutiny"),
    "dnacpr_decision": ("ld_rationale", "not_discussed", "capacity_not_documented"),
    "mortality_review": ("review_overdue", "no_transition_plan", "family_not_invited", "aspiration_without_salt",
                         "no_health_check", "embedded_ld_cause", "embedded_ld_rationale"),
}

# What clinicians write on certificates: immediate causes, the conditions leading to them, and Part II.
IMMEDIATE = ("Aspiration pneumonia", "Community acquired pneumonia", "Bronchopneumonia", "Sepsis", "Urosepsis",
             "Acute kidney injury", "Congestive cardiac failure", "Acute myocardial infarction", "Respiratory failure",
             "Pulmonary embolism", "Small bowel obstruction", "Status epilepticus", "Hospital acquired pneumonia",
             "Lower respiratory tract infection", "Multi-organ failure")
LEADING = ("Dysphagia", "Chronic obstructive pulmonary disease", "Ischaemic heart disease", "Faecal impaction",
           "Epilepsy", "Metastatic colorectal carcinoma", "Type 2 diabetes mellitus", "Urinary tract infection",
           "Deep vein thrombosis", "Volvulus of the sigmoid colon", "Chronic constipation",
           "Gastro-oesophageal reflux disease", "Carcinoma of the bronchus")
UNDERLYING = ("Cerebral palsy", "Hypertension", "Alzheimer's disease", "Congenital heart disease",
              "Atrial fibrillation", "Motor neurone disease", "Chronic kidney disease stage 4")
DOWNS_PATHWAYS = ("Alzheimer's disease", "Congenital heart disease")
PART2 = ("Epilepsy", "Hypothyroidism", "Osteoporosis", "Chronic kidney disease stage 3", "Dementia",
         "Type 2 diabetes mellitus", "Learning disability", "Down's syndrome", "Obesity", "Scoliosis")
CODES = {"Aspiration pneumonia": "J69.0", "Community acquired pneumonia": "J18.9", "Bronchopneumonia": "J18.0",
         "Sepsis": "A41.9", "Epilepsy": "G40.9", "Dysphagia": "R13", "Ischaemic heart disease": "I25.9",
         "Chronic obstructive pulmonary disease": "J44.9", "Cerebral palsy": "G80.9", "Hypertension": "I10",
         "Alzheimer's disease": "G30.9", "Metastatic colorectal carcinoma": "C18.9"}
INTERVALS = ("2 days", "5 days", "1 week", "3 weeks", "2 months", "6 months", "years", "10 years", "since birth")

LD_CAUSES = ("Learning disability", "Severe learning disabilities", "Down's syndrome", "Downs syndrome",
             "Profound and multiple learning disabilities", "Trisomy 21", "Global developmental delay",
             "Autism spectrum disorder", "Severe learning disability and autism", "Mental handicap")
LD_CODES = ("F79", "F81.9", "F72", "F84.0", "F70")

CLEAN_RATIONALES = (
    "Advanced metastatic lung cancer; CPR would not be successful.",
    "End-stage heart failure despite maximal medical therapy; CPR would not restart the heart.",
    "Frailty (Rockwood clinical frailty scale 8) with multiple comorbidities; CPR unlikely to succeed.",
    "End-stage COPD on home oxygen; patient and family agree CPR would not be in her interests.",
    "Decision not based on his learning disability: end-stage renal failure, not a candidate for dialysis.",
    "Metastatic prostate cancer with bone and liver involvement; now in the last days of life.",
    "Recurrent aspiration pneumonia with severe frailty; CPR would cause harm without benefit.",
    "Severe aortic stenosis, declined surgery; CPR would not be successful.",
    "Patient's wish, clearly expressed with capacity, after discussion of CPR outcomes.",
    "Motor neurone disease with respiratory failure; patient has an advance decision to refuse treatment.",
)
LD_RATIONALES = (
    "Learning disabilities and poor quality of life.",
    "Downs syndrome, frail and bed bound.",
    "Severe LD, non-verbal, would not understand CPR.",
    "Profound learning disability; dependent for all care.",
    "Down's syndrome with dementia.",
    "Autism and epilepsy; poor baseline.",
    "Severe learning disability and cerebral palsy, PEG fed.",
    "Learning difficulties. Family agree.",
)
NOT_DISCUSSED_REASONS = ("Patient lacks capacity and no family contactable out of hours; to discuss tomorrow.",
                         "Discussion would cause the patient physical or psychological harm.")
CLINICIANS = ("Dr A. Patel, consultant physician", "Dr R. Okafor, consultant geriatrician",
              "Dr S. Hughes, consultant in palliative medicine", "Dr M. Khan, GP partner",
              "Dr L. Evans, consultant intensivist")
CERTIFIER_ROLES = ("FY2 doctor", "Specialty registrar", "Consultant physician", "General practitioner")
SURNAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright",
            "Robinson", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Khan")
INITIALS = "ABCDEFGHJKLMNPRST"
ETHNICITY = "AAAAAAAAAABCDEFGHJKLMNPRSZ"
SEVERITY = ("mild", "moderate", "moderate", "severe", "profound", "unknown")
ICS = ("NHS Cheshire and Merseyside", "NHS Greater Manchester", "NHS North East and North Cumbria",
       "NHS Birmingham and Solihull", "NHS Kent and Medway", "NHS Devon", "NHS North Central London")
AGENCIES = ("GP", "acute hospital", "community learning disability team", "social care", "supported living provider",
            "speech and language therapy", "mental health services", "district nursing", "dentist", "pharmacy")
NARRATIVES = (
    "{name} lived in supported living with 24-hour support and enjoyed music and day trips. "
    "Staff noticed reduced appetite and coughing after meals over several weeks before admission.",
    "{name} lived with family, who described a sociable person who loved swimming. "
    "An annual health check had been completed and a hospital passport was used on admission.",
    "{name} moved to a residential home after a parent died. Records show several missed appointments "
    "and no reasonable adjustments recorded for outpatient visits.",
    "{name} {was} admitted with shortness of breath. The ward used the hospital passport and the "
    "learning disability liaison nurse was involved from the first day.",
)
FAMILY_CONCERNS = ("Family felt their concerns about weight loss were not listened to.",
                   "Sister said the GP surgery did not offer longer appointments.")

EPOCH = date(2022, 1, 1)


@dataclass(frozen=True, slots=True)
class Generated:
    """A synthetic record and the problem it was made to have (None when clean)."""

    record: dict[str, Any]
    problem: str | None


class _Maker:
    """Draws one record at a time from a seeded random stream."""

    def __init__(self, seed: int, problem_rate: float, unique_text: bool = False) -> None:
        if not 0.0 <= problem_rate <= 1.0:
            raise ValueError(f"problem_rate must be between 0 and 1, not {problem_rate}")
        self.rng = random.Random(seed)
        self.problem_rate = problem_rate
        self.unique_text = unique_text
        self.texts_made = 0
        self.types = [t for t, _ in RECORD_TYPE_SHARES]
        self.weights = [w for _, w in RECORD_TYPE_SHARES]
        self.builders: dict[str, Callable[[str, str | None], dict[str, Any]]] = {
            "death_certificate": self.death_certificate,
            "dnacpr_decision": self.dnacpr_decision,
            "mortality_review": self.mortality_review,
        }

    def free_text(self, text: str) -> str:
        """A text as drawn, or made unlike any other in the file, as real free text is."""
        if not self.unique_text:
            return text
        # Made from a count, not drawn: the records are otherwise those of the same seed without unique_text.
        n = self.texts_made = self.texts_made + 1
        who = f"{INITIALS[n % len(INITIALS)]}. {SURNAMES[n // len(INITIALS) % len(SURNAMES)]}"
        return f"{text} Ref {n:07d}, seen by {who} at {8 + n % 12}:{10 + n * 7 % 50}."

    def make(self, index: int) -> Generated:
        rng = self.rng
        record_type = rng.choices(self.types, self.weights)[0]
        problem = rng.choice(PROBLEMS[record_type]) if rng.random() < self.problem_rate else None
        record_id = f"{record_type[:2].upper()}{index:08d}"
        return Generated(self.builders[record_type](record_id, problem), problem)

    # -- parts --------------------------------------------------------------------------------------

    def day(self, start: date, span_days: int) -> date:
        return start + timedelta(days=self.rng.randrange(span_days))

    def person(self, on: date, age: int | None = None) -> dict[str, Any]:
        rng = self.rng
        age = rng.choice((rng.randint(14, 25), rng.randint(26, 90), rng.randint(40, 75))) if age is None else age
        born = on - timedelta(days=age * 365 + rng.randrange(60, 300))
        person: dict[str, Any] = {
            "date_of_birth": born.isoformat(), "age": age, "sex": rng.choice(("male", "female")),
            "ethnicity": rng.choice(ETHNICITY), "learning_disability": rng.random() < 0.9,
            "learning_disability_severity": rng.choice(SEVERITY), "autism": rng.random() < 0.25,
            "nhs_number": self.nhs_number(),
        }
        return person

    def nhs_number(self) -> str:
        # Nine digits and a modulus 11 check digit, re-drawn when the check digit would be 10.
        while True:
            digits = [self.rng.randrange(10) for _ in range(9)]
            check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1))) % 11
            if check != 10:
                return "".join(map(str, digits)) + str(check % 11)

    def name(self) -> str:
        return f"{self.rng.choice(INITIALS)}. {self.rng.choice(SURNAMES)}"

    def cause_line(self, text: str) -> dict[str, Any]:
        line: dict[str, Any] = {"text": text, "interval": self.rng.choice(INTERVALS)}
        if text in CODES and self.rng.random() < 0.5:
            line["icd10"] = CODES[text]
        return line

    def part1(self, problem: str | None) -> list[dict[str, Any]]:
        rng = self.rng
        if problem == "ld_only_cause":
            return [self.cause_line(rng.choice(LD_CAUSES))]
        texts = [rng.choice(IMMEDIATE)]
        if rng.random() < 0.8:
            texts.append(rng.choice(LEADING))
        if rng.random() < 0.3:
            texts.append(rng.choice(UNDERLYING))
        if problem == "ld_underlying_cause":
            if texts[-1] in DOWNS_PATHWAYS:  # Down's syndrome below these is a contested chain, not this problem
                texts.pop()
            texts.append(rng.choice(LD_CAUSES))
        lines = [self.cause_line(t) for t in texts]
        if rng.random() < 0.1:
            lines.append({"text": "", "interval": None})  # a blank I(d) line, as exported
        return lines

    # -- records ------------------------------------------------------------------------------------

    def death_certificate(self, record_id: str, problem: str | None, died: date | None = None,
                          age: int | None = None) -> dict[str, Any]:
        rng = self.rng
        died = died or self.day(EPOCH, 900)
        part1 = self.part1(problem)
        completed = [line for line in part1 if line["text"]]
        underlying = completed[-1].get("icd10")
        if problem == "ld_underlying_code":
            underlying = rng.choice(LD_CODES)
        record: dict[str, Any] = {
            "record_type": "death_certificate", "id": record_id, "person": self.person(died, age),
            "date_of_death": died.isoformat(), "part1": part1,
            "part2": [{"text": t} for t in rng.sample(PART2, rng.randint(0, 3))],
            "certifier": {"name": "Dr " + self.name(), "role": rng.choice(CERTIFIER_ROLES)},
            "medical_examiner": {"name": "Dr " + self.name(), "scrutiny_completed": problem != "no_scrutiny",
                                 "bereaved_consulted": problem != "no_scrutiny" and rng.random() < 0.95},
            "referred_to_coroner": rng.random() < 0.08,
        }
        if underlying:
            record["underlying_cause_icd10"] = underlying
        return record

    def dnacpr_decision(self, record_id: str, problem: str | None, decided: date | None = None,
                        age: int | None = None) -> dict[str, Any]:
        rng = self.rng
        decided = decided or self.day(EPOCH, 900)
        has_capacity = rng.random() < 0.3
        discussed = problem != "not_discussed"
        documented = problem != "capacity_not_documented"
        record: dict[str, Any] = {
            "record_type": "dnacpr_decision", "id": record_id, "person": self.person(decided, age),
            "form": rng.choice(("dnacpr", "respect", "respect", "tep")), "decision_date": decided.isoformat(),
            "rationale": self.free_text(rng.choice(LD_RATIONALES if problem == "ld_rationale" else CLEAN_RATIONALES)),
            "person_has_capacity": has_capacity and documented,
            "capacity_assessment_documented": documented,
            "best_interests_documented": documented and not has_capacity,
            "discussed_with_person": discussed and has_capacity,
            "discussed_with_family_or_advocate": discussed,
            "senior_responsible_clinician": rng.choice(CLINICIANS),
            "review_date": (decided + timedelta(days=rng.choice((30, 90, 180)))).isoformat(),
        }
        if not discussed:
            record["reason_not_discussed"] = None
        elif not has_capacity and rng.random() < 0.2:
            record["reason_not_discussed"] = rng.choice(NOT_DISCUSSED_REASONS)
        return record

    def mortality_review(self, record_id: str, problem: str | None) -> dict[str, Any]:
        rng = self.rng
        died = self.day(EPOCH, 700)
        notified = died + timedelta(days=rng.randint(1, 30))
        young = problem == "no_transition_plan" or rng.random() < 0.15
        age = rng.randint(14, 25) if young else rng.randint(26, 85)
        certificate_problem = "ld_underlying_cause" if problem == "embedded_ld_cause" else None
        dnacpr_problem = "ld_rationale" if problem == "embedded_ld_rationale" else None
        record: dict[str, Any] = {
            "record_type": "mortality_review", "id": record_id, "person": self.person(died, age),
            "notification_date": notified.isoformat(), "date_of_death": died.isoformat(),
            "review_completed_date": self.completed_on(notified, problem).isoformat(),
            "area": {"ics": rng.choice(ICS)},
            "death_certificate": self.death_certificate(record_id + "-C", certificate_problem, died, age),
        }
        if dnacpr_problem or rng.random() < 0.6:
            record["dnacpr"] = self.dnacpr_decision(record_id + "-D", dnacpr_problem,
                                                    died - timedelta(days=rng.randint(2, 200)), age)
        if young:
            record["transition"] = self.transition(problem == "no_transition_plan")
        record.update(self.review_findings(problem))
        template, name = rng.choice(NARRATIVES), rng.choice(("He", "She", "They"))
        record["narrative"] = self.free_text(template.format(name=name, was="were" if name == "They" else "was"))
        return record

    def completed_on(self, notified: date, problem: str | None) -> date:
        if problem == "review_overdue":
            return notified + timedelta(days=self.rng.randint(200, 500))
        return notified + timedelta(days=self.rng.randint(40, 175))

    def transition(self, missing_plan: bool) -> dict[str, Any]:
        rng = self.rng
        transition: dict[str, Any] = {
            "ehc_plan": rng.random() < 0.7, "preparation_for_adulthood_from_14": not missing_plan,
            "transition_plan_documented": False if missing_plan and rng.random() < 0.7 else (None if missing_plan else True),
            "transition_lead_named": not missing_plan, "information_shared_with_adult_services": not missing_plan,
        }
        return transition

    def review_findings(self, problem: str | None) -> dict[str, Any]:
        rng = self.rng
        invited = problem != "family_not_invited"
        concerns = invited and rng.random() < 0.2
        aspiration = problem == "aspiration_without_salt" or rng.random() < 0.15
        dysphagia = aspiration or rng.random() < 0.2
        agencies = rng.sample(AGENCIES, rng.randint(1, 5))
        return {
            "care_coordination": {"agencies_involved": agencies, "named_care_coordinator": True,
                                  "information_sharing_problems": rng.random() < 0.1},
            "family": {"invited_to_contribute": invited, "concerns_raised": concerns,
                       **({"concerns_text": self.free_text(rng.choice(FAMILY_CONCERNS))} if concerns else {})},
            "health": {"annual_health_check_within_12_months": problem != "no_health_check",
                       "health_action_plan": problem != "no_health_check", "reasonable_adjustment_flag": True,
                       "hospital_passport": rng.random() < 0.8, "flu_vaccine": rng.random() < 0.85},
            "mca": {"capacity_assessment_required": rng.random() < 0.5, "capacity_assessment_done": True,
                    "best_interests_process_followed": True},
            "deterioration": {"signs_recognised_promptly": True, "early_warning_score_used": True,
                              "delay_in_treatment": False},
            "risks": {"dysphagia": dysphagia, "salt_assessment": dysphagia and problem != "aspiration_without_salt",
                      "aspiration_pneumonia": aspiration, "epilepsy": rng.random() < 0.3,
                      "epilepsy_care_plan": True, "constipation": rng.random() < 0.2, "sepsis": rng.random() < 0.1},
            "care_grading": rng.choice((1, 2, 2, 3, 3, 3)) if problem is None else rng.choice((3, 4, 5)),
        }


def generate(count: int, seed: int = 0, problem_rate: float = 0.1, unique_text: bool = False) -> Iterator[Generated]:
    """`count` synthetic records with the problem each was made to have; the same seed gives the same records.

    Free text (DNACPR rationales, review narratives, family concerns) is drawn from short phrase lists, so it
    repeats; with `unique_text` each text also gets a reference, a name and a time of its own, so no two are equal.
    """
    maker = _Maker(seed, problem_rate, unique_text)
    for index in range(1, count + 1):
        yield maker.make(index)


def generate_records(count: int, seed: int = 0, problem_rate: float = 0.1,
                     unique_text: bool = False) -> Iterator[dict[str, Any]]:
    """`count` synthetic records as dicts."""
    for generated in generate(count, seed, problem_rate, unique_text):
        yield generated.record


def write_ndjson(out: IO[str], count: int, seed: int = 0, problem_rate: float = 0.1, unique_text: bool = False) -> int:
    """Write synthetic records one per line; returns how many were written."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    written = 0
    batch: list[str] = []
    for record in generate_records(count, seed, problem_rate, unique_text):
        batch.append(encode(record))
        written += 1
        if len(batch) == 1000:
            out.write("\n".join(batch) + "\n")
            batch = []
    if batch:
        out.write("\n".join(batch) + "\n")
    return written
