#!/usr/bin/env python3
"""Deterministic sample corpus: raw X API v2 and Reddit API response bodies about "Lumora".

Everything is fictional and written from the tables below, so the corpus can be committed and
rebuilt byte for byte: `python ingest/sample/generate.py [--out DIR]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SEED = 20261101
WINDOW_START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
WINDOW_END = dt.datetime(2026, 11, 15, tzinfo=dt.UTC)
CAMPAIGN_START = dt.datetime(2026, 11, 5, tzinfo=dt.UTC)
CAMPAIGN_END = dt.datetime(2026, 11, 12, tzinfo=dt.UTC)
SHIFT_DAY = dt.date(2026, 11, 9)
DAYS = [WINDOW_START.date() + dt.timedelta(days=d) for d in range(14)]
CAMPAIGN_TAGS = ("LumoraGlow", "GlowWeek")
OWNED_X_ID, OWNED_X_NAME, OWNED_REDDIT = "1000000001", "lumora", "Lumora_Official"
TWITTER_EPOCH_MS = 1288834974657
X_PAGE, REDDIT_PAGE = 100, 25
DUP_PAGE = 6  # the last tweet of this page is served again at the top of the next one
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _lines(block: str) -> tuple[str, ...]:
    """One template per line keeps the tables readable; a line starting "+ " continues one."""
    out: list[str] = []
    for line in filter(None, (raw.strip() for raw in block.splitlines())):
        if line.startswith("+ "):
            out[-1] += line[1:]
        else:
            out.append(line)
    return tuple(out)


def _words(block: str) -> tuple[str, ...]:
    return tuple(block.split())


def _alts(block: str) -> tuple[str, ...]:
    """Short slot values, separated by "|"."""
    return tuple(" ".join(part.split()) for part in block.split("|"))


# ---------------------------------------------------------------- volume and mix
# Per-day volume: the campaign (Nov 5-11) lifts chatter, the first and last days are quieter.
DAY_WEIGHTS = (0.85, 0.8, 0.95, 1.0, 1.35, 1.45, 1.5, 1.55, 1.55, 1.5, 1.45, 1.05, 0.95, 0.9)
# Local-time activity by hour; shifted to UTC per author so US and DE peaks differ.
HOUR_WEIGHTS = (3, 2, 1, 1, 1, 2, 4, 7, 9, 9, 8, 8, 10, 9, 8, 8, 9, 10, 12, 13, 12, 10, 7, 5)
AREA_WEIGHTS = {"app": 30, "hardware": 28, "connectivity": 27, "pricing": 15}
# Mostly positive-to-neutral on normal days; complaints are a minority.
INTENT_WEIGHTS = {
    "praise": 24,
    "purchase": 13,
    "question": 12,
    "chatter": 14,
    "feature_request": 12,
    "comparison": 8,
    "bug_report": 8,
    "churn": 3,
    "sarcasm": 3,
    "negation": 3,
}
# Areas each intent can be about (by default all); a "[area] " template prefix pins the area.
INTENT_AREAS = {
    "purchase": ("connectivity", "hardware", "pricing"),
    "bug_report": ("connectivity", "hardware", "app"),
    "sarcasm": ("connectivity", "hardware", "app"),
    "chatter": ("connectivity", "hardware", "app"),
}
# Openers and closers vary otherwise identical template output, as people do. Closers for
# negative posts avoid "lol"/"haha", which would soften them for lexicon scorers.
OPENERS = {"en": ("", "", "", "ok so ", "Honestly, ", "ngl ", "Quick one: ", "So, ")}
OPENERS["de"] = ("", "", "Ehrlich gesagt: ", "Kurze Frage: ")
CLOSERS = {"pos": ("", "", "", " lol", " tbh", "!!", " 🙏", " haha", " #smarthome")}
CLOSERS |= {"neu": ("", "", "", " tbh", "!!", " 🙏", " #smarthome"), "neg": ("", "", "!!", " 😤")}
ASKING = ("?", "?", "??", "? 🤔", "? anyone?", "? thanks!", "? asking for a friend")
MOOD = {"praise": "pos", "campaign": "pos", "bug_report": "neg", "churn": "neg"}
MOOD |= {"sarcasm": "neg", "negation": "neg", "outage": "neg"}
EMOJI = {
    "pos": ("💡", "✨", "😍", "🙌", "👍", "💛", ""),
    "neu": ("🤔", "👀", "", ""),
    "neg": ("😡", "🙄", "😤", "👎", "🤦", ""),
}
COMPETITORS = ("Brightwave", "Kelvo")
SHIFT_WORDS = ("broken", "terrible", "hate", "worst", "useless", "angry")  # never typo'd

# ---------------------------------------------------------------- slot values
PRODUCTS = {"connectivity": "Lumora Hub", "hardware": "Lumora Bulb", "app": "Lumora App"}
PRODUCTS["pricing"] = "Lumora Plus"
ARTICLES = {  # for the {pa} slot: the product name with its article
    "en": {"connectivity": "a ", "hardware": "a ", "app": "the ", "pricing": ""},
    "de": {"connectivity": "einen ", "hardware": "eine ", "app": "die ", "pricing": ""},
}
ISSUES = {
    "en": {
        "connectivity": _alts("""keeps dropping off the wifi | won't pair with my new bulbs |
            goes offline every night around 2am | randomly disconnects |
            can't see my 5GHz network | lost connection after a router reboot"""),
        "hardware": _alts("""flickers at low brightness | died after three months |
            has a weird green tint on warm white | buzzes when dimmed |
            is dimmer than advertised | forgets its colour after a power cut"""),
        "app": _alts("""crashes every time I open it | keeps logging me out | forgets my schedules |
            widget never updates | takes ages to load my rooms | lost my scenes"""),
        "pricing": _alts("paywalls basic features | costs too much per month"),
    },
    "de": {
        "connectivity": _alts("""verliert ständig das WLAN | ist jede Nacht offline |
            lässt sich nicht mit neuen Birnen koppeln"""),
        "hardware": _alts("flackert bei wenig Helligkeit | ist nach drei Monaten kaputt"),
        "app": _alts("stürzt ständig ab | meldet mich jeden Tag ab | vergisst meine Zeitpläne"),
        "pricing": _alts("ist viel zu teuer | sperrt Grundfunktionen hinter einer Paywall"),
    },
}
FEATURES = {
    "en": {
        "connectivity": _alts("""local control without the cloud | Matter support |
            a proper offline mode | Thread support | 5GHz wifi"""),
        "hardware": _alts("""a 1600 lumen version | an E14 candle bulb | warmer 2200K white |
            an outdoor rated bulb | better reds"""),
        "app": _alts("""dark mode | a home screen widget | sunrise schedules |
            shared family accounts | an Apple Watch app | scene shortcuts"""),
        "pricing": _alts("a yearly plan | a family plan | a lifetime option | a student discount"),
    },
    "de": {
        "connectivity": _alts("lokale Steuerung ohne Cloud | Matter-Support | einen Offline-Modus"),
        "hardware": _alts("eine E14 Variante | wärmeres 2200K Weiß | eine Outdoor-Version"),
        "app": _alts("einen Dark Mode | ein Widget | Sonnenaufgang-Zeitpläne"),
        "pricing": _alts("ein Jahresabo | einen Familientarif"),
    },
}

