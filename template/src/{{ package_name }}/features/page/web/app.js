// The page's shell: the API key, the tabs, calls to the API and readable errors.
// Each use case ships its own tab (features/<name>/web/tab.js), which calls Page.register.
"use strict";

(() => {
  const KEY = "page.apiKey";
  const tabs = new Map();
  const keyListeners = [];

  // keySent: whether the request carried an API key (a 401 then means the key was refused).
  class ApiError extends Error {
    constructor(status, code, message, retryAfter, keySent = false) {
      super(message);
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
      this.keySent = keySent;
    }
  }

  // el("p", {class: "x", id: "y"}, "text", child): attributes; "on<event>" adds a listener.
  const el = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    node.append(...children.filter((child) => child !== undefined && child !== null));
    return node;
  };

  const sentence = (text) => (/[.!?]$/.test(text) ? text : `${text}.`);

  // The key as typed in the field, at this moment: typing it is enough, no button to press.
  const key = () => {
    const input = document.getElementById("api-key");
    return (input ? input.value : sessionStorage.getItem(KEY) || "").trim();
  };

  // What a header can carry: a key with other characters would make fetch itself throw.
  const PRINTABLE = /^[\x21-\x7e]+$/;

  const errorOf = async (response, keySent) => {
    let code = "error";
    let message = response.statusText || "the request failed";
    try {
      const body = await response.json();
      if (body && body.error) {
        code = body.error.code || code;
        message = body.error.message || message;
      }
    } catch (_) {
      // not JSON: keep the status text
    }
    return new ApiError(response.status, code, message, response.headers.get("Retry-After"), keySent);
  };

  // A call to the API with the key; JSON in and out. A status >= 400 throws an ApiError.
  const api = async (path, { method = "GET", json, body, contentType, stream = false } = {}) => {
    const headers = {};
    const typed = key();
    if (typed && !PRINTABLE.test(typed)) {
      throw new ApiError(0, "bad_key", "The API key above has characters no key has (spaces, accents?): type it again", null);
    }
    if (typed) headers.Authorization = `Bearer ${typed}`;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (contentType) {
      headers["Content-Type"] = contentType;
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body });
    } catch (error) {
      throw new ApiError(0, "network", `The service did not answer (${error.message})`, null);
    }
    if (!response.ok) throw await errorOf(response, Boolean(typed));
    if (stream) return response;
    return response.status === 204 ? null : response.json();
  };

  // An error that a stream reports as an event: the status the same error would have had.
  const STREAM_STATUS = { not_found: 404, provider_error: 502, shutting_down: 503, database_unavailable: 503 };
  const streamError = (data) => {
    const error = (data && data.error) || {};
    const status = STREAM_STATUS[error.code] || 500;
    return new ApiError(status, error.code || "error", error.message || "the stream failed", null);
  };

  // Read a text/event-stream response, calling onEvent(name, data) for each event.
  const readEvents = async (response, onEvent) => {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const dispatch = (frame) => {
      let name = "message";
      const data = [];
      for (const line of frame.split("\n")) {
        const clean = line.replace(/\r$/, "");
        if (clean.startsWith("event:")) name = clean.slice(6).trim();
        else if (clean.startsWith("data:")) data.push(clean.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let at;
        while ((at = buffer.indexOf("\n\n")) >= 0) {
          dispatch(buffer.slice(0, at));
          buffer = buffer.slice(at + 2);
        }
      }
      buffer += decoder.decode();
      if (buffer.trim()) dispatch(buffer);
    } finally {
      reader.cancel().catch(() => {});
    }
  };

  // What a person reads for an error: what went wrong, and what to do.
  const describe = (error) => {
    if (!(error instanceof ApiError)) return `Something went wrong: ${error.message || error}`;
    const wait = error.retryAfter ? ` Retry after ${error.retryAfter} s.` : "";
    switch (error.status) {
      case 0:
        return sentence(error.message);
      case 401:
        if (error.keySent) {
          return `The API key was refused: ${sentence(error.message)} Check the key typed above.`;
        }
        return `This service needs an API key: ${sentence(error.message)} Type one above.`;
      case 429:
        if (error.code === "budget_exceeded") {
          return `The token budget is used up: ${sentence(error.message)}${wait}`;
        }
        return `Too many requests: ${sentence(error.message)}${wait}`;
      case 502:
        return `The model provider failed: ${sentence(error.message)} Try again later.`;
      case 503:
        return `The service is unavailable: ${sentence(error.message)}${wait}`;
      default:
        return `Error ${error.status} (${error.code}): ${sentence(error.message)}`;
    }
  };

  const showError = (target, error) => {
    target.textContent = describe(error);
    target.hidden = false;
  };

  const clearError = (target) => {
    target.textContent = "";
    target.hidden = true;
  };

  // A result as a person reads it: text as text, lists as lists, objects as named fields.
  const render = (value) => {
    if (value === null || value === undefined) return el("span", { class: "muted" }, "(none)");
    if (Array.isArray(value)) return el("ul", {}, ...value.map((item) => el("li", {}, render(item))));
    if (typeof value === "object") {
      const list = el("dl");
      for (const [name, item] of Object.entries(value)) {
        list.append(el("dt", {}, name.replace(/_/g, " ")), el("dd", {}, render(item)));
      }
      return list;
    }
    return el("span", { class: "text" }, String(value));
  };

  const select = (name) => {
    for (const [other, tab] of tabs) {
      tab.button.setAttribute("aria-selected", String(other === name));
      tab.panel.hidden = other !== name;
    }
  };

  const register = ({ name, title, build }) => {
    const tab = tabs.get(name);
    if (!tab) return;
    tab.button.textContent = title;
    build(tab.panel);
  };

  const onKey = (listener) => keyListeners.push(listener);

  window.Page = { ApiError, api, clearError, describe, el, onKey, readEvents, register, render, showError, streamError };

  // The key goes with the next request as soon as it is typed, and is kept for this tab;
  // once it is done (the field left, or Enter) the tabs reload what they show with it.
  const setUpKey = () => {
    const form = document.getElementById("key-form");
    const input = document.getElementById("api-key");
    const state = document.getElementById("key-state");
    const keep = () => {
      const value = key();
      if (value) sessionStorage.setItem(KEY, value);
      else sessionStorage.removeItem(KEY);
      state.textContent = value ? "sent with every request from this tab" : "no key: requests go without one";
    };
    let loadedWith = null; // the key the tabs last reloaded with: once per key, not per event
    const reload = () => {
      if (key() === loadedWith) return;
      loadedWith = key();
      for (const listener of keyListeners) listener();
    };
    input.value = sessionStorage.getItem(KEY) || "";
    loadedWith = key(); // the tabs load with it as they start
    keep();
    input.addEventListener("input", keep);
    input.addEventListener("change", reload);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      reload();
    });
  };

  const load = (src) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = false; // in the order given: helpers first, then the tabs
    document.head.append(script);
  };

  const start = async () => {
    setUpKey();
    const response = await fetch("/page/config.json");
    const config = await response.json();
    const nav = document.getElementById("tabs");
    const panels = document.getElementById("panels");
    for (const { name } of config.tabs) {
      const button = el("button", {
        type: "button",
        role: "tab",
        id: `tab-${name}`,
        "aria-controls": `panel-${name}`,
        onclick: () => select(name),
      }, name);
      const panel = el("section", { role: "tabpanel", id: `panel-${name}`, "aria-labelledby": `tab-${name}` });
      nav.append(button);
      panels.append(panel);
      tabs.set(name, { button, panel });
    }
    if (config.tabs.length) select(config.tabs[0].name);
    for (const src of config.scripts) load(src);
    for (const { script } of config.tabs) load(script);
  };

  start();
})();
