"""Faithfulness checks for a written report against its findings.

Shared by the corpus generator (every generated example must pass) and by
tools/train/eval_writer.py (the measured share of model outputs that pass).
"""
import re

LABELS = ("angular_leaf_spot", "bean_rust", "healthy")

# How each class is named in a report, per language.
NAME_PATTERNS = {
    "en": {
        "angular_leaf_spot": re.compile(r"angular (leaf )?spot", re.I),
        "bean_rust": re.compile(r"\brust\b", re.I),
        "healthy": re.compile(r"\bhealthy\b", re.I),
    },
    "pt_BR": {
        "angular_leaf_spot": re.compile(r"mancha[- ]angular", re.I),
        "bean_rust": re.compile(r"ferrugem", re.I),
        "healthy": re.compile(r"\b(sadia|sadio|saudável)\b", re.I),
    },
}

# The causal fungus names a disease as well: a report that blames the other
# disease's pathogen names the other disease.
PATHOGENS = {
    "angular_leaf_spot": re.compile(r"Pseudocercospora|Phaeoisariopsis", re.I),
    "bean_rust": re.compile(r"Uromyces", re.I),
}

# A sentence that names another class is fine only when it is clearly the
# runner-up (a differential), never the diagnosis.
RUNNER_UP_MARKER = {
    "en": re.compile(r"runner-up", re.I),
    "pt_BR": re.compile(r"segunda hipótese", re.I),
}

UNCERTAIN_WORDS = {
    "en": re.compile(r"\buncertain\b", re.I),
    "pt_BR": re.compile(r"\bincert[oa]\b", re.I),
}
RETAKE_WORDS = {
    "en": re.compile(r"(retake|new photo|another photo|second photo)", re.I),
    "pt_BR": re.compile(r"(nova foto|outra foto|repita a foto|tire (novamente )?a foto)", re.I),
}
QUALITY_WORDS = {
    "en": {"dark": re.compile(r"too dark|underexposed|(photo|image|picture) (is|was) (\w+ )?dark\b|\bdark (photo|image|picture)", re.I),
           "overexposed": re.compile(r"overexposed", re.I),
           "blurred": re.compile(r"blurred|blurry|out of focus", re.I)},
    "pt_BR": {"dark": re.compile(r"escura demais|muito escura|subexposta|pouco iluminada|(foto|imagem) (está|estava|ficou) (\w+ )?escura\b", re.I),
              "overexposed": re.compile(r"superexpost[ao]|clara demais", re.I),
              "blurred": re.compile(r"desfocad[ao]|borrad[ao]", re.I)},
}

# Severity words for the affected area, mildest first, and where each starts:
# the report must use the one its area calls for, or none.
SEVERITY = {
    "en": ["an early or light infection", "a moderate infection",
           "a heavy infection", "a severe infection"],
    "pt_BR": ["uma infecção inicial ou leve", "uma infecção moderada",
              "uma infecção forte", "uma infecção severa"],
}
SEVERITY_PATTERNS = {
    "en": [re.compile(p, re.I) for p in (r"\b(early|light) infection", r"\bmoderate infection",
                                          r"\bheavy infection", r"\bsevere infection")],
    "pt_BR": [re.compile(p, re.I) for p in (r"infecção (inicial|leve)", r"infecção moderada",
                                             r"infecção forte", r"infecção severa")],
}


# Where the deciding evidence lies (engine/vision/evidence.c): "none", or one or two
# of these places, strongest first ("lesions, hand").
EVIDENCE_PLACES = ("leaf", "lesions", "background", "hand")
OFF_LEAF = ("background", "hand")

# A sentence about the evidence, and how it names each place.  Places are
# looked for only in evidence sentences (the area sentence speaks of
# lesion-coloured tissue too).
EVIDENCE_SENTENCE = {
    "en": re.compile(r"\bevidence\b|no single region", re.I),
    "pt_BR": re.compile(r"evidência|nenhuma região isolada", re.I),
}
EVIDENCE_PATTERNS = {
    "en": {"leaf": re.compile(r"green (leaf )?tissue", re.I),
           "lesions": re.compile(r"lesion-colou?red spots|\bon the lesions\b", re.I),
           "background": re.compile(r"background", re.I),
           "hand": re.compile(r"\b(hand|finger|fingers|thumb)\b", re.I),
           "none": re.compile(r"no single region", re.I)},
    "pt_BR": {"leaf": re.compile(r"tecido verde", re.I),
              "lesions": re.compile(r"manchas com cor de lesão|nas lesões", re.I),
              "background": re.compile(r"\bfundo\b", re.I),
              "hand": re.compile(r"\b(mão|dedo|dedos|polegar)\b", re.I),
              "none": re.compile(r"nenhuma região isolada", re.I)},
}
# Off the leaf, the report must advise a new photo with the leaf filling the frame.
FILL_FRAME = {
    "en": re.compile(r"leaf filling the frame", re.I),
    "pt_BR": re.compile(r"folha preenchendo o quadro", re.I),
}
# The writer no longer speaks of attention (a rollout map is not evidence).
ATTENTION_WORDS = {
    "en": re.compile(r"\battention\b|heatmap", re.I),
    "pt_BR": re.compile(r"\batenção\b|mapa de calor", re.I),
}


