#!/usr/bin/env python3
"""Generate the report-writer corpus: findings header + faithful report.

Each example is the exact prompt header of the model folder's
leafscope-prompt.json (the prompt contract), followed by a report written in
the header's language from many phrasings and the knowledge base in
data/knowledge/, followed by <|endoftext|>.

    generate.py --out DIR [--train N] [--heldout N] [--seed S]

writes DIR/train.jsonl and DIR/heldout.jsonl (one JSON object per line:
findings, prompt, report, text).  Deterministic for a given seed: the train
split uses seed S, the held-out split seed S + 1000, and train examples whose
findings equal a held-out one are dropped.  Every report is checked with
faithful.check() and must pass.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faithful  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KNOWLEDGE = os.path.join(ROOT, "data", "knowledge")
LABELS = faithful.LABELS
LANGS = ("en", "pt_BR")

TEMPLATE = ("<|findings|>\nlanguage: {language}\ndiagnosis: {label}\n"
            "confidence: {confidence}%\nrunner-up: {runner_up} ({runner_up_confidence}%)\n"
            "uncertain: {uncertain}\naffected area: {affected_area}%\n"
            "evidence: {evidence}\nphoto: {quality}\n<|report|>\n")
EOT = "<|endoftext|>"

# ----------------------------------------------------------------------------
# Phrasings.  {name}: the diagnosis as written in the language; {conf}: its
# percent; {rname}/{rconf}: the runner-up; {area}: affected area percent.

P = {
    "en": {
        "name": {"angular_leaf_spot": ["angular leaf spot"],
                 "bean_rust": ["bean rust", "bean rust", "rust"],
                 "healthy": ["healthy"]},
        "rname": {"angular_leaf_spot": "angular leaf spot", "bean_rust": "bean rust",
                  "healthy": "healthy"},
        "open_disease": [
            "The model identifies {name} on this leaf, with {conf}% confidence.",
            "Diagnosis: {name} ({conf}% confidence).",
            "This leaf shows signs of {name}; the model is {conf}% confident.",
            "The most likely diagnosis is {name}, at {conf}% confidence.",
            "The photo points to {name}, with a confidence of {conf}%.",
            "The vision model classified this leaf as {name} with {conf}% confidence.",
            "Result: {name}, {conf}% confidence.",
            "The leaf in this photo has {name}, according to the model ({conf}% confidence).",
        ],
        "open_healthy": [
            "The leaf looks healthy, with {conf}% confidence.",
            "Diagnosis: healthy leaf ({conf}% confidence).",
            "The model finds no sign of disease and classifies the leaf as healthy, with {conf}% confidence.",
            "This leaf appears healthy; the model is {conf}% confident.",
            "Result: healthy, {conf}% confidence.",
            "The vision model classified this leaf as healthy with {conf}% confidence.",
        ],
        "open_disease_uncertain": [
            "The model leans towards {name}, but with only {conf}% confidence this result is uncertain.",
            "Tentative diagnosis: {name} ({conf}% confidence). The result is uncertain.",
            "The best match is {name} at {conf}%, which is too low to be sure: treat this result as uncertain.",
            "This photo may show {name}, but the confidence is only {conf}%, so the result is uncertain.",
        ],
        "open_healthy_uncertain": [
            "The model leans towards a healthy leaf, but with only {conf}% confidence this result is uncertain.",
            "Tentative result: healthy ({conf}% confidence). The result is uncertain.",
            "The best match is healthy at {conf}%, which is too low to be sure: treat this result as uncertain.",
            "The leaf may be healthy, but the confidence is only {conf}%, so the result is uncertain.",
        ],
        "runner": [
            "The runner-up was {rname} at {rconf}%.",
            "The runner-up class, {rname}, received {rconf}%.",
            "As a runner-up, the model gave {rname} {rconf}%.",
        ],
        "runner_uncertain": [
            "The runner-up, {rname} at {rconf}%, is close enough that it cannot be ruled out.",
            "The runner-up was {rname} with {rconf}%, so the two are not clearly separated.",
            "The runner-up class, {rname}, received {rconf}%, not far behind.",
        ],
        "severity": faithful.SEVERITY["en"],
        "area_disease": [
            "About {area}% of the leaf area shows lesion-coloured tissue, which suggests {sev}.",
            "Lesion-coloured tissue covers roughly {area}% of the leaf.",
            "The estimated affected area is {area}% of the leaf, which points to {sev}.",
            "Around {area}% of the leaf surface is discoloured by lesions.",
            "Affected area: about {area}% of the leaf, {sev}.",
        ],
        "area_disease_low": [
            "Only about {area}% of the leaf shows lesion-coloured tissue, which suggests {sev}; small or early lesions can escape this estimate.",
            "Lesion-coloured tissue covers just {area}% of the leaf, {sev}, although small lesions may be under-counted.",
            "The estimated affected area is only {area}% of the leaf, which points to {sev}.",
        ],
        "area_healthy_zero": [
            "No lesion-coloured tissue was found ({area}% of the leaf area).",
            "The affected area is {area}%: the leaf has no lesion-coloured patches.",
        ],
        "area_healthy": [
            "Only {area}% of the leaf area has lesion-like colour, which small blemishes, veins or shadows can explain.",
            "The colour-based estimate of affected area is {area}%, low enough to be normal for a leaf without disease.",
            "About {area}% of the leaf shows brownish or yellowish colour, a level within the normal range.",
        ],
        # Where the evidence lies: what changes the diagnosis when that part of
        # the photo is covered (engine/vision/evidence.c).  {loc}: one or two places.
        "evidence_place": {
            "leaf": "green leaf tissue",
            "lesions": "lesion-coloured spots on the leaf",
            "background": "the background",
            "hand": "the hand holding the leaf",
        },
        "evidence_one": [
            "The deciding evidence lies on {loc}: covering it changes the diagnosis most.",
            "The evidence map shows that the deciding evidence is on {loc}.",
            "According to the evidence map, the deciding evidence is on {loc}.",
        ],
        "evidence_two": [
            "The deciding evidence lies in two places: {loc}.",
            "The evidence map shows the deciding evidence on {loc}.",
        ],
        "evidence_off": [
            "The deciding evidence is on {off}, not the leaf: retake the photo with the leaf filling the frame.",
            "The model's deciding evidence is on {off}, not on the leaf, so retake the photo with the leaf filling the frame.",
        ],
        "evidence_part_off": [
            "Part of it is off the leaf: retake the photo with the leaf filling the frame.",
            "Because some of that evidence is off the leaf, retake the photo with the leaf filling the frame.",
        ],
        "evidence_none": [
            "No single region decides this diagnosis: covering any one part of the photo changes it by less than 2 points.",
            "The evidence map shows no single region that decides this diagnosis.",
        ],
        "evidence_lesions_disease": " Check that these spots match the lesions you see.",
        "and_place": " and ",
        "quality_adj": {"dark": "too dark", "overexposed": "overexposed", "blurred": "blurred"},
        "quality_subject": "the photo is ",
        "and": " and ",
        "quality": [
            "Note that {q}, which can hide small lesions.",
            "The photo quality is limited: {q}.",
            "Keep in mind that {q}; fine details may be lost.",
        ],
        "quality_advice": [
            " A sharper photo in even daylight would make the result more reliable.",
            " If possible, take another photo in even daylight.",
            "",
        ],
        "quality_good": ["The photo quality is good.", "The photo is sharp and well exposed."],
        "uncertain_advice": [
            "Because the result is uncertain, retake the photo of a single leaf in even daylight and consult an extension officer or plant health expert before acting.",
            "Please retake the photo, closer and in good light, and ask an expert to confirm before any treatment.",
            "Treat it as a hint only: take a new photo and have an extension officer look at the plants.",
        ],
        "intro_symptoms": ["", "", "What to look for: ", "In the field, "],
        "intro_symptoms_uncertain": ["If this is {name}, ", "If it is {name}, "],
        "intro_manage": ["", "", "To manage it: ", "What to do: "],
        "intro_care": ["", "", "To keep it that way: ", "Good practice: "],
    },
    "pt_BR": {
        "name": {"angular_leaf_spot": ["mancha-angular"],
                 "bean_rust": ["ferrugem", "ferrugem", "ferrugem do feijoeiro"],
                 "healthy": ["sadia"]},
        "rname": {"angular_leaf_spot": "mancha-angular", "bean_rust": "ferrugem",
                  "healthy": "folha sadia"},
        "open_disease": [
            "O modelo identificou {name} nesta folha, com {conf}% de confiança.",
            "Diagnóstico: {name} ({conf}% de confiança).",
            "Esta folha apresenta sinais de {name}; o modelo tem {conf}% de confiança.",
            "O diagnóstico mais provável é {name}, com {conf}% de confiança.",
            "A foto indica {name}, com confiança de {conf}%.",
            "O modelo de visão classificou esta folha como {name}, com {conf}% de confiança.",
            "Resultado: {name}, {conf}% de confiança.",
            "Segundo o modelo, a folha desta foto tem {name} ({conf}% de confiança).",
        ],
        "open_healthy": [
            "A folha parece sadia, com {conf}% de confiança.",
            "Diagnóstico: folha sadia ({conf}% de confiança).",
            "O modelo não encontrou sinais de doença e classificou a folha como sadia, com {conf}% de confiança.",
            "Esta folha parece saudável; o modelo tem {conf}% de confiança.",
            "Resultado: sadia, {conf}% de confiança.",
            "O modelo de visão classificou esta folha como sadia, com {conf}% de confiança.",
        ],
        "open_disease_uncertain": [
            "O modelo tende a indicar {name}, mas com apenas {conf}% de confiança este resultado é incerto.",
            "Diagnóstico provisório: {name} ({conf}% de confiança). O resultado é incerto.",
            "A melhor correspondência é {name}, com {conf}%, o que é pouco para ter certeza: considere este resultado incerto.",
            "Esta foto pode mostrar {name}, mas a confiança é de apenas {conf}%, então o resultado é incerto.",
        ],
        "open_healthy_uncertain": [
            "O modelo tende a indicar uma folha sadia, mas com apenas {conf}% de confiança este resultado é incerto.",
            "Resultado provisório: folha sadia ({conf}% de confiança). O resultado é incerto.",
            "A melhor correspondência é folha sadia, com {conf}%, o que é pouco para ter certeza: considere este resultado incerto.",
            "A folha pode estar sadia, mas a confiança é de apenas {conf}%, então o resultado é incerto.",
        ],
        "runner": [
            "A segunda hipótese foi {rname}, com {rconf}%.",
            "Como segunda hipótese, o modelo deu {rconf}% para {rname}.",
            "A segunda hipótese, {rname}, recebeu {rconf}%.",
        ],
        "runner_uncertain": [
            "A segunda hipótese, {rname} com {rconf}%, está próxima o bastante para não ser descartada.",
            "A segunda hipótese foi {rname}, com {rconf}%, então as duas não estão bem separadas.",
            "A segunda hipótese, {rname}, recebeu {rconf}%, não muito atrás.",
        ],
        "severity": faithful.SEVERITY["pt_BR"],
        "area_disease": [
            "Cerca de {area}% da área da folha apresenta tecido com cor de lesão, o que sugere {sev}.",
            "O tecido com cor de lesão cobre aproximadamente {area}% da folha.",
            "A área afetada estimada é de {area}% da folha, o que indica {sev}.",
            "Em torno de {area}% da superfície da folha está descolorida por lesões.",
            "Área afetada: cerca de {area}% da folha, {sev}.",
        ],
        "area_disease_low": [
            "Apenas cerca de {area}% da folha apresenta tecido com cor de lesão, o que sugere {sev}; lesões pequenas ou iniciais podem escapar desta estimativa.",
            "O tecido com cor de lesão cobre só {area}% da folha, {sev}, embora lesões pequenas possam ser subestimadas.",
            "A área afetada estimada é de apenas {area}% da folha, o que indica {sev}.",
        ],
        "area_healthy_zero": [
            "Não foi encontrado tecido com cor de lesão ({area}% da área da folha).",
            "A área afetada é de {area}%: a folha não tem manchas com cor de lesão.",
        ],
        "area_healthy": [
            "Apenas {area}% da área da folha tem cor parecida com lesão, o que pequenas marcas, nervuras ou sombras podem explicar.",
            "A estimativa de área afetada pela cor é de {area}%, baixa o bastante para ser normal em uma folha sem doença.",
            "Cerca de {area}% da folha mostra cor amarronzada ou amarelada, um nível dentro do normal.",
        ],
        "evidence_place": {
            "leaf": "o tecido verde da folha",
            "lesions": "as manchas com cor de lesão na folha",
            "background": "o fundo",
            "hand": "a mão que segura a folha",
        },
        "evidence_place_em": {
            "leaf": "no tecido verde da folha",
            "lesions": "nas manchas com cor de lesão na folha",
            "background": "no fundo",
            "hand": "na mão que segura a folha",
        },
        "evidence_one": [
            "A evidência decisiva está {loc}: cobrir essa parte é o que mais muda o diagnóstico.",
            "O mapa de evidência mostra que a evidência decisiva está {loc}.",
            "Segundo o mapa de evidência, a evidência decisiva está {loc}.",
        ],
        "evidence_two": [
            "A evidência decisiva está em dois lugares: {loc}.",
            "O mapa de evidência mostra a evidência decisiva {loc}.",
        ],
        "evidence_off": [
            "A evidência decisiva está {off}, não na folha: tire outra foto com a folha preenchendo o quadro.",
            "A evidência decisiva do modelo está {off}, e não na folha; tire outra foto com a folha preenchendo o quadro.",
        ],
        "evidence_part_off": [
            "Parte dela está fora da folha: tire outra foto com a folha preenchendo o quadro.",
            "Como parte dessa evidência está fora da folha, tire outra foto com a folha preenchendo o quadro.",
        ],
        "evidence_none": [
            "Nenhuma região isolada decide este diagnóstico: cobrir qualquer parte da foto o muda em menos de 2 pontos.",
            "O mapa de evidência não mostra nenhuma região isolada que decida este diagnóstico.",
        ],
        "evidence_lesions_disease": " Confira se essas manchas correspondem às lesões que você vê.",
        "and_place": " e ",
        "quality_adj": {"dark": "escura demais", "overexposed": "superexposta", "blurred": "desfocada"},
        "quality_subject": "a foto está ",
        "and": " e ",
        "quality": [
            "Observe que {q}, o que pode esconder lesões pequenas.",
            "A qualidade da foto é limitada: {q}.",
            "Lembre que {q}; detalhes finos podem se perder.",
        ],
        "quality_advice": [
            " Uma foto mais nítida, com luz do dia uniforme, deixaria o resultado mais confiável.",
            " Se possível, tire outra foto com luz do dia uniforme.",
            "",
        ],
        "quality_good": ["A qualidade da foto é boa.", "A foto está nítida e bem exposta."],
        "uncertain_advice": [
            "Como o resultado é incerto, tire uma nova foto de uma única folha com luz do dia uniforme e consulte um técnico da extensão rural ou um especialista em sanidade vegetal antes de agir.",
            "Repita a foto, mais de perto e com boa luz, e peça a um especialista para confirmar antes de qualquer tratamento.",
            "Use este resultado apenas como indicação: tire outra foto e peça a um técnico que examine as plantas.",
        ],
        "intro_symptoms": ["", "", "O que observar: ", "No campo, "],
        "intro_symptoms_uncertain": ["Se for {name}, ", "Caso seja {name}, "],
        "intro_manage": ["", "", "Como manejar: ", "O que fazer: "],
        "intro_care": ["", "", "Para manter assim: ", "Boas práticas: "],
    },
}


def load_knowledge():
    kb = {}
    for label in LABELS:
        with open(os.path.join(KNOWLEDGE, label + ".json"), encoding="utf-8") as f:
            kb[label] = json.load(f)
    return kb


# ----------------------------------------------------------------------------
# Findings sampled over realistic ranges.

def sample_evidence(rng):
    """engine/vision/evidence.c's words: none, or one or two places, strongest first."""
    r = rng.random()
    if r < 0.3:
        return "none"
    places = faithful.EVIDENCE_PLACES
    weights = [0.25, 0.35, 0.2, 0.2]
    first = rng.choices(places, weights)[0]
    if r < 0.8:
        return first
    second = rng.choice([p for p in places if p != first])
    return first + ", " + second


