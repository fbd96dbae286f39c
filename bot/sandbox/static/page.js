// Chat page of the Telegram sandbox. All URLs are relative so it works under any prefix.
// Bot text is rendered from text + entities with DOM nodes only, never parsed as markup.
"use strict";

const $ = (selector) => document.querySelector(selector);
const settingsForm = $("#settings");
const FIELDS = ["chat_id", "chat_type", "user_id", "first_name", "username", "language_code"];
const TAGS = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote" };
const SAFE_URL = /^(https?:|tg:|mailto:)/i;

let version = -1;
let pollToken = 0;
let lastAnswer = null;

function loadSettings() {
  const saved = JSON.parse(localStorage.getItem("sandbox-settings") || "{}");
  const defaults = { chat_id: 1001, chat_type: "private", user_id: 1001, first_name: "Alice",
    username: "alice", language_code: navigator.language || "en" };
  for (const name of FIELDS) settingsForm.elements[name].value = saved[name] ?? defaults[name];
}

function settings() {
  const values = {};
  for (const name of FIELDS) values[name] = settingsForm.elements[name].value.trim();
  localStorage.setItem("sandbox-settings", JSON.stringify(values));
  return values;
}

function status(text) { $("#status").textContent = text || ""; }

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(body.error || response.statusText), { status: response.status });
  return body;
}

function elementFor(entity) {
  if (entity.type === "text_link" || entity.type === "url") {
    const link = document.createElement("a");
    if (entity.url && SAFE_URL.test(entity.url)) link.href = entity.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }
  if (entity.type === "spoiler") {
    const span = document.createElement("span");
    span.className = "spoiler";
    span.addEventListener("click", () => span.classList.add("shown"));
    return span;
  }
  const element = document.createElement(TAGS[entity.type] || "span");
  if (entity.type === "bot_command") {
    element.className = "command";
    element.addEventListener("click", () => { $("#composer").elements.text.value = element.textContent; });
  }
  if (entity.type === "pre" && entity.language) element.dataset.language = entity.language;
  return element;
}

// Entities use UTF-16 offsets, exactly like JavaScript string indices.
function renderFormatted(text, entities) {
  const fragment = document.createDocumentFragment();
  const sorted = (entities || []).filter((e) => e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const build = (parent, start, end, items) => {
    let pos = start;
    for (let i = 0; i < items.length;) {
      const entity = items[i];
      if (entity.offset < pos) { i++; continue; }
      const entityEnd = Math.min(entity.offset + entity.length, end);
      if (entity.offset > pos) parent.append(text.slice(pos, entity.offset));
      let j = i + 1;
      while (j < items.length && items[j].offset < entityEnd) j++;
      const element = elementFor(entity);
      build(element, entity.offset, entityEnd, items.slice(i + 1, j));
      parent.append(element);
      pos = entityEnd;
      i = j;
    }
    if (pos < end) parent.append(text.slice(pos, end));
  };
  build(fragment, 0, text.length, sorted);
  return fragment;
}

function keyboard(message, chatId) {
  const rows = message.reply_markup && message.reply_markup.inline_keyboard;
  if (!Array.isArray(rows)) return null;
  const grid = document.createElement("div");
  grid.className = "keyboard";
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      let element;
      if (button.url && SAFE_URL.test(button.url)) {
        element = document.createElement("a");
        element.href = button.url;
        element.target = "_blank";
        element.rel = "noopener noreferrer";
      } else {
        element = document.createElement("button");
        element.type = "button";
        element.addEventListener("click", () => pressButton(chatId, message.message_id, button.callback_data));
      }
      element.textContent = button.text;
      line.append(element);
    }
    grid.append(line);
  }
  return grid;
}

// Photos come from the sandbox's own file store; the largest size is the last one.
function photoElement(sizes) {
  const largest = sizes[sizes.length - 1];
  const image = document.createElement("img");
  image.className = "photo";
  image.alt = "photo";
  image.src = `api/files/${encodeURIComponent(largest.file_id)}`;
  image.width = Math.min(largest.width, 320);
  image.height = Math.round(image.width * largest.height / largest.width);
  return image;
}

function bubble(message, chatId, byId) {
  const div = document.createElement("div");
  div.className = `msg ${message.from}`;
  const replied = message.reply_to_message_id && byId.get(message.reply_to_message_id);
  if (replied) {
    const quote = document.createElement("span");
    quote.className = "reply";
    quote.textContent = (replied.text || replied.caption || "Photo").slice(0, 80);
    div.append(quote);
  }
  if (message.photo) {
    div.append(photoElement(message.photo));
    if (message.caption) div.append(renderFormatted(message.caption, message.caption_entities));
  } else {
    div.append(renderFormatted(message.text, message.entities));
  }
  const board = keyboard(message, chatId);
  if (board) div.append(board);
  const meta = document.createElement("span");
  meta.className = "meta";
  const time = new Date(message.date * 1000).toLocaleTimeString();
  const who = message.from === "user" && message.user ? `${message.user.first_name} · ` : "";
  meta.textContent = `${who}#${message.message_id} · ${time}${message.edit_count ? ` · edited ×${message.edit_count}` : ""}`;
  div.append(meta);
  return div;
}

