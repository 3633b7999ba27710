"""What a fluent reader of each language found, kept: plural forms, list punctuation,
message contexts and words that do not say what was meant."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from participation.channels.sms import replies
from participation.consultations.service import standard_options
from participation.i18n import catalogs
from participation.i18n.formatting import local_list, local_list_start
from participation.rendering import build_environment
from participation.settings import LANGUAGES, PROJECT_ROOT
from participation.sitepages.defaults import DEFAULT_PAGES

CLDR_ARABIC = (
    "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
    "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);"
)


def _catalog(locale: str):
    path = PROJECT_ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _strings(locale: str) -> dict[str, str]:
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): (
            m.string if isinstance(m.string, str) else " || ".join(m.string)
        )
        for m in _catalog(locale)
        if m.id and not m.context
    }


# --- Arabic ------------------------------------------------------------------------------


def test_arabic_plural_header_is_in_cldr_order() -> None:
    # zero, one, two, few (3-10), many (11-99), other (100-102, ...): the order
    # translation tools assume when they label the six forms.
    assert _catalog("ar").plural_forms == CLDR_ARABIC


@pytest.mark.parametrize(
    ("n", "word"),
    [(0, "لا توجد"), (1, "واحد"), (2, "تعليقان"), (5, "تعليقات"), (11, "تعليقًا"), (100, "تعليق")],
)
def test_arabic_counts_take_their_own_form(n: int, word: str) -> None:
    text = catalogs.translations("ar").ngettext("%(num)s comment", "%(num)s comments", n)
    assert word in text
    if n == 100:
        assert "تعليقًا" not in text and "تعليقات" not in text


def test_every_arabic_plural_has_six_filled_forms_and_a_zero_of_its_own() -> None:
    for message in _catalog("ar"):
        if isinstance(message.id, tuple):
            assert len(message.string) == 6 and all(message.string), message.id
            if "%(confirm)s" not in message.string[0] and "ثانية" not in message.string[0]:
                # Zero is said as "none", not as "0" with the plural of 3-10.
                assert message.string[0] != message.string[3], message.id


def test_reported_agrees_with_the_masculine_comment() -> None:
    ar = _strings("ar")
    for key in ("Reported", "reported by readers"):
        assert "عنه" in ar[key] and "عنها" not in ar[key], key


def test_arabic_lists_use_arabic_conjunctions_not_ascii_commas() -> None:
    reply = replies.vote_options(
        "ar", code="4711", options=[(1, "نعم"), (2, "لا"), (3, "لم أقرر بعد")]
    )
    assert "أو" in reply and "," not in reply
    assert local_list(["4711", "4712", "4713"], language="ar") == "4711 و4712 و4713"
    assert local_list_start(["4711", "4712"], language="de") == "4711, 4712"


def test_german_vote_options_read_as_a_sentence() -> None:
    reply = replies.vote_options("de", code="4711", options=[(1, "Ja"), (2, "Nein")])
    assert "1 Ja oder 2 Nein" in reply


def test_standard_poll_answers_come_from_the_catalogs() -> None:
    labels = standard_options()["undecided"]
    assert set(labels) == set(LANGUAGES.values())
    assert labels["ar"] == catalogs.translations("ar").gettext("Undecided") == "لم أقرر بعد"
    assert labels["de"] == "Unentschieden"
    # Not a masculine "I have not decided" in Russian and Ukrainian.
    assert labels["ru"] != "Не определился" and labels["uk"] != "Не визначився"


# --- A person's name is not a thing's name ------------------------------------------------


@pytest.mark.parametrize(
    ("language", "person", "thing"),
    [("ru", "Имя", "Название"), ("uk", "Ім’я", "Назва"), ("pl", "Imię i nazwisko", "Nazwa")],
)
def test_a_persons_name_has_its_own_context(language: str, person: str, thing: str) -> None:
    env = build_environment()
    token = catalogs.current_language.set(language)
    try:
        rendered = env.from_string('{{ pgettext("person", "Name") }}|{{ _("Name") }}').render()
    finally:
        catalogs.current_language.reset(token)
    assert rendered == f"{person}|{thing}"


def test_the_staff_accounts_page_asks_for_a_persons_name() -> None:
    source = (PROJECT_ROOT / "templates" / "staff" / "accounts.html").read_text()
    assert source.count('pgettext("person", "Name")') == 2
    assert '_("Name")' not in source


def test_polish_names_a_person_not_a_thing() -> None:
    pl = _strings("pl")
    for key in (
        "Name shown",
        "Name shown with your comment",
        "Name to show with the comment",
        "You may use a made-up name. Leave it empty to appear as anonymous.",
        "Only if the resident wants a name shown; a made-up name is fine.",
    ):
        assert not re.search(r"\bnazw(a|y|ę|ie|ą)\b", pl[key], re.IGNORECASE), (key, pl[key])


# --- Turkish -----------------------------------------------------------------------------


def test_turkish_texts_say_resident_not_citizen_and_show_turkish_keywords() -> None:
    tr = _strings("tr")
    offenders = [k for k, v in tr.items() if re.search(r"vatanda[şs]", v, re.IGNORECASE)]
    assert not offenders
    assert not [k for k, v in tr.items() if re.search(r"\b(BILGI|BASLA)\b", v)]
    assert (
        "atarız"
        not in tr["Staff will assign your text. Next time start with the code: %(choices)s"]
    )


def test_no_turkish_suffix_is_glued_to_a_placeholder() -> None:
    # "%(number)s'e" agrees with one number and not the next: the suffix belongs on a word.
    tr = _strings("tr")
    assert not [k for k, v in tr.items() if re.search(r"\)s['’]", v)]


# --- English ------------------------------------------------------------------------------


def test_english_wording() -> None:
    en = _strings("en")
    assert en["Imprint"] == "Legal notice"
    assert (
        "expired"
        in en[
            "For your safety this form had expired. Your text is still here: please check it and "
            "send it again."
        ]
    )


# --- Polish, Russian, Ukrainian -------------------------------------------------------------

#: "ty" forms: the possessive, the pronoun and the second person singular of the verbs the
#: texts (the catalog and the site pages) used; German says "Sie", Polish says "Państwo",
#: "proszę" or nothing personal.
POLISH_TY = re.compile(
    r"\b(twój|twoja|twoje|twojego|twojemu|twoim|twoją|twojej|twoich|ci|cię|ciebie|tobie|"
    r"masz|możesz|znasz|chcesz|jesteś|usłyszysz|korzystasz|odpowiesz|zostawisz|dostaniesz|otrzymasz|"
    r"sprawdzisz|mówisz|słyszysz|zapomnisz|spodziewasz|"
    r"bierzesz|potrzebujesz|wysyłasz|przesyłasz|wyślesz|podasz|prosisz|poprosisz|musisz|"
    r"dostajesz|zobaczysz|znajdziesz|przeczytasz|wybrałeś|wybrałaś|natrafiłeś|natrafiłaś)\b",
    re.IGNORECASE,
)
#: Sentences that tell the reader what to do with a bare imperative ("Wpisz tytuł.").
POLISH_BARE_IMPERATIVE = re.compile(
    r"(^|[.:;!?] )(Wpisz|Podaj|Sprawdź|Wybierz|Naciśnij|Naciskaj|Spróbuj|Wyślij|Napisz|"
    r"Zadzwoń|Przyjdź|Powiedz|Wróć|Otwórz|Użyj|Zostaw|Poczekaj|Odczekaj|Przekaż|Zeskanuj|"
    r"Zainstaluj|Opisz|Mów|Zapisz go|Zapisz ten)\b[^.]*\.",
)


def _polish_is_informal(text: str, *, any_case: bool = False) -> bool:
    """Whether ``text`` says "ty" or tells the reader what to do with a bare imperative;
    ``any_case`` also finds the imperative after a label ("W internecie: wybierz ...")."""
    imperative = POLISH_BARE_IMPERATIVE
    if any_case:
        imperative = re.compile(imperative.pattern, imperative.flags | re.IGNORECASE)
    return bool(POLISH_TY.search(text) or imperative.search(text))


def _markdown_blocks(markdown: str) -> list[str]:
    """Headings, list items and paragraphs of a Markdown text, each as one line of plain
    text: every block starts a sentence, as it does for the reader."""
    text = re.sub(r"\]\([^)]*\)", "]", markdown)
    text = re.sub(r"[*\[\]<>]", "", text)
    blocks: list[list[str]] = []
    for line in text.splitlines():
        start = re.match(r"\s*(#+|-|\d+\.)\s+", line)
        if start or not line.strip() or not blocks or not blocks[-1]:
            blocks.append([])
        if line.strip():
            blocks[-1].append(line[start.end() :] if start else line.strip())
    return [" ".join(block) for block in blocks if block]


def test_polish_addresses_people_formally() -> None:
    offenders = [
        f"{key!r}: {text}" for key, text in _strings("pl").items() if _polish_is_informal(text)
    ]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("slug", sorted(DEFAULT_PAGES))
def test_polish_site_pages_address_people_formally(slug: str) -> None:
    # The built-in pages speak to residents as the interface does: "Państwo", "proszę",
    # or impersonally, never "ty".
    title, body = DEFAULT_PAGES[slug]["pl"]
    offenders = [
        block
        for block in [title, *_markdown_blocks(body)]
        if _polish_is_informal(block, any_case=True)
    ]
    assert not offenders, "\n".join(offenders)


def test_polish_phone_prompts_say_prosze() -> None:
    pl = _strings("pl")
    assert pl["To vote, press 2."] == "Aby zagłosować, proszę nacisnąć 2."


@pytest.mark.parametrize(
    ("language", "start"),
    [("ru", "Наберите номер телефона, по которому"), ("uk", "Наберіть номер телефону, за яким")],
)
def test_call_back_prompt_says_whose_number_before_the_area_code(language: str, start: str) -> None:
    # "номер телефона с кодом города, по которому ..." reads as the city we call back by.
    key = (
        "Please type the phone number on which we can call you back, with the area code, "
        "and then press the hash key."
    )
    assert _strings(language)[key].startswith(start)