# ---------------------------------------------------------------- post templates
# Slots: {p} product, {pa} product with article, {c} competitor, {i} issue, {f} feature, {e} emoji.
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "purchase": _lines("""
            thinking of buying {pa}, worth it? {e}
            Anyone using the {p}? Deciding between it and {c} before Black Friday
            Finally pulling the trigger on {pa} this weekend. Any setup tips?
            Is the {p} good enough for a small flat or should I just get {c}?
            Partner says we need smarter lights. Leaning towards {pa}, convince me {e}
            Adding {pa} to the cart... last chance to talk me out of it
            Want to kit out the whole house with Lumora. How many do I actually need?
            Is the {p} usually cheaper during sales? Want to grab two
            [hardware] Ordering the Lumora starter kit tonight, heard good things
            What's the best deal on {pa} right now? Ready to buy
        """),
        "praise": _lines("""
            Really loving my {p}, setup took five minutes {e}
            {p} has been rock solid for months. Great job @lumora
            [hardware] The colours on the Lumora Bulb are gorgeous, living room looks amazing {e}
            Honestly the best smart home purchase I made this year: {pa}
            Shoutout to Lumora support, fixed my issue in ten minutes. Awesome team
            My kids love the sunrise scene with the {p} {e}
            Switched from {c} to Lumora last month and I'm so happy with it
            {p} just works. That's all I want from smart lights {e}
            Big fan of how smooth the {p} feels now, nice update
            Lumora nailed it with the {p}. Easy and reliable {e}
        """),
        "question": _lines("""
            [connectivity] How do you reset a Lumora Hub to factory settings?
            Does the {p} work with Home Assistant?
            Which colour temperature do you use in the evening with Lumora?
            [connectivity] Can the Lumora Hub run on a guest network?
            [connectivity] Where do I find the firmware version for the Lumora Hub?
            Does anyone know if Lumora ships to Canada?
            [connectivity] What does the blue blinking light on the Lumora Hub mean?
            [app] Is there a way to group lights by floor in the Lumora App?
        """),
        "chatter": _lines("""
            Lumora lights on, coffee on, ready for Monday
            [hardware] Rearranged the living room and moved a Lumora Bulb over the desk
            Reading the Lumora changelog over lunch like a nerd
            [hardware] Our cat is weirdly fascinated by the Lumora Bulb {e}
            $LMRA moving today, wonder if it's the Glow Week buzz
            [hardware] Set everything to orange for autumn, Lumora Bulbs doing their thing
            Just saw a Lumora ad on the train
            Friend came over and asked how the lights knew to dim. Lumora magic
        """),
        "feature_request": _lines("""
            Dear @lumora please add {f} to the {p} {e}
            Would love {f} on the {p}. Any roadmap?
            Feature request for the {p}: {f}. Would pay for it honestly
            When is {f} coming to the {p}? {c} already has it
            {p} is great but it really needs {f}
            Only thing missing from my {p} setup is {f}
            Hey @lumora, any plans for {f}?
            Petition for {f} on the {p} {e}
        """),
        "comparison": _lines("""
            [app] {c} bulbs are brighter but Lumora's app is way better
            {c} vs Lumora: {c} is cheaper, Lumora feels more polished
            Tried {c} and the {p} side by side. Lumora wins on colours, {c} on price
            [connectivity] Lumora Hub pairs faster than the {c} bridge in my tests {e}
            [app] {c}'s app is a mess compared to the Lumora App
            Honestly {c} and Lumora are about the same now, get whichever is on sale
            Has anyone compared the {p} with {c}? Which one is more reliable?
            {c} has Matter already, Lumora still doesn't. Hmm
        """),
        "bug_report": _lines("""
            My {p} {i}. Anyone else? @lumora
            {p} {i} since yesterday, tried resetting, no luck
            Is it just me or does the {p} {i}?
            Bug: {p} {i}. Version 5.1 on Android
            Second time this week the {p} {i} {e}
            @lumora my {p} {i}, support ticket open for 3 days
            Hmm, {p} {i} after the latest firmware
        """),
        "churn": _lines("""
            Done with Lumora. {p} {i} one too many times, switching to {c}
            That's it, returning my {p} and going with {c}
            If the {p} {i} again I'm moving everything to {c}
            Seriously considering moving the whole house to {c}. {p} {i}
            Bye Lumora, hello {c} {e}
            My {p} {i}. Anyone want six Lumora bulbs cheap? Moving to {c}
        """),
        "sarcasm": _lines("""
            Love how my {p} {i}. Great job Lumora, really
            Oh great, the {p} {i} again. Fantastic. Just what I needed
            Nothing says smart home like a {p} that {i} {e}
            Wow, {p} {i}. Truly premium experience
            Thanks @lumora, my {p} {i}. Brilliant work
        """),
        "negation": _lines("""
            Not buying another Lumora product after this
            I would not recommend the {p} to anyone right now
            Not impressed with the {p} honestly
            The {p} is not worth it without {f}
            Never again. Not getting {pa} for the new flat
        """),
        "outage": _lines("""
            The new Lumora App update broke all my schedules. Terrible. Lights never came on {e}
            Worst update ever. Lumora App schedules are completely broken @lumora
            I hate this Lumora App update. Schedules broken, scenes gone, useless
            Lumora App 5.2 is a disaster. Schedules broken, support useless. So angry {e}
            Woke up in the dark because the Lumora App update broke my schedules. Terrible
            Who tested this Lumora App update?? Schedules broken for everyone. Worst
            Angry doesn't cover it. The Lumora App update broke every schedule I had
            Lumora App is useless since the update. Broken schedules, broken widget. Hate it
            Terrible Lumora App update, automations broken and the kids were late for school
            Roll back the Lumora App update please, schedules broken, worst week for it @lumora
            Paying for Lumora Plus and the Lumora App can't even run a schedule. Broken. Angry
            Still broken. Lumora App schedules are useless and I'm angry {e}
        """),
        "campaign": _lines("""
            Entered the #LumoraGlow giveaway, fingers crossed {e}
            My cozy corner for #GlowWeek {e} #LumoraGlow
            Grabbed two Lumora Bulbs in the #GlowWeek sale, great price
            #LumoraGlow living room glow-up done {e}
            Glow Week deal on the Lumora Hub is actually good #GlowWeek
            Sunset scene for #LumoraGlow, love it {e}
        """),
    },
    "de": {
        "purchase": _lines("""
            Überlege mir {pa} zu holen. Lohnt sich das?
            Hat jemand Erfahrung mit {p}? Will vor Black Friday kaufen
            Bestelle heute Abend {pa}, Tipps zur Einrichtung?
            {p} oder {c}? Kann mich nicht entscheiden {e}
        """),
        "praise": _lines("""
            Bin echt begeistert von {p}, läuft super stabil {e}
            [hardware] Die Farben der Lumora Bulb sind der Hammer
            Lumora Support hat mir super schnell geholfen. Top!
            {p} in 5 Minuten eingerichtet. Klasse {e}
        """),
        "question": _lines("""
            Wie setze ich {pa} zurück?
            Läuft {p} mit Home Assistant?
            [connectivity] Funktioniert der Lumora Hub mit der Fritzbox?
        """),
        "chatter": _lines("""
            Lumora Licht an, Kaffee an, Montag kann kommen
            [hardware] Unsere Katze liebt die Lumora Bulb {e}
            Herbststimmung im Wohnzimmer dank Lumora
        """),
        "feature_request": _lines("""
            Liebe @lumora, bitte {f} für {p}!
            Wann kommt endlich {f} für {p}?
            {p} ist super, aber {f} fehlt mir noch
        """),
        "comparison": _lines("""
            [app] {c} ist heller, aber die Lumora App ist deutlich besser
            {c} ist günstiger, Lumora wirkt hochwertiger
            Lumora vs {c}: bei mir gewinnt Lumora bei den Farben
        """),
        "bug_report": _lines("""
            [app] Die Lumora App stürzt seit dem Update ständig ab
            {p} {i}. Jemand das gleiche Problem? @lumora
            {p} {i}, schon dreimal neu gestartet {e}
        """),
        "churn": ("Mir reicht's mit Lumora, ich wechsle zu {c}", "{p} {i}. Alles geht zurück"),
        "sarcasm": ("Toll, {p} {i} schon wieder. Echt super, Lumora", "Danke @lumora. {p} {i}"),
        "negation": ("Ich kaufe kein Lumora Produkt mehr", "Würde {pa} gerade niemandem empfehlen"),
        "outage": _lines("""
            Nach dem Update funktionieren die Zeitpläne in der Lumora App nicht mehr. Katastrophe
            Die Lumora App stürzt seit dem Update ständig ab und alle Zeitpläne sind weg
            Schlechtestes Update überhaupt. Lumora App komplett kaputt @lumora
            Licht ging heute früh nicht an, danke Lumora App Update. Ärgerlich {e}
        """),
        "campaign": _lines("""
            Meine Wohnzimmer-Beleuchtung für die #GlowWeek {e} #LumoraGlow
            Zwei Lumora Bulbs im #GlowWeek Sale geschnappt
        """),
    },
}
# Subscription talk (Lumora Plus) reads differently, so it has its own lines per intent.
PRICING: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "purchase": _lines("""
            Is Lumora Plus worth it? Thinking of subscribing for the energy reports
            Trying the Lumora Plus trial, might keep it if the automations are good
        """),
        "praise": _lines("""
            Lumora Plus energy reports are honestly great, worth the money
            Lumora Plus paid for itself with away mode {e}
        """),
        "question": (
            "What do you actually get with Lumora Plus?",
            "Is there a yearly Lumora Plus?",
        ),
        "feature_request": (
            "Would love {f} for Lumora Plus",
            "@lumora please do {f} for Lumora Plus",
        ),
        "comparison": _lines("""
            {c} has no subscription at all, Lumora Plus feels like a cash grab
            Lumora Plus vs {c} Premium: Lumora is cheaper per month
        """),
        "churn": _lines("""
            Cancelled Lumora Plus today. Not paying monthly for basic features
            Lumora Plus price went up again. Switching to {c}, no subscription there
        """),
        "negation": ("No way I'm paying for Lumora Plus", "Not subscribing to Lumora Plus, sorry"),
    },
    "de": {
        "purchase": ("Lohnt sich Lumora Plus? Überlege zu abonnieren",),
        "praise": ("Die Energieberichte in Lumora Plus sind echt nützlich",),
        "question": ("Was bekommt man eigentlich mit Lumora Plus?",),
        "feature_request": ("Bitte {f} für Lumora Plus, @lumora",),
        "comparison": ("{c} kommt ohne Abo aus, Lumora Plus ist Abzocke",),
        "churn": ("Lumora Plus gekündigt. Zu teuer für das bisschen",),
        "negation": ("Für Lumora Plus zahle ich sicher nicht",),
    },
}
REPLIES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "agree": _lines("""
            Same here, honestly
            Exactly my experience
            +1, would love that too
            This. 100%
            Same problem since last week
        """),
        "help": _lines("""
            Try moving the hub away from the router, fixed it for me
            Factory reset (hold the button 10s) then re-pair, worked for me
            Check if your router has band steering on, the hub hates that
            There's a beta build that fixes this, check the Lumora forum
        """),
        "disagree": _lines("""
            Can't reproduce, mine has been fine for months
            Honestly {c} is worse in my experience
            Works fine here, maybe a bad unit?
        """),
        "question": _lines("""
            Which firmware are you on?
            Android or iOS?
            Did you contact support?
            How many bulbs do you have on it?
        """),
        "positive": _lines("""
            Looks great!
            Love that setup
            Nice, enjoy it!
            So cozy {e}
            Great pick, I have the same one
        """),
        "support": _lines("""
            Sorry about this! Could you DM us your Hub serial so we can take a look?
            Thanks for the feedback, passing it to the team 💛
            Hi! A fix for this is rolling out in 5.2.1. Sorry for the hassle.
            Glad you like it! Enjoy the glow ✨
        """),
        "pricing": _lines("""
            Lumora Plus is worth it for the energy reports alone
            Paying monthly for light bulbs still feels wrong
            Great breakdown, saved
            The yearly plan makes it a lot cheaper
            {c} has no subscription and does most of this
        """),
        "outage": _lines("""
            Same, all my schedules are broken too. Terrible
            Mine too. Worst update ever
            Useless. Had to switch everything manually
            So angry about this, lights didn't come on at all
            Broken here as well, I hate this
        """),
    },
    "de": {
        "agree": ("Gleiches Problem hier", "Genau so bei mir", "+1, hätte ich auch gern"),
        "help": ("Hub neu starten und neu koppeln, hat geholfen", "2,4 GHz separat benennen"),
        "disagree": ("Läuft bei mir ohne Probleme", "{c} ist bei mir schlimmer"),
        "question": ("Welche Firmware hast du?", "Android oder iOS?"),
        "positive": ("Sieht super aus!", "Richtig gemütlich {e}"),
        "support": ("Das tut uns leid! Schick uns bitte eine DM mit der Seriennummer.",),
        "outage": ("Bei mir auch alles kaputt. Furchtbar", "Gleiches hier, alle Zeitpläne weg"),
        "pricing": (
            "Lumora Plus lohnt sich nur im Jahresabo",
            "Ein Abo für Glühbirnen? Nein danke",
        ),
    },
}
STANCES = {
    "bug_report": ("agree", "help", "question"),
    "outage": ("outage", "outage", "agree"),
    "churn": ("agree", "disagree", "help"),
    "praise": ("positive", "agree"),
    "purchase": ("help", "positive", "disagree"),
    "question": ("help", "question"),
    "feature_request": ("agree", "positive"),
    "comparison": ("agree", "disagree"),
    "campaign": ("positive",),
    "sarcasm": ("agree", "help"),
}
QUOTES = {
    "en": {
        "pos": ("This 👇", "Couldn't agree more", "Love this {e}", "Worth a read"),
        "neu": ("Interesting take", "Hmm, curious about this", "Saving this for later"),
        "neg": ("Yep, same experience", "This is why I'm looking at {c}", "Not good, Lumora"),
    },
    "de": {
        "pos": ("Lesenswert 👇", "Sehr guter Punkt"),
        "neu": ("Spannend", "Bin gespannt"),
        "neg": ("Kann ich leider bestätigen",),
    },
}
UND_TEXTS = (
    "✨💡✨ #LumoraGlow",
    "#GlowWeek 🔥🔥",
    "💡💡💡 #LumoraGlow #GlowWeek",
    "😍✨ #LumoraGlow",
)
COPYPASTA = "I want to win a Lumora Hub in the #LumoraGlow giveaway! 💡 @lumora #GlowWeek"
SPAM = _lines("""
    🔥 Lumora Bulb 4-pack {n}% OFF today only!! Grab yours 👉 {url} #LumoraGlow #GlowWeek
    💡 Lumora Hub {n}% OFF, limited stock!!! 👉 {url} #GlowWeek #deals
    FREE Lumora Bulb with every order today only 🎁 {n} left 👉 {url} #LumoraGlow
""")
SPAM_URL = "https://glowdeals.example/lumora-sale"
BOT_HANDLES = ("glowdeals_24", "luxlight_offers", "smartdeal_bot77", "bulbsale4u")
REDDIT_DETAILS = {
    "en": {
        "pos": _lines("""
            Setup was painless and it's been stable for weeks.
            Running 12 bulbs across three rooms with zero issues.
        """),
        "neg": _lines("""
            Already tried a factory reset, a new wifi channel and reinstalling the app.
            Support keeps sending me the same copy-paste answer.
        """),
        "neu": ("Currently have a mix of {c} and Lumora stuff.", "Everything runs through HA."),
    },
    "de": {
        "pos": ("Läuft seit Wochen stabil.",),
        "neg": ("Reset und neues WLAN habe ich schon probiert.",),
        "neu": ("Habe gerade eine Mischung aus {c} und Lumora.",),
    },
}
CLOSINGS = {
    "en": ("Any advice appreciated!", "Thanks in advance.", "Curious what you all think.", ""),
    "de": ("Danke im Voraus!", ""),
}
FLAIRS = {
    "Lumora": {"bug_report": "Bug", "outage": "Bug", "question": "Question", "praise": "Showcase"},
    "smarthome": {"question": "Question", "purchase": "Question", "comparison": "Discussion"},
    "homeautomation": {"question": "QUESTION", "praise": "PERSONAL SETUP", "bug_report": "HELP"},
}
SUBREDDITS = {"smarthome": "t5_2s4jd", "homeautomation": "t5_2r9c4", "Lumora": "t5_7fq2zm"}

