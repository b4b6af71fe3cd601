"""Word lists for the rules backend (written for radzero).

FINDINGS: canonical finding -> regex alternatives (lower case, matched on word boundaries; the
longest match wins). ANATOMY: statements about an organ whose predicate says normal / abnormal
("heart size is normal" -> no cardiomegaly). Triggers follow the NegEx / ConText idea: pre-triggers
act on the findings after them up to a terminator, post-triggers on the findings before them.
"""

from __future__ import annotations

# ---------------------------------------------------------------- findings
# canonical name -> regex alternatives. Canonical names are what the templates print.
FINDINGS: dict[str, list[str]] = {
    # pleura
    "pleural effusion": [r"pleural effusions?", r"effusions?", r"pleural fluid(?: collections?)?",
                         r"hydrothorax", r"hydropneumothorax"],
    "pericardial effusion": [r"pericardial effusions?"],
    "pneumothorax": [r"pneumothora(?:x|ces|xes)", r"ptx"],
    "pleural thickening": [r"pleural thickening", r"thickening of the pleura", r"pleural reaction"],
    "pleural plaque": [r"pleural plaques?", r"calcified pleural plaques?"],
    "costophrenic angle blunting": [r"blunting of (?:the )?(?:left |right |bilateral |both )?(?:posterior |lateral )?costophrenic (?:angles?|sulci|sulcus)",
                                       r"costophrenic (?:angle |sulcus )?blunting",
                                       r"blunted (?:left |right |bilateral )?costophrenic (?:angles?|sulci)"],
    # parenchyma
    "consolidation": [r"consolidations?", r"consolidative (?:airspace )?(?:opacity|opacities|change|changes)"],
    "airspace disease": [r"airspace disease", r"alveolar disease", r"airspace process"],
    "opacity": [r"opacit(?:y|ies)", r"opacification", r"densit(?:y|ies)", r"haziness"],
    "infiltrate": [r"infiltrates?", r"infiltration"],
    "atelectasis": [r"atelectas[ie]s", r"atelectatic (?:change|changes)", r"atelectatic", r"collapse",
                    r"volume loss"],
    "pneumonia": [r"pneumonias?", r"bronchopneumonia", r"pneumonitis"],
    "infection": [r"infections?", r"infectious (?:process|etiology)"],
    "aspiration": [r"aspiration"],
    "pulmonary edema": [r"(?:pulmonary )?(?:interstitial |alveolar )?edema", r"fluid overload",
                        r"volume overload"],
    "pulmonary vascular congestion": [r"(?:pulmonary )?(?:vascular|venous) congestion", r"congestion",
                                      r"cephalization", r"vascular engorgement",
                                      r"pulmonary vascular prominence", r"vascular prominence"],
    "congestive heart failure": [r"congestive heart failure", r"chf", r"heart failure"],
    "nodule": [r"nodules?", r"nodular opacit(?:y|ies)", r"nodular densit(?:y|ies)"],
    "mass": [r"mass(?:es)?", r"masslike (?:opacity|lesion)"],
    "lesion": [r"lesions?"],
    "metastasis": [r"metastas[ie]s", r"metastatic disease", r"malignancy"],
    "granuloma": [r"granulomas?", r"granulomata", r"calcified granulomas?"],
    "granulomatous disease": [r"granulomatous (?:disease|process|change|changes|infection)"],
    "calcification": [r"calcifications?", r"calcified densit(?:y|ies)", r"calcific densit(?:y|ies)"],
    "aortic calcification": [r"aortic (?:arch |knob )?calcifications?", r"calcified aort(?:a|ic arch|ic knob)",
                             r"calcification of the aort(?:a|ic arch|ic knob)"],
    "atherosclerosis": [r"atherosclerosis", r"atherosclerotic (?:disease|change|changes|calcifications?|vascular disease)",
                        r"atherosclerotic"],
    "emphysema": [r"emphysema", r"emphysematous (?:change|changes|disease)", r"emphysematous"],
    "chronic obstructive pulmonary disease": [r"copd", r"chronic obstructive (?:pulmonary|lung) disease"],
    "hyperinflation": [r"hyperinflation", r"hyperexpansion", r"hyperinflated lungs?",
                       r"hyperexpanded lungs?", r"overinflation", r"hyperaeration"],
    "low lung volume": [r"low lung volumes?", r"decreased lung volumes?", r"diminished lung volumes?",
                        r"reduced lung volumes?", r"hypoinflation", r"hypoventilation",
                        r"poor inspiration", r"shallow inspiration"],
    "fibrosis": [r"fibrosis", r"fibrotic (?:change|changes)"],
    "scarring": [r"scarring", r"scars?"],
    "interstitial lung disease": [r"interstitial (?:lung )?disease", r"interstitial abnormalit(?:y|ies)"],
    "interstitial marking": [r"(?:increased |prominent |coarse |coarsened )?interstitial (?:markings?|prominence|changes?|pattern)"],
    "bronchiectasis": [r"bronchiectasis", r"bronchiectatic (?:change|changes)"],
    "bronchial wall thickening": [r"(?:bronchial|peribronchial) (?:wall )?thickening", r"peribronchial cuffing"],
    "bulla": [r"bullae?", r"bullous (?:change|changes|disease)"],
    "cavity": [r"cavit(?:y|ies)", r"cavitation", r"cavitary lesions?"],
    "cyst": [r"cysts?"],
    "lucency": [r"lucenc(?:y|ies)", r"hyperlucency"],
    "air-fluid level": [r"air[- ]fluid levels?"],
    "tuberculosis": [r"tuberculosis", r"tuberculous disease", r"\btb\b"],
    "azygos lobe": [r"azygos lobe"],
    # heart, mediastinum, vessels
    "cardiomegaly": [r"cardiomegaly", r"cardiac enlargement", r"enlarged heart", r"heart enlargement",
                     r"enlarged cardiac silhouette", r"enlargement of the cardiac silhouette",
                     r"cardiac silhouette enlargement"],
    "mediastinal widening": [r"mediastinal widening", r"widened mediastinum", r"widening of the mediastinum"],
    "hilar enlargement": [r"hilar (?:enlargement|prominence|fullness)", r"(?:enlarged|prominent) hil(?:a|um|ar contours?)"],
    "lymphadenopathy": [r"(?:lymph|hilar|mediastinal)?\s?adenopathy", r"lymphadenopathy",
                        r"enlarged (?:lymph )?nodes?"],
    "tortuous aorta": [r"tortuous (?:thoracic )?aorta", r"tortuosity of the (?:thoracic )?aorta",
                       r"aortic tortuosity", r"(?:ectatic|unfolded) (?:thoracic )?aorta",
                       r"tortuosity"],
    "aortic enlargement": [r"aortic (?:enlargement|dilatation|dilation|aneurysm)", r"(?:enlarged|dilated) aorta"],
    "pulmonary artery enlargement": [r"(?:enlarged|prominent) (?:central )?pulmonary arter(?:y|ies)",
                                     r"pulmonary arterial hypertension", r"pulmonary hypertension"],
    "pneumomediastinum": [r"pneumomediastinum"],
    "pneumoperitoneum": [r"pneumoperitoneum", r"free (?:intraperitoneal |subdiaphragmatic )?air"],
    "subcutaneous emphysema": [r"subcutaneous (?:emphysema|air|gas)", r"soft tissue (?:emphysema|air)"],
    # diaphragm, bones
    "hemidiaphragm elevation": [r"elevat(?:ed|ion of the) (?:left |right )?hemidiaphragms?",
                                r"hemidiaphragm(?:atic)? elevation", r"eventration"],
    "diaphragmatic flattening": [r"flatten(?:ing|ed) (?:of )?(?:the )?(?:hemi)?diaphragms?"],
    "hiatal hernia": [r"hiat(?:al|us) hernias?"],
    "hernia": [r"hernias?"],
    "fracture": [r"fractures?", r"fx"],
    "compression deformity": [r"compression (?:deformit(?:y|ies)|fractures?)", r"wedge deformit(?:y|ies)",
                              r"(?:anterior )?wedging"],
    "scoliosis": [r"scoliosis", r"dextroscoliosis", r"levoscoliosis", r"dextroconvex scoliosis",
                  r"levoconvex scoliosis", r"dextrocurvature", r"levocurvature", r"(?:dextro|levo)convex curvature"],
    "kyphosis": [r"kyphosis", r"kyphoscoliosis", r"kyphotic"],
    "degenerative change": [r"degenerative (?:change|changes|disease|spurring|joint disease)", r"spondylosis",
                            r"osteophytes?", r"osteoarthritis", r"djd", r"spurring",
                            r"arthritic (?:change|changes)", r"arthritis", r"degenerative"],
    "osteopenia": [r"osteopenia", r"demineralization", r"osteoporosis"],
    "foreign body": [r"foreign bod(?:y|ies)"],
    # devices, tubes, lines
    "endotracheal tube": [r"endotracheal tube", r"et tube", r"ett"],
    "tracheostomy tube": [r"tracheostomy(?: tube)?", r"trach tube"],
    "nasogastric tube": [r"nasogastric tube", r"ng tube", r"orogastric tube", r"og tube",
                         r"enteric tube", r"feeding tube", r"dobhoff(?: tube)?"],
    "central venous catheter": [r"central venous catheters?", r"central (?:line|catheter)s?",
                                r"(?:internal jugular|subclavian|ij) (?:venous )?(?:line|catheter)s?",
                                r"venous catheters?", r"cvc"],
    "picc line": [r"picc(?: line)?s?", r"peripherally inserted central catheters?"],
    "swan-ganz catheter": [r"swan[- ]ganz(?: catheter)?", r"pulmonary artery catheter"],
    "chest tube": [r"chest tubes?", r"pleural (?:drain|catheter)s?", r"pigtail catheters?", r"thoracostomy tubes?"],
    "pacemaker": [r"(?:cardiac )?pacemakers?(?: leads?| generator| wires?| device)?", r"pacer(?: leads?| wires?)?",
                  r"(?:aicd|icd|defibrillator)(?: leads?| generator| device)?", r"pacing (?:leads?|wires?|device)",
                  r"cardiac (?:device|generator)"],
    "port catheter": [r"port[- ]a[- ]cath", r"(?:chest |power |infusion )?port(?: catheter)?", r"mediport"],
    "sternotomy": [r"(?:median )?sternotomy(?: wires?| sutures?)?", r"sternal (?:wires|sutures)"],
    "surgical clip": [r"(?:surgical|cholecystectomy|vascular|mediastinal) clips?", r"clips"],
    "coronary artery bypass graft": [r"cabg(?: clips)?", r"coronary artery bypass(?: grafts?| surgery)?"],
    "prosthetic valve": [r"(?:prosthetic|mechanical) (?:heart )?valves?", r"(?:aortic|mitral) valve (?:prosthesis|replacement)",
                         r"valve (?:prosthesis|replacement)"],
    "stent": [r"stents?"],
    "orthopedic hardware": [r"(?:orthopedic|spinal fusion|surgical|fixation) hardware", r"hardware",
                            r"fusion hardware"],
    "support device": [r"support devices?", r"lines and tubes", r"tubes and lines"],
    # generic "nothing acute" statements
    "acute cardiopulmonary abnormality": [
        r"acute (?:radiographic )?(?:cardiopulmonary|cardiothoracic|intrathoracic|chest|pulmonary|lung|thoracic)"
        r" (?:abnormalit(?:y|ies)|process(?:es)?|disease(?: process)?|findings?|pathology|changes?)",
        r"acute (?:cardiopulmonary|cardiothoracic|intrathoracic)",
        r"(?:active|acute) disease(?: process)?", r"active/acute cardiopulmonary disease",
        r"acute (?:abnormalit(?:y|ies)|process|findings?)"],
    "acute osseous abnormality": [r"acute (?:bony|osseous|osseus|skeletal) (?:abnormalit(?:y|ies)|findings?|injury|process|lesions?)",
                                  r"acute (?:bony|osseous|skeletal)"],
}

