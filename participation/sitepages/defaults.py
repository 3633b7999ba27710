"""Built-in texts of the pages every installation must offer, in German and English.

An installation overrides them on the staff page "Site pages"; until it does, these are
shown. Words in braces are filled from the settings when the page is shown
(``{council_name}``, ``{council_address}``, ``{council_email}``, ``{council_phone}``,
``{council_sms_number}``, ``{front_desk_hours}``, ``{data_protection_officer}``) and
``{lang}`` is the reader's language code, for links to our own pages.

The accessibility statement follows the EU model statement (Durchführungsbeschluss (EU)
2018/1523) as Lower Saxony's NBGG asks for it; the enforcement body named is Lower
Saxony's. Councils in other Länder change that paragraph.
"""

from __future__ import annotations

from datetime import date

#: The day these texts were last checked against what the software does.
DEFAULTS_REVIEWED = date(2026, 12, 6)

ACCESSIBILITY_DE = """\
{council_name} ist bemüht, diese Beteiligungs-Plattform barrierefrei zugänglich zu machen.
Rechtsgrundlage sind das Niedersächsische Behindertengleichstellungsgesetz (NBGG) und die
Barrierefreie-Informationstechnik-Verordnung (BITV 2.0), die auf die europäische Norm
EN 301 549 verweist. Wir richten uns nach den Web Content Accessibility Guidelines
(WCAG) 2.2, Stufe AA.

## Stand der Vereinbarkeit mit den Anforderungen

Diese Website ist **teilweise barrierefrei**. Die unten genannten Inhalte sind noch nicht
vollständig barrierefrei.

## Nicht barrierefreie Inhalte

- **Gebärdensprache:** Ein Video in Deutscher Gebärdensprache (DGS) gibt es bisher nur für
  die Erklärung der Startseite. Die Texte der einzelnen Beteiligungen gibt es nicht in
  Gebärdensprache. *Alternative:* Rufen Sie uns an oder kommen Sie ins Rathaus; auf Wunsch
  bestellen wir eine Gebärdensprach-Dolmetscherin.
- **Übersetzungen:** Die Texte der Beteiligungen schreibt die Verwaltung. Nicht jede
  Beteiligung ist in alle Sprachen und in Leichte Sprache übersetzt. Fehlt eine
  Übersetzung, zeigen wir den deutschen Text und sagen das auf der Seite.
- **Downloads:** Die Ergebnisse gibt es als CSV- und JSON-Datei für Tabellen-Programme und
  offene Daten. Diese Dateien sind keine barrierefreien Dokumente; dieselben Zahlen stehen
  als Tabelle auf der Ergebnis-Seite.
- **Beiträge anderer Menschen:** Beiträge, die per Telefon, SMS oder Brief eingehen, geben
  wir als Text wieder. Sie sind nicht in Leichter Sprache geschrieben.

## Erstellung dieser Erklärung

Diese Erklärung wurde am {reviewed} erstellt beziehungsweise zuletzt überprüft. Die
Bewertung beruht auf einer Selbstbewertung: Bei jeder Änderung der Software prüft ein
automatischer Test jede Seite in allen acht Sprachen mit axe-core in einem echten Browser
(WCAG 2.0 bis 2.2, Stufen A und AA). Geprüft werden außerdem die Bedienung ohne
JavaScript, die Darstellung bei 320 Pixel Breite und 200 % Vergrößerung, größere
Zeilen- und Buchstabenabstände, der Kontrastmodus und die sichtbare Tastatur-Markierung.
Eine Prüfung durch eine unabhängige Stelle (BITV-Test) steht noch aus.

## Barrieren melden: Kontakt

Sie sind auf eine Barriere gestoßen? Bitte sagen Sie es uns.

- mit dem Formular [Barriere melden](/{lang}/barrier-report) (das finden Sie unten auf
  jeder Seite),
- per E-Mail an <{council_email}>,
- per Telefon unter {council_phone},
- per Brief oder persönlich: {council_address}, {front_desk_hours}.

Wir antworten in der Regel innerhalb von zwei Wochen.

## Schlichtungsverfahren

Wenn Sie auf Ihre Meldung keine oder keine zufriedenstellende Antwort bekommen, können Sie
sich an die Schlichtungsstelle nach dem NBGG bei der Landesbeauftragten für Menschen mit
Behinderungen in Niedersachsen wenden. Das Schlichtungsverfahren ist kostenlos; Sie
brauchen keinen Rechtsbeistand. Ziel ist eine Einigung ohne Gericht.

Landesbeauftragte für Menschen mit Behinderungen, Schlichtungsstelle,
Hannah-Arendt-Platz 2, 30159 Hannover –
[www.behindertenbeauftragter-niedersachsen.de](https://www.behindertenbeauftragter-niedersachsen.de/)
"""