def evidence_list(evidence):
    if evidence.strip() == "none":
        return []
    return [e.strip() for e in evidence.split(",") if e.strip()]


def check_evidence(lang, evidence, report):
    """The evidence sentences name exactly the places of @evidence ("none":
    say no single region decides, name no place), advise a retake when any
    place is off the leaf, and nothing speaks of attention."""
    sents = [s for s in sentences(report) if EVIDENCE_SENTENCE[lang].search(s)]
    text = " ".join(sents)
    pats = EVIDENCE_PATTERNS[lang]
    places = evidence_list(evidence)
    if not sents or ATTENTION_WORDS[lang].search(report):
        return False
    if not places:
        return bool(pats["none"].search(text)) and not any(pats[x].search(text) for x in EVIDENCE_PLACES)
    if pats["none"].search(text):
        return False
    if any(bool(pats[x].search(text)) != (x in places) for x in EVIDENCE_PLACES):
        return False
    off = any(x in OFF_LEAF for x in places)
    return bool(FILL_FRAME[lang].search(report)) == off


def severity_index(area):
    return 0 if area < 5 else 1 if area < 15 else 2 if area < 30 else 3


_SENT_SPLIT = re.compile(r"(?<=[.!?;:])\s+|\n+")
_PERCENT = re.compile(r"(\d+)\s?%")


def sentences(text):
    return [s for s in _SENT_SPLIT.split(text) if s.strip()]


def quality_list(quality):
    if quality.strip() == "good":
        return []
    return [q.strip() for q in quality.split(",") if q.strip()]


def check(findings, report):
    """Return a dict of booleans for one report.

    findings: dict with language, label, confidence, runner_up,
    runner_up_confidence, uncertain ('yes'/'no'), affected_area, evidence,
    quality.
    """
    lang = findings["language"]
    label = findings["label"]
    names = NAME_PATTERNS[lang]
    marker = RUNNER_UP_MARKER[lang]
    sents = sentences(report)

    names_diagnosis = any(names[label].search(s) and not marker.search(s) for s in sents)
    other_as_diagnosis = False
    for s in sents:
        if marker.search(s):
            continue
        for other in LABELS:
            if other != label and (names[other].search(s)
                                   or (other in PATHOGENS and PATHOGENS[other].search(s))):
                other_as_diagnosis = True
    diagnosis_ok = names_diagnosis and not other_as_diagnosis

    percents = [int(m) for m in _PERCENT.findall(report)]
    allowed = {int(findings["confidence"]), int(findings["affected_area"]),
               int(findings["runner_up_confidence"])}
    confidence_ok = int(findings["confidence"]) in percents
    area_ok = int(findings["affected_area"]) in percents
    no_wrong_numbers = all(p in allowed for p in percents)
    numbers_ok = confidence_ok and area_ok and no_wrong_numbers

    says_uncertain = bool(UNCERTAIN_WORDS[lang].search(report))
    if findings["uncertain"] == "yes":
        uncertain_ok = says_uncertain and bool(RETAKE_WORDS[lang].search(report))
    else:
        uncertain_ok = not says_uncertain

    quality_ok = all(QUALITY_WORDS[lang][q].search(report)
                     for q in quality_list(findings["quality"]))

    want = severity_index(int(findings["affected_area"]))
    severity_ok = not any(pat.search(report) for i, pat in enumerate(SEVERITY_PATTERNS[lang])
                          if i != want)

    evidence_ok = check_evidence(lang, findings["evidence"], report)

    return {
        "diagnosis": diagnosis_ok,
        "confidence": confidence_ok,
        "area": area_ok,
        "numbers": numbers_ok,
        "uncertain": uncertain_ok,
        "quality": quality_ok,
        "severity": severity_ok,
        "evidence": evidence_ok,
        "all": (diagnosis_ok and numbers_ok and uncertain_ok and quality_ok and severity_ok
                and evidence_ok),
    }
