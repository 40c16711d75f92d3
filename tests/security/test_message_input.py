"""What of a message reaches the NLU pipeline (bot/message_input.py): normalized, capped, cut at a word."""
from __future__ import annotations

from bot.message_input import MAX_CHARACTERS, MAX_WORDS, prepared

# About 3,000 characters, as a worried neighbour might write: it must reach the model whole.
STORY = ("The girl next door is fourteen. Since the summer an older man picks her up at night in a different car "
         "each time, and she comes back in the morning with new clothes and a phone I know her mother cannot "
         "afford. She stopped going to school in October. Last week I heard her crying on the stairs and she "
         "said she owes him money and cannot stop now. I do not know who to call about it. ") * 8


def test_a_long_story_reaches_the_model_whole():
    assert 2_900 <= len(STORY) <= MAX_CHARACTERS
    assert prepared(STORY) == (STORY.strip(), False)


def test_full_width_letters_become_plain_ones_and_nul_goes():
    assert prepared("ｉ ａｍ ｉｎ ｄａｎｇｅｒ\x00") == ("i am in danger", False)
    assert prepared("\x00") == ("", False)
    assert prepared("line one\nline two\tend") == ("line one\nline two\tend", False)
    assert prepared("hi \udcff there") == ("hi \ufffd there", False)


def test_an_over_long_message_is_cut_at_the_end_of_a_word():
    text, cut = prepared("danger " * 5_000)
    assert cut and len(text) <= MAX_CHARACTERS and text.endswith("danger")
    text, cut = prepared("abcdefg " * 600)  # 4,800 characters, 600 words: the character cap applies
    assert cut and len(text) <= MAX_CHARACTERS and text.endswith("abcdefg")


def test_the_word_cap_applies_to_many_short_words():
    text, cut = prepared("a " * 1_500)  # 3,000 characters, 1,500 words
    assert cut and len(text.split()) == MAX_WORDS


def test_one_endless_word_is_cut_at_the_character_cap():
    text, cut = prepared("x" * 1_000_000)
    assert cut and text == "x" * MAX_CHARACTERS