ACCESSIBILITY_EN = """\
{council_name} aims to make this participation platform accessible to everyone. The legal
basis is Lower Saxony's disability equality act (NBGG) and the German accessible
information technology regulation (BITV 2.0), which refers to the European standard
EN 301 549. We build to the Web Content Accessibility Guidelines (WCAG) 2.2, level AA.

## Compliance status

This website is **partially compliant**. The content listed below is not yet fully
accessible.

## Content that is not accessible

- **Sign language:** a video in German Sign Language (DGS) exists only for the
  explanation of the start page. The texts of individual consultations are not available
  in sign language. *Alternative:* call us or come to the town hall; on request we book a
  sign language interpreter.
- **Translations:** the council's staff write the consultation texts. Not every
  consultation is translated into every language and into Leichte Sprache (easy German).
  Where a translation is missing, we show the German text and say so on the page.
- **Downloads:** results can be downloaded as CSV and JSON files for spreadsheets and open
  data. These files are not accessible documents; the same figures are shown as tables on
  the results page.
- **Other people's comments:** comments sent by phone, text message or letter are shown as
  text. They are not written in easy language.

## Preparation of this statement

This statement was prepared or last reviewed on {reviewed}. It is based on a
self-assessment: on every change of the software an automated test checks every page in
all eight languages with axe-core in a real browser (WCAG 2.0 to 2.2, levels A and AA).
It also checks use without JavaScript, display at 320 pixels width and 200 % zoom,
increased line and letter spacing, high-contrast mode and the visible keyboard focus. An
independent audit (BITV test) has not yet been carried out.

## Report a barrier: contact

Have you come across a barrier? Please tell us.

- with the form [Report a barrier](/{lang}/barrier-report) (linked at the bottom of every
  page),
- by e-mail to <{council_email}>,
- by phone on {council_phone},
- by letter or in person: {council_address}, {front_desk_hours}.

We usually answer within two weeks.

## Enforcement procedure

If you receive no answer or no satisfactory answer to your report, you can turn to the
arbitration board under the NBGG at the Lower Saxony commissioner for people with
disabilities. The procedure is free of charge and you do not need a lawyer. Its aim is an
agreement without going to court.

Landesbeauftragte für Menschen mit Behinderungen, Schlichtungsstelle,
Hannah-Arendt-Platz 2, 30159 Hannover, Germany –
[www.behindertenbeauftragter-niedersachsen.de](https://www.behindertenbeauftragter-niedersachsen.de/)
"""