# Categories the template treats alike: devices get no severity words.
DEVICES = {"endotracheal tube", "tracheostomy tube", "nasogastric tube", "central venous catheter",
           "picc line", "swan-ganz catheter", "chest tube", "pacemaker", "port catheter",
           "sternotomy", "surgical clip", "coronary artery bypass graft", "prosthetic valve",
           "stent", "orthopedic hardware", "support device", "foreign body"}
GENERIC = {"acute cardiopulmonary abnormality", "acute osseous abnormality"}

# ---------------------------------------------------------------- organ statements
# subject regex -> list of (predicate regex, canonical, polarity) with polarity in
# {"negated", "positive", "uncertain"}. A predicate may follow the subject ("heart size is normal")
# or stand right before it ("normal heart size", "clear lungs"). Order matters: first match wins.
_NORMAL = (r"(?:(?:grossly |entirely |otherwise |essentially |overall |again |stable(?: and)? |still |remains? |remain )*"
           r"(?:normal|within normal limits|wnl|unremarkable|not (?:significantly |substantially |markedly )?enlarged|"
           r"of normal (?:size|caliber|contour)|normal(?:ly)? (?:sized?|in size|in contour)|upper normal|intact|"
           r"without (?:acute )?(?:abnormalit(?:y|ies)|findings?)|preserved|satisfactory|stable and normal))")
