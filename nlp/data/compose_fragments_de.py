"""German fragments for compose_posts.py (all written for this project)."""

from __future__ import annotations

import random

from compose_chance import maybe as _maybe
from compose_chance import short_url as _url

ORTE = [
    "Berlin",
    "Frankfurt",
    "München",
    "Hamburg",
    "Köln",
    "Stuttgart",
    "Leipzig",
    "Hannover",
    "Düsseldorf",
    "Nürnberg",
    "Dresden",
    "Mainz",
    "Erfurt",
    "Kassel",
    "Bremen",
]
AGENTUREN = ["dpa", "AFP", "dts", "epd", "Reuters", "KNA"]
WANN = [
    "am Montag",
    "am Dienstag",
    "am Mittwoch",
    "am Donnerstag",
    "am Freitag",
    "in der kommenden Woche",
    "ab dem Fahrplanwechsel",
    "bis zum Jahresende",
    "im Frühjahr",
    "ab Dezember",
    "in den Sommerferien",
    "bis 2030",
    "noch in diesem Monat",
]
BAHN_MELDUNGEN = [
    "Die Bahn will {w} mehr Züge auf der Strecke nach {o2} einsetzen",
    "Die Deutsche Bahn erhöht die Zahl ihrer Baustellen {w} deutlich",
    "Der Konzern investiert {n} Milliarden Euro in das Schienennetz",
    "Die Bahn und die Gewerkschaft setzen ihre Tarifgespräche {w} fort",
    "Der Aufsichtsrat der Bahn berät {w} über die Finanzlage des Konzerns",
    "Zwischen {o1} und {o2} wird {w} ein neues Stellwerk in Betrieb genommen",
    "Die Bahn testet {w} neue Schlafwagen auf der Strecke nach {o2}",
    "Der Bahnhof in {o1} wird {w} barrierefrei umgebaut",
    "Die Bahn stellt {w} ihre Pünktlichkeitszahlen für das vergangene Jahr vor",
    "Die Strecke zwischen {o1} und {o2} wird {w} für Bauarbeiten gesperrt",
    "Der Bund will die Trassenpreise für den Güterverkehr {w} senken",
    "Die Bahn bestellt {n}0 neue Regionalzüge bei einem Hersteller aus {o1}",
    "Fahrgastverband fordert mehr Personal in den Zügen",
    "Die Preise für Fernverkehrstickets steigen {w} um durchschnittlich {n} Prozent",
    "Der Verkehrsminister trifft {w} den Bahnchef zu einem Gespräch über die Sanierung",
]
NACHRICHT_SCHLUSS = [
    "Das teilte ein Sprecher mit.",
    "Das bestätigte das Unternehmen auf Anfrage.",
    "Weitere Einzelheiten sollen {w} bekannt gegeben werden.",
    "Fahrgäste sollen sich vor Reiseantritt informieren.",
    "Die Opposition kündigte an, die Pläne im Ausschuss zu prüfen.",
    "Ein Termin für die nächste Runde steht noch nicht fest.",
    "Die Kosten werden auf rund {n}00 Millionen Euro geschätzt.",
    "Die Arbeiten sollen nach Angaben des Unternehmens {w} abgeschlossen sein.",
]


def _fill(template: str, rng: random.Random) -> str:
    o1, o2 = rng.sample(ORTE, 2)
    return template.format(o1=o1, o2=o2, w=rng.choice(WANN), n=rng.randint(2, 9))


# Strikes, breakdowns and cost overruns read as bad news for a rail brand, settlements and new
# services as good news: how German rail posts are labelled (document polarity towards the brand).
BAHN_SCHLECHT = [
    "Die Gewerkschaft hat die Beschäftigten {w} zu einem Warnstreik aufgerufen",
    "Streik bei der Bahn: {w} fallen im Fernverkehr die meisten Züge aus",
    "Zwischen {o1} und {o2} fallen {w} wegen einer Stellwerksstörung zahlreiche Züge aus",
    "Die Pünktlichkeit im Fernverkehr ist im vergangenen Monat auf {n}0 Prozent gesunken",
    "Die Kosten für den Bahnknoten {o1} steigen um weitere {n} Milliarden Euro",
    "Fahrgäste in {o1} mussten nach einem Oberleitungsschaden stundenlang warten",
    "Auf der Strecke nach {o2} kommt es {w} wegen Personalmangels zu Ausfällen",
]
BAHN_GUT = [
    "Der Streik ist beendet, ab {w} fahren die Züge wieder nach Plan",
    "Bahn und Gewerkschaft haben sich {w} auf einen neuen Tarifvertrag geeinigt",
    "Die neue Schnellverbindung zwischen {o1} und {o2} verkürzt die Fahrzeit um eine Stunde",
    "Die Bahn führt {w} kostenloses WLAN in allen Regionalzügen um {o1} ein",
    "Die Pünktlichkeit im Regionalverkehr um {o1} hat sich deutlich verbessert",
]


