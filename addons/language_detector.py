"""Messages clearly not in English get the intent other_language, so the bot says it speaks
English instead of guessing an intent from words it cannot read. Only when sure: the trained
classifier (which also learns other_language examples) decides everything else."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, FrozenSet, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from addons.rule_based_classifier import RuleBasedIntentClassifier


def _words(text: str) -> FrozenSet[str]:
    return frozenset(text.split())


# Everyday words of each language a shop customer would use in any message: function words,
# question words, greetings, thanks, a few shop verbs and nouns. Lower case, with accents.
FOREIGN_WORDS = {
    "es": _words("""el la los las un una unos unas y es son de del que no para con en por yo tú
        usted ustedes tienen tiene tengo hay mi mis su sus gracias hola buenos buenas días tardes
        noches dónde donde cuándo cuando cómo como cuánto cuanto cuesta cuestan pedido quiero
        quisiera favor está están estoy esta este esto eso muy pero también sí qué quién cual
        cuál talla tallas precio envío comprar necesito puedo puede ayuda camiseta zapatos muchas
        mucho muchos me te se le lo adiós adios hablas habla español"""),
    "fr": _words("""le la les un une des et est sont je tu vous nous il elle ils pas ne que qui
        pour avec dans sur mon ma mes votre vos avez avoir ai bonjour bonsoir merci oui non où
        quand comment combien quel quelle est-ce c'est j'ai aussi très mais taille prix
        commande livraison acheter voudrais veux peux pouvez chaussures beaucoup me te se salut
        ça va parlez parle français francais"""),
    "de": _words("""der die das den dem des und ist sind nicht ich du sie wir ihr ein eine
        einen einem mit für auf haben habt hast hat gibt es wo wie was wann warum bitte danke
        hallo guten morgen abend tag mein meine meinen ihre bestellung größe preis kaufen
        möchte kann können ja nein auch sehr aber noch schon schuhe jacke in im an am so was
        will also vielen dank schön nach versand möglich sprechen sprichst deutsch"""),
    "it": _words("""il lo la gli le un una uno e è di del della che non per con sono mi ho hai
        ha avete ciao grazie buongiorno buonasera dove quando come quanto quanti costa vorrei
        voglio mio mia miei ordine taglia prezzo spedizione comprare posso può anche molto ma
        sì scarpe giacca in mille tante me te si parli parla italiano"""),
    "pt": _words("""o a os as um uma e é de do da dos das que não para com em eu você vocês
        tem têm tenho meu minha obrigado obrigada olá oi bom boa dia tarde noite onde quando
        como quanto custa pedido quero queria gostaria favor está estou também muito mas sim
        tamanho preço entrega comprar posso pode sapatos muito me te se fala falar português
        portugues tchau pela pelo ajuda"""),
    "nl": _words("""de het een en is niet ik je jij u wij we jullie van voor met op heb hebben
        hebt heeft waar wanneer hoe wat hoeveel kost bestelling mijn dank bedankt hallo
        goedemorgen goedendag alstublieft graag ja nee ook heel maar maat prijs levering kopen
        wil kan kunt dit dat zijn schoenen jas in week spreekt nederlands doei blijft pakket"""),
    "tr": _words("""ve bir bu şu ne var yok mı mi mu mü için ile çok evet hayır nasıl nerede
        ne zaman kaç fiyat fiyatı merhaba selam teşekkürler teşekkür ederim sipariş siparişim
        beden istiyorum alabilir miyim lütfen ben sen siz benim iade etmek biliyor musunuz türkçe"""),
    "pl": _words("""i w z na nie jest są to się że czy jak co mam masz ma macie dzień dobry
        gdzie kiedy ile kosztuje moje moja mój zamówienie proszę dziękuję cześć tak także bardzo
        ale rozmiar cena dostawa kupić chcę chciałbym mogę buty kurtka po polsku mówisz"""),
    "id": _words("""dan yang di ke dari ini itu tidak ada saya anda kamu apa bisa untuk dengan
        mau berapa harga terima kasih selamat pagi siang malam halo dimana kapan bagaimana
        pesanan ukuran juga sangat tapi sudah belum ya beli sepatu ingin barang"""),
    # Swedish, Danish, Norwegian
    "sv": _words("""jag du ni vi han hon det den är var har vill kan min mitt mina tack hej så
        mycket storlek beställning inte och att på med för till om svenska pratar talar här
        jeg ikke hvor takk tak hvad hvordan"""),
    "vi": _words("""xin chào bạn có nói tiếng không tôi của đâu rồi muốn trả lại này đơn hàng
        cảm ơn giày áo"""),
}
# Words of English, text speak included. A word that is also one of the languages' words above
# ("is", "in", "me", "no", "die", "was") is evidence for neither.
ENGLISH_WORDS = _words("""the a an and or but is are was were be been am do does did have has
    had i you he she it we they me my your our their this that these those what which who
    where when why how much many can could would will should may might must not no yes please
    thanks thank hi hello hey there here of in on at to for from with about by into out up down
    some any all more most other another just only also very too so if then than now today
    tomorrow want need like looking buy get order orders size sizes price stock shipping
    delivery refund return cancel help talk human agent person email meeting book item
    items product products color colour black white brown blue green grey gray red navy
    come go going see know send sent make made take good great nice new old one two time day
    week back again still well sure sorry as soon possible asap bye goodbye morning night love really stop where's
    it's i'm don't can't what's let's thats got show tell find check track wrong late
    u r ur pls plz thx im dont cant wont whats lol ok okay yeah yep nope hiya howdy yo""")
# Particles of names ("José de la Cruz", "Jan van der Berg"): not enough on their own.
NAME_PARTICLES = _words("de la da das do dos del di van der den von ten ter le du el al bin")

_ALL_FOREIGN = frozenset().union(*FOREIGN_WORDS.values())
_ENGLISH_ONLY = ENGLISH_WORDS - _ALL_FOREIGN
_FOREIGN_ONLY = _ALL_FOREIGN - ENGLISH_WORDS
# Letters only other languages write: Spanish question marks, ñ, ß, Turkish and Polish letters.
_FOREIGN_MARKS = set("¿¡ñßşğıąęłżźćńőűãõêçàáíóúäöüåøæđ")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


_VIETNAMESE_MARKS = ("DOT BELOW", "HOOK ABOVE", "HORN", "CIRCUMFLEX AND", "BREVE AND")
_EMAIL_OR_LINK = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+", re.IGNORECASE)


def _is_vietnamese_letter(ch: str) -> bool:
    if ch in "đĐ":
        return True
    name = unicodedata.name(ch, "")
    # dot below, hook above, horn, or two marks on one vowel (ố, ậ): Vietnamese only
    return "LATIN" in name and any(mark in name for mark in _VIETNAMESE_MARKS)


def non_latin_share(text: str) -> float:
    """The share of the letters that are not Latin (Cyrillic, Greek, Arabic, CJK...)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    latin = sum(1 for ch in letters if ch.isascii() or "LATIN" in unicodedata.name(ch, ""))
    return 1 - latin / len(letters)


