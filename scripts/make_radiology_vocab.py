#!/usr/bin/env python
"""Write radzero/model/assets/radiology_vocab.txt, the WordPiece vocab of the offline tokenizers.

Layout (one token per line, the line number is the id):
  [PAD] [UNK] [CLS] [SEP] [MASK]                  ids 0-4
  every printable ASCII character, then its ##continuation   (so ASCII text never becomes [UNK])
  a few common non-ASCII symbols of reports, and their ##continuations
  common suffix pieces (##s, ##ed, ##ing, ...)
  ~1,750 lower-case English and chest-radiology words listed below, and the numbers 0-100

Usage: python scripts/make_radiology_vocab.py [--out PATH] [--check]
--check exits 1 if the file on disk differs from what this script would write.
"""

from __future__ import annotations

import argparse
import string
import sys
from pathlib import Path

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# non-ASCII symbols seen in reports (accents are stripped by the lower-casing normaliser, so letters
# like é need no entry)
EXTRA_SYMBOLS = "°±×µ–—‘’“”•·²³½¼¾→←↑↓≥≤≈"

SUFFIXES = """
s es ed d ing ly al ally ic ical ity ities ation ations ion ions ous ness ment ments er ers est
ial ary ive ize ized ise ised ism ist able ible ful less ia ias osis oses itis ectomy ostomy otomy
gram graphy scopy plasty pathy emia uria al ar ated ating ature ence ency ance ancy ant ent ently
ular ularly y ies ie or ors ure ures um a ae i us
"""

FUNCTION_WORDS = """
the a an of and or in on at to from with without by for is are was were be been being has have had
there here this that these those it its no not any some all both each either neither nor but as than
then which who whom whose what when where while if may might can could would should will shall must
do does did done also only more most less least very much many few several other another same such
into onto over under above below between within along across around through throughout after before
since until again further however although though otherwise likely unlikely possibly probably perhaps
given due because about approximately nearly almost slightly mildly moderately markedly severely
minimally somewhat relatively overall now previously currently still yet already new old prior recent
up down out off we he she they his her their our you your one two three four five six seven eight nine
ten eleven twelve first second third fourth last next per via versus vs etc i ii iii iv me my him them
how why whether so too just even ever never always often usually generally typically well better best
worse worst large larger largest small smaller smallest high higher low lower long longer short
shorter wide narrow thick thin full empty open closed present absent seen noted identified visualized
demonstrated shown suggested suggesting consistent compatible concerning suspicious worrisome
appearance appears appear appeared seen visible evident apparent unchanged changed change changes
interval improved improving improvement worsened worsening progression progressed resolved resolving
resolution persistent persists persisting decreased decreasing decrease increased increasing increase
similar compared comparison stable unremarkable normal abnormal limited evaluation assessment
assess assessed exclude excluded excluding cannot can't include includes including included
correlate correlation clinical clinically recommend recommended recommendation follow followup
repeat consider considered differential diagnosis given history indication reason question rule
exam examination study studies image images imaging view views obtained taken performed provided
available comparison reference reported report impression findings finding note noted notes
patient patients year years old male female man woman age aged day days week weeks month months
hour hours today yesterday morning evening night time times date prior earlier later recently
status post s p unknown known likely likelihood probable possible definite definitely certain
certainly clear clearly grossly essentially otherwise without within little minimal mild moderate
severe marked extensive diffuse focal multifocal patchy scattered subtle faint dense vague ill
defined poorly well circumscribed irregular smooth lobulated spiculated round rounded oval linear
curvilinear streaky nodular reticular reticulonodular interstitial alveolar airspace hazy ground
glass opacity opacities opacification opacified lucency lucencies lucent radiolucent radiopaque
density densities attenuation shadow shadows marking markings pattern patterns area areas region
regions zone zones portion portions part parts segment segments side sides aspect aspects level
levels margin margins border borders contour contours edge edges surface silhouette silhouetting
obscured obscuring obscuration blunting blunted costophrenic cardiophrenic angle angles sulcus
sulci recess
"""