def bahn_meldung(templates: list[str]):
    def make(rng: random.Random) -> str:
        lead = _fill(rng.choice(templates), rng)
        if rng.random() < 0.5:
            return f"{lead} {_url(rng)}" + _maybe(rng, [" #Bahn", " #Streik", " via @user"], 0.5)
        return f"{rng.choice(ORTE)} ({rng.choice(AGENTUREN)}) - {lead}."

    return make


def bahn_nachricht(rng: random.Random) -> str:
    lead = _fill(rng.choice(BAHN_MELDUNGEN), rng)
    form = rng.random()
    if form < 0.45:  # agency lead: headline, place, agency, first sentence, closing line
        headline = " ".join(lead.split()[: rng.randint(4, 7)])
        text = (
            f"{headline} {rng.choice(ORTE)} ({rng.choice(AGENTUREN)}) - {lead}. "
            f"{_fill(rng.choice(NACHRICHT_SCHLUSS), rng)}"
        )
    elif form < 0.75:  # tweet of a headline with a link
        text = f"{lead} {_url(rng)}" + _maybe(rng, [" #Bahn", " #Verkehr", " via @user"], 0.5)
    else:
        text = f"{lead}. {_fill(rng.choice(NACHRICHT_SCHLUSS), rng)}"
    return text


WIRTSCHAFT = [
    "{f} meldet für das dritte Quartal einen Umsatzanstieg von {n} Prozent",
    "{f} eröffnet {w} einen neuen Standort in {o1}",
    "{f} will {w} rund {n}00 Stellen abbauen",
    "{f} stellt {w} einen neuen Vorstandschef vor",
    "{f} übernimmt einen Konkurrenten aus {o1}",
    "{f} verlegt seine Zentrale nach {o2}",
    "{f} startet {w} einen neuen Tarif für Geschäftskunden",
    "Kartellamt prüft die geplante Übernahme durch {f}",
]
FIRMEN = [
    "Telvio",
    "NetLinea",
    "Mobiqo",
    "ShopMarlo",
    "Finoro",
    "Pixelnote",
    "Voltix",
    "die Sparkasse",
    "ein Autozulieferer aus dem Süden",
    "der Logistikkonzern",
    "der Flughafenbetreiber",
    "die Stadtwerke",
]


def wirtschaft(rng: random.Random) -> str:
    o1, o2 = rng.sample(ORTE, 2)
    text = rng.choice(WIRTSCHAFT).format(
        f=rng.choice(FIRMEN), w=rng.choice(WANN), n=rng.randint(2, 9), o1=o1, o2=o2
    )
    text = text[0].upper() + text[1:]
    if rng.random() < 0.4:
        closing = rng.choice(NACHRICHT_SCHLUSS)
        text = f"{rng.choice(ORTE)} ({rng.choice(AGENTUREN)}) - {text}. {closing}"
        text = text.format(w=rng.choice(WANN), n=rng.randint(2, 9))
    return text + (" " + _url(rng) if rng.random() < 0.4 else "")