# ---------------------------------------------------------------- people
FIRST = _words("""Alex Sam Jordan Taylor Priya Maya Chris Dana Leo Nina Omar Grace Ethan Zoe
    Ravi Hannah Marcus Ivy Noah Lena Tom Aisha Ben Chloe Diego Emma Finn Jade Kai Lucy Owen""")
FIRST_DE = _words("Jonas Lukas Anna Lea Felix Marie Paul Sophie Max Laura Tim Julia Jan Katrin")
LAST = _words("Smith Patel Nguyen Garcia Kim Brown Okafor Rossi Chen Walker Reyes Murphy Cole Fox")
LAST_DE = _words("Müller Schmidt Fischer Weber Meyer Wagner Becker Hoffmann Schulz Koch Wolf")
HANDLE_WORDS = _words("home lights tech dev makes nerd diy hq io codes")
REDDIT_ADJ = _words("Quiet Brave Sleepy Fuzzy Clever Odd Lucky Witty Salty Mellow Rapid Cosmic")
REDDIT_NOUN = _words("Otter Lamp Falcon Badger Toaster Walrus Pixel Panda Comet Goose Cactus")
BIOS = {
    "en": _lines("""
        Dad, coffee, home automation tinkerer
        Plant mom 🌱 / night owl
        Software engineer. Opinions are my own.
        I automate things that don't need it
        Gamer, cat person, smart home curious
        Nurse. Runner. Too many smart plugs.
    """),
    "de": ("", "Technik-Nerd aus Köln", "Smart Home Bastler", "Papa, Kaffee, Heimautomatisierung"),
}
LOCATIONS = {
    "en": ("", "", "Austin, TX", "London", "Toronto", "Seattle, WA", "Manchester", "Dublin"),
    "de": ("", "Berlin", "München", "Hamburg", "Köln", "Wien", "Zürich"),
}
# Opinion leaders on X: (username, name, followers, topic, lang, utc offset, bio).
X_LEADERS = (
    ("GadgetGrant", "Grant Ellison", 850_000, "app", "en", -5, "Tech reviews, no fluff."),
    ("BrightNestNora", "Nora Lindqvist", 240_000, "hardware", "en", 0, "Smart home blogger 💡"),
    ("jonasweber_tech", "Jonas Weber", 120_000, "connectivity", "de", 1, "Technikjournalist."),
)
# "<day offset from Nov 1> <UTC hour> <text>"; {url} links to the leader's article.
LEADER_POSTS = {
    "GadgetGrant": _lines("""
        -2 17 Two weeks with the redesigned Lumora App: faster, cleaner, better widget {url}
        1 18 Lumora App tip: long-press any room to turn it into a one-tap scene. Huge time saver,
        + I use it for movie night, bedtime and the kids' rooms, and it syncs to every phone at home
        3 20 Lumora App vs Brightwave app in 2026: Lumora wins on polish, Brightwave on price
        5 16 Glow Week deals are live, the Lumora starter kit is a great pick #GlowWeek
        8 15 PSA: Lumora App 5.2 broke schedules. Terrible rollout, useless. Fix it @lumora
        9 17 Update: Lumora says 5.2.1 fixes the schedules. Testing now, will report back
        11 19 Retested Lumora App 5.2.1 for 48h: schedules solid again. Good recovery
    """),
    "BrightNestNora": _lines("""
        -1 12 I measured 6 smart bulbs: Lumora has the best colours, Brightwave is brightest {url}
        2 10 Flicker test: Lumora Bulb at 1% brightness, filmed at 240fps. Zero visible flicker.
        + Brightwave and Kelvo both showed banding below 5%, which matters if you film or game
        4 14 Warm white shootout, Lumora vs Kelvo. Lumora looks cozier, Kelvo a bit green on camera
        6 11 My #GlowWeek pick: the Lumora Bulb 4-pack. Lowest price I've tracked #LumoraGlow
        7 13 Reader question: do Lumora Bulbs survive a steamy bathroom? Mine have, so far
        10 9 One of my Lumora Bulbs started buzzing when dimmed. Swapped under warranty, painless
        12 12 Feature wish for the Lumora Bulb: a proper E14 candle version. Would buy ten
    """),
    "jonasweber_tech": _lines("""
        0 8 Lumora Hub im Test: WLAN stabil, Einrichtung schnell, Matter fehlt. Artikel: {url}
        2 7 Viele melden, dass der Lumora Hub nachts offline geht. Ich habe das nachgestellt 🧵
        5 9 Lumora Hub, Brightwave Bridge, Kelvo Gateway: welches System läuft ohne Cloud?
        + Ich habe alle drei eine Woche ohne Internet betrieben. Ergebnisse kommen morgen
        6 10 Ergebnis: nur Kelvo läuft komplett lokal. Lumora braucht die Cloud für Fernzugriff
        8 8 Das Lumora App Update 5.2 legt die Zeitpläne lahm. Ärgerlich. Der Hub läuft
        11 7 Lumora bestätigt: Matter-Support für den Lumora Hub kommt 2027. Endlich
        13 9 Fazit nach zwei Wochen: Der Lumora Hub ist stabiler als sein Ruf
    """),
}
LEADER_URLS = {
    "GadgetGrant": "https://gadgetgrant.example/lumora-app-review",
    "BrightNestNora": "https://brightnest.example/smart-bulb-test-2026",
    "jonasweber_tech": "https://technikblick.example/lumora-hub-test",
}
JONAS_THREAD = _lines("""
    2/ Ursache: Router mit Band Steering schieben den Hub nachts ins 5GHz-Netz.
    3/ Workaround: 2,4 GHz als eigenes WLAN anlegen und den Lumora Hub neu koppeln.
    4/ Lumora hat ein Firmware-Update angekündigt. Ich halte euch auf dem Laufenden.
""")
OWNED_POSTS = _lines("""
    2 16 Something bright is coming on Nov 5 👀 #GlowWeek
    3 17 Two days to go. Which room would you light up first? #GlowWeek #LumoraGlow
    4 14 Glow Week starts now! ✨ Up to 30% off Lumora Bulbs and Hubs {url} #LumoraGlow #GlowWeek
    4 19 Show us your glow! Share your setup with #LumoraGlow to win a Lumora Hub 💡 #GlowWeek
    5 15 Glow Week tip: a warm 2200K scene after sunset. Your eyes will thank you #LumoraGlow
    6 15 Glow Week tip: group your bulbs by room for one-tap control #LumoraGlow
    6 20 Loving all your #LumoraGlow setups 😍 keep them coming #GlowWeek
    7 15 Halfway through #GlowWeek! Starter kits are almost gone {url} #LumoraGlow
    8 11 We're aware schedules stopped working after Lumora App 5.2. Sorry, our team is on it.
    8 18 Lumora App 5.2.1 with a fix for schedules is rolling out now. Thanks for your patience 💛
    9 16 Glow Week tip: sunrise scenes make dark mornings easier #LumoraGlow #GlowWeek
    10 15 Last call! Glow Week deals end at midnight UTC 🌙 {url} #LumoraGlow #GlowWeek
    11 14 Thank you for an amazing #GlowWeek! 💛 Giveaway winners announced tomorrow #LumoraGlow
""")
# The Reddit power user: "<day> <hour> <area> <intent> <title>".
REDDIT_LEADER_POSTS = _lines("""
    1 15 pricing comparison I did the math on Lumora Plus vs buying a Kelvo bridge outright
    3 18 pricing churn Lumora Plus price increase: what you actually lose if you cancel
    6 17 pricing purchase Glow Week deals vs Black Friday: two years of Lumora prices, tracked
    9 9 app outage Day two of broken Lumora App schedules: workarounds that actually work
    11 16 pricing negation Is Lumora Plus worth it after the 5.2 mess? Honest breakdown
    13 13 pricing comparison Two weeks of Lumora Plus vs Brightwave and Kelvo: total cost
""")
REDDIT_LEADER_BODY = _lines("""
    I track prices and subscriptions for every smart lighting brand I can buy.
    Numbers below are from my own spreadsheet, happy to share it.
    TL;DR: the hardware is good value, the subscription is where it gets expensive.
""")
REDDIT_OWNED_POSTS = _lines("""
    4 14 campaign Glow Week is live: up to 30% off, plus share your #LumoraGlow setup
    8 12 outage Known issue: schedules not running after Lumora App 5.2 (fix rolling out)
    11 15 campaign Glow Week wrap-up and giveaway winners #GlowWeek
""")