_ENLARGED = r"(?:(?:(?:mildly|moderately|severely|markedly|massively|slightly|minimally|significantly)\s+)?(?:enlarged|enlargement|large|prominent|increased|widened|dilated|accentuated))"
_BORDERLINE = r"(?:borderline(?: enlarged| in size| size)?|(?:at )?(?:the )?upper limits? of normal|top[- ]normal|top of normal|high normal|mildly prominent|upper range of normal)"

ANATOMY: list[tuple[str, list[tuple[str, str, str]]]] = [
    (r"(?:heart(?: size)?|cardiac (?:size|silhouette|contours?|shadow|shape)|cardiomediastinal (?:silhouette|contours?|size|shadow)|"
     r"cardiac and mediastinal (?:contours?|silhouettes?)|cardiomediastinal)",
     [(_BORDERLINE, "cardiomegaly", "uncertain"),
      (_NORMAL, "cardiomegaly", "negated"),
      (_ENLARGED, "cardiomegaly", "positive")]),
    (r"(?:mediastinum|mediastinal (?:contours?|silhouettes?|width|shadow)|superior mediastinum)",
     [(_NORMAL, "mediastinal widening", "negated"),
      (r"(?:widened|wide|widening|(?:mildly )?enlarged)", "mediastinal widening", "positive")]),
    (r"(?:pulmonary (?:vascularity|vasculature|vessels|vascular markings|blood flow)|vascularity|vasculature)",
     [(_NORMAL, "pulmonary vascular congestion", "negated"),
      (r"(?:(?:mildly |moderately )?(?:congested|engorged|cephalized|indistinct|increased|prominent|prominence))",
       "pulmonary vascular congestion", "positive")]),
    (r"(?:(?:left |right |both )?lungs?(?! volumes?| bases?| apex| apices| zones?)|lung fields|lung parenchyma|pulmonary parenchyma)",
     [(r"(?:hyperinflated|hyperexpanded|overinflated|hyperlucent)", "hyperinflation", "positive"),
      (r"(?:(?:grossly |otherwise |essentially |again |remain |remains |now |bilaterally |relatively )*clear(?!\s+of)(?: bilaterally)?|"
       r"(?:grossly |otherwise )?(?:normal|unremarkable|within normal limits))",
       "consolidation", "negated")]),
    (r"(?:lung volumes?)",
     [(r"(?:low|decreased|diminished|reduced|small)", "low lung volume", "positive")]),
    (r"(?:pleural spaces?|costophrenic (?:angles?|sulci|recesses)|pleural surfaces|pleural recesses)",
     [(r"(?:blunted|blunting)", "costophrenic angle blunting", "positive"),
      (r"(?:clear|sharp|sharply defined|free|normal|unremarkable|preserved|intact)", "pleural effusion", "negated")]),
    (r"(?:(?:osseous|bony|skeletal) (?:structures|thorax|elements|findings)|(?:visualized )?bones|bony thorax|"
     r"osseous (?:and soft tissue )?structures|skeletal system|ribs)",
     [(_NORMAL, "fracture", "negated")]),
    (r"(?:(?:thoracic |descending |ascending )?aorta|aortic (?:arch|knob|contour))",
     [(r"(?:tortuous|ectatic|unfolded|elongated)", "tortuous aorta", "positive"),
      (r"(?:calcified|atherosclerotic)", "aortic calcification", "positive"),
      (r"(?:dilated|aneurysmal|enlarged)", "aortic enlargement", "positive")]),
    (r"(?:(?:left |right )?hemidiaphragms?)",
     [(r"(?:(?:mildly |moderately |markedly )?(?:elevated|elevation))", "hemidiaphragm elevation", "positive"),
      (r"(?:flattened|flat)", "diaphragmatic flattening", "positive")]),
    (r"(?:hila|hilar (?:contours?|structures|regions?)|hilum)",
     [(r"(?:(?:mildly )?(?:enlarged|prominent|full|bulky))", "hilar enlargement", "positive"),
      (_NORMAL, "hilar enlargement", "negated")]),
]