ANATOMY = """
chest thorax thoracic lung lungs pulmonary pleura pleural pleurae lobe lobes lobar upper middle lower
right left bilateral bilaterally unilateral ipsilateral contralateral apex apices apical apicoposterior
base bases basal basilar hilum hila hilar perihilar parahilar infrahilar suprahilar mediastinum
mediastinal paramediastinal paratracheal subcarinal carina trachea tracheal bronchus bronchi bronchial
bronchiole bronchioles bronchiolar airway airways lingula lingular segmental subsegmental
anterior posterior lateral medial central peripheral superior inferior proximal distal mid midline
retrocardiac retrosternal prevascular aortopulmonary window subpleural subdiaphragmatic
infradiaphragmatic supradiaphragmatic diaphragm diaphragms hemidiaphragm hemidiaphragms diaphragmatic
heart cardiac cardio cardiomediastinal pericardium pericardial atrium atrial atria ventricle
ventricular ventricles aorta aortic arch knob ascending descending thoracoabdominal vascular
vasculature vessel vessels artery arteries arterial vein veins venous cava caval svc ivc azygos
brachiocephalic subclavian jugular innominate pulmonic valve valves mitral tricuspid annulus annular
coronary rib ribs costal costochondral chondral cartilage clavicle clavicles clavicular scapula
scapulae scapular sternum sternal sternotomy spine spinal vertebra vertebrae vertebral thoracolumbar
cervical lumbar spinous process processes body bodies disc discs endplate endplates humerus humeral
humeri shoulder shoulders glenohumeral acromioclavicular joint joints bone bones bony osseous
skeletal skeleton soft tissue tissues subcutaneous breast breasts nipple nipples axilla axillary
neck supraclavicular abdomen abdominal upper quadrant stomach gastric bowel colon colonic splenic
flexure liver hepatic spleen kidney kidneys esophagus esophageal gastroesophageal hiatal hiatus
costovertebral paraspinal paravertebral fissure fissures minor major azygoesophageal interlobar
chamber chambers wall walls cavity cavities space spaces tree lumen parenchyma parenchymal
interstitium septa septal alveoli alveolus acinar lymph node nodes nodal thymus thyroid
"""

FINDINGS = """
pneumonia pneumonias pneumonic infection infectious infectious inflammatory inflammation
consolidation consolidations consolidative consolidated infiltrate infiltrates infiltrative
atelectasis atelectatic atelectases collapse collapsed volume volumes loss plate discoid subsegmental
effusion effusions fluid hydropneumothorax pneumothorax pneumothoraces pneumomediastinum
pneumoperitoneum emphysema emphysematous bulla bullae bullous bleb blebs hyperinflation
hyperinflated hyperexpanded hyperexpansion overinflation flattening flattened copd asthma
edema edematous congestion congestive vascular redistribution cephalization kerley lines line
interstitial failure chf overload fluid cardiomegaly cardiomegalic enlargement enlarged enlarging
enlarge prominence prominent size silhouette configuration tortuous tortuosity ectatic ectasia
unfolded unfolding calcification calcifications calcified calcific atherosclerotic atherosclerosis
aneurysm aneurysmal dilatation dilation dilated widening widened widen mass masses lesion lesions
nodule nodules nodular tumor tumors neoplasm neoplastic malignancy malignant metastasis metastases
metastatic cancer carcinoma lymphoma lymphadenopathy adenopathy granuloma granulomas granulomatous
scar scars scarring fibrosis fibrotic fibronodular honeycombing bronchiectasis bronchiectatic
thickening thickened wall cuffing peribronchial bronchitis bronchiolitis aspiration aspirated
abscess cavitary cavitation cavity empyema loculated loculation hemothorax hemorrhage hemorrhagic
blood contusion laceration trauma traumatic fracture fractures fractured healed healing deformity
deformities displaced nondisplaced displacement dislocation dislocated subluxation degenerative
degeneration osteophyte osteophytes spondylosis scoliosis kyphosis kyphotic lordosis compression
wedge height osteopenia osteopenic osteoporosis lytic sclerotic blastic erosion erosions
destruction destructive tuberculosis tb tuberculous miliary sarcoidosis sarcoid silicosis
asbestos asbestosis plaque plaques pneumoconiosis covid viral bacterial fungal pneumocystis
ards distress lymphangitic carcinomatosis embolism embolus emboli infarct infarction hypertension
hypertensive pericarditis pericardial cardiomyopathy valvular hernia herniation eventration
elevation elevated elevate paralysis paresis phrenic free air gas subdiaphragmatic ileus obstruction
distension distended dilated loops pneumatosis foreign object objects body bodies density
shift shifted deviation deviated deviates midline rotation rotated tension mediastinal widening
air bronchogram bronchograms fluid level levels meniscus layering layer layers loculated
subpulmonic trace tiny small moderate large huge massive sizable residual recurrent new chronic
acute subacute old remote early late developing evolving superimposed underlying associated
adjacent surrounding nearby overlying underlying overlapping projecting projects projected
projection extending extends extension involving involves involvement sparing spared
bibasilar bibasal biapical perihilar predominant predominantly predominance upper lower mid
lung volumes low high normal inspiratory expiratory effort poor suboptimal adequate inadequate
penetration underpenetrated overpenetrated technique technical artifact artifacts motion
positioning rotated lordotic supine upright erect semi semierect portable frontal lateral pa ap
decubitus oblique radiograph radiographs radiography radiographic radiographically film films
xray cxr ct scan scans computed tomography mri ultrasound sonography fluoroscopy
"""