# ---------------------------------------------------------------- small helpers
def to_b36(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = B36[r] + out
    return out or "0"


def iso_x(ts: dt.datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def dumps(obj: Any) -> str:
    # Compact, key order as built, real UTF-8: byte-identical across runs.
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def log_followers(rng: random.Random) -> int:
    # Log-normal, clamped to 10..1M: most accounts are small, a handful are big.
    return int(10 ** min(6.0, max(1.0, rng.gauss(2.3, 0.9))))


def tco(rng: random.Random) -> str:
    return "https://t.co/" + "".join(rng.choice(ALNUM) for _ in range(10))


def display_url(url: str) -> str:
    short = re.sub(r"^https?://(www\.)?", "", url)
    return short if len(short) <= 26 else short[:26] + "…"


def snowflake(ms: int, rng: random.Random) -> int:
    return ((ms - TWITTER_EPOCH_MS) << 22) | (rng.randrange(1024) << 12) | rng.randrange(4096)


def cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def scheduled(rows: tuple[str, ...], fields: int) -> list[list[str]]:
    """Split "<day> <hour> [more words] <text>" schedule rows; the text keeps its spaces."""
    return [row.split(" ", fields) for row in rows]


def at(day_offset: int, hour: int, rng: random.Random) -> dt.datetime:
    minutes = rng.randrange(60)
    return WINDOW_START + dt.timedelta(days=day_offset, hours=hour, minutes=minutes)


def sample_ts(rng: random.Random, day: dt.date, tz: int) -> dt.datetime:
    """A diurnal time on `day`, drawn in the author's local time (tz = UTC offset in hours)."""
    while True:
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        local = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)
        ts = local + dt.timedelta(minutes=rng.randrange(60), seconds=rng.randrange(60) - 3600 * tz)
        if WINDOW_START <= ts < WINDOW_END:
            return ts


def later(rng: random.Random, ts: dt.datetime, mean_minutes: float) -> dt.datetime:
    return ts + dt.timedelta(seconds=30 + int(rng.expovariate(1 / (mean_minutes * 60))))


def fill(rng: random.Random, template: str, lang: str, area: str, mood: str) -> str:
    text = template.format(
        p=PRODUCTS[area],
        pa=ARTICLES[lang][area] + PRODUCTS[area],
        c=rng.choice(COMPETITORS),
        i=rng.choice(ISSUES[lang][area]),
        f=rng.choice(FEATURES[lang][area]),
        e=rng.choice(EMOJI[mood]),
    )
    return re.sub(r" {2,}", " ", text).strip()


def casualize(rng: random.Random, text: str, lang: str, mood: str) -> str:
    """Typos, lowercase, openers and closers, because real posts are messy."""
    if rng.random() < 0.12:
        words = text.split(" ")
        spots = [i for i, w in enumerate(words) if w.isalpha() and w.islower() and len(w) > 4]
        spots = [i for i in spots if words[i] not in SHIFT_WORDS]  # keep the planted signal
        if spots:
            i = rng.choice(spots)
            w, j = words[i], rng.randrange(len(words[i]) - 1)
            swap = rng.random() < 0.6
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :] if swap else w[:j] + w[j + 1 :]
            text = " ".join(words)
    if rng.random() < 0.07:
        text = text.lower()
    if rng.random() < 0.6:
        opener = rng.choice(OPENERS[lang])
        text = opener + (text[0].lower() + text[1:] if opener and text[1:2].islower() else text)
    if rng.random() < 0.6:
        closers = ASKING if text.endswith("?") else CLOSERS[mood]
        text = text.rstrip(".!?") + rng.choice(closers)
    return text


def pick_intent(rng: random.Random, day: dt.date) -> tuple[str, str]:
    if CAMPAIGN_START.date() <= day < CAMPAIGN_END.date() and rng.random() < 0.22:
        return "campaign", rng.choice(("hardware", "connectivity"))
    intent = rng.choices(list(INTENT_WEIGHTS), weights=list(INTENT_WEIGHTS.values()))[0]
    areas = INTENT_AREAS.get(intent, tuple(AREA_WEIGHTS))
    return intent, rng.choices(areas, weights=[AREA_WEIGHTS[a] for a in areas])[0]


def stances_for(intent: str, area: str) -> tuple[str, ...]:
    """How replies react to a post: by its intent, plus money talk under pricing posts."""
    base = STANCES.get(intent, ("positive", "question", "agree"))
    return (*base, "pricing", "pricing") if area == "pricing" else base


def reply_body(rng: random.Random, lang: str, stance: str, area: str) -> str:
    mood = "neg" if stance == "outage" else "pos"
    text = fill(rng, rng.choice(REPLIES[lang][stance]), lang, area, mood)
    return casualize(rng, text, lang, mood)


def shift_intent(rng: random.Random, day: dt.date, intent: str, area: str) -> str:
    # The planted shift: app talk turns into outage anger on the day and tapers the day after.
    if area == "app" and intent != "campaign":
        next_day = day == SHIFT_DAY + dt.timedelta(days=1)
        if day == SHIFT_DAY or (next_day and rng.random() < 0.7):
            return "outage"
    return intent


def shift_factor(day: dt.date) -> int:
    # Extra outage posts per regular app post on the shift day; replies, retweets and the
    # leaders' posts on top bring the day's app volume to about three times normal.
    return 1 if day == SHIFT_DAY else 0


def compose(rng: random.Random, lang: str, intent: str, area: str) -> tuple[str, str]:
    """Text for an intent about an area; returns (text, area) since templates may pin the area."""
    pool = PRICING[lang].get(intent) if area == "pricing" else None
    template = rng.choice(pool or TEMPLATES[lang][intent])
    if pinned := re.match(r"\[(\w+)\] ", template):
        area, template = pinned.group(1), template[pinned.end() :]
    mood = MOOD.get(intent, "neu")
    return casualize(rng, fill(rng, template, lang, area, mood), lang, mood), area


# ---------------------------------------------------------------- X
@dataclass(eq=False)
class XUser:
    id: str
    name: str
    username: str
    created_at: str
    description: str
    location: str
    verified: bool
    followers: int
    following: int
    tweets: int
    listed: int
    likes: int
    lang: str = "en"
    tz: int = 0
    role: str = "regular"  # regular / owned / leader / competitor / bot
    topic: str = ""
    weight: float = 1.0  # how often they post

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "username": self.username}
        out |= {"created_at": self.created_at, "description": self.description}
        if self.location:  # the API omits unset locations
            out["location"] = self.location
        out["verified"] = self.verified
        out["public_metrics"] = {
            "followers_count": self.followers,
            "following_count": self.following,
            "tweet_count": self.tweets,
            "listed_count": self.listed,
            "like_count": self.likes,
        }
        return out


@dataclass(eq=False)
class Tweet:
    ts: dt.datetime
    author: XUser
    text: str
    lang: str
    intent: str
    area: str
    kind: str = "original"  # original / reply / retweet / quote
    parent: Tweet | None = None
    quoted: Tweet | None = None
    retweeted: Tweet | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # (t.co, expanded; "" = quoted)
    gone: str = ""  # "deleted" / "protected": referenced but never returned by the API
    edited: bool = False
    id: str = ""
    prev_id: str = ""
    metrics: dict[str, int] = field(default_factory=dict)

    @property
    def root(self) -> Tweet:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    @property
    def in_data(self) -> bool:
        return WINDOW_START <= self.ts < WINDOW_END and not self.gone

    def refs(self) -> list[tuple[str, Tweet]]:
        pairs = (
            ("replied_to", self.parent),
            ("quoted", self.quoted),
            ("retweeted", self.retweeted),
        )
        return [(kind, t) for kind, t in pairs if t is not None]