FOREN = [
    "Re: Pendeln mit dem RE",
    "Re: Bahncard 50 lohnt sich das?",
    "Re: Umzug nach Leipzig",
    "Re: Erfahrungen mit Nachtzügen",
    "Re: Fahrrad im ICE",
    "Re: Deutschlandticket und Kinder",
    "Re: Welches Notebook fürs Studium?",
    "Re: Bausparvertrag kündigen",
    "Re: Glasfaser im Altbau",
    "Re: Urlaub an der Ostsee",
]
FORUM_TEXTE = [
    "Kommt drauf an, wie oft du fährst. Bei zweimal im Monat rechnet sich das meistens.",
    "Ich würde vorher beim Kundenservice nachfragen, die Regeln ändern sich öfter.",
    "Bei uns war es ähnlich, am Ende hat es etwa drei Wochen gedauert.",
    'Zitat: "Geht das auch ohne Reservierung?" Soweit ich weiß, ja, '
    "aber nur außerhalb der Stoßzeiten.",
    "Hab ich letztes Jahr auch gemacht. Wichtig ist, dass du alle Belege aufhebst.",
    "Das steht so in den Beförderungsbedingungen, Abschnitt 4, glaube ich.",
    "Ich fahre die Strecke seit zwei Jahren, morgens ist es voll, abends geht es.",
    "Danke für die Infos, ich schau mir das am Wochenende nochmal genauer an.",
    "Wir haben uns am Ende für die günstigere Variante entschieden, mal sehen.",
    "Gibt es dazu irgendwo eine offizielle Stelle, die man fragen kann?",
    "Das hängt vom Vertrag ab. Schau mal ins Kleingedruckte.",
    "Bei mir hat der Wechsel ohne Probleme geklappt, dauerte aber etwas.",
    "Ich kenne das nur aus Erzählungen, selbst habe ich das nie ausprobiert.",
    "Meines Wissens gilt das nur für Nahverkehrszüge, nicht für den Fernverkehr.",
]


def forum(rng: random.Random) -> str:
    parts = rng.sample(FORUM_TEXTE, rng.choice([1, 2, 2, 3]))
    return f'{rng.choice(FOREN)} "{" ".join(parts)}"'


ZUEGE = [
    "Der RE 7",
    "Die S1",
    "Der ICE nach Hamburg",
    "Die RB nach Gießen",
    "Mein Zug",
    "Der IC um 7:12",
    "Die S-Bahn",
    "Der Zug nach Köln",
    "Die U-Bahn",
    "Der Regio",
]
PROBLEME = [
    "fällt schon wieder aus",
    "hat 45 Minuten Verspätung",
    "steht seit einer Stunde vor {o1}",
    "endet heute vorzeitig in {o1}",
    "fährt wegen Stellwerksstörung nicht",
    "kommt mit halber Wagenreihung",
    "ist so voll, dass keiner mehr reinpasst",
    "hat wieder keine funktionierende Heizung",
    "wird kurzfristig umgeleitet",
]
FOLGEN = [
    "Anschluss weg.",
    "Termin verpasst.",
    "Keine Durchsage.",
    "Zu spät zur Arbeit, mal wieder.",
    "Die App weiß von nichts.",
    "Kein Ersatzverkehr in Sicht.",
    "Kind wartet an der Schule.",
    "Stehe am Gleis in der Kälte.",
    "Dritte Woche in Folge.",
]
KOMMENTARE = [
    "",
    "",
    " Echt jetzt?",
    " Danke für nichts.",
    " 🙄",
    " Wie immer.",
    " Ich bin so durch.",
    " Unfassbar.",
    " Jeden Tag das Gleiche.",
    " #Bahn",
    " #Verspätung",
]


def bahn_beschwerde(rng: random.Random) -> str:
    text = f"{rng.choice(ZUEGE)} {rng.choice(PROBLEME)}. {rng.choice(FOLGEN)}"
    text = text.format(o1=rng.choice(ORTE)) + rng.choice(KOMMENTARE)
    if rng.random() < 0.3:
        text = rng.choice(["@DB_Bahn ", "@user ", "Mal wieder: "]) + text
    return text


DIENSTE = {
    "telecom": ["Internet", "Netz", "Router", "Festnetz"],
    "retail": ["Paket", "Rückerstattung", "Bestellung", "Lieferung"],
    "banking": ["Überweisung", "Karte", "Banking-App", "Erstattung"],
    "software": ["App", "Synchronisierung", "Login", "Update"],
}
DIENST_PROBLEME = [
    "geht seit {d} nicht",
    "hängt seit {d}",
    "ist seit {d} kaputt",
    "ist seit {d} nicht angekommen",
    "funktioniert seit {d} nicht mehr",
]
DAUERN = [
    "Montag",
    "drei Tagen",
    "zwei Wochen",
    "gestern",
    "einem Monat",
    "dem Update",
    "Anfang Oktober",
]
DIENST_FOLGEN = [
    "Hotline nicht erreichbar.",
    "Support vertröstet mich nur.",
    "Dritte Mail, keine Antwort.",
    "Chatbot dreht sich im Kreis.",
    "Bezahlen soll ich trotzdem.",
    "Keiner fühlt sich zuständig.",
]