PRIVACY_DE = """\
Diese Erklärung sagt, welche Daten wir speichern, wenn Sie sich an einer Beteiligung
beteiligen, warum, und wie lange.

## Verantwortlich

{council_name}, {council_address}, E-Mail <{council_email}>, Telefon {council_phone}.

**Datenschutzbeauftragte oder Datenschutzbeauftragter:** {data_protection_officer}

## Was wir speichern

Zum Lesen brauchen Sie kein Konto, und wir setzen dafür kein Cookie. Wir binden keine
fremden Schriften, Skripte, Karten oder Statistik-Dienste ein: Ihr Browser spricht nur mit
unserem Server.

Wenn Sie einen Beitrag senden, speichern wir:

- den Text Ihres Beitrags und, falls gewählt, Ihre Antwort auf die Frage,
- den Namen, den Sie angeben (freiwillig; ein erfundener Name ist erlaubt),
- Zeitpunkt, Sprache und Weg (online, SMS, Telefon, Brief, persönlich),
- die Vorgangsnummer, mit der Sie den Stand nachsehen können.

**Per SMS oder Telefon:** Ihre Telefonnummer speichern wir nicht im Klartext, sondern nur
als Prüfwert, der mit einem geheimen Schlüssel gebildet wird (HMAC), damit wir
doppelte Stimmen erkennen und Ihre Daten auf Wunsch löschen können. Nur wenn Sie um
einen Rückruf oder eine Nachricht bitten,
speichern wir die Nummer verschlüsselt, bis dieser Wunsch erledigt ist. Sprach-Aufnahmen
speichern wir verschlüsselt auf unserem Server und löschen sie, sobald sie abgeschrieben
und veröffentlicht sind, spätestens mit dem Ablauf der Aufbewahrungs-Frist.

**Barriere melden:** Wir speichern Ihre Beschreibung, die Seite und, wenn Sie sie angeben,
Ihre E-Mail-Adresse für die Antwort. Die E-Mail-Adresse löschen wir, sobald Ihre Meldung
beantwortet ist, spätestens nach 180 Tagen.

**Server-Protokolle:** Wir speichern keine IP-Adressen. Zum Schutz vor Missbrauch (zu viele
Anmelde-Versuche, zu viele Abfragen nicht vorhandener Vorgangsnummern) halten wir
kurzzeitig einen solchen Prüfwert der Adresse, der nach Ablauf der Sperre gelöscht wird.

## Warum

Wir brauchen die Daten, um Ihre Meinung in die Entscheidung des Rates einzubeziehen, das
Ergebnis zu veröffentlichen und Ihnen auf Fragen zu Ihrem Beitrag zu antworten.
Rechtsgrundlage ist Art. 6 Abs. 1 Buchst. e DSGVO in Verbindung mit § 3 des
Niedersächsischen Datenschutzgesetzes (NDSG). Beiträge zu politischen Fragen können Ihre
politische Meinung erkennen lassen; diese Daten verarbeiten wir, weil Sie sie freiwillig
senden (Art. 9 Abs. 2 Buchst. a DSGVO). Schreiben Sie bitte keine Daten anderer Menschen in
Ihren Beitrag.

## Wie lange

- Veröffentlichte Beiträge und die Zahl der Stimmen bleiben als Ergebnis der Beteiligung
  öffentlich.
- Alle Verbindungen zu Telefonnummern, E-Mail-Adressen und Rückruf-Wünschen löschen wir
  automatisch, wenn die Aufbewahrungs-Frist der Beteiligung abläuft (in der Regel
  180 Tage nach ihrem Ende).
- Abgelehnte Beiträge bleiben nur mit dem Grund der Ablehnung sichtbar.

## Wer die Daten sieht

Die Mitarbeitenden der Verwaltung, die Beiträge prüfen. Für SMS und Telefon nutzen wir den
Dienstleister Twilio (Twilio Ireland Limited) als Auftragsverarbeiter; dabei können Daten
in die USA übermittelt werden (EU-US Data Privacy Framework und Standard-Vertragsklauseln).

**Was bei Twilio bleibt, und wie lange:** Twilio speichert jede SMS (Telefonnummern, Text,
Zeitpunkt), jedes mitgeschickte Bild, jede Sprach-Aufnahme und zu jedem Anruf Ihre Nummer,
Zeitpunkt und Dauer, bis wir sie dort löschen. Das tun wir automatisch:

- Ihre SMS an uns und mitgeschickte Bilder: etwa eine Minute nach dem Eingang.
- Unsere SMS an Sie: etwa eine Minute, nachdem Twilio die Zustellung oder ihr Scheitern
  meldet, sonst 15 Minuten nach dem Versand.
- Sprach-Aufnahmen: sobald Twilio sie fertig meldet, nachdem wir eine Kopie auf unseren
  Server geholt haben (siehe oben).
- Die Angaben zum Anruf: 15 Minuten nach seinem Ende.
- Wenn Sie LÖSCHEN senden oder uns um Löschung bitten: alles zu Ihrer Nummer, was wir bei
  Twilio kennen, sofort.

Lehnt Twilio eine Löschung vorübergehend ab (etwa weil eine SMS noch unterwegs ist),
versuchen wir es erneut, bis zu etwa zwei Wochen lang. Nach Angaben von Twilio kann es bis
zu 14 Tage dauern, bis ein gelöschter Eintrag aus allen Systemen von Twilio verschwunden
ist; Angaben zu einer gelöschten Aufnahme (ohne den Ton) hält Twilio noch 40 Tage vor.

## Ihre Rechte

Sie haben das Recht auf Auskunft (Art. 15 DSGVO), Berichtigung (Art. 16), Löschung
(Art. 17), Einschränkung (Art. 18), Datenübertragung (Art. 20) und Widerspruch (Art. 21).
Nennen Sie uns dazu Ihre Vorgangsnummer oder Telefonnummer. Per SMS senden Sie das Wort
LÖSCHEN an {council_sms_number}; wir fragen einmal nach, und mit LÖSCHEN JA löschen wir.

Sie können sich bei der Aufsichtsbehörde beschweren: Die Landesbeauftragte für den
Datenschutz Niedersachsen, Prinzenstraße 5, 30159 Hannover.

Stand: {reviewed}
"""