DEVICES = """
tube tubes catheter catheters line lines wire wires lead leads pacemaker pacer defibrillator icd
aicd device devices generator battery endotracheal ett tracheostomy trach nasogastric ng orogastric
og feeding dobhoff enteric gastrostomy chest drain drains pigtail thoracostomy central venous picc
port portacath hickman swan ganz pulmonary arterial dialysis introducer sheath cannula
tip tips terminates terminating terminate terminated ending ends end positioned position positions
placement placed place replaced removed removal remains remain remaining interval coiled coiling
kinked looped malpositioned advanced withdrawn retracted
cabg bypass graft grafts sternotomy wires clips clip staples staple surgical surgery postoperative
postsurgical post operative resection resected lobectomy pneumonectomy wedge mastectomy
thoracotomy valve replacement prosthetic prosthesis annuloplasty stent stents stenting
hardware fixation plate screws screw rod rods fusion kyphoplasty vertebroplasty cement
arthroplasty embolization coils filter ecmo balloon pump iabp impella lvad monitoring ekg ecg
electrodes electrode leads overlying external skin fold folds
"""

MISC = """
within normal limits free intact patent clear aerated aeration ventilated expanded expansion
reexpansion reexpanded inflated deflated deflation position positioned mildly top borderline
upper limits accounting account due related secondary reflect reflects reflecting represent
represents representing likely favor favored favoring suggest suggests indicate indicates
indicating raise raises possibility component components element elements feature features
appearance configuration distribution severity extent degree number amount volume contour shape
difference differences unchanged significantly significant substantial substantially
insignificant slight subtle minimal marked markedly new newly increased persistent persistently
again demonstrated redemonstrated redemonstration seen visualized identified detected detect
evidence evident sign signs suspicion suspected suspect concern concerning question questionable
equivocal indeterminate nonspecific specific focus foci focal region location located
locations measure measures measuring measured measurement measurements centimeter centimeters
millimeter millimeters cm mm percent diameter width length
there is are no evidence of there may be
history hx pt yo mr ms dr am pm pa lat ap erect supine semi upright portable single double
frontal lateral views view radiograph chest
fever cough dyspnea shortness breath pain hypoxia hypoxemia sob tachypnea wheezing hemoptysis
sepsis septic weakness fatigue fall trauma injury intubation intubated extubated extubation
respiratory cardiac arrest code icu ed er admission admitted discharge preop postop evaluation
eval assess rule r o rule out ro ptx chf pna effusion nodule
heart size mediastinal contours hilar contours pulmonary vasculature osseous structures
soft tissues upper abdomen bowel gas pattern visualized portions
acute cardiopulmonary process processes abnormality abnormalities disease diseases
condition conditions process
"""

