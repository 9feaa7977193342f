"""English fragments for compose_posts.py (all written for this project)."""

from __future__ import annotations

import random

from compose_chance import maybe as _maybe
from compose_chance import short_url as _url

WHEN = [
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "this weekend",
    "next week",
    "tomorrow",
    "tonight",
    "on the 3rd",
    "on the 12th",
    "on the 21st",
    "in March",
    "in the autumn",
    "from January",
    "later today",
    "on Sunday",
    "next month",
    "at noon",
    "by the end of the year",
    "after the summer",
    "on 1 July",
]
NEWS_SUBJECTS = [
    "The city council",
    "The health ministry",
    "The transport union",
    "Opposition leaders",
    "The regional government",
    "The prime minister",
    "The foreign minister",
    "Parliament",
    "The supreme court",
    "The mayor",
    "The finance committee",
    "The teachers' union",
    "The environment agency",
    "Police",
    "The state governor",
    "The election commission",
    "Farmers' groups",
    "The statistics office",
    "The university",
    "Hospital managers",
]
NEWS_ACTIONS = [
    "will present its plan for new housing",
    "is expected to announce a decision",
    "meets to discuss the budget",
    "publishes its annual report",
    "will vote on the proposal",
    "holds a press conference",
    "responds to the review",
    "outlines changes to the school calendar",
    "releases figures on road safety",
    "opens a consultation on parking rules",
    "is set to name a new chief",
    "will hear the case",
    "reviews the water prices",
    "presents the results of the survey",
    "debates the new energy law",
    "confirms the date of the next election",
    "will update the travel guidance",
    "comments on the findings",
    "starts talks with the other parties",
    "moves the meeting to a larger hall",
]
NEWS_TAILS = [
    "",
    "",
    "",
    " (live updates)",
    " #politics",
    " #news",
    " - full story below",
    "...",
    " via @user",
    " | Local news",
]


def news_headline(rng: random.Random) -> str:
    text = f"{rng.choice(NEWS_SUBJECTS)} {rng.choice(NEWS_ACTIONS)} {rng.choice(WHEN)}"
    text += rng.choice(NEWS_TAILS)
    return text + (" " + _url(rng) if rng.random() < 0.5 else "")


COMPANY_NEWS = {
    "airline": (
        ["SkyNord", "Aerolux", "BlueJet", "FlyOra", "Transatlantica"],
        [
            "adds four routes to the Mediterranean",
            "orders 20 new aircraft",
            "changes its hand luggage rules",
            "reports passenger numbers for October",
            "opens a new lounge in Terminal 2",
            "names a new chief executive",
            "moves its winter schedule forward",
            "resumes flights to Marrakesh",
            "will charge for seat selection on short routes",
            "and the pilots' union agree to further talks",
        ],
    ),
    "rail": (
        ["The rail operator", "Northline Rail", "Metro Express", "The regional railway"],
        [
            "publishes its new timetable",
            "plans engineering works on the coast line",
            "orders 30 new trains",
            "extends the night service to Saturdays",
            "reports punctuality figures for the quarter",
            "trials new ticket machines",
            "closes the old depot",
            "adds carriages on the morning services",
        ],
    ),
    "telecom": (
        ["Telvio", "NetLinea", "Mobiqo"],
        [
            "launches a new SIM-only plan",
            "expands fibre to 40 more towns",
            "switches off its 3G network in the east",
            "reports third-quarter results",
            "announces price changes from April",
            "opens a flagship store downtown",
            "partners with a streaming service",
            "tests 5G on the underground",
        ],
    ),
    "retail": (
        ["ShopMarlo", "Greenbasket", "Casa Verde Home", "Urbanwear"],
        [
            "opens its first store in the city",
            "publishes holiday opening hours",
            "reports sales for the Christmas season",
            "tests cashier-free checkout",
            "extends its return window to 60 days",
            "plans 300 new jobs in logistics",
            "moves its warehouse to the port",
            "launches a second-hand section",
        ],
    ),
    "software": (
        ["Pixelnote", "Trackly", "Codera", "Streamly"],
        [
            "releases version 5 of its app",
            "adds a cheaper plan with ads",
            "moves its servers to Europe",
            "hires a new head of product",
            "publishes its transparency report",
            "opens a public beta",
            "changes its subscription prices",
            "acquires a small design startup",
        ],
    ),
    "hardware": (
        ["Voltix", "Sonaro", "Kernwerk", "Lumex"],
        [
            "unveils a new line of laptops",
            "delays its smartwatch to spring",
            "cuts the price of its older phones",
            "opens a repair centre",
            "confirms a launch event on the 9th",
            "recalls a batch of chargers",
            "moves production to a new plant",
            "reports a fall in tablet sales",
        ],
    ),
    "banking": (
        ["Finoro", "Civic Bank", "Northern Savings", "Ambra Bank"],
        [
            "raises its savings rate to 2.1%",
            "closes 40 branches next year",
            "launches a new mobile app",
            "reports quarterly profit",
            "changes the fees on current accounts",
            "names a new finance chief",
            "will stop issuing cheque books",
            "opens accounts for teenagers",
        ],
    ),
}