# ---------------------------------------------------------------- triggers
PSEUDO = [  # look like triggers but negate / hedge nothing
    r"no (?:significant |appreciable |substantial |definite |interval |apparent |visible |major |acute )*"
    r"(?:change|changes|increase|decrease|progression|worsening|improvement|difference)",
    r"not (?:significantly |substantially )?changed", r"without (?:significant |interval )?change",
    r"not only", r"gram[- ]negative",
    r"not (?:well |clearly |optimally |fully )?(?:seen|visualized|evaluated|assessed|appreciated) on (?:the )?(?:lateral|frontal|pa|ap)",
    r"without (?:a |any )?(?:comparisons?|prior(?: studies| study| exams?| films?)?)",
    r"no (?:prior|previous|comparison|old)(?: studies| study| exams?| examinations?| films?| images?| radiographs?)?",
    r"if no", r"whether or not", r"no longer than",
    r"not (?:as|so) (?:well|clearly)",
]
UNC_POST = [
    r"(?:cannot|can ?not|could not|can't|may not|is not able to) be (?:entirely |completely |totally |definitely |fully )?(?:excluded|ruled out|exclude)",
    r"(?:is |are )?not (?:entirely |completely |definitely |totally )?(?:excluded|ruled out)",
    r"(?:is|are) (?:also |not )?(?:suspected|questioned|possible|favored|not excluded|a possibility|considered)",
    r"\?",
]
UNC_PRE = [
    r"(?:cannot|can ?not|could not) (?:entirely |completely |definitely )?(?:exclude|rule out)",
    r"(?:may|might|could) (?:also )?(?:be due to|be secondary to|be related to|relate to|correspond to|represent|reflect|indicate|have|be)",
    r"may", r"might", r"could",
    r"possible", r"possibly", r"probable", r"probably", r"(?:most |more |less )?likely",
    r"presumably", r"presumed", r"suspect(?:ed)?", r"suspicious (?:for|of)", r"suspicion (?:for|of)",
    r"concern(?:ing)? for", r"worrisome for", r"question(?:able)?(?: of)?", r"questionably",
    r"equivocal(?: for)?", r"indeterminate", r"suggest(?:s|ing|ed)?", r"suggestive of", r"suggestion of",
    r"rule out", r"r/o", r"differential(?: diagnosis)?(?: includes?| considerations include)?",
    r"versus", r"vs\.?", r"and/or", r"favou?r(?:s|ing|ed)?", r"thought to (?:be|represent)",
    r"atypical for", r"borderline", r"cannot differentiate",
]
# "to suggest" after a negation keeps the negation ("no opacity to suggest pneumonia").
CONTINUE = [r"to suggest(?: an?)?", r"to indicate", r"that would suggest", r"to account for"]
NEG_POST = [
    r"(?:(?:is|are|was|were|has been|have been) )?(?:not|no longer) (?:definitely |clearly |convincingly |well |currently |now )?"
    r"(?:seen|identified|visualized|visible|demonstrated|present|noted|appreciated|evident|detected|apparent|depicted)",
    r"(?:has|have) (?:since )?(?:resolved|cleared|disappeared|been removed|been resolved)",
    r"(?:is|are|was|were) (?:now )?(?:resolved|absent|removed|gone)", r"resolved", r"removed", r"absent",
    r"(?:is|are) ruled out",
]
NEG_PRE = [
    r"no (?:evidence|signs?|findings?|suggestion|radiographic evidence|definite evidence) (?:of|for|to suggest)",
    r"(?:there is|there are|there's) no", r"without (?:evidence|signs?) (?:of|for)",
    r"negative for", r"free of", r"clear of", r"absence of", r"resolution of", r"resolved",
    r"removal of", r"interval removal of", r"no longer", r"lack of", r"rather than",
    r"no", r"not", r"without", r"none", r"nor", r"neither", r"absent", r"removed",
]
TERMINATORS = [r"but", r"however", r"although", r"though", r"except(?: for)?", r"aside from", r"apart from",
               r"which", r"that", r"with", r"there is", r"there are", r"there's", r"while", r"whereas",
               r"as well as"]

