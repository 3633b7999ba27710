"""The SMS parser: pure text -> intent, keywords in seven languages, sloppy typing."""

import pytest

from participation.channels.sms.parser import (
    COMMANDS,
    SMS_LANGUAGES,
    VOTES,
    Intent,
    detect_languages,
    fold,
    keyword,
    parse_sms,
)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("HILFE", Intent.help),
        ("help", Intent.help),
        ("Yardım", Intent.help),
        ("YARDIM", Intent.help),
        ("ПОМОЩЬ", Intent.help),
        ("допомога", Intent.help),
        ("POMOC", Intent.help),
        ("مساعدة", Intent.help),
        ("STOP", Intent.stop),
        ("Stopp", Intent.stop),
        ("stop.", Intent.stop),
        ("UNSUBSCRIBE", Intent.stop),
        ("СТОП", Intent.stop),
        ("START", Intent.start),
        ("unstop", Intent.start),
        ("LÖSCHEN", Intent.delete),
        ("LOESCHEN", Intent.delete),
        ("loschen", Intent.delete),
        ("  Löschen!  ", Intent.delete),
        ("DELETE", Intent.delete),
        ("SİL", Intent.delete),
        ("sil", Intent.delete),
        ("УДАЛИТЬ", Intent.delete),
        ("ВИДАЛИТИ", Intent.delete),
        ("USUŃ", Intent.delete),
        ("usun", Intent.delete),
        ("حذف", Intent.delete),
        ("INFO 4711", Intent.info),
        ("4711", Intent.info),
        ("ERGEBNIS 4711", Intent.notify),
        ("4711 INFO JA", Intent.notify),
        ("info   4711   ja", Intent.notify),
    ],
)
def test_commands_in_every_language(text, intent):
    assert parse_sms(text).intent is intent


@pytest.mark.parametrize(
    ("text", "vote", "code"),
    [
        ("4711 JA", "yes", "4711"),
        ("4711 ja", "yes", "4711"),
        ("4711   Ja!", "yes", "4711"),
        ("JA 4711", "yes", "4711"),
        ("4711 YES", "yes", "4711"),
        ("4711 EVET", "yes", "4711"),
        ("4711 ДА", "yes", "4711"),
        ("4711 ТАК", "yes", "4711"),
        ("4711 TAK", "yes", "4711"),
        ("4711 نعم", "yes", "4711"),
        ("٤٧١١ نعم", "yes", "4711"),
        ("4711 NEIN", "no", "4711"),
        ("4711 hayır", "no", "4711"),
        ("4711 HAYIR", "no", "4711"),
        ("4711 НІ", "no", "4711"),
        ("4711 nie", "no", "4711"),
        ("4711 لا", "no", "4711"),
        ("4711 nie wiem", "undecided", "4711"),
        ("4711 НЕ ЗНАЮ", "undecided", "4711"),
        ("4711 لا أعرف", "undecided", "4711"),
        ("4711 weiß nicht", "undecided", "4711"),
        ("JA", "yes", None),
        ("nein", "no", None),
    ],
)
def test_poll_answers(text, vote, code):
    parsed = parse_sms(text)
    assert parsed.intent is Intent.vote
    assert parsed.vote == vote
    assert parsed.code == code
    assert parsed.text == ""


def test_answer_by_number_and_with_a_comment():
    parsed = parse_sms("4711 2")
    assert (parsed.intent, parsed.code, parsed.option_number) == (Intent.vote, "4711", 2)
    with_comment = parse_sms("4711 Ja, aber ohne Parkplätze wegzunehmen")
    assert with_comment.intent is Intent.vote
    assert with_comment.vote == "yes"
    assert with_comment.text == "Ja, aber ohne Parkplätze wegzunehmen"
    # "4711 2 Bänke mehr" is a comment that starts with a digit, not answer 2.
    assert parse_sms("4711 2 Bänke mehr").intent is Intent.contribute


def test_without_a_code_a_sentence_starting_with_no_is_a_comment():
    parsed = parse_sms("No parking on the square, please!")
    assert parsed.intent is Intent.contribute
    assert parsed.text == "No parking on the square, please!"


def test_commands_that_change_data_count_only_as_the_whole_message():
    assert parse_sms("Stopp den Durchgangsverkehr!").intent is Intent.contribute
    assert parse_sms("Löschen Sie bitte die Parkplätze").intent is Intent.contribute
    assert parse_sms("STOP").twilio_keyword is True  # Twilio answers and blocks itself
    assert parse_sms("STOPP").twilio_keyword is False  # not in Twilio's list: ours to confirm


@pytest.mark.parametrize(
    "text", ["STATUS 4711-2093", "status 47112093", "Status 4711 2093", "4711-2093", "47112093"]
)
def test_status_with_or_without_dash_or_spaces(text):
    from participation.contributions.reference import check_digit

    assert check_digit("4711209") == "3"  # the examples' number is a valid reference
    parsed = parse_sms(text)
    assert parsed.intent is Intent.status
    assert parsed.reference == "47112093"