def company_news(domain: str):
    names, actions = COMPANY_NEWS[domain]

    def make(rng: random.Random) -> str:
        text = f"{rng.choice(names)} {rng.choice(actions)}"
        text += _maybe(rng, [" " + w for w in WHEN], 0.4)
        text += _maybe(
            rng,
            [
                ", the company said",
                ", according to a statement",
                ", reports say",
                " #business",
                " (Reuters)",
            ],
            0.4,
        )
        return text + (" " + _url(rng) if rng.random() < 0.45 else "")

    return make


EVENTS = [
    "the match",
    "the concert",
    "the premiere",
    "the season finale",
    "the derby",
    "the festival",
    "the game",
    "the gig",
    "the final",
    "the show",
    "the new episode",
    "the fight",
    "the race",
    "the album launch",
    "the comedy night",
    "the parade",
    "the book signing",
    "the playoffs",
    "the quiz night",
    "the fireworks",
]
NEUTRAL_EVENT = [
    "Anyone going to {e} {w}?",
    "{E} is {w}, starts at 8",
    "Who's watching {e} {w}?",
    "Reminder: {e} is {w}",
    "Is {e} on tv {w}?",
    "Not sure yet if I go to {e} {w}",
    "Heading to {e} {w} with @user",
    "What time does {e} start {w}?",
    "{E} {w} has moved to the bigger hall",
    "Tickets for {e} {w} go on sale at 10",
    "Is {e} {w} sold out?",
    "Working late so I'll miss {e} {w}",
]
HAPPY_EVENT = [
    "Can't wait for {e} {w}!",
    "So excited for {e} {w} 🎉",
    "{E} {w}!!! let's go",
    "Counting the hours until {e} {w} 😍",
    "Got tickets for {e} {w}!! buzzing",
    "Best part of the week: {e} {w}",
    "Finally {e} {w}, been waiting forever",
    "Ready for {e} {w} with my favourite people ❤️",
    "{E} {w}, I'm so hyped",
    "Really looking forward to {e} {w}",
]
SAD_EVENT = [
    "{E} {w} got cancelled. gutted",
    "Can't make it to {e} {w}, so annoyed",
    "{E} {w} is postponed again, I give up",
    "Sold out before I could even log in. {E} {w}, gone",
    "Rain means {e} {w} is off. typical",
    "Missing {e} {w} because of work. worst",
]


def event_post(templates: list[str]):
    def make(rng: random.Random) -> str:
        e, w = rng.choice(EVENTS), rng.choice(WHEN)
        text = rng.choice(templates).format(e=e, E=e[0].upper() + e[1:], w=w)
        return text + _maybe(rng, [" #weekend", " #tonight", " @user", " lol", " 🙌", ""], 0.3)

    return make


PROBLEMS = {
    "airline": [
        "Flight delayed",
        "Flight cancelled",
        "Bag still missing",
        "Refund still pending",
        "Rebooking impossible",
        "Seat I paid for not available",
    ],
    "rail": [
        "Train cancelled",
        "Train late again",
        "Signal failure",
        "Rail replacement bus again",
        "No seat reservation honoured",
        "Delay repay claim ignored",
    ],
    "telecom": [
        "Internet down",
        "No signal at home",
        "Router dead again",
        "Bill wrong again",
        "Line still not connected",
        "Mobile data not working",
    ],
    "retail": [
        "Order still not shipped",
        "Parcel lost",
        "Refund still not here",
        "Wrong item delivered",
        "Delivery slot missed",
        "Return not processed",
    ],
    "software": [
        "App crashing on start",
        "Sync broken",
        "Account locked",
        "Update wiped my settings",
        "Login loop again",
        "Export broken",
    ],
    "hardware": [
        "Laptop dead",
        "Charger broken",
        "Screen flickering",
        "Repair still not back",
        "Earbuds not pairing",
        "Replacement faulty too",
    ],
    "banking": [
        "Transfer still pending",
        "Card blocked again",
        "App down",
        "Fee charged twice",
        "Fraud refund still not here",
        "Branch appointment cancelled",
    ],
}
DURATIONS = [
    "for the third time this week",
    "since Monday",
    "for 3 hours now",
    "for 2 weeks",
    "since yesterday",
    "for a month",
    "again today",
    "for 40 minutes",
    "for the 2nd day in a row",
    "since the 4th",
]
EFFECTS = [
    "Missed my meeting.",
    "Nobody answers the phone.",
    "Support says to wait.",
    "Third ticket opened, no reply.",
    "Lost a whole day.",
    "Had to take a taxi.",
    "Still no explanation.",
    "On hold for an hour.",
    "Chat bot just loops.",
    "And they still want full price.",
    "Kids waiting in the cold.",
    "Can't work like this.",
]
CLOSERS = [
    "",
    "",
    " Done with this.",
    " Unreal.",
    " Not acceptable.",
    " 🙄",
    " Seriously?",
    " Every single time.",
    " Thanks for nothing.",
    " Why is this so hard",
]
HANDLES = {
    "airline": ["@SkyNordAir", "@Aerolux", "@FlyOra"],
    "rail": ["@NorthlineRail", "@MetroExpress"],
    "telecom": ["@Telvio", "@NetLinea", "@Mobiqo"],
    "retail": ["@ShopMarlo", "@Greenbasket"],
    "software": ["@Pixelnote", "@Trackly"],
    "hardware": ["@Voltix", "@SonaroAudio"],
    "banking": ["@Finoro", "@CivicBank"],
}