MORE_RADIOLOGY = """
ectopic calcified granulomata hamartoma cyst cysts cystic bulla cavitating consolidative
confluent coalescent coalescing airspaces alveolar interstitium peribronchovascular
bronchovascular centrilobular paraseptal panlobular subpleural reticulation reticulations
septal lines thickened crowding crowded bronchovascular markings accentuated accentuation
prominent vascular engorgement engorged indistinct indistinctness blurring blurred haziness
hazy veil veiling meniscus sign lateral costophrenic posterior gutters apical cap capping
pleural thickening plaque plaques calcified pleural fibrothorax hydrothorax chylothorax
pyothorax pneumothoraces skin folds apical lucency visceral parietal line edge
deep sulcus basilar hydropneumothorax tension mediastinal shift contralateral
cardiac silhouette cardiothoracic ratio ctr globular pericardial effusion enlarged
left ventricular hypertrophy lvh atrial enlargement right heart pulmonary artery arteries
enlarged hilar vascular pruning oligemia hyperlucency hyperlucent westermark hampton hump
aortic knob calcified tortuous unfolded thoracic aorta aneurysmal dilatation dissection
widened mediastinum mediastinal lymphadenopathy mass thymoma goiter substernal retrosternal
hiatal hernia fluid level esophageal dilation achalasia pneumomediastinum subcutaneous
emphysema air tracking soft tissue gas
fracture acute healing healed old remote posterior anterior lateral rib ribs fractures
callus formation deformity clavicle fracture humeral head compression deformity vertebral
body height loss degenerative changes thoracic spine scoliosis dextroconvex levoconvex
curvature
free intraperitoneal air pneumoperitoneum under the diaphragm
elevated hemidiaphragm eventration phrenic nerve palsy diaphragmatic paralysis
right middle lobe right upper lobe right lower lobe left upper lobe left lower lobe lingula
rml rul rll lul lll lobes segments
dextrocardia situs inversus azygos lobe fissure cervical rib
lung nodule nodules pulmonary nodule spiculated mass cavitary lesion lytic lesion sclerotic lesion
opacity opacities airspace disease consolidation pneumonia aspiration atelectasis
linear atelectasis plate like discoid bibasilar atelectasis subsegmental atelectasis
volume loss lobar collapse whole lung complete white out opacified hemithorax
pulmonary edema interstitial edema alveolar edema mild moderate severe vascular congestion
pleural effusion small moderate large bilateral pleural effusions layering
pneumothorax apical pneumothorax small large tension pneumothorax chest tube
support devices lines tubes enteric tube endotracheal tube central venous catheter
tip projects over the mid svc cavoatrial junction right atrium stomach carina above below
cavoatrial junction brachiocephalic vein internal jugular ij subclavian left right
sternotomy wires mediastinal clips prosthetic valve cardiac pacemaker leads
dual chamber single chamber biventricular leads right ventricle right atrium coronary sinus
"""

