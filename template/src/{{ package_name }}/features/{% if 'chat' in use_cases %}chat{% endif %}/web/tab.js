// The chat tab: a streamed reply (POST /v1/chat read as a stream), and the caller's history.
"use strict";

(() => {
  const { api, el } = Page;

  const build = (panel) => {
    let current = null;
    const history = el("div", { class: "history", id: "chat-history" });
    const transcript = el("div", { class: "transcript", id: "chat-transcript", "aria-live": "polite" });
    const error = el("p", { class: "error", id: "chat-error", role: "alert", hidden: true });
    const input = el("input", { type: "text", id: "chat-message", placeholder: "Say something", maxlength: 100000 });
    const send = el("button", { type: "submit", id: "chat-send" }, "Send");
    const form = el("form", { id: "chat-form" }, input, send);

    const message = (role, text) => {
      const node = el("div", { class: `message ${role}` }, text);
      transcript.append(node);
      return node;
    };

    const open = async (conversationId) => {
      Page.clearError(error);
      try {
        // Oldest first, a page at a time: a conversation holds at most CONVERSATION_MAX_MESSAGES.
        const path = `/v1/conversations/${encodeURIComponent(conversationId)}?limit=100`;
        const found = [];
        let page = await api(path);
        found.push(...page.messages);
        while (page.next_cursor) {
          page = await api(`${path}&cursor=${encodeURIComponent(page.next_cursor)}`);
          found.push(...page.messages);
        }
        current = conversationId;
        transcript.replaceChildren();
        for (const item of found) message(item.role, item.content);
      } catch (failure) {
        Page.showError(error, failure);
      }
    };

    const loadHistory = async () => {
      try {
        const page = await api("/v1/conversations?limit=20");
        const entries = page.items.map((item) => el("button", {
          type: "button",
          class: "plain",
          "data-id": item.conversation_id,
          onclick: () => open(item.conversation_id),
        }, new Date(item.created_at).toLocaleString()));
        history.replaceChildren(...(entries.length ? entries : [el("p", { class: "muted" }, "No conversation yet.")]));
      } catch (failure) {
        Page.showError(error, failure);
      }
    };

    const fresh = el("button", {
      type: "button",
      class: "plain",
      id: "chat-new",
      onclick: () => {
        current = null;
        transcript.replaceChildren();
        Page.clearError(error);
      },
    }, "New conversation");

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      Page.clearError(error);
      send.disabled = true;
      input.value = "";
      const mine = message("user", text);
      const reply = message("assistant", "");
      let accepted = false;
      reply.classList.add("streaming");
      try {
        const body = { message: text, stream: true };
        if (current) body.conversation_id = current;
        const response = await api("/v1/chat", { method: "POST", json: body, stream: true });
        accepted = true; // from here on the message is stored
        await Page.readEvents(response, (name, data) => {
          if (name === "delta") reply.textContent += data.text;
          if (name === "done") {
            current = data.conversation_id;
            reply.classList.add("done");
          }
          if (name === "error") {
            if (data.error && data.error.conversation_id) current = data.error.conversation_id;
            throw Page.streamError(data);
          }
        });
      } catch (failure) {
        reply.remove(); // not stored: the reply is kept only once complete
        if (!accepted) {
          mine.remove(); // refused before it was stored: give it back to send again
          input.value = text;
        }
        Page.showError(error, failure);
      } finally {
        if (accepted) loadHistory(); // the message is stored, with or without its reply
        reply.classList.remove("streaming");
        send.disabled = false;
      }
    });

    panel.append(el("div", { class: "columns" },
      el("div", {}, el("h2", {}, "History"), fresh, history),
      el("div", {}, el("h2", {}, "Conversation"), transcript, form, error)));
    Page.onKey(loadHistory);
    loadHistory();
  };

  Page.register({ name: "chat", title: "Chat", build });
})();