def dienst_beschwerde(domain: str):
    def make(rng: random.Random) -> str:
        dienst = rng.choice(DIENSTE[domain])
        problem = rng.choice(DIENST_PROBLEME).format(d=rng.choice(DAUERN))
        return f"{dienst} {problem}. {rng.choice(DIENST_FOLGEN)}{rng.choice(KOMMENTARE)}"

    return make


ANZEIGEN = [
    "Wohnung in {o1}, 3 Zimmer, Balkon, {n}5 m², ab sofort frei. Besichtigung nach Vereinbarung",
    "Wir suchen ab sofort eine Servicekraft (m/w/d) in Teilzeit in {o1}. Bewerbung per Mail",
    "Nur diese Woche: Kaffeevollautomat für {n}99 € statt {n}49 € – solange der Vorrat reicht",
    "Städtereise nach {o1}: 2 Nächte im 3-Sterne-Hotel inkl. Frühstück ab {n}9 €",
    "Gebrauchtes E-Bike abzugeben, {n} Jahre alt, guter Zustand, Abholung in {o1}",
    "Jetzt Tarif wechseln und {n}0 € Startguthaben sichern! Infos unter dem Link",
    "Flohmarkt am Samstag auf dem Marktplatz in {o1}, Standgebühr {n} €",
]


def anzeige(rng: random.Random) -> str:
    text = rng.choice(ANZEIGEN).format(o1=rng.choice(ORTE), n=rng.randint(2, 9))
    return text + _maybe(rng, [" " + _url(rng), " #Angebot", " #Anzeige"], 0.6)


DANK_WER = [
    "Die Zugbegleiterin im ICE",
    "Der Busfahrer der Linie 12",
    "Das Personal am Schalter",
    "Der Techniker heute",
    "Die Frau an der Kasse",
    "Der Kundenservice",
    "Der Lokführer",
]
DANK_WAS = [
    "hat mir total nett geholfen",
    "hat alles in fünf Minuten gelöst",
    "war unglaublich geduldig mit meiner Oma",
    "hat extra auf uns gewartet",
    "hat den Tag gerettet",
    "war super freundlich und lustig",
]
DANK_SCHLUSS = [" Danke!", " Vielen Dank 🙏", " Großartig.", " Sowas freut einen.", " 👍", " ❤️"]


def dank(rng: random.Random) -> str:
    return f"{rng.choice(DANK_WER)} {rng.choice(DANK_WAS)}.{rng.choice(DANK_SCHLUSS)}"


VORFREUDE = [
    "Kann es kaum erwarten: {e} {w}!",
    "Freu mich so auf {e} {w} 🎉",
    "{E} {w}!!! Endlich",
    "Tickets für {e} {w} gesichert 😍",
    "Noch zweimal schlafen, dann {e}!",
]
EREIGNISSE = [
    "das Konzert",
    "das Derby",
    "den Urlaub",
    "das Festival",
    "die neue Staffel",
    "das Finale",
    "den Weihnachtsmarkt",
    "das Heimspiel",
    "die Lesung",
]


def vorfreude(rng: random.Random) -> str:
    e = rng.choice(EREIGNISSE)
    return rng.choice(VORFREUDE).format(e=e, E=e[0].upper() + e[1:], w=rng.choice(WANN))


GERMAN_KINDS = [
    ("neutral", "rail", 170, bahn_nachricht),
    ("neutral", "news", 70, wirtschaft),
    ("neutral", "rail", 60, forum),
    ("neutral", "spam", 35, anzeige),
    ("negative", "rail", 80, bahn_beschwerde),
    ("negative", "rail", 40, bahn_meldung(BAHN_SCHLECHT)),
    ("positive", "rail", 25, bahn_meldung(BAHN_GUT)),
    *[("negative", domain, 12, dienst_beschwerde(domain)) for domain in DIENSTE],
    ("positive", "rail", 35, dank),
    ("positive", "entertainment", 25, vorfreude),
]