PRIVACY_EN = """\
This statement says which data we store when you take part in a consultation, why, and
for how long.

## Controller

{council_name}, {council_address}, e-mail <{council_email}>, phone {council_phone}.

**Data protection officer:** {data_protection_officer}

## What is stored

You need no account to read, and we set no cookie for reading. We use no third-party
fonts, scripts, maps or analytics: your browser talks only to our server.

When you send a comment, we store:

- the text of your comment and, if you chose one, your answer to the question,
- the name you give (optional; a made-up name is fine),
- the time, language and way (online, text message, phone, letter, in person),
- the reference number with which you can look up its status.

**By text message or phone:** we do not store your phone number in plain form, only a
keyed check value (HMAC), so that we can recognise duplicate votes and delete your data on
request. Only if you ask for a call back or a message do we keep the number, encrypted,
until that request is done. Voice recordings are stored encrypted on our server and
deleted once they have been transcribed and published, at the latest when the retention
period ends.

**Reporting a barrier:** we store your description, the page and, if you give it, your
e-mail address for our answer. The e-mail address is deleted once your report has been
answered, at the latest after 180 days.

**Server logs:** we store no IP addresses. To protect against abuse (too many login
attempts, too many look-ups of reference numbers that do not exist) we briefly keep a
keyed check value of the address, deleted when the lock expires.

## Why

We need the data to take your opinion into the council's decision, to publish the result
and to answer questions about your comment. The legal basis is Art. 6(1)(e) GDPR together
with section 3 of the Lower Saxony data protection act (NDSG). Comments on political
questions can reveal your political opinion; we process these because you send them
voluntarily (Art. 9(2)(a) GDPR). Please do not write other people's personal data into
your comment.

## For how long

- Published comments and the vote counts stay public as the consultation's result.
- Every link to phone numbers, e-mail addresses and call-back requests is deleted
  automatically when the consultation's retention period ends (usually 180 days after it
  closed).
- Rejected comments remain visible only with the reason for rejection.

## Who sees the data

The council staff who check comments. For text messages and phone calls we use Twilio
(Twilio Ireland Limited) as a processor; data may be transferred to the USA (EU-US Data
Privacy Framework and standard contractual clauses).

**What stays at Twilio, and for how long:** Twilio keeps every text message (phone
numbers, text, time), every picture sent with one, every voice recording and, for every
call, your number, the time and the length, until we delete them there. We do so
automatically:

- your text messages to us and their pictures: about a minute after they arrive;
- our text messages to you: about a minute after Twilio reports them delivered or failed,
  otherwise 15 minutes after sending;
- voice recordings: as soon as Twilio reports them finished, after we have copied them to
  our server (see above);
- the details of a call: 15 minutes after it ended;
- when you send LÖSCHEN or ask us to erase your data: everything of your number that we
  know of at Twilio, at once.

If Twilio refuses a deletion for the time being (for example while a message is still on
its way), we try again for up to about two weeks. According to Twilio, a deleted record
can take up to 14 days to disappear from all of Twilio's systems; details of a deleted
recording (without the sound) are kept by Twilio for 40 more days.

## Your rights

You have the right of access (Art. 15 GDPR), rectification (Art. 16), erasure (Art. 17),
restriction (Art. 18), data portability (Art. 20) and to object (Art. 21). Tell us your
reference number or phone number. By text message, send the word LÖSCHEN (or DELETE) to
{council_sms_number}; we ask once more, and LÖSCHEN JA (DELETE YES) erases.

You may complain to the supervisory authority: Die Landesbeauftragte für den Datenschutz
Niedersachsen, Prinzenstraße 5, 30159 Hannover, Germany.

Last updated: {reviewed}
"""