EXTRA_WORDS = """
abnormal abnormally absence accessory accumulation acquired across active activity additional
additionally adequately adjacent advanced affected air alignment allowing alternatively
anatomic anatomical anatomy anteriorly apparent apparently appropriate approximate arising
artifactual assuming asymmetric asymmetrical asymmetry atypical average axial background
baseline basically became become becomes benign bilobed bilaterally bowing broad broadly
bulging bulky calibre caliber carefully caused causing cell cells center centered centrally
characteristic characterized chronically circular circumferential coarse coarsened coarsening
coexisting collection collections combination combined common commonly complete completely
complex complicated component compressive confirmed confirm conglomerate congenital
connection considerable consistent consolidating constant contained contains continued
continues continuous contrast convex corresponding could cranial cranially crossing crowding
curvilinear cut dark decreased deep definitive degree demonstrates dependent depressed
described despite detail detailed determine determined develop developed development
difficult diminished direct directly discrete disease displaced distinct distinguish
distorted distortion disorder dominant dorsal draining dual earlier easily effect effects
elsewhere elongated encased enhancing entire entirely equal especially essentially
evaluate evaluated exaggerated exclusion expected extend extensive external extrinsic
faintly fairly far fat fatty fibrous filled filling fine fixed flat flattening fluffy
following form formation fragment fragments frank frankly fully function functional
general good grade gradual gradually gravity greater greatest gross group grouped half
heterogeneous homogeneous homogeneously horizontal horizontally hyper hypo image
immediately impacted improved incidental incidentally incomplete increasingly
inferiorly infrequent inner insertion interpretation interstitially intervening
intrathoracic intrinsic invasive isolated junction kept known laterally layering
leftward lie lies limit linearly lining lobulation localized locally longstanding
lying magnified magnification mainly maintained majority making massively material
maximal maximum medially medium mentioned merely minimal mixed mobile modest mostly
motion moved multiple multilobar narrowed narrowing nature near nearly negative
neither nonspecific notable notably noticeable numerous obliquely obvious occupying
occurring once ongoing opposite original otherwise outer outside overall pa partial
partially particular particularly partly pending peripherally persist pleuroparenchymal
plus point portion positive possibly posteriorly potentially predominately preserved
presumably presumed primarily primary probable produce prominently proper properly
quite rather reactive reading reasonably recurrence reduced reduction regarding regional
relative remain remarkable remote repositioned represent residual respectively result
resulting retained rightward round sample satisfactory scan secondary segmental seem
seems separate separately sharp sharply short significant simple single site sites
size sized slight slightly smoothly solid solitary spared spontaneous standard status
straight strongly structure structures subsequent subsequently substantially suggestive
superimposition superiorly support supportive surrounding suspicious symmetric
symmetrical symmetry taken temporal terminal term thickness though total totally toward
towards transverse true type typical uncertain underneath uniform unusual upward usual
variant variation various vertical vertically visualization volumetric whereas whole
widely worse
"""


NUMBERS = " ".join(str(i) for i in range(101))  # measurements, levels (t10), percentages


def words() -> list[str]:
    out: list[str] = []
    for block in (FUNCTION_WORDS, ANATOMY, FINDINGS, DEVICES, MISC, MORE_RADIOLOGY, EXTRA_WORDS, NUMBERS):
        for w in block.split():
            w = w.lower()
            if w.isascii() and w.isalnum():  # punctuation is split off by the BERT pre-tokenizer
                out.append(w)
    return out


def build_vocab() -> list[str]:
    tokens: list[str] = list(SPECIALS)
    chars = [c for c in string.printable if not c.isspace()]
    chars += list(EXTRA_SYMBOLS)
    tokens += chars
    tokens += ["##" + c for c in chars]
    tokens += ["##" + s for s in SUFFIXES.split()]
    tokens += words()
    seen: set[str] = set()
    vocab = []
    for t in tokens:
        if t not in seen:
            seen.add(t)
            vocab.append(t)
    return vocab


def main(argv: list[str] | None = None) -> int:
    default = Path(__file__).resolve().parents[1] / "radzero" / "model" / "assets" / "radiology_vocab.txt"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=default)
    ap.add_argument("--check", action="store_true", help="exit 1 if the file on disk is out of date")
    args = ap.parse_args(argv)
    text = "\n".join(build_vocab()) + "\n"
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else None
        if current != text:
            print(f"{args.out} is out of date: run scripts/make_radiology_vocab.py", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    n_words = len(set(words()))
    print(f"wrote {args.out}: {len(build_vocab())} tokens ({n_words} distinct words)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
