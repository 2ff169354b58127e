"""The chat tab in a real browser: a streamed reply shows as it arrives, then in history."""

from __future__ import annotations

import uuid

import pytest

from ...support.browser import PageUser

pytestmark = pytest.mark.browser

# Records each text the reply shows while it streams (the test watches, the page does not).
WATCH_STREAM = """
window.seen = [];
new MutationObserver(() => {
  const reply = document.querySelector('#chat-transcript .message.assistant.streaming');
  if (reply && reply.textContent) window.seen.push(reply.textContent);
}).observe(document.getElementById('chat-transcript'),
  {subtree: true, childList: true, characterData: true});
"""


def test_chat_streams_a_reply_and_shows_it_in_history(page_user: PageUser) -> None:
    user = page_user.open("chat")
    words = " ".join(f"word{index}" for index in range(24))  # a reply of some 30 words
    said = f"hello from the page {uuid.uuid4().hex[:6]} {words}"
    user.driver.execute_script(WATCH_STREAM)
    user.type("#chat-message", said)
    user.find("#chat-send").click()
    reply = user.wait_text("#chat-transcript .message.assistant.done", "Offline reply to turn 1")
    assert said in reply
    seen: list[str] = user.driver.execute_script("return window.seen")
    partial = [text for text in seen if text != reply]
    assert len(set(partial)) >= 2, seen  # the words came in pieces, shown as they came
    assert all(reply.startswith(text) for text in partial)
    # The conversation is in the caller's history: opening it shows both messages.
    user.wait(lambda: user.all("#chat-history button[data-id]"))
    user.find("#chat-new").click()
    assert user.find("#chat-transcript").text == ""
    user.all("#chat-history button[data-id]")[0].click()  # newest first
    user.wait_text("#chat-transcript", said)
    user.wait_text("#chat-transcript", "Offline reply to turn 1")
    user.type("#chat-message", "and again")
    user.find("#chat-send").click()
    user.wait_text("#chat-transcript", "Offline reply to turn 2")  # the same conversation
    user.screenshot("chat")
    assert user.policy_violations() == []


def test_chat_shows_a_wrong_key_as_refused_and_the_key_typed_next_is_used(
    page_user: PageUser,
) -> None:
    user = page_user.open("chat", key="not-a-key")
    user.type("#chat-message", "hello")
    user.find("#chat-send").click()
    shown = user.wait_text("#chat-error", "The API key was refused")
    assert "invalid API key" in shown and "Check the key typed above" in shown
    assert "missing" not in shown  # a key was sent: it is the key that was wrong
    assert user.find("#chat-error").is_displayed()
    assert not user.all("#chat-transcript .message")  # refused: nothing shown as sent
    assert user.find("#chat-message").get_attribute("value") == "hello"  # to send again
    user.screenshot("error-401")
    # The right key, typed over the wrong one: the next message goes with it, no other click.
    user.type("#api-key", user.service.key)
    user.find("#chat-send").click()
    user.wait_text("#chat-transcript .message.assistant.done", "Offline reply to turn 1")
    assert not user.find("#chat-error").is_displayed()