IMPRINT_DE = """\
## Anbieter

{council_name}
{council_address}

Telefon: {council_phone}
E-Mail: <{council_email}>

{council_name} ist eine Körperschaft des öffentlichen Rechts. Sie wird vertreten durch die
Bürgermeisterin oder den Bürgermeister.

## Verantwortlich für den Inhalt

Verantwortlich nach § 18 Abs. 2 Medienstaatsvertrag: die Bürgermeisterin oder der
Bürgermeister, Anschrift wie oben.

## Beiträge von Bürgerinnen und Bürgern

Die veröffentlichten Beiträge geben die Meinung der Schreibenden wieder, nicht die der
Verwaltung. Die Verwaltung prüft jeden Beitrag vor der Veröffentlichung.

## Software

Diese Plattform ist freie Software unter der Lizenz AGPL-3.0.
"""

IMPRINT_EN = """\
## Provider

{council_name}
{council_address}

Phone: {council_phone}
E-mail: <{council_email}>

{council_name} is a public-law corporation, represented by its mayor.

## Responsible for the content

Responsible under section 18(2) of the German Interstate Media Treaty (MStV): the mayor,
address as above.

## Comments by residents

Published comments express the opinion of the people who wrote them, not of the council.
The council checks every comment before it is published.

## Software

This platform is free software under the AGPL-3.0 licence.
"""

EASY_READ_DE = """\
## Was ist diese Internet-Seite?

Hier fragt die Gemeinde: Was meinen Sie?

Das heißt: Bürger-Beteiligung.

Sie können Ihre Meinung sagen.

Der Gemeinde-Rat liest Ihre Meinung.

Dann entscheidet der Gemeinde-Rat.

## Wie mache ich mit?

Sie haben 4 Möglichkeiten.

1. **Im Internet:** Wählen Sie auf der [Start-Seite](/{lang}/) ein Thema. Schreiben Sie
   Ihre Meinung in das Feld. Drücken Sie dann auf den Knopf zum Senden.
2. **Mit dem Telefon:** Rufen Sie an: {council_phone}. Eine Stimme hilft Ihnen.
3. **Mit einer SMS:** Schreiben Sie die Kenn-Nummer von der Bürger-Beteiligung. Schreiben Sie
   dann Ihre Meinung. Senden Sie die SMS an: {council_sms_number}.
4. **Bei der Gemeinde:** Kommen Sie vorbei. Oder schreiben Sie einen Brief.
   Die Adresse ist: {council_address}. Die Gemeinde ist zu diesen Zeiten offen: {front_desk_hours}.

Sie brauchen kein Passwort.

Sie müssen Ihren Namen nicht sagen.

## Was passiert dann?

Sie bekommen eine Nummer. Das ist Ihre Vorgangs-Nummer.

Schreiben Sie sich die Nummer auf.

Mit der Nummer sehen Sie: Was passiert mit meiner Meinung?

Die Gemeinde liest jede Meinung. Dann zeigt die Gemeinde die Meinung auf der
Internet-Seite.

Am Ende zeigt die Gemeinde das Ergebnis.

## So benutzen Sie die Internet-Seite

Oben auf jeder Seite können Sie die Sprache wählen.

Unten auf jeder Seite finden Sie wichtige Links.

Sie können die Seite auch nur mit der Tastatur benutzen. Drücken Sie die Tab-Taste.

## Barrieren

Wir wollen: Alle Menschen können die Internet-Seite gut benutzen.

Das klappt noch nicht überall. Das steht in der
[Erklärung zur Barriere-Freiheit](/{lang}/p/accessibility).

Etwas ist schwer für Sie? Dann sagen Sie es uns.
Hier ist das Formular: [Barriere melden](/{lang}/barrier-report).

## Gebärden-Sprache

Ein Film in Deutscher Gebärden-Sprache erklärt die Internet-Seite.
Hier ist der Film: [Gebärden-Sprache](/{lang}/p/sign-language).
"""

