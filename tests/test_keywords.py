"""Inbound keyword classification: STOP/СТОП, START/СТАРТ, HELP/ПОМОЩЬ."""
from __future__ import annotations

import pytest

from flask_phonecapture.messaging.keywords import HELP, START, STOP, classify, is_stop


@pytest.mark.parametrize("text", ["STOP", "stop", "Stop", "СТОП", "стоп", "Стоп.", "ОТПИСАТЬСЯ",
                                  "отписаться", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "OPTOUT",
                                  "STOPALL"])
def test_every_stop_word_in_both_languages_is_a_stop(text):
    assert classify(text) == STOP


@pytest.mark.parametrize("text", ["  stop  ", "STOP!", "stop.", "«СТОП»", '"Stop"', "🛑 STOP 🛑",
                                  "\tстоп!!!\n", "Opt-Out", "opt out", "STOP ALL", "stop ❤️"])
def test_surrounding_spaces_punctuation_and_emoji_are_ignored(text):
    assert classify(text) == STOP


@pytest.mark.parametrize("text", ["CTOП", "cтoп", "ЕND"])
def test_latin_look_alike_letters_mixed_into_a_cyrillic_word_still_match(text):
    assert classify(text) == STOP


@pytest.mark.parametrize("text", ["Stop texting me", "СТОП, хватит", "unsubscribe me please",
                                  "Отписаться от рассылки"])
def test_message_opening_with_a_clear_stop_word_is_a_stop(text):
    assert classify(text) == STOP


@pytest.mark.parametrize("text", ["cancel my order", "end of story", "quit smoking tips?",
                                  "Don't stop", "bus stop near you?", "Help me stop"])
def test_ambiguous_words_inside_a_sentence_are_not_a_stop(text):
    assert classify(text) != STOP


@pytest.mark.parametrize("text", ["START", "start", "Старт", "СТАРТ!", "unstop"])
def test_start_words_are_start(text):
    assert classify(text) == START


@pytest.mark.parametrize("text", ["HELP", "help?", "Помощь", "ПОМОЩЬ!", "info"])
def test_help_words_are_help(text):
    assert classify(text) == HELP


@pytest.mark.parametrize("text", ["", "   ", "!!!", "Hello", "Спасибо", "1234", "start now please",
                                  None])
def test_other_messages_are_none(text):
    assert classify(text) is None


def test_is_stop_shortcut():
    assert is_stop("СТОП") and not is_stop("СТАРТ")