def looks_foreign(text: str) -> bool:
    """Clearly not English: mostly non-Latin letters, or Latin words with no English word
    among them and at least two everyday words of another language (not only name particles)."""
    text = text[:2000]  # a verdict needs no more, and a huge text costs nothing
    letters = sum(1 for ch in text if ch.isalpha())
    if letters >= 2 and non_latin_share(text) >= 0.5:
        return True
    # an email's or a link's words are no language: "dan.ortega@gmail.com" is not Indonesian
    words = [w.lower().replace("’", "'") for w in _WORD.findall(_EMAIL_OR_LINK.sub(" ", text))]
    # Vietnamese letters (dot below, hook above, horn, đ) in two words: no English has them
    if sum(1 for w in words if any(_is_vietnamese_letter(ch) for ch in w)) >= 2:
        return True
    # "c'est", "j'ai", "dell'" count whole and in parts
    parts = words + [p for w in words if "'" in w for p in w.split("'") if p]
    if len(words) < 2 or any(w in _ENGLISH_ONLY for w in parts):
        return False
    hits = [w for w in parts if w in _FOREIGN_ONLY]
    hits += ["mark"] if any(ch in _FOREIGN_MARKS for ch in text.lower()) else []
    return len(hits) >= 2 and any(h not in NAME_PARTICLES for h in hits)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherLanguageClassifier(RuleBasedIntentClassifier):
    """Sets `intent` (other_language) with confidence 1.0 when looks_foreign(text)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": "other_language"}

    def intent_for(self, text: str) -> Optional[str]:
        # A payload ("/greet") is for the payload guard, whatever letters follow the slash.
        if text.lstrip().startswith(("/", "\u2215")):
            return None
        return self._intent if looks_foreign(text) else None


__all__: List[str] = ["OtherLanguageClassifier", "looks_foreign", "non_latin_share"]