function draftBubble(draft) {
  const div = document.createElement("div");
  div.className = "msg bot draft";
  if (draft.text) div.append(renderFormatted(draft.text, draft.entities));
  else div.append("Thinking…");
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `draft ${draft.draft_id}`;
  div.append(meta);
  return div;
}

function render(detail, chatId) {
  const box = $("#messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const byId = new Map(detail.messages.map((m) => [m.message_id, m]));
  box.replaceChildren(...detail.messages.map((m) => bubble(m, chatId, byId)),
    ...detail.drafts.map(draftBubble));
  $("#typing").hidden = !detail.typing;
  $("#typing").textContent = detail.typing ? `bot: ${detail.typing.replace(/_/g, " ")}…` : "";
  const answer = detail.callback_answers.at(-1);
  if (answer && answer.callback_query_id !== lastAnswer) {
    lastAnswer = answer.callback_query_id;
    if (answer.text) showToast(answer.text);
  }
  if (atBottom) box.scrollTop = box.scrollHeight;
}

function showToast(text) {
  const toast = $("#toast");
  toast.textContent = text;
  toast.hidden = false;
  setTimeout(() => { toast.hidden = true; }, 4000);
}

async function poll() {
  const token = ++pollToken;
  version = -1;
  $("#messages").replaceChildren();
  while (token === pollToken) {
    const chatId = settings().chat_id;
    try {
      const detail = await api(`api/chats/${encodeURIComponent(chatId)}/messages?since=${version}&wait=3`);
      if (token !== pollToken) return;
      if (detail.version !== version) render(detail, chatId);
      version = detail.version;
    } catch (error) {
      if (error.status !== 404) status(`Cannot reach the sandbox: ${error.message}`);
      await new Promise((resolve) => setTimeout(resolve, error.status === 404 ? 300 : 1000));
    }
  }
}

async function send(text) {
  const values = settings();
  const body = { text, chat_type: values.chat_type, user_id: Number(values.user_id) };
  for (const key of ["first_name", "username", "language_code"]) if (values[key]) body[key] = values[key];
  try {
    await api(`api/chats/${encodeURIComponent(values.chat_id)}/messages`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    status("");
    return true;
  } catch (error) {
    status(error.message);
    return false;
  }
}

async function sendPhoto(file, caption) {
  const values = settings();
  const form = new FormData();
  form.append("photo", file);
  if (caption.trim()) form.append("caption", caption);
  for (const key of ["chat_type", "user_id", "first_name", "username", "language_code"]) {
    if (values[key]) form.append(key, values[key]);
  }
  try {
    await api(`api/chats/${encodeURIComponent(values.chat_id)}/photos`, { method: "POST", body: form });
    status("");
    return true;
  } catch (error) {
    status(error.message);
    return false;
  }
}

async function pressButton(chatId, messageId, data) {
  const values = settings();
  try {
    await api(`api/chats/${encodeURIComponent(chatId)}/callback_queries`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message_id: messageId, data, user_id: Number(values.user_id),
        first_name: values.first_name || undefined, language_code: values.language_code || undefined }) });
  } catch (error) { status(error.message); }
}

async function refreshSidebar() {
  try {
    const { chats } = await api("api/chats");
    const current = settings().chat_id;
    $("#chats").replaceChildren(...chats.map((chat) => {
      const item = document.createElement("li");
      item.textContent = `${chat.title || chat.first_name || chat.id} (${chat.type}, ${chat.id})`;
      if (String(chat.id) === current) item.className = "active";
      item.addEventListener("click", () => {
        settingsForm.elements.chat_id.value = chat.id;
        settingsForm.elements.chat_type.value = chat.type;
        if (chat.type === "private") settingsForm.elements.user_id.value = chat.id;
        settings();
        poll();
      });
      return item;
    }));
    const { commands } = await api("api/profile");
    const lang = settings().language_code.slice(0, 2);
    const pick = commands.find((c) => c.language_code === lang) || commands.find((c) => !c.language_code);
    $("#commands").replaceChildren(...(pick ? pick.commands : []).map((command) => {
      const item = document.createElement("li");
      item.textContent = `/${command.command} — ${command.description}`;
      item.addEventListener("click", () => { $("#composer").elements.text.value = `/${command.command}`; });
      return item;
    }));
  } catch (error) { /* shown by the poll loop */ }
}

$("#composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const field = event.target.elements.text;
  if (field.value.trim() && await send(field.value)) field.value = "";
});
$("#composer").elements.photo.addEventListener("change", async (event) => {
  const input = event.target;
  const text = $("#composer").elements.text;
  if (input.files.length && await sendPhoto(input.files[0], text.value)) text.value = "";
  input.value = "";
});
$("#composer").elements.text.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("#composer").requestSubmit(); }
});
settingsForm.addEventListener("change", (event) => {
  if (event.target.name === "chat_type" || event.target.name === "chat_id") {
    const values = settings();
    if (values.chat_type === "private") settingsForm.elements.user_id.value = values.chat_id;
    poll();
  }
  settings();
});

loadSettings();
poll();
refreshSidebar();
setInterval(refreshSidebar, 3000);