# Sentences that describe no image finding (advice, communication).
SKIP_SENTENCE = (r"\b(?:recommend\w*|follow[- ]?up|followup|correlat\w+|notified|discussed with|telephone\w*|"
                 r"paged|(?:was|were) called|called to|please|advised|consider (?:ct|chest ct|further|repeat))\b")

# ---------------------------------------------------------------- modifiers kept in the sentence
SEVERITY = {"trace": "trace", "tiny": "tiny", "minimal": "minimal", "minimally": "minimal",
            "small": "small", "mild": "mild", "mildly": "mild", "moderate": "moderate",
            "moderately": "moderate", "large": "large", "severe": "severe", "severely": "severe",
            "marked": "marked", "markedly": "marked", "massive": "massive", "extensive": "extensive",
            "moderate-sized": "moderate", "small-sized": "small", "large-sized": "large",
            "moderate-size": "moderate", "small-size": "small", "large-size": "large"}
# descriptors of the tissue / type sit right before the finding ("left basilar airspace opacity")
TYPE_DESCRIPTORS = {"airspace", "alveolar", "interstitial", "reticular", "reticulonodular", "nodular",
                    "fibronodular", "calcified", "noncalcified", "non-calcified", "cavitary", "hiatal",
                    "compression", "tension", "dual-lead", "dual-chamber", "single-lead", "biventricular"}
