"""The Jinja2 environment of every text the project writes: pages, SMS, voice, e-mail.

Ground floor: it knows no domain and no door. The web door adds its own globals and the
fragment cache (participation.web.templating); app.py registers the domain's filters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup

from participation.i18n import catalogs
from participation.i18n.formatting import local_date, local_datetime, local_number, local_percent
from participation.markdown import render_markdown
from participation.settings import LANGUAGE_NAMES, PROJECT_ROOT

#: Templates pass literal messages only; the bound is against a mistake, not a need.
MAX_TRANSLATED = 20_000


class LiteralMessages(Extension):
    """Compiles ``_("literal")`` as ``"literal"|gettext_literal``: the same text, but a
    template calls a filter directly, while every function call goes through Jinja's
    Context.call (~1 µs of checks each; a moderation page makes ~450 such calls)."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        tokens = list(stream)
        i = 0
        while i < len(tokens):
            token = tokens[i]
            after = tokens[i + 4].type if i + 4 < len(tokens) else ""
            if (
                token.test("name:_")
                and [t.type for t in tokens[i + 1 : i + 4]] == ["lparen", "string", "rparen"]
                and not (i and tokens[i - 1].type == "dot")
                and after not in ("dot", "lbracket", "lparen")
            ):
                yield tokens[i + 2]
                yield Token(token.lineno, "pipe", "|")
                yield Token(token.lineno, "name", "gettext_literal")
                i += 4
                continue
            yield token
            i += 1


def build_environment() -> Environment:
    """Autoescaping, gettext and the formatting filters every kind of text needs. The
    doors add their own globals (web.templating), app.py the domain's filters."""
    env = Environment(
        loader=FileSystemLoader(str(PROJECT_ROOT / "templates")),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n", LiteralMessages],
        trim_blocks=True,
        lstrip_blocks=True,
        # Checking every template file's mtime on each render costs a stat() per include;
        # only DEBUG=1 (template work) needs edits picked up without a restart: create_app
        # turns it on from the settings.
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: catalogs.translations(catalogs.current_language.get()).gettext(message),
        lambda s, p, n: catalogs.translations(catalogs.current_language.get()).ngettext(s, p, n),
        newstyle=True,
        # A message context tells translators which "Name" is meant: a person's or a theme's.
        pgettext=lambda c, m: catalogs.translations(catalogs.current_language.get()).pgettext(c, m),
    )
    translate, gettext_literal = _translation_callables()
    env.globals.update(
        _=translate,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        markdown=render_markdown,
    )
    env.filters.update(
        gettext_literal=gettext_literal,
        datetime=local_datetime,
        date=local_date,
        number=local_number,
        percent=local_percent,
    )
    return env


def _translation_callables() -> tuple[Callable[..., str], Callable[..., str]]:
    """The template's _() and the gettext_literal filter, sharing one memo of translations."""
    #: (language, message, autoescape) -> the translated text, for _() without variables:
    #: a function of those three alone, and most of a page's ~90 calls are of that kind.
    translated: dict[tuple[str, str, bool], str] = {}

    @pass_context
    def translate(context, message, **variables):
        # What jinja2.ext's newstyle _() does, in one call instead of four (alias, resolve,
        # wrapper, lambda): a page has ~90 of them, and this made rendering ~20% cheaper.
        autoescape = context.eval_ctx.autoescape
        if not variables:
            key = (catalogs.current_language.get(), message, autoescape)
            text = translated.get(key)
            if text is not None:
                return text
        text = catalogs.translations(catalogs.current_language.get()).gettext(message)
        if autoescape:
            text = Markup(text)  # noqa: S704 - as Jinja does: catalog text, values escaped by %
        text = text % variables
        if not variables and len(translated) < MAX_TRANSLATED:
            translated[key] = text
        return text

    @pass_context  # not folded at compile time, as a filter without context could be
    def gettext_literal(context, message):
        text = translated.get(
            (catalogs.current_language.get(), message, context.eval_ctx.autoescape)
        )
        return translate(context, message) if text is None else text

    return translate, gettext_literal


#: The one environment; participation.web.templating serves pages with it.
environment = build_environment()