EASY_READ_EN = """\
## What is this website?

On this website the council asks: what do you think?

This is called citizen participation.

You can tell us your opinion.

The council reads your opinion.

Then the council decides.

## How do I take part?

There are 4 ways.

1. **On the internet:** choose a topic on the [start page](/{lang}/). Write your opinion
   in the box. Then press the button to send it.
2. **By phone:** call {council_phone}. A voice helps you.
3. **By text message:** write the number of the topic. Then write your opinion.
   Send the text message to {council_sms_number}.
4. **At the town hall:** come and see us. Or write a letter.
   The address is: {council_address}. The town hall is open: {front_desk_hours}.

You do not need a password.

You do not have to give your name.

## What happens next?

You get a number. It is your reference number.

Write the number down.

With the number you can see what happens to your opinion.

The council reads every opinion. Then the council shows it on the website.

At the end the council shows the result.

## How to use this website

At the top of every page you can choose your language.

At the bottom of every page you find important links.

You can use the website with the keyboard only. Press the Tab key.

## Barriers

We want everyone to be able to use this website.

This does not work everywhere yet. You can read about it in the
[accessibility statement](/{lang}/p/accessibility).

Is something hard for you? Tell us.
Here is the form: [report a barrier](/{lang}/barrier-report).

## Sign language

A film in German Sign Language explains this website.
Here is the film: [sign language](/{lang}/p/sign-language).
"""

SIGN_LANGUAGE_DE = """\
Das Video erklärt in Deutscher Gebärdensprache (DGS):

- was Sie auf dieser Internet-Seite tun können,
- wie Sie mitmachen: im Internet, per SMS, per Telefon, per Brief oder im Rathaus,
- wie Sie sich auf der Seite zurechtfinden,
- das Wichtigste aus der [Erklärung zur Barrierefreiheit](/{lang}/p/accessibility),
- wo es weitere Informationen in Leichter Sprache und Gebärdensprache gibt:
  [Leichte Sprache](/{lang}/p/easy-read).

Sie möchten mit uns in Gebärdensprache sprechen? Schreiben Sie eine E-Mail an
<{council_email}> oder eine SMS an {council_sms_number}. Wir bestellen dann eine
Gebärdensprach-Dolmetscherin für Ihren Termin im Rathaus.
"""

SIGN_LANGUAGE_EN = """\
The video explains in German Sign Language (DGS):

- what you can do on this website,
- how to take part: online, by text message, by phone, by letter or at the town hall,
- how to find your way around the site,
- the essentials of the [accessibility statement](/{lang}/p/accessibility),
- where to find more in easy language and sign language:
  [easy read](/{lang}/p/easy-read).

Would you like to talk to us in sign language? Send an e-mail to <{council_email}> or a
text message to {council_sms_number}. We will book a sign language interpreter for your
appointment at the town hall.
"""

#: slug -> locale -> (title, Markdown body). "de@easy" is German Leichte Sprache.
DEFAULT_PAGES: dict[str, dict[str, tuple[str, str]]] = {
    "accessibility": {
        "de": ("Erklärung zur Barrierefreiheit", ACCESSIBILITY_DE),
        "en": ("Accessibility statement", ACCESSIBILITY_EN),
    },
    "privacy": {
        "de": ("Datenschutzerklärung", PRIVACY_DE),
        "en": ("Privacy statement", PRIVACY_EN),
    },
    "imprint": {
        "de": ("Impressum", IMPRINT_DE),
        "en": ("Imprint", IMPRINT_EN),
    },
    "easy-read": {
        "de": ("Leichte Sprache: So funktioniert diese Internet-Seite", EASY_READ_DE),
        "de@easy": ("Leichte Sprache: So funktioniert diese Internet-Seite", EASY_READ_DE),
        "en": ("Easy read: how this website works", EASY_READ_EN),
    },
    "sign-language": {
        "de": ("Gebärdensprache (DGS)", SIGN_LANGUAGE_DE),
        "en": ("German Sign Language (DGS)", SIGN_LANGUAGE_EN),
    },
}