DESCRIPTORS = {"focal", "multifocal", "patchy", "streaky", "linear", "bandlike", "band-like", "platelike",
               "plate-like", "discoid", "subsegmental", "segmental", "lobar", "diffuse", "interstitial",
               "airspace", "alveolar", "reticular", "reticulonodular", "nodular", "hazy", "ill-defined",
               "rounded", "round", "calcified", "noncalcified", "non-calcified", "loculated", "layering",
               "confluent", "cavitary", "spiculated", "dense", "faint", "subtle", "scattered", "multiple",
               "coarse", "healed", "displaced", "nondisplaced", "non-displaced", "fibronodular",
               "tension", "compression", "hiatal", "dual-lead", "dual-chamber", "single-lead", "biventricular",
               "basal", "tubular", "curvilinear", "bilateral"}
LATERALITY = {"left": "left", "right": "right", "bilateral": "bilateral", "bilaterally": "bilateral",
              "both": "bilateral", "left-sided": "left", "right-sided": "right", "left sided": "left"}
REGION_ADJ = {"upper", "middle", "lower", "mid", "basilar", "bibasilar", "bibasal", "apical", "biapical",
              "perihilar", "hilar", "infrahilar", "suprahilar", "retrocardiac", "lingular", "paratracheal",
              "subpulmonic", "peripheral", "central", "anterior", "posterior", "lateral", "medial",
              "costophrenic", "cardiophrenic", "paramediastinal", "subpleural", "thoracic", "lumbar",
              "cervical", "internal", "jugular", "subclavian", "infraclavicular", "axillary", "midlung",
              "mid-lung"}