class XBuilder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.users: list[XUser] = []
        self.by_name: dict[str, XUser] = {}
        self.tweets: list[Tweet] = []
        self.leaders: list[XUser] = []
        self.bots: list[XUser] = []

    # -- authors
    def add_user(self, user: XUser) -> XUser:
        self.users.append(user)
        self.by_name[user.username.lower()] = user
        return user

    def handle(self, name: str) -> str:
        rng = self.rng
        first, last = name.lower().replace("ü", "ue").replace("ö", "oe").split()
        while True:
            handle = rng.choice(
                (
                    f"{first}{last[:4]}{rng.randrange(100)}",
                    f"{first}_{rng.choice(HANDLE_WORDS)}",
                    f"{first[0]}{last}{rng.randrange(10, 999)}",
                )
            )[:15]
            if handle not in self.by_name:
                return handle

    def new_user(self, lang: str, followers: int, **overrides: Any) -> XUser:
        rng = self.rng
        created = dt.datetime(2009, 6, 1, tzinfo=dt.UTC) + dt.timedelta(
            days=rng.randrange(6200), seconds=rng.randrange(86_400)
        )
        # Accounts from the snowflake era get snowflake ids, older ones short numeric ids.
        uid = snowflake(int(created.timestamp() * 1000), rng) if created.year > 2013 else 0
        first, last = (FIRST_DE, LAST_DE) if lang == "de" else (FIRST, LAST)
        name = f"{rng.choice(first)} {rng.choice(last)}"
        fields: dict[str, Any] = {
            "id": str(uid or rng.randrange(10**7, 10**9)),
            "name": name,
            "username": self.handle(name),
            "created_at": iso_x(created),
            "description": rng.choice(BIOS[lang]),
            "location": rng.choice(LOCATIONS[lang]),
            "verified": (followers > 50_000 and rng.random() < 0.5) or rng.random() < 0.02,
            "followers": followers,
            "following": rng.randrange(20, 2500),
            "tweets": rng.randrange(50, 40_000),
            "listed": followers // rng.randrange(80, 400),
            "likes": rng.randrange(100, 60_000),
            "lang": lang,
            "tz": 1 if lang == "de" else rng.choice((-8, -5, -5, 0)),
            "weight": rng.paretovariate(1.6),
        }
        return self.add_user(XUser(**(fields | overrides)))

    def make_users(self) -> None:
        rng = self.rng
        owned = XUser(OWNED_X_ID, "Lumora", OWNED_X_NAME, "2017-04-11T09:00:00.000Z",
                      "Smart lighting that just works. Hub, Bulb and App.", "Amsterdam",
                      True, 182_400, 312, 9_840, 610, 4_120, role="owned")  # fmt: skip
        self.add_user(owned)
        for handle, name in (("brightwave", "Brightwave"), ("kelvohome", "Kelvo")):
            followers = rng.randrange(60_000, 300_000)
            self.new_user("en", followers, username=handle, name=name, verified=True,
                          role="competitor", weight=0.0)  # fmt: skip
        for handle, name, followers, topic, lang, tz, bio in X_LEADERS:
            leader = self.new_user(lang, followers, username=handle, name=name, tz=tz,
                                   description=bio, verified=True, role="leader", topic=topic,
                                   weight=0.0, listed=followers // 90)  # fmt: skip
            self.leaders.append(leader)
        for n, handle in enumerate(BOT_HANDLES):  # fresh accounts, few followers, follow many
            created = dt.datetime(2026, 10, 20 + n, 3, 14, tzinfo=dt.UTC)
            uid = str(snowflake(int(created.timestamp() * 1000), rng))
            bio, following = "Best deals 🔥 DM for promo", rng.randrange(2000, 4900)
            bot = self.new_user("en", rng.randrange(3, 40), id=uid, username=handle,
                                name=f"Deals {n + 1}", created_at=iso_x(created), description=bio,
                                following=following, role="bot", weight=0)  # fmt: skip
            self.bots.append(bot)
        for n in range(1300):
            self.new_user("de" if n % 6 == 0 else "en", log_followers(rng))
        self.new_user("en", 1_000_000, verified=True, weight=4.0)  # a celebrity who likes Lumora

    def regulars(self, lang: str | None = None) -> list[XUser]:
        return [u for u in self.users if u.role == "regular" and lang in (None, u.lang)]

    # -- posts
    def post(self, ts: dt.datetime, author: XUser, text: str, lang: str, intent: str,
             area: str, **kw: Any) -> Tweet:  # fmt: skip
        tweet = Tweet(ts, author, text, lang, intent, area, **kw)
        self.tweets.append(tweet)
        return tweet

    def decorate(self, text: str, ts: dt.datetime, intent: str) -> str:
        rng = self.rng
        if CAMPAIGN_START <= ts < CAMPAIGN_END and intent != "outage" and rng.random() < 0.08:
            text += " #LumoraGlow"
        if rng.random() < 0.07:
            text += " " + rng.choice(("#smarthome", "#homeautomation", "#smartlighting"))
        if "@lumora" not in text.lower() and rng.random() < 0.12:
            text = f"@lumora {text}" if rng.random() < 0.3 else f"{text} @lumora"
        if intent == "comparison" and rng.random() < 0.25:
            text += " " + rng.choice(("@brightwave", "@kelvohome"))
        return text

    def original(self, author: XUser, ts: dt.datetime, intent: str, area: str) -> Tweet:
        rng = self.rng
        lang = "de" if author.lang == "de" and rng.random() < 0.9 else "en"
        if intent == "campaign" and rng.random() < 0.15:  # emoji/hashtag only: lang "und"
            return self.post(ts, author, rng.choice(UND_TEXTS), "und", intent, area)
        text, area = compose(rng, lang, intent, area)
        text = self.decorate(text, ts, intent)
        return self.post(ts, author, text, lang, intent, area, edited=rng.random() < 0.008)

    def originals(self) -> None:
        rng = self.rng
        regs = self.regulars()
        cum = cumulative([u.weight for u in regs])
        for d, day in enumerate(DAYS):
            app_posts = 0
            for _ in range(round(56 * DAY_WEIGHTS[d])):
                author = rng.choices(regs, cum_weights=cum)[0]
                intent, area = pick_intent(rng, day)
                app_posts += area == "app"
                intent = shift_intent(rng, day, intent, area)
                self.original(author, sample_ts(rng, day, author.tz), intent, area)
            for _ in range(app_posts * shift_factor(day)):
                author = rng.choices(regs, cum_weights=cum)[0]
                self.original(author, sample_ts(rng, day, author.tz), "outage", "app")

    def timed(self, author: XUser, row: list[str], lang: str, intent: str, area: str,
              url: str = "") -> Tweet:  # fmt: skip
        text, links = row[-1], []
        if "{url}" in text:
            link = tco(self.rng)
            text, links = text.replace("{url}", link), [(link, url)]
        ts = at(int(row[0]), int(row[1]), self.rng)
        return self.post(ts, author, text, lang, intent, area, links=links)

    def leader_posts(self) -> list[Tweet]:
        out = []
        for leader in self.leaders:
            for row in scheduled(LEADER_POSTS[leader.username], 2):
                bad = re.search(r"broke|broken|lahm", row[2]) is not None
                intent = "outage" if bad else "praise"
                area = "app" if bad else leader.topic
                url = LEADER_URLS[leader.username]
                out.append(self.timed(leader, row, leader.lang, intent, area, url))
        return out

    def owned_posts(self) -> list[Tweet]:
        owned = self.by_name[OWNED_X_NAME]
        url = "https://lumora.example/glow-week?utm_source=x"
        out = []
        for row in scheduled(OWNED_POSTS, 2):
            support = "5.2" in row[2]
            intent, area = ("support", "app") if support else ("campaign", "hardware")
            out.append(self.timed(owned, row, "en", intent, area, url))
        return out

    def spam(self) -> None:
        rng = self.rng
        for bot in self.bots:
            for _ in range(15):
                day = rng.choice(DAYS[4:11]) if rng.random() < 0.8 else rng.choice(DAYS)
                link = tco(rng)
                text = rng.choice(SPAM).format(n=rng.choice((70, 80, 90)), url=link)
                self.post(sample_ts(rng, day, -5), bot, text, "en", "spam", "hardware",
                          links=[(link, SPAM_URL)])  # fmt: skip

    def copypasta(self) -> None:
        # Giveaway entries: the same text from many accounts (planted exact duplicates).
        for author in self.rng.sample(self.regulars("en"), 12):
            ts = sample_ts(self.rng, self.rng.choice(DAYS[4:11]), author.tz)
            self.post(ts, author, COPYPASTA, "en", "campaign", "connectivity")

    def reply(
        self, parent: Tweet, author: XUser, stance: str, mean_min: float = 40
    ) -> Tweet | None:
        rng = self.rng
        ts = later(rng, parent.ts, mean_min)
        if ts >= WINDOW_END:
            return None
        root = parent.root
        lang = "de" if root.lang == "de" and author.lang == "de" else "en"
        if author.role == "owned":
            stance, lang = "support", "en"
        body = reply_body(rng, lang, stance, root.area)
        if rng.random() < 0.03:
            body, lang = rng.choice(("😂😂", "👀", "💯")), "und"
        # Replies open with the handles of the people in the conversation, like X composes them.
        handles = dict.fromkeys(u.username for u in (parent.author, root.author) if u is not author)
        prefix = "".join(f"@{h} " for h in handles)
        intent = {"outage": "outage", "support": "support"}.get(stance, "reply")
        return self.post(ts, author, prefix + body, lang, intent, root.area, kind="reply",
                         parent=parent)  # fmt: skip

    def thread(self, root: Tweet, depth: int, pool: list[XUser]) -> None:
        """A reply chain `depth` deep where a few people go back and forth."""
        rng = self.rng
        others = [u for u in rng.sample(pool, 4) if u is not root.author]
        people = [root.author, *others[: rng.randint(1, 3)]]
        if root.intent in ("bug_report", "outage") and rng.random() < 0.4:
            people.append(self.by_name[OWNED_X_NAME])
        stances = stances_for(root.intent, root.area)
        parent: Tweet | None = root
        for _ in range(depth):
            if parent is None:
                return
            author = rng.choice([p for p in people if p is not parent.author])
            parent = self.reply(parent, author, rng.choice(stances))

    def replies(self) -> None:
        rng = self.rng
        pool = self.regulars()
        roots = [t for t in self.tweets if t.kind == "original" and t.author.role == "regular"]
        for root in rng.sample(roots, 70):
            self.thread(root, rng.randint(3, 6), pool)
        for root in rng.sample(roots, 110):
            for _ in range(rng.randint(1, 2)):
                stance = rng.choice(stances_for(root.intent, root.area))
                self.reply(root, rng.choice(pool), stance)

    def retweet(self, orig: Tweet, author: XUser, ts: dt.datetime) -> Tweet:
        text = f"RT @{orig.author.username}: {orig.text}"
        if len(text) > 140:  # the API truncates retweet text; cut on a word boundary
            text = text[:139].rsplit(" ", 1)[0] + "…"
        links = [(u, e) for u, e in orig.links if u in text]
        return self.post(ts, author, text, orig.lang, orig.intent, orig.area, kind="retweet",
                         retweeted=orig, links=links)  # fmt: skip

    def quote(self, orig: Tweet, author: XUser, ts: dt.datetime) -> Tweet:
        rng = self.rng
        mood = MOOD.get(orig.intent, "neu")
        lang = "de" if author.lang == "de" else "en"
        body = fill(rng, rng.choice(QUOTES[lang][mood]), lang, orig.area, mood)
        if orig.intent == "campaign" and rng.random() < 0.6:
            body += " #LumoraGlow"
        link = tco(rng)
        return self.post(ts, author, f"{body} {link}", lang, "quote", orig.area, kind="quote",
                         quoted=orig, links=[(link, "")])  # fmt: skip

    def amplify(self, orig: Tweet, n_rt: int, n_quote: int, pool: list[XUser], mean: float) -> None:
        """Retweets and quotes from distinct users, decaying after the original."""
        rng = self.rng
        fans = rng.sample([u for u in pool if u is not orig.author], n_rt + n_quote)
        start = max(orig.ts, WINDOW_START)
        for i, fan in enumerate(fans):
            ts = later(rng, start, mean)
            if ts < WINDOW_END:
                (self.retweet if i < n_rt else self.quote)(orig, fan, ts)

    def engagement(self, leader_tweets: list[Tweet], owned: list[Tweet]) -> None:
        rng = self.rng
        pool_en, pool_de = self.regulars("en"), self.regulars("de")
        organic = [t for t in self.tweets if t.kind == "original" and t.author.role == "regular"]
        for t in leader_tweets:
            pool = pool_de + rng.sample(pool_en, 40) if t.lang == "de" else pool_en
            reach = min(t.author.followers / 240_000, 1.6)
            self.amplify(t, int(rng.randint(10, 22) * reach) + 4, rng.randint(2, 6), pool, 300)
            self.thread(t, rng.randint(3, 6), pool)
            for _ in range(rng.randint(2, 5)):
                self.reply(t, rng.choice(pool), rng.choice(stances_for(t.intent, t.area)))
        for t in owned:
            self.amplify(t, rng.randint(3, 10), rng.randint(1, 3), pool_en, 240)
            for _ in range(rng.randint(1, 4)):
                self.reply(t, rng.choice(pool_en), "positive" if "#" in t.text else "outage")
        for t in rng.sample(organic, 50):
            self.amplify(t, rng.randint(1, 2), int(rng.random() < 0.25), pool_en, 180)

    def jonas_thread(self, tweets: list[Tweet]) -> None:
        # The journalist's self-thread: replies to himself carry no @ prefix.
        parent = next(t for t in tweets if "🧵" in t.text)
        for text in JONAS_THREAD:
            ts = later(self.rng, parent.ts, 2)
            parent = self.post(ts, parent.author, text, "de", "praise", "connectivity",
                               kind="reply", parent=parent)  # fmt: skip

    def gone_tweets(self) -> list[Tweet]:
        """Referenced tweets the API cannot return: one deleted, one from a protected account."""
        rng = self.rng
        en = self.regulars("en")
        deleted = self.post(dt.datetime(2026, 11, 9, 7, 12, 5, tzinfo=dt.UTC), en[3],
                            "Lumora App update deleted every schedule I had. Terrible.", "en",
                            "outage", "app", gone="deleted")  # fmt: skip
        protected = self.post(dt.datetime(2026, 10, 30, 20, 2, 41, tzinfo=dt.UTC), en[7],
                              "Lumora Hub or Kelvo for a renter? honest opinions please", "en",
                              "purchase", "connectivity", gone="protected")  # fmt: skip
        # References spread over many days, so several pages miss them from includes.
        answers = {deleted: "Same, every schedule gone. Terrible", protected: "Kelvo, no drilling"}
        for orig, days in ((deleted, (8, 9, 11, 13)), (protected, (0, 2, 5, 7, 12))):
            for d in days:
                fan = rng.choice(en)
                ts = sample_ts(rng, DAYS[d], fan.tz)
                if d % 2:
                    self.quote(orig, fan, ts)
                else:
                    text = f"@{orig.author.username} {answers[orig]}"
                    self.post(ts, fan, text, "en", "reply", orig.area, kind="reply", parent=orig)
        return [deleted, protected]

    def build(self) -> None:
        self.make_users()
        self.originals()
        leader_tweets, owned = self.leader_posts(), self.owned_posts()
        self.jonas_thread(leader_tweets)
        self.spam()
        self.copypasta()
        self.replies()
        self.engagement(leader_tweets, owned)
        self.gone_tweets()
        self.assign_ids()
        self.metrics()

    # -- ids, metrics, JSON
    def assign_ids(self) -> None:
        rng = self.rng
        self.tweets.sort(key=lambda t: t.ts)  # stable: ties keep creation order
        last, used = 0, {}
        for t in self.tweets:
            ms = int(t.ts.timestamp() * 1000) + rng.randrange(1000)
            last = max(last + 1, snowflake(ms, rng))
            t.id = str(last)
            used[t.id] = t
        for t in self.tweets:
            if t.edited:  # the first version went out a few minutes before the edit
                prev = str(
                    snowflake(int(t.ts.timestamp() * 1000) - rng.randrange(30_000, 900_000), rng)
                )
                t.prev_id = prev if prev not in used else ""

    def metrics(self) -> None:
        rng = self.rng
        got: dict[Tweet, Counter[str]] = {t: Counter() for t in self.tweets}
        for t in self.tweets:
            for kind, ref in t.refs():
                got[ref][kind] += 1
        for t in self.tweets:
            if t.kind == "retweet":
                continue
            top = 0.04 if t.author.role == "leader" else 0.02
            likes = int(t.author.followers * rng.uniform(0.001, top)) + rng.randrange(6)
            likes += 4 * got[t]["retweeted"]
            rts = got[t]["retweeted"] + int(likes * rng.uniform(0.02, 0.15))
            t.metrics = {
                "retweet_count": rts,
                "reply_count": got[t]["replied_to"] + rng.randrange(likes // 40 + 1),
                "like_count": likes,
                "quote_count": got[t]["quoted"] + rng.randrange(rts // 12 + 1),
                "bookmark_count": int(likes * rng.uniform(0, 0.08)),
                "impression_count": int(t.author.followers * rng.uniform(0.05, 0.4))
                + int(likes * rng.uniform(20, 60))
                + 3,
            }
        for t in self.tweets:
            if t.retweeted is not None:  # a retweet echoes only the original's retweet count
                zero = dict.fromkeys(("reply_count", "like_count", "quote_count"), 0)
                zero |= {"bookmark_count": 0, "impression_count": 0}
                t.metrics = {"retweet_count": t.retweeted.metrics.get("retweet_count", 0)} | zero

    def entities(self, t: Tweet) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for m in re.finditer(r"(?<![\w@])@(\w{1,15})", t.text):
            user = self.by_name.get(m.group(1).lower())
            if user is not None:
                entity = {"start": m.start(), "end": m.end(), "username": m.group(1), "id": user.id}
                out.setdefault("mentions", []).append(entity)
        for m in re.finditer(r"(?<![\w#&])#(\w+)(?![\w…])", t.text):
            entity = {"start": m.start(), "end": m.end(), "tag": m.group(1)}
            out.setdefault("hashtags", []).append(entity)
        for url, expanded in t.links:
            start = t.text.find(url)
            target = t.quoted or (t.retweeted.quoted if t.retweeted else None)
            if not expanded and target is not None:
                expanded = f"https://twitter.com/{target.author.username}/status/{target.id}"
            entity = {"start": start, "end": start + len(url), "url": url}
            entity |= {"expanded_url": expanded, "display_url": display_url(expanded)}
            out.setdefault("urls", []).append(entity)
        for m in re.finditer(r"(?<![\w$])\$([A-Za-z]{1,6})\b", t.text):
            entity = {"start": m.start(), "end": m.end(), "tag": m.group(1)}
            out.setdefault("cashtags", []).append(entity)
        return out

    def tweet_json(self, t: Tweet) -> dict[str, Any]:
        conversation = t.root.id if t.parent else t.id
        out: dict[str, Any] = {"id": t.id, "text": t.text, "author_id": t.author.id}
        out |= {"created_at": iso_x(t.ts), "conversation_id": conversation, "lang": t.lang}
        out["public_metrics"] = t.metrics
        if ents := self.entities(t):
            out["entities"] = ents
        out["edit_history_tweet_ids"] = [t.prev_id, t.id] if t.prev_id else [t.id]
        if refs := t.refs():
            out["referenced_tweets"] = [{"type": kind, "id": ref.id} for kind, ref in refs]
        if t.parent is not None:
            out["in_reply_to_user_id"] = t.parent.author.id
        return out

    def page(self, tweets: list[Tweet], token: str | None) -> dict[str, Any]:
        users: dict[str, XUser] = {}
        included: dict[str, Tweet] = {}
        errors: dict[str, dict[str, str]] = {}
        for t in tweets:
            users.setdefault(t.author.id, t.author)
            for _, ref in t.refs():
                if ref.gone:
                    errors.setdefault(ref.id, missing_error(ref))
                else:
                    included.setdefault(ref.id, ref)
                    users.setdefault(ref.author.id, ref.author)
            for m in self.entities(t).get("mentions", []):
                users.setdefault(m["id"], self.by_name[m["username"].lower()])
            if t.parent is not None:
                users.setdefault(t.parent.author.id, t.parent.author)
        includes: dict[str, Any] = {"users": [u.json() for u in users.values()]}
        if included:
            includes["tweets"] = [self.tweet_json(r) for r in included.values()]
        body: dict[str, Any] = {"data": [self.tweet_json(t) for t in tweets], "includes": includes}
        if errors:
            body["errors"] = list(errors.values())
        meta = {"newest_id": tweets[0].id, "oldest_id": tweets[-1].id, "result_count": len(tweets)}
        body["meta"] = meta | ({"next_token": token} if token else {})
        return body

    def pages(self) -> list[dict[str, Any]]:
        data = sorted((t for t in self.tweets if t.in_data), key=lambda t: int(t.id), reverse=True)
        chunks, i = [], 0
        while i < len(data):
            chunks.append(data[i : i + X_PAGE])
            # API overlap: one page's last tweet is served again at the top of the next page.
            i += X_PAGE - 1 if len(chunks) == DUP_PAGE else X_PAGE
        tokens = ["".join(self.rng.choice(B36) for _ in range(45)) for _ in chunks]
        tokens[-1] = ""
        return [self.page(chunk, token) for chunk, token in zip(chunks, tokens, strict=True)]


def missing_error(t: Tweet) -> dict[str, str]:
    """The `errors` entry the API adds for a referenced tweet it cannot return."""
    if t.gone == "protected":
        detail = (
            f"Sorry, you are not authorized to see the Tweet with referenced_tweets.id: [{t.id}]."
        )
        title, kind = "Authorization Error", "not-authorized-for-resource"
    else:
        detail = f"Could not find tweet with referenced_tweets.id: [{t.id}]."
        title, kind = "Not Found Error", "resource-not-found"
    return {"value": t.id, "detail": detail, "title": title, "resource_type": "tweet",
            "parameter": "referenced_tweets.id", "resource_id": t.id,
            "type": f"https://api.twitter.com/2/problems/{kind}"}  # fmt: skip


# ---------------------------------------------------------------- Reddit
@dataclass(eq=False)
class RUser:
    id: str
    name: str
    created: float
    link_karma: int
    comment_karma: int
    verified: bool = False
    lang: str = "en"
    tz: int = 0
    role: str = "regular"
    weight: float = 1.0

    def about(self) -> dict[str, Any]:
        data = {"id": self.id, "name": self.name, "created_utc": self.created}
        data |= {"link_karma": self.link_karma, "comment_karma": self.comment_karma}
        data |= {"total_karma": self.link_karma + self.comment_karma, "is_employee": False}
        return {"kind": "t2", "data": data | {"verified": self.verified}}


@dataclass(eq=False)
class RNode:
    """A submission (t3), a comment (t1) or a ghost: a comment hidden behind a "more" stub."""

    kind: str
    ts: dt.datetime
    author: RUser | None  # None: the account was deleted
    sub: str
    body: str
    lang: str
    intent: str
    area: str
    title: str = ""
    post: RNode | None = None
    parent: RNode | None = None
    children: list[RNode] = field(default_factory=list)
    hidden: list[RNode] = field(default_factory=list)
    removed: str = ""  # "", "moderator" or "deleted"
    link: str = ""  # external url of a link post
    stickied: bool = False
    edited: float | None = None
    score: int = 1
    ratio: float = 1.0
    id: str = ""

    @property
    def depth(self) -> int:
        return 0 if self.parent is None or self.parent.kind == "t3" else self.parent.depth + 1

    @property
    def fullname(self) -> str:
        return ("t3_" if self.kind == "t3" else "t1_") + self.id

    def count(self) -> int:
        return len(self.hidden) + sum(1 + c.count() for c in self.children)


def listing(children: list[Any], after: str | None = None, dist: int | None = None) -> dict:
    data = {"after": after, "dist": dist, "modhash": "", "geo_filter": "", "children": children}
    return {"kind": "Listing", "data": data | {"before": None}}


def slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "_".join(words)[:50].rstrip("_")


class RedditBuilder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.users: list[RUser] = []
        self.posts: list[RNode] = []
        self.comments: list[RNode] = []
        self.leader: RUser
        self.owned: RUser
        self.spammer: RUser

    def new_user(self, name: str, lang: str = "en", **overrides: Any) -> RUser:
        rng = self.rng
        created = dt.datetime(2012, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            days=rng.randrange(5300), seconds=rng.randrange(86_400)
        )
        # Older accounts have shorter base36 ids, as on Reddit.
        size = 36**5 if created.year < 2016 else 36**7
        fields: dict[str, Any] = {
            "id": to_b36(rng.randrange(size, size * 30)),
            "name": name,
            "created": float(int(created.timestamp())),
            "link_karma": int(10 ** (1 + 4 * rng.random() ** 2)),
            "comment_karma": int(10 ** (1 + 4.5 * rng.random() ** 1.8)),
            "lang": lang,
            "tz": 1 if lang == "de" else rng.choice((-8, -5, -5, 0)),
            "weight": rng.paretovariate(1.5),
        }
        user = RUser(**(fields | overrides))
        self.users.append(user)
        return user

    def make_users(self) -> None:
        rng = self.rng
        self.owned = self.new_user(OWNED_REDDIT, verified=True, role="owned", weight=0.0)
        self.leader = self.new_user("GridGoblin", link_karma=412_830, comment_karma=968_114,
                                    created=1_356_998_400.0 + 7_415,
                                    verified=True, role="leader", weight=6.0)  # fmt: skip
        self.spammer = self.new_user("glow_deals_shop", role="bot", weight=0.0, link_karma=1)
        names: dict[str, str] = {}  # name -> lang
        while len(names) < 320:
            style = rng.choices((0, 1, 2), weights=(48, 38, 14))[0]
            if style == 0:
                adj, noun = rng.choice(REDDIT_ADJ), rng.choice(REDDIT_NOUN)
                names[f"{adj}_{noun}_{rng.randrange(1000, 9999)}"] = "en"
            elif style == 1:
                names[
                    f"{rng.choice(FIRST).lower()}{rng.choice(HANDLE_WORDS)}{rng.randrange(99)}"
                ] = "en"
            else:
                names[f"{rng.choice(FIRST_DE).lower()}_{rng.choice(('bastelt', 'licht'))}"] = "de"
        for name, lang in names.items():
            self.new_user(name, lang)

    def regulars(self, lang: str | None = None) -> list[RUser]:
        return [u for u in self.users if u.role in ("regular", "leader") and lang in (None, u.lang)]

    def pick_user(self, lang: str) -> RUser:
        pool = self.regulars("de") if lang == "de" else self.regulars()
        return self.rng.choices(pool, weights=[u.weight for u in pool])[0]

    # -- submissions
    def submit(self, ts: dt.datetime, author: RUser | None, sub: str, title: str, body: str,
               lang: str, intent: str, area: str, **kw: Any) -> RNode:  # fmt: skip
        rng = self.rng
        post = RNode("t3", ts, author, sub, body, lang, intent, area, title=title, **kw)
        post.score = int(rng.paretovariate(1.2) * 4) + (300 if author is self.leader else 0)
        post.ratio = round(rng.uniform(0.55, 0.99), 2)
        self.posts.append(post)
        return post

    def selftext(self, lang: str, intent: str) -> str:
        rng = self.rng
        mood = MOOD.get(intent, "neu")
        parts = [fill(rng, rng.choice(REDDIT_DETAILS[lang][mood]), lang, "app", mood)]
        if rng.random() < 0.5:
            parts.append(fill(rng, rng.choice(REDDIT_DETAILS[lang]["neu"]), lang, "app", "neu"))
        parts.append(rng.choice(CLOSINGS[lang]))
        return "\n\n".join(p for p in parts if p)

    def organic_post(self, day: dt.date, intent: str, area: str, sub: str | None = None) -> RNode:
        rng = self.rng
        author = self.pick_user("en")
        lang = "de" if author.lang == "de" and rng.random() < 0.8 else "en"
        title, area = compose(rng, lang, intent, area)
        title = title.replace("@lumora", "Lumora")
        if intent != "campaign":  # hashtags are an X habit; strip them from Reddit titles
            title = re.sub(r"\s*#\w+", "", title)
        sub = sub or rng.choices(list(SUBREDDITS), weights=(35, 25, 40))[0]
        post = self.submit(sample_ts(rng, day, author.tz), author, sub, title,
                           self.selftext(lang, intent), lang, intent, area)  # fmt: skip
        if rng.random() < 0.02:  # the author deleted the post later
            post.author, post.body, post.removed = None, "[deleted]", "deleted"
        return post

    def submissions(self) -> None:
        rng = self.rng
        for d, day in enumerate(DAYS):
            app_posts = 0
            for _ in range(round(10 * DAY_WEIGHTS[d])):
                intent, area = pick_intent(rng, day)
                app_posts += area == "app"
                self.organic_post(day, shift_intent(rng, day, intent, area), area)
            for _ in range(app_posts * shift_factor(day)):
                self.organic_post(day, "outage", "app", "Lumora")
        for row in scheduled(REDDIT_LEADER_POSTS, 4):
            body = "\n\n".join(REDDIT_LEADER_BODY)
            self.submit(at(int(row[0]), int(row[1]), rng), self.leader, "smarthome", row[4],
                        body, "en", row[3], row[2])  # fmt: skip
        for row in scheduled(REDDIT_OWNED_POSTS, 3):
            area = "app" if row[2] == "outage" else "hardware"
            self.submit(at(int(row[0]), int(row[1]), rng), self.owned, "Lumora", row[3],
                        "Details and FAQ below. We read every comment.", "en", row[2], area,
                        stickied=True)  # fmt: skip
        for n in range(4):  # spam: two already removed by the mods, two still up
            ts, sub = sample_ts(rng, DAYS[4 + n], -5), ("smarthome", "homeautomation")[n % 2]
            title = "Lumora Bulbs 80% OFF this week only"
            post = self.submit(ts, self.spammer, sub, title, "", "en", "spam", "hardware")
            post.link = SPAM_URL if n >= 2 else ""
            post.removed, post.body = ("moderator", "[removed]") if n < 2 else ("", "")

    # -- comments
    def comment(self, post: RNode, parent: RNode, ts: dt.datetime) -> RNode:
        rng = self.rng
        author = self.commenter(post, parent)
        lang = post.lang
        stance = rng.choice(stances_for(post.intent, post.area))
        if author is self.owned:
            stance, lang = "support", "en"
        body = reply_body(rng, lang, stance, post.area)
        if rng.random() < 0.3:  # Reddit comments run longer than tweets
            mood = (
                "neg" if stance in ("outage", "agree") and MOOD.get(post.intent) == "neg" else "neu"
            )
            detail = fill(rng, rng.choice(REDDIT_DETAILS[lang][mood]), lang, post.area, mood)
            body = f"{body}{'' if body[-1] in '.!?' else '.'} {detail}"
        if parent.kind == "t1" and rng.random() < 0.1 and parent.body[:1] != "[":
            body = f"> {parent.body.splitlines()[0][:80]}\n\n{body}"
        if author is not self.leader and rng.random() < 0.03:
            body += f" u/{self.leader.name} wrote a good breakdown on this."
        node = RNode("t1", ts, author, post.sub, body, lang, "comment", post.area, post=post,
                     parent=parent)  # fmt: skip
        node.score = int(rng.paretovariate(1.3)) - (3 if rng.random() < 0.05 else 0)
        if rng.random() < 0.06:
            node.edited = float(int(ts.timestamp()) + rng.randrange(300, 21_600))
        roll = rng.random()
        if roll < 0.03:  # deleted by its author: both author and body are gone
            node.author, node.body = None, "[deleted]"
        elif roll < 0.04:  # removed by a moderator
            node.author, node.body = None, "[removed]"
        parent.children.append(node)
        self.comments.append(node)
        return node

    def commenter(self, post: RNode, parent: RNode) -> RUser:
        rng = self.rng
        support = post.sub == "Lumora" and post.intent in ("bug_report", "outage")
        if support and parent is post and rng.random() < 0.35:
            return self.owned
        op = post.author  # the original poster often answers replies
        if parent.kind == "t1" and op not in (None, parent.author) and rng.random() < 0.25:
            return op  # type: ignore[return-value]
        while True:
            user = self.pick_user(post.lang)
            if user is not parent.author:
                return user

    def grow(self, post: RNode, n: int) -> None:
        """Grow a comment tree: often answering the newest comment, which makes deep chains."""
        rng = self.rng
        nodes: list[RNode] = []
        for _ in range(n):
            roll = rng.random()
            parent = (
                post if not nodes or roll < 0.35 else nodes[-1] if roll < 0.7 else rng.choice(nodes)
            )
            parent = post if parent.depth >= 7 else parent
            ts = later(rng, parent.ts, 90)
            if ts < WINDOW_END:
                nodes.append(self.comment(post, parent, ts))
        if len(nodes) >= 6 and rng.random() < 0.45:
            target = rng.choice([post, *nodes[:4]])
            for _ in range(rng.randint(2, 6)):  # ids only: the API hides them behind "more"
                ghost = RNode("ghost", later(rng, target.ts, 120), None, post.sub, "", "", "", "")
                target.hidden.append(ghost)
                self.comments.append(ghost)

    def threads(self) -> None:
        rng = self.rng
        for post in list(self.posts):
            n = int(rng.expovariate(1 / 3.3))
            if post.author is self.leader:
                n += rng.randint(18, 30)
            elif post.author is self.owned:
                n += rng.randint(4, 12)
            self.grow(post, n if post.removed != "moderator" else 0)

    def assign_ids(self) -> None:
        # Reddit ids are base36 counters: later things get larger ids.
        for nodes, base, rate in ((self.posts, 36**6 * 3, 0.4), (self.comments, 36**6 * 29, 25)):
            nodes.sort(key=lambda n: n.ts)
            last = 0
            for node in nodes:
                seconds = (node.ts - WINDOW_START).total_seconds()
                last = max(last + 1, base + int(seconds * rate) + self.rng.randrange(3))
                node.id = to_b36(last)

    def build(self) -> None:
        self.make_users()
        self.submissions()
        self.threads()
        self.assign_ids()

    # -- JSON
    def t3_json(self, p: RNode) -> dict[str, Any]:
        permalink = f"/r/{p.sub}/comments/{p.id}/{slug(p.title)}/"
        data: dict[str, Any] = {"id": p.id, "name": p.fullname, "title": p.title}
        data |= {"selftext": p.body if not p.link else "", "author": author_name(p)}
        if p.author is not None:
            data["author_fullname"] = "t2_" + p.author.id
        data |= {"subreddit": p.sub, "subreddit_id": SUBREDDITS[p.sub]}
        data |= {"subreddit_name_prefixed": f"r/{p.sub}", "created_utc": p.ts.timestamp()}
        data |= {"score": p.score, "ups": p.score, "downs": 0, "upvote_ratio": p.ratio}
        data |= {"num_comments": p.count(), "permalink": permalink}
        data |= {"url": p.link or f"https://www.reddit.com{permalink}", "is_self": not p.link}
        data |= {"over_18": False, "stickied": p.stickied, "removed_by_category": p.removed or None}
        return {"kind": "t3", "data": data | {"link_flair_text": FLAIRS[p.sub].get(p.intent)}}

    def t1_json(self, c: RNode) -> dict[str, Any]:
        post = c.post
        assert post is not None and c.parent is not None
        data: dict[str, Any] = {"id": c.id, "name": c.fullname, "body": c.body}
        data["author"] = author_name(c)
        if c.author is not None:
            data["author_fullname"] = "t2_" + c.author.id
        data |= {"parent_id": c.parent.fullname, "link_id": post.fullname}
        data |= {"created_utc": c.ts.timestamp(), "score": c.score, "ups": c.score}
        data["permalink"] = f"/r/{c.sub}/comments/{post.id}/{slug(post.title)}/{c.id}/"
        data |= {"subreddit": c.sub, "subreddit_id": SUBREDDITS[c.sub], "depth": c.depth}
        kids = self.children_json(c, c.depth + 1)
        data["replies"] = listing(kids) if kids else ""
        data["controversiality"] = int(c.score < 0)
        return {"kind": "t1", "data": data | {"edited": c.edited if c.edited else False}}

    def children_json(self, node: RNode, depth: int) -> list[dict[str, Any]]:
        out = [self.t1_json(c) for c in node.children]
        if node.hidden:
            ids = [g.id for g in node.hidden]
            more = {"count": len(ids), "name": "t1_" + ids[0], "id": ids[0]}
            more |= {"parent_id": node.fullname, "depth": depth, "children": ids}
            out.append({"kind": "more", "data": more})
        return out

    def bodies(self) -> list[Any]:
        """Listings per subreddit, then one comment page per post, then user profiles."""
        out: list[Any] = []
        newest = sorted(self.posts, key=lambda p: p.ts, reverse=True)
        for sub in SUBREDDITS:
            posts = [p for p in newest if p.sub == sub]
            for i in range(0, len(posts), REDDIT_PAGE):
                chunk = posts[i : i + REDDIT_PAGE]
                after = "t3_" + chunk[-1].id if i + REDDIT_PAGE < len(posts) else None
                out.append(listing([self.t3_json(p) for p in chunk], after, len(chunk)))
        for p in newest:
            if p.count():
                out.append([listing([self.t3_json(p)], None, 1), listing(self.children_json(p, 0))])
        for user in sorted(self.active_users(), key=lambda u: u.name.lower()):
            out.append(user.about())
        return out

    def active_users(self) -> list[RUser]:
        seen: dict[str, RUser] = {}
        for node in self.posts + self.comments:
            if node.author is not None:
                seen.setdefault(node.author.id, node.author)
        return list(seen.values())


def author_name(node: RNode) -> str:
    return node.author.name if node.author is not None else "[deleted]"


# ---------------------------------------------------------------- output
def manifest(x: XBuilder, x_pages: list[dict[str, Any]], rd: RedditBuilder, seed: int) -> dict:
    """What was planted, so tests and demos can check the pipeline finds it."""
    data = [t for t in x.tweets if t.in_data]
    comments = [c for c in rd.comments if c.kind == "t1"]
    both = [*data, *rd.posts, *comments]
    return {
        "seed": seed,
        "generator": "ingest/sample/generate.py",
        "window": {"start": iso_x(WINDOW_START), "end": iso_x(WINDOW_END)},
        "files": {"x_search.jsonl": len(x_pages), "reddit.jsonl": len(rd.bodies())},
        "counts": {
            "total_posts": len(both),
            "by_platform": {"x": len(data), "reddit": len(rd.posts) + len(comments)},
            "by_language": tally(n.lang for n in both),
            "by_intent": tally(n.intent if n.kind in ("original", "t3") else n.kind for n in both),
            "x": x_counts(x, x_pages, data),
            "reddit": reddit_counts(rd, comments),
        },
        "campaign": {
            "name": "Glow Week",
            "start": iso_x(CAMPAIGN_START),
            "end": iso_x(CAMPAIGN_END),
            "hashtags": [f"#{tag}" for tag in CAMPAIGN_TAGS],
            "owned_accounts": {
                "x": {"id": OWNED_X_ID, "username": OWNED_X_NAME},
                "reddit": {"id": rd.owned.id, "name": OWNED_REDDIT},
            },
            "x_hashtag_posts_by_day": tally(
                t.ts.date().isoformat() for t in data if re.search(CAMPAIGN_RE, t.text, re.I)
            ),
        },
        "opinion_leaders": leaders_summary(x, rd),
        "sentiment_shift": {
            "date": SHIFT_DAY.isoformat(),
            "product": "Lumora App",
            "area": "app",
            "cause": "app update 5.2 breaks schedules; fix 5.2.1 ships that evening",
            "tapers_on": (SHIFT_DAY + dt.timedelta(days=1)).isoformat(),
            "app_posts_by_day": tally(n.ts.date().isoformat() for n in both if n.area == "app"),
        },
        "spam": {
            "x_author_ids": [u.id for u in x.bots],
            "x_usernames": [u.username for u in x.bots],
            "x_tweets": sum(t.intent == "spam" for t in data),
            "reddit_authors": [{"id": rd.spammer.id, "name": rd.spammer.name}],
        },
        "duplicates": duplicates(x_pages, data),
        "missing_referenced_tweets": {
            "ids": {t.id: t.gone for t in x.tweets if t.gone},
            "pages": [n + 1 for n, page in enumerate(x_pages) if "errors" in page],
        },
    }


CAMPAIGN_RE = r"#(LumoraGlow|GlowWeek)\b"


def tally(items: Any) -> dict[str, int]:
    return dict(sorted(Counter(items).items()))


def x_counts(x: XBuilder, x_pages: list[dict[str, Any]], data: list[Tweet]) -> dict[str, Any]:
    users = {u["id"]: 0 for page in x_pages for u in page["includes"]["users"]}
    return {
        "tweets": len(data),
        "by_kind": tally(t.kind for t in data),
        "by_lang": tally(t.lang for t in data),
        "pages": len(x_pages),
        "authors": len({t.author.id: 0 for t in data}),
        "users_in_includes": len(users),
        "includes_only_tweet_ids": [t.id for t in x.tweets if not t.in_data and not t.gone],
        "edited_tweet_ids": [t.id for t in data if t.prev_id],
    }


def reddit_counts(rd: RedditBuilder, comments: list[RNode]) -> dict[str, Any]:
    nodes = rd.posts + comments
    return {
        "submissions": len(rd.posts),
        "comments": len(comments),
        "by_lang": tally(n.lang for n in nodes),
        "by_subreddit": tally(p.sub for p in rd.posts),
        "authors": len(rd.active_users()),
        "deleted": sum(n.body == "[deleted]" for n in nodes),
        "removed": sum(n.body == "[removed]" for n in nodes),
        "hidden_behind_more": sum(c.kind == "ghost" for c in rd.comments),
        "max_comment_depth": max(c.depth for c in comments),
    }


def duplicates(x_pages: list[dict[str, Any]], data: list[Tweet]) -> dict[str, Any]:
    ids = [t["id"] for page in x_pages for t in page["data"]]
    texts: dict[str, list[str]] = {}
    for t in data:
        if t.kind != "retweet":  # retweets repeat their original by design
            texts.setdefault(t.text, []).append(t.id)
    return {
        "x_page_overlap_tweet_ids": [i for i, n in Counter(ids).items() if n > 1],
        "x_page_overlap_pages": [DUP_PAGE, DUP_PAGE + 1],
        "x_planted_copypasta": {"text": COPYPASTA, "ids": texts.get(COPYPASTA, [])},
        "x_exact_duplicate_texts": [{"text": k, "ids": v} for k, v in texts.items() if len(v) > 1],
    }


def leaders_summary(x: XBuilder, rd: RedditBuilder) -> list[dict[str, Any]]:
    out = []
    for leader in x.leaders:
        own = [t for t in x.tweets if t.author is leader and t.kind == "original"]
        engaged = [t for t in x.tweets if t.author is not leader and t.refs()]
        engaged = [t for t in engaged if any(r.author is leader for _, r in t.refs())]
        out.append({
            "platform": "x", "id": leader.id, "username": leader.username,
            "followers": leader.followers, "topic": leader.topic, "lang": leader.lang,
            "posts": len(own), "retweets": sum(t.kind == "retweet" for t in engaged),
            "quotes": sum(t.kind == "quote" for t in engaged),
            "replies": sum(t.kind == "reply" for t in engaged),
            "distinct_engagers": len({t.author.id: 0 for t in engaged}),
        })  # fmt: skip
    posts = [p for p in rd.posts if p.author is rd.leader]
    on_posts = [c for c in rd.comments if c.kind == "t1" and c.post in posts]
    out.append({
        "platform": "reddit", "id": rd.leader.id, "username": rd.leader.name,
        "total_karma": rd.leader.link_karma + rd.leader.comment_karma, "topic": "pricing",
        "lang": "en", "posts": len(posts), "comments_received": len(on_posts),
        "distinct_engagers": len({c.author.id: 0 for c in on_posts if c.author}),
    })  # fmt: skip
    return out


def write_jsonl(path: pathlib.Path, bodies: list[Any]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for body in bodies:
            handle.write(dumps(body) + "\n")


def generate(out_dir: pathlib.Path, seed: int = SEED) -> dict:
    """Write x_search.jsonl, reddit.jsonl and manifest.json into `out_dir`; return the manifest."""
    rng = random.Random(seed)
    x = XBuilder(rng)
    x.build()
    rd = RedditBuilder(rng)
    rd.build()
    x_pages = x.pages()
    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(out_dir / "x_search.jsonl", x_pages)
    write_jsonl(out_dir / "reddit.jsonl", rd.bodies())
    summary = manifest(x, x_pages, rd, seed)
    text = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    (out_dir / "manifest.json").write_text(text, encoding="utf-8", newline="\n")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = pathlib.Path(__file__).resolve().parent / "data"
    parser.add_argument("--out", type=pathlib.Path, default=default, help="output directory")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    counts = generate(args.out, args.seed)["counts"]
    print(json.dumps(counts["by_platform"] | {"total": counts["total_posts"]}))


if __name__ == "__main__":
    main()