def sample_findings(rng):
    label = rng.choice(LABELS)
    language = rng.choice(LANGS)
    if rng.random() < 0.3:
        conf = rng.randint(34, 59)
    else:
        conf = int(round(60 + 39 * (1 - rng.random() ** 1.6)))  # skewed high
        conf = min(max(conf, 60), 99)
    rest = 100 - conf
    hi = min(conf, rest)
    lo = min((rest + 1) // 2, hi)
    rconf = rng.randint(lo, hi)
    runner = rng.choice([l for l in LABELS if l != label])
    if label == "healthy":
        area = min(8, int(rng.random() ** 2 * 9))
    elif rng.random() < 0.4:
        # Real diseased photos measure low: 0-16% over Beans validation, often
        # 0-2% where small rust pustules are under-counted (engine/vision/photo-analysis.c).
        area = rng.randint(0, 4)
    else:
        area = int(round(2 + 58 * rng.random() ** 1.5))
    evidence = sample_evidence(rng)
    q = rng.random()
    if q < 0.6:
        quality = ["good"]
    elif q < 0.9:
        quality = [rng.choice(["dark", "overexposed", "blurred"])]
    else:
        quality = rng.choice([["dark", "blurred"], ["overexposed", "blurred"]])
    sep = ", " if rng.random() < 0.85 else ","
    return {
        "language": language,
        "label": label,
        "confidence": conf,
        "runner_up": runner,
        "runner_up_confidence": rconf,
        "uncertain": "yes" if conf < 60 else "no",
        "affected_area": area,
        "evidence": evidence,
        "quality": sep.join(quality),
    }


def prompt_for(f):
    return TEMPLATE.format(**f)


# ----------------------------------------------------------------------------
# Report composition.

def lower_first(s):
    return s[0].lower() + s[1:] if s and not s[:2].isupper() else s


def with_intro(intro, sentence):
    return intro + lower_first(sentence) if intro else sentence


def compose(rng, f, kb):
    lang, label = f["language"], f["label"]
    p = P[lang]
    k = kb[label][lang]
    uncertain = f["uncertain"] == "yes"
    healthy = label == "healthy"
    name = rng.choice(p["name"][label])
    fmt = dict(name=name, conf=f["confidence"], rname=p["rname"][f["runner_up"]],
               rconf=f["runner_up_confidence"], area=f["affected_area"],
               sev=p["severity"][faithful.severity_index(f["affected_area"])])

    key = "open_" + ("healthy" if healthy else "disease") + ("_uncertain" if uncertain else "")
    opener = rng.choice(p[key]).format(**fmt)

    middle = []
    if healthy:
        akey = "area_healthy_zero" if f["affected_area"] == 0 else "area_healthy"
    else:
        akey = "area_disease_low" if f["affected_area"] <= 2 else "area_disease"
    middle.append(rng.choice(p[akey]).format(**fmt))
    middle.append(evidence_sentences(rng, p, f["evidence"], healthy))
    if uncertain:
        middle.append(rng.choice(p["runner_uncertain"]).format(**fmt))
    elif rng.random() < 0.4:
        middle.append(rng.choice(p["runner"]).format(**fmt))
    rng.shuffle(middle)

    tail = []
    problems = faithful.quality_list(f["quality"])
    if problems:
        q = p["quality_subject"] + p["and"].join(p["quality_adj"][x] for x in problems)
        s = rng.choice(p["quality"]).format(q=q)
        s = s[0].upper() + s[1:]
        if not uncertain:
            s += rng.choice(p["quality_advice"])
        tail.append(s)
    elif rng.random() < 0.4:
        tail.append(rng.choice(p["quality_good"]))
    if uncertain:
        tail.append(rng.choice(p["uncertain_advice"]))
    findings_par = [opener] + middle + tail

    # Knowledge paragraph.
    know = []
    if healthy:
        if rng.random() < 0.5:
            know.append(rng.choice(k["symptoms"]))
        care = rng.sample(k["care"], rng.randint(1, 2))
        care[0] = with_intro(rng.choice(p["intro_care"]), care[0])
        know += care
        if rng.random() < 0.4:
            know.append(rng.choice(k["monitoring"]))
        if rng.random() < 0.4:
            know.append(rng.choice(k["extension"]))
    else:
        sym = rng.sample(k["symptoms"], rng.randint(1, 2))
        intro = rng.choice(p["intro_symptoms_uncertain"] if uncertain else p["intro_symptoms"])
        sym[0] = with_intro(intro.format(**fmt), sym[0])
        know += sym
        if rng.random() < 0.4:
            know.append(rng.choice(k["cause"]))
        if rng.random() < 0.4:
            know.append(rng.choice(k["conditions"]))
        pool = k["management_cultural"] + k["management_varieties"] + k["management_fungicides"]
        n_manage = 1 if uncertain else rng.randint(1, 2)
        if f["affected_area"] >= 15 and not uncertain:
            manage = [rng.choice(k["management_fungicides"])] + rng.sample(k["management_cultural"], n_manage - 1)
        else:
            manage = rng.sample(pool, n_manage)
        manage[0] = with_intro(rng.choice(p["intro_manage"]), manage[0])
        know += manage
        if f["affected_area"] >= 30 or rng.random() < 0.3:
            know.append(rng.choice(k["extension"]))
        if rng.random() < 0.15:
            know.append(rng.choice(k["monitoring"]))

    if rng.random() < 0.7:
        return " ".join(findings_par) + "\n\n" + " ".join(know)
    return " ".join(findings_par + know)


def evidence_sentences(rng, p, evidence, healthy):
    places = faithful.evidence_list(evidence)
    if not places:
        return rng.choice(p["evidence_none"])
    # Portuguese needs the places with their preposition ("na mão").
    where = p.get("evidence_place_em", p["evidence_place"])
    off = [x for x in places if x in faithful.OFF_LEAF]
    if len(off) == len(places):
        return rng.choice(p["evidence_off"]).format(off=p["and_place"].join(where[x] for x in off))
    if len(places) == 1:
        s = rng.choice(p["evidence_one"]).format(loc=where[places[0]])
        if places[0] == "lesions" and not healthy and rng.random() < 0.4:
            s += p["evidence_lesions_disease"]
        return s
    s = rng.choice(p["evidence_two"]).format(loc=p["and_place"].join(where[x] for x in places))
    if off:
        s += " " + rng.choice(p["evidence_part_off"])
    return s


def make_example(rng, kb, f=None):
    f = f or sample_findings(rng)
    for _ in range(200):
        report = compose(rng, f, kb)
        n = len(report.split())
        if 80 <= n <= 180 and faithful.check(f, report)["all"]:
            prompt = prompt_for(f)
            return {"findings": f, "prompt": prompt, "report": report,
                    "text": prompt + report + EOT}
    raise RuntimeError("could not compose a valid report for %r" % (f,))


def key_of(f):
    return json.dumps(f, sort_keys=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--train", type=int, default=40000)
    ap.add_argument("--heldout", type=int, default=200, help="per language")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    kb = load_knowledge()
    os.makedirs(a.out, exist_ok=True)

    # Held-out: exactly --heldout examples per language.
    rng = random.Random(a.seed + 1000)
    held, per_lang = [], {l: 0 for l in LANGS}
    while min(per_lang.values()) < a.heldout:
        f = sample_findings(rng)
        if per_lang[f["language"]] >= a.heldout:
            continue
        per_lang[f["language"]] += 1
        held.append(make_example(rng, kb, f))
    held_keys = {key_of(e["findings"]) for e in held}

    rng = random.Random(a.seed)
    train, dropped = [], 0
    while len(train) < a.train:
        e = make_example(rng, kb)
        if key_of(e["findings"]) in held_keys:
            dropped += 1
            continue
        train.append(e)

    for name, rows in (("train", train), ("heldout", held)):
        with open(os.path.join(a.out, name + ".jsonl"), "w", encoding="utf-8") as fo:
            for e in rows:
                fo.write(json.dumps(e, ensure_ascii=False) + "\n")
    words = [len(e["report"].split()) for e in train]
    print("train %d (dropped %d equal to held-out), held-out %d; report words min %d mean %.1f max %d"
          % (len(train), dropped, len(held), min(words), sum(words) / len(words), max(words)))


if __name__ == "__main__":
    main()