REGION_NOUN = {"lobe": "lobe", "lobes": "lobe", "base": "base", "bases": "base", "apex": "apex",
               "apices": "apex", "zone": "zone", "zones": "zone", "hemithorax": "hemithorax",
               "lingula": "lingula", "hilum": "hilum", "hila": "hilum", "angle": "angle", "angles": "angle",
               "field": "field", "fields": "field", "midlung": "midlung", "region": "region",
               "rib": "rib", "ribs": "rib", "clavicle": "clavicle", "spine": "spine", "sternum": "sternum",
               "humerus": "humerus", "shoulder": "shoulder", "scapula": "scapula", "lung": "lung",
               "lungs": "lung", "chest": "chest", "wall": "wall", "mediastinum": "mediastinum",
               "periphery": "periphery", "extremity": "extremity", "vertebra": "vertebra", "vertebrae": "vertebra",
               "sulcus": "sulcus", "atrium": "atrium", "ventricle": "ventricle"}
FILLERS = {"a", "an", "the", "some", "amount", "of", "sized", "size", "area", "areas", "focus", "foci",
           "degree", "volume", "component", "to", "small-volume", "sided", "very", "cm", "mm", "x"}
# words dropped from the sentence without ending the look-back: comparison with prior studies,
# time course and hedges the templates do not print
DROP = {"new", "newly", "unchanged", "stable", "improved", "improving", "increased", "increasing",
        "decreased", "decreasing", "worsened", "worsening", "enlarging", "persistent", "persisting",
        "again", "redemonstrated", "re-demonstrated", "recurrent", "residual", "resolving", "interval",
        "previously", "previous", "prior", "known", "chronic", "old", "acute", "subacute", "slight",
        "slightly", "similar", "continued", "developing", "progressive", "progressing", "early",
        "underlying", "associated", "adjacent", "additional", "other", "several", "few", "numerous",
        "pulmonary", "definite", "definitive", "obvious", "significant", "visible", "apparent",
        "typical", "suspicious", "vague", "relative", "relatively", "overlying", "grossly", "essentially",
        "now", "still", "otherwise", "also", "specifically", "radiographic", "evidence", "seen", "noted",
        "visualized", "identified", "sizable", "minor", "somewhat", "possibly", "fairly"}
# words that end the look-back for modifiers
HARD_STOP = {"is", "are", "was", "were", "there", "with", "without", "and", "or", "but", "which",
             "that", "has", "have", "be", "been", "no", "not", "may", "in", "at", "on", "within", "for",
             "by", "from", "as", "versus", "vs"}