def test_status_with_a_wrong_number_and_without_one():
    wrong = parse_sms("STATUS 4711-2094")
    assert wrong.intent is Intent.status
    assert wrong.reference is None and wrong.raw_argument == "4711-2094"
    alone = parse_sms("status")
    assert alone.intent is Intent.status and alone.raw_argument == ""


def test_contribution_keeps_the_persons_own_spacing_and_script():
    parsed = parse_sms("4711   Bitte mehr Bänke\nam Marktplatz")
    assert parsed.intent is Intent.contribute
    assert parsed.code == "4711"
    assert parsed.text == "Bitte mehr Bänke\nam Marktplatz"
    arabic = parse_sms("4712 نحتاج محطة قرب المدرسة، شكراً!")
    assert arabic.code == "4712"
    assert arabic.text == "نحتاج محطة قرب المدرسة، شكراً!"
    assert arabic.languages == ("ar",)


@pytest.mark.parametrize("text", ["", "   ", "😀👍", "!!!", "🇩🇪 ❤️"])
def test_empty_and_emoji_only(text):
    parsed = parse_sms(text)
    assert parsed.intent is Intent.unknown
    assert parsed.empty


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Bitte mehr Bänke am Marktplatz", "de"),
        ("Please keep the market where it is", "en"),
        ("Sabah 6'da Sanayi Caddesi'nde bir durak lazım", "tr"),
        ("Proszę więcej ławek na rynku", "pl"),
        ("Нужна остановка у школы, пожалуйста", "ru"),
        ("Потрібна зупинка біля школи", "uk"),
        ("نحتاج محطة قرب المدرسة", "ar"),
        # Mixed scripts: the letters of the longer part decide.
        ("Bitte mehr Bänke, спасибо", "de"),
        ("Нужна остановка у школы, danke", "ru"),
    ],
)
def test_language_detection(text, first):
    assert detect_languages(text)[0] == first


def test_fold_tolerates_case_umlauts_and_dots():
    assert fold("LÖSCHEN") == fold("Loeschen") == "loeschen"
    assert fold("SİL") == fold("sil") == fold("SIL")
    assert fold("USUŃ") == fold("usun")


def test_every_language_has_every_keyword():
    for intent, by_language in COMMANDS.items():
        assert set(by_language) == set(SMS_LANGUAGES), intent
    for key, by_language in VOTES.items():
        assert set(by_language) == set(SMS_LANGUAGES), key


def test_no_alias_means_two_different_things():
    seen: dict[tuple[str, ...], str] = {}
    for table in (COMMANDS, VOTES):
        for meaning, by_language in table.items():
            for aliases in by_language.values():
                for alias in aliases:
                    words = tuple(fold(w) for w in alias.split())
                    assert seen.setdefault(words, str(meaning)) == str(meaning), alias


@pytest.mark.parametrize(
    "text",
    [
        "LÖSCHEN JA",
        "loeschen ja",
        "Löschen, ja!",
        "DELETE YES",
        "SİL EVET",
        "УДАЛИТЬ ДА",
        "ВИДАЛИТИ ТАК",
        "USUŃ TAK",
        "حذف نعم",
    ],
)
def test_erasure_confirmed_in_every_language(text):
    parsed = parse_sms(text)
    assert parsed.intent is Intent.delete and parsed.confirmed, text


def test_erasure_alone_is_not_confirmed_and_no_is_no_confirmation():
    assert parse_sms("LÖSCHEN").confirmed is False
    assert parse_sms("LÖSCHEN NEIN").intent is Intent.contribute
    assert parse_sms("Löschen ja die Parkplätze").intent is Intent.contribute


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("BİLGİ 4711", Intent.info),
        ("BILGI 4711", Intent.info),
        ("bilgi 4711", Intent.info),
        ("Bilgi 4711", Intent.info),
        ("bılgı 4711", Intent.info),
        ("BAŞLA", Intent.start),
        ("BASLA", Intent.start),
        ("başla", Intent.start),
        ("Başla", Intent.start),
        ("İPTAL", Intent.stop),
        ("iptal", Intent.stop),
        ("ıptal", Intent.stop),
    ],
)
def test_turkish_keywords_with_and_without_dots(text: str, intent: Intent) -> None:
    # Turkish phones write İ/ı and ş; older ones and hurried people write I/i and s.
    # Python's casefold() turns "İ" into "i" plus a combining dot, which fold() drops.
    assert parse_sms(text).intent is intent


def test_turkish_keywords_are_suggested_in_turkish_spelling() -> None:
    assert keyword(Intent.info, "tr") == "BİLGİ"
    assert keyword(Intent.start, "tr") == "BAŞLA"
    assert keyword(Intent.delete, "tr") == "SİL"


def test_a_turkish_vote_with_dotted_capitals() -> None:
    parsed = parse_sms("4711 BİLMİYORUM")
    assert (parsed.intent, parsed.vote, parsed.code) == (Intent.vote, "undecided", "4711")
    assert parse_sms("4711 bilmiyorum").vote == "undecided"
