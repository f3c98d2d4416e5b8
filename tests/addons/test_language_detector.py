"""Messages clearly not in English get other_language; English, however it is typed, never."""

import pytest

from addons.language_detector import (
    ENGLISH_WORDS,
    FOREIGN_WORDS,
    OtherLanguageClassifier,
    looks_foreign,
    non_latin_share,
)

FOREIGN = [
    # other scripts
    "привет, у вас есть худи?",
    "Где мой заказ?",
    "你好，有货吗",
    "商品はありますか",
    "مرحبا، أين طلبي؟",
    "Γεια σας, πόσο κοστίζει;",
    "שלום, איפה ההזמנה שלי",
    "नमस्ते, मेरा ऑर्डर कहाँ है",
    "안녕하세요 주문 어디",
    "Hoodie はありますか",
    # Latin script, one per language
    "¿Dónde está mi pedido?",
    "hola, tienen la sudadera en negro?",
    "muchas gracias por la ayuda",
    "quiero comprar unos zapatos",
    "Bonjour, où est ma commande ?",
    "c'est combien la veste ?",
    "je voudrais acheter des chaussures",
    "Hallo, wo ist meine Bestellung?",
    "Ich möchte eine Jacke kaufen",
    "Gibt es die Schuhe in Größe 42?",
    "Ciao, dov'è il mio ordine?",
    "quanto costa la giacca?",
    "Olá, onde está o meu pedido?",
    "quanto custa o sapato?",
    "Hallo, waar is mijn bestelling?",
    "hoeveel kost de jas",
    "Merhaba, siparişim nerede?",
    "bu ayakkabı için fiyat ne",
    "Dzień dobry, gdzie jest moje zamówienie?",
    "ile kosztuje kurtka",
    "Halo, dimana pesanan saya?",
    "berapa harga sepatu ini",
    "mi pedido A1003 no ha llegado",
    # from the other_language training and held-out data
    "quiero devolver mi chaqueta, me queda pequeña",
    "gracias, adiós",
    "salut, ça va ?",
    "vous parlez français ?",
    "Versand nach Österreich möglich?",
    "você fala português?",
    "vocês entregam no Brasil?",
    "hallo, spreekt u Nederlands?",
    "Türkçe biliyor musunuz?",
    "czy mówisz po polsku?",
    "pratar du svenska?",
    "jag vill returnera jackan",
    "tack så mycket, hej då",
    "xin chào",
    "bạn có nói tiếng Việt không?",
    "xin chào, tôi muốn đổi size áo",
    "waar blijft mijn pakket? ik wacht al een week",
    "saya ingin mengembalikan barang",
    "merci beaucoup",
    "danke schön",
    "vielen Dank",
    "grazie mille",
    "muito obrigado",
    "muchas gracias",
    "HOLA TIENEN HOODIES",
    "¿tienen el hoodie en negro?",
    "was ist das",
]

ENGLISH = [
    # English, with names, products, typos and text speak
    "do you have the hoodie in black",
    "pls do u have the backpak in olive",
    "r the runing shoes in stock",
    "where is my order A1003",
    "wher is my ordr",
    "hi",
    "hello there",
    "howdy",
    "thx",
    "I am in",
    "no me neither",
    "Is it in stock?",
    "Chelsea Boots",
    "merino sweater",
    "Jose de la Cruz",
    "my name is Maria da Silva",
    "Jan van der Berg",
    "I'm Dmitri Иванов, where is my order?",
    "hola",
    "gracias",
    "hola Maria",
    "ok",
    "a1003",
    "james.carter@example.com",
    "10",
    "come on",
    "the Da Vinci code",
    "die hard fan of your shop",
    "Leather Tote in tan",
    "I want a refund",
    "stop",
    "talk to a human",
    "🙂🙂🙂",
    "👍",
    "",
    "   ",
    "?!",
    "x" * 10000,
    "es",
    "de la",
    "Café au lait",
    "as soon as possible",
    "so was it shipped?",
    "also in black?",
    "will it arrive today",
    "Hoodie Merino Tote",
    "yo yo",
    "dan.ortega@gmail.com",
    "my email is dan.ortega@gmail.com",
    "see www.example.com/dan/com",
    "Müller, order A1003",
    "José Núñez",
    "a café latte",
    "one week",
    "is it over a week",
    "vocal",
    "hej",
]


@pytest.mark.parametrize("text", FOREIGN)
def test_clearly_foreign(text):
    assert looks_foreign(text)


@pytest.mark.parametrize("text", ENGLISH)
def test_english_and_the_undecided_are_left_to_the_classifier(text):
    assert not looks_foreign(text)


def test_non_latin_share():
    assert non_latin_share("привет") == 1.0
    assert non_latin_share("hello") == 0.0
    assert non_latin_share("Crème brûlée") == 0.0  # accents are Latin
    assert non_latin_share("🙂 123") == 0.0
    assert 0 < non_latin_share("hi привет") < 1


def test_word_lists_are_lower_case():
    for words in [ENGLISH_WORDS, *FOREIGN_WORDS.values()]:
        assert all(w == w.lower() for w in words)


def test_huge_foreign_text_is_quick_and_found():
    assert looks_foreign("¿Dónde está mi pedido? " * 50000)


def _message(text):
    from rasa.shared.nlu.training_data.message import Message

    return Message(
        data={
            "text": text,
            "intent": {"name": "greet", "confidence": 0.6},
            "intent_ranking": [{"name": "greet", "confidence": 0.6}],
            "entities": [{"entity": "order_id", "value": "A1003"}],
        }
    )


def test_component_overrides_only_when_sure():
    component = OtherLanguageClassifier.create(OtherLanguageClassifier.get_default_config(), None, None, None)
    foreign, english, payload, empty = (_message(t) for t in ["¿Dónde está mi pedido A1003?", "hola", "/greet", ""])
    component.process([foreign, english, payload, empty])
    assert foreign.get("intent") == {"name": "other_language", "confidence": 1.0}
    assert foreign.get("intent_ranking") == [{"name": "other_language", "confidence": 1.0}]
    assert foreign.get("entities") == [{"entity": "order_id", "value": "A1003"}]  # kept
    for message in (english, payload, empty):
        assert message.get("intent") == {"name": "greet", "confidence": 0.6}