def complaint(domain: str):
    def make(rng: random.Random) -> str:
        text = f"{rng.choice(PROBLEMS[domain])} {rng.choice(DURATIONS)}. {rng.choice(EFFECTS)}"
        text += rng.choice(CLOSERS)
        if rng.random() < 0.4:
            text = f"{rng.choice(HANDLES[domain])} {text}"
        return text

    return make


STAFF = {
    "airline": ["the crew on my flight", "the gate agent", "the lady at check-in", "the pilot"],
    "rail": ["the conductor", "the guy at the ticket office", "the station staff", "the driver"],
    "telecom": ["the support agent", "the technician", "the guy in the shop"],
    "retail": ["the cashier", "the delivery driver", "the staff at the store", "customer service"],
    "banking": ["my advisor", "the fraud team", "the branch staff", "the support line"],
}
DEEDS = [
    "sorted everything in five minutes",
    "went out of their way for us",
    "was so patient with my mum",
    "fixed it without me even asking",
    "stayed late to help",
    "made a stressful day so much easier",
    "was really kind today",
    "found a solution nobody else could",
]
THANKS = [
    "Shoutout to {s}, {d}",
    "Huge thanks to {s} who {d}",
    "Honestly {s} {d}. Thank you!",
    "Big up {s}, {d} 🙏",
    "Have to say {s} {d}. Good service still exists",
]


def thanks(domain: str):
    def make(rng: random.Random) -> str:
        return rng.choice(THANKS).format(s=rng.choice(STAFF[domain]), d=rng.choice(DEEDS))

    return make


SPAM_OPENERS = [
    "🔥 FLASH SALE 🔥",
    "LAST CHANCE!!!",
    "🎁 GIVEAWAY 🎁",
    "💰 Earn from home 💰",
    "NEW DROP",
    "⚡ Deal of the day ⚡",
    "Limited offer:",
]
SPAM_BODIES = [
    "{p}% off all {t} today only",
    "win a brand new {t}, follow + retweet to enter",
    "get {t} for just {p} euros, use code SAVE{p}",
    "free shipping on all {t} this weekend",
    "join our group for daily {t} deals",
    "buy one {t}, get one free",
]
SPAM_THINGS = [
    "sneakers",
    "headphones",
    "phones",
    "vitamins",
    "watches",
    "handbags",
    "candles",
    "gaming chairs",
    "skin care",
    "crypto tips",
]


def spam(rng: random.Random) -> str:
    body = rng.choice(SPAM_BODIES).format(
        p=rng.choice([20, 30, 40, 50, 60, 70]), t=rng.choice(SPAM_THINGS)
    )
    tags = rng.choice(["#deal #sale", "#giveaway #win", "#shopping", "#ad", "#promo", ""])
    return f"{rng.choice(SPAM_OPENERS)} {body} ➡️ {_url(rng)} {tags}".strip()


ENGLISH_KINDS = [
    ("neutral", "news", 110, news_headline),
    *[("neutral", domain, 22, company_news(domain)) for domain in COMPANY_NEWS],
    ("neutral", "entertainment", 70, event_post(NEUTRAL_EVENT)),
    ("positive", "entertainment", 70, event_post(HAPPY_EVENT)),
    ("negative", "entertainment", 30, event_post(SAD_EVENT)),
    *[("negative", domain, 16, complaint(domain)) for domain in PROBLEMS],
    *[("positive", domain, 12, thanks(domain)) for domain in STAFF],
    ("neutral", "spam", 40, spam),
]
