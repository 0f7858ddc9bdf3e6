#!/usr/bin/env python3
"""Generates patterns/it/hate.txt: the same constructions written once here,
expanded for each protected ground (so a finding names its ground), from
lists.py (groups, predicates), head.txt (the file's header and its sources)
and tail.txt (slurs and hand-written sections). Edit these, then run
  python3 tools/hate_it/gen.py && vaglioctl check patterns/
and commit both the sources and patterns/it/hate.txt."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from lists import GROUPS, LISTS, THREATLISTS  # noqa: E402
HEAD = open(os.path.join(HERE, 'head.txt')).read()
GROUNDS = [
 ('ethnicity','etnie','Origine etnica e provenienza'),
 ('religion','religioni','Religione'),
 ('sexual_orientation','lgbt','Orientamento sessuale e identità di genere'),
 ('gender','donne','Genere'),
 ('age','eta','Età'),
 ('disability','disabili','Disabilità'),
 ('belief','credenti','Convinzioni personali'),
 ('political','politici','Orientamento politico'),
]
STRONG = """\
@odio ~2 @{g}                   # odio i ..., odio tutti i ...
@odio ~2 che provo per ~2 @{g}    # il disprezzo che provo per i ...
@{g} ~4 mi @fanno ~3 @nausea     # i ... mi fanno schifo, voi ... mi fate vomitare
@{g} ~6 @liodio                 # i ... pensano di essere speciali. li odio
@{g} @essere ~3 @negativi        # i ... sono disgustosi, siete tutti disonesti
@{g} come ~1 @essere ~3 @negativi
@{g} @essere ~2 le persone piu ~1 @negativi
@{g} @essere ~3 @feccia          # i ... sono feccia, sono un cancro
@{g} come ~1 @essere ~4 @feccia
@{g} ~2 siete ~3 @feccia         # tu e tutti gli altri ... siete una piaga
@{g} non sono altro ~3 @feccia
@{g} non sono meglio ~2 @feccia
@{g} @essere ~1 esseri inferiori
@feccia come ~2 @{g}             # parassiti come i ...
@branco di @{g}                  # sciami di ... stanno infestando
@{g} ~2 @infestano
@{g} di merda
@{g} ~5 @gabbia                  # ... dovrebbero stare negli zoo
piu intelligent* di ~3 @{g}
piu prezios* di ~6 @{g}
fidarsi di ~6 @{g}
toccat* da ~1 @{g}
piuttosto che ~4 @{g}            # preferirei morire piuttosto che uscire con un ...
@{g} non hanno posto
@{g} non sono mai ~2 @positivi
@{g} non ~2 mai essere ~2 @positivi
@{g} non sono ~1 @umani          # ... non sono esseri umani, non sono nostri pari
@{g} ~2 non ~2 @vivere
@vite ~3 @{g} non ~3 @contano    # le vite dei ... non contano
@vite ~3 @{g} ~3 meno della merda
@vite ~3 @{g} ~3 @conta_poco
@{g} ~3 meno della merda
nessun* @{g} potra mai
nessun* @{g} come te
permettere a nessun* @{g}
diritti umani non ~4 @{g}
non ~3 compassione ~2 @{g}
tipic* di ~2 @{g} ~1 essere      # tipico di un ... essere così stupido
natura ~3 @{g} ~2 essere
peggio di ~3 @{g}               # non c'è niente di peggio di un ...
non vale la pena ~4 @{g}        # non vale la pena proteggere le vite dei ...
trov* ~2 @{g} ~1 @negativi       # trovo tutti i ... disgustosi
consider* ~2 @{g} ~1 @negativi
@{g} al comando ~4 errore
@{g} mi ucciderei
piaccia meno di ~1 @{g}
scarpa ~1 che ~1 @{g}
@testare ~4 @su @{g}
fanculo ~3 @{g}
incazzat* con ~2 @{g}
cosa cazzo ~2 @{g}
@{g} ~1 @essere i peggiori
"""
REVIEW = """\
@{g} ~6 @essere ~3 @negativi      # "non ho niente contro i ..., ma sono disgustosi"
@{g} ~6 @essere ~3 @feccia
solo ~1 @{g} ~2 @essere ~3 @negativi
@{g} ~5 essere ~3 @negativi       # solo i ... possono essere così ignoranti
@{g} ~4 @essere ~2 @pericolo      # i ... al comando sono un pericolo
@odio ~4 @{g}                   # sono stufo di stare intorno ai ... (anche tra due frasi: revisione)
@{g} ~6 @pronome_odio           # ho incontrato molti ... e odio ognuno di loro
@odio ~4 persone ~3 @{g}         # detesto le persone, soprattutto se sono ...
@negativi come ~2 @{g}
@{g} ~6 @volgare                # i ... possono andare a farsi fottere
@volgare ~4 @{g}
@{g} ~6 rovinera
se sei ~1 @{g} ~3 sei ~2 @negativi
@conta_poco ~6 @{g}             # valgono meno della merda, perché sono ...
@negativi ~1 sono ~2 @{g}
"""
ALLOW = """\
!@{g} ~2 non @essere ~1 @negativi      # i ... non sono affatto ignoranti
!@{g} ~2 non @essere ~1 @feccia
!@{g} ~2 non @essere ~1 @pericolo
!@{g} ~2 non mi @fanno ~3 @nausea
!@negato ~2 @odio ~4 @{g}             # non odio i ..., non ho uno sdegno particolare
!@cornice ~6 @{g}                   # counter-speech: se dici "odio i ...", sei un bigotto
!@cornice ~6 @{g} ~6 @fine
!@vite ~3 @{g} non valgono meno
"""
THREAT = """\
@violenza ~6 @tutti                # voglio uccidere tutti i ..., sparerò al prossimo ...
@tutti ~3 @meritano ~3 @subire     # i ... dovrebbero essere tutti uccisi, si meritano di morire
@tutti ~2 fossero ~2 @subire
@tutti ~1 @subire tutt*
@tutti ~1 annegassero
vedere ~2 @tutti ~1 @subire
@tutti ~3 avessero ~2 la gola tagliata
@tutti sarebbero ~2 @subire
@tutti morira*
meglio senza ~2 @tutti             # il mondo starebbe meglio senza i ...
morte a ~2 @tutti
fucilazione ~6 @tutti
@porrefine ~5 @tutti               # mettiamo fine a tutti i ..., porre fine alla vita di ogni ...
@tutti ~3 depenalizzat*
alzerei un dito ~6 @tutti
@tutti ~6 @violenza_pron          # quando i ... mi rispondono vorrei ucciderli
@camere ~3 @tutti
"""
THREAT_ALLOW = """\
!@nonneg ~5 @violenza ~6 @tutti      # non dobbiamo far soffrire i ..., non farei mai del male a nessun ...
!nessun* @tutti ~4 @subire          # nessun ... merita di morire
!@tutti non ~2 @meritano ~3 @subire # i ... non meritano di essere torturati
!@cornice ~6 @tutti
!@cornice ~6 @tutti ~6 @fine
!@cornice ~6 @tutti ~6 @fine_minaccia
!@cornice ~6 @violenza ~6 @tutti
!@nonneg ~4 @tutti ~6 @subire
!@violenza ~4 @ostacoli ~6 @tutti          # eliminare le barriere architettoniche per i ...
!@violenza ~4 per ~2 @tutti                # ... a favore del gruppo, non contro
"""
import re as _re
LEFT = set("gay trans disabili disabile musulmani musulmano musulmane immigrati immigrato immigrate omosessuali lesbiche transessuali negri stranieri ebrei zingari anziani handicappati femministe extracomunitari".split())
for k in GROUPS:
    GROUPS[k] = " | ".join(("*"+i if i in LEFT else i) for i in GROUPS[k].split(" | "))
SKIP = set("attaccare pestare bruciare animali animalisti persone".split())
def star(line):
    m=_re.match(r'^(@(?:negativi|feccia|nausea|violenza|subire|volgare|violenza_pron)) = (.*)$', line)
    if not m: return line
    its=[]
    for i in m.group(2).split(" | "):
        if " " not in i and not i.startswith("*") and len(i.rstrip("*"))>=6 and i.rstrip("*") not in SKIP:
            i="*"+i
            if not i.endswith("*"): i=i+"*"
        its.append(i)
    return m.group(1)+" = "+" | ".join(its)
LISTS="\n".join(star(l) for l in LISTS.split("\n"))
THREATLISTS="\n".join(star(l) for l in THREATLISTS.split("\n"))
out = [HEAD, "# ---- i gruppi, per motivo (le liste valgono solo in questo file) ------------\n"]
allg=[]
for k,v in GROUPS.items():
    out.append(f"@{k} = {v}\n")
    for it in v.split(' | '):
        if it not in allg: allg.append(it)
out.append("# tutti i gruppi insieme, per le minacce\n@tutti = " + " | ".join(allg) + "\n")
out.append(LISTS)
fine=[]
import re
for name in ('negativi','feccia','nausea','positivi','umani','contano','conta_poco','pericolo','volgare'):
    m=re.search(r'^@'+name+r' = (.*)$', LISTS, re.M)
    for it in m.group(1).split(' | '):
        if it not in fine: fine.append(it)
out.append("@inferiori = inferiori | stupide | stupidi | incapaci | inutili | un peso | buone solo | buoni solo | una razza inferiore\n")
out.append(THREATLISTS)
out.append("# le parole con cui finisce una costruzione, per le cornici che annullano\n@fine = " + " | ".join(fine) + "\n")
fine2=[]
for name in ('subire','violenza_pron'):
    m=re.search(r'^@'+name+r' = (.*)$', THREATLISTS, re.M)
    for it in m.group(1).split(' | '):
        if it not in fine2: fine2.append(it)
out.append("@fine_minaccia = " + " | ".join(fine2) + "\n")
out.append("\n")
out.append(open(os.path.join(HERE, 'tail.txt')).read())
for cat, lst, title in GROUNDS:
    g = lst
    out.append(f"[hate.{cat}.it.groups]\n# {title}: costruzioni di disprezzo contro il gruppo.\ncategory: hate.{cat}\nscore: 10\nlocale: it\n\n")
    out.append(STRONG.format(g=g))
    out.append(f"\n[hate.{cat}.it.groups.review]\n# {title}: costruzioni più larghe, in revisione.\ncategory: hate.{cat}\nscore: 5\nlocale: it\n\n")
    out.append(REVIEW.format(g=g))
    out.append(f"\n[hate.{cat}.it.groups.allow]\n# {title}: negazioni e contro-discorso che annullano le costruzioni sopra.\n")
    out.append(ALLOW.format(g=g))
    out.append("\n")
out.append("\n[threat.it.groups]\n# Violenza annunciata o invocata contro un gruppo: una minaccia.\ncategory: threat\nscore: 10\nlocale: it\n\n")
out.append(THREAT)
out.append("\n[threat.it.groups.review]\n# Violenza invocata più lontano dal gruppo: in revisione.\ncategory: threat\nscore: 5\nlocale: it\n\n@tutti ~6 @meritano ~3 @subire     # questi ... non cambieranno, dovrebbero essere giustiziati\n")
out.append("\n[threat.it.groups.allow]\n# Negazioni e contro-discorso.\n")
out.append(THREAT_ALLOW)
open(os.path.join(TOP, 'patterns', 'it', 'hate.txt'), 'w').write(''.join(out))
